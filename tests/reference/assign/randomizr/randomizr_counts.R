# Assignment probabilities and count distributions from R's randomizr, for
# tests/parity_randomizr.rs. randomizr is not packaged for Debian; this script sources
# the package's R files from a checkout of github.com/DeclareDesign/randomizr
# (version 1.0.0, commit b0c2b6e), which needs no compiled code for these functions:
#
#   Rscript randomizr_counts.R /path/to/randomizr > randomizr_counts.json
#
# Exact assignment vectors depend on R's RNG, so (parity-notes.md) only the
# probabilities randomizr reports and the distribution of counts per arm and block
# over many draws are compared.
suppressMessages(library(jsonlite))
args <- commandArgs(trailingOnly = TRUE)
src <- if (length(args) > 0) args[1] else "randomizr"
files <- list.files(file.path(src, "R"), full.names = TRUE)
files <- files[!basename(files) %in% c("zzz.R", "randomizr-package.r")]
for (f in files) source(f)

draws <- 20000
set.seed(20261125)

# Distribution of the count of each arm in each block over `draws` assignments.
count_frequencies <- function(assign, blocks, conditions) {
  out <- list()
  for (b in sort(unique(blocks))) {
    per_arm <- list()
    for (k in seq_along(conditions)) per_arm[[k]] <- integer(0)
    out[[b]] <- per_arm
  }
  tallies <- lapply(sort(unique(blocks)), function(b) matrix(0L, draws, length(conditions)))
  names(tallies) <- sort(unique(blocks))
  for (d in seq_len(draws)) {
    z <- assign()
    for (b in names(tallies)) {
      zb <- z[blocks == b]
      tallies[[b]][d, ] <- sapply(conditions, function(k) sum(zb == k))
    }
  }
  lapply(names(tallies), function(b) {
    t <- tallies[[b]]
    list(block = b, n = sum(blocks == b),
         arms = lapply(seq_along(conditions), function(k) {
           tab <- table(t[, k])
           list(counts = I(as.integer(names(tab))), frequency = I(as.numeric(tab) / draws),
                mean = mean(t[, k]))
         }))
  })
}

cases <- list()
add <- function(name, call, probs, blocks, conditions, assign, shares) {
  cases[[length(cases) + 1]] <<- list(
    name = name, call = call, shares = shares, conditions = conditions,
    block_sizes = I(as.integer(table(blocks)[sort(unique(blocks))])),
    probabilities = unname(probs), draws = draws,
    blocks = count_frequencies(assign, blocks, conditions))
}

for (case in list(list(N = 7, p = 0.5), list(N = 10, p = 0.3), list(N = 13, p = 0.25),
                  list(N = 3, p = 0.9))) {
  blocks <- rep("all", case$N)
  add(sprintf("complete_ra N=%d prob=%g", case$N, case$p),
      sprintf("complete_ra(N = %d, prob = %g)", case$N, case$p),
      unique(complete_ra_probabilities(N = case$N, prob = case$p)),
      blocks, c(0, 1), function() complete_ra(N = case$N, prob = case$p),
      c(1 - case$p, case$p))
}
for (case in list(list(N = 9, p = c(0.2, 0.3, 0.5)), list(N = 10, p = c(0.25, 0.25, 0.5)),
                  list(N = 11, p = c(1, 1, 1) / 3))) {
  blocks <- rep("all", case$N)
  conditions <- c("T1", "T2", "T3")
  add(sprintf("complete_ra N=%d prob_each=(%s)", case$N, paste(round(case$p, 4), collapse = ", ")),
      sprintf("complete_ra(N = %d, prob_each = c(%s))", case$N, paste(case$p, collapse = ", ")),
      unique(complete_ra_probabilities(N = case$N, prob_each = case$p)),
      blocks, conditions, function() complete_ra(N = case$N, prob_each = case$p), case$p)
}
blocks <- rep(c("a", "b", "c"), c(5, 9, 12))
add("block_ra sizes 5, 9, 12 prob 0.5", "block_ra(blocks, prob = 0.5)",
    unique(block_ra_probabilities(blocks = blocks, prob = 0.5)),
    blocks, c(0, 1), function() block_ra(blocks = blocks, prob = 0.5), c(0.5, 0.5))
clusters <- rep(1:9, each = 3)
add("cluster_ra 9 clusters of 3, prob 0.5", "cluster_ra(clusters, prob = 0.5)",
    unique(cluster_ra_probabilities(clusters = clusters, prob = 0.5)),
    rep("all", length(clusters)), c(0, 1),
    function() cluster_ra(clusters = clusters, prob = 0.5), c(0.5, 0.5))

cat(toJSON(list(
  source = "randomizr 1.0.0 (github.com/DeclareDesign/randomizr, commit b0c2b6e), R files sourced",
  r_version = R.version.string, seed = 20261125, cases = cases),
  auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
