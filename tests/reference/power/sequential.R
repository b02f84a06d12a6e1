# Fixtures for the group-sequential boundaries of src/power/sequential.rs.
# Run from this directory: Rscript sequential.R  (writes sequential.json).
# R 4.2.2 with rpact 3.3.4 (Debian r-cran-rpact).
#
# rpact's getDesignGroupSequential stops its own searches at tolerance >= 1e-10 (and
# the classical "OF" and "P" constants at alpha - 1e-8, about 1e-7 in z), so the
# reference values here are roots found with uniroot(tol = 1e-14) on rpact's own
# recursive integration, getGroupSequentialProbabilities (accurate to about 1e-12:
# checked against mnormt's bivariate normal for two looks). rpact's design values are
# written beside them ("rpact_*") and compared at 1e-6 only.
#
# Conventions (as rpact's): Z_k ~ N(drift * sqrt(t_k), 1); two-sided designs reject
# when |Z_k| >= b_k and a spending function spends alpha/2 on each side (the one-sided
# function at level alpha/2, doubled); one-sided designs have no lower boundary (rpact
# integrates from 6 SD below the mean of Z_k at most; here from 7 SD below the upper
# boundary, but no further than 4.5 and no closer than 6 SD below the mean: rpact's grid
# has a fixed number of points over [lower, upper], so a narrower span integrates more
# accurately (the one-sided Pocock constant for K = 5, alpha = 0.025 moves from
# 2.413180287 with -6 to 2.413180274 with -4.5), while a path that far below cannot
# cross a later upper boundary to within 1e-9). Power counts rejections on either side for two-sided designs (as
# rpact's getDesignCharacteristics). The inflation factor is
# (drift / (qnorm(1 - alpha/sides) + qnorm(power)))^2 and the expected sample under H1
# is the inflation factor times sum_k t_k P(stop at look k) (stopping at the last look
# when no boundary was crossed before), both relative to the fixed design.
library(rpact)
library(jsonlite)

crossing <- function(b, t, drift, sided) {
  mu <- drift * sqrt(t)
  lower <- if (sided == 2) -b - mu else pmin(b - mu - 1, pmax(-6, pmin(-4.5, b - mu - 7)))
  p <- getGroupSequentialProbabilities(rbind(lower, b - mu), t)
  up <- p[3, ] - p[2, ]
  low <- if (sided == 2) p[1, ] else rep(0, length(t))
  list(up = up, low = low)
}
spend <- function(kind, gamma, alpha, t) {
  switch(kind,
    obrien_fleming = 2 - 2 * pnorm(qnorm(1 - alpha / 2) / sqrt(t)),
    pocock = alpha * log(1 + (exp(1) - 1) * t),
    hwang_shih_decani = if (gamma == 0) alpha * t else
      alpha * (1 - exp(-gamma * t)) / (1 - exp(-gamma)))
}
bounds_of <- function(boundary, spending, gamma, alpha, t, sided) {
  k <- length(t)
  if (boundary != "lan_demets") {
    shape <- if (boundary == "obrien_fleming") 1 / sqrt(t) else rep(1, k)
    total <- function(cc) { x <- crossing(cc * shape, t, 0, sided); sum(x$up + x$low) }
    cc <- uniroot(function(cc) total(cc) - alpha, c(0.5, 10), tol = 1e-14)$root
    return(cc * shape)
  }
  cum <- sided * spend(spending, gamma, alpha / sided, t)
  b <- numeric(0)
  for (j in seq_len(k)) {
    target <- cum[j] - (if (j > 1) cum[j - 1] else 0)
    f <- function(x) {
      cr <- crossing(c(b, x), t[1:j], 0, sided)
      cr$up[j] + cr$low[j] - target
    }
    b <- c(b, uniroot(f, c(0.01, 38), tol = 1e-14)$root)
  }
  b
}
rpact_type <- function(boundary, spending) {
  if (boundary == "obrien_fleming") return("OF")
  if (boundary == "pocock") return("P")
  switch(spending, obrien_fleming = "asOF", pocock = "asP", hwang_shih_decani = "asHSD")
}

cases <- list()
add <- function(looks, t = (1:looks) / looks, boundary, spending = NULL, gamma = NULL,
                alpha = 0.05, power = 0.8, sided = 2) {
  b <- bounds_of(boundary, spending, gamma, alpha, t, sided)
  h0 <- crossing(b, t, 0, sided)
  pw <- function(d) { x <- crossing(b, t, d, sided); sum(x$up + x$low) }
  drift <- uniroot(function(d) pw(d) - power, c(0, 15), tol = 1e-14)$root
  h1 <- crossing(b, t, drift, sided)
  stop <- h1$up + h1$low
  fixed <- qnorm(1 - alpha / sided) + qnorm(power)
  inflation <- (drift / fixed)^2
  k <- length(t)
  reach_last <- 1 - sum(stop[-k])
  asn <- inflation * (sum(t[-k] * stop[-k]) + t[k] * reach_last)
  args <- list(kMax = looks, alpha = alpha, beta = 1 - power, sided = sided,
    typeOfDesign = rpact_type(boundary, spending), informationRates = t, tolerance = 1e-10)
  if (!is.null(gamma)) args$gammaA <- gamma
  design <- do.call(getDesignGroupSequential, args)
  ch <- getDesignCharacteristics(design)
  cases[[length(cases) + 1]] <<- list(looks = looks, fractions = t, boundary = boundary,
    spending = spending, gamma = gamma, alpha = alpha, power = power, sided = sided,
    critical = b, alpha_spent = cumsum(h0$up + h0$low), drift = drift,
    inflation = inflation, expected_h1 = asn, stop_h1 = stop,
    rpact_critical = design$criticalValues, rpact_alpha_spent = design$alphaSpent,
    rpact_inflation = ch$inflationFactor, rpact_expected_h1 = ch$averageSampleNumber1)
}
add(3, boundary = "obrien_fleming")
add(5, boundary = "obrien_fleming")
add(4, boundary = "pocock")
add(5, boundary = "pocock", alpha = 0.025, power = 0.9, sided = 1)
add(3, t = c(0.3, 0.7, 1), boundary = "obrien_fleming", alpha = 0.025, sided = 1)
add(2, boundary = "pocock", power = 0.9)
add(3, boundary = "lan_demets", spending = "obrien_fleming")
add(3, t = c(0.3, 0.7, 1), boundary = "lan_demets", spending = "obrien_fleming",
    alpha = 0.025, sided = 1)
add(4, boundary = "lan_demets", spending = "pocock", power = 0.9)
add(3, boundary = "lan_demets", spending = "hwang_shih_decani", gamma = -4)
add(5, t = c(0.2, 0.4, 0.5, 0.8, 1), boundary = "lan_demets",
    spending = "hwang_shih_decani", gamma = 1, alpha = 0.025, sided = 1)
add(4, t = c(0.25, 0.5, 0.75, 1), boundary = "lan_demets",
    spending = "hwang_shih_decani", gamma = -2, alpha = 0.1, power = 0.85)
writeLines(toJSON(list(cases = cases), digits = NA, auto_unbox = TRUE, pretty = TRUE,
  null = "null"), "sequential.json")
