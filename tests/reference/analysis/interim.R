# Reference values for analysis.interim (src/analysis/interim.rs), end to end: the
# hmo-inspections trial with its analysis data cut to the first 900 rows (an interim
# data set), analysed as its spec declares (difference_in_means, estimatr), under a
# group-sequential plan (design.power.interim) per case; each look's boundary
# recomputed at the information actually reached.
# Run from this folder: Rscript interim.R  (writes interim.json).
# R 4.2.2 with rpact 3.3.4, estimatr, pwr, mvtnorm.
#
# - The plan's maximum: the fixed design's units randomised (pwr.2p.test on Cohen's h,
#   each arm's n over 1 - attrition rounded up, as Evident's proportions plan), times the
#   inflation factor of the design at the planned fractions, rounded up; the maximum
#   analysed is that times 1 - attrition. Information fraction of the look: analysed
#   units / maximum analysed, unless declared; earlier looks at their planned fractions.
# - Boundaries: roots with uniroot(tol = 1e-14) on rpact's own recursive integration
#   (getGroupSequentialProbabilities), as tests/reference/power/sequential.R does,
#   because getDesignGroupSequential stops its searches at about 1e-8; rpact's design
#   values are written beside them ("rpact_*") and compared at 1e-6. Alpha spending is
#   computed at the actual fractions of looks 1..k (1 appended when below it: later
#   looks do not move an earlier spending boundary); the exact "OF" and "P" families at
#   the actual fractions of looks 1..k followed by the later looks' planned ones.
# - t = estimate / SE with estimatr's df, put on the normal scale through its p-value,
#   z = sign(t) qnorm(pt(|t|, df, lower = FALSE), lower = FALSE) (Jennison and Turnbull
#   2000, section 3.8; rpact's conversion of t statistics); the repeated CI estimate -/+
#   c_t SE with c_t = qt(pnorm(-c_k), df, lower = FALSE) (ch. 9); the repeated p-value
#   the alpha in (1e-6, 0.5] at which c_k equals |z| (two-sided) or z (one-sided; rpact's
#   getRepeatedPValues searches (0, 0.5] the same way), found by uniroot on log alpha;
#   rpact's own critical value at that alpha is written beside it.
# - The grade's boundary: the same family and fractions, two-sided at 0.05.
suppressPackageStartupMessages({
  library(rpact); library(estimatr); library(pwr); library(mvtnorm); library(jsonlite)
})
root <- "../../.."

crossing <- function(b, t, drift, sided) {
  mu <- drift * sqrt(t)
  if (sided == 1 && length(t) <= 2) return(crossing_exact(b, t, mu))
  lower <- if (sided == 2) -b - mu else pmin(b - mu - 1, pmax(-6, pmin(-4.5, b - mu - 7)))
  p <- getGroupSequentialProbabilities(rbind(lower, b - mu), t)
  up <- p[3, ] - p[2, ]
  low <- if (sided == 2) p[1, ] else rep(0, length(t))
  list(up = up, low = low)
}
# One-sided designs of one or two looks: the bivariate normal (mvtnorm's TVPACK, about
# 1e-15) in place of rpact's grid, whose fixed span below a one-sided boundary is
# accurate to about 1e-9 in z only (see tests/reference/power/sequential.R); the
# repeated p-value of the one-sided Pocock case moved by 1.3e-8 (relative) with it.
crossing_exact <- function(b, t, mu) {
  up <- 1 - pnorm(b[1] - mu[1])
  if (length(t) == 2) {
    r <- sqrt(t[1] / t[2])
    both_below <- pmvnorm(upper = b - mu, corr = matrix(c(1, r, r, 1), 2),
      algorithm = TVPACK(abseps = 1e-15))[1]
    up <- c(up, pnorm(b[1] - mu[1]) - both_below)
  }
  list(up = up, low = rep(0, length(t)))
}
spend <- function(kind, gamma, alpha, t) {
  ifelse(t >= 1, alpha, switch(kind,
    obrien_fleming = 2 - 2 * pnorm(qnorm(1 - alpha / 2) / sqrt(t)),
    pocock = alpha * log(1 + (exp(1) - 1) * t),
    hwang_shih_decani = if (gamma == 0) alpha * t else
      alpha * (1 - exp(-gamma * t)) / (1 - exp(-gamma))))
}
bounds_of <- function(boundary, spending, gamma, alpha, t, sided) {
  k <- length(t)
  if (boundary != "lan_demets") {
    shape <- if (boundary == "obrien_fleming") 1 / sqrt(t) else rep(1, k)
    total <- function(cc) { x <- crossing(cc * shape, t, 0, sided); sum(x$up + x$low) }
    cc <- uniroot(function(cc) total(cc) - alpha, c(0.1, 38), tol = 1e-14)$root
    return(cc * shape)
  }
  cum <- sided * spend(spending, gamma, alpha / sided, t)
  b <- numeric(0)
  for (j in seq_len(k)) {
    target <- cum[j] - (if (j > 1) cum[j - 1] else 0)
    f <- function(x) {
      cr <- crossing(c(b, x), t[1:j], 0, sided)
      cr$up[j] + cr$low[j] - target
    }
    b <- c(b, if (j == 1) qnorm(1 - target / sided) else uniroot(f, c(0.01, 38), tol = 1e-14)$root)
  }
  b
}
rpact_type <- function(boundary, spending) {
  if (boundary == "obrien_fleming") return("OF")
  if (boundary == "pocock") return("P")
  switch(spending, obrien_fleming = "asOF", pocock = "asP", hwang_shih_decani = "asHSD")
}
rpact_design <- function(boundary, spending, gamma, alpha, t, sided) {
  args <- list(kMax = length(t), alpha = alpha, sided = sided,
    typeOfDesign = rpact_type(boundary, spending), informationRates = t, tolerance = 1e-10)
  if (!is.null(gamma)) args$gammaA <- gamma
  do.call(getDesignGroupSequential, args)
}

