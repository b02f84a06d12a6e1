# Reference values for Evident's instrumental-variables fit (src/stats/regression/iv.rs):
# the complier average causal effect by 2SLS with the random assignment as instrument.
# Run from this directory: Rscript iv_robust.R  -> writes iv_robust.json
# R 4.2.2, estimatr 1.0.0 (iv_robust, lm_robust), AER 1.2-10 (ivreg), jsonlite.
#
# Per case:
# - estimatr::iv_robust(y ~ d [+ x1 + g] | z [+ x1 + g], se_type =, clusters =,
#   diagnostics = TRUE): coefficients, SEs, df, intervals, R², F, and the first-stage
#   F statistic of the instrument (robust: a Wald test with the fit's se_type; dendf
#   n − k, or J − 1 with clusters).
# - AER::ivreg(same formula) with summary(diagnostics = TRUE): the classical 2SLS SEs
#   and the classical first-stage ("Weak instruments") F.
# - The Anderson–Rubin confidence set, by inverting the test: for a value b0 the AR
#   test regresses y − b0·d on z (and the covariates) with lm_robust (same se_type and
#   clusters) and rejects when the t statistic of z exceeds the t(1 − α/2, df) critical
#   value in absolute value (df = n − k, or CR2's Satterthwaite df, which depends on
#   the design only, not on b0). The set {b0 : t² ≤ crit²} is found on a fine grid
#   (est ± 60 SE, 4001 points) for sign changes of t²(b0) − crit², each change polished
#   with uniroot(tol = 1e-13 · scale); its behaviour beyond the grid is read from the
#   limit of t²(b0) as |b0| → ∞, which is the first stage's robust t² (so the set is
#   unbounded exactly when the first-stage robust F is below crit²). No closed form is
#   used here: Evident solves the quadratic inequality; this checks it.
suppressPackageStartupMessages({
  library(estimatr); library(AER); library(jsonlite)
})

make_individual <- function(seed, n, p_comply, p_always) {
  set.seed(seed)
  z <- rbinom(n, 1, 0.5)
  x1 <- rnorm(n)
  g <- sample(c("north", "south", "west"), n, replace = TRUE)
  u <- rnorm(n)
  # One- and two-sided non-compliance: compliers take it when offered; a few
  # always-takers take it regardless; receipt depends on u (selection).
  type <- ifelse(runif(n) < p_comply, "complier",
                 ifelse(runif(n) < p_always, "always", "never"))
  d <- as.numeric(type == "always" | (type == "complier" & z == 1))
  d[type == "never" & u > 1.5] <- 1 * z[type == "never" & u > 1.5]
  y <- 2 + 1.5 * d + 0.7 * x1 + (g == "south") * 0.5 + u * (0.6 + 0.4 * abs(x1))
  data.frame(y, d, z, x1, g, stringsAsFactors = FALSE)
}

# Receipt driven by the outcome's own noise (strong selection) and few compliers: the
# first stage is nearly empty, yet the AR test rejects some values, so its set is two
# rays (the union of two unbounded intervals).
make_selected <- function(seed, n, p_comply) {
  set.seed(seed)
  z <- rbinom(n, 1, 0.5)
  x1 <- rnorm(n)
  g <- sample(c("north", "south", "west"), n, replace = TRUE)
  u <- rnorm(n)
  d <- as.numeric(u > 0.8 | (runif(n) < p_comply & z == 1))
  y <- 2 + 1.5 * d + 0.7 * x1 + u
  data.frame(y, d, z, x1, g, stringsAsFactors = FALSE)
}

make_cluster <- function(seed, J) {
  set.seed(seed)
  sizes <- sample(4:18, J, replace = TRUE)
  cl <- sprintf("s%02d", rep(seq_len(J), sizes))
  zc <- sample(rep(0:1, length.out = J))
  z <- zc[rep(seq_len(J), sizes)]
  n <- length(z)
  x1 <- rnorm(n)
  g <- sample(c("north", "south", "west"), n, replace = TRUE)
  u <- rnorm(n) + rep(rnorm(J, sd = 0.7), sizes)
  d <- as.numeric(runif(n) < 0.15 + 0.55 * z + 0.1 * (u > 0))
  y <- 1 + 0.8 * d + 0.5 * x1 + u
  data.frame(y, d, z, x1, g, cl, stringsAsFactors = FALSE)
}

datasets <- list(
  strong = make_individual(20261203, 300, 0.6, 0.1),
  weak = make_individual(13, 200, 0.05, 0.05),
  two_rays = make_selected(21, 200, 0.06),
  very_weak = make_individual(11, 150, 0.03, 0.1),
  cluster = make_cluster(20261204, 24)
)

