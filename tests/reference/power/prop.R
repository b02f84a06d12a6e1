# Fixtures for the proportion and chi-square power solvers (src/power/prop.rs,
# src/power/chisq.rs). Run from this directory: Rscript prop.R (writes prop.json).
# R 4.2.2, pwr 1.3-0. Solved quantities are exact roots (uniroot tol = 1e-14 on the
# packages' own power formulas); the packages' default answers are kept as r_default.
library(pwr)
library(jsonlite)

root <- function(f, lo, hi) uniroot(f, c(lo, hi), tol = 1e-14, maxiter = 10000)$root
hpow <- function(h, n1, n2, a, alt = "two.sided") {
  s <- h * sqrt(n1 * n2 / (n1 + n2))
  if (alt == "two.sided") pnorm(qnorm(a/2, lower = FALSE) - abs(s), lower = FALSE) +
    pnorm(qnorm(a/2, lower = TRUE) - abs(s), lower = TRUE)
  else if (alt == "greater") pnorm(qnorm(a, lower = FALSE) - s, lower = FALSE)
  else pnorm(qnorm(a, lower = TRUE) - s, lower = TRUE)
}
ppow <- function(p1, p2, n, a, strict = FALSE) {
  qu <- qnorm(a/2, lower.tail = FALSE); d <- abs(p1 - p2); pbar <- (p1 + p2)/2
  v <- sqrt(p1 * (1 - p1) + p2 * (1 - p2)); w <- sqrt(2 * pbar * (1 - pbar))
  pnorm((sqrt(n) * d - qu * w)/v) + if (strict) pnorm((sqrt(n) * d + qu * w)/v, lower.tail = FALSE) else 0
}
cpow <- function(n, w, df, a) pchisq(qchisq(a, df, lower = FALSE), df, ncp = n * w^2, lower = FALSE)

prop <- list(); chisq <- list()
addp <- function(...) prop[[length(prop) + 1]] <<- list(...)
addc <- function(...) chisq[[length(chisq) + 1]] <<- list(...)

# Cohen's h, equal groups (pwr's h = ES.h(p1, p2) = 2 asin sqrt p1 - 2 asin sqrt p2;
# the engine's p1 is the control, p2 the treatment, h = phi(p2) - phi(p1)).
for (pp in list(c(0.5, 0.6), c(0.2, 0.3), c(0.1, 0.05))) {
  h <- ES.h(pp[2], pp[1])
  addp(method = "cohens_h", p1 = pp[1], p2 = pp[2], n = 150, alpha = 0.05, ratio = 1,
       solve = "power", expected = pwr.2p.test(h = h, n = 150)$power,
       call = sprintf("pwr.2p.test(h = ES.h(%g, %g), n = 150)", pp[2], pp[1]))
  addp(method = "cohens_h", p1 = pp[1], p2 = pp[2], power = 0.8, alpha = 0.05, ratio = 1,
       solve = "n", expected = root(function(n) hpow(h, n, n, 0.05) - 0.8, 2 + 1e-10, 1e9),
       r_default = pwr.2p.test(h = h, power = 0.8)$n,
       call = sprintf("pwr.2p.test(h = ES.h(%g, %g), power = 0.8)", pp[2], pp[1]))
  addp(method = "pooled", p1 = pp[1], p2 = pp[2], n = 150, alpha = 0.05, ratio = 1,
       solve = "power", expected = power.prop.test(n = 150, p1 = pp[1], p2 = pp[2])$power,
       call = sprintf("power.prop.test(n = 150, p1 = %g, p2 = %g)", pp[1], pp[2]))
  addp(method = "pooled", p1 = pp[1], p2 = pp[2], power = 0.8, alpha = 0.05, ratio = 1,
       solve = "n", expected = root(function(n) ppow(pp[1], pp[2], n, 0.05) - 0.8, 1, 1e9),
       r_default = power.prop.test(p1 = pp[1], p2 = pp[2], power = 0.8)$n,
       call = sprintf("power.prop.test(p1 = %g, p2 = %g, power = 0.8)", pp[1], pp[2]))
}
# Unequal groups (pwr.2p2n.test): n2 = 2 n1.
h <- ES.h(0.35, 0.25)
addp(method = "cohens_h", p1 = 0.25, p2 = 0.35, n = 200, alpha = 0.05, ratio = 2,
     solve = "power", expected = pwr.2p2n.test(h = h, n1 = 200, n2 = 400)$power,
     call = "pwr.2p2n.test(h = ES.h(0.35, 0.25), n1 = 200, n2 = 400)")
addp(method = "cohens_h", p1 = 0.25, p2 = 0.35, power = 0.9, alpha = 0.05, ratio = 2,
     solve = "n", expected = root(function(n) hpow(h, n, 2 * n, 0.05) - 0.9, 2, 1e9),
     call = "uniroot on pwr.2p2n.test's power with n2 = 2 n1")
# h only, solve h; and p2 by the pooled method.
addp(method = "cohens_h", h = NULL, n = 100, alpha = 0.05, power = 0.8, ratio = 1,
     solve = "h", expected = root(function(h) hpow(h, 100, 100, 0.05) - 0.8, 1e-10, 10),
     r_default = pwr.2p.test(n = 100, power = 0.8)$h,
     call = "pwr.2p.test(n = 100, power = 0.8)")
addp(method = "pooled", p1 = 0.3, n = 200, alpha = 0.05, power = 0.8, ratio = 1,
     solve = "p2", expected = root(function(p2) ppow(0.3, p2, 200, 0.05) - 0.8, 0.3, 1),
     r_default = power.prop.test(n = 200, p1 = 0.3, power = 0.8)$p2,
     call = "power.prop.test(n = 200, p1 = 0.3, power = 0.8)")

# Chi-square (pwr.chisq.test).
for (w in c(0.1, 0.3)) for (df in c(1, 4)) {
  addc(w = w, df = df, n = 200, alpha = 0.05, solve = "power",
       expected = pwr.chisq.test(w = w, N = 200, df = df)$power,
       call = sprintf("pwr.chisq.test(w = %g, N = 200, df = %g)", w, df))
  addc(w = w, df = df, power = 0.8, alpha = 0.05, solve = "n",
       expected = root(function(n) cpow(n, w, df, 0.05) - 0.8, 1 + 1e-10, 1e9),
       r_default = pwr.chisq.test(w = w, df = df, power = 0.8)$N,
       call = sprintf("pwr.chisq.test(w = %g, df = %g, power = 0.8)", w, df))
}
addc(df = 2, n = 120, power = 0.9, alpha = 0.05, solve = "w",
     expected = root(function(w) cpow(120, w, 2, 0.05) - 0.9, 1e-10, 10),
     r_default = pwr.chisq.test(N = 120, df = 2, power = 0.9)$w,
     call = "pwr.chisq.test(N = 120, df = 2, power = 0.9)")

write_json(list(r_version = R.version.string, pwr_version = as.character(packageVersion("pwr")),
                tolerance_exact = 1e-9, tolerance_r_default = 1e-3,
                prop = prop, chisq = chisq),
           "prop.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
