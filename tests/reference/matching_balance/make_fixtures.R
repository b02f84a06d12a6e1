# Fixtures for src/matching/balance.rs and src/analysis/matched.rs.
# Run from this folder: Rscript make_fixtures.R   (writes lalonde.csv, *_matched.csv,
# fixtures.json). Matches are made by MatchIt on its own lalonde data through the
# paths parity-notes.md says are correct (Mahalanobis; a distance matrix of |PS_i - PS_j|),
# then fed to Evident as matched.csv; balance comes from MatchIt's summary() code
# (bal1var), effects from estimatr::lm_robust.
suppressPackageStartupMessages({
  library(MatchIt); library(estimatr); library(jsonlite)
})
data("lalonde", package = "MatchIt")
d <- lalonde
d$unit <- rownames(d)
d$black <- as.numeric(d$race == "black")
d$hispan <- as.numeric(d$race == "hispan")
d$employed78 <- as.numeric(d$re78 > 0)
covs <- c("age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75")
write.csv(d[, c("unit", "treat", covs, "re78", "employed78")], "lalonde.csv",
          row.names = FALSE, quote = FALSE)

ps <- glm(treat ~ age + educ + black + hispan + married + nodegree + re74 + re75,
          data = d, family = binomial)$fitted.values

# Contract of common_17.md: unit,treated,matched_set,weight,distance,status, sorted by unit (byte order).
write_matched <- function(file, w, subclass, distance) {
  out <- data.frame(unit = d$unit, treated = d$treat,
                    matched_set = ifelse(is.na(subclass), "", as.character(subclass)),
                    weight = sprintf("%.17g", w),
                    distance = if (is.null(distance)) "" else sprintf("%.17g", distance),
                    status = ifelse(w > 0, "matched", "unmatched"))
  out <- out[order(out$unit, method = "radix"), ]
  write.csv(out, file, row.names = FALSE, quote = FALSE)
}

balance_rows <- function(w, estimand, distance) {
  denom <- switch(estimand, ATT = "treated", ATC = "control", ATE = "pooled")
  vars <- c(if (!is.null(distance)) "distance", covs)
  rows <- lapply(vars, function(v) {
    x <- if (v == "distance") distance else d[[v]]
    before <- MatchIt:::bal1var(x, tt = d$treat, ww = NULL, s.weights = rep(1, nrow(d)),
                                standardize = TRUE, s.d.denom = denom)
    after <- MatchIt:::bal1var(x, tt = d$treat, ww = w, s.weights = rep(1, nrow(d)),
                               standardize = TRUE, s.d.denom = denom, compute.pair.dist = FALSE)
    list(variable = v, before = as.list(unname(before[1:6])), after = as.list(unname(after[1:6])))
  })
  rows
}

effect <- function(w, subclass, outcome_formula, clusters) {
  m <- d[w > 0, ]
  m$w <- w[w > 0]
  m$cl <- subclass[w > 0]
  fit <- if (clusters) lm_robust(outcome_formula, data = m, weights = w, clusters = cl)
         else lm_robust(outcome_formula, data = m, weights = w)
  V <- vcov(fit)
  list(coef = unname(coef(fit)), std_error = unname(fit$std.error), df = unname(fit$df),
       conf_low = unname(fit$conf.low), conf_high = unname(fit$conf.high),
       p_value = unname(fit$p.value), terms = names(coef(fit)),
       vcov = unname(V))
}

cases <- list()

# 1. Mahalanobis 1:1 nearest neighbour without replacement (ATT): pairs, CR2 by pair.
m1 <- matchit(treat ~ age + educ + black + hispan + married + nodegree + re74 + re75,
              data = d, method = "nearest", distance = "mahalanobis")
s1 <- as.integer(as.character(m1$subclass))
write_matched("mahalanobis_matched.csv", m1$weights, s1, NULL)
cases$mahalanobis <- list(
  estimand = "att", matched_file = "mahalanobis_matched.csv", distance = FALSE,
  balance = balance_rows(m1$weights, "ATT", NULL),
  effect = effect(m1$weights, s1, re78 ~ treat, TRUE),
  effect_adjusted = effect(m1$weights, s1, re78 ~ treat + age + educ + re74 + re75, TRUE),
  effect_did = effect(m1$weights, s1, I(re78 - re75) ~ treat, TRUE),
  effect_binary = effect(m1$weights, s1, employed78 ~ treat, TRUE))

