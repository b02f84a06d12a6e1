# Fixtures for src/stats/htest/chisq_test.rs: R's chisq.test on 2x2 tables with and
# without Yates (capped correction), r x c tables, small expected counts, non-integer
# weights, and goodness of fit. Run: Rscript tests/reference/htest/chisq_test.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
cases <- list()
add <- function(x, correct = TRUE, p = NULL) {
  r <- suppressWarnings(if (is.null(p)) chisq.test(x, correct = correct) else chisq.test(x, p = p))
  E <- r$expected; R <- r$residuals; S <- r$stdres
  if (is.null(dim(E))) { E <- matrix(E, 1); R <- matrix(R, 1); S <- matrix(S, 1) }
  cases[[length(cases) + 1]] <<- list(
    table = if (is.null(p)) unclass(x) else NULL, x = if (is.null(p)) NULL else vec(x),
    p = if (is.null(p)) NULL else vec(p), correct = correct,
    call = if (is.null(p)) sprintf("chisq.test(matrix(c(%s), %d), correct = %s)", toString(x), nrow(x), correct)
           else sprintf("chisq.test(c(%s), p = c(%s))", toString(x), toString(p)),
    method = r$method, statistic = unname(r$statistic), df = unname(r$parameter),
    p_value = r$p.value, expected = unname(E), residuals = unname(unclass(R)), stdres = unname(unclass(S)))
}
for (correct in c(TRUE, FALSE)) {
  add(matrix(c(12, 5, 7, 9), 2), correct)
  add(matrix(c(20, 21, 19, 22), 2), correct)       # |O - E| < 0.5: capped correction
  add(matrix(c(10, 20, 20, 40), 2), correct)       # O = E: no correction
  add(matrix(c(1, 9, 8, 2), 2), correct)
  add(matrix(c(2.5, 4.25, 7.5, 1.75), 2), correct) # non-integer weights, as R allows
  add(matrix(c(120, 80, 95, 105), 2), correct)
}
add(matrix(c(12, 5, 7, 9, 3, 14), 2))
add(matrix(c(12, 5, 7, 9, 3, 14), 3))
add(matrix(c(25, 31, 12, 8, 40, 22, 17, 9, 3, 11, 20, 14), 4))
add(matrix(c(1, 0, 2, 3, 1, 0, 0, 4, 1), 3))
add(c(20, 30, 50), p = c(0.25, 0.25, 0.5))
add(c(8, 2, 5, 9), p = c(0.1, 0.2, 0.3, 0.4))
add(c(3, 7), p = c(0.5, 0.5))
write_cases("chisq_test", cases)
