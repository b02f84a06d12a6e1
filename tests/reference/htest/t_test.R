# Fixtures for src/stats/htest/t_test.rs: R's t.test over one-sample, paired, Welch and
# Student tests, all three alternatives, non-zero mu, other confidence levels, tiny and
# unequal samples. Run: Rscript tests/reference/htest/t_test.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
set.seed(20261125)
samples <- list(
  a = c(1, 2, 3, 4, 9),
  b = c(2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8),
  tiny2 = c(0.5, 1.7),
  big = rnorm(40, 10, 3),
  skew = rexp(13, 0.2),
  neg = c(-3.2, -1.1, -4.8, -2.2, -0.7, -5.5),
  large_mean = 1e6 + c(0.1, 0.4, 0.2, 0.35, 0.05)
)
cases <- list()
add <- function(kind, x, y, alt, mu, cl) {
  r <- switch(kind,
    one_sample = t.test(x, alternative = alt, mu = mu, conf.level = cl),
    paired = t.test(x, y, paired = TRUE, alternative = alt, mu = mu, conf.level = cl),
    welch = t.test(x, y, alternative = alt, mu = mu, conf.level = cl),
    student = t.test(x, y, var.equal = TRUE, alternative = alt, mu = mu, conf.level = cl))
  est <- unname(r$estimate)
  cases[[length(cases) + 1]] <<- list(
    kind = kind, x = vec(x), y = if (is.null(y)) NULL else vec(y), alternative = alt, mu = mu,
    conf_level = cl,
    method = r$method,
    call = sprintf("t.test(x%s, alternative = '%s', mu = %s, conf.level = %s%s)",
                   if (is.null(y)) "" else ", y", alt, format(mu), format(cl),
                   switch(kind, paired = ", paired = TRUE", student = ", var.equal = TRUE", "")),
    statistic = unname(r$statistic), df = unname(r$parameter), p_value = r$p.value,
    conf_low = r$conf.int[1], conf_high = r$conf.int[2], std_error = r$stderr,
    mean_x = est[1], mean_y = if (length(est) > 1) est[2] else NULL)
}
for (alt in c("two.sided", "less", "greater")) {
  for (s in c("a", "b", "tiny2", "big", "skew", "neg", "large_mean"))
    add("one_sample", samples[[s]], NULL, alt, 0, 0.95)
  add("one_sample", samples$b, NULL, alt, 3.5, 0.9)
  add("one_sample", samples$large_mean, NULL, alt, 1e6, 0.99)
  add("paired", samples$b, samples$b + c(0.3, -0.2, 0.5, 0.1, 0.9, -0.4, 0.2), alt, 0, 0.95)
  add("paired", samples$big[1:13], samples$skew, alt, 1.5, 0.8)
  for (kind in c("welch", "student")) {
    add(kind, samples$a, samples$b, alt, 0, 0.95)
    add(kind, samples$tiny2, samples$b, alt, 0, 0.95)
    add(kind, samples$big, samples$skew, alt, 2, 0.9)
    add(kind, samples$neg, samples$a, alt, -1, 0.99)
    add(kind, samples$skew, samples$tiny2, alt, 0, 0.5)
  }
  add("student", 4.2, samples$b, alt, 0, 0.95)
  # far tails: p-values down to ~1e-30 (statrs' t tails are accurate there)
  add("one_sample", c(10.01, 10.02, 10.015, 10.012, 10.018, 10.011), NULL, alt, 10, 0.95)
  add("welch", samples$big + 25, samples$skew, alt, 0, 0.95)
  add("welch", c(1000.5, 1001.2, 999.8), c(1.1, 1.3, 0.9, 1.0, 1.2, 1.15, 0.95), alt, 0, 0.95)
}
write_cases("t_test", cases)
