#!/usr/bin/env bash
# Two-way fixed effects with unit-clustered CR2 standard errors on a balanced panel,
# side by side in the same run: Evident (examples/did_timing, release build) and R
# estimatr::lm_robust(y ~ d, fixed_effects = ~ unit + period, clusters = unit,
# se_type = "CR2"), both reading the same CSV (data.table::fread for R). Prints wall
# and CPU seconds (user + system, /usr/bin/time) and peak memory of each whole
# process, the fit time each reports, and both coefficients and SEs.
#   bash benches/did_vs_estimatr.sh [work folder] [units] [periods]
# Defaults: /tmp/did_vs_estimatr, 100000 units x 20 periods (half treated from
# period 11). Needs `cargo build --release --example did_timing`.
set -euo pipefail
work=${1:-/tmp/did_vs_estimatr}
units=${2:-100000}
periods=${3:-20}
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-/opt/evident-ref/bin/python}
mkdir -p "$work"
"$python" - "$work/panel.csv" "$units" "$periods" <<'PY'
import sys
import numpy as np
path, units, periods = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(18)
u = np.repeat(np.arange(1, units + 1), periods)
t = np.tile(np.arange(1, periods + 1), units)
treated = np.repeat(rng.random(units) < 0.5, periods)
d = (treated & (t > periods // 2)).astype(int)
y = np.repeat(rng.normal(size=units), periods) + 0.05 * t + 0.3 * d + rng.normal(size=units * periods)
with open(path, "w") as f:
    f.write("unit,period,d,y\n")
    f.write("".join(f"{a},{b},{c},{v:.6f}\n" for a, b, c, v in zip(u, t, d, y)))
PY
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" > "$work/$label.out"
  read -r wall user system kb < "$work/time.txt"
  printf '%s\t%s units x %s periods\twall %ss\tcpu %ss\tpeak %s MB\t%s\n' "$label" "$units" "$periods" \
    "$wall" "$(awk "BEGIN { print $user + $system }")" "$((kb / 1024))" "$(tr -d '\n' < "$work/$label.out")"
}
measure evident "$repo/target/release/examples/did_timing" "$work/panel.csv"
measure estimatr Rscript -e '
suppressPackageStartupMessages({ library(data.table); library(estimatr) })
d <- fread(commandArgs(trailingOnly = TRUE)[1])
start <- Sys.time()
f <- lm_robust(y ~ d, data = d, fixed_effects = ~ unit + period, clusters = unit, se_type = "CR2")
fit_s <- as.numeric(difftime(Sys.time(), start, units = "secs"))
cat(sprintf("{\"fit_s\": %.3f, \"estimate\": %.15g, \"std_error\": %.15g, \"df\": %.15g}", fit_s, coef(f)[["d"]], f$std.error[["d"]], f$df[["d"]]))
' "$work/panel.csv"
