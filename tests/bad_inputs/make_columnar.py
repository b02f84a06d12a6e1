"""Writes the Parquet cases of cases.json (run from this folder):
/opt/evident-ref/bin/python make_columnar.py (pyarrow 26).

- parquet_wrong_type.parquet: `x` stored as dates (a type Evident does not read).
- parquet_text_numbers.parquet: `x` stored as text whose fourth value is a word.
- parquet_truncated.parquet: the first half of a good file (its footer is gone).
- parquet_corrupt.parquet: a good file whose column `x` has its data page
  overwritten with garbage (the footer still reads, decoding the column fails).
"""

import datetime

import pyarrow as pa
import pyarrow.parquet as pq

ids = pa.array([f"u{i}" for i in range(1, 9)])
dates = pa.array([datetime.date(2024, 1, d) for d in range(1, 9)])
pq.write_table(pa.table({"id": ids, "x": dates}), "parquet_wrong_type.parquet")
texts = pa.array(["1.5", "2", "3.25", "four", "5", "6", "7", "8"])
pq.write_table(pa.table({"id": ids, "x": texts}), "parquet_text_numbers.parquet")
good = pa.table({"id": ids, "x": pa.array([1.5, 2.0, 3.25, 4.0, 5.0, 6.0, 7.0, 8.0])})
pq.write_table(good, "good.parquet.tmp", compression="snappy", use_dictionary=False)
data = open("good.parquet.tmp", "rb").read()
open("parquet_truncated.parquet", "wb").write(data[: len(data) // 2])
corrupt = bytearray(data)
chunk = pq.ParquetFile("good.parquet.tmp").metadata.row_group(0).column(1)
start = chunk.data_page_offset
# Keep the page header (about 20 bytes); scramble the compressed values after it.
for i in range(start + 24, start + chunk.total_compressed_size):
    corrupt[i] = (corrupt[i] * 31 + 7) % 256
open("parquet_corrupt.parquet", "wb").write(bytes(corrupt))
import os

os.remove("good.parquet.tmp")
