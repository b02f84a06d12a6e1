# MatchIt's side of benches/matching_vs_matchit.sh: the same job as `evident match`,
# CSV read included. Usage: Rscript matching_vs_matchit.R POOL.csv METHOD
#   ps           propensity score (glm) + 1:1 nearest neighbour, caliper 0.2 SD
#   mahalanobis  1:1 nearest neighbour on the Mahalanobis distance
#   entropy      entropy balancing (WeightIt's "ebal" when installed; else skipped)
suppressPackageStartupMessages({
  library(data.table)
  library(MatchIt)
})
args <- commandArgs(trailingOnly = TRUE)
pool <- fread(args[1])
pool[, treated := as.integer(group == "supported")]
f <- treated ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10
started <- proc.time()
m <- switch(args[2],
  ps = matchit(f, data = pool, method = "nearest", distance = "glm", caliper = 0.2),
  mahalanobis = matchit(f, data = pool, method = "nearest", distance = "mahalanobis"),
  entropy = {
    if (!requireNamespace("WeightIt", quietly = TRUE)) {
      cat("WeightIt not installed\n")
      quit(status = 3)
    }
    WeightIt::weightit(f, data = pool, method = "ebal", estimand = "ATT")
  }
)
fwrite(data.table(id = pool$id, weight = m$weights), tempfile(fileext = ".csv"))
cat(sprintf("matched %d\n", sum(m$weights > 0)))
