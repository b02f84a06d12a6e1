#!/bin/sh
# Synthetic control side by side: Evident's whole process (`evident run`: CSV read, nested
# fit, 100 placebo-in-space refits, placebo-in-time, leave-one-out, report.json) against
# pysyncon's ONE nested fit, on the same panel (1 treated unit, 100 donors, 40
# pre-periods, 10 post-periods). Wall and CPU seconds from /usr/bin/time -v, since the
# machine may be shared. Needs a release build (cargo build --release --bin evident).
set -e
cd "$(dirname "$0")/.."
out=$(mktemp -d)
/opt/evident-ref/bin/python benches/synth_vs_pysyncon.py "$out"
echo "evident run (101 fits, whole process):"
/usr/bin/time -v target/release/evident run "$out/study.json" --out "$out/report" 2>"$out/time.txt" >/dev/null
grep -E "Elapsed \(wall|User time|System time" "$out/time.txt"
/opt/evident-ref/bin/python benches/synth_vs_pysyncon.py "$out" --peer
rm -rf "$out"
