# Reference values for Evident's lm_robust (src/stats/regression/lm_robust.rs).
# Run from this directory: Rscript lm_robust.R  -> writes lm_robust.json
# R 4.2.2, estimatr 1.0.0, clubSandwich (CR2 cross-check), jsonlite.
suppressPackageStartupMessages({
  library(estimatr); library(clubSandwich); library(jsonlite)
})
set.seed(20261125)
n <- 240
g <- sample(c("A", "B", "C"), n, replace = TRUE)
x1 <- rnorm(n)
x2 <- runif(n, 0, 3)
w <- rexp(n) + 0.2
# Unequal clusters, one of size 1.
cl_sizes <- c(1, 2, 3, 5, 8, 13, 21, 30, 40, 50, 67)
cl <- sprintf("c%02d", rep(seq_along(cl_sizes), cl_sizes))[sample(n)]
y <- 1 + 0.5 * x1 - 0.3 * x2 + (g == "B") * 0.8 - (g == "C") * 0.4 +
  rnorm(n) * (0.5 + x2 / 2) + ave(rnorm(n), cl)
d <- data.frame(y, x1, x2, g, w, cl, stringsAsFactors = FALSE)
# Missing values: the caller drops incomplete rows (R's na.omit).
d_miss <- d
d_miss$x1[c(3, 50, 77)] <- NA
d_miss$y[c(10, 120)] <- NA

fit_one <- function(data, se_type, weights = NULL, clusters = NULL) {
  args <- list(formula = y ~ x1 + x2 + g, data = data, se_type = se_type)
  if (!is.null(weights)) args$weights <- data[[weights]]
  if (!is.null(clusters)) args$clusters <- data[[clusters]]
  f <- do.call(lm_robust, args)
  out <- list(se_type = se_type,
              weights = if (is.null(weights)) NA else weights,
              clusters = if (is.null(clusters)) NA else clusters,
              term = f$term, estimate = unname(f$coefficients),
              std_error = unname(f$std.error), statistic = unname(f$statistic),
              df = unname(f$df), p_value = unname(f$p.value),
              conf_low = unname(f$conf.low), conf_high = unname(f$conf.high),
              nobs = f$nobs, r_squared = f$r.squared, adj_r_squared = f$adj.r.squared,
              fstatistic = unname(f$fstatistic),
              f_p_value = unname(pf(f$fstatistic[1], f$fstatistic[2], f$fstatistic[3],
                                    lower.tail = FALSE)))
  if (se_type == "CR2") {
    # clubSandwich agrees with estimatr (Satterthwaite df, working model I).
    l <- if (is.null(weights)) lm(y ~ x1 + x2 + g, data = data)
         else lm(y ~ x1 + x2 + g, data = data, weights = data[[weights]])
    v <- vcovCR(l, cluster = data[[clusters]], type = "CR2")
    ct <- coef_test(l, vcov = v, test = "Satterthwaite")
    out$clubsandwich_std_error <- unname(ct$SE)
    out$clubsandwich_df <- unname(ct$df_Satt)
  }
  out
}

fits <- list()
for (s in c("classical", "HC0", "HC1", "HC2", "HC3"))
  fits[[length(fits) + 1]] <- fit_one(d, s)
for (s in c("classical", "HC0", "HC1", "HC2", "HC3"))
  fits[[length(fits) + 1]] <- fit_one(d, s, weights = "w")
for (s in c("CR0", "stata", "CR2"))
  fits[[length(fits) + 1]] <- fit_one(d, s, clusters = "cl")
for (s in c("CR0", "stata", "CR2"))
  fits[[length(fits) + 1]] <- fit_one(d, s, weights = "w", clusters = "cl")
missing_fit <- fit_one(d_miss, "HC2")

# Cluster fixed effects with CR2: I - H_gg is singular for every cluster, so A_g is a
# pseudo-inverse square root (eigenvalues below 1e-12 set to 0, as estimatr does).
fe_one <- function(weights = NULL) {
  args <- list(formula = y ~ x1 + x2 + cl, data = d, se_type = "CR2", clusters = d$cl)
  if (!is.null(weights)) args$weights <- d[[weights]]
  f <- do.call(lm_robust, args)
  keep <- c("(Intercept)", "x1", "x2")
  list(weights = if (is.null(weights)) NA else weights, term = keep,
       estimate = unname(f$coefficients[keep]), std_error = unname(f$std.error[keep]),
       statistic = unname(f$statistic[keep]), df = unname(f$df[keep]),
       p_value = unname(f$p.value[keep]), conf_low = unname(f$conf.low[keep]),
       conf_high = unname(f$conf.high[keep]), all_terms = f$term)
}
fe_fits <- list(fe_one(), fe_one("w"))

out <- list(
  r_version = R.version.string,
  estimatr_version = as.character(packageVersion("estimatr")),
  clubsandwich_version = as.character(packageVersion("clubSandwich")),
  call = "lm_robust(y ~ x1 + x2 + g, data, se_type = , weights = , clusters = ), alpha = 0.05",
  tolerance = 1e-10,
  data = as.list(d),
  data_missing = list(y = d_miss$y, x1 = d_miss$x1),
  fits = fits,
  missing_fit = missing_fit,
  fe_fits = fe_fits
)
write_json(out, "lm_robust.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE)
