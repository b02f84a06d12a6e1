#!/bin/sh
# Times Evident's RD (release, criterion) and rdrobust's Python port on the same sizes in
# one run; the figures go to docs/performance.md.
set -e
cd "$(dirname "$0")/.."
cargo bench --bench rdd -- --noplot 2>&1 | grep -E "^rdd/|time:"
/opt/evident-ref/bin/python benches/rdd_peer.py
