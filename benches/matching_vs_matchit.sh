#!/usr/bin/env bash
# Side-by-side timing of the match stage against MatchIt, in the same run, on the same
# pools (benches/make_match_data.py: 10% treated, 10 covariates), CSV read included:
#   PS (logistic) + 1:1 nearest neighbour, caliper 0.2 SD, at N = 1e4 1e5 1e6 1e7
#     (MatchIt only while it finishes within MATCHIT_LIMIT seconds, default 90);
#   Mahalanobis 1:1 nearest neighbour and entropy balancing at the same sizes
#     (Mahalanobis up to MAHALANOBIS_MAX, default 1e6), for the log-log table.
# Reports wall seconds, CPU seconds (user + system) and peak RSS from /usr/bin/time -v,
# because the machine may be shared. Build first: cargo build --release.
# Usage: benches/matching_vs_matchit.sh [SIZES...]   (default: 1e4 1e5 1e6 1e7)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
evident="${EVIDENT:-$here/../target/release/evident}"
python="${PYTHON:-/opt/evident-ref/bin/python}"
work="${WORK:-/tmp/evident-match-bench}"
limit="${MATCHIT_LIMIT:-90}"
sizes=("${@:-1e4 1e5 1e6 1e7}")
sizes=(${sizes[*]})
mkdir -p "$work"

pool() { # N -> path of the pool CSV, generated once
  local dir="$work/$1"
  mkdir -p "$dir"
  [ -s "$dir/pool.csv" ] || "$python" "$here/make_match_data.py" "$1" "$dir/pool.csv"
  echo "$dir/pool.csv"
}

spec() { # N NAME MATCHING-JSON -> spec path
  local dir="$work/$1/$2"
  mkdir -p "$dir"
  cat > "$dir/study.json" <<JSON
{
  "evident": 1,
  "title": "Matching benchmark",
  "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]},
  "design": {
    "kind": "matched_comparison",
    "arms": [{"name": "comparison", "share": 0.5}, {"name": "supported", "share": 0.5}],
    "control": "comparison",
    "matching": $3
  },
  "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}],
  "analysis": {"data": "../pool.csv", "id": "id", "treatment": "group",
               "covariates": ["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10"]},
  "evidence": {"target_level": 1},
  "report": {"dir": "out"}
}
JSON
  echo "$dir/study.json"
}

measure() { # label N command... -> one table row
  local label="$1" n="$2"; shift 2
  local log
  log="$(mktemp)"
  if timeout "$limit" /usr/bin/time -v "$@" > /dev/null 2> "$log"; then
    local wall user sys rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
      awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    user=$(awk -F': ' '/User time/ {print $2}' "$log")
    sys=$(awk -F': ' '/System time/ {print $2}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    printf "%-28s %10s %9.2f %9.2f %9.0f\n" "$label" "$n" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
  else
    printf "%-28s %10s %9s %9s %9s\n" "$label" "$n" "> ${limit}s" "-" "-"
  fi
  rm -f "$log"
}

printf "%-28s %10s %9s %9s %9s\n" "job" "N" "wall s" "CPU s" "peak MB"
for n in "${sizes[@]}"; do
  csv="$(pool "$n")"
  s="$(spec "$n" ps '{"method": "nearest", "distance": "glm", "caliper": 0.2}')"
  measure "evident PS+NN caliper" "$n" "$evident" match "$s" --force
  if [ "${matchit_done:-}" != 1 ]; then
    row="$(measure "MatchIt PS+NN caliper" "$n" Rscript "$here/matching_vs_matchit.R" "$csv" ps)"
    echo "$row"
    case "$row" in *">"*) matchit_done=1 ;; esac
  fi
done
# How cost grows with N: Mahalanobis (a k-d tree search) and entropy balancing at every
# size the pools allow (Mahalanobis up to MAHALANOBIS_MAX, default 1e6); the peers
# while they finish within the limit.
maha_max="${MAHALANOBIS_MAX:-1e6}"
for n in "${sizes[@]}"; do
  if [ "$(printf '%.0f' "$n")" -le "$(printf '%.0f' "$maha_max")" ]; then
    csv="$(pool "$n")"
    s="$(spec "$n" mahalanobis '{"method": "nearest", "distance": "mahalanobis"}')"
    measure "evident Mahalanobis NN" "$n" "$evident" match "$s" --force
    if [ "${matchit_maha_done:-}" != 1 ]; then
      row="$(measure "MatchIt Mahalanobis NN" "$n" Rscript "$here/matching_vs_matchit.R" "$csv" mahalanobis)"
      echo "$row"
      case "$row" in *">"*) matchit_maha_done=1 ;; esac
    fi
  fi
done
if ! Rscript -e 'quit(status = !requireNamespace("WeightIt", quietly = TRUE))' 2>/dev/null; then
  echo "(WeightIt is not installed: entropy balancing is timed on Evident's side only)"
  weightit_done=1
fi
for n in "${sizes[@]}"; do
  csv="$(pool "$n")"
  s="$(spec "$n" entropy '{"method": "entropy"}')"
  measure "evident entropy balancing" "$n" "$evident" match "$s" --force
  if [ "${weightit_done:-}" != 1 ]; then
    row="$(measure "WeightIt ebal" "$n" Rscript "$here/matching_vs_matchit.R" "$csv" entropy)"
    echo "$row"
    case "$row" in *">"*|*" - "*) weightit_done=1 ;; esac
  fi
done
