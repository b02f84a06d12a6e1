#!/usr/bin/env bash
# Time and peak memory of `evident regress` (HC2, y on ten covariates), in memory
# and --stream, from CSV and Parquet, against R (data.table::fread +
# estimatr::lm_robust) in the same run, from 1e5 to 5e7 rows. Writes one line per
# run (tab-separated: rows, program, format, mode, seconds, peak MB) to
# $work/results.tsv; docs/performance.md holds a run's table.
#   bash benches/regress_vs_r.sh [work folder] [sizes...]
# Defaults: /work/bigdata, sizes 1e5 1e6 5e6 1e7 5e7. R runs up to R_MAX_ROWS
# (5e6); in-memory runs up to MEMORY_MAX_ROWS (1e7: 5e7 rows in memory need
# about 10 GB); the 5e7-row file is Parquet only (--stream).
set -euo pipefail
work=${1:-/work/bigdata}
shift || true
sizes=${*:-1e5 1e6 5e6 1e7 5e7}
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-/opt/evident-ref/bin/python}
r_max=${R_MAX_ROWS:-5000000}
memory_max=${MEMORY_MAX_ROWS:-10000000}
runs=${RUNS:-2}
mkdir -p "$work"
(cd "$repo" && cargo build --release --quiet)
evident="$repo/target/release/evident"
results="$work/results.tsv"
printf 'rows\tprogram\tformat\tmode\twall_s\tcpu_s\tpeak_mb\n' > "$results"
covariates=x1,x2,x3,x4,x5,x6,x7,x8,x9,x10

# Runs a command $runs times, keeping the fastest time and its peak memory.
measure() {
  local label=$1
  shift
  local best_s="" best_cpu="" best_kb=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" > "$work/out.txt"
    read -r s user system kb < "$work/time.txt"
    if [ -z "$best_s" ] || awk "BEGIN { exit !($s < $best_s) }"; then
      best_s=$s
      best_cpu=$(awk "BEGIN { print $user + $system }")
      best_kb=$kb
    fi
  done
  printf '%s\t%s\t%s\t%s\n' "$label" "$best_s" "$best_cpu" "$((best_kb / 1024))" | tee -a "$results"
}

for size in $sizes; do
  echo "# $size rows, load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results"
  rows=$(awk "BEGIN { printf \"%d\", $size }")
  stem="$work/regress_$size"
  if [ "$rows" -gt "$memory_max" ]; then
    [ -f "$stem.parquet" ] || "$python" "$repo/benches/make_regress_data.py" "$rows" "$stem" --no-csv
  else
    [ -f "$stem.csv" ] || "$python" "$repo/benches/make_regress_data.py" "$rows" "$stem"
  fi
  for format in csv parquet; do
    [ -f "$stem.$format" ] || continue
    common=(regress --data "$stem.$format" --outcome y --covariates "$covariates" --se-type HC2 --json)
    if [ "$rows" -le "$memory_max" ]; then
      measure "$rows	evident	$format	memory" "$evident" "${common[@]}"
    fi
    measure "$rows	evident	$format	stream" "$evident" "${common[@]}" --stream
  done
  if [ "$rows" -le "$r_max" ] && [ -f "$stem.csv" ]; then
    measure "$rows	R fread+lm_robust	csv	memory" Rscript "$repo/benches/regress_vs_r.R" "$stem.csv"
    cat "$work/out.txt"
  fi
done
