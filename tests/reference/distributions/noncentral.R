# Non-central t, chi-square and F: pt/qt(ncp), pchisq/qchisq(ncp), pf(ncp), both tails.
# Run: Rscript tests/reference/distributions/noncentral.R  (writes noncentral.json)
# R is exact only in part of this grid; tests/parity_distributions.rs states which rows
# it compares with R, at which tolerance and why, and checks the rest (and the deep
# tails) against mpmath_reference.json.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
rows <- list()
add <- function(r) rows[[length(rows) + 1]] <<- r
nt <- function(q, df, ncp, lt) {
  r <- row("pt", c(q, df, ncp), lt); r$fn <- "pnt"; r
}
qnt <- function(p, df, ncp, lt) {
  r <- row("qt", c(p, df, ncp), lt); r$fn <- "qnt"; r
}
suppressWarnings({
for (lt in c(TRUE, FALSE)) {
  for (df in c(1, 3, 10, 58, 1000, 3e5)) {
    for (ncp in c(-30, -4, -1, 0.5, 2.8, 10, 37)) {
      for (z in c(-6, -2, -0.5, 0, 1, 3)) {
        t <- ncp + z * sqrt(1 + ncp^2 / (2 * df))
        add(nt(t, df, ncp, lt))
      }
      for (p in c(0.01, 0.2, 0.5, 0.9)) add(qnt(p, df, ncp, lt))
    }
  }
  for (df in c(1, 4, 12, 100, 2000)) {
    for (ncp in c(0.2, 3, 30, 150, 1000)) {
      for (z in c(-4, -1.5, 0, 1, 4)) {
        x <- max(df + ncp + z * sqrt(2 * (df + 2 * ncp)), 0.05 * df)
        add(row("pchisq", c(x, df, ncp), lt))
      }
      for (p in c(0.01, 0.3, 0.8)) add(row("qchisq", c(p, df, ncp), lt))
    }
  }
  for (d in list(c(1, 10), c(3, 37), c(5, 200), c(12, 4), c(2, 1e4))) {
    for (ncp in c(0.5, 4, 20, 90)) {
      mean_f <- (d[2] / (d[2] - 2)) * (d[1] + ncp) / d[1]
      for (k in c(0.2, 0.6, 1, 1.5, 3)) {
        r <- row("pf", c(k * mean_f, d, ncp), lt); r$fn <- "pnf"; add(r)
      }
    }
  }
}
})
for (i in seq_along(rows)) {
  if (rows[[i]]$fn %in% c("pchisq", "qchisq")) {
    rows[[i]]$fn <- sub("chisq", "nchisq", rows[[i]]$fn)
  }
}
write_case("noncentral", "non-central t, chi-square and F (R values; see test for which are compared)", rows)
