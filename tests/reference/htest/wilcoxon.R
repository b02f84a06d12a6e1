# Fixtures for src/stats/htest/wilcoxon.rs: R's wilcox.test, signed-rank (one-sample and
# paired) and rank-sum; exact (n < 50, no ties or zeros) and normal approximation (ties,
# zeros, n >= 50, exact = FALSE) with and without continuity correction; all
# alternatives; mu; Hodges-Lehmann estimates and intervals (conf.int = TRUE), including
# levels R cannot achieve.
#
# In the normal-approximation case wilcox.test solves for the estimate and the interval
# limits with uniroot(tol = tol.root), default 1e-4; these fixtures pass tol.root = 1e-14
# (the same equations solved tightly), and the Rust tests compare those at 1e-8.
# `estimate_unique` marks cases whose estimating equation has a single root (an odd
# number of Walsh averages or differences), where R's root is determined.
# Run: Rscript tests/reference/htest/wilcoxon.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
set.seed(42)
cases <- list()
add <- function(kind, x, y = NULL, alt = "two.sided", mu = 0, exact = NULL, correct = TRUE,
                conf.int = TRUE, cl = 0.95) {
  r <- suppressWarnings(switch(kind,
    signed_rank = wilcox.test(x, alternative = alt, mu = mu, exact = exact, correct = correct,
                              conf.int = conf.int, conf.level = cl, tol.root = 1e-14),
    paired = wilcox.test(x, y, paired = TRUE, alternative = alt, mu = mu, exact = exact,
                         correct = correct, conf.int = conf.int, conf.level = cl, tol.root = 1e-14),
    rank_sum = wilcox.test(x, y, alternative = alt, mu = mu, exact = exact, correct = correct,
                           conf.int = conf.int, conf.level = cl, tol.root = 1e-14)))
  n_used <- if (kind == "rank_sum") length(x) * length(y) else {
    d <- if (kind == "paired") x - y - mu else x - mu
    m <- sum(d != 0); m * (m + 1) / 2 }
  cases[[length(cases) + 1]] <<- list(
    kind = kind, x = vec(x), y = if (is.null(y)) NULL else vec(y), alternative = alt, mu = mu,
    exact = exact, correct = correct, conf_int_requested = conf.int, conf_level = cl,
    call = sprintf("wilcox.test(x%s, alternative = '%s', mu = %s%s, correct = %s, conf.int = %s, conf.level = %s, tol.root = 1e-14)",
                   switch(kind, signed_rank = "", paired = ", y, paired = TRUE", rank_sum = ", y"),
                   alt, mu, if (is.null(exact)) "" else sprintf(", exact = %s", exact), correct, conf.int, cl),
    method = r$method, statistic = unname(r$statistic), p_value = r$p.value,
    estimate = if (conf.int) unname(r$estimate) else NULL,
    conf_int = if (conf.int) vec(as.numeric(r$conf.int)) else NULL,
    conf_level_achieved = if (conf.int) attr(r$conf.int, "conf.level") else NULL,
    estimate_unique = n_used %% 2 == 1)
}
x5 <- c(1.83, 0.50, 1.62, 2.48, 1.68)
x9 <- c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30)
y9 <- c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)
x20 <- round(rnorm(20, 0.4), 4)
x60 <- round(rnorm(60, 0.3), 4)
ties <- c(1, 2, 2, 3, 3, 3, -1, 4, 5, -2, 2.5)           # ties in |x|
zeros <- c(0, 1.5, -0.5, 2.2, 0, 3.1, 0.7, -1.2, 2.4)    # zeros dropped
a7 <- c(0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91)
b5 <- c(1.15, 0.88, 0.9, 0.74, 1.21)
a13 <- round(rexp(13), 3); b11 <- round(rexp(11, 0.7), 3)
t9 <- c(3, 5, 5, 7, 8, 8, 8, 10, 12); t7 <- c(2, 4, 5, 5, 6, 8, 9)  # ties across samples
big_x <- round(rnorm(55, 0.5), 3); big_y <- round(rnorm(51), 3)
for (alt in c("two.sided", "less", "greater")) {
  add("signed_rank", x5, alt = alt)
  add("signed_rank", x9, alt = alt, mu = 1)
  add("signed_rank", x20, alt = alt, cl = 0.9)
  add("signed_rank", x60, alt = alt)                      # n >= 50: normal
  add("signed_rank", ties, alt = alt)
  add("signed_rank", ties, alt = alt, correct = FALSE)
  add("signed_rank", zeros, alt = alt)
  add("signed_rank", x20, alt = alt, exact = FALSE)
  add("paired", x9, y9, alt = alt)
  add("paired", x9, y9, alt = alt, mu = 0.2, exact = FALSE, correct = FALSE, cl = 0.8)
  add("rank_sum", a7, b5, alt = alt)
  add("rank_sum", a13, b11, alt = alt, mu = 0.3, cl = 0.9)
  add("rank_sum", t9, t7, alt = alt)                      # ties: normal
  add("rank_sum", t9, t7, alt = alt, correct = FALSE, cl = 0.8)
  add("rank_sum", big_x, big_y, alt = alt)                # both >= 50: normal
  add("rank_sum", a13, b11, alt = alt, exact = FALSE)
  add("rank_sum", c(1.1, 2.3), c(0.4, 3.3, 1.7), alt = alt) # level not achievable
  add("signed_rank", c(0.7, 1.9, -0.3), alt = alt)        # level not achievable
  add("signed_rank", c(1, 2, 2, 3), alt = alt)            # ties, tiny: level adjusted
}
add("signed_rank", x9, conf.int = FALSE, cl = 0.95)
# forced exact beyond n = 50 (unrounded draws, so no ties; 17-digit JSON round-trips)
x60u <- rnorm(60, 0.3); bx <- rnorm(55, 0.5); by <- rnorm(51)
add("signed_rank", x60u, exact = TRUE)
add("signed_rank", x60u, exact = TRUE, alt = "greater", mu = 0.2)
add("rank_sum", bx, by, exact = TRUE)
add("rank_sum", bx, by, exact = TRUE, alt = "less", mu = 0.4, cl = 0.9)
add("rank_sum", a7, b5, conf.int = FALSE)
write_cases("wilcoxon", cases)
