# Tails near 1e-300, 1e-250 and 1e-150 for every law, both sides: inputs are chosen
# with R's own quantile functions (only to place them), the values come from the
# p/d functions. Run: Rscript tests/reference/distributions/deep_tails.R
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
rows <- list()
add <- function(r) rows[[length(rows) + 1]] <<- r
targets <- c(1e-300, 1e-250, 1e-150)
for (target in targets) {
  for (lt in c(TRUE, FALSE)) {
    add(row("pnorm", qnorm(target, lower.tail = lt), lt))
    for (df in c(1, 3, 30, 1000)) add(row("pt", c(qt(target, df, lower.tail = lt), df), lt))
    for (df in c(1, 10, 300)) {
      x <- qchisq(target, df, lower.tail = lt)
      if (x > 1e-300) add(row("pchisq", c(x, df), lt))
    }
    for (d in list(c(3, 37), c(10, 10), c(1, 1e4))) {
      x <- qf(target, d[1], d[2], lower.tail = lt)
      if (x > 1e-300 && is.finite(x)) add(row("pf", c(x, d), lt))
    }
    for (ab in list(c(2, 5), c(0.5, 30), c(40, 60))) {
      x <- qbeta(target, ab[1], ab[2], lower.tail = lt)
      if (x > 1e-300 && x < 1) add(row("pbeta", c(x, ab), lt))
    }
  }
}
# Discrete far tails.
for (np in list(c(2000, 0.3), c(5e4, 0.01))) {
  for (k in c(0, 5, np[1] - 3, np[1])) {
    add(row("dbinom", c(k, np), log = TRUE))
    add(row("dbinom", c(k, np), log = FALSE))
    for (lt in c(TRUE, FALSE)) add(row("pbinom", c(k, np), lt))
  }
}
for (x in c(0, 3, 595, 600)) {
  add(row("dhyper", c(x, 600, 1400, 1000), log = TRUE))
  add(row("dhyper", c(x, 600, 1400, 1000), log = FALSE))
  for (lt in c(TRUE, FALSE)) add(row("phyper", c(x, 600, 1400, 1000), lt))
}
# Non-central chi-square upper tails with ncp < 80 (where R sums upper tails directly).
for (xdf in list(c(1400, 3, 5), c(1500, 10, 60), c(2000, 1, 0.5))) {
  r <- row("pchisq", c(xdf[1], xdf[2], xdf[3]), FALSE); r$fn <- "pnchisq"; add(r)
}
write_case("deep_tails", "tails near 1e-300, 1e-250, 1e-150 for every law", rows)
