"""Writes the data for the regression memory/speed measurements (issue 16).

Usage: /opt/evident-ref/bin/python benches/make_regress_data.py ROWS OUT_STEM

Writes OUT_STEM.csv and OUT_STEM.parquet (row groups of 131,072 rows): an outcome
`y`, ten covariates `x1`..`x10`, and `cluster` (1,000 clusters), from a fixed seed,
so every run gives the same bytes. CSV numbers are written with 10 significant
digits, and the Parquet copy holds the CSV's values exactly (it is built by parsing
the CSV text), so the two formats give the same regression to the last bit.
"""

import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

rows = int(sys.argv[1])
stem = sys.argv[2]
rng = np.random.default_rng(20261202)
columns = {}
x = rng.standard_normal((rows, 10))
beta = np.linspace(0.1, 1.0, 10)
cluster = rng.integers(1, 1001, rows)
cluster_effect = rng.standard_normal(1001)[cluster]
y = 1.0 + x @ beta + cluster_effect + rng.standard_normal(rows) * (1 + 0.5 * np.abs(x[:, 0]))
with open(f"{stem}.csv", "w") as out:
    out.write("y," + ",".join(f"x{j + 1}" for j in range(10)) + ",cluster\n")
    block = 100_000
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        lines = []
        for i in range(start, stop):
            lines.append(
                ",".join(f"{v:.10g}" for v in (y[i], *x[i])) + f",{cluster[i]}"
            )
        out.write("\n".join(lines) + "\n")
table = pv.read_csv(f"{stem}.csv")
table = table.set_column(
    table.schema.get_field_index("cluster"),
    "cluster",
    table.column("cluster").cast(pa.int64()),
)
pq.write_table(table, f"{stem}.parquet", row_group_size=131_072, compression="snappy")
