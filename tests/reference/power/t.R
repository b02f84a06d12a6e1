# Fixtures for the t-test power solvers (src/power/t.rs).
# Run from this directory: Rscript t.R  (writes t.json). R 4.2.2, pwr 1.3-0.
# Powers come straight from pwr / power.t.test. Solved quantities are the exact
# roots: uniroot(tol = 1e-14) on the same power function pwr uses (pwr's own
# uniroot stops at tol ~1.2e-4; see shared/design/parity-notes.md), and pwr's
# default answer is kept as `r_default` (right to ~1e-3 only).
library(pwr)
library(jsonlite)

# pwr.t2n.test's power function (pwr.t.test is the case n2 = n1).
pw <- function(n1, n2, d, a, alt, strict = TRUE, kind = "two") {
  if (kind == "two") { df <- n1 + n2 - 2; ncp <- d / sqrt(1/n1 + 1/n2) }
  else { df <- n1 - 1; ncp <- d * sqrt(n1) }
  if (alt == "two.sided") {
    qu <- qt(a/2, df, lower = FALSE)
    p <- pt(qu, df, ncp = abs(ncp), lower = FALSE)
    if (strict) p <- p + pt(-qu, df, ncp = abs(ncp), lower = TRUE)
    p
  } else if (alt == "greater") pt(qt(a, df, lower = FALSE), df, ncp = ncp, lower = FALSE)
  else pt(qt(a, df, lower = TRUE), df, ncp = ncp, lower = TRUE)
}
root <- function(f, lo, hi) uniroot(f, c(lo, hi), tol = 1e-14, maxiter = 10000)$root

cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- list(...)

# Power for given n and d.
for (d in c(0.2, 0.5, 0.8)) for (n in c(10, 64, 300)) {
  add(kind = "two_sample", alternative = "two_sided", rule = "both_tails", ratio = 1,
      n = n, d = d, alpha = 0.05, solve = "power",
      expected = pwr.t.test(n = n, d = d, sig.level = 0.05)$power,
      call = sprintf("pwr.t.test(n = %g, d = %g)", n, d))
}
add(kind = "two_sample", alternative = "two_sided", rule = "upper_tail", ratio = 1,
    n = 20, d = 0.5, alpha = 0.05, solve = "power",
    expected = power.t.test(n = 20, delta = 0.5, sd = 1)$power,
    call = "power.t.test(n = 20, delta = 0.5)")
add(kind = "one_sample", alternative = "two_sided", rule = "both_tails", ratio = 1,
    n = 25, d = 0.4, alpha = 0.05, solve = "power",
    expected = pwr.t.test(n = 25, d = 0.4, type = "one.sample")$power,
    call = "pwr.t.test(n = 25, d = 0.4, type = 'one.sample')")
add(kind = "paired", alternative = "greater", rule = "both_tails", ratio = 1,
    n = 30, d = 0.3, alpha = 0.05, solve = "power",
    expected = pwr.t.test(n = 30, d = 0.3, type = "paired", alternative = "greater")$power,
    call = "pwr.t.test(n = 30, d = 0.3, type = 'paired', alternative = 'greater')")
add(kind = "two_sample", alternative = "two_sided", rule = "both_tails", ratio = 2,
    n = 40, d = 0.5, alpha = 0.05, solve = "power",
    expected = pwr.t2n.test(n1 = 40, n2 = 80, d = 0.5)$power,
    call = "pwr.t2n.test(n1 = 40, n2 = 80, d = 0.5)")
# Large ncp (R exact below |ncp| 37.62: here ncp = 3.5 * sqrt(100/2) = 24.7).
add(kind = "two_sample", alternative = "two_sided", rule = "both_tails", ratio = 1,
    n = 100, d = 0.7, alpha = 0.001, solve = "power",
    expected = pwr.t.test(n = 100, d = 0.7, sig.level = 0.001)$power,
    call = "pwr.t.test(n = 100, d = 0.7, sig.level = 0.001)")

