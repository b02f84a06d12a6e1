//! Parquet and Arrow IPC input: the same data as CSV, Parquet (several row groups,
//! so the parallel reader is used) and Arrow IPC give byte-identical results from
//! `regress` and `test`, and damaged or mistyped files are refused with a message
//! naming the file and column. The columnar copies are written here, at test time,
//! from the committed CSV fixtures.

mod examples_support;

use examples_support::copy_dir;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use evident::data::Table;
use predicates::prelude::*;

fn evident() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("evident").expect("the evident binary is built")
}

const CONTRACT: &str = "tests/reference/cli/contract.csv";
const INSPECTIONS: &str = "specs/hmo-inspections/data/inspections.csv";

/// Each column of a CSV as Arrow: numbers as float64 (null where missing), other
/// columns as strings.
fn batch_of(csv: &Path) -> RecordBatch {
    let table = Table::read(csv).unwrap();
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for name in &table.headers {
        match table.numbers(name) {
            Ok(values) => {
                fields.push(Field::new(name, DataType::Float64, true));
                arrays.push(Arc::new(values));
            }
            Err(_) => {
                fields.push(Field::new(name, DataType::Utf8, true));
                arrays.push(Arc::new(StringArray::from(
                    table.categorical(name).unwrap(),
                )));
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

fn write_parquet(batch: &RecordBatch, path: &Path, rows_per_group: usize) {
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows_per_group))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

fn write_arrow(batch: &RecordBatch, path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    writer.write(batch).unwrap();
    writer.finish().unwrap();
}

/// Parquet (row groups of 37 rows) and Arrow copies of `csv` in `dir`.
fn columnar_copies(csv: &str, dir: &Path) -> [PathBuf; 2] {
    let batch = batch_of(Path::new(csv));
    let stem = Path::new(csv).file_stem().unwrap().to_str().unwrap();
    let parquet = dir.join(format!("{stem}.parquet"));
    let arrow = dir.join(format!("{stem}.arrow"));
    write_parquet(&batch, &parquet, 37);
    write_arrow(&batch, &arrow);
    [parquet, arrow]
}

fn stdout(args: &[&str]) -> String {
    let output = evident().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The same command on the CSV and on each columnar copy prints the same bytes.
fn same_everywhere(csv: &str, args: &[&str]) {
    let dir = tempfile::TempDir::new().unwrap();
    let with = |data: &str| {
        let mut all = args.to_vec();
        let at = all.iter().position(|a| *a == "DATA").unwrap();
        all[at] = data;
        stdout(&all)
    };
    let from_csv = with(csv);
    assert!(from_csv.contains("estimate"), "{from_csv}");
    for copy in columnar_copies(csv, dir.path()) {
        assert_eq!(with(copy.to_str().unwrap()), from_csv, "{}", copy.display());
    }
}

#[test]
fn regress_hc2_gives_the_same_bytes_from_csv_parquet_and_arrow() {
    same_everywhere(
        INSPECTIONS,
        &[
            "regress",
            "--data",
            "DATA",
            "--outcome",
            "days_to_inspection",
            "--covariates",
            "risk_score,prior_complaints",
            "--json",
        ],
    );
}

#[test]
fn clustered_cr2_and_factor_covariates_give_the_same_bytes_from_every_format() {
    same_everywhere(
        CONTRACT,
        &[
            "regress",
            "--data",
            "DATA",
            "--outcome",
            "outcome",
            "--covariates",
            "treated,x,block",
            "--clusters",
            "pair",
            "--json",
        ],
    );
}

#[test]
fn difference_in_means_and_t_test_give_the_same_bytes_from_every_format() {
    same_everywhere(
        CONTRACT,
        &[
            "test",
            "dim",
            "--data",
            "DATA",
            "--outcome",
            "outcome",
            "--treatment",
            "treated",
            "--blocks",
            "block",
            "--json",
        ],
    );
    same_everywhere(
        CONTRACT,
        &[
            "test", "t", "--data", "DATA", "--column", "outcome", "--by", "treated", "--json",
        ],
    );
}

#[test]
fn a_table_read_from_parquet_equals_the_csv_column_by_column() {
    let dir = tempfile::TempDir::new().unwrap();
    let csv = Table::read(Path::new(CONTRACT)).unwrap();
    for copy in columnar_copies(CONTRACT, dir.path()) {
        let table = Table::read(&copy).unwrap();
        assert_eq!(table.headers, csv.headers);
        assert_eq!(table.n_rows(), csv.n_rows());
        for name in &csv.headers {
            assert_eq!(table.auto(name).unwrap(), csv.auto(name).unwrap(), "{name}");
            assert_eq!(
                table.categorical(name).unwrap(),
                csv.categorical(name).unwrap()
            );
        }
        // Pairs repeat: both refuse them as identifiers, naming the same rows.
        assert_eq!(
            table
                .identifiers("pair")
                .unwrap_err()
                .to_string()
                .replace(copy.to_str().unwrap(), "F"),
            csv.identifiers("pair")
                .unwrap_err()
                .to_string()
                .replace(CONTRACT, "F")
        );
        // Only the columns asked for are read; another is as absent as a missing one.
        let some = Table::read_columns(&copy, &["outcome"]).unwrap();
        assert_eq!(
            some.numeric("outcome").unwrap(),
            csv.numeric("outcome").unwrap()
        );
        assert!(some.numeric("x").is_err());
    }
}

#[test]
fn identifiers_read_the_same_from_every_format() {
    let dir = tempfile::TempDir::new().unwrap();
    let csv = Table::read(Path::new(INSPECTIONS)).unwrap();
    for copy in columnar_copies(INSPECTIONS, dir.path()) {
        let table = Table::read(&copy).unwrap();
        assert_eq!(
            table.identifiers("property_id").unwrap(),
            csv.identifiers("property_id").unwrap()
        );
    }
}

#[test]
fn integer_columns_read_as_numbers_and_keep_digits_a_double_cannot_hold() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("ints.parquet");
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let ids: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 9_007_199_254_740_993]));
    write_parquet(&RecordBatch::try_new(schema, vec![ids]).unwrap(), &path, 2);
    let table = Table::read(&path).unwrap();
    assert_eq!(
        table.identifiers("id").unwrap(),
        ["1", "2", "9007199254740993"]
    );
    let loss = table.precision_loss("id").unwrap().unwrap();
    assert_eq!((loss.first_line, loss.fields), (4, 1));
    assert_eq!(loss.first_value, "9007199254740993");
}