# The interim data set and its headline estimate.
units <- read.csv(file.path(root, "specs/hmo-inspections/data/properties.csv"))
d <- read.csv(file.path(root, "specs/hmo-inspections/data/inspections.csv"))[1:900, ]
d <- merge(d, units[, c("property_id", "arm")], by = "property_id")
d$z <- as.integer(d$arm == "prioritised")
f <- difference_in_means(licensable_found ~ z, data = d)
est <- f$coefficients[["z"]]
se <- f$std.error[["z"]]
df <- f$df[["z"]]
n <- nrow(d)

attrition <- 0.08
fixed_size <- function(sided) {
  h <- ES.h(0.28, 0.2)
  n1 <- pwr.2p.test(h = h, power = 0.9, sig.level = 0.05,
    alternative = if (sided == 2) "two.sided" else "greater")$n
  2 * ceiling(n1 / (1 - attrition) - 1e-9)
}

cases <- list()
add <- function(name, looks, planned = (1:looks) / looks, boundary, spending = NULL,
                gamma = NULL, sided = 2, look, information = NULL, better = "higher") {
  alpha <- 0.05
  b_plan <- bounds_of(boundary, spending, gamma, alpha, planned, sided)
  pw <- function(dr) { x <- crossing(b_plan, planned, dr, sided); sum(x$up + x$low) }
  drift <- uniroot(function(dr) pw(dr) - 0.9, c(0, 15), tol = 1e-14)$root
  inflation <- (drift / (qnorm(1 - alpha / sided) + qnorm(0.9)))^2
  fixed <- fixed_size(sided)
  maximum <- ceiling(fixed * inflation - 1e-9)
  maximum_analysed <- maximum * (1 - attrition)
  actual <- if (!is.null(information)) information else if (look == looks) planned else
    c(planned[seq_len(look - 1)], n / maximum_analysed)
  used <- if (boundary == "lan_demets") {
    if (actual[look] < 1) c(actual, 1) else actual
  } else c(actual, planned[-seq_len(look)])
  b <- bounds_of(boundary, spending, gamma, alpha, used, sided)
  ck <- b[look]
  h0 <- crossing(b[1:look], used[1:look], 0, sided)
  t_stat <- est / se
  z <- sign(t_stat) * qnorm(pt(abs(t_stat), df, lower.tail = FALSE), lower.tail = FALSE)
  ct <- qt(pnorm(-ck), df, lower.tail = FALSE)
  sign <- if (better == "lower") -1 else 1
  stat <- if (sided == 2) abs(z) else sign * z
  g <- function(la) bounds_of(boundary, spending, gamma, exp(la), used, sided)[look] - stat
  # Bracketed from 1e-6 (every case here is well above it; rpact's integration does not
  # reach the boundaries of alpha near 1e-12).
  lo <- log(1e-6); hi <- log(0.5)
  rep_p <- if (g(hi) > 0) 0.5 else exp(uniroot(g, c(lo, hi), tol = 1e-14)$root)
  rp <- rpact_design(boundary, spending, gamma, alpha, used, sided)
  rp_at_p <- if (rep_p < 0.5)
    rpact_design(boundary, spending, gamma, rep_p, used, sided)$criticalValues[look] else NA
  grade <- bounds_of(boundary, spending, gamma, 0.05, used, 2)[look]
  cases[[name]] <<- list(
    looks = looks, planned = planned, boundary = boundary, spending = spending,
    gamma = gamma, sided = sided, look = look, information = information, better = better,
    fixed_size = fixed, inflation = inflation, maximum_size = maximum,
    maximum_analysed = maximum_analysed, analysed = n, fractions = actual[1:look],
    boundary_fractions = used, critical_z = ck, nominal_p = sided * pnorm(-ck),
    cumulative_alpha = sum(h0$up + h0$low), estimate = est, std_error = se, df = df, t = t_stat, z = z,
    critical_t = ct, crossed = stat >= ck, rci_low = est - ct * se, rci_high = est + ct * se,
    repeated_p = rep_p, grade_critical_z = grade,
    rpact_critical_z = rp$criticalValues[look], rpact_alpha_spent = rp$alphaSpent[look],
    rpact_critical_at_repeated_p = rp_at_p)
}
add("spending_obf_look2", 3, boundary = "lan_demets", spending = "obrien_fleming", look = 2)
add("obf_look1_declared", 3, boundary = "obrien_fleming", look = 1, information = 0.4)
add("spending_pocock_final", 3, boundary = "lan_demets", spending = "pocock", look = 3)
add("pocock_one_sided_look1", 2, boundary = "pocock", sided = 1, look = 1)
add("pocock_one_sided_harmful", 2, boundary = "pocock", sided = 1, look = 1, better = "lower")
add("hsd_look2_declared", 4, boundary = "lan_demets", spending = "hwang_shih_decani",
    gamma = -4, look = 2, information = c(0.2, 0.45))

out <- list(r_version = R.version.string, rpact = as.character(packageVersion("rpact")),
  mvtnorm = as.character(packageVersion("mvtnorm")),
  estimatr = as.character(packageVersion("estimatr")), rows = 900, cases = cases)
write_json(out, "interim.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null",
  na = "null")
