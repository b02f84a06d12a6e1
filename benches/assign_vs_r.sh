#!/usr/bin/env bash
# Side-by-side timing of the issue's assignment benchmark: 10,000,000 units in 1,000
# blocks, block-randomised, CSV read and written, by `evident assign` (release build)
# and by R (data.table + randomizr's block_ra), in the same run, so the ratio holds
# on a shared, noisy machine. Needs R with data.table and a randomizr checkout:
#   git clone https://github.com/DeclareDesign/randomizr /tmp/randomizr
#   bash benches/assign_vs_r.sh [/tmp/randomizr] [work folder]
set -euo pipefail
randomizr=${1:-/tmp/randomizr}
work=${2:-/tmp/assign10m}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
if [ ! -f "$work/units.csv" ]; then
  awk 'BEGIN { print "id,block"; for (i = 1; i <= 10000000; i++)
         printf "U%08d,B%04d\n", (i * 7919) % 10000000 + 1, i % 1000 }' > "$work/units.csv"
fi
cat > "$work/study.json" <<'JSON'
{
  "evident": 1,
  "title": "10M block-randomised units (benchmark)",
  "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]},
  "design": {
    "kind": "rct",
    "units": {"file": "units.csv", "id": "id"},
    "arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}],
    "assignment": {"method": "blocked", "blocks": ["block"], "seed": 1}
  },
  "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}],
  "report": {"dir": "out"}
}
JSON
(cd "$repo" && cargo build --release --quiet)
for run in 1 2 3; do
  rm -rf "$work/out"
  /usr/bin/time -f "evident: %e s wall, %M KB peak" "$repo/target/release/evident" assign "$work/study.json" > /dev/null
  /usr/bin/time -f "R (whole process): %e s wall, %M KB peak" Rscript "$repo/benches/assign_vs_r.R" "$randomizr" "$work/units.csv" "$work/r_assignments.csv"
done
sha256sum "$work/out/assignments.csv"
