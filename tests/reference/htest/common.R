# Shared helpers for the htest fixtures. Each <case>.R sources this file and writes
# <case>.json next to itself.
#
# Numbers are written with 17 significant digits (sprintf("%.17g")), so every double
# round-trips exactly: jsonlite 1.8.4 stops at 15 digits even with digits = NA.
# Non-finite numbers are written as the strings "Inf", "-Inf" and "NaN" (JSON has no
# infinities) and NA as null; the Rust tests read them back as f64.
num1 <- function(x) {
  if (is.na(x) && !is.nan(x)) "null"
  else if (is.nan(x)) "\"NaN\""
  else if (is.infinite(x)) if (x > 0) "\"Inf\"" else "\"-Inf\""
  else sprintf("%.17g", x)
}
enc <- function(v) {
  if (is.null(v)) return(NULL)
  if (is.list(v)) {
    return(lapply(setNames(names(v), names(v)), function(nm) enc(v[[nm]])))
  }
  if (is.numeric(v) && !is.null(dim(v))) {
    rows <- vapply(seq_len(nrow(v)), function(i)
      paste0("[", paste(vapply(v[i, ], num1, ""), collapse = ","), "]"), "")
    return(structure(paste0("[", paste(rows, collapse = ","), "]"), class = "json"))
  }
  if (is.numeric(v) || is.logical(v) && all(is.na(v))) {
    asis <- inherits(v, "AsIs")
    v <- as.numeric(v)
    s <- vapply(v, num1, "")
    if (length(v) == 1 && !asis) return(structure(s, class = "json"))
    return(structure(paste0("[", paste(s, collapse = ","), "]"), class = "json"))
  }
  unname(v)
}
# Mark a numeric value that must stay a JSON array even when it has length 1.
vec <- function(v) I(v)
write_cases <- function(name, cases, note = NULL) {
  out <- list(
    r_version = R.version.string,
    generated_by = paste0("tests/reference/htest/", name, ".R"),
    note = note,
    cases = lapply(cases, enc)
  )
  here <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))
  jsonlite::write_json(out, file.path(here, paste0(name, ".json")), json_verbatim = TRUE,
                       auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null")
}
