#!/usr/bin/env bash
# Interrupted time series for many series (an analyst looping over wards), whole
# process, in the same run: `evident analyse` on a spec with
# design.interrupted_time_series.series (reads the CSV, fits one segmented
# regression with Newey-West SEs per series in parallel, grades), R (data.table::fread,
# then a loop of lm + sandwich::NeweyWest(lag = 3, prewhite = FALSE, adjust = TRUE)),
# and Python (pandas.read_csv, then a loop of statsmodels OLS with cov_type = "HAC",
# maxlags = 3). All three fit y ~ t + post + (t - T1) * post with lag 3, Evident's
# default rule for 48 periods (floor(4 (48/100)^(2/9))). Prints wall and CPU seconds
# (user + system, /usr/bin/time) and peak memory for each, and the first series'
# level change from each as a check that they fit the same model.
#   bash benches/its_vs_peers.sh [work folder] [series] [periods]
# Defaults: /tmp/its_vs_peers, 10000 series, 48 months (intervention at month 25).
# Needs a release build (cargo build --release).
set -euo pipefail
work=${1:-/tmp/its_vs_peers}
series=${2:-10000}
periods=${3:-48}
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-/opt/evident-ref/bin/python}
evident=${EVIDENT:-$repo/target/release/evident}
mkdir -p "$work"
"$python" "$repo/benches/make_its_series.py" "$work" "$series" "$periods"

measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" > "$work/$label.out"
  read -r wall user system kb < "$work/time.txt"
  printf '%s\t%s series x %s periods\twall %ss\tcpu %ss\tpeak %s MB\n' "$label" "$series" "$periods" \
    "$wall" "$(awk "BEGIN { print $user + $system }")" "$((kb / 1024))"
}

measure evident "$evident" analyse --json "$work/study.json"
measure R Rscript -e '
suppressPackageStartupMessages({ library(data.table); library(sandwich) })
args <- commandArgs(trailingOnly = TRUE)
d <- fread(args[1])
t1 <- 25
first <- NULL
for (w in split(d, by = "ward", keep.by = FALSE)) {
  post <- as.numeric(w$month >= t1)
  fit <- lm(w$falls ~ I(w$month - 1) + post + I((w$month - t1) * post))
  se <- sqrt(diag(NeweyWest(fit, lag = 3, prewhite = FALSE, adjust = TRUE)))
  if (is.null(first)) first <- c(coef(fit)[3], se[3])
}
cat(sprintf("first level change %.12g (SE %.12g)\n", first[1], first[2]))
' "$work/wards.csv"
measure python "$python" -c '
import sys
import numpy as np, pandas as pd, statsmodels.api as sm
d = pd.read_csv(sys.argv[1])
t1 = 25
first = None
for _, w in d.groupby("ward", sort=True):
    m = w["month"].to_numpy(float)
    post = (m >= t1).astype(float)
    X = np.column_stack([np.ones_like(m), m - 1, post, (m - t1) * post])
    fit = sm.OLS(w["falls"].to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True})
    if first is None:
        first = (fit.params[2], fit.bse[2])
print("first level change %.12g (SE %.12g)" % first)
' "$work/wards.csv"
for f in R python; do printf '%s: %s\n' "$f" "$(cat "$work/$f.out")"; done
"$python" -c '
import json, sys
first = json.load(open(sys.argv[1]))["analysis"]["interrupted_time_series"]["by_series"]["series"][0]["level_change"]
print("evident: first level change %.12g (SE %.12g)" % (first["estimate"], first["std_error"]))
' "$work/evident.out"
