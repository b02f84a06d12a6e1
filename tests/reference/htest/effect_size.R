# Fixtures for src/stats/htest/effect_size.rs. Base R has no effect-size functions and
# effectsize/MBESS are not installed, so this script computes the documented formulas
# directly in base R, independently of the Rust code:
#   Cohen's d (pooled SD) with the non-central t interval (as effectsize::cohens_d and
#   MBESS::ci.smd): ncp solving pt(t, df, ncp) = 1 - alpha/2 and alpha/2 with
#   uniroot(tol = 1e-14) (tests compare at 1e-8); Hedges' g = J d with the exact J;
#   risk difference (Wald), risk ratio and odds ratio (Wald on the log scale), Cox
#   index log(OR)/1.65. Run: Rscript tests/reference/htest/effect_size.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
set.seed(11)
# pt() warns "full precision may not have been achieved" at the far bracket end, where
# P is within 1e-10 of 1; the roots themselves lie where P = 0.005 ... 0.995.
ncp_root <- function(t, df, target)
  suppressWarnings(uniroot(function(ncp) pt(t, df, ncp) - target, c(t - 40, t + 40), tol = 1e-14)$root)
cases <- list()
add_d <- function(x, y, cl = 0.95) {
  nx <- length(x); ny <- length(y); df <- nx + ny - 2
  sp <- sqrt(((nx - 1) * var(x) + (ny - 1) * var(y)) / df)
  d <- (mean(x) - mean(y)) / sp
  scale <- sqrt(1 / nx + 1 / ny)
  t <- d / scale
  alpha <- 1 - cl
  ci <- c(ncp_root(t, df, 1 - alpha / 2), ncp_root(t, df, alpha / 2)) * scale
  J <- exp(lgamma(df / 2) - log(sqrt(df / 2)) - lgamma((df - 1) / 2))
  cases[[length(cases) + 1]] <<- list(kind = "d", x = vec(x), y = vec(y), conf_level = cl,
    call = sprintf("pooled-SD d with non-central t CI, n = %d, %d, conf.level = %s", nx, ny, cl),
    d = d, d_ci = vec(ci), g = J * d, g_ci = vec(J * ci))
}
add_table <- function(tab, cl = 0.95) {
  a <- tab[1, 1]; b <- tab[1, 2]; c <- tab[2, 1]; d <- tab[2, 2]
  n1 <- a + b; n2 <- c + d; p1 <- a / n1; p2 <- c / n2
  z <- qnorm(1 - (1 - cl) / 2)
  rd_se <- sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
  rr <- p1 / p2; rr_se <- sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
  or <- a * d / (b * c); or_se <- sqrt(1 / a + 1 / b + 1 / c + 1 / d)
  cases[[length(cases) + 1]] <<- list(kind = "table", table = unclass(tab), conf_level = cl,
    call = sprintf("2x2 effect sizes for matrix(c(%s), 2, byrow = TRUE), conf.level = %s", toString(t(tab)), cl),
    rd = p1 - p2, rd_se = rd_se, rd_ci = vec(p1 - p2 + c(-1, 1) * z * rd_se),
    rr = rr, rr_se = rr_se, rr_ci = vec(exp(log(rr) + c(-1, 1) * z * rr_se)),
    or = or, or_se = or_se, or_ci = vec(exp(log(or) + c(-1, 1) * z * or_se)),
    cox = log(or) / 1.65, cox_se = or_se / 1.65, cox_ci = vec((log(or) + c(-1, 1) * z * or_se) / 1.65))
}
add_d(c(5.1, 4.8, 6.2, 5.9, 5.5, 6.8), c(4.2, 4.9, 3.8, 5.0, 4.4))
add_d(round(rnorm(30, 0.5), 4), round(rnorm(25), 4))
add_d(round(rnorm(12, -0.2), 4), round(rnorm(40), 4), cl = 0.9)
add_d(c(1.2, 3.4, 2.2), c(2.5, 2.9, 4.1, 3.3), cl = 0.99)
add_d(round(rnorm(80, 1.5), 4), round(rnorm(75), 4))      # large effect, ncp ~ 9
add_d(c(0.3, 0.35, 0.31, 0.29), c(0.30, 0.33, 0.32, 0.28))  # near-zero effect
add_table(matrix(c(15, 35, 25, 25), 2, byrow = TRUE))
add_table(matrix(c(3, 97, 12, 88), 2, byrow = TRUE), cl = 0.9)
add_table(matrix(c(40, 10, 22, 30), 2, byrow = TRUE), cl = 0.99)
add_table(matrix(c(1, 19, 1, 5), 2, byrow = TRUE))
write_cases("effect_size", cases)
