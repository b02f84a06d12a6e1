# Exact randomisation-inference p-values for the cases in this folder, by full
# enumeration with combn(), for tests/parity_ri.rs.
#
# Each case folder holds the engine's inputs (study.json, units.csv, outcomes.csv) and
# the allocation the engine's assign stage made (assignments.csv; the Rust test checks
# the engine still writes exactly these bytes). Under the sharp null the outcomes are
# fixed; every possible allocation of the design is enumerated, the statistic
# recomputed, and the p-value is the (probability-weighted) share of allocations with
# |T_sim| >= |T_obs| (two-sided), T_sim >= T_obs (upper), T_sim <= T_obs (lower),
# after rounding both to 10 decimal places (ri2's tie convention, summary.ri).
#
#   complete12: complete randomisation, 6 of 12 treated (924 allocations);
#               difference in means, lm(y ~ Z + x) and estimatr::lm_lin(y ~ Z, ~ x)
#   blocked12:  two blocks of 6, 3 treated in each (400 allocations)
#   unequal11:  shares 0.7 / 0.3 over 11 units: the remainder rule treats 3 with
#               probability 0.7 (floor(11 * 0.7) = 7 controls plus the remainder unit)
#               and 4 with probability 0.3; allocations weighted P(count) / choose(11, count)
#
# Regenerate (from the repository root): Rscript tests/reference/ri/ri.R
suppressPackageStartupMessages({
  library(jsonlite)
  library(estimatr)
})

here <- "tests/reference/ri"

read_case <- function(case) {
  dat <- read.csv(file.path(here, case, "outcomes.csv"), stringsAsFactors = FALSE)
  units <- read.csv(file.path(here, case, "units.csv"), stringsAsFactors = FALSE)
  assigned <- read.csv(file.path(here, case, "assignments.csv"), stringsAsFactors = FALSE)
  dat$Z <- as.numeric(assigned$arm[match(dat$id, assigned$id)] == "treatment")
  units <- units[order(units$id), , drop = FALSE]
  list(dat = dat, units = units)
}

dim_stat <- function(y, z) mean(y[z == 1]) - mean(y[z == 0])
reg_stat <- function(d, z) unname(coef(lm(d$y ~ z + d$x))[2])
lin_stat <- function(d, z) {
  dd <- data.frame(y = d$y, Z = z, x = d$x)
  unname(coef(lm_lin(y ~ Z, covariates = ~ x, data = dd))["Z"])
}

# Every allocation (as 0/1 vectors over dat's rows) with its probability.
complete_allocations <- function(n, counts_probs) {
  out <- list()
  for (cp in counts_probs) {
    sets <- combn(n, cp$count)
    w <- cp$prob / choose(n, cp$count)
    for (j in seq_len(ncol(sets))) {
      z <- numeric(n)
      z[sets[, j]] <- 1
      out[[length(out) + 1]] <- list(z = z, w = w)
    }
  }
  out
}

blocked_allocations <- function(blocks, treated_per_block) {
  levels <- sort(unique(blocks))
  per_block <- lapply(levels, function(b) {
    idx <- which(blocks == b)
    sets <- combn(length(idx), treated_per_block)
    lapply(seq_len(ncol(sets)), function(j) idx[sets[, j]])
  })
  grid <- expand.grid(lapply(per_block, seq_along))
  lapply(seq_len(nrow(grid)), function(r) {
    z <- numeric(length(blocks))
    for (b in seq_along(levels)) z[per_block[[b]][[grid[r, b]]]] <- 1
    list(z = z, w = 1 / nrow(grid))
  })
}

p_values <- function(stat, allocations, observed) {
  sims <- round(vapply(allocations, function(a) stat(a$z), numeric(1)), 10)
  w <- vapply(allocations, function(a) a$w, numeric(1))
  obs <- round(observed, 10)
  list(
    statistic = observed,
    two_sided = sum(w[abs(sims) >= abs(obs)]) / sum(w),
    upper = sum(w[sims >= obs]) / sum(w),
    lower = sum(w[sims <= obs]) / sum(w),
    allocations = length(allocations)
  )
}

cases <- list()

# complete12 -----------------------------------------------------------------
k <- read_case("complete12")
d <- k$dat
allocs <- complete_allocations(nrow(d), list(list(count = 6, prob = 1)))
cases$complete12 <- list(
  difference_in_means = p_values(function(z) dim_stat(d$y, z), allocs, dim_stat(d$y, d$Z)),
  regression_adjusted = p_values(function(z) reg_stat(d, z), allocs, reg_stat(d, d$Z)),
  lin = p_values(function(z) lin_stat(d, z), allocs, lin_stat(d, d$Z))
)

# blocked12 ------------------------------------------------------------------
k <- read_case("blocked12")
d <- k$dat
blocks <- k$units$station[match(d$id, k$units$id)]
allocs <- blocked_allocations(blocks, 3)
cases$blocked12 <- list(
  difference_in_means = p_values(function(z) dim_stat(d$y, z), allocs, dim_stat(d$y, d$Z))
)

# unequal11 ------------------------------------------------------------------
k <- read_case("unequal11")
d <- k$dat
n <- nrow(d)
f_control <- n * 0.7 - floor(n * 0.7) # probability the remainder unit is a control
treated_floor <- floor(n * 0.3)
allocs <- complete_allocations(n, list(
  list(count = treated_floor, prob = f_control),
  list(count = treated_floor + 1, prob = 1 - f_control)
))
cases$unequal11 <- list(
  difference_in_means = p_values(function(z) dim_stat(d$y, z), allocs, dim_stat(d$y, d$Z))
)

out <- list(
  generated_by = "tests/reference/ri/ri.R",
  r_version = R.version.string,
  estimatr_version = as.character(packageVersion("estimatr")),
  tolerance = "relative 1e-10 (stats::prec::PARITY)",
  tie_convention = "ri2: round both statistics to 10 decimal places, then >=",
  cases = cases
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "ri.json"))