#[test]
fn a_text_column_used_as_numbers_names_file_and_column() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("typed.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("y", DataType::Utf8, false),
        Field::new("x", DataType::Float64, false),
    ]));
    let y: ArrayRef = Arc::new(StringArray::from(vec!["1", "2", "3", "5"]));
    let x: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 4.0, 3.0]));
    write_parquet(
        &RecordBatch::try_new(schema, vec![y, x]).unwrap(),
        &path,
        10,
    );
    let path = path.to_str().unwrap();
    evident()
        .args([
            "regress",
            "--data",
            path,
            "--outcome",
            "y",
            "--covariates",
            "x",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{path}: column `y` is stored as text"
        )))
        .stderr(predicate::str::contains("hint: "));
}

#[test]
fn a_column_of_an_unreadable_type_is_refused_by_name() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("dates.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("when", DataType::Date32, false),
        Field::new("x", DataType::Float64, false),
    ]));
    let when: ArrayRef = Arc::new(arrow_array::Date32Array::from(vec![1, 2, 3]));
    let x: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 4.0]));
    write_parquet(
        &RecordBatch::try_new(schema, vec![when, x]).unwrap(),
        &path,
        10,
    );
    let err = Table::read(&path).unwrap_err().to_string();
    assert!(err.contains("column `when` is stored as Date32"), "{err}");
    // A column not used is not read, so its type does not matter.
    assert_eq!(
        Table::read_columns(&path, &["x"])
            .unwrap()
            .numeric("x")
            .unwrap(),
        [Some(1.0), Some(2.0), Some(4.0)]
    );
}

#[test]
fn a_truncated_or_corrupt_parquet_file_is_refused_naming_it() {
    let dir = tempfile::TempDir::new().unwrap();
    let [parquet, arrow] = columnar_copies(INSPECTIONS, dir.path());
    let bytes = std::fs::read(&parquet).unwrap();
    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let mut damaged = bytes.clone();
    // Overwrite the end of the footer's metadata (the last 8 bytes are its length and magic).
    for b in &mut damaged[bytes.len() - 72..bytes.len() - 8] {
        *b = 0xAB;
    }
    let corrupt = dir.path().join("corrupt.parquet");
    std::fs::write(&corrupt, &damaged).unwrap();
    let not_arrow = dir.path().join("inspections.feather");
    std::fs::copy(INSPECTIONS, &not_arrow).unwrap();
    let half_arrow = dir.path().join("half.arrow");
    let arrow_bytes = std::fs::read(&arrow).unwrap();
    std::fs::write(&half_arrow, &arrow_bytes[..arrow_bytes.len() / 2]).unwrap();
    for (path, format) in [
        (&truncated, "Parquet"),
        (&corrupt, "Parquet"),
        (&not_arrow, "Arrow IPC"),
        (&half_arrow, "Arrow IPC"),
    ] {
        let path = path.to_str().unwrap();
        evident()
            .args([
                "regress",
                "--data",
                path,
                "--outcome",
                "days_to_inspection",
                "--covariates",
                "risk_score",
            ])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(format!(
                "{path}: not a readable {format} file"
            )));
    }
}

