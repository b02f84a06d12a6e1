# Fixtures for src/stats/htest/p_adjust.rs: R's p.adjust for every method over vectors
# with ties, NA, a single p-value, n = 2 (Hommel computed as Hochberg), a given n larger
# than the number of p-values, and random sets. Run: Rscript tests/reference/htest/p_adjust.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
set.seed(7)
sets <- list(
  basic = c(0.01, 0.02, 0.03, 0.04, 0.05),
  ties = c(0.04, 0.001, 0.04, 0.2, 0.001, 0.5, 1, 0),
  with_na = c(0.03, NA, 0.001, 0.2, NA, 0.04),
  single = 0.03,
  pair = c(0.02, 0.04),
  pair_na = c(0.02, NA, 0.04),
  three = c(0.9, 0.01, 0.02),
  random10 = runif(10)^3,
  random25 = runif(25)^2,
  large = c(0.8, 0.95, 0.99, 0.6, 0.7)
)
cases <- list()
for (nm in names(sets)) for (method in c("bonferroni", "holm", "hochberg", "hommel", "BH", "BY", "none")) {
  p <- sets[[nm]]
  cases[[length(cases) + 1]] <- list(set = nm, method = method, p = vec(p), n = NULL,
    call = sprintf("p.adjust(p, '%s')", method), adjusted = vec(p.adjust(p, method)))
  if (nm %in% c("basic", "with_na", "three", "single")) {
    n <- sum(!is.na(p)) + 3
    cases[[length(cases) + 1]] <- list(set = nm, method = method, p = vec(p), n = n,
      call = sprintf("p.adjust(p, '%s', n = %d)", method, n),
      adjusted = vec(p.adjust(p, method, n = n)))
  }
}
write_cases("p_adjust", cases)
