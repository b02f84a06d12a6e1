//! Benchmarks of the data layer (src/data): reading the used columns of a
//! 1,000,000-row file (`y`, `x1`..`x10` and a `cluster` column not read) from CSV,
//! which is cut into pieces parsed in parallel, and from a Parquet copy (row groups
//! of 131,072 rows, decoded in parallel). The files are written to a temporary
//! folder from a fixed seed; every value is a multiple of 1/1024, so both copies
//! hold the same doubles. Whole-process figures with R alongside are in
//! docs/performance.md (benches/regress_vs_r.sh).
//!
//! Run: `cargo bench --bench data_read`.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use criterion::{Criterion, criterion_group, criterion_main};
use evident::data::Table;
use std::hint::black_box;
use std::time::Duration;

const ROWS: usize = 1_000_000;
const USED: [&str; 11] = [
    "y", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
];

/// Writes `data.csv` and `data.parquet` in `dir`.
fn write_files(dir: &Path) {
    let mut state = 20_261_202_u64;
    let mut draw = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let columns: Vec<Vec<f64>> = (0..USED.len())
        .map(|_| {
            (0..ROWS)
                .map(|_| ((draw() % 20_480) as f64 - 10_240.0) / 1024.0)
                .collect()
        })
        .collect();
    let cluster: Vec<i64> = (0..ROWS).map(|_| (draw() % 1_000) as i64 + 1).collect();
    let mut text = USED.join(",") + ",cluster\n";
    for row in 0..ROWS {
        for column in &columns {
            text += &format!("{},", column[row]);
        }
        text += &format!("{}\n", cluster[row]);
    }
    std::fs::write(dir.join("data.csv"), text).expect("write the CSV");
    let mut fields: Vec<Field> = USED
        .iter()
        .map(|name| Field::new(*name, DataType::Float64, false))
        .collect();
    fields.push(Field::new("cluster", DataType::Int64, false));
    let mut arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|c| Arc::new(Float64Array::from(c)) as ArrayRef)
        .collect();
    arrays.push(Arc::new(Int64Array::from(cluster)));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("a batch");
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(131_072))
        .build();
    let file = std::fs::File::create(dir.join("data.parquet")).expect("create the Parquet");
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties))
        .expect("a writer");
    writer.write(&batch).expect("write the Parquet");
    writer.close().expect("close the Parquet");
}

fn bench_read(c: &mut Criterion) {
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    write_files(dir.path());
    let mut group = c.benchmark_group("read 1M rows x 11 used columns");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for name in ["data.csv", "data.parquet"] {
        let path = dir.path().join(name);
        group.bench_function(name, |b| {
            b.iter(|| black_box(Table::read_columns(&path, &USED).expect("reads")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_read);
criterion_main!(benches);
