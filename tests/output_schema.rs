//! Every document the pipeline writes or prints for the examples under specs/ fits the
//! schema `evident schema --output <target>` prints, at every level: report.json and
//! plan.json (`report`), `plan --json` (`plan`), `analyse --json` (`analyse`),
//! manifest.json (`manifest`), `assign --json` (`assign`) and `assign --verify --json`
//! (`verify`). The checker is tests/contract_support's, and the last tests show it
//! fails on a document with an undocumented key or a missing required one.

mod contract_support;

mod examples_support;

use examples_support::copy_dir;
use std::path::{Path, PathBuf};

use contract_support::{assert_fits, evident, printed_schema, problems};
use serde_json::Value;
use tempfile::TempDir;

/// A copy of every example (the assign stage writes beside the spec), with fewer
/// randomisation-inference draws than the examples' 2000 to keep the debug build quick.
fn examples(root: &TempDir) -> Vec<PathBuf> {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs");
    copy_dir(&source, &root.path().join("specs"));
    let mut specs = Vec::new();
    for example in std::fs::read_dir(root.path().join("specs")).unwrap() {
        let folder = example.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&folder).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, text.replace(r#""draws": 2000"#, r#""draws": 300"#)).unwrap();
                specs.push(path);
            }
        }
    }
    specs.sort();
    assert!(specs.len() >= 6, "the examples: {specs:?}");
    specs
}

fn stdout_json(args: &[&std::ffi::OsStr]) -> Option<Value> {
    let output = evident().args(args).output().unwrap();
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).unwrap())
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_example_output_fits_its_schema() {
    let root = TempDir::new().unwrap();
    let schema = |t: &str| printed_schema(t);
    let (report, analyse, plan, manifest, assign, verify) = (
        schema("report"),
        schema("analyse"),
        schema("plan"),
        schema("manifest"),
        schema("assign"),
        schema("verify"),
    );
    let matched_manifest = schema("matched-manifest");
    let mut checked = std::collections::BTreeMap::<&str, usize>::new();
    let specs = examples(&root);
    for spec in &specs {
        let name = spec
            .strip_prefix(root.path())
            .unwrap()
            .display()
            .to_string();
        let spec_os = spec.as_os_str();
        let text = std::fs::read_to_string(spec).unwrap();
        if text.contains("\"assignment\"") {
            let out = stdout_json(&[
                "assign".as_ref(),
                spec_os,
                "--force".as_ref(),
                "--json".as_ref(),
            ])
            .unwrap_or_else(|| panic!("{name}: assign --json failed"));
            assert_fits(&assign, &out, &format!("{name}: assign --json"));
            *checked.entry("assign").or_default() += 1;
            // Without --quiet: with --json, stdout holds the JSON document alone.
            let out = stdout_json(&[
                "assign".as_ref(),
                spec_os,
                "--verify".as_ref(),
                "--json".as_ref(),
            ])
            .unwrap_or_else(|| panic!("{name}: assign --verify --json failed"));
            assert_fits(&verify, &out, &format!("{name}: assign --verify --json"));
            *checked.entry("verify").or_default() += 1;
        }
        let out_dir = root.path().join(format!(
            "out-{}",
            checked.values().sum::<usize>() + name.len()
        ));
        let run = evident()
            .arg("run")
            .arg(spec)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        // report.json, or protocol.json while the outcome data are awaited: both are
        // the report model; manifest.json is the assign stage's.
        let stdout = String::from_utf8(run.stdout).unwrap();
        for written in stdout.lines().filter_map(|l| l.strip_prefix("wrote ")) {
            let path = Path::new(written);
            match path.file_name().and_then(|n| n.to_str()) {
                Some("manifest.json") => {
                    assert_fits(&manifest, &read_json(path), &format!("{name}: {written}"));
                    *checked.entry("manifest").or_default() += 1;
                }
                // The match stage's provenance record (src/matching/stage.rs): its
                // schema, then its digests (the schema's hex pattern is not among the
                // keywords assert_fits checks).
                Some("matched.manifest.json") => {
                    let recorded = read_json(path);
                    assert_fits(&matched_manifest, &recorded, &format!("{name}: {written}"));
                    assert_eq!(recorded["matched_manifest_version"], 1);
                    for key in ["data_sha256", "settings_sha256", "matched_sha256"] {
                        let digest = recorded[key].as_str().unwrap_or_default();
                        assert!(
                            digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
                            "{name}: {written}: `{key}` is not a SHA-256 digest: {recorded}"
                        );
                    }
                    *checked.entry("matched manifest").or_default() += 1;
                }
                Some(file) if file.ends_with(".json") => {
                    assert_fits(&report, &read_json(path), &format!("{name}: {written}"));
                    *checked.entry("report.json").or_default() += 1;
                }
                _ => {}
            }
        }
        if let Some(out) = stdout_json(&["analyse".as_ref(), spec_os, "--json".as_ref()]) {
            assert_fits(&analyse, &out, &format!("{name}: analyse --json"));
            *checked.entry("analyse").or_default() += 1;
        }
        if text.contains("\"power\"") {
            let plan_dir = out_dir.join("plan");
            let out = stdout_json(&[
                "plan".as_ref(),
                spec_os,
                "--out".as_ref(),
                plan_dir.as_os_str(),
                "--json".as_ref(),
            ])
            .unwrap_or_else(|| panic!("{name}: plan --json failed"));
            assert_fits(&plan, &out, &format!("{name}: plan --json"));
            assert_fits(
                &report,
                &read_json(&plan_dir.join("plan.json")),
                &format!("{name}: plan.json"),
            );
            *checked.entry("plan").or_default() += 1;
        }
    }
    for kind in [
        "assign",
        "verify",
        "manifest",
        "report.json",
        "analyse",
        "plan",
        "matched manifest",
    ] {
        assert!(
            checked.get(kind).is_some_and(|&n| n > 0),
            "no {kind} checked: {checked:?}"
        );
    }
    // Every example writes one report (or protocol) document.
    assert_eq!(checked["report.json"], specs.len(), "{checked:?}");
}

