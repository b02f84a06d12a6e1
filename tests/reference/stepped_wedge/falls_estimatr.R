# The stepped-wedge falls example (specs/stepped-wedge-falls) analysed with estimatr:
# lm_robust(tinetti ~ treated, fixed_effects = ~ home + quarter, clusters = home,
# se_type = "CR2"), treated = quarter >= the home's crossover quarter in the committed
# allocation. Run from this folder: Rscript falls_estimatr.R (writes falls_estimatr.json).
suppressMessages({library(estimatr); library(data.table); library(jsonlite)})
spec <- "../../../specs/stepped-wedge-falls"
d <- fread(file.path(spec, "data/assessments.csv"))
a <- fread(file.path(spec, "allocation/assignments.csv"))
d <- merge(d, a[, .(home, crossover_period)], by = "home")
d[, treated := as.numeric(quarter >= crossover_period)]
f <- lm_robust(tinetti ~ treated, data = d, fixed_effects = ~ home + quarter,
               clusters = home, se_type = "CR2")
s <- summary(f)$coefficients
writeLines(toJSON(list(
  generated_by = paste("R", getRversion(), "estimatr", packageVersion("estimatr")),
  estimate = s["treated", "Estimate"], std_error = s["treated", "Std. Error"],
  statistic = s["treated", "t value"], df = s["treated", "DF"],
  p_value = s["treated", "Pr(>|t|)"],
  conf_low = s["treated", "CI Lower"], conf_high = s["treated", "CI Upper"],
  nobs = nobs(f)
), auto_unbox = TRUE, digits = NA, pretty = TRUE), "falls_estimatr.json")
