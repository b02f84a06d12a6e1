# The second group's size with the first fixed: pwr.t2n.test and pwr.2p2n.test with
# n1 given and n2 left out. pwr solves with uniroot at its default tolerance (about
# 1e-4); here the same power functions are solved with uniroot(tol = 1e-14).
# Run: Rscript tests/reference/power/second_group.R  (writes second_group.json)
suppressPackageStartupMessages({ library(pwr); library(jsonlite) })
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
root <- function(f, lower, upper) uniroot(f, c(lower, upper), tol = 1e-14, maxiter = 1000)$root
t_case <- function(n1, d, power, alternative = "two.sided") {
  f <- function(n2) pwr.t2n.test(n1 = n1, n2 = n2, d = d, alternative = alternative)$power - power
  list(n1 = n1, d = d, power = power, alternative = alternative,
       n2 = sprintf("%.17g", root(f, 2 + 1e-9, 1e7)),
       n2_pwr = pwr.t2n.test(n1 = n1, d = d, power = power, alternative = alternative)$n2)
}
h_case <- function(n1, h, power) {
  f <- function(n2) pwr.2p2n.test(h = h, n1 = n1, n2 = n2)$power - power
  list(n1 = n1, h = h, power = power,
       n2 = sprintf("%.17g", root(f, 2 + 1e-9, 1e7)),
       n2_pwr = pwr.2p2n.test(h = h, n1 = n1, power = power)$n2)
}
out <- list(
  r_version = R.version.string,
  pwr_version = as.character(packageVersion("pwr")),
  t = list(t_case(50, 0.5, 0.8), t_case(30, 0.8, 0.9), t_case(100, 0.3, 0.8, "greater")),
  h = list(h_case(100, 0.3, 0.8), h_case(400, 0.2, 0.9))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "second_group.json"))