ar_set <- function(data, covs, se_type, clusters, alpha, est, se) {
  rhs <- paste(c("z", covs), collapse = " + ")
  fit_at <- function(b0) {
    data$ystar <- data$y - b0 * data$d
    args <- list(formula = as.formula(paste("ystar ~", rhs)), data = data,
                 se_type = se_type, alpha = alpha)
    if (!is.null(clusters)) args$clusters <- data[[clusters]]
    f <- do.call(lm_robust, args)
    c(t = unname(f$statistic["z"]), df = unname(f$df["z"]))
  }
  df <- fit_at(est)[["df"]]
  crit2 <- qt(1 - alpha / 2, df)^2
  h <- function(b0) fit_at(b0)[["t"]]^2 - crit2
  grid <- seq(est - 60 * se, est + 60 * se, length.out = 4001)
  vals <- vapply(grid, h, numeric(1))
  scale <- max(abs(est), se)
  roots <- c()
  for (i in seq_len(length(grid) - 1)) {
    if (sign(vals[i]) != sign(vals[i + 1])) {
      r <- uniroot(h, c(grid[i], grid[i + 1]), tol = 1e-13 * scale, maxiter = 1000)
      roots <- c(roots, r$root)
    }
  }
  # Beyond the grid: t²(b0) tends to the first stage's robust t² as |b0| grows.
  fs_args <- list(formula = as.formula(paste("d ~", rhs)), data = data,
                  se_type = se_type, alpha = alpha)
  if (!is.null(clusters)) fs_args$clusters <- data[[clusters]]
  fs <- do.call(lm_robust, fs_args)
  limit <- unname(fs$statistic["z"])^2
  inside_far <- limit <= crit2
  ends <- c(if (inside_far) -Inf else NULL, roots, if (inside_far) Inf else NULL)
  intervals <- if (length(ends) == 0) list(list(lower = "-Inf", upper = "Inf")) else
    lapply(seq(1, length(ends), by = 2), function(i) {
      list(lower = if (is.finite(ends[i])) ends[i] else "-Inf",
           upper = if (is.finite(ends[i + 1])) ends[i + 1] else "Inf")
    })
  list(df = df, critical_value = sqrt(crit2), limit_t2 = limit, roots = roots,
       intervals = intervals,
       statistic_at_zero = fit_at(0)[["t"]]^2)
}

fit_case <- function(name, data_name, covs, se_type, clusters = NULL, alpha = 0.05) {
  data <- datasets[[data_name]]
  rhs_x <- paste(c("d", covs), collapse = " + ")
  rhs_z <- paste(c("z", covs), collapse = " + ")
  fml <- as.formula(paste("y ~", rhs_x, "|", rhs_z))
  args <- list(formula = fml, data = data, se_type = se_type, alpha = alpha,
               diagnostics = TRUE)
  if (!is.null(clusters)) args$clusters <- data[[clusters]]
  f <- do.call(iv_robust, args)
  a <- ivreg(fml, data = data)
  sa <- summary(a, diagnostics = TRUE)
  fs <- f$diagnostic_first_stage_fstatistic
  est <- unname(f$coefficients["d"]); se <- unname(f$std.error["d"])
  list(name = name, data = data_name, covariates = covs, se_type = f$se_type,
       clusters = if (is.null(clusters)) NA else clusters, alpha = alpha,
       term = f$term, estimate = unname(f$coefficients),
       std_error = unname(f$std.error), statistic = unname(f$statistic),
       df = unname(f$df), p_value = unname(f$p.value),
       conf_low = unname(f$conf.low), conf_high = unname(f$conf.high),
       nobs = f$nobs, nclusters = if (is.null(f$nclusters)) NA else f$nclusters,
       r_squared = f$r.squared, adj_r_squared = f$adj.r.squared,
       res_var = f$res_var,
       fstatistic = unname(f$fstatistic),
       first_stage_f = unname(fs[c("value", "nomdf", "dendf", "p.value")]),
       aer_estimate = unname(coef(a)),
       aer_std_error = unname(sqrt(diag(vcov(a)))),
       aer_weak_instrument_f = unname(sa$diagnostics["Weak instruments", ]),
       anderson_rubin = ar_set(data, covs, se_type, clusters, alpha, est, se))
}

cases <- list(
  fit_case("strong_hc2", "strong", character(0), "HC2"),
  fit_case("strong_hc2_covariates", "strong", c("x1", "g"), "HC2"),
  fit_case("strong_classical_covariates", "strong", c("x1", "g"), "classical"),
  fit_case("strong_hc1_90", "strong", c("x1"), "HC1", alpha = 0.10),
  fit_case("weak_hc2", "weak", character(0), "HC2"),
  fit_case("weak_hc2_covariates", "weak", c("x1", "g"), "HC2"),
  fit_case("two_rays_hc2", "two_rays", character(0), "HC2"),
  fit_case("two_rays_hc2_covariates", "two_rays", c("x1"), "HC2"),
  fit_case("very_weak_hc2", "very_weak", character(0), "HC2"),
  fit_case("cluster_cr2", "cluster", character(0), "CR2", clusters = "cl"),
  fit_case("cluster_cr2_covariates", "cluster", c("x1", "g"), "CR2", clusters = "cl"),
  fit_case("cluster_stata", "cluster", c("x1"), "stata", clusters = "cl")
)

out <- list(
  r_version = R.version.string,
  estimatr_version = as.character(packageVersion("estimatr")),
  aer_version = as.character(packageVersion("AER")),
  call = "iv_robust(y ~ d + covs | z + covs, se_type =, clusters =, alpha =, diagnostics = TRUE); AER::ivreg; AR set by inverting lm_robust(y - b0*d ~ z + covs) on a grid + uniroot",
  tolerance = 1e-10,
  root_tolerance = 1e-8,
  datasets = datasets,
  cases = cases
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, null = "null",
                  na = "null"), "iv_robust.json")
