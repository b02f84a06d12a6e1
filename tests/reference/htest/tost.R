# Fixtures for src/stats/htest/tost.rs: two one-sided tests (equivalence) and
# non-inferiority. TOSTER and PowerTOST are not installable here (see
# /work/shared/design/parity-notes.md), so the reference is the definition, computed with
# R's own tests (TOSTER's t_TOST does the same):
# - means: each one-sided test is t.test(x, y, mu = bound, alternative = "greater" for
#   the lower bound, "less" for the upper), paired/var.equal as the case says; the TOST
#   p is the larger; the interval is t.test(..., mu = mu, conf.level = 1 - 2 alpha)'s.
# - two proportions: the Wald z with the unpooled variance
#   se^2 = p1 (1 - p1)/n1 + p2 (1 - p2)/n2, z = (p1 - p2 - bound)/se against pnorm, and
#   the interval p1 - p2 -/+ qnorm(1 - alpha) se (TOSTER's twoprop_test, R/two_proportions.R
#   at commit 0864b42, forms the same se, z, p-values and interval).
# Run: Rscript tests/reference/htest/tost.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
cases <- list()
one_sided <- function(run, bound, alt) {
  if (is.null(bound)) return(NULL)
  r <- run(bound, alt, 0.95)
  list(bound = bound, statistic = unname(r$statistic), p_value = r$p.value)
}
add_means <- function(x, y = NULL, design, low = NULL, high = NULL, mu = 0, alpha = 0.05) {
  run <- function(m, alt, cl) {
    if (design == "one_sample") t.test(x, mu = m, alternative = alt, conf.level = cl)
    else t.test(x, y, mu = m, alternative = alt, conf.level = cl,
                paired = design == "paired", var.equal = design == "student")
  }
  ci <- run(mu, "two.sided", 1 - 2 * alpha)
  lower <- one_sided(run, if (is.null(low)) NULL else mu + low, "greater")
  upper <- one_sided(run, if (is.null(high)) NULL else mu + high, "less")
  cases[[length(cases) + 1]] <<- list(
    family = "means", design = design, x = vec(x), y = if (is.null(y)) NULL else vec(y),
    low = low, high = high, mu = mu, alpha = alpha,
    estimate = if (design %in% c("welch", "student")) unname(ci$estimate[1] - ci$estimate[2]) else unname(ci$estimate),
    std_error = ci$stderr, df = unname(ci$parameter),
    lower = lower, upper = upper,
    p_value = max(c(lower$p_value, upper$p_value)),
    conf_int = vec(as.numeric(ci$conf.int)))
}
add_props <- function(x, n, low = NULL, high = NULL, alpha = 0.05) {
  p <- x / n
  est <- p[1] - p[2]
  se <- sqrt(p[1] * (1 - p[1]) / n[1] + p[2] * (1 - p[2]) / n[2])
  side <- function(bound, lower_tail) {
    if (is.null(bound)) return(NULL)
    z <- (est - bound) / se
    list(bound = bound, statistic = z, p_value = pnorm(z, lower.tail = lower_tail))
  }
  lower <- side(low, FALSE)
  upper <- side(high, TRUE)
  q <- qnorm(1 - alpha)
  cases[[length(cases) + 1]] <<- list(
    family = "proportions", successes = vec(x), trials = vec(n),
    low = low, high = high, mu = 0, alpha = alpha, estimate = est, std_error = se, df = NULL,
    lower = lower, upper = upper, p_value = max(c(lower$p_value, upper$p_value)),
    conf_int = vec(c(est - q * se, est + q * se)))
}
x <- c(24.1, 27.3, 22.8, 25.6, 26.0, 23.9, 28.2, 24.7, 25.1, 26.4, 22.9, 25.8)
y <- c(25.2, 23.8, 26.9, 24.4, 27.1, 25.5, 23.6, 26.2, 24.9, 25.7)
y12 <- c(24.6, 27.0, 23.5, 25.1, 26.9, 23.0, 27.6, 25.3, 24.4, 26.8, 23.7, 25.0)
for (design in c("welch", "student")) {
  add_means(x, y, design, low = -2, high = 2)
  add_means(x, y, design, low = -0.5, high = 0.5)
  add_means(x, y, design, low = -1, high = 3, alpha = 0.025)
  add_means(x, y, design, low = -1.5)
  add_means(x, y, design, high = 1.5, alpha = 0.1)
}
add_means(x, y12, "paired", low = -1, high = 1)
add_means(x, y12, "paired", high = 0.3)
add_means(x, NULL, "one_sample", low = -1, high = 1, mu = 25)
add_means(x, NULL, "one_sample", low = -0.2, mu = 25.5, alpha = 0.1)
add_props(c(45, 40), c(50, 50), low = -0.1, high = 0.1)
add_props(c(45, 40), c(50, 50), low = -0.1)
add_props(c(180, 171), c(200, 195), low = -0.05, high = 0.05)
add_props(c(31, 40), c(120, 118), high = 0.15, alpha = 0.025)
add_props(c(0, 3), c(40, 45), low = -0.08, high = 0.12)
write_cases("tost", cases)
