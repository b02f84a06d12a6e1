# Independent reference for evident's regression discontinuity plan (power::rdd).
#
# The RD answer is a randomised trial's inflated by the design effect
# DEFF = 1/(1 - rho^2) (Schochet 2008, NCEE 2008-4026, ch. 4; Schochet 2009; Deke and
# Dragoset 2012), and for a fuzzy design divided by the squared jump in take-up:
#   SE  = sqrt((1 - R2) * DEFF / (J^2 * P * (1 - P) * n)),  df = n - g - 3
#   MDES = (qt(1 - alpha/2, df) + qt(power, df)) * SE       (PowerUp!'s multiplier)
#   power(delta) = exact non-central t, both tails (as pwr).
# rho from the running variable's shape and the share P on the treated side:
#   uniform: rho^2 = 3 P (1 - P);  normal: z = qnorm(1 - P), rho = dnorm(z)/sqrt(P(1 - P)).
# The randomised-trial column is computed with pwr::pwr.t.test (P = 0.5, no
# covariates: df = n - 2 as the trial's) so that the inflation is checked against a
# package's own trial power, not against our formula alone.
#
# Run from this directory: Rscript rdd_power.R   (writes rdd_power.json)
suppressPackageStartupMessages({ library(pwr); library(jsonlite) })

rho_of <- function(shape, P, rho = NA) {
  switch(shape,
    uniform = sqrt(3 * P * (1 - P)),
    normal = { z <- qnorm(1 - P); dnorm(z) / sqrt(P * (1 - P)) },
    correlation = rho)
}

power_nct <- function(delta, se, df, alpha) {
  crit <- qt(1 - alpha / 2, df)
  ncp <- delta / se
  pt(crit, df, ncp, lower.tail = FALSE) + pt(-crit, df, ncp)
}

# Schochet (2008), Table 4.2: design effects by score distribution and P.
table_4_2 <- list()
for (shape in c("normal", "uniform")) {
  for (P in c(0.5, 0.33, 0.25, 0.10)) {
    rho <- rho_of(shape, P)
    table_4_2[[length(table_4_2) + 1]] <- list(shape = shape, treated_share = P,
      rho = rho, design_effect = 1 / (1 - rho^2))
  }
}

cases <- list(
  list(shape = "uniform", treated_share = 0.5, n = 4000, r2 = 0, g = 0, alpha = 0.05, power = 0.8, effect = 0.2, take_up = 1),
  list(shape = "normal", treated_share = 0.5, n = 2000, r2 = 0, g = 0, alpha = 0.05, power = 0.8, effect = 0.25, take_up = 1),
  list(shape = "uniform", treated_share = 0.4, n = 3500, r2 = 0, g = 0, alpha = 0.05, power = 0.8, effect = 0.2 / 0.33, take_up = 0.75),
  list(shape = "normal", treated_share = 0.25, n = 900, r2 = 0.3, g = 2, alpha = 0.05, power = 0.9, effect = 0.3, take_up = 1),
  list(shape = "correlation", rho = 0.6, treated_share = 0.3, n = 600, r2 = 0.5, g = 1, alpha = 0.1, power = 0.8, effect = 0.25, take_up = 0.6)
)
out_cases <- lapply(cases, function(k) {
  rho <- rho_of(k$shape, k$treated_share, if (is.null(k$rho)) NA else k$rho)
  deff <- 1 / (1 - rho^2)
  P <- k$treated_share
  df <- k$n - k$g - 3
  se <- sqrt((1 - k$r2) * deff / (k$take_up^2 * P * (1 - P) * k$n))
  se_rct <- sqrt((1 - k$r2) / (P * (1 - P) * k$n))
  m <- function(df, power) qt(1 - k$alpha / 2, df) + qt(power, df)
  res <- c(k, list(rho = rho, design_effect = deff, df = df, std_error = se,
    mdes = m(df, k$power) * se,
    mdes_randomised = m(k$n - k$g - 2, k$power) * se_rct / k$take_up,
    power_of_effect = power_nct(k$effect, se, df, k$alpha)))
  if (P == 0.5 && k$g == 0 && k$r2 == 0 && k$take_up == 1) {
    # pwr's own trial power at the RD's effective effect delta / sqrt(DEFF) uses
    # df = n - 2 (one fewer slope than the RD): recorded to show the inflation is
    # the only difference beyond that degree of freedom.
    res$pwr_trial_power_at_deflated_effect <- pwr.t.test(n = k$n / 2,
      d = k$effect / sqrt(deff), sig.level = k$alpha)$power
    res$pwr_trial_power_of_mdes_randomised <- pwr.t.test(n = k$n / 2,
      d = res$mdes_randomised, sig.level = k$alpha)$power
  }
  res
})

write_json(list(
  generator = "tests/reference/rdd_power/rdd_power.R",
  r_version = R.version.string,
  pwr_version = as.character(packageVersion("pwr")),
  schochet_table_4_2 = list(
    note = "Schochet (2008) NCEE 2008-4026, Table 4.2, normal and uniform rows, P = 0.50, 0.33, 0.25, 0.10",
    normal = c(2.75, 2.46, 2.17, 1.52),
    uniform = c(4.00, 2.97, 2.29, 1.35)),
  design_effects = table_4_2,
  cases = out_cases
), "rdd_power.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