# Sample size, exact root.
for (d in c(0.2, 0.5, 0.8)) for (p in c(0.8, 0.9)) {
  exact <- root(function(n) pw(n, n, d, 0.05, "two.sided") - p, 2 + 1e-10, 1e9)
  add(kind = "two_sample", alternative = "two_sided", rule = "both_tails", ratio = 1,
      d = d, alpha = 0.05, power = p, solve = "n", expected = exact,
      r_default = pwr.t.test(d = d, power = p)$n,
      call = sprintf("pwr.t.test(d = %g, power = %g)", d, p))
}
exact <- root(function(n) pw(n, n, 0.5, 0.05, "two.sided", strict = FALSE) - 0.8, 2, 1e9)
add(kind = "two_sample", alternative = "two_sided", rule = "upper_tail", ratio = 1,
    d = 0.5, alpha = 0.05, power = 0.8, solve = "n", expected = exact,
    r_default = power.t.test(delta = 0.5, power = 0.8)$n,
    call = "power.t.test(delta = 0.5, power = 0.8)")
exact <- root(function(n) pw(n, n, 0.3, 0.05, "two.sided", kind = "one") - 0.8, 2 + 1e-10, 1e9)
add(kind = "paired", alternative = "two_sided", rule = "both_tails", ratio = 1,
    d = 0.3, alpha = 0.05, power = 0.8, solve = "n", expected = exact,
    r_default = pwr.t.test(d = 0.3, power = 0.8, type = "paired")$n,
    call = "pwr.t.test(d = 0.3, power = 0.8, type = 'paired')")
exact <- root(function(n) pw(n, n, 0.4, 0.05, "greater", kind = "one") - 0.9, 2 + 1e-10, 1e9)
add(kind = "one_sample", alternative = "greater", rule = "both_tails", ratio = 1,
    d = 0.4, alpha = 0.05, power = 0.9, solve = "n", expected = exact,
    r_default = pwr.t.test(d = 0.4, power = 0.9, type = "one.sample", alternative = "greater")$n,
    call = "pwr.t.test(d = 0.4, power = 0.9, type = 'one.sample', alternative = 'greater')")
exact <- root(function(n) pw(n, 3 * n, 0.35, 0.05, "two.sided") - 0.8, 2, 1e9)
add(kind = "two_sample", alternative = "two_sided", rule = "both_tails", ratio = 3,
    d = 0.35, alpha = 0.05, power = 0.8, solve = "n", expected = exact,
    call = "uniroot on pwr.t2n.test's power with n2 = 3 n1")

# Effect and alpha, exact roots.
exact <- root(function(d) pw(50, 50, d, 0.05, "two.sided") - 0.8, 1e-10, 10)
add(kind = "two_sample", alternative = "two_sided", rule = "both_tails", ratio = 1,
    n = 50, alpha = 0.05, power = 0.8, solve = "d", expected = exact,
    r_default = pwr.t.test(n = 50, power = 0.8)$d,
    call = "pwr.t.test(n = 50, power = 0.8)")
exact <- root(function(d) pw(40, 40, d, 0.05, "less", kind = "one") - 0.8, -10, -1e-10)
add(kind = "one_sample", alternative = "less", rule = "both_tails", ratio = 1,
    n = 40, alpha = 0.05, power = 0.8, solve = "d", expected = exact,
    r_default = pwr.t.test(n = 40, power = 0.8, type = "one.sample", alternative = "less")$d,
    call = "pwr.t.test(n = 40, power = 0.8, type = 'one.sample', alternative = 'less')")
exact <- root(function(a) pw(30, 30, 0.6, a, "two.sided") - 0.7, 1e-10, 1 - 1e-10)
add(kind = "two_sample", alternative = "two_sided", rule = "both_tails", ratio = 1,
    n = 30, d = 0.6, power = 0.7, solve = "alpha", expected = exact,
    r_default = pwr.t.test(n = 30, d = 0.6, power = 0.7, sig.level = NULL)$sig.level,
    call = "pwr.t.test(n = 30, d = 0.6, power = 0.7, sig.level = NULL)")

write_json(list(r_version = R.version.string, pwr_version = as.character(packageVersion("pwr")),
                tolerance_exact = 1e-9, tolerance_r_default = 1e-3, cases = cases),
           "t.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
