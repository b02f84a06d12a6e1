# Exact randomisation-inference p-values for trials allocated outside Evident (arms
# in the data) under a declared procedure, by full enumeration with combn(), for
# tests/parity_ri.rs.
#
#   declared_complete13: 13 units, 5 treated: complete randomisation with the
#       observed arm sizes, ri2's declare_ra(N = 13, m = 5) (1287 allocations);
#       difference in means, lm(y ~ Z + x), estimatr::lm_lin(y ~ Z, ~ x)
#   declared_blocked14: sites of 4, 5 and 5 units with 2, 2 and 3 treated
#       (analysis.blocks: site): blocked randomisation with the observed block-arm
#       counts, declare_ra(blocks = site, block_m = c(2, 2, 3)) (600 allocations);
#       the statistic is estimatr's blocked difference in means and the treatment
#       coefficient of lm(y ~ Z + x + factor(site)) (block fixed effects)
#   declared_cluster8: a cluster_rct of 8 schools, 4 treated: cluster randomisation,
#       declare_ra(clusters = school, m = 4) (70 allocations)
#
# p-values: share of allocations with |T_sim| >= |T_obs| (two-sided), T_sim >= T_obs
# (upper), T_sim <= T_obs (lower), both rounded to 10 decimal places (ri2's ties).
# Generates the cases' data and specs. Regenerate (from the repository root):
# Rscript tests/reference/ri/declared.R
suppressPackageStartupMessages({ library(jsonlite); library(estimatr) })
here <- "tests/reference/ri"
set.seed(20261203)

spec_for <- function(title, analysis) {
  list(evident = 1, title = title,
    statement = list(problem = "p", action = "a", data_product = "d", datasets = list("x")),
    design = list(kind = "rct", arms = list(list(name = "control", share = 0.5), list(name = "treatment", share = 0.5)), control = "control"),
    outcomes = list(list(name = "y", type = "continuous", role = "primary")),
    analysis = analysis, evidence = list(target_level = 1), report = list(dir = "out", formats = list("json")))
}
write_case <- function(name, d, spec) {
  dir.create(file.path(here, name), showWarnings = FALSE)
  write.csv(d, file.path(here, name, "outcomes.csv"), row.names = FALSE, quote = FALSE)
  writeLines(toJSON(spec, auto_unbox = TRUE, pretty = TRUE), file.path(here, name, "study.json"))
}
p_values <- function(stat, allocations, observed) {
  sims <- round(vapply(allocations, stat, numeric(1)), 10)
  obs <- round(observed, 10)
  list(statistic = observed, two_sided = mean(abs(sims) >= abs(obs)), upper = mean(sims >= obs),
       lower = mean(sims <= obs), allocations = length(allocations))
}

cases <- list()

# declared_complete13 ----------------------------------------------------------
d <- data.frame(id = sprintf("D%02d", 1:13), x = round(rnorm(13, 3, 1), 2))
d$Z <- sample(rep(c(0, 1), c(8, 5)))
d$y <- round(10 + 1.2 * d$Z + 1.5 * d$x + rnorm(13, 0, 1), 2)
d$arm <- ifelse(d$Z == 1, "treatment", "control")
write_case("declared_complete13", d[, c("id", "arm", "x", "y")], spec_for("Declared complete randomisation",
  list(data = "outcomes.csv", id = "id", treatment = "arm", covariates = list("x"),
       estimators = list("difference_in_means", "regression_adjusted", "lin"))))
sets <- combn(13, 5)
allocs <- lapply(seq_len(ncol(sets)), function(j) { z <- numeric(13); z[sets[, j]] <- 1; z })
dim_stat <- function(z) mean(d$y[z == 1]) - mean(d$y[z == 0])
reg_stat <- function(z) unname(coef(lm(d$y ~ z + d$x))[2])
lin_stat <- function(z) unname(coef(lm_lin(y ~ Z, covariates = ~ x, data = data.frame(y = d$y, Z = z, x = d$x)))["Z"])
cases$declared_complete13 <- list(
  difference_in_means = p_values(dim_stat, allocs, dim_stat(d$Z)),
  regression_adjusted = p_values(reg_stat, allocs, reg_stat(d$Z)),
  lin = p_values(lin_stat, allocs, lin_stat(d$Z)))

