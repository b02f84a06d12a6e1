//! `evident regress --stream` equals the in-memory `regress` to 1e-10 relative,
//! from CSV (batches of rows) and Parquet (row groups), for HC2, HC0-HC3, CR0-CR2
//! and classical SEs, and refuses what it cannot stream.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use evident::stats::prec::assert_close;
use predicates::prelude::*;
use serde_json::Value;

fn evident() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("evident").expect("the evident binary is built")
}

fn json(args: &[&str]) -> Value {
    let output = evident().args(args).arg("--json").output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every number in `a` equals the one in `b` to `tolerance` relative; everything
/// else equal.
fn close(a: &Value, b: &Value, tolerance: f64, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            assert_close(x.as_f64().unwrap(), y.as_f64().unwrap(), tolerance, at)
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                close(x, y, tolerance, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (key, x) in x {
                close(x, &y[key], tolerance, &format!("{at}.{key}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// A clustered data set of `n` rows (deterministic), as CSV and as Parquet with
/// row groups of 5,000 rows.
fn write_data(dir: &Path, n: usize) -> [String; 2] {
    let mut state = 0x1234_5678_u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut columns: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
    let mut clusters = Vec::with_capacity(n);
    let mut csv = String::from("y,x1,x2,x3,school\n");
    for _ in 0..n {
        let school = (uniform() * 60.0) as usize;
        let x: Vec<f64> = (0..3)
            .map(|j| ((uniform() * 2.0 - 1.0 + j as f64 * 0.1) * 1e6).round() / 1e6)
            .collect();
        let y = ((1.0 + x[0] - 0.5 * x[1]
            + 0.25 * x[2]
            + school as f64 * 0.02
            + (uniform() - 0.5) * (1.0 + x[0].abs()))
            * 1e6)
            .round()
            / 1e6;
        csv.push_str(&format!("{y},{},{},{},s{school:02}\n", x[0], x[1], x[2]));
        columns[0].push(y);
        for j in 0..3 {
            columns[j + 1].push(x[j]);
        }
        clusters.push(format!("s{school:02}"));
    }
    let csv_path = dir.join("data.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let mut fields: Vec<Field> = ["y", "x1", "x2", "x3"]
        .iter()
        .map(|name| Field::new(*name, DataType::Float64, false))
        .collect();
    fields.push(Field::new("school", DataType::Utf8, false));
    let mut arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|c| Arc::new(Float64Array::from(c)) as ArrayRef)
        .collect();
    arrays.push(Arc::new(StringArray::from(clusters)));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();
    let parquet_path = dir.join("data.parquet");
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(5_000))
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&parquet_path).unwrap(),
        batch.schema(),
        Some(properties),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    [
        csv_path.to_str().unwrap().to_string(),
        parquet_path.to_str().unwrap().to_string(),
    ]
}

#[test]
fn streamed_fits_equal_the_in_memory_fit_for_every_se_type_and_format() {
    let dir = tempfile::TempDir::new().unwrap();
    // 70,000 rows: two CSV batches (65,536 rows and the rest) and 14 row groups.
    let files = write_data(dir.path(), 70_000);
    for (se_type, clustered) in [
        (None, false),
        (Some("HC1"), false),
        (Some("HC3"), false),
        (Some("classical"), false),
        (None, true),
        (Some("CR0"), true),
        (Some("CR1"), true),
    ] {
        let mut args = vec![
            "regress",
            "--data",
            &files[0],
            "--outcome",
            "y",
            "--covariates",
            "x1,x2,x3",
        ];
        if let Some(se_type) = se_type {
            args.extend(["--se-type", se_type]);
        }
        if clustered {
            args.extend(["--clusters", "school"]);
        }
        let memory = json(&args);
        let at = format!("{se_type:?} clustered {clustered}");
        assert_eq!(memory["estimates"].as_array().unwrap().len(), 4, "{at}");
        for file in &files {
            args[2] = file;
            let mut streamed_args = args.clone();
            streamed_args.push("--stream");
            close(
                &json(&streamed_args),
                &memory,
                1e-10,
                &format!("{at} {file}"),
            );
        }
        args[2] = &files[0];
    }
}

#[test]
fn stream_refuses_factors_and_weights_and_names_a_missing_cell() {
    let dir = tempfile::TempDir::new().unwrap();
    let files = write_data(dir.path(), 2_000);
    evident()
        .args([
            "regress",
            "--data",
            &files[1],
            "--outcome",
            "y",
            "--covariates",
            "x1,school",
            "--stream",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--stream takes numeric covariates only; `school` holds text",
        ));
    evident()
        .args([
            "regress",
            "--data",
            &files[0],
            "--outcome",
            "y",
            "--weights",
            "x1",
            "--stream",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("without --weights"));
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Data row 1,500 (file line 1,501) loses its x1.
    let mut fields: Vec<String> = lines[1500].split(',').map(str::to_string).collect();
    fields[1] = "NA".into();
    lines[1500] = fields.join(",");
    let holey = dir.path().join("holey.csv");
    std::fs::write(&holey, lines.join("\n") + "\n").unwrap();
    let holey = holey.to_str().unwrap();
    evident()
        .args([
            "regress",
            "--data",
            holey,
            "--outcome",
            "y",
            "--covariates",
            "x1,x2",
            "--stream",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{holey}:1501: column `x1`: value is missing"
        )));
    let memory = json(&[
        "regress",
        "--data",
        holey,
        "--outcome",
        "y",
        "--covariates",
        "x1,x2",
        "--drop-missing",
    ]);
    let streamed = json(&[
        "regress",
        "--data",
        holey,
        "--outcome",
        "y",
        "--covariates",
        "x1,x2",
        "--drop-missing",
        "--stream",
    ]);
    assert_eq!(memory["fit"]["nobs"], 1_999);
    assert_eq!(streamed["fit"]["n_dropped"], 1);
    close(&streamed, &memory, 1e-10, "dropped");
}
