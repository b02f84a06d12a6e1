# Reference match sets and weights for tests/matching_parity.rs, from MatchIt 4.5.1
# (Debian r-cran-matchit) and R's glm. Run: Rscript make_fixtures.R (from this folder).
# Propensity-score matches go through MatchIt's distance-matrix path (a matrix of
# |PS_i - PS_j|): MatchIt 4.5.1's own PS nearest-neighbour routine is wrong
# (parity-notes.md). Rows are kept in unit-id order, so MatchIt's m.order = "data"
# is Evident's `order: data`; "largest" is reproduced by reordering the rows by
# descending score before the call.
suppressPackageStartupMessages({library(MatchIt); library(jsonlite)})
set.seed(20261202)
n <- 400
d <- data.frame(unit = sprintf("U%03d", 1:n))
d$x1 <- rnorm(n); d$x2 <- rnorm(n); d$x3 <- rbinom(n, 1, 0.4); d$x4 <- rnorm(n, 5, 2)
d$region <- sample(c("north", "south", "west"), n, replace = TRUE)
lp <- -1.6 + 0.8 * d$x1 - 0.5 * d$x2 + 0.6 * d$x3 + 0.15 * (d$x4 - 5)
d$t <- rbinom(n, 1, plogis(lp))
d$group <- ifelse(d$t == 1, "treated", "control")
write.csv(d[, c("unit", "group", "x1", "x2", "x3", "x4", "region")], "pool.csv",
          row.names = FALSE, quote = FALSE)

# Fully converged propensity scores (glm's default stops ~5e-8 early).
fit <- glm(t ~ x1 + x2 + x3 + x4, data = d, family = binomial,
           control = glm.control(epsilon = 1e-14, maxit = 100))
d$ps <- unname(fitted(fit))
treated <- d$t == 1

pairs_of <- function(m, dd) {
  mm <- m$match.matrix
  out <- list()
  for (r in rownames(mm)) {
    ctl <- mm[r, ]; ctl <- ctl[!is.na(ctl)]
    out[[dd$unit[as.integer(r)]]] <- sort(dd$unit[as.integer(ctl)])
  }
  out[order(names(out))]
}
ps_match <- function(order_desc, ratio = 1, replace = FALSE, caliper = NULL) {
  dd <- if (order_desc) d[order(-d$ps, d$unit), ] else d
  rownames(dd) <- as.character(seq_len(nrow(dd)))
  D <- abs(outer(dd$ps[dd$t == 1], dd$ps[dd$t == 0], "-"))
  args <- list(t ~ x1 + x2 + x3 + x4, data = dd, method = "nearest", distance = D,
               ratio = ratio, replace = replace, m.order = "data")
  if (!is.null(caliper)) { args$caliper <- caliper; args$std.caliper <- FALSE }
  m <- do.call(matchit, args)
  list(sets = pairs_of(m, dd), weights = setNames(unname(m$weights), dd$unit)[sort(dd$unit)])
}
width <- 0.1 * sd(d$ps)
nn_largest <- ps_match(TRUE)
nn_ratio2_caliper <- ps_match(TRUE, ratio = 2, caliper = width)
nn_replace2 <- ps_match(TRUE, ratio = 2, replace = TRUE)

maha <- matchit(t ~ x1 + x2 + x4, data = d, method = "nearest", distance = "mahalanobis",
                m.order = "data")
rownames(d) <- as.character(seq_len(n))
maha_sets <- pairs_of(maha, d)

ex <- matchit(t ~ x3 + region, data = d, method = "exact")
cem <- matchit(t ~ x1 + x2 + x3, data = d, method = "cem")
cem_cut <- matchit(t ~ x1 + x4, data = d, method = "cem",
                   cutpoints = list(x1 = c(-1, 0, 1), x4 = 4))
sub <- matchit(t ~ x1 + x2 + x3 + x4, data = d, method = "subclass", subclass = 5,
               distance = d$ps)
sub_ate <- matchit(t ~ x1 + x2 + x3 + x4, data = d, method = "subclass", subclass = 4,
                   distance = d$ps, estimand = "ATE")
part <- function(m) { s <- as.character(m$subclass); s[is.na(s)] <- ""; s }

out <- list(
  implementation = paste("MatchIt", packageVersion("MatchIt"), "/", R.version.string),
  units = d$unit, treated = d$t,
  ps = d$ps, coefficients = unname(coef(fit)),
  caliper_width = width,
  nn_largest = nn_largest, nn_ratio2_caliper = nn_ratio2_caliper, nn_replace2 = nn_replace2,
  mahalanobis = maha_sets,
  exact = list(subclass = part(ex), weights = unname(ex$weights)),
  cem = list(subclass = part(cem), weights = unname(cem$weights)),
  cem_cut = list(subclass = part(cem_cut), weights = unname(cem_cut$weights)),
  subclass = list(subclass = part(sub), weights = unname(sub$weights)),
  subclass_ate = list(subclass = part(sub_ate), weights = unname(sub_ate$weights)),
  ipw_att = ifelse(treated, 1, d$ps / (1 - d$ps)),
  ipw_ate = ifelse(treated, 1 / d$ps, 1 / (1 - d$ps)),
  overlap = ifelse(treated, 1 - d$ps, d$ps)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = FALSE), "matchit.json")
