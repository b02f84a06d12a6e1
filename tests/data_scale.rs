//! The data layer at a size where it reads a CSV file in parallel pieces (over
//! 8 MB): the same regression, to the byte, from the CSV and from a Parquet copy
//! holding the same doubles; the streamed fit equal to the in-memory one to 1e-10
//! for HC2 and CR2; and errors deep in the file (a column turning to words, a
//! ragged row) naming the file's own line. The data are written here from a
//! seeded generator; every value is a multiple of 1/1024, so its CSV text reads
//! back as exactly the double the Parquet copy holds.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;

const ROWS: usize = 200_000;

fn evident() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("evident").expect("the evident binary is built")
}

/// y, x1..x4 and a cluster label (300 clusters) from splitmix64 draws.
fn columns() -> (Vec<Vec<f64>>, Vec<i64>) {
    let mut state = 20_261_202_u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / 2f64.powi(64)
    };
    let on_grid = |v: f64| (v * 1024.0).round() / 1024.0;
    let mut x: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(ROWS)).collect();
    let mut y = Vec::with_capacity(ROWS);
    let mut cluster = Vec::with_capacity(ROWS);
    let effects: Vec<f64> = (0..300).map(|_| uniform() - 0.5).collect();
    for _ in 0..ROWS {
        let g = ((uniform() * 300.0) as usize).min(299);
        let mut mean = 1.0 + effects[g];
        for (j, column) in x.iter_mut().enumerate() {
            let value = on_grid(uniform() * 20.0 - 10.0);
            mean += value * (j as f64 + 1.0) * 0.1;
            column.push(value);
        }
        let spread = 1.0 + x[0].last().unwrap().abs() * 0.2;
        y.push(on_grid(mean + (uniform() - 0.5) * spread * 4.0));
        cluster.push(g as i64 + 1);
    }
    let mut all = vec![y];
    all.extend(x);
    (all, cluster)
}

const HEADER: [&str; 6] = ["y", "x1", "x2", "x3", "x4", "cluster"];

fn write_csv(path: &Path, values: &[Vec<f64>], cluster: &[i64], edit: impl Fn(usize, &mut String)) {
    let mut text = HEADER.join(",") + "\n";
    for row in 0..ROWS {
        let mut line = String::new();
        for column in values {
            line += &format!("{},", column[row]);
        }
        line += &format!("{}\n", cluster[row]);
        edit(row, &mut line);
        text += &line;
    }
    assert!(text.len() > 8 << 20, "big enough to be read in pieces");
    std::fs::write(path, text).unwrap();
}

fn write_parquet(path: &Path, values: &[Vec<f64>], cluster: &[i64]) {
    let mut fields: Vec<Field> = HEADER[..5]
        .iter()
        .map(|n| Field::new(*n, DataType::Float64, false))
        .collect();
    fields.push(Field::new("cluster", DataType::Int64, false));
    let mut arrays: Vec<ArrayRef> = values
        .iter()
        .map(|c| Arc::new(Float64Array::from(c.clone())) as ArrayRef)
        .collect();
    arrays.push(Arc::new(Int64Array::from(cluster.to_vec())));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(30_000))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn regress(data: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "regress",
        "--data",
        data.to_str().unwrap(),
        "--outcome",
        "y",
        "--covariates",
        "x1,x2,x3,x4",
        "--json",
    ];
    args.extend(extra);
    let output = evident().args(&args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn close(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-10 * x.abs().max(y.abs()),
                "{at}: {x} vs {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                close(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                close(value, &y[key], &format!("{at}.{key}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[test]
fn a_csv_read_in_pieces_and_its_parquet_copy_give_the_same_fits() {
    let dir = tempfile::TempDir::new().unwrap();
    let (values, cluster) = columns();
    let csv = dir.path().join("big.csv");
    let parquet = dir.path().join("big.parquet");
    write_csv(&csv, &values, &cluster, |_, _| {});
    write_parquet(&parquet, &values, &cluster);
    for extra in [&["--se-type", "HC2"][..], &["--clusters", "cluster"][..]] {
        let from_csv = regress(&csv, extra);
        assert!(from_csv.contains("\"x4\""), "{from_csv}");
        assert_eq!(regress(&parquet, extra), from_csv, "{extra:?}");
        let memory: Value = serde_json::from_str(&from_csv).unwrap();
        for data in [&csv, &parquet] {
            let mut streamed = extra.to_vec();
            streamed.push("--stream");
            let streamed: Value = serde_json::from_str(&regress(data, &streamed)).unwrap();
            close(&streamed, &memory, &format!("{} {extra:?}", data.display()));
        }
    }
}

#[test]
fn errors_deep_in_a_big_csv_name_the_line_and_column() {
    let dir = tempfile::TempDir::new().unwrap();
    let (values, cluster) = columns();
    let csv = dir.path().join("turns.csv");
    // Row 150,000 is on line 150,002 (the header is line 1); the outcome turns
    // to a word there.
    write_csv(&csv, &values, &cluster, |row, line| {
        if row == 150_000 {
            *line = "oops,2,3,4,5,6\n".into();
        }
    });
    evident()
        .args(["regress", "--data", csv.to_str().unwrap(), "--outcome", "y"])
        .args(["--covariates", "x1,x2"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{}:150002: column `y`: `oops` is not a number",
            csv.display()
        )));
    let ragged = dir.path().join("ragged.csv");
    write_csv(&ragged, &values, &cluster, |row, line| {
        if row == 180_000 {
            *line = "1,2\n".into();
        }
    });
    evident()
        .args([
            "regress",
            "--data",
            ragged.to_str().unwrap(),
            "--outcome",
            "y",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{}:180002: row has 2 fields but the header has 6",
            ragged.display()
        )));
}
