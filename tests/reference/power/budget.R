# Fixtures for allocation under a budget (src/power/budget.rs, design.power.budget).
# Run from this directory: Rscript budget.R  (writes budget.json). R 4.2.2, no package.
# By formula:
#   square-root rule: n_a = B / (sqrt(c_a) (sqrt(c_T) + sqrt(c_C))), rounded down;
#   Raudenbush (1997) with covariates: m* = sqrt(c2/c1 (1 - icc)(1 - R1^2) / (icc (1 - R2^2))),
#   rounded to the nearest whole unit; J = floor(B / (c2 + m c1)), floor(J/2) treated.
# MDES: two-sample t, the root (uniroot tol 1e-14) of the exact non-central t power
# (two-sided, both tails, as pwr.t2n.test) at n1 = control, n2 = treatment;
# individual (PowerUp! IRA): (qt(1 - a/2, df) + qt(power, df)) sqrt((1 - R^2)/(P(1-P)N)),
# df = N - g - 2; cluster (PowerUp! cra2): the same multiplier, df = J - g - 2, times
# sqrt(icc (1 - R2^2)/(P(1-P)J) + (1 - icc)(1 - R1^2)/(P(1-P)J m)).
library(jsonlite)
split <- function(B, ct, cc) {
  k <- B / (sqrt(ct) + sqrt(cc))
  c(floor(k / sqrt(ct) + 1e-9), floor(k / sqrt(cc) + 1e-9))
}
t_mdes <- function(n1, n2, alpha, power) {
  df <- n1 + n2 - 2; q <- qt(1 - alpha / 2, df)
  pw <- function(d) { ncp <- d / sqrt(1 / n1 + 1 / n2)
    pt(q, df, ncp, lower.tail = FALSE) + pt(-q, df, ncp) }
  uniroot(function(d) pw(d) - power, c(1e-6, 20), tol = 1e-14)$root
}
mult <- function(df, alpha, power) qt(1 - alpha / 2, df) + qt(power, df)
cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x

n <- split(30000, 400, 100)
add(list(spec = list(test = "t", solve_for = "sample_size", effect = 0.4,
  budget = list(total = 30000, unit_cost_treatment = 400, unit_cost_control = 100)),
  treatment = n[1], control = n[2], mdes = t_mdes(n[2], n[1], 0.05, 0.8),
  equal = t_mdes(60, 60, 0.05, 0.8)))

n <- split(50000, 250, 50); N <- sum(n); P <- n[1] / N
add(list(spec = list(test = "individual", solve_for = "power", effect = 0.3, n = 400,
  r2_individual = 0.3, budget = list(total = 50000, unit_cost_treatment = 250,
  unit_cost_control = 50)), treatment = n[1], control = n[2],
  mdes = mult(N - 1 - 2, 0.05, 0.8) * sqrt(0.7 / (P * (1 - P) * N)),
  equal = mult(2 * floor(50000 / 300) - 3, 0.05, 0.8) * sqrt(0.7 / (0.25 * 2 * floor(50000 / 300)))))

cluster <- function(B, c2, c1, icc, r1 = 0, r2 = 0, g = 0, power = 0.8) {
  m <- max(1, round(sqrt(c2 / c1 * (1 - icc) * (1 - r1) / (icc * (1 - r2)))))
  J <- floor(B / (c2 + m * c1)); t <- floor(J / 2); P <- t / J
  list(treatment = t, control = J - t, m = m,
    m_exact = sqrt(c2 / c1 * (1 - icc) * (1 - r1) / (icc * (1 - r2))),
    mdes = mult(J - g - 2, 0.05, power) *
      sqrt(icc * (1 - r2) / (P * (1 - P) * J) + (1 - icc) * (1 - r1) / (P * (1 - P) * J * m)))
}
x <- cluster(60000, 1500, 40, 0.05, power = 0.6725)
add(c(list(spec = list(test = "cluster", solve_for = "sample_size", effect = 0.3,
  power = 0.6725, cluster_size = 27, icc = 0.05,
  budget = list(total = 60000, cluster_cost = 1500, unit_cost = 40))), x))
