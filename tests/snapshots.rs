//! Snapshot tests of every example's report (insta): the Markdown a reader sees and
//! the JSON a CI job diffs, pinned byte for byte. A change to either shows up as a
//! snapshot diff to review like code (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test --test snapshots` and read `git diff`).
//!
//! Each example runs from a copy in a temporary folder (the assign stage writes
//! beside the spec); the folder's path is replaced by `[root]` so the snapshots do
//! not depend on where the test ran.

mod examples_support;

use examples_support::copy_dir;
use std::path::PathBuf;

use assert_cmd::Command;
use tempfile::TempDir;

/// Runs `specs/<example>/<spec>` and returns the report's Markdown and JSON (the
/// protocol report's when the outcome data do not exist yet), paths normalised.
fn report(example: &str, spec: &str) -> (String, String) {
    let root = TempDir::new().unwrap();
    let folder = root.path().join("specs").join(example);
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("specs")
            .join(example),
        &folder,
    );
    let out = root.path().join("out");
    Command::cargo_bin("evident")
        .unwrap()
        .arg("run")
        .arg(folder.join(spec))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stem = if out.join("report.md").exists() {
        "report"
    } else {
        "protocol"
    };
    let root_text = root.path().to_string_lossy().into_owned();
    let read = |name: String| {
        std::fs::read_to_string(out.join(name))
            .unwrap()
            .replace(&root_text, "[root]")
    };
    (read(format!("{stem}.md")), read(format!("{stem}.json")))
}

macro_rules! example_snapshot {
    ($test:ident, $example:literal, $spec:literal) => {
        #[test]
        fn $test() {
            let (markdown, json) = report($example, $spec);
            insta::assert_snapshot!(concat!(stringify!($test), "_md"), markdown);
            insta::assert_snapshot!(concat!(stringify!($test), "_json"), json);
        }
    };
}

example_snapshot!(hmo_inspections, "hmo-inspections", "study.json");
example_snapshot!(ambulance_standby, "ambulance-standby", "study.json");
example_snapshot!(hmo_inspections_rd, "hmo-inspections-rd", "study.json");
example_snapshot!(fire_policy_synth, "fire-policy-synth", "study.json");
example_snapshot!(ambulance_standby_its, "ambulance-standby-its", "study.json");
example_snapshot!(council_programme_did, "council-programme-did", "study.json");
example_snapshot!(neet_early_warning, "neet-early-warning", "study.json");
example_snapshot!(
    neet_matched_elsewhere,
    "neet-early-warning",
    "matched-elsewhere.json"
);
example_snapshot!(fire_safety_visits_study, "fire-safety-visits", "study.json");
example_snapshot!(
    fire_safety_visits_results,
    "fire-safety-visits",
    "results.json"
);
example_snapshot!(
    fire_safety_visits_protocol,
    "fire-safety-visits",
    "protocol.json"
);
example_snapshot!(ward_falls_alert, "ward-falls-alert", "study.json");
example_snapshot!(programme_rollout, "programme-rollout", "study.json");
example_snapshot!(stepped_wedge_falls, "stepped-wedge-falls", "study.json");
