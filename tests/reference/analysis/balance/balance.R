# Reference values for baseline balance and the per-estimator analytic sample (issue 14).
# The balance rows follow the What Works Clearinghouse Procedures Handbook (v4.1,
# appendix E), written out here from the formulas: Hedges' g with the pooled SD and
# omega = 1 - 3 / (4N - 9); the Cox index ln(OR) / 1.65 times the same omega, 0 for
# equal proportions, and with half a unit added to every cell of the 2x2 table when a
# proportion is 0 or 1 (the WWC gives no rule for that case; this is Haldane-Anscombe).
# A two-valued numeric column is binary (event: its larger value); a text column with
# more than two levels is checked level by level, levels taken from the analytic sample.
# The estimators: difference in means on every row with the outcome, lm_robust (HC2) on
# the rows that also have every covariate.
# Run from this folder: Rscript balance.R  (writes balance.json)
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
units <- read.csv("units.csv")
d <- merge(read.csv("outcomes.csv", na.strings = c("", "NA")), units, by = "id")
d$z <- as.integer(d$arm == "treatment")
headline <- d[!is.na(d$y), ]

omega <- function(n) 1 - 3 / (4 * n - 9)
hedges <- function(t, c) {
  pooled <- sqrt(((length(t) - 1) * var(t) + (length(c) - 1) * var(c)) / (length(t) + length(c) - 2))
  omega(length(t) + length(c)) * (mean(t) - mean(c)) / pooled
}
cox <- function(t, c) {
  et <- sum(t); ec <- sum(c); nt <- length(t); nc <- length(c)
  if (et * nc == ec * nt) return(0)
  if (et %in% c(0, nt) || ec %in% c(0, nc)) { pt <- (et + 0.5) / (nt + 1); pc <- (ec + 0.5) / (nc + 1) }
  else { pt <- et / nt; pc <- ec / nc }
  omega(nt + nc) * (qlogis(pt) - qlogis(pc)) / 1.65
}
row <- function(variable, level, values, measure) {
  keep <- !is.na(values)
  t <- values[keep & headline$z == 1]; c <- values[keep & headline$z == 0]
  list(variable = variable, level = level, measure = measure,
       n_control = length(c), n_treatment = length(t), mean_control = mean(c), mean_treatment = mean(t),
       effect_size = if (measure == "hedges_g") hedges(t, c) else cox(t, c))
}
rows <- list(
  row("age", NA, headline$age, "hedges_g"),
  row("coded12", "2", as.numeric(headline$coded12 == 2), "cox_index"),
  row("coded05", "5", as.numeric(headline$coded05 == 5), "cox_index")
)
for (level in sort(unique(headline$region))) {
  rows[[length(rows) + 1]] <- row("region", level, as.numeric(headline$region == level), "cox_index")
}
rows[[length(rows) + 1]] <- row("rare", NA, headline$rare, "cox_index")
rows[[length(rows) + 1]] <- row("same", NA, headline$same, "cox_index")
rows[[length(rows) + 1]] <- row("x", NA, headline$x, "hedges_g")

dim_fit <- difference_in_means(y ~ z, data = headline)
adjusted_rows <- headline[complete.cases(headline[, c("age", "coded12", "coded05", "region", "rare", "same", "x")]), ]
lm_fit <- lm_robust(y ~ z + age + coded12 + coded05 + region + rare + same + x, data = adjusted_rows)
i <- which(lm_fit$term == "z")
out <- list(
  r_version = R.version.string,
  estimatr = as.character(packageVersion("estimatr")),
  balance = rows,
  difference_in_means = list(n = nrow(headline), estimate = dim_fit$coefficients[[1]], std_error = dim_fit$std.error[[1]]),
  regression_adjusted = list(n = nrow(adjusted_rows), estimate = lm_fit$coefficients[[i]], std_error = lm_fit$std.error[[i]])
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), "balance.json")