x <- cluster(90000, 2500, 30, 0.15, r1 = 0.4, r2 = 0.5, g = 1)
add(c(list(spec = list(test = "cluster", solve_for = "effect", clusters = 40,
  cluster_size = 20, icc = 0.15, r2_individual = 0.4, r2_cluster = 0.5,
  budget = list(total = 90000, cluster_cost = 2500, unit_cost = 30))), x))
# Arm-specific cluster costs (c2_a per cluster, c1_a per individual in arm a): each
# arm's own optimal size m_a (Raudenbush, rounded), per-cluster variance
# v_a = icc (1 - R2^2) + (1 - icc)(1 - R1^2)/m_a and cost C_a = c2_a + m_a c1_a; the
# variance v_T/J_T + v_C/J_C under J_T C_T + J_C C_C = B is smallest at
# J_a = B sqrt(v_a/C_a) / (sqrt(v_T C_T) + sqrt(v_C C_C)), each rounded down, then
# clusters added one at a time where they lower the variance most while affordable. That
# variance equals cra2's at P = J_T/J and the harmonic cluster size
# m = 1/((1 - P)/m_T + P/m_C), so the MDES is cra2's there (algebra in budget.rs).
cluster_arms <- function(B, c2t, c1t, c2c, c1c, icc, r1 = 0, r2 = 0, g = 0, power = 0.8) {
  opt <- function(c2, c1) sqrt(c2 / c1 * (1 - icc) * (1 - r1) / (icc * (1 - r2)))
  mt <- max(1, round(opt(c2t, c1t))); mc <- max(1, round(opt(c2c, c1c)))
  vt <- icc * (1 - r2) + (1 - icc) * (1 - r1) / mt
  vc <- icc * (1 - r2) + (1 - icc) * (1 - r1) / mc
  Ct <- c2t + mt * c1t; Cc <- c2c + mc * c1c
  k <- B / (sqrt(vt * Ct) + sqrt(vc * Cc))
  Jt <- floor(k * sqrt(vt / Ct) + 1e-9); Jc <- floor(k * sqrt(vc / Cc) + 1e-9)
  # The money rounding down leaves buys more clusters, each where it helps most.
  repeat {
    left <- B - Jt * Ct - Jc * Cc + 1e-9
    gt <- if (left >= Ct) vt / max(Jt, 1) - vt / (Jt + 1) else NA
    gc <- if (left >= Cc) vc / max(Jc, 1) - vc / (Jc + 1) else NA
    if (is.na(gt) && is.na(gc)) break
    if (!is.na(gt) && (is.na(gc) || gt >= gc)) Jt <- Jt + 1 else Jc <- Jc + 1
  }
  J <- Jt + Jc
  list(treatment = Jt, control = Jc, m = mt, m_exact = opt(c2t, c1t),
    m_control = mc, m_control_exact = opt(c2c, c1c), spent = Jt * Ct + Jc * Cc,
    ratio = sqrt(vt * Cc / (vc * Ct)),
    mdes = mult(J - g - 2, 0.05, power) * sqrt(vt / Jt + vc / Jc))
}
# Treatment schools cost more to recruit (training) and each treated pupil costs more.
x <- cluster_arms(120000, 4000, 60, 1500, 25, 0.12)
add(c(list(spec = list(test = "cluster", solve_for = "effect", clusters = 40,
  cluster_size = 20, icc = 0.12,
  budget = list(total = 120000, cluster_cost_treatment = 4000, unit_cost_treatment = 60,
    cluster_cost_control = 1500, unit_cost_control = 25))), x))
# Only the cluster cost differs; covariates at both levels.
x <- cluster_arms(200000, 6000, 40, 2000, 40, 0.08, r1 = 0.3, r2 = 0.6, g = 1)
add(c(list(spec = list(test = "cluster", solve_for = "effect", clusters = 40,
  cluster_size = 20, icc = 0.08, r2_individual = 0.3, r2_cluster = 0.6,
  budget = list(total = 200000, cluster_cost_treatment = 6000,
    cluster_cost_control = 2000, unit_cost = 40))), x))
writeLines(toJSON(list(cases = cases), digits = NA, auto_unbox = TRUE, pretty = TRUE),
  "budget.json")
