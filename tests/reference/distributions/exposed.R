# Functions the library exposes for scripting (issue 15): log-scale normal cdf, upper
# tail and quantile, t and chi-square cdf and upper tail (log.p = TRUE), the exact Wilcoxon signed-rank and rank-sum
# distributions, and the non-central beta cdf.
# Run: Rscript tests/reference/distributions/exposed.R  (writes exposed.json)
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
rows <- list()
add <- function(fn, args, value, lower_tail = TRUE) {
  rows[[length(rows) + 1]] <<- list(fn = fn, args = json_vec(unname(args)),
                                    lower_tail = lower_tail,
                                    log = fn %in% c("lnpnorm", "qnorm_log", "lnpt", "lnpchisq"),
                                    value = json_num(value))
}
for (lt in c(TRUE, FALSE)) {
  for (z in c(-1e3, -200, -40, -38, -37.5, -20, -5, -1, 0, 0.5, 3, 10, 40)) {
    add("lnpnorm", z, pnorm(z, lower.tail = lt, log.p = TRUE), lt)
  }
}
for (lp in c(-1e5, -5000, -804.6084420137538, -700, -100, -10, -1, -0.5, -1e-3, -1e-20)) {
  add("qnorm_log", lp, qnorm(lp, log.p = TRUE))
}
for (lt in c(TRUE, FALSE)) {
  for (df in c(1, 3, 30, 1000)) {
    for (t in c(-1e200, -1e50, -1e10, -300, -40, -3, 0.2, 5, 1e6, 1e100)) {
      add("lnpt", c(t, df), pt(t, df, lower.tail = lt, log.p = TRUE), lt)
    }
  }
  for (df in c(0.5, 2, 10, 300)) {
    for (x in c(1e-300, 1e-40, 0.01, 3, 50, 2000, 1e5)) {
      add("lnpchisq", c(x, df), pchisq(x, df, lower.tail = lt, log.p = TRUE), lt)
    }
  }
}
for (n in c(1, 5, 10, 30, 60)) {
  m <- n * (n + 1) / 2
  for (x in unique(round(c(0, 1, m / 4, m / 2, 3 * m / 4, m - 1, m)))) {
    add("dsignrank", c(x, n), dsignrank(x, n))
    add("psignrank", c(x, n), psignrank(x, n))
    add("psignrank", c(x, n), psignrank(x, n, lower.tail = FALSE), FALSE)
  }
  for (p in c(0.001, 0.025, 0.5, 0.975, 0.999)) add("qsignrank", c(p, n), qsignrank(p, n))
}
for (mn in list(c(1, 1), c(3, 4), c(10, 7), c(25, 30), c(50, 50))) {
  m <- mn[1]; n <- mn[2]; top <- m * n
  for (x in unique(round(c(0, 1, top / 4, top / 2, 3 * top / 4, top - 1, top)))) {
    add("dwilcox", c(x, m, n), dwilcox(x, m, n))
    add("pwilcox", c(x, m, n), pwilcox(x, m, n))
    add("pwilcox", c(x, m, n), pwilcox(x, m, n, lower.tail = FALSE), FALSE)
  }
  for (p in c(0.001, 0.025, 0.5, 0.975, 0.999)) add("qwilcox", c(p, m, n), qwilcox(p, m, n))
}
for (lt in c(TRUE, FALSE)) {
  for (abn in list(c(2, 5, 4), c(0.5, 0.7, 20), c(10, 3, 1), c(30, 40, 100))) {
    for (x in c(0.05, 0.3, 0.6, 0.9)) {
      add("pnbeta", c(x, abn), pbeta(x, abn[1], abn[2], ncp = abn[3], lower.tail = lt), lt)
    }
  }
}
write_case("exposed", "log-scale normal, exact Wilcoxon distributions, non-central beta", rows)
