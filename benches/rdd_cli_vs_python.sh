#!/bin/sh
# RD whole process, log-log over n = 1e4, 1e5, 1e6: `evident run` (CSV read, mserd
# bandwidths, robust bias-corrected inference, density test, covariate continuity,
# placebo cut-offs, bandwidth sensitivity, report.json) against rdrobust's Python port
# (the estimate alone) on the same data in the same run. Wall and CPU seconds from
# /usr/bin/time -v. Needs a release build (cargo build --release --bin evident).
set -e
cd "$(dirname "$0")/.."
for n in 10000 100000 1000000; do
  out=$(mktemp -d)
  /opt/evident-ref/bin/python benches/rdd_cli_vs_python.py "$out" "$n"
  /usr/bin/time -v target/release/evident run "$out/study.json" --out "$out/report" 2>"$out/time.txt" >/dev/null
  echo "evident run n=$n:"
  grep -E "Elapsed \(wall|User time|System time" "$out/time.txt"
  /opt/evident-ref/bin/python benches/rdd_cli_vs_python.py "$out" "$n" --peer
  rm -rf "$out"
done
