# Reference values for the analyse stage, end to end: each bundled example's data is
# analysed in R the way its spec declares, and a small cluster-randomised trial is
# generated and analysed with estimatr (CR2). Writes examples.json next to this script.
# Run from this folder: Rscript examples.R
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
root <- "../../.."
est <- function(estimate, se, df, p, lo, hi) list(estimate = estimate, std_error = se, df = df, p_value = p, conf_low = lo, conf_high = hi)
from_dim <- function(f) est(f$coefficients[[1]], f$std.error[[1]], f$df[[1]], f$p.value[[1]], f$conf.low[[1]], f$conf.high[[1]])
from_lm <- function(f, term) { i <- which(f$term == term); est(f$coefficients[[i]], f$std.error[[i]], f$df[[i]], f$p.value[[i]], f$conf.low[[i]], f$conf.high[[i]]) }
from_t <- function(t) est(unname(t$estimate[1] - if (length(t$estimate) > 1) t$estimate[2] else 0), t$stderr, unname(t$parameter), t$p.value, t$conf.int[1], t$conf.int[2])

out <- list(r_version = R.version.string, estimatr = as.character(packageVersion("estimatr")))

# HMO inspections: RCT, arms from the units file, difference in means per outcome, Holm.
units <- read.csv(file.path(root, "specs/hmo-inspections/data/properties.csv"))
insp <- read.csv(file.path(root, "specs/hmo-inspections/data/inspections.csv"))
hmo <- merge(insp, units[, c("property_id", "arm")], by = "property_id")
hmo$z <- as.integer(hmo$arm == "prioritised")
lic <- difference_in_means(licensable_found ~ z, data = hmo)
days <- difference_in_means(days_to_inspection ~ z, data = hmo)
out$hmo <- list(
  licensable_found = from_dim(lic),
  days_to_inspection = from_dim(days),
  holm = p.adjust(c(lic$p.value[[1]], days$p.value[[1]]), "holm"),
  lin_licensable = from_lm(lm_lin(licensable_found ~ z, covariates = ~ risk_score + prior_complaints, data = hmo), "z"),
  adjusted_licensable = from_lm(lm_robust(licensable_found ~ z + risk_score + prior_complaints, data = hmo), "z")
)

# Ambulance standby: before/after, paired t on after - before.
amb <- read.csv(file.path(root, "specs/ambulance-standby/data/standby_points.csv"))
out$ambulance <- list(
  mean_response_after = from_t(t.test(amb$mean_response_after, amb$mean_response_before, paired = TRUE)),
  within_target_after = from_t(t.test(amb$within_target_after, amb$within_target_before, paired = TRUE))
)

# NEET early warning: matched comparison, listwise deletion per outcome.
neet <- read.csv(file.path(root, "specs/neet-early-warning/data/matched_elsewhere.csv"))
neet$z <- as.integer(neet$group == "supported")
out$neet <- list(
  neet_at_18 = from_dim(difference_in_means(neet_at_18 ~ z, data = neet[!is.na(neet$neet_at_18), ])),
  attainment_points = from_dim(difference_in_means(attainment_points ~ z, data = neet))
)

# A cluster-randomised trial: 24 schools of 8 to 30 pupils, half the schools treated.
set.seed(20241125)
schools <- 24
size <- sample(8:30, schools, replace = TRUE)
treated_school <- sample(rep(c(0, 1), schools / 2))
pupil <- data.frame(school = rep(sprintf("S%02d", 1:schools), size), z = rep(treated_school, size))
school_effect <- rnorm(schools, 0, 0.5)
pupil$score <- round(50 + 0.4 * pupil$z * 10 + rep(school_effect, size) * 10 + rnorm(nrow(pupil), 0, 8), 3)
pupil$id <- sprintf("P%04d", seq_len(nrow(pupil)))
pupil$arm <- ifelse(pupil$z == 1, "treatment", "control")
dir.create("cluster", showWarnings = FALSE)
write.csv(pupil[, c("id", "school", "arm")], "cluster/pupils.csv", row.names = FALSE, quote = FALSE)
write.csv(pupil[, c("id", "score")], "cluster/scores.csv", row.names = FALSE, quote = FALSE)
out$cluster <- list(score = from_dim(difference_in_means(score ~ z, clusters = school, data = pupil)))

write_json(out, "examples.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
