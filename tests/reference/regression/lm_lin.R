# Reference values for Evident's lm_lin (src/stats/regression/lm_lin.rs).
# Run from this directory: Rscript lm_lin.R  -> writes lm_lin.json
# R 4.2.2, estimatr 1.0.0, jsonlite.
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
set.seed(2013)
n <- 180
d <- data.frame(Z = rbinom(n, 1, 0.5), x1 = rnorm(n, 3), x2 = rexp(n),
                g = sample(c("lo", "mid", "hi"), n, replace = TRUE),
                w = runif(n, 0.3, 3),
                cl = sprintf("s%02d", sample(1:15, n, replace = TRUE)),
                stringsAsFactors = FALSE)
d$y <- 1 + 0.6 * d$Z + 0.4 * d$x1 + 0.5 * d$Z * d$x2 + (d$g == "hi") + rnorm(n)

fit_one <- function(se_type = NULL, weights = NULL, clusters = NULL) {
  args <- list(formula = y ~ Z, covariates = ~ x1 + x2 + g, data = d)
  if (!is.null(se_type)) args$se_type <- se_type
  if (!is.null(weights)) args$weights <- d[[weights]]
  if (!is.null(clusters)) args$clusters <- d[[clusters]]
  f <- do.call(lm_lin, args)
  list(se_type = f$se_type, weights = if (is.null(weights)) NA else weights,
       clusters = if (is.null(clusters)) NA else clusters,
       term = f$term, estimate = unname(f$coefficients),
       std_error = unname(f$std.error), statistic = unname(f$statistic),
       df = unname(f$df), p_value = unname(f$p.value),
       conf_low = unname(f$conf.low), conf_high = unname(f$conf.high))
}
fits <- list(fit_one(), fit_one("HC1"), fit_one(weights = "w"),
             fit_one(clusters = "cl"), fit_one(weights = "w", clusters = "cl"))
write_json(list(r_version = R.version.string,
                estimatr_version = as.character(packageVersion("estimatr")),
                call = "lm_lin(y ~ Z, covariates = ~ x1 + x2 + g, data, se_type = , weights = , clusters = )",
                tolerance = 1e-10, data = as.list(d), fits = fits),
           "lm_lin.json", digits = NA, auto_unbox = TRUE, na = "null")