/// matched.manifest.json's schema refuses what the match stage never writes: an
/// unknown key, a missing digest, a version that is not a number.
#[test]
fn the_matched_manifest_schema_is_strict() {
    let schema = printed_schema("matched-manifest");
    let digest = "0".repeat(64);
    let good = serde_json::json!({
        "matched_manifest_version": 1,
        "data_sha256": digest,
        "settings_sha256": digest,
        "matched_sha256": digest,
    });
    assert!(problems(&schema, &good).is_empty());
    let mut extra = good.clone();
    extra["note"] = Value::from("x");
    assert_eq!(
        problems(&schema, &extra),
        ["$.note: property not in the schema"]
    );
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("matched_sha256");
    assert!(!problems(&schema, &missing).is_empty());
    let mut wrong = good;
    wrong["matched_manifest_version"] = Value::from("1");
    assert!(!problems(&schema, &wrong).is_empty());
}

/// A report with an analysis, for the mutation tests.
fn an_example_report() -> (Value, Value) {
    let root = TempDir::new().unwrap();
    let spec = examples(&root)
        .into_iter()
        .find(|s| s.ends_with("hmo-inspections/study.json"))
        .unwrap();
    let out = root.path().join("out");
    evident()
        .arg("run")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let report = read_json(&out.join("report.json"));
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));
    (printed_schema("report"), report)
}

#[test]
fn the_checker_refuses_an_undocumented_key_at_any_depth_and_a_missing_required_one() {
    let (schema, report) = an_example_report();
    assert!(problems(&schema, &report).is_empty());

    let mut top = report.clone();
    top["extra"] = Value::from(1);
    assert_eq!(
        problems(&schema, &top),
        ["$.extra: property not in the schema"]
    );

    let mut deep = report.clone();
    deep["findings"][0]["certainty"]["surprise"] = Value::from("x");
    let found = problems(&schema, &deep);
    assert!(
        found
            .iter()
            .any(|p| p.contains("$.findings[0].certainty.surprise")),
        "{found:?}"
    );

    let mut missing = report.clone();
    missing["engine"].as_object_mut().unwrap().remove("version");
    assert_eq!(
        problems(&schema, &missing),
        ["$.engine: required property `version` is missing"]
    );

    let mut wrong_type = report.clone();
    wrong_type["schema_version"] = Value::from("1");
    assert!(!problems(&schema, &wrong_type).is_empty());
}

#[test]
fn a_non_finite_number_written_as_null_fits_but_a_null_integer_does_not() {
    let (schema, report) = an_example_report();
    let mut nulled = report.clone();
    nulled["findings"][0]["difference"] = Value::Null;
    assert!(
        problems(&schema, &nulled).is_empty(),
        "{:?}",
        problems(&schema, &nulled)
    );
    let mut null_version = report;
    null_version["schema_version"] = Value::Null;
    assert!(!problems(&schema, &null_version).is_empty());
}
