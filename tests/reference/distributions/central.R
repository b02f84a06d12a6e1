# Central continuous distributions: pnorm/qnorm, pt/qt, pchisq/qchisq, pf/qf,
# pbeta/qbeta, both tails, from the centre out to 1e-300.
# Run: Rscript tests/reference/distributions/central.R  (writes central.json)
# pt is exact in R only for df <= 4e5 (above it R uses a normal approximation), so
# larger df are checked against mpmath instead (mpmath_reference.py).
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
rows <- list()
add <- function(r) rows[[length(rows) + 1]] <<- r
for (lt in c(TRUE, FALSE)) {
  for (z in c(-37, -20, -5, -1.96, -0.3, 0, 0.7, 3, 8.5, 30)) add(row("pnorm", z, lt))
  for (p in c(1e-300, 1e-100, 1e-20, 1e-5, 0.025, 0.3, 0.5, 0.9, 0.999999)) add(row("qnorm", p, lt))
  for (df in c(0.1, 0.5, 1, 2.7, 5, 30, 1000, 4e5)) {
    for (t in c(-1e10, -300, -40, -5, -2, -0.5, 0, 0.2, 1.5, 7, 1e3)) add(row("pt", c(t, df), lt))
    for (p in c(1e-300, 1e-50, 1e-10, 0.001, 0.025, 0.2, 0.5, 0.8, 0.975)) {
      # qt at df < 1 and p < 1e-50 overflows double precision: skip those.
      q <- qt(p, df, lower.tail = lt)
      if (is.finite(q)) add(row("qt", c(p, df), lt))
    }
  }
  for (df in c(0.05, 0.5, 1, 3, 10, 100, 1e4, 1e6)) {
    for (k in c(1e-4, 0.01, 0.3, 1, 2, 5, 40, 300)) add(row("pchisq", c(k * df, df), lt))
    for (p in c(1e-300, 1e-20, 1e-5, 0.05, 0.5, 0.95)) {
      q <- qchisq(p, df, lower.tail = lt)
      if (q > 1e-300 && is.finite(q)) add(row("qchisq", c(p, df), lt))
    }
  }
  # c(3, 1e6): statrs 0.19.1 is 6e-10 off at pf(2.6, 3, 1e6, lower.tail = FALSE).
  for (d in list(c(1, 1), c(0.2, 5), c(3, 37), c(4, 1e4), c(10, 2.5), c(50, 200), c(1e3, 1e5), c(3, 1e6))) {
    for (f in c(1e-6, 0.05, 0.5, 1, 2.6, 10, 1e3, 1e8)) add(row("pf", c(f, d), lt))
    for (p in c(1e-200, 1e-8, 0.01, 0.5, 0.95)) {
      q <- qf(p, d[1], d[2], lower.tail = lt)
      if (q > 1e-300 && is.finite(q)) add(row("qf", c(p, d), lt))
    }
  }
  for (ab in list(c(0.5, 30), c(1, 1), c(2, 5), c(0.1, 0.2), c(30, 0.5), c(1e3, 3e3), c(2e5, 1e5))) {
    m <- ab[1] / sum(ab)
    for (x in unique(c(1e-200, 1e-10, 1e-3, 0.1, m / 2, m, 0.5, (1 + m) / 2, 0.9, 1 - 1e-6))) {
      add(row("pbeta", c(x, ab), lt))
    }
    for (p in c(1e-200, 1e-10, 0.01, 0.5, 0.9)) {
      q <- qbeta(p, ab[1], ab[2], lower.tail = lt)
      if (q > 1e-300 && q < 1) add(row("qbeta", c(p, ab), lt))
    }
  }
}
write_case("central", "central continuous distributions, both tails", rows)