#[test]
fn a_csv_column_that_turns_to_words_half_way_names_line_and_column() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("drift.csv");
    let mut text = String::from("y,x\n");
    for i in 0..500 {
        text.push_str(&format!("{},{}\n", i % 7, i % 5));
    }
    text.push_str("3,high\n");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    // As a covariate a text column is a factor (as in R); as the outcome it must be numbers.
    evident()
        .args([
            "regress",
            "--data",
            path,
            "--outcome",
            "x",
            "--covariates",
            "y",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{path}:502: column `x`: `high` is not a number"
        )));
}

/// `evident run` on a copy of an example, with its data as CSV or as Parquet
/// (units file and analysis data alike); returns report.json.
fn run_example(root: &Path, example: &str, parquet: bool) -> serde_json::Value {
    let folder = root
        .join(if parquet { "parquet" } else { "csv" })
        .join(example);
    copy_dir(&Path::new("specs").join(example), &folder);
    let spec = folder.join("study.json");
    if parquet {
        let mut text = std::fs::read_to_string(&spec).unwrap();
        for entry in std::fs::read_dir(folder.join("data")).unwrap() {
            let csv = entry.unwrap().path();
            let name = csv.file_name().unwrap().to_str().unwrap().to_string();
            let batch = batch_of(&csv);
            let parquet_name = name.replace(".csv", ".parquet");
            write_parquet(&batch, &folder.join("data").join(&parquet_name), 100);
            std::fs::remove_file(&csv).unwrap();
            text = text.replace(&format!("data/{name}"), &format!("data/{parquet_name}"));
        }
        std::fs::write(&spec, text).unwrap();
    }
    let out = folder.join("out");
    let mut command = evident();
    command.arg("run").arg(&spec).arg("--out").arg(&out);
    if parquet {
        // Both copies write the allocation to the same folder (the spec's assign
        // output is outside the copy); the Parquet run draws the same allocation
        // from other input files, which the manifest records only with --force.
        command.arg("--force");
    }
    command.assert().success();
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn a_whole_study_run_from_parquet_finds_what_the_csv_run_finds() {
    let root = tempfile::TempDir::new().unwrap();
    for example in ["hmo-inspections", "fire-safety-visits"] {
        let mut csv = run_example(root.path(), example, false);
        let mut parquet = run_example(root.path(), example, true);
        // The randomisation-inference seed is derived from the input files' bytes.
        for report in [&mut csv, &mut parquet] {
            if let Some(ri) = report["analysis"].get_mut("randomisation_inference") {
                ri["seed"] = serde_json::Value::Null;
            }
        }
        assert_eq!(parquet["headline"], csv["headline"], "{example}");
        assert_eq!(parquet["findings"], csv["findings"], "{example}");
        assert_eq!(parquet["analysis"], csv["analysis"], "{example}");
        // The assignment drawn from a Parquet units file is the same, to its hash;
        // only the hashes of the input file and of the manifest naming it differ.
        for report in [&mut csv, &mut parquet] {
            report["assignment"]["units_sha256"] = serde_json::Value::Null;
            report["assignment"]["manifest_sha256"] = serde_json::Value::Null;
        }
        assert_eq!(parquet["assignment"], csv["assignment"], "{example}");
        match example {
            "hmo-inspections" => assert!(csv["findings"].as_array().is_some_and(|f| !f.is_empty())),
            _ => assert!(
                csv["assignment"]["assignments_sha256"].is_string(),
                "{example}"
            ),
        }
    }
}

/// The Parquet reader writes each row group's numbers straight into the final
/// column; the Arrow IPC reader converts value by value. Both must agree on every
/// number type, with nulls, NaN, infinities, subnormals and integers beyond 2^53
/// (some of them at null rows), across row groups and decoded batches.
#[test]
fn parquet_numbers_of_every_type_with_nulls_and_odd_values_read_as_arrow_ipc_does() {
    use arrow_array::{
        BooleanArray, Float32Array, Int8Array, Int32Array, UInt16Array, UInt64Array,
    };
    let dir = tempfile::TempDir::new().unwrap();
    let n = 30_001;
    let null = |i: usize, every: usize| i % every == 3;
    let f64s: Float64Array = (0..n)
        .map(|i| match i % 997 {
            _ if null(i, 11) => None,
            5 => Some(f64::NAN),
            6 => Some(f64::INFINITY),
            7 => Some(-1e-310),
            8 => Some(1e300),
            _ => Some(i as f64 / 7.0 - 1000.0),
        })
        .collect();
    let f32s: Float32Array = (0..n)
        .map(|i| match i % 1009 {
            _ if null(i, 13) => None,
            9 => Some(f32::NEG_INFINITY),
            10 => Some(f32::NAN),
            _ => Some(i as f32 * 0.25),
        })
        .collect();
    let big = 9_007_199_254_740_993_i64;
    // Every 17th row is null, some of them where a big value would otherwise be.
    let i64s: Int64Array = (0..n)
        .map(|i| match i % 17 {
            3 => None,
            _ if i % 1013 == 20 => Some(-big),
            _ if i % 1013 == 37 => Some(big + 2),
            _ => Some(i as i64 - 15_000),
        })
        .collect();
    let u64s: UInt64Array = (0..n)
        .map(|i| match i % 1019 {
            _ if null(i, 19) => None,
            1 => Some(u64::MAX),
            _ => Some(i as u64),
        })
        .collect();
    let i32s: Int32Array = (0..n).map(|i| Some(i as i32 * -3)).collect();
    let i8s: Int8Array = (0..n)
        .map(|i| (!null(i, 5)).then_some((i % 256) as u8 as i8))
        .collect();
    let u16s: UInt16Array = (0..n).map(|i| Some((i % 65_536) as u16)).collect();
    let bools: BooleanArray = (0..n)
        .map(|i| (!null(i, 7)).then_some(i % 3 == 0))
        .collect();
    let text: StringArray = (0..n)
        .map(|i| (!null(i, 23)).then(|| format!(" w{} ", i % 41)))
        .collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("f64", Arc::new(f64s)),
        ("f32", Arc::new(f32s)),
        ("text", Arc::new(text)),
        ("i64", Arc::new(i64s)),
        ("u64", Arc::new(u64s)),
        ("i32", Arc::new(i32s)),
        ("i8", Arc::new(i8s)),
        ("u16", Arc::new(u16s)),
        ("bool", Arc::new(bools)),
    ];
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch =
        RecordBatch::try_new(schema, columns.iter().map(|(_, a)| a.clone()).collect()).unwrap();
    let parquet = dir.path().join("odd.parquet");
    let arrow = dir.path().join("odd.arrow");
    write_parquet(&batch, &parquet, 10_000);
    write_arrow(&batch, &arrow);
    let from_parquet = Table::read(&parquet).unwrap();
    let from_arrow = Table::read(&arrow).unwrap();
    assert_eq!(from_parquet.n_rows(), n);
    let plain = |result: Result<Vec<Option<f64>>, evident::data::DataError>, path: &Path| {
        format!("{result:?}").replace(path.to_str().unwrap(), "F")
    };
    for (name, _) in &columns {
        assert_eq!(
            plain(from_parquet.numeric(name), &parquet),
            plain(from_arrow.numeric(name), &arrow),
            "{name}"
        );
        assert_eq!(
            from_parquet.categorical(name).unwrap(),
            from_arrow.categorical(name).unwrap(),
            "{name}"
        );
        assert_eq!(
            format!("{:?}", from_parquet.precision_loss(name).ok())
                .replace(parquet.to_str().unwrap(), "F"),
            format!("{:?}", from_arrow.precision_loss(name).ok())
                .replace(arrow.to_str().unwrap(), "F"),
            "{name}"
        );
    }
    // The values are really there: a spot check on the reader's own numbers.
    let f64s = from_parquet.numeric("i32").unwrap();
    assert_eq!(f64s[29_999], Some(-89_997.0));
    let i64s = from_parquet.categorical("i64").unwrap();
    assert_eq!(i64s[3], None);
    assert_eq!(i64s[1013 + 20].as_deref(), Some("-9007199254740993"));
    // A subset of row groups, as the streamed reader asks for, reads the same rows.
    let columns_read = Table::read_columns(&parquet, &["f64", "i64"]).unwrap();
    assert_eq!(
        columns_read.categorical("i64").unwrap(),
        from_arrow.categorical("i64").unwrap()
    );
}