# 2. Propensity score (glm logit, probability scale) 2:1 with replacement (ATT),
#    through the distance-matrix path: HC2 with weights.
D <- abs(outer(ps[d$treat == 1], ps[d$treat == 0], "-"))
m2 <- matchit(treat ~ age + educ + black + hispan + married + nodegree + re74 + re75,
              data = d, method = "nearest", distance = D, replace = TRUE, ratio = 2)
write_matched("ps_replace_matched.csv", m2$weights, rep(NA, nrow(d)), ps)
cases$ps_replace <- list(
  estimand = "att", matched_file = "ps_replace_matched.csv", distance = TRUE,
  balance = balance_rows(m2$weights, "ATT", ps),
  effect = effect(m2$weights, NULL, re78 ~ treat, FALSE),
  effect_binary = effect(m2$weights, NULL, employed78 ~ treat, FALSE))

# 3. Inverse probability weights for the ATE (by formula): pooled SD denominator.
w3 <- ifelse(d$treat == 1, 1 / ps, 1 / (1 - ps))
write_matched("ipw_ate_matched.csv", w3, rep(NA, nrow(d)), ps)
cases$ipw_ate <- list(
  estimand = "ate", matched_file = "ipw_ate_matched.csv", distance = TRUE,
  balance = balance_rows(w3, "ATE", ps),
  effect = effect(w3, NULL, re78 ~ treat, FALSE))

# 4. Odds weights for the ATC: control SD denominator.
w4 <- ifelse(d$treat == 1, (1 - ps) / ps, 1)
write_matched("odds_atc_matched.csv", w4, rep(NA, nrow(d)), ps)
cases$odds_atc <- list(
  estimand = "atc", matched_file = "odds_atc_matched.csv", distance = TRUE,
  balance = balance_rows(w4, "ATC", ps))

# 5. Rosenbaum bounds: the lead example (Morton et al. 1982; Rosenbaum 2002, ch. 4;
#    the data of rbounds' documentation): 33 pairs of exposed and control children.
#    rbounds is not installable here: its psens (version 2) formula is written out
#    below, and at Gamma = 1 it must equal R's own wilcox.test normal approximation.
trt <- c(38, 23, 41, 18, 37, 36, 23, 62, 31, 34, 24, 14, 21, 17, 16, 20, 15, 10, 45, 39, 22, 35, 49, 48, 44, 35, 43, 39, 34, 13, 73, 25, 27)
ctrl <- c(16, 18, 18, 24, 19, 11, 10, 15, 16, 18, 18, 13, 19, 10, 16, 16, 24, 13, 9, 14, 21, 19, 7, 18, 19, 12, 11, 22, 25, 16, 13, 11, 13)
psens_bounds <- function(x, y, gammas) {
  diff <- x - y
  diff <- diff[diff != 0]
  ranks <- rank(abs(diff), ties.method = "average")
  T <- sum(ranks[diff > 0])
  t(sapply(gammas, function(g) {
    pp <- g / (1 + g); pm <- 1 / (1 + g)
    V <- sum(ranks^2 * pp * (1 - pp))
    c(gamma = g, p_upper = 1 - pnorm((T - sum(ranks * pp)) / sqrt(V)),
      p_lower = 1 - pnorm((T - sum(ranks * pm)) / sqrt(V)))
  }))
}
gammas <- c(1, 1.5, 2, 3, 4, 4.25, 5, 6)
lead_bounds <- psens_bounds(trt, ctrl, gammas)
cases$rosenbaum_lead <- list(
  treated = trt, control = ctrl,
  statistic = sum(rank(abs((trt - ctrl)[trt != ctrl]))[(trt - ctrl)[trt != ctrl] > 0]),
  wilcox_p = wilcox.test(trt, ctrl, paired = TRUE, alternative = "greater",
                         exact = FALSE, correct = FALSE)$p.value,
  gamma = lead_bounds[, "gamma"], p_upper = lead_bounds[, "p_upper"], p_lower = lead_bounds[, "p_lower"],
  gamma_at_05 = uniroot(function(lg) psens_bounds(trt, ctrl, exp(lg))[, "p_upper"] - 0.05,
                        c(0, log(100)), tol = 1e-14)$root)
cases$rosenbaum_lead$gamma_at_05 <- exp(cases$rosenbaum_lead$gamma_at_05)

cases$versions <- list(R = R.version.string, MatchIt = as.character(packageVersion("MatchIt")),
                       estimatr = as.character(packageVersion("estimatr")))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "fixtures.json")
