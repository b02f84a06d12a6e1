# Reference values for Evident's logistic regression
# (src/stats/regression/logistic.rs).
# Run from this directory: Rscript logistic.R  -> writes logistic.json
# glm() is run to full convergence (epsilon = 1e-14) and its standard errors are
# recomputed at the final estimate: glm's own SEs lag one iteration (parity-notes.md).
suppressPackageStartupMessages({ library(jsonlite) })
set.seed(1984)
n <- 300
d <- data.frame(x1 = rnorm(n), x2 = runif(n, -1, 2),
                g = sample(c("A", "B", "C"), n, replace = TRUE), stringsAsFactors = FALSE)
eta <- -0.3 + 0.8 * d$x1 - 0.6 * d$x2 + 0.5 * (d$g == "B") - 0.7 * (d$g == "C")
d$y <- rbinom(n, 1, plogis(eta))
f <- glm(y ~ x1 + x2 + g, family = binomial, data = d,
         control = glm.control(epsilon = 1e-14, maxit = 100))
X <- model.matrix(f)
b <- coef(f)
mu <- plogis(drop(X %*% b))
V <- solve(crossprod(X, mu * (1 - mu) * X))
se <- sqrt(diag(V))
z <- b / se
q <- qnorm(0.975)
fit <- list(term = names(b), estimate = unname(b), std_error = unname(se),
            statistic = unname(z), p_value = unname(2 * pnorm(-abs(z))),
            conf_low = unname(b - q * se), conf_high = unname(b + q * se),
            deviance = f$deviance, null_deviance = f$null.deviance, aic = f$aic,
            glm_reported_std_error = unname(summary(f)$coefficients[, 2]))

# Complete separation by x: y = 1 exactly when x > 0.
sep <- data.frame(x = c(-2.1, -1.3, -0.8, -0.4, -0.1, 0.2, 0.5, 0.9, 1.4, 2.2),
                  z = c(0.3, -1.2, 0.8, 0.1, -0.5, 1.1, -0.7, 0.4, -0.2, 0.6))
sep$y <- as.numeric(sep$x > 0)
sep_warning <- tryCatch({ glm(y ~ x + z, binomial, sep); "none" },
                        warning = function(w) conditionMessage(w))
# Quasi-complete separation: every unit in group C has y = 0.
qs <- d[1:120, c("x1", "g")]
qs$y <- d$y[1:120]
qs$y[qs$g == "C"] <- 0
qs_warning <- tryCatch({ glm(y ~ x1 + g, binomial, qs); "none" },
                       warning = function(w) conditionMessage(w))

# Extreme but finite: overlap in the middle gives a finite MLE, and a far point
# (x = 60, y = 0) has a fitted probability below 1e-20 at the MLE.
ex <- data.frame(x = c(seq(-3, 3, by = 0.25), 60))
ex$y <- c(1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0)
fe <- suppressWarnings(glm(y ~ x, binomial, ex, control = glm.control(epsilon = 1e-14, maxit = 100)))
Xe <- model.matrix(fe)
mue <- plogis(drop(Xe %*% coef(fe)))
see <- sqrt(diag(solve(crossprod(Xe, mue * (1 - mue) * Xe))))
extreme <- list(data = as.list(ex), estimate = unname(coef(fe)), std_error = unname(see),
                min_fitted = min(mue), deviance = fe$deviance)

write_json(list(r_version = R.version.string,
                call = "glm(y ~ x1 + x2 + g, binomial, control = glm.control(epsilon = 1e-14, maxit = 100)); SEs at the final estimate; Wald CI (confint.default)",
                tolerance = 1e-8, data = as.list(d), fit = fit,
                complete_separation = list(data = as.list(sep), r_warning = sep_warning,
                                           separating = "x"),
                quasi_separation = list(data = as.list(qs), r_warning = qs_warning,
                                        separating = "gC"),
                extreme = extreme),
           "logistic.json", digits = NA, auto_unbox = TRUE, na = "null")
