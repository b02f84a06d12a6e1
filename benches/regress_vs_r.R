# R side of benches/regress_vs_r.sh: read the CSV with data.table::fread and fit
# y ~ x1 + ... + x10 by estimatr::lm_robust with HC2 standard errors, as
# `evident regress --se-type hc2` does. Prints the coefficients' estimates and SEs
# (so the two programs can be checked against each other) and the time of each step.
# Usage: Rscript benches/regress_vs_r.R DATA.csv
suppressPackageStartupMessages({
  library(data.table)
  library(estimatr)
})
args <- commandArgs(trailingOnly = TRUE)
read_time <- system.time(data <- fread(args[1], select = c("y", paste0("x", 1:10))))
formula <- as.formula(paste("y ~", paste0("x", 1:10, collapse = " + ")))
fit_time <- system.time(fit <- lm_robust(formula, data = data, se_type = "HC2"))
cat(sprintf("R read %.2f s, fit %.2f s\n", read_time[["elapsed"]], fit_time[["elapsed"]]))
cat(sprintf("R x1 estimate %.15g se %.15g\n", coef(fit)[["x1"]], fit$std.error[["x1"]]))
