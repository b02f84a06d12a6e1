# Hussey and Hughes (2007) stepped-wedge power, computed independently of Evident:
# Var(theta_hat) as the treatment element of the inverse GLS information matrix
# (period fixed effects + treatment, compound-symmetric V per cluster on
# cluster-period means), written from the paper's model (eq. 1-3), NOT from its
# closed form; the closed form (eq. 7) is computed too and must agree with the GLS.
# Power: two-sided z test counting both tails; MDES by uniroot at tol 1e-14;
# clusters needed = steps * Var1 * shift^2 / effect^2 (Var1: one cluster per step).
# Run: Rscript hussey_hughes.R  (writes hussey_hughes.json next to this file)
suppressMessages(library(jsonlite))

treatment_matrix <- function(steps, per_step) {
  I <- steps * per_step; T <- steps + 1
  X <- matrix(0, I, T)
  for (s in 1:steps) for (k in 1:per_step) {
    X[(s - 1) * per_step + k, (s + 1):T] <- 1
  }
  X
}

gls_variance <- function(X, sigma2, tau2) {
  T <- ncol(X)
  V <- sigma2 * diag(T) + tau2 * matrix(1, T, T)
  Vinv <- solve(V)
  info <- matrix(0, T + 1, T + 1)
  for (i in seq_len(nrow(X))) {
    Z <- cbind(diag(T), X[i, ])
    info <- info + t(Z) %*% Vinv %*% Z
  }
  solve(info)[T + 1, T + 1]
}

closed_form <- function(X, sigma2, tau2) {
  I <- nrow(X); T <- ncol(X)
  U <- sum(X); W <- sum(colSums(X)^2); V <- sum(rowSums(X)^2)
  I * sigma2 * (sigma2 + T * tau2) /
    ((I * U - W) * sigma2 + (U^2 + I * T * U - T * W - I * V) * tau2)
}

power_z <- function(shift, alpha) {
  z <- qnorm(1 - alpha / 2)
  pnorm(shift - z) + pnorm(-shift - z)
}

shift_for <- function(power, alpha) {
  uniroot(function(m) power_z(m, alpha) - power, c(0, 50), tol = 1e-14)$root
}

cases <- list(
  list(steps = 4, per_step = 3, m = 10, icc = 0.05, effect = 0.3, alpha = 0.05, target_power = 0.8),
  list(steps = 3, per_step = 2, m = 20, icc = 0.10, effect = 0.4, alpha = 0.05, target_power = 0.9),
  list(steps = 6, per_step = 1, m = 50, icc = 0.01, effect = 0.2, alpha = 0.01, target_power = 0.8),
  list(steps = 5, per_step = 4, m = 5, icc = 0.00, effect = 0.25, alpha = 0.05, target_power = 0.8),
  list(steps = 2, per_step = 5, m = 30, icc = 0.20, effect = 0.5, alpha = 0.10, target_power = 0.85)
)

out <- lapply(cases, function(cs) {
  tau2 <- cs$icc
  sigma2 <- (1 - cs$icc) / cs$m
  X <- treatment_matrix(cs$steps, cs$per_step)
  v <- gls_variance(X, sigma2, tau2)
  cf <- closed_form(X, sigma2, tau2)
  stopifnot(abs(v - cf) <= 1e-12 * v)
  v1 <- gls_variance(treatment_matrix(cs$steps, 1), sigma2, tau2)
  shift <- shift_for(cs$target_power, cs$alpha)
  c(cs, list(
    sigma2 = sigma2, tau2 = tau2,
    variance = v,
    power = power_z(abs(cs$effect) / sqrt(v), cs$alpha),
    mdes = shift * sqrt(v),
    clusters_needed = cs$steps * v1 * shift^2 / cs$effect^2
  ))
})

writeLines(toJSON(list(
  generated_by = paste("R", getRversion(), "base matrix algebra; jsonlite", packageVersion("jsonlite")),
  cases = out
), auto_unbox = TRUE, digits = NA, pretty = TRUE), "hussey_hughes.json")
