//! Statistical disclosure control of the published reports (report.disclosure):
//! no example's outputs name a person-level unit, no published count table shows a
//! count from 1 to 9, a withheld count cannot be worked back from its row, and the
//! threshold is configurable, can be turned off for internal reports, and is refused
//! when it would withhold nothing.

mod examples_support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use examples_support::copy_dir;
use serde_json::Value;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").unwrap()
}

fn example(root: &TempDir, name: &str) -> PathBuf {
    let folder = root.path().join(name);
    if !folder.exists() {
        copy_dir(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("specs")
                .join(name),
            &folder,
        );
    }
    folder
}

/// Runs a spec into `out` and returns every output file's text (xlsx cells read
/// back as text; docx is built from the same blocks as the Markdown and HTML).
fn run(spec: &Path, out: &Path) -> Vec<(String, String)> {
    evident()
        .arg("run")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some("md" | "html" | "json" | "svg") => {
                files.push((name, std::fs::read_to_string(&path).unwrap()));
            }
            Some("xlsx") => {
                use calamine::Reader;
                let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
                let mut text = String::new();
                for sheet in book.sheet_names().to_vec() {
                    let range = book.worksheet_range(&sheet).unwrap();
                    for row in range.rows() {
                        for cell in row {
                            text.push_str(&cell.to_string());
                            text.push('\t');
                        }
                        text.push('\n');
                    }
                }
                files.push((name, text));
            }
            _ => {}
        }
    }
    files
}

/// The values of column `column` in every CSV under `folder/data`.
fn column_values(folder: &Path, column: &str) -> Vec<String> {
    let mut values = Vec::new();
    for entry in std::fs::read_dir(folder.join("data")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let Some(index) = reader.headers().unwrap().iter().position(|h| h == column) else {
            continue;
        };
        for record in reader.records() {
            values.push(record.unwrap()[index].to_string());
        }
    }
    values
}

/// Examples whose units are people, households or properties. The area-level
/// examples (wards, standby points, areas, months) name their areas on purpose: a
/// synthetic control's donors or a difference-in-differences' wards are the
/// finding, and an area is not a person.
const PERSON_LEVEL: [(&str, &str, &str); 8] = [
    ("fire-safety-visits", "results.json", "household_id"),
    ("hmo-inspections", "study.json", "property_id"),
    ("hmo-inspections-rd", "study.json", "property_id"),
    ("key-worker-offer", "study.json", "pupil_id"),
    ("neet-early-warning", "study.json", "person_id"),
    ("virtual-safety-checks", "study.json", "household_id"),
    ("ward-falls-alert", "study.json", "patient_id"),
    ("stepped-wedge-falls", "study.json", "resident"),
];

#[test]
fn no_person_level_example_names_a_unit_or_shows_a_small_count() {
    let root = TempDir::new().unwrap();
    for (name, spec, id) in PERSON_LEVEL {
        let folder = example(&root, name);
        let ids = column_values(&folder, id);
        assert!(ids.len() > 20, "{name}: ids of {id} read");
        let out = root.path().join(format!("out-{name}"));
        let files = run(&folder.join(spec), &out);
        assert!(files.iter().any(|(f, _)| f == "report.md"), "{name}");
        for (file, text) in &files {
            // Ids as whole tokens: "P00001" must not match inside "P000012".
            let tokens: std::collections::HashSet<&str> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .collect();
            for unit in &ids {
                assert!(
                    !tokens.contains(unit.as_str()),
                    "{name}/{file} names unit {unit}"
                );
            }
        }
        let markdown = &files.iter().find(|(f, _)| f == "report.md").unwrap().1;
        small_counts_are_withheld(name, markdown);
        let json: Value =
            serde_json::from_str(&files.iter().find(|(f, _)| f == "report.json").unwrap().1)
                .unwrap();
        assert_eq!(json["disclosure"]["applied"], true, "{name}");
        assert_eq!(json["disclosure"]["threshold"], 10, "{name}");
        let withheld = json["disclosure"]["withheld"].as_array().unwrap();
        assert_eq!(
            withheld.is_empty(),
            !markdown.contains("\\[c\\]"),
            "{name}: report.json lists what the report withholds"
        );
    }
}

/// Columns of the report's tables that hold counts of units.
const COUNT_COLUMNS: [&str; 11] = [
    "Allocated",
    "Lost to follow-up (no outcome row)",
    "With outcome data",
    "Analysed",
    "n",
    "With the outcome",
    "Units",
    "Treated",
    "Comparison pool",
    "Excluded (missing values)",
    "Not in the matched sample",
];

