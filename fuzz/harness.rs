//! What each fuzz target does with one input, shared by the libFuzzer targets in
//! fuzz/fuzz_targets/ and by tests/fuzz_corpus.rs, which replays the committed
//! corpus as ordinary tests (so CI never needs the fuzzer).
//!
//! Each function panics exactly when the engine misbehaves on the input: a panic
//! inside the engine, an error without a hint, an error message that is not bounded,
//! or an allocation that differs between two draws with the same seed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The longest error message line any input may produce (the CLI cuts lines at
/// `evident::error::MAX_LINE_CHARS`; a message should not need cutting at all for
/// inputs of the corpus's size, but a list of many problems may be long).
pub const MAX_MESSAGE_LINE: usize = 4 * evident::error::MAX_LINE_CHARS;

/// Runs `f` in a scratch folder of this process and thread, created once and reused.
pub fn with_scratch<T>(f: impl FnOnce(&Path) -> T) -> T {
    thread_local! {
        static SCRATCH: PathBuf = {
            let dir = std::env::temp_dir().join(format!(
                "evident-fuzz-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::create_dir_all(&dir).expect("a scratch folder");
            dir
        };
    }
    SCRATCH.with(|dir| f(dir))
}

fn judge_error(error: &evident::Error, input: &str) {
    let hint = error.hint();
    assert!(
        !hint.is_empty(),
        "{input}: an error without a hint: {error}"
    );
    for line in error.to_string().lines() {
        assert!(
            line.chars().count() <= MAX_MESSAGE_LINE,
            "{input}: an unbounded message line of {} characters",
            line.chars().count()
        );
    }
}

/// The spec loader and validator on arbitrary bytes as a spec file.
pub fn spec_loader(data: &[u8], dir: &Path) {
    let path = dir.join("study.json");
    std::fs::write(&path, data).expect("scratch file written");
    if let Err(error) = evident::pipeline::check(&path) {
        judge_error(&error, "spec");
    }
}

/// The CSV reader on arbitrary bytes: the table, then every column read every way.
pub fn csv_reader(data: &[u8], dir: &Path) {
    let path = dir.join("data.csv");
    std::fs::write(&path, data).expect("scratch file written");
    let header = evident::data::read_header(&path);
    let table = match evident::data::Table::read(&path) {
        Ok(table) => table,
        Err(error) => {
            judge_error(&error.into(), "csv");
            return;
        }
    };
    assert!(header.is_ok(), "the header reads when the table does");
    for column in table.headers.clone() {
        for result in [
            table.numeric(&column).map(drop),
            table.categorical(&column).map(drop),
            table.identifiers(&column).map(drop),
            table.auto(&column).map(drop),
            table.precision_loss(&column).map(drop),
        ] {
            if let Err(error) = result {
                judge_error(&error.into(), "csv column");
            }
        }
    }
}

/// The design sections the assign target chooses between (by the input's first
/// byte); the rest of the input is the units file.
const ASSIGN_DESIGNS: [&str; 4] = [
    r#""kind": "rct", "units": {"file": "units.csv", "id": "id"}, ARMS,
    "assignment": {"method": "complete", "seed": 1, "covariates": ["x"]}"#,
    r#""kind": "rct", "units": {"file": "units.csv", "id": "id"}, ARMS,
    "assignment": {"method": "blocked", "blocks": ["b"], "seed": 2, "covariates": ["x"],
      "rerandomisation": {"covariates": ["x"], "acceptance_probability": 0.5}}"#,
    r#""kind": "cluster_rct", "units": {"file": "units.csv", "id": "id"}, ARMS,
    "cluster": "c", "assignment": {"method": "cluster", "seed": 3}"#,
    r#""kind": "rct", "units": {"file": "units.csv", "id": "id"}, ARMS,
    "assignment": {"method": "matched_pairs", "pair_on": "x", "seed": 4}"#,
];

const ARMS: &str =
    r#""arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}]"#;

/// The assign stage on an arbitrary units file: a valid allocation is drawn twice
/// with the same seed and must come out byte for byte the same.
pub fn assign_stage(data: &[u8], dir: &Path) {
    let Some((&choice, units)) = data.split_first() else {
        return;
    };
    let design = ASSIGN_DESIGNS[usize::from(choice) % ASSIGN_DESIGNS.len()].replace("ARMS", ARMS);
    let spec = format!(
        r#"{{"evident": 1, "title": "fuzz",
  "statement": {{"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}},
  "design": {{ {design} }},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}],
  "evidence": {{"target_level": 1}},
  "report": {{"dir": "out", "formats": ["json"]}}}}"#
    );
    std::fs::write(dir.join("units.csv"), units).expect("scratch file written");
    let path = dir.join("assign.json");
    std::fs::write(&path, spec).expect("scratch file written");
    let checked = match evident::pipeline::check(&path) {
        Ok(checked) => checked,
        Err(error) => {
            judge_error(&error, "assign spec");
            return;
        }
    };
    let first = evident::assign::allocate_to_bytes(&checked.plan, 20260101);
    let second = evident::assign::allocate_to_bytes(&checked.plan, 20260101);
    match (first, second) {
        (Ok(a), Ok(b)) => assert!(a == b, "two draws with one seed differ"),
        (Err(error), Err(_)) => judge_error(&error.into(), "assign"),
        _ => panic!("two draws with one seed disagree on success"),
    }
}
