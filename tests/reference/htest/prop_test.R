# Fixtures for src/stats/htest/prop_test.rs: R's prop.test for one, two and k groups,
# with and without Yates (including the capped correction when the difference is
# small), all alternatives, given null proportions. Run: Rscript tests/reference/htest/prop_test.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
cases <- list()
add <- function(x, n, p = NULL, alt = "two.sided", cl = 0.95, correct = TRUE) {
  r <- suppressWarnings(prop.test(x, n, p = p, alternative = alt, conf.level = cl, correct = correct))
  cases[[length(cases) + 1]] <<- list(
    x = vec(x), n = vec(n), p = if (is.null(p)) NULL else vec(p), alternative = alt,
    conf_level = cl, correct = correct,
    call = sprintf("prop.test(c(%s), c(%s)%s, alternative = '%s', conf.level = %s, correct = %s)",
                   toString(x), toString(n), if (is.null(p)) "" else sprintf(", p = c(%s)", toString(p)),
                   alt, cl, correct),
    method = r$method, statistic = unname(r$statistic), df = unname(r$parameter),
    p_value = r$p.value, estimates = vec(unname(r$estimate)),
    conf_int = if (is.null(r$conf.int)) NULL else vec(as.numeric(r$conf.int)),
    result_alternative = r$alternative)
}
for (alt in c("two.sided", "less", "greater")) for (correct in c(TRUE, FALSE)) {
  add(c(15, 25), c(50, 50), alt = alt, correct = correct)
  add(c(83, 90), c(86, 93), alt = alt, correct = correct)      # near-equal: capped Yates
  add(c(3, 17), c(40, 25), alt = alt, correct = correct, cl = 0.9)
  add(c(1, 0), c(12, 9), alt = alt, correct = correct)
  add(c(30, 31), c(61, 60), alt = alt, correct = correct)      # |delta|/sum(1/n) < 0.5
  add(7, 20, alt = alt, correct = correct)
  add(7, 20, p = 0.3, alt = alt, correct = correct, cl = 0.99)
  add(0, 15, p = 0.2, alt = alt, correct = correct)
  add(15, 15, p = 0.8, alt = alt, correct = correct)
  add(10, 20, p = 0.5, alt = alt, correct = correct)           # x = n p: correction 0
  add(c(12, 20, 31), c(40, 41, 45), alt = alt, correct = correct)
  add(c(12, 20), c(40, 41), p = c(0.3, 0.4), alt = alt, correct = correct)
}
add(c(10, 20), c(40, 80))                                        # delta = 0
write_cases("prop_test", cases)
