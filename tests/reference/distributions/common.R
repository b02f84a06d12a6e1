# Shared helper for the distribution fixtures: each case script builds a list of rows
# (fn, args, lower_tail, log, value) and writes it with the R version. Numbers are
# written with sprintf("%.17g") (round-trip exact): jsonlite 1.8.4 caps digits = NA at
# 15 significant digits, too few for a 1e-10 comparison of tail values. Non-finite
# values are written as the strings "Inf", "-Inf", "NaN". Tests read only the JSON.
json_num <- function(v) {
  s <- ifelse(is.finite(v), sprintf("%.17g", v), paste0("\"", format(v), "\""))
  if (length(v) == 1) structure(s, class = "json")
  else structure(paste0("[", paste(s, collapse = ","), "]"), class = "json")
}
json_vec <- function(v) structure(paste0("[", paste(sprintf("%.17g", v), collapse = ","), "]"), class = "json")
script_path <- function() {
  normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
}
write_case <- function(name, description, rows) {
  out <- list(
    case = name,
    description = description,
    r_version = R.version.string,
    script = paste0(name, ".R"),
    rows = rows
  )
  jsonlite::write_json(out, file.path(dirname(script_path()), paste0(name, ".json")),
                       json_verbatim = TRUE, auto_unbox = TRUE, pretty = TRUE)
}
# One row: R function name, its positional arguments, the tail and the value.
row <- function(fn, args, lower_tail = TRUE, log = FALSE) {
  f <- get(fn)
  call_args <- as.list(args)
  if (fn %in% c("dbinom", "dhyper")) {
    value <- do.call(f, c(call_args, list(log = log)))
  } else {
    value <- do.call(f, c(call_args, list(lower.tail = lower_tail)))
  }
  list(fn = fn, args = json_vec(unname(args)), lower_tail = lower_tail, log = log,
       value = json_num(value))
}
