# Fixtures for src/stats/htest/mcnemar.rs: R's mcnemar.test on 2x2 tables with and
# without correction (including equal discordant counts, where R skips the correction)
# and Bowker's test on 3x3 and 4x4 tables. Run: Rscript tests/reference/htest/mcnemar.R
source(file.path(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
cases <- list()
add <- function(x, correct = TRUE) {
  r <- mcnemar.test(x, correct = correct)
  cases[[length(cases) + 1]] <<- list(table = unclass(x), correct = correct,
    call = sprintf("mcnemar.test(matrix(c(%s), %d), correct = %s)", toString(x), nrow(x), correct),
    method = r$method, statistic = unname(r$statistic), df = unname(r$parameter), p_value = r$p.value)
}
for (correct in c(TRUE, FALSE)) {
  add(matrix(c(794, 86, 150, 570), 2), correct)   # Agresti (1990) presidential approval
  add(matrix(c(10, 4, 4, 7), 2), correct)         # b = c: R skips the correction
  add(matrix(c(3, 1, 0, 8), 2), correct)          # |b - c| = 1
  add(matrix(c(20, 12, 2, 15), 2), correct)
  add(matrix(c(12, 3, 1, 4, 15, 2, 6, 5, 9), 3), correct)
  add(matrix(c(30, 2, 4, 1, 5, 25, 3, 2, 1, 6, 20, 4, 2, 1, 7, 18), 4), correct)
}
write_cases("mcnemar", cases)
