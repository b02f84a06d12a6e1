# Reference values for the command-line contract tests (tests/cli_stats.rs):
# routines newly reachable from `evident test` / `evident regress` and the fit
# statistics the result schema reports. Run from this directory:
#   Rscript contract.R   (writes contract.json; CI never runs R)
suppressPackageStartupMessages({
  library(estimatr)
  library(jsonlite)
})
d <- read.csv("contract.csv")
dim_row <- function(fit) {
  list(estimate = unname(fit$coefficients), std_error = unname(fit$std.error),
       df = unname(fit$df), p_value = unname(fit$p.value),
       conf_low = unname(fit$conf.low), conf_high = unname(fit$conf.high),
       design = fit$design)
}
pairs <- difference_in_means(outcome ~ treated, blocks = pair, data = d)
blocks <- difference_in_means(outcome ~ treated, blocks = block, data = d, alpha = 0.1)
plain <- difference_in_means(outcome ~ treated, data = d)

intercept <- lm_robust(outcome ~ 1, data = d)
full <- lm_robust(outcome ~ treated + x, data = d, alpha = 0.1)
classical <- summary(lm(outcome ~ treated + x, data = d))

logit <- glm(success ~ treated + x, family = binomial, data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))

out <- list(
  r_version = R.version.string,
  estimatr_version = as.character(packageVersion("estimatr")),
  dim_pairs = dim_row(pairs),
  dim_blocks = dim_row(blocks),
  dim_plain = dim_row(plain),
  intercept_only = list(estimate = unname(intercept$coefficients),
                        std_error = unname(intercept$std.error),
                        df = unname(intercept$df), res_var = intercept$res_var,
                        df_residual = intercept$df.residual),
  lm_alpha_0_1 = list(estimate = unname(full$coefficients),
                      std_error = unname(full$std.error),
                      conf_low = unname(full$conf.low), conf_high = unname(full$conf.high),
                      res_var = full$res_var, sigma = classical$sigma,
                      df_residual = full$df.residual,
                      r_squared = full$r.squared, adj_r_squared = full$adj.r.squared,
                      fstatistic = unname(full$fstatistic)),
  logistic = list(estimate = unname(coef(logit)), deviance = logit$deviance,
                  null_deviance = logit$null.deviance, aic = logit$aic,
                  df_residual = logit$df.residual, df_null = logit$df.null,
                  converged = logit$converged),
  p_adjust_n = list(p = c(0.01, 0.02, 0.04), n = 10,
                    holm = p.adjust(c(0.01, 0.02, 0.04), "holm", n = 10),
                    BH = p.adjust(c(0.01, 0.02, 0.04), "BH", n = 10)),
  chisq_gof = list(observed = c(30, 20, 50),
                   expected = unname(chisq.test(c(30, 20, 50))$expected))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "contract.json")
