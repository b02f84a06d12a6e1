# Reference values for Evident's weighted and robust logistic regression
# (src/stats/regression/logistic.rs: LogisticOptions weights, se_type, clusters).
# Run from this directory: Rscript logistic_weighted.R  -> writes logistic_weighted.json
# As logistic.R: glm() to full convergence and every variance recomputed at the final
# estimate (glm and sandwich use the working weights of the previous iteration, a lag
# of ~1e-8 at epsilon = 1e-14; sandwich's own values are recorded for a looser check).
suppressPackageStartupMessages({ library(jsonlite); library(sandwich) })
set.seed(2031)
n <- 240
d <- data.frame(x1 = rnorm(n), x2 = runif(n, -1, 2),
                g = sample(c("A", "B", "C"), n, replace = TRUE),
                cl = sample(sprintf("s%02d", 1:18), n, replace = TRUE),
                stringsAsFactors = FALSE)
eta <- -0.2 + 0.7 * d$x1 - 0.5 * d$x2 + 0.4 * (d$g == "B") - 0.6 * (d$g == "C")
d$y <- rbinom(n, 1, plogis(eta))
# Survey-like weights (non-integer) and frequency weights (integer).
d$w <- round(runif(n, 0.2, 3.5), 3)
d$fw <- sample(1:4, n, replace = TRUE)
ctl <- glm.control(epsilon = 1e-14, maxit = 100)

at_final <- function(f, w) {
  X <- model.matrix(f)
  b <- coef(f)
  mu <- plogis(drop(X %*% b))
  bread <- solve(crossprod(X, w * mu * (1 - mu) * X))
  scores <- X * (w * (d$y - mu))
  k <- ncol(X)
  meat_cl <- function(cl) { s <- rowsum(scores, cl); crossprod(s) }
  G <- length(unique(d$cl))
  v <- list(
    classical = bread,
    HC0 = bread %*% crossprod(scores) %*% bread,
    HC1 = bread %*% crossprod(scores) %*% bread * n / (n - k),
    CR0 = bread %*% meat_cl(d$cl) %*% bread,
    CR1 = bread %*% meat_cl(d$cl) %*% bread * G / (G - 1))
  q <- qnorm(0.975)
  rows <- lapply(v, function(V) {
    se <- sqrt(diag(V)); z <- b / se
    list(std_error = unname(se), statistic = unname(z), p_value = unname(2 * pnorm(-abs(z))),
         conf_low = unname(b - q * se), conf_high = unname(b + q * se))
  })
  list(term = names(b), estimate = unname(b), se = rows,
       deviance = f$deviance, null_deviance = f$null.deviance, aic = f$aic,
       df_residual = f$df.residual,
       sandwich = list(
         classical = unname(sqrt(diag(vcov(f)))),
         HC0 = unname(sqrt(diag(vcovHC(f, type = "HC0")))),
         HC1 = unname(sqrt(diag(vcovHC(f, type = "HC1")))),
         CR0 = unname(sqrt(diag(vcovCL(f, cluster = ~cl, type = "HC0", cadjust = FALSE)))),
         CR1 = unname(sqrt(diag(vcovCL(f, cluster = ~cl, type = "HC0"))))))
}

# glm warns "non-integer #successes in a binomial glm!" for non-integer weights; the
# fit itself is the weighted maximum likelihood.
fw <- suppressWarnings(glm(y ~ x1 + x2 + g, family = binomial, data = d, weights = w, control = ctl))
ff <- glm(y ~ x1 + x2 + g, family = binomial, data = d, weights = fw, control = ctl)
# Unweighted, for the robust types alone.
fu <- glm(y ~ x1 + x2 + g, family = binomial, data = d, control = ctl)
# No intercept: the null model is mu = 1/2 (linkinv of a zero offset).
fn <- suppressWarnings(glm(y ~ 0 + x1 + x2, family = binomial, data = d, weights = w, control = ctl))

write_json(list(r_version = R.version.string,
                sandwich_version = as.character(packageVersion("sandwich")),
                call = "glm(y ~ x1 + x2 + g, binomial, weights, control = glm.control(epsilon = 1e-14, maxit = 100)); variances at the final estimate: classical (XtWX)^-1, HC0/HC1 as sandwich::vcovHC, CR0 = vcovCL(type = 'HC0', cadjust = FALSE), CR1 = vcovCL(type = 'HC0') (G/(G-1), Stata's logit vce(cluster))",
                data = as.list(d),
                weighted = at_final(fw, d$w),
                frequency = at_final(ff, d$fw),
                unweighted = at_final(fu, rep(1, n)),
                no_intercept = list(term = names(coef(fn)), estimate = unname(coef(fn)),
                                    deviance = fn$deviance, null_deviance = fn$null.deviance)),
           "logistic_weighted.json", digits = NA, auto_unbox = TRUE, na = "null")
