"""Writes the data for the regression memory/speed measurements (issue 16).

Usage: /opt/evident-ref/bin/python benches/make_regress_data.py ROWS OUT_STEM [--no-csv]

Writes OUT_STEM.csv and OUT_STEM.parquet (row groups of 131,072 rows): an outcome
`y`, ten covariates `x1`..`x10`, and `cluster` (1,000 clusters), from a fixed seed,
so every run gives the same bytes. Rows are drawn and written a million at a time,
so any size fits in memory (the 50,000,000-row file is written with --no-csv).
Numbers are rounded to 6 decimals and the CSV holds each double's shortest
spelling (pyarrow's writer), so the CSV and Parquet copies hold the same doubles
and give the same regression to the last bit.
"""

import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

rows = int(float(sys.argv[1]))
stem = sys.argv[2]
write_csv = "--no-csv" not in sys.argv[3:]
rng = np.random.default_rng(20261202)
beta = np.linspace(0.1, 1.0, 10)
cluster_effects = rng.standard_normal(1001)
names = ["y"] + [f"x{j + 1}" for j in range(10)] + ["cluster"]
schema = pa.schema([(n, pa.float64()) for n in names[:-1]] + [("cluster", pa.int64())])
parquet = pq.ParquetWriter(f"{stem}.parquet", schema, compression="snappy")
options = pv.WriteOptions(quoting_style="none")
csv = pv.CSVWriter(f"{stem}.csv", schema, write_options=options) if write_csv else None
block = 1_048_576  # a multiple of the row group size, so groups are all full
pending = []
for start in range(0, rows, block):
    n = min(block, rows - start)
    x = rng.standard_normal((n, 10))
    cluster = rng.integers(1, 1001, n)
    noise = rng.standard_normal(n) * (1 + 0.5 * np.abs(x[:, 0]))
    y = 1.0 + x @ beta + cluster_effects[cluster] + noise
    arrays = [pa.array(np.round(y, 6))]
    arrays += [pa.array(np.round(x[:, j], 6)) for j in range(10)]
    arrays.append(pa.array(cluster.astype(np.int64)))
    table = pa.Table.from_arrays(arrays, schema=schema)
    parquet.write_table(table, row_group_size=131_072)
    if csv is not None:
        csv.write_table(table)
parquet.close()
if csv is not None:
    csv.close()
