# Reference values for analysis.subgroups: a trial of 40 clusters (schools) of 10 to 20
# pupils, randomised by school, with a three-level subgroup (band a/b/c) and a
# covariate x. Analysed twice as the tests declare it: as an individual rct with the
# regression-adjusted headline (lm_robust HC2, y ~ z + x within each band), and as a
# cluster_rct with the difference in means (difference_in_means, clusters = school,
# CR2, within each band). The interaction test is the Wald F on the z:band terms of
# lm_robust(y ~ z * band [+ x], HC2 or CR2), referred to F(q, n - k) or F(q, J - 1)
# as estimatr's own F statistic is.
# The same data serve analysis.fixed_effects: band absorbed as fixed effects in the
# regression-adjusted estimator, lm_robust(y ~ z + x, fixed_effects = ~ band), HC2 for
# the individual reading and CR2 (clusters = school) for the cluster one.
# Writes subgroups.json and subgroups/*.csv. Run from this folder: Rscript subgroups.R
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
set.seed(20261203)
schools <- 40
size <- sample(10:20, schools, replace = TRUE)
treated_school <- sample(rep(0:1, schools / 2))
d <- data.frame(school = rep(sprintf("S%02d", 1:schools), size), z = rep(treated_school, size))
n <- nrow(d)
d$id <- sprintf("P%04d", 1:n)
d$band <- sample(c("a", "b", "c"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
d$x <- round(rnorm(n, 0, 1), 3)
effect <- c(a = 0.2, b = 0.5, c = 0.9)[d$band]
d$y <- round(1 + 0.6 * d$x + effect * d$z + rep(rnorm(schools, 0, 0.3), size) + rnorm(n), 3)
d$arm <- ifelse(d$z == 1, "treatment", "control")
write.csv(d[, c("id", "school", "arm")], "subgroups/units.csv", row.names = FALSE, quote = FALSE)
write.csv(d[, c("id", "y", "x", "band")], "subgroups/outcomes.csv", row.names = FALSE, quote = FALSE)

est <- function(f, term = "z") {
  i <- which(f$term == term)
  list(estimate = f$coefficients[[i]], std_error = f$std.error[[i]], df = f$df[[i]], p_value = f$p.value[[i]])
}
wald <- function(f, dendf) {
  idx <- grep("^z:band", names(coef(f)))
  b <- coef(f)[idx]; V <- vcov(f)[idx, idx]
  F <- as.numeric(t(b) %*% solve(V) %*% b) / length(idx)
  list(statistic = F, numdf = length(idx), dendf = dendf, p_value = pf(F, length(idx), dendf, lower.tail = FALSE))
}
levels <- c("a", "b", "c")
adj <- lm_robust(y ~ z * band + x, data = d, se_type = "HC2")
clu <- lm_robust(y ~ z * band, data = d, clusters = school, se_type = "CR2")
out <- list(
  r_version = R.version.string, estimatr = as.character(packageVersion("estimatr")),
  individual = list(
    levels = lapply(setNames(levels, levels), function(l) est(lm_robust(y ~ z + x, data = d[d$band == l, ], se_type = "HC2"))),
    interaction = wald(adj, adj$df.residual[[1]])
  ),
  cluster = list(
    levels = lapply(setNames(levels, levels), function(l) est(difference_in_means(y ~ z, clusters = school, data = d[d$band == l, ]))),
    interaction = wald(clu, length(unique(d$school)) - 1)
  )
)
out$fixed_effects <- list(
  individual = est(lm_robust(y ~ z + x, fixed_effects = ~ band, data = d, se_type = "HC2")),
  cluster = est(lm_robust(y ~ z + x, fixed_effects = ~ band, clusters = school, data = d, se_type = "CR2"))
)
write_json(out, "subgroups.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
