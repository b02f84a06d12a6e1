# Fixtures for src/designs/its: segmented regression with Newey-West HAC
# (sandwich::NeweyWest, Bartlett kernel, fixed lag, no prewhitening), Prais-Winsten
# AR(1) written out by hand and iterated to convergence, Durbin-Watson, the residual
# ACF and the Ljung-Box test. Run from this folder: Rscript its.R
suppressPackageStartupMessages({ library(sandwich); library(jsonlite) })
set.seed(18)
n <- 60; t0 <- 37
period <- 1:n
month <- ((period - 1) %% 12) + 1
season <- c(0, -1, 1.5, 2, 0.5, -0.5, -2, -1, 0, 1, 0.5, -1)[month]
ar <- as.numeric(arima.sim(list(ar = 0.5), n = n, sd = 1))
y <- 20 + 0.15 * period + season + ar
post <- as.integer(period >= t0)
since <- ifelse(period >= t0, period - t0, 0)
y <- y - 3 * post - 0.2 * since
ctl <- 18 + 0.12 * period + season + as.numeric(arima.sim(list(ar = 0.3), n = n))
time <- period - 1

lag_rule <- floor(4 * (n / 100)^(2 / 9))
horizon_c <- function(h, k, names) { v <- setNames(rep(0, k), names); v["post"] <- 1; v["since"] <- h; v }

summarise <- function(name, X, yy, V, beta, df, extra = list()) {
  se <- sqrt(diag(V))
  hz <- lapply(c(0, 3, 6, 12), function(h) {
    cc <- horizon_c(h, ncol(X), colnames(X))
    list(h = h, effect = sum(cc * beta), std_error = sqrt(drop(t(cc) %*% V %*% cc)))
  })
  c(list(name = name, terms = colnames(X), estimate = unname(beta), std_error = unname(se),
         df = df, vcov = unname(V), horizons = hz), extra)
}

ols_case <- function(name, X, yy, lag, adjust) {
  fit <- lm.fit(X, yy)
  lmfit <- lm(yy ~ 0 + X)
  V <- NeweyWest(lmfit, lag = lag, prewhite = FALSE, adjust = adjust)
  e <- residuals(lmfit)
  a <- acf(e, lag.max = 6, plot = FALSE)$acf[-1]
  lb <- Box.test(e, lag = 6, type = "Ljung-Box")
  summarise(name, X, yy, V, coef(lmfit), nrow(X) - ncol(X), list(
    lag = lag, adjust = adjust,
    durbin_watson = sum(diff(e)^2) / sum(e^2),
    acf = a, ljung_box = list(statistic = unname(lb$statistic), df = 6, p_value = lb$p.value)))
}

X <- cbind("(Intercept)" = 1, time = time, post = post, since = since)
Xs <- cbind(X, model.matrix(~ factor(month))[, -1])
colnames(Xs)[5:15] <- paste0("month", 2:12)

prais_winsten <- function(X, yy, tol = 1e-13, max_iter = 1000) {
  rho <- 0; beta <- qr.coef(qr(X), yy)
  for (i in 1:max_iter) {
    e <- drop(yy - X %*% beta)
    rho_new <- sum(e[-1] * e[-length(e)]) / sum(e[-length(e)]^2)
    s <- sqrt(1 - rho_new^2)
    Xt <- rbind(s * X[1, , drop = FALSE], X[-1, , drop = FALSE] - rho_new * X[-nrow(X), , drop = FALSE])
    yt <- c(s * yy[1], yy[-1] - rho_new * yy[-length(yy)])
    beta <- qr.coef(qr(Xt), yt)
    done <- abs(rho_new - rho) < tol
    rho <- rho_new
    if (done) break
  }
  # final rho from the final beta, to report the fixed point
  e <- drop(yy - X %*% beta)
  rt <- drop(yt - Xt %*% beta)
  s2 <- sum(rt^2) / (nrow(X) - ncol(X))
  V <- s2 * solve(crossprod(Xt))
  list(beta = beta, V = V, rho = rho, iterations = i, e = e, rt = rt)
}

pw <- prais_winsten(X, y)
pw_case <- summarise("prais_winsten", X, y, pw$V, pw$beta, n - 4, list(
  rho = pw$rho, durbin_watson_transformed = sum(diff(pw$rt)^2) / sum(pw$rt^2)))

dif <- y - ctl
cases <- list(
  ols_case("ols_hac_adjusted", X, y, lag_rule, TRUE),
  ols_case("ols_hac_unadjusted", X, y, lag_rule, FALSE),
  ols_case("ols_hac_lag6", X, y, 6, TRUE),
  ols_case("ols_hac_seasonal", Xs, y, lag_rule, TRUE),
  ols_case("comparative_difference", X, dif, lag_rule, TRUE),
  pw_case
)

out <- list(
  generator = paste("sandwich", packageVersion("sandwich"), "on", R.version.string),
  data = list(period = period, month = month, y = y, control = ctl, intervention = t0,
              lag_rule = lag_rule),
  cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "its.json")
