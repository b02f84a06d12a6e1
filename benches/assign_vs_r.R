# The R side of benches/assign_vs_r.sh: the same job as `evident assign` on the
# 10M-unit benchmark (read the units CSV, block-randomise two arms of share 0.5
# within blocks, write id, arm, block and probability), with data.table's fread and
# fwrite (R's fastest CSV reader and writer) and randomizr's block_ra.
# Usage: Rscript assign_vs_r.R RANDOMIZR_CHECKOUT UNITS.csv OUT.csv
args <- commandArgs(trailingOnly = TRUE)
for (f in list.files(file.path(args[1], "R"), pattern = "[.]R$", full.names = TRUE)) {
  source(f)
}
suppressMessages(library(data.table))
started <- Sys.time()
units <- fread(args[2], colClasses = "character")
setorder(units, id)
set.seed(1)
units[, arm := block_ra(blocks = block, conditions = c("control", "treatment"))]
units[, cluster := ""]
units[, probability := 0.5]
fwrite(units[, .(id, arm, block, cluster, probability)], args[3])
cat(sprintf("R: %.2f s\n", as.numeric(difftime(Sys.time(), started, units = "secs"))))
