# Fixtures for src/stats/regression/fixed_effects.rs: estimatr::lm_robust with
# absorbed fixed effects (fixed_effects = ~ unit + period), against which the Rust
# implementation is compared at relative 1e-8.
# Run: Rscript tests/reference/did/fixed_effects.R (writes fixed_effects.json here).
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
set.seed(20261202)
units <- 30; periods <- 8
d <- expand.grid(period = 1:periods, unit = 1:units)
d$region <- (d$unit - 1) %/% 5 + 1
treated_units <- 1:12
d$treated <- as.integer(d$unit %in% treated_units)
d$post <- as.integer(d$period >= 5)
d$d <- d$treated * d$post
d$x1 <- rnorm(nrow(d)) + 0.1 * d$period
u <- rnorm(units, sd = 2)[d$unit]
tau <- rnorm(periods)[d$period]
d$y <- 1 + 2.5 * d$d + 0.7 * d$x1 + u + tau + rnorm(nrow(d)) * (1 + d$treated)
balanced <- d
# unbalanced: drop some rows (never a whole unit)
drop <- c(3, 17, 40, 41, 88, 123, 150, 201, 202, 239)
d <- d[-drop, ]
rownames(d) <- NULL

fit_case <- function(name, formula, fe, se_type, clusters = NULL) {
  args <- list(formula = formula, data = d, fixed_effects = fe, se_type = se_type)
  if (!is.null(clusters)) args$clusters <- d[[clusters]]
  f <- do.call(lm_robust, args)
  list(
    name = name,
    fixed_effects = all.vars(fe),
    se_type = se_type,
    clusters = if (is.null(clusters)) NULL else clusters,
    terms = names(coef(f)),
    estimate = unname(coef(f)),
    std_error = unname(f$std.error),
    df = unname(f$df),
    p_value = unname(f$p.value),
    conf_low = unname(f$conf.low),
    conf_high = unname(f$conf.high),
    vcov = unname(vcov(f)),
    df_residual = f$df.residual,
    nobs = f$nobs,
    nclusters = if (is.null(f$nclusters)) NULL else f$nclusters
  )
}

all_cases <- function() list(
  fit_case("twfe_cr2_unit", y ~ d + x1, ~ unit + period, "CR2", "unit"),
  fit_case("twfe_stata_unit", y ~ d + x1, ~ unit + period, "stata", "unit"),
  fit_case("twfe_cr0_unit", y ~ d + x1, ~ unit + period, "CR0", "unit"),
  fit_case("twfe_cr2_region", y ~ d + x1, ~ unit + period, "CR2", "region"),
  fit_case("twfe_hc2", y ~ d + x1, ~ unit + period, "HC2"),
  fit_case("twfe_hc1", y ~ d + x1, ~ unit + period, "HC1"),
  fit_case("twfe_classical", y ~ d + x1, ~ unit + period, "classical"),
  fit_case("unit_cr2", y ~ d + x1, ~ unit, "CR2", "unit"),
  fit_case("unit_hc2", y ~ d + x1, ~ unit, "HC2")
)

write_fixture <- function(file) {
  cases <- all_cases()
  # The dummy-variable fit gives the same CR2 (leverage of the full model).
  check <- lm_robust(y ~ d + x1 + factor(unit) + factor(period), data = d,
                     clusters = unit, se_type = "CR2")
  stopifnot(abs(check$std.error["d"] - cases[[1]]$std_error[1]) < 1e-10)
  out <- list(
    generator = paste("estimatr", packageVersion("estimatr"), "on", R.version.string),
    data = list(unit = d$unit, period = d$period, region = d$region,
                d = d$d, x1 = d$x1, y = d$y),
    cases = cases
  )
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null"), file)
}

write_fixture("fixed_effects.json")
# The same panel before the rows were dropped: every unit has every period, which is
# the shape whose CR2 Evident computes by a low-rank formula (fixed_effects.rs).
d <- balanced
write_fixture("fixed_effects_balanced.json")
