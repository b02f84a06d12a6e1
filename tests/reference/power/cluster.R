# Fixtures for the MDES formulas (src/power/mdes.rs, src/power/cluster.rs): PowerUp!'s
# IRA, cra2 and cra3 MDES written out in base R (shared/design/parity-notes.md), and
# the non-central t power of an effect as PowerUpR computes it.
# Run from this directory: Rscript cluster.R (writes cluster.json). R 4.2.2.
library(jsonlite)
M <- function(df, a, p) qt(1 - a/2, df) + qt(p, df)
cra2 <- function(J, n, rho, R1 = 0, R2 = 0, P = 0.5, g = 0, a = 0.05, p = 0.8)
  M(J - g - 2, a, p) * sqrt(rho * (1 - R2)/(P * (1 - P) * J) + (1 - rho) * (1 - R1)/(P * (1 - P) * J * n))
cra3 <- function(K, J, n, rho3, rho2, R1 = 0, R2 = 0, R3 = 0, P = 0.5, g = 0, a = 0.05, p = 0.8)
  M(K - g - 2, a, p) * sqrt(rho3 * (1 - R3)/(P * (1 - P) * K) + rho2 * (1 - R2)/(P * (1 - P) * K * J) +
                            (1 - rho2 - rho3) * (1 - R1)/(P * (1 - P) * K * J * n))
ira <- function(N, R2 = 0, P = 0.5, g = 0, a = 0.05, p = 0.8)
  M(N - g - 2, a, p) * sqrt((1 - R2)/(P * (1 - P) * N))
cases <- list(); add <- function(...) cases[[length(cases) + 1]] <<- list(...)
add(design = "cra2", clusters = 40, cluster_size = 20, icc = 0.1, r2_individual = 0, r2_cluster = 0,
    treated_share = 0.5, covariates = 0, alpha = 0.05, power = 0.8, expected = cra2(40, 20, 0.1))
add(design = "cra2", clusters = 60, cluster_size = 25, icc = 0.2, r2_individual = 0.5, r2_cluster = 0.6,
    treated_share = 0.4, covariates = 1, alpha = 0.05, power = 0.8,
    expected = cra2(60, 25, 0.2, 0.5, 0.6, 0.4, 1))
add(design = "cra2", clusters = 20, cluster_size = 10, icc = 0.05, r2_individual = 0.3, r2_cluster = 0,
    treated_share = 0.5, covariates = 0, alpha = 0.01, power = 0.9,
    expected = cra2(20, 10, 0.05, 0.3, 0, 0.5, 0, 0.01, 0.9))
add(design = "cra3", schools = 30, classes_per_school = 3, class_size = 25, icc_school = 0.1,
    icc_class = 0.05, r2_individual = 0.4, r2_class = 0.2, r2_school = 0.5, treated_share = 0.5,
    covariates = 1, alpha = 0.05, power = 0.8,
    expected = cra3(30, 3, 25, 0.1, 0.05, 0.4, 0.2, 0.5, 0.5, 1))
add(design = "ira", n = 400, r_squared = 0.5, treated_share = 0.5, covariates = 1,
    alpha = 0.05, power = 0.8, expected = ira(400, 0.5, 0.5, 1))
add(design = "ira", n = 1000, r_squared = 0, treated_share = 0.3, covariates = 0,
    alpha = 0.05, power = 0.9, expected = ira(1000, 0, 0.3, 0, 0.05, 0.9))
# Power of an effect of 0.25 SD in the first cra2 design (PowerUpR's power.cra2):
se <- sqrt(0.1/(0.25 * 40) + 0.9/(0.25 * 40 * 20)); df <- 38; ct <- qt(0.975, df)
add(design = "cra2_power", clusters = 40, cluster_size = 20, icc = 0.1, effect = 0.25, alpha = 0.05,
    expected = pt(ct, df, ncp = 0.25/se, lower = FALSE) + pt(-ct, df, ncp = 0.25/se))
write_json(list(r_version = R.version.string, tolerance = 1e-9, cases = cases),
           "cluster.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
