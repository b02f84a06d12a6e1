# Binomial and hypergeometric: dbinom (plain and log), pbinom both tails, dhyper
# (plain and log), phyper both tails; small to very large n, centre and far tails.
# Run: Rscript tests/reference/distributions/discrete.R  (writes discrete.json)
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
rows <- list()
add <- function(r) rows[[length(rows) + 1]] <<- r
binom_sets <- list(c(10, 0.3), c(1, 0.5), c(100, 1e-4), c(1000, 0.999), c(2e6, 0.5),
                   c(1e9, 1e-6), c(5000, 0.02), c(300, 0.5))
for (np in binom_sets) {
  n <- np[1]; p <- np[2]; mu <- n * p; s <- sqrt(n * p * (1 - p))
  ks <- unique(pmin(n, pmax(0, round(c(0, 1, mu - 10 * s - 5, mu - 3 * s, mu - 1, mu, mu + 2,
                                      mu + 3 * s, mu + 10 * s + 5, n - 1, n)))))
  for (k in ks) {
    add(row("dbinom", c(k, n, p), log = FALSE))
    add(row("dbinom", c(k, n, p), log = TRUE))
    for (lt in c(TRUE, FALSE)) add(row("pbinom", c(k, n, p), lt))
  }
  for (q in c(1e-300, 1e-12, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999)) {
    for (lt in c(TRUE, FALSE)) add(row("qbinom", c(q, n, p), lt))
  }
}
# dhyper(x, m, n, k): m successes, n failures, k draws.
hyper_sets <- list(c(5, 5, 5), c(30, 45, 20), c(1000, 2000, 600), c(1e5, 3e5, 4e4),
                   c(10, 1e6, 50), c(500, 500, 999), c(3, 4, 0))
for (mnk in hyper_sets) {
  m <- mnk[1]; n <- mnk[2]; k <- mnk[3]
  lo <- max(0, k - n); hi <- min(k, m)
  mu <- k * m / (m + n); s <- sqrt(max(mu * (1 - m / (m + n)), 1))
  xs <- unique(pmin(hi, pmax(lo, round(c(lo, lo + 1, mu - 8 * s, mu - 2 * s, mu, mu + 1,
                                        mu + 2 * s, mu + 8 * s, hi - 1, hi)))))
  for (x in xs) {
    add(row("dhyper", c(x, m, n, k), log = FALSE))
    add(row("dhyper", c(x, m, n, k), log = TRUE))
    for (lt in c(TRUE, FALSE)) add(row("phyper", c(x, m, n, k), lt))
  }
}
write_case("discrete", "binomial and hypergeometric mass and tails", rows)