/// Every count cell of every Markdown table is 0, at least 10, or withheld; the
/// numbers in a cell's parenthesis (reasons) are held to the same rule.
fn small_counts_are_withheld(name: &str, markdown: &str) {
    let mut header: Vec<String> = Vec::new();
    for line in markdown.lines() {
        if !line.starts_with('|') {
            header.clear();
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split(" | ")
            .map(|c| c.trim().to_string())
            .collect();
        if header.is_empty() {
            header = cells;
            continue;
        }
        if cells.iter().all(|c| c.starts_with("---")) {
            continue;
        }
        // An allocation of clusters (units = clusters) counts care homes, not people.
        let clusters = header.iter().position(|h| h == "Clusters");
        for (i, (column, cell)) in header.iter().zip(&cells).enumerate() {
            if !COUNT_COLUMNS.contains(&column.as_str()) {
                continue;
            }
            if column == "Units" && clusters.is_some_and(|c| cells.get(c) == Some(&cells[i])) {
                continue;
            }
            for number in cell
                .split(|c: char| !(c.is_ascii_digit() || c == ','))
                .filter(|t| !t.is_empty() && t.chars().next().unwrap().is_ascii_digit())
            {
                let n: usize = number.replace(',', "").parse().unwrap();
                assert!(
                    n == 0 || n >= 10,
                    "{name}: column {column:?} shows {n} in {line:?}"
                );
            }
        }
    }
}

/// The flow row of the ward-falls trial's usual arm: 5 excluded for a missing
/// outcome, none lost. Withholding the 5 alone would leave it as with-data minus
/// analysed; the report withholds enough that allocated = lost + with data and
/// with data = excluded + analysed each keep two unknowns.
#[test]
fn a_withheld_count_cannot_be_worked_back_from_its_row() {
    let root = TempDir::new().unwrap();
    let folder = example(&root, "ward-falls-alert");
    let files = run(&folder.join("study.json"), &root.path().join("out"));
    let markdown = &files.iter().find(|(f, _)| f == "report.md").unwrap().1;
    let row = markdown
        .lines()
        .find(|l| l.starts_with("| usual | 320 |"))
        .expect("the usual arm's flow row");
    let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
    // Arm, allocated, lost, with data, excluded, analysed, attrition, clusters…
    assert_eq!(cells[1], "320");
    assert_eq!(cells[5], "315");
    let withheld = |i: usize| cells[i].starts_with("\\[c\\]");
    assert!(withheld(4), "the 5 excluded are withheld: {row}");
    assert!(withheld(2) && withheld(3), "and two more with them: {row}");
    // The limitations state the 16 missing outcome values (5 + 11) in words, so the
    // alert arm's 11 would give the 5 away: they are withheld too, with their row.
    assert!(markdown.contains("16 outcome values were missing"));
    let alert = markdown
        .lines()
        .find(|l| l.starts_with("| alert | 342 |"))
        .expect("the alert arm's flow row");
    assert!(
        alert.contains("| \\[c\\] (\\[c\\] missing Fall during the admission) | 297 |"),
        "{alert}"
    );
    // The flow diagram's labels say the same.
    let flow = &files.iter().find(|(f, _)| f == "flow.svg").unwrap().1;
    assert!(!flow.contains(">n = 5<"), "flow.svg shows the 5");
    assert!(flow.contains("[c]"));
}

fn with_disclosure(folder: &Path, disclosure: &str) -> PathBuf {
    let spec = folder.join("study.json");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    json["report"]["disclosure"] = serde_json::from_str(disclosure).unwrap();
    let changed = folder.join("disclosure.json");
    std::fs::write(&changed, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    changed
}

#[test]
fn the_threshold_is_the_spec_s_and_an_internal_report_may_turn_it_off() {
    let root = TempDir::new().unwrap();
    let folder = example(&root, "ward-falls-alert");
    let files = run(
        &with_disclosure(&folder, r#"{"threshold": 12}"#),
        &root.path().join("out-12"),
    );
    let markdown = &files.iter().find(|(f, _)| f == "report.md").unwrap().1;
    assert!(markdown.contains("counts of fewer than 12 units are withheld"));
    // At 12 the alert arm's 11 excluded are withheld in their own right.
    let json: Value =
        serde_json::from_str(&files.iter().find(|(f, _)| f == "report.json").unwrap().1).unwrap();
    let withheld = json["disclosure"]["withheld"].as_array().unwrap();
    assert!(
        withheld
            .iter()
            .any(|w| w["count"] == "alert: excluded from the analysis"
                && w["reason"] == "below_threshold")
    );

    let files = run(
        &with_disclosure(&folder, r#"{"apply": false}"#),
        &root.path().join("out-off"),
    );
    let markdown = &files.iter().find(|(f, _)| f == "report.md").unwrap().1;
    assert!(!markdown.contains("\\[c\\]"));
    assert!(markdown.contains("| usual | 320 | 0 | 320 | 5 (5 missing"));
    assert!(markdown.contains("Disclosure control is off"));
    let json: Value =
        serde_json::from_str(&files.iter().find(|(f, _)| f == "report.json").unwrap().1).unwrap();
    assert_eq!(json["disclosure"]["applied"], false);
}

#[test]
fn a_threshold_that_withholds_nothing_is_refused() {
    let root = TempDir::new().unwrap();
    let folder = example(&root, "ward-falls-alert");
    for threshold in ["0", "1"] {
        let spec = with_disclosure(&folder, &format!(r#"{{"threshold": {threshold}}}"#));
        let output = evident().arg("check").arg(&spec).assert().failure();
        let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
        assert!(
            stderr.contains("report.disclosure.threshold")
                && stderr.contains(&format!("a threshold of {threshold} withholds no count")),
            "{stderr}"
        );
    }
    let spec = with_disclosure(&folder, r#"{"threshold": 10, "minimum": 5}"#);
    let output = evident().arg("check").arg(&spec).assert().failure();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
    assert!(stderr.contains("minimum"), "{stderr}");
}