# declared_blocked14 -----------------------------------------------------------
sizes <- c(4, 5, 5); treated <- c(2, 2, 3)
d <- data.frame(id = sprintf("S%02d", 1:14), site = rep(c("east", "north", "west"), sizes), x = round(rnorm(14, 3, 1), 2))
d$Z <- unlist(mapply(function(n, t) sample(rep(c(0, 1), c(n - t, t))), sizes, treated, SIMPLIFY = FALSE))
d$y <- round(10 + 1.5 * d$Z + 2 * as.integer(factor(d$site)) + d$x + rnorm(14, 0, 1), 2)
d$arm <- ifelse(d$Z == 1, "treatment", "control")
write_case("declared_blocked14", d[, c("id", "arm", "site", "x", "y")], spec_for("Declared blocked randomisation",
  list(data = "outcomes.csv", id = "id", treatment = "arm", covariates = list("x"), blocks = list("site"),
       estimators = list("difference_in_means", "regression_adjusted"))))
per_site <- lapply(split(seq_len(14), d$site), function(idx) {
  t <- sum(d$Z[idx]); s <- combn(length(idx), t)
  lapply(seq_len(ncol(s)), function(j) idx[s[, j]])
})
grid <- expand.grid(lapply(per_site, seq_along))
allocs <- lapply(seq_len(nrow(grid)), function(r) {
  z <- numeric(14)
  for (b in seq_along(per_site)) z[per_site[[b]][[grid[r, b]]]] <- 1
  z
})
bdim_stat <- function(z) difference_in_means(y ~ Z, blocks = site, data = data.frame(y = d$y, Z = z, site = d$site))$coefficients[[1]]
fe_stat <- function(z) unname(coef(lm(d$y ~ z + d$x + factor(d$site)))[2])
cases$declared_blocked14 <- list(
  difference_in_means = p_values(bdim_stat, allocs, bdim_stat(d$Z)),
  regression_adjusted = p_values(fe_stat, allocs, fe_stat(d$Z)))

# declared_cluster8 ------------------------------------------------------------
# A cluster_rct allocated outside Evident: 8 schools of 2 to 4 pupils, 4 treated;
# cluster randomisation with the observed number of clusters per arm,
# declare_ra(clusters = school, m = 4) (70 allocations); unit-level difference in means.
csize <- c(3, 2, 4, 3, 2, 4, 3, 3)
u <- data.frame(id = sprintf("C%02d", seq_len(sum(csize))), school = rep(sprintf("S%d", 1:8), csize))
cz <- sample(rep(c(0, 1), 4))
u$Z <- rep(cz, csize)
u$arm <- ifelse(u$Z == 1, "treatment", "control")
u$y <- round(20 + 2 * u$Z + rep(rnorm(8, 0, 2), csize) + rnorm(nrow(u), 0, 1), 2)
dir.create(file.path(here, "declared_cluster8"), showWarnings = FALSE)
write.csv(u[, c("id", "school", "arm")], file.path(here, "declared_cluster8", "units.csv"), row.names = FALSE, quote = FALSE)
write.csv(u[, c("id", "y")], file.path(here, "declared_cluster8", "outcomes.csv"), row.names = FALSE, quote = FALSE)
cspec <- spec_for("Declared cluster randomisation", list(data = "outcomes.csv"))
cspec$design <- list(kind = "cluster_rct", units = list(file = "units.csv", id = "id", arm = "arm"), cluster = "school",
  arms = list(list(name = "control", share = 0.5), list(name = "treatment", share = 0.5)), control = "control")
writeLines(toJSON(cspec, auto_unbox = TRUE, pretty = TRUE), file.path(here, "declared_cluster8", "study.json"))
schools <- sprintf("S%d", 1:8)
sets <- combn(8, 4)
allocs <- lapply(seq_len(ncol(sets)), function(j) as.numeric(u$school %in% schools[sets[, j]]))
udim <- function(z) mean(u$y[z == 1]) - mean(u$y[z == 0])
cases$declared_cluster8 <- list(difference_in_means = p_values(udim, allocs, udim(u$Z)))

out <- list(generated_by = "tests/reference/ri/declared.R", r_version = R.version.string,
  estimatr_version = as.character(packageVersion("estimatr")),
  tolerance = "relative 1e-10 (stats::prec::PARITY)",
  tie_convention = "ri2: round both statistics to 10 decimal places, then >=", cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "declared.json"))
