# Reference values for src/analysis/icc.rs: the one-way ANOVA ICC of the cluster test
# study (tests/reference/analysis/cluster), with schools nested in arms, and the plain
# one-way ICC (arms ignored) that ICC::ICCest computes. Run from the repository root:
#   Rscript tests/reference/lifecycle/icc.R > tests/reference/lifecycle/icc.json
suppressPackageStartupMessages(library(jsonlite))
dir <- "tests/reference/analysis/cluster"
pupils <- read.csv(file.path(dir, "pupils.csv"), stringsAsFactors = FALSE)
scores <- read.csv(file.path(dir, "scores.csv"), stringsAsFactors = FALSE)
d <- merge(pupils, scores, by = "id")
d <- d[!is.na(d$score), ]
d$school <- factor(d$school)
d$arm <- factor(d$arm)

# Nested: school after arm; each school lies in one arm, so its df is K - A.
fit <- anova(lm(score ~ arm + school, data = d))
ms_between <- fit["school", "Mean Sq"]
ms_within <- fit["Residuals", "Mean Sq"]
df_between <- fit["school", "Df"]
sizes <- table(d$school)
arm_of <- tapply(d$arm, d$school, function(a) as.character(a[1]))
arm_n <- table(d$arm)
adjust <- sum(sapply(names(arm_n), function(a) sum(sizes[arm_of == a]^2) / arm_n[[a]]))
n0 <- (nrow(d) - adjust) / df_between
nested <- (ms_between - ms_within) / (ms_between + (n0 - 1) * ms_within)
# Searle's F-based 95% interval with n0 for the cluster size (Donner 1986).
searle <- function(msb, msw, df1, df2, n0) {
  f <- msb / msw
  fl <- f / qf(0.975, df1, df2)
  fu <- f / qf(0.025, df1, df2)
  c((fl - 1) / (fl + n0 - 1), (fu - 1) / (fu + n0 - 1))
}
nested_ci <- searle(ms_between, ms_within, df_between, fit["Residuals", "Df"], n0)

# One arm (ICC::ICCest's formula, written out: aov MS and its n0).
one <- anova(lm(score ~ school, data = d))
msa <- one["school", "Mean Sq"]
msw <- one["Residuals", "Mean Sq"]
k <- nlevels(d$school)
n0_one <- (nrow(d) - sum(sizes^2) / nrow(d)) / (k - 1)
plain <- (msa - msw) / (msa + (n0_one - 1) * msw)
plain_ci <- searle(msa, msw, k - 1, one["Residuals", "Df"], n0_one)

cat(toJSON(list(
  r_version = R.version.string,
  units = nrow(d), clusters = k,
  nested = list(icc = nested, ms_between = ms_between, ms_within = ms_within, n0 = n0,
                conf_low = nested_ci[1], conf_high = nested_ci[2]),
  one_arm = list(icc = plain, ms_between = msa, ms_within = msw, n0 = n0_one,
                 conf_low = plain_ci[1], conf_high = plain_ci[2])
), auto_unbox = TRUE, digits = NA, pretty = TRUE))
cat("\n")
