# Reference values for src/synthesis/meta.rs: metafor::rma (REML, DL, FE) on several
# datasets, written to synthesis.json. Run from this folder:
#   Rscript synthesis.R
# CI never runs it; tests/synthesis_reference.rs reads synthesis.json.
#
# REML is iterative: metafor stops at |change in tau^2| < 1e-5 by default
# (parity-notes.md), so it is called with threshold = 1e-12 and maxiter = 1000, and
# compared at 1e-8. test = "z" (the default): normal-based CIs and prediction
# intervals, the PI using sqrt(tau^2 + se^2).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

datasets <- list()

# 1. BCG vaccine trials (Colditz et al. 1994): log risk ratios from escalc.
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
datasets$bcg_log_rr <- list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi),
  source = "metadat::dat.bcg, escalc(measure = 'RR')")

# 2. Normand (1999): length of stay, mean differences (days) from escalc.
nor <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i,
  m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)
datasets$normand_md <- list(yi = as.numeric(nor$yi), vi = as.numeric(nor$vi),
  source = "metadat::dat.normand1999, escalc(measure = 'MD')")

# 3. Homogeneous studies: Q < k - 1, so DL's tau^2 is truncated at 0 and REML's
#    maximum lies on the boundary.
datasets$homogeneous <- list(yi = c(0.10, 0.12, 0.11, 0.09, 0.105),
  vi = c(0.010, 0.020, 0.015, 0.012, 0.018), source = "invented: tau^2 = 0 truncation")

# 4. Two studies (the smallest synthesis Evident accepts), differences in proportions.
datasets$two_studies <- list(yi = c(0.0968, 0.041), vi = c(0.0186^2, 0.0251^2),
  source = "invented: two differences in proportions")

# 5. Heterogeneous with unequal precision.
datasets$heterogeneous <- list(yi = c(-2.1, 0.4, 1.3, -0.7, 3.2, 0.9),
  vi = c(0.30, 0.05, 0.80, 0.12, 1.50, 0.02), source = "invented: large tau^2")

fit <- function(d, method) {
  r <- rma(yi = d$yi, vi = d$vi, method = method, test = "z",
    control = list(threshold = 1e-12, maxiter = 1000))
  p <- predict(r)
  list(method = method, tau2 = r$tau2, se_tau2 = if (is.null(r$se.tau2) || is.na(r$se.tau2)) NULL else r$se.tau2,
    i2 = r$I2, h2 = r$H2, q = r$QE, q_df = r$k - 1, q_p = r$QEp,
    estimate = as.numeric(r$beta), se = r$se, z = r$zval, p = r$pval,
    ci_lb = r$ci.lb, ci_ub = r$ci.ub, pi_lb = as.numeric(p$pi.lb), pi_ub = as.numeric(p$pi.ub),
    weights = as.numeric(weights(r)))
}

out <- list(
  generated_by = "tests/reference/synthesis/synthesis.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  call = "rma(yi, vi, method = m, test = 'z', control = list(threshold = 1e-12, maxiter = 1000)); predict()",
  tolerance = 1e-8,
  cases = lapply(names(datasets), function(name) {
    d <- datasets[[name]]
    list(name = name, source = d$source, yi = d$yi, vi = d$vi,
      fits = lapply(c("REML", "DL", "FE"), function(m) fit(d, m)))
  })
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"), "synthesis.json")
