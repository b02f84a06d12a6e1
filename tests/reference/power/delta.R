# power.t.test solving for delta (the raw difference) with sd given: n = 20 per group
# (--n 40 in all on the command line), sd = 2, power = 0.8, both tails counted
# (strict = TRUE, the engine's default rule), solved with uniroot(tol = 1e-14).
# Run: Rscript tests/reference/power/delta.R  (writes delta.json)
suppressPackageStartupMessages(library(jsonlite))
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
f <- function(delta) power.t.test(n = 20, delta = delta, sd = 2, strict = TRUE)$power - 0.8
delta <- uniroot(f, c(0.01, 10), tol = 1e-14)$root
out <- list(r_version = R.version.string, n_per_group = 20, sd = 2, power = 0.8,
            delta = sprintf("%.17g", delta),
            delta_r_default = power.t.test(n = 20, sd = 2, power = 0.8, strict = TRUE)$delta)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "delta.json"))
