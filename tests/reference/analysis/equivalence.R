# Reference values for analysis.equivalence / analysis.non_inferiority, end to end:
# the virtual-safety-checks example analysed in R as its spec declares (lm_robust HC2
# adjusted for risk_before and lives_alone, the headline; difference_in_means beside
# it), and a cluster trial (the ward-falls example, difference_in_means CR2), each
# with the two one-sided tests by formula on the estimator's own estimate, standard
# error and degrees of freedom:
#   lower test  p_L = P(T >= (est - low)/se),  upper test  p_U = P(T <= (est - high)/se)
#   TOST p = max, interval est -/+ qt(1 - alpha, df) se (1 - 2 alpha);
# and the grade's reading: each one-sided test at evidence alpha / 2 (95% interval).
# Writes equivalence.json next to this script. Run from this folder: Rscript equivalence.R
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
root <- "../../.."

tost <- function(est, se, df, low, high, alpha) {
  q <- qt(1 - alpha, df)
  p_low <- if (is.na(low)) NA else pt((est - low) / se, df, lower.tail = FALSE)
  p_high <- if (is.na(high)) NA else pt((est - high) / se, df)
  list(estimate = est, std_error = se, df = df,
       lower_statistic = if (is.na(low)) NA else (est - low) / se,
       lower_p = p_low,
       upper_statistic = if (is.na(high)) NA else (est - high) / se,
       upper_p = p_high,
       p_value = max(c(p_low, p_high), na.rm = TRUE),
       conf_low = est - q * se, conf_high = est + q * se)
}
from_fit <- function(f, term, low, high, alpha) {
  i <- which(f$term == term)
  list(analysis = tost(f$coefficients[[i]], f$std.error[[i]], f$df[[i]], low, high, alpha),
       grade = tost(f$coefficients[[i]], f$std.error[[i]], f$df[[i]], low, high, 0.05 / 2))
}

out <- list(r_version = R.version.string, estimatr = as.character(packageVersion("estimatr")))

units <- read.csv(file.path(root, "specs/virtual-safety-checks/data/households.csv"))
fu <- read.csv(file.path(root, "specs/virtual-safety-checks/data/follow_up.csv"))
d <- merge(fu, units[, c("household_id", "arm")], by = "household_id")
d$z <- as.integer(d$arm == "video")
out$virtual <- list(
  # Non-inferiority, higher is better, margin 0.05: only the lower test.
  working_alarm = from_fit(lm_robust(working_alarm ~ z + risk_before + lives_alone, data = d, se_type = "HC2"), "z", -0.05, NA, 0.05),
  working_alarm_dim = from_fit(difference_in_means(working_alarm ~ z, data = d), "z", -0.05, NA, 0.05),
  # Equivalence within +/- 1 point.
  risk_after = from_fit(lm_robust(risk_after ~ z + risk_before + lives_alone, data = d, se_type = "HC2"), "z", -1, 1, 0.05)
)

# Ward falls (cluster RCT, CR2 difference in means): non-inferiority on a lower-is-
# better outcome (margin 0.04 above), and asymmetric equivalence (-0.03, 0.06), alpha 0.1.
pat <- read.csv(file.path(root, "specs/ward-falls-alert/data/patients.csv"))
falls <- read.csv(file.path(root, "specs/ward-falls-alert/data/falls.csv"))
w <- merge(falls, pat, by = intersect(names(falls), names(pat)))
w <- w[!is.na(w$fell), ]
w$z <- as.integer(w$arm == "alert")
f <- difference_in_means(fell ~ z, clusters = ward, data = w)
out$ward <- list(
  non_inferiority = from_fit(f, "z", NA, 0.04, 0.05),
  equivalence = from_fit(f, "z", -0.03, 0.06, 0.1)
)
write_json(out, "equivalence.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
