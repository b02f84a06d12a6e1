# Reference values for Evident's multi-arm lm_lin (src/stats/regression/lm_lin.rs,
# lm_lin_arms): estimatr::lm_lin with a factor treatment of three arms.
# Run from this directory: Rscript lm_lin_arms.R  -> writes lm_lin_arms.json
# R 4.2.2, estimatr 1.0.0, jsonlite.
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
set.seed(2024)
n <- 150
d <- data.frame(arm = sample(c("control", "letter", "visit"), n, replace = TRUE),
                x1 = rnorm(n, 3), x2 = rexp(n),
                g = sample(c("lo", "mid", "hi"), n, replace = TRUE),
                w = runif(n, 0.3, 3),
                cl = sprintf("s%02d", sample(1:20, n, replace = TRUE)),
                stringsAsFactors = FALSE)
d$y <- 1 + 0.4 * (d$arm == "letter") + 0.9 * (d$arm == "visit") + 0.5 * d$x1 +
  0.6 * (d$arm == "visit") * d$x2 + (d$g == "hi") + rnorm(n)

fit_one <- function(reference = NULL, se_type = NULL, weights = NULL, clusters = NULL) {
  dd <- d
  if (!is.null(reference)) dd$arm <- relevel(factor(dd$arm), reference)
  args <- list(formula = y ~ arm, covariates = ~ x1 + x2 + g, data = dd)
  if (!is.null(se_type)) args$se_type <- se_type
  if (!is.null(weights)) args$weights <- dd[[weights]]
  if (!is.null(clusters)) args$clusters <- dd[[clusters]]
  f <- do.call(lm_lin, args)
  list(reference = if (is.null(reference)) NA else reference,
       se_type = f$se_type, weights = if (is.null(weights)) NA else weights,
       clusters = if (is.null(clusters)) NA else clusters,
       term = f$term, estimate = unname(f$coefficients),
       std_error = unname(f$std.error), statistic = unname(f$statistic),
       df = unname(f$df), p_value = unname(f$p.value),
       conf_low = unname(f$conf.low), conf_high = unname(f$conf.high))
}
fits <- list(fit_one(), fit_one(se_type = "HC1"), fit_one(reference = "letter"),
             fit_one(weights = "w"), fit_one(clusters = "cl"),
             fit_one(reference = "visit", weights = "w", clusters = "cl"))
write_json(list(r_version = R.version.string,
                estimatr_version = as.character(packageVersion("estimatr")),
                call = "lm_lin(y ~ arm, covariates = ~ x1 + x2 + g, data, [se_type, weights, clusters]); reference arm by relevel()",
                data = as.list(d), fits = fits),
           "lm_lin_arms.json", digits = NA, auto_unbox = TRUE, na = "null")
