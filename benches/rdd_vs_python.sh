#!/bin/sh
# Times Evident's RD engine and rdrobust's Python port on the same data-generating
# process and sizes in one run (Evident before and after the peer, so a change in the
# machine's load shows); the figures go to docs/performance.md. Evident's line gives the
# best wall time of five estimates (mserd bandwidths, robust inference: what rdrobust
# computes) and their mean CPU seconds, then the analysis's checks.
#   sh benches/rdd_vs_python.sh        (needs /opt/evident-ref: tools/install-references)
# `cargo bench --bench rdd` times the same estimate with criterion.
set -e
cd "$(dirname "$0")/.."
cargo build --release --example rd_timing 2>/dev/null
uptime
./target/release/examples/rd_timing 100000 1000000
/opt/evident-ref/bin/python benches/rdd_peer.py
./target/release/examples/rd_timing 100000 1000000
uptime
