# Reference values for analysis.economics (docs/statistics.md, "Economic evaluation"),
# by formula in base R plus estimatr for the headline estimate (CRAN is not reachable,
# so no health-economics package is used; every figure is computed here independently):
#  - the virtual-safety-checks example as its spec declares: lm_robust HC2 of
#    working_alarm on the arm, risk_before and lives_alone (the headline); costs
#    in_person 85, video 30 per household; value 500 per household with a working alarm.
#    dC = 30 - 85, dE = the estimate (higher is better), ICER = dC / dE.
#  - Fieller's set {R : (dC - R dE)^2 <= t^2 (vC - 2 R cov + R^2 vE)} from the quadratic
#    A R^2 - 2 B R + C <= 0 (A = dE^2 - t^2 vE, B = dC dE - t^2 cov, C = dC^2 - t^2 vC),
#    and independently by uniroot on the t statistic of the net benefit at threshold R,
#    NMB(R) = R dE - dC, whose |t| = t_crit at Fieller's end points (Heitjan 2000,
#    "Fieller's method and net health benefits", Health Economics 9: 327-335).
#  - NMB(lambda) = lambda dE - dC, se = lambda se(dE) (costs fixed), CI with qt(0.975, df);
#    the CEAC from the normal approximation pnorm(NMB / se) at 41 values on [0, 3000].
#  - HM Treasury Green Book (2022, Annex A6) discount factors: 1 / 1.035^t for years
#    0-30, then a further 1 / 1.03 a year to year 75; totals over n years from year 0.
# Writes economics.json next to this script. Run from this folder: Rscript economics.R
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
root <- "../../.."

fieller_quadratic <- function(dc, de, vc, ve, cov, crit) {
  k <- crit^2
  a <- de^2 - k * ve; b <- dc * de - k * cov; c <- dc^2 - k * vc
  disc <- b^2 - a * c
  if (a > 0) list(kind = "interval", low = (b - sqrt(disc)) / a, high = (b + sqrt(disc)) / a)
  else if (a < 0 && disc > 0) list(kind = "exclusive", low = (b + sqrt(disc)) / a, high = (b - sqrt(disc)) / a)
  else list(kind = "unbounded")
}
# Independent: the thresholds R where the net benefit's t statistic equals +-crit.
fieller_roots <- function(dc, de, vc, ve, cov, crit, interval) {
  f <- function(r) (r * de - dc)^2 - crit^2 * (r^2 * ve - 2 * r * cov + vc)
  sort(c(uniroot(f, interval[1:2], tol = 1e-14)$root, uniroot(f, interval[3:4], tol = 1e-14)$root))
}
discount_factor <- function(t) ifelse(t <= 30, 1.035^-t, 1.035^-30 * 1.03^-(t - 30))
discount_total <- function(n) sum(discount_factor(0:(n - 1)))

out <- list(r_version = R.version.string, estimatr = as.character(packageVersion("estimatr")))

units <- read.csv(file.path(root, "specs/virtual-safety-checks/data/households.csv"))
fu <- read.csv(file.path(root, "specs/virtual-safety-checks/data/follow_up.csv"))
d <- merge(fu, units[, c("household_id", "arm")], by = "household_id")
d$z <- as.integer(d$arm == "video")
f <- lm_robust(working_alarm ~ z + risk_before + lives_alone, data = d, se_type = "HC2")
i <- which(f$term == "z")
de <- f$coefficients[[i]]; se <- f$std.error[[i]]; df <- f$df[[i]]
dc <- 30 - 85
crit <- qt(0.975, df)
fl <- fieller_quadratic(dc, de, 0, se^2, 0, crit)
roots <- fieller_roots(dc, de, 0, se^2, 0, crit, c(-1e5, -1, 1, 1e5))
lambda <- 500
nmb <- lambda * de - dc
values <- seq(0, 3000, length.out = 41)
ceac <- pnorm((values * de - dc) / (values * se))
ceac[values == 0] <- as.numeric(-dc > 0)
sens <- function(c0, c1) { x <- c1 - c0; list(delta_cost = x, icer = x / de, net_benefit = lambda * de - x) }
out$virtual <- list(
  delta_cost = dc, delta_effect = de, std_error = se, df = df,
  effect_conf_low = de - crit * se, effect_conf_high = de + crit * se,
  icer = dc / de, fieller = fl, fieller_uniroot = roots,
  net_benefit = list(value = lambda, estimate = nmb, std_error = lambda * se,
                     conf_low = nmb - crit * lambda * se, conf_high = nmb + crit * lambda * se,
                     probability_positive = pnorm(nmb / (lambda * se))),
  ceac_values = values, ceac_normal = ceac,
  sensitivity = list(sens(85 * 0.8, 30 * 1.2), sens(85 * 1.2, 30 * 0.8), sens(85, 47)),
  # The unadjusted difference in means and its Welch standard error, which the
  # bootstrap's spread is compared with (loosely: resampling error, see the test).
  dim_estimate = mean(d$working_alarm[d$z == 1]) - mean(d$working_alarm[d$z == 0]),
  dim_std_error = sqrt(var(d$working_alarm[d$z == 1]) / sum(d$z == 1) + var(d$working_alarm[d$z == 0]) / sum(d$z == 0))
)

# General Fieller (costs that vary, correlated with the effect), normal reference.
z <- qnorm(0.975)
cases <- list(
  list(dc = 1200, de = 0.15, vc = 200^2, ve = 0.04^2, cov = 2.5, interval = c(0, 8000, 8000, 1e5)),
  list(dc = 1200, de = 0.05, vc = 200^2, ve = 0.04^2, cov = 2.5, interval = c(-1e6, 0, 0, 1e6)),
  list(dc = 50, de = 0.01, vc = 400^2, ve = 0.04^2, cov = 0, interval = NULL)
)
out$fieller <- lapply(cases, function(x) {
  q <- fieller_quadratic(x$dc, x$de, x$vc, x$ve, x$cov, z)
  r <- if (is.null(x$interval)) NULL else fieller_roots(x$dc, x$de, x$vc, x$ve, x$cov, z, x$interval)
  list(dc = x$dc, de = x$de, vc = x$vc, ve = x$ve, cov = x$cov, crit = z, quadratic = q, uniroot = r)
})
out$discount <- list(
  years = c(0, 1, 10, 30, 31, 50, 75),
  factors = discount_factor(c(0, 1, 10, 30, 31, 50, 75)),
  totals_years = c(1, 5, 30, 31, 40, 76),
  totals = sapply(c(1, 5, 30, 31, 40, 76), discount_total)
)
write_json(out, "economics.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
