# Fixtures for the TOST and non-inferiority power solvers (src/power/tost.rs).
# Run from this directory: Rscript tost.R  (writes tost.json). R 4.2.2.
# PowerTOST and TOSTER are not installable here (shared/design/parity-notes.md), so the
# reference is an independent numerical integration with R's own integrate():
#   TOST power = integral over s in (0, s_max) of
#     [pnorm(-c s - dU) - pnorm(c s - dL)] * f_S(s),
#   S = sqrt(chisq_df / df), f_S(s) = 2 df s dchisq(df s^2, df), c = qt(1 - alpha, df),
#   dL = (theta - low)/tau, dU = (theta - high)/tau, s_max = (dL - dU)/(2c)
# (Owen's 1965 bivariate non-central t; PowerTOST's method = "exact"), integrated in s
# (the engine integrates in ln s with its own quadrature) at rel.tol = 1e-13.
# Non-inferiority: pt(c, df, ncp = dL, lower = FALSE) or pt(-c, df, ncp = dU), exact in R
# for |ncp| <= 37.62. Sample sizes: uniroot(tol = 1e-14) on these power functions.
# tau = sd sqrt(1/n1 + 1/n2) (parallel, n = n1), sd sqrt(1/n) (one sample, paired),
# sd sqrt(2/n) (2x2 crossover, n in total): PowerTOST's bk = 4 and 2 with n the total.
# Anchor: the log-scale case CV = 0.3, theta0 = 0.95, bounds 0.8-1.25, n = 40, 2x2
# gives 0.815845 as PowerTOST's sampleN.TOST(CV = 0.3) prints (n = 40).
library(jsonlite)
design_of <- function(design, n, ratio) {
  switch(design,
    parallel = list(df = n + ratio * n - 2, k = sqrt(1 / n + 1 / (ratio * n))),
    one_sample = , paired = list(df = n - 1, k = sqrt(1 / n)),
    crossover = list(df = n - 2, k = sqrt(2 / n)))
}
pw <- function(design, n, sd, theta, low, high, alpha, ratio = 1) {
  d <- design_of(design, n, ratio)
  tau <- sd * d$k; cc <- qt(1 - alpha, d$df)
  if (is.null(high)) return(pt(cc, d$df, ncp = (theta - low) / tau, lower.tail = FALSE))
  if (is.null(low)) return(pt(-cc, d$df, ncp = (theta - high) / tau))
  dl <- (theta - low) / tau; du <- (theta - high) / tau
  smax <- (dl - du) / (2 * cc)
  df <- d$df
  f <- function(s) pmax(0, pnorm(-cc * s - du) - pnorm(cc * s - dl)) * dchisq(df * s^2, df) * 2 * df * s
  # split at the chi density's peak region so integrate() sees it
  hi <- min(smax, 1 + 12 / sqrt(df)); lo <- max(0, 1 - 12 / sqrt(df))
  if (lo >= smax) return(0)
  integrate(f, lo, hi, rel.tol = 1e-13, abs.tol = 0, subdivisions = 10000L)$value
}
cases <- list()
add <- function(design, n = NULL, power = NULL, sd, theta, low = NULL, high = NULL,
                alpha = 0.05, ratio = 1) {
  if (is.null(n)) {
    n_min <- switch(design, crossover = 3, 2)
    expected <- uniroot(function(m) pw(design, m, sd, theta, low, high, alpha, ratio) - power,
                        c(n_min, 1e5), tol = 1e-14, maxiter = 10000)$root
    solve <- "n"
  } else {
    expected <- pw(design, n, sd, theta, low, high, alpha, ratio)
    solve <- "power"
  }
  cases[[length(cases) + 1]] <<- list(design = design, n = n, power = power, sd = sd,
    difference = theta, low = low, high = high, alpha = alpha, ratio = ratio,
    solve = solve, expected = expected)
}
cv <- sqrt(log(1 + 0.3^2))
add("crossover", n = 40, sd = cv, theta = log(0.95), low = log(0.8), high = log(1.25))
add("crossover", power = 0.8, sd = cv, theta = log(0.95), low = log(0.8), high = log(1.25))
add("crossover", n = 12, sd = 0.2, theta = 0, low = -0.223, high = 0.223)
add("crossover", power = 0.9, sd = 0.15, theta = 0.02, low = -0.2, high = 0.25, alpha = 0.025)
add("parallel", n = 20, sd = 1, theta = 0.1, low = -0.5, high = 0.5)
add("parallel", n = 50, sd = 2, theta = 0, low = -1, high = 1)
add("parallel", n = 8, sd = 1, theta = 0, low = -1, high = 1)
add("parallel", n = 30, sd = 1, theta = -0.2, low = -0.6, high = 0.8, ratio = 2)
add("parallel", power = 0.8, sd = 10, theta = 0, low = -5, high = 5)
add("parallel", power = 0.9, sd = 1, theta = 0.1, low = -0.4, high = 0.4, ratio = 1.5)
add("parallel", n = 300, sd = 1, theta = 0.05, low = -0.2, high = 0.2)
add("paired", n = 25, sd = 1.2, theta = 0.1, low = -0.6, high = 0.6)
add("paired", power = 0.85, sd = 1.2, theta = 0.1, low = -0.6, high = 0.6)
add("one_sample", n = 15, sd = 1, theta = 0, low = -0.7, high = 0.7, alpha = 0.1)
# non-inferiority
add("parallel", n = 40, sd = 1, theta = 0, low = -0.5)
add("parallel", power = 0.8, sd = 1, theta = 0, low = -0.5)
add("parallel", n = 25, sd = 3, theta = -0.5, high = 2, ratio = 0.5)
add("paired", power = 0.9, sd = 1, theta = 0.1, low = -0.3, alpha = 0.025)
add("crossover", n = 24, sd = 0.25, theta = 0, high = 0.2)
write_json(list(r_version = R.version.string, tolerance_exact = 1e-8, cases = cases),
           "tost.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
