# Fixture for src/designs/did: TWFE and event study on a seeded panel with
# estimatr::lm_robust(fixed_effects = ~ unit + period, clusters = unit, se_type = CR2),
# and the joint pre-trend Wald test in F form: F = b'V^-1 b / q on the leads, with
# F(q, J - 1). Run from this folder: Rscript event_study.R
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
set.seed(1802)
units <- 40; periods <- 10; t0 <- 6
d <- expand.grid(period = 1:periods, unit = 1:units)
d$group <- as.integer(d$unit <= 16)
d$d <- as.integer(d$group == 1 & d$period >= t0)
d$x <- rnorm(nrow(d))
d$y <- 5 + rnorm(units, sd = 1.5)[d$unit] + 0.3 * d$period + 1.8 * d$d + 0.5 * d$x +
  rnorm(nrow(d)) * (1 + d$group)
d <- d[-c(7, 55, 233, 301), ]
ev <- ifelse(d$group == 1, d$period - t0, NA)
times <- setdiff(sort(unique(ev[!is.na(ev)])), -1)
for (r in times) d[[paste0("event_", r)]] <- as.integer(!is.na(ev) & ev == r)
twfe <- lm_robust(y ~ d + x, data = d, fixed_effects = ~ unit + period,
                  clusters = unit, se_type = "CR2")
f_es <- as.formula(paste("y ~", paste(c(paste0("`event_", times, "`"), "x"), collapse = " + ")))
es <- lm_robust(f_es, data = d, fixed_effects = ~ unit + period, clusters = unit, se_type = "CR2")
leads <- paste0("event_", times[times <= -2])
b <- coef(es)[paste0("`", leads, "`")]
if (any(is.na(b))) b <- coef(es)[leads]
nm <- names(b)
V <- vcov(es)[nm, nm]
Fstat <- drop(t(b) %*% solve(V) %*% b) / length(b)
J <- length(unique(d$unit))
out <- list(
  generator = paste("estimatr", packageVersion("estimatr"), "on", R.version.string),
  data = list(unit = d$unit, period = d$period, d = d$d, x = d$x, y = d$y),
  treatment_period = t0,
  twfe = list(estimate = unname(coef(twfe)["d"]), std_error = unname(twfe$std.error["d"]),
              df = unname(twfe$df["d"]), x_estimate = unname(coef(twfe)["x"])),
  event_times = times,
  event_estimate = unname(coef(es)[seq_along(times)]),
  event_std_error = unname(es$std.error[seq_along(times)]),
  event_df = unname(es$df[seq_along(times)]),
  pretrend = list(statistic = Fstat, df1 = length(b), df2 = J - 1,
                  p_value = pf(Fstat, length(b), J - 1, lower.tail = FALSE))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "event_study.json")
