# Fixtures for src/stats/htest/fisher.rs: R's fisher.test on 2x2 tables (p-values for
# all alternatives and null odds ratios), and on r x c tables (p-value only).
#
# The conditional MLE and the confidence limits of fisher.test are uniroot() roots at
# tol = .Machine$double.eps^0.25 (~1.2e-4), right to only 4-6 digits
# (/work/shared/design/parity-notes.md). `tight()` below re-runs fisher.test's own
# equations (copied from stats 4.2.2 fisher.test, same branches and parameterisation)
# with uniroot(tol = 1e-14); the Rust tests compare against those at 1e-8. R's default
# output is recorded as estimate_r_default / conf_int_r_default for reference only.
# Run: Rscript tests/reference/htest/fisher.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
tight <- function(x, alternative, conf.level, tol = 1e-14) {
  m <- sum(x[, 1L]); n <- sum(x[, 2L]); k <- sum(x[1L, ]); x <- x[1L, 1L]
  lo <- max(0L, k - n); hi <- min(k, m); support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dnhyper <- function(ncp) { d <- logdc + log(ncp) * support; d <- exp(d - max(d)); d / sum(d) }
  mnhyper <- function(ncp) { if (ncp == 0) return(lo); if (ncp == Inf) return(hi); sum(support * dnhyper(ncp)) }
  pnhyper <- function(q, ncp, upper.tail = FALSE) {
    if (ncp == 1) return(if (upper.tail) phyper(x - 1, m, n, k, lower.tail = FALSE) else phyper(x, m, n, k))
    if (ncp == 0) return(as.numeric(if (upper.tail) q <= lo else q >= lo))
    if (ncp == Inf) return(as.numeric(if (upper.tail) q <= hi else q >= hi))
    sum(dnhyper(ncp)[if (upper.tail) support >= q else support <= q])
  }
  mle <- function(x) {
    if (x == lo) return(0); if (x == hi) return(Inf)
    mu <- mnhyper(1)
    if (mu > x) uniroot(function(t) mnhyper(t) - x, c(0, 1), tol = tol)$root
    else if (mu < x) 1 / uniroot(function(t) mnhyper(1/t) - x, c(.Machine$double.eps, 1), tol = tol)$root
    else 1
  }
  ncp.U <- function(x, alpha) {
    if (x == hi) return(Inf)
    p <- pnhyper(x, 1)
    if (p < alpha) uniroot(function(t) pnhyper(x, t) - alpha, c(0, 1), tol = tol)$root
    else if (p > alpha) 1 / uniroot(function(t) pnhyper(x, 1/t) - alpha, c(.Machine$double.eps, 1), tol = tol)$root
    else 1
  }
  ncp.L <- function(x, alpha) {
    if (x == lo) return(0)
    p <- pnhyper(x, 1, upper.tail = TRUE)
    if (p > alpha) uniroot(function(t) pnhyper(x, t, upper.tail = TRUE) - alpha, c(0, 1), tol = tol)$root
    else if (p < alpha) 1 / uniroot(function(t) pnhyper(x, 1/t, upper.tail = TRUE) - alpha, c(.Machine$double.eps, 1), tol = tol)$root
    else 1
  }
  cint <- switch(alternative, less = c(0, ncp.U(x, 1 - conf.level)),
                 greater = c(ncp.L(x, 1 - conf.level), Inf),
                 two.sided = { alpha <- (1 - conf.level) / 2; c(ncp.L(x, alpha), ncp.U(x, alpha)) })
  list(estimate = mle(x), conf_int = cint)
}
cases <- list()
add <- function(x, alt = "two.sided", or = 1, cl = 0.95) {
  r <- fisher.test(x, alternative = alt, or = or, conf.level = cl)
  case <- list(table = unclass(x), alternative = alt, or = or, conf_level = cl,
    call = sprintf("fisher.test(matrix(c(%s), %d), alternative = '%s', or = %s, conf.level = %s)",
                   toString(x), nrow(x), alt, or, cl),
    p_value = r$p.value)
  if (all(dim(x) == 2)) {
    t <- tight(x, alt, cl)
    case$estimate <- t$estimate
    case$conf_int <- vec(t$conf_int)
    case$estimate_r_default <- unname(r$estimate)
    case$conf_int_r_default <- vec(as.numeric(r$conf.int))
  }
  cases[[length(cases) + 1]] <<- case
}
tables <- list(
  matrix(c(3, 1, 1, 3), 2),              # tea tasting
  matrix(c(12, 5, 7, 9), 2),
  matrix(c(1, 9, 11, 3), 2),
  matrix(c(10, 10, 10, 10), 2),          # MLE exactly 1 by symmetry
  matrix(c(0, 6, 5, 2), 2),              # a at the lower end: MLE 0
  matrix(c(7, 0, 2, 5), 2),
  matrix(c(2, 30, 25, 3), 2),            # large odds ratio
  matrix(c(45, 30, 20, 41), 2),
  matrix(c(1, 200, 300, 2), 2)           # extreme tails
)
for (x in tables) for (alt in c("two.sided", "less", "greater")) add(x, alt)
add(matrix(c(12, 5, 7, 9), 2), "two.sided", cl = 0.9)
add(matrix(c(12, 5, 7, 9), 2), "two.sided", or = 2.5)
add(matrix(c(12, 5, 7, 9), 2), "less", or = 0.4, cl = 0.99)
add(matrix(c(12, 5, 7, 9), 2), "greater", or = 3)
add(matrix(c(45, 30, 20, 41), 2), "two.sided", or = 3.2)
# r x c
add(matrix(c(1, 2, 3, 3, 2, 1), 2))
add(matrix(c(3, 1, 0, 1, 4, 2, 0, 2, 5), 3))
add(matrix(c(2, 0, 1, 3, 5, 1, 0, 2, 4, 1, 1, 2), 3))
add(matrix(c(8, 2, 1, 3, 7, 4, 2, 1, 9), 3))
add(matrix(c(5, 0, 0, 5, 0, 5, 5, 0), 2))
add(matrix(c(10, 11, 10, 12, 9, 10, 8, 13, 9, 9, 8, 11), 3))                 # N = 120
add(matrix(c(3, 1, 0, 2, 1, 1, 4, 2, 0, 1, 0, 2, 5, 1, 0, 2, 0, 1, 3, 2, 1, 1, 0, 2, 4), 5, byrow = TRUE))
add(matrix(c(2, 7, 1, 0, 3, 5, 6, 1, 0, 2, 4, 3), 2))                       # 2 x 6
write_cases("fisher", cases)
