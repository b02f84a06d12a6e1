# Reference values for Evident's difference_in_means
# (src/stats/regression/diff_in_means.rs).
# Run from this directory: Rscript diff_in_means.R  -> writes diff_in_means.json
# R 4.2.2, estimatr 1.0.0, jsonlite.
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
set.seed(424242)

result <- function(name, f, data, alpha = 0.05, blocks = NA, clusters = NA, weights = NA) {
  list(name = name, alpha = alpha, blocks = blocks, clusters = clusters, weights = weights,
       data = as.list(data),
       estimate = unname(f$coefficients), std_error = unname(f$std.error),
       statistic = unname(f$statistic), df = unname(f$df), p_value = unname(f$p.value),
       conf_low = unname(f$conf.low), conf_high = unname(f$conf.high),
       design = f$design)
}
cases <- list()

# Standard (Welch / Neyman), unequal arms.
n <- 150
d <- data.frame(t = rbinom(n, 1, 0.4))
d$y <- 2 + 0.7 * d$t + rnorm(n, sd = 1 + d$t)
cases[[length(cases) + 1]] <- result("standard", difference_in_means(y ~ t, data = d), d)
cases[[length(cases) + 1]] <- result("standard_90", difference_in_means(y ~ t, data = d, alpha = 0.1), d, alpha = 0.1)

# Blocked: six blocks of unequal size, each with >= 2 per arm.
sizes <- c(6, 9, 12, 20, 31, 40)
b <- rep(sprintf("b%d", seq_along(sizes)), sizes)
t <- unlist(lapply(sizes, function(s) sample(rep(c(0, 1), c(floor(s / 2), ceiling(s / 2))))))
d <- data.frame(b, t)
d$y <- as.numeric(factor(b)) * 0.5 + 0.4 * d$t + rnorm(nrow(d))
cases[[length(cases) + 1]] <- result("blocked",
  difference_in_means(y ~ t, blocks = b, data = d), d, blocks = "b")

# Matched pairs.
np <- 40
d <- data.frame(b = rep(sprintf("p%02d", 1:np), each = 2),
                t = as.vector(replicate(np, sample(c(0, 1)))))
d$y <- rep(rnorm(np), each = 2) + 0.3 * d$t + rnorm(2 * np, sd = 0.5)
cases[[length(cases) + 1]] <- result("paired",
  difference_in_means(y ~ t, blocks = b, data = d), d, blocks = "b")

# Pairs mixed with larger blocks: estimatr warns and uses the matched-pair variance.
d2 <- data.frame(b = c(rep("q1", 6), rep("q2", 8)),
                 t = c(0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0))
d2$y <- rnorm(14) + d2$t
d3 <- rbind(d[1:20, ], d2)
f <- suppressWarnings(difference_in_means(y ~ t, blocks = b, data = d3))
cases[[length(cases) + 1]] <- result("mixed_pairs", f, d3, blocks = "b")

# Clustered: unequal clusters (one of size 1), treatment by cluster.
cl_sizes <- c(1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 20)
d <- data.frame(cl = sprintf("k%02d", rep(seq_along(cl_sizes), cl_sizes)))
ct <- sample(rep(c(0, 1), 6))
d$t <- ct[as.integer(factor(d$cl))]
d$y <- 1 + 0.5 * d$t + ave(rnorm(nrow(d)), d$cl) + rnorm(nrow(d))
d$w <- runif(nrow(d), 0.5, 2)
cases[[length(cases) + 1]] <- result("clustered",
  difference_in_means(y ~ t, clusters = cl, data = d), d, clusters = "cl")
cases[[length(cases) + 1]] <- result("clustered_weighted",
  difference_in_means(y ~ t, clusters = cl, weights = w, data = d), d,
  clusters = "cl", weights = "w")

# Weighted (lm_robust HC2).
n <- 120
d <- data.frame(t = rbinom(n, 1, 0.5), w = rexp(n) + 0.1)
d$y <- 0.2 + 0.9 * d$t + rnorm(n)
cases[[length(cases) + 1]] <- result("weighted",
  difference_in_means(y ~ t, weights = w, data = d), d, weights = "w")

# Blocks with clusters: block-clustered (unequal clusters per block, one cluster of
# size 1), weighted, and matched pairs of clusters.
bc <- do.call(rbind, lapply(1:4, function(b) {
  ncl <- c(4, 5, 6, 4)[b]
  sizes <- sample(1:6, ncl, replace = TRUE)
  sizes[1] <- 1
  tr <- sample(rep(c(0, 1), length.out = ncl))
  data.frame(b = sprintf("B%d", b), cl = sprintf("B%dc%d", b, rep(seq_len(ncl), sizes)),
             t = rep(tr, sizes))
}))
bc$y <- 0.3 * bc$t + ave(rnorm(nrow(bc)), bc$cl) + rnorm(nrow(bc))
bc$w <- runif(nrow(bc), 0.5, 2)
cases[[length(cases) + 1]] <- result("block_clustered",
  difference_in_means(y ~ t, blocks = b, clusters = cl, data = bc), bc,
  blocks = "b", clusters = "cl")
cases[[length(cases) + 1]] <- result("block_clustered_weighted",
  difference_in_means(y ~ t, blocks = b, clusters = cl, weights = w, data = bc), bc,
  blocks = "b", clusters = "cl", weights = "w")
# Blocked with weights (HC2 per block).
sizes <- c(8, 10, 14, 20)
bw <- data.frame(b = rep(sprintf("w%d", seq_along(sizes)), sizes))
bw$t <- unlist(lapply(sizes, function(s) sample(rep(c(0, 1), s / 2))))
bw$y <- as.numeric(factor(bw$b)) + 0.5 * bw$t + rnorm(nrow(bw))
bw$w <- rexp(nrow(bw)) + 0.2
cases[[length(cases) + 1]] <- result("blocked_weighted",
  difference_in_means(y ~ t, blocks = b, weights = w, data = bw), bw,
  blocks = "b", weights = "w")
# Matched pairs of clusters.
mp <- do.call(rbind, lapply(1:12, function(p) {
  sizes <- sample(2:7, 2, replace = TRUE)
  data.frame(b = sprintf("P%02d", p), cl = sprintf("P%02dc%d", p, rep(1:2, sizes)),
             t = rep(sample(c(0, 1)), sizes))
}))
mp$y <- 0.4 * mp$t + ave(rnorm(nrow(mp)), mp$b) + rnorm(nrow(mp))
cases[[length(cases) + 1]] <- result("paired_clustered",
  difference_in_means(y ~ t, blocks = b, clusters = cl, data = mp), mp,
  blocks = "b", clusters = "cl")

write_json(list(r_version = R.version.string,
                estimatr_version = as.character(packageVersion("estimatr")),
                call = "difference_in_means(y ~ t, blocks = , clusters = , weights = , alpha = )",
                tolerance = 1e-10, cases = cases),
           "diff_in_means.json", digits = NA, auto_unbox = TRUE, na = "null")
