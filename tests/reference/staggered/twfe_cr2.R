# TWFE beside the staggered analysis: estimatr::lm_robust(y ~ d, fixed_effects =
# ~ unit + period, clusters = unit, se_type = "CR2") on panel.csv (the same panel as
# the csdid fixtures), with d = 1{period >= first_treated}. Units first treated after
# the panel (period 9) are never treated within it, as in the Rust panel.
# Run from this folder: Rscript twfe_cr2.R (writes twfe_cr2.json).
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
d <- read.csv("panel.csv")
d$d <- as.integer(!is.na(d$first_treated) & d$first_treated > 0 & d$period >= d$first_treated)
d$cluster <- ((as.integer(factor(d$unit)) - 1) %/% 4) + 1
case <- function(name, se_type, clusters) {
  d$cl <- d[[clusters]]
  f <- lm_robust(y ~ d, data = d, fixed_effects = ~ unit + period,
                 clusters = cl, se_type = se_type)
  list(name = name, se_type = se_type, clusters = clusters,
       estimate = unname(coef(f)["d"]), std_error = unname(f$std.error["d"]),
       df = unname(f$df["d"]), p_value = unname(f$p.value["d"]),
       conf_low = unname(f$conf.low["d"]), conf_high = unname(f$conf.high["d"]),
       nclusters = f$nclusters)
}
out <- list(
  estimatr = as.character(packageVersion("estimatr")),
  r = R.version.string,
  cases = list(case("cr2_unit", "CR2", "unit"), case("cr2_cluster4", "CR2", "cluster"))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "twfe_cr2.json")
