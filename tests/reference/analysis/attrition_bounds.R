# Reference values for analysis.attrition_bounds: a trial of 400 individuals (200 per
# arm) with high attrition (about 12% of the control and 28% of the treated outcomes
# missing), a continuous outcome in [0, 100] and a binary one with its own missingness
# (the control observed less), analysed from bounds/units.csv and bounds/outcomes.csv.
# Lee (2009) bounds by Lee's own Stata program trimbound, re-expressed in R (sort with
# ties in data order, keep the ranks above p*n for the upper part; the lower part its
# mirror image, n - floor(p*n) ranks from the bottom; trimbound's three variance
# components), Horowitz-Manski bounds by formula, and the Imbens-Manski critical value
# by uniroot at full precision.
# Writes attrition_bounds.json and bounds/*.csv. Run from this folder: Rscript attrition_bounds.R
suppressPackageStartupMessages(library(jsonlite))
set.seed(20261203)
n <- 400
z <- sample(rep(0:1, n / 2))
x <- round(rnorm(n, 50, 10), 1)
score <- pmin(100, pmax(0, round(x + 6 * z + rnorm(n, 0, 12), 1)))
passed <- as.integer(runif(n) < plogis(-0.3 + 0.04 * (x - 50) + 0.5 * z))
# Attrition: the treated lose more scores (low scorers especially); the control lose
# more of the binary outcome.
miss_score <- runif(n) < ifelse(z == 1, 0.28, 0.12) * ifelse(score < 50, 1.3, 0.7)
miss_pass <- runif(n) < ifelse(z == 1, 0.10, 0.25)
score[miss_score] <- NA
passed[miss_pass] <- NA
id <- sprintf("U%03d", 1:n)
units <- data.frame(id = id, arm = ifelse(z == 1, "treatment", "control"))
# Units with neither outcome have no row at all (lost to follow-up).
keep <- !(is.na(score) & is.na(passed))
outcomes <- data.frame(id = id, score = score, passed = passed)[keep, ]
write.csv(units, "bounds/units.csv", row.names = FALSE, quote = FALSE)
write.csv(outcomes, "bounds/outcomes.csv", row.names = FALSE, quote = FALSE, na = "")

im <- function(lo, se_lo, hi, se_hi, level = 0.95) {
  sigma <- max(se_lo, se_hi); delta <- max(hi - lo, 0)
  c <- if (delta == 0) qnorm(1 - (1 - level) / 2) else
    uniroot(function(c) pnorm(c + delta / sigma) - pnorm(-c) - level,
            c(qnorm(level) - 1e-9, qnorm(1 - (1 - level) / 2) + 1e-9), tol = 1e-15)$root
  list(critical_value = c, conf_low = lo - c * se_lo, conf_high = hi + c * se_hi)
}

lee <- function(y, z) {
  allocated <- c(sum(z == 0), sum(z == 1))
  obs <- list(y[z == 0 & !is.na(y)], y[z == 1 & !is.na(y)])
  q <- c(length(obs[[1]]) / allocated[1], length(obs[[2]]) / allocated[2])
  h <- if (q[2] >= q[1]) 2 else 1; o <- 3 - h
  p <- (q[h] - q[o]) / q[h]
  s <- obs[[h]][order(obs[[h]], seq_along(obs[[h]]))]
  nh <- length(s); k <- floor(p * nh)
  pvar <- (1 - p)^2 * ((1 - q[h]) / (allocated[h] * q[h]) + (1 - q[o]) / (allocated[o] * q[o]))
  part <- function(kept, cutoff) {
    m <- mean(kept); g <- (cutoff - m)^2
    c(m, sqrt(var(kept) / length(kept) + g * p / ((1 - p) * nh) + g / (1 - p)^2 * pvar))
  }
  up <- s[(k + 1):nh]; lo <- s[1:(nh - k)]
  kh <- part(up, min(up)); kl <- part(lo, max(lo))
  mo <- mean(obs[[o]]); vo <- var(obs[[o]]) / length(obs[[o]])
  if (h == 2) { lb <- c(kl[1] - mo, sqrt(kl[2]^2 + vo)); ub <- c(kh[1] - mo, sqrt(kh[2]^2 + vo)) }
  else { lb <- c(mo - kh[1], sqrt(kh[2]^2 + vo)); ub <- c(mo - kl[1], sqrt(kl[2]^2 + vo)) }
  list(trimmed_arm = if (h == 2) "treated" else "control", trim_share = p,
       trim_share_std_error = sqrt(pvar), trimmed = k,
       lower = lb[1], lower_se = lb[2], upper = ub[1], upper_se = ub[2],
       interval = im(lb[1], lb[2], ub[1], ub[2]))
}

worst <- function(y, z, a, b) {
  arm <- function(j, fill) {
    v <- y[z == j]; v[is.na(v)] <- fill
    c(mean(v), var(v) / length(v))
  }
  lo <- arm(1, a) - c(arm(0, b)[1], -arm(0, b)[2])
  hi <- arm(1, b) - c(arm(0, a)[1], -arm(0, a)[2])
  list(lower = lo[1], lower_se = sqrt(lo[2]), upper = hi[1], upper_se = sqrt(hi[2]),
       interval = im(lo[1], sqrt(lo[2]), hi[1], sqrt(hi[2])))
}

attrition <- function(y, z) {
  a <- c(mean(is.na(y[z == 0])), mean(is.na(y[z == 1])))
  list(overall = 100 * mean(is.na(y)), differential = 100 * abs(a[2] - a[1]))
}

out <- list(
  r_version = R.version.string,
  score = list(attrition = attrition(score, z), lee = lee(score, z), worst_case = worst(score, z, 0, 100)),
  passed = list(attrition = attrition(passed, z), lee = lee(passed, z), worst_case = worst(passed, z, 0, 1))
)
write_json(out, "attrition_bounds.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
