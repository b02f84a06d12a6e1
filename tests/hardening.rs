//! Issue 15's hardening, through the binary as a user meets it: bounded error
//! messages, values at the edge of a double refused with their row, constant
//! covariates named, a closed pipe ending quietly, tidy printed paths, temporaries of
//! a killed run removed, a manifest never silently re-hashed, and the power solver's
//! unit limit and wrong-sign effects.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// A study spec with an assign stage, `extra` merged into `design`.
fn assign_spec(units: &str, report_dir: &str, arms: serde_json::Value) -> String {
    let spec = serde_json::json!({
        "evident": 1,
        "title": "Hardening probe",
        "statement": {
            "problem": "Our problem is that probes need a study.",
            "action": "We would randomise.",
            "data_product": "If we could see a list,",
            "datasets": ["units"]
        },
        "design": {
            "kind": "rct",
            "units": {"file": units, "id": "id"},
            "arms": arms,
            "control": "control",
            "assignment": {"method": "complete", "seed": 7, "covariates": ["x"]}
        },
        "outcomes": [{"name": "y", "label": "Y", "type": "binary", "role": "primary"}],
        "report": {"dir": report_dir, "formats": ["json"]}
    });
    serde_json::to_string_pretty(&spec).unwrap()
}

fn two_arms() -> serde_json::Value {
    serde_json::json!([{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}])
}

fn units(rows: usize, x: impl Fn(usize) -> String) -> String {
    let mut text = String::from("id,x\n");
    for i in 0..rows {
        text.push_str(&format!("u{i},{}\n", x(i)));
    }
    text
}

/// `specs/s/study.json` and its units file under a fresh directory; the report
/// directory is `../../reports/s` as the example specs write it.
fn nested_study(units_text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let spec_dir = dir.path().join("specs/s");
    std::fs::create_dir_all(&spec_dir).unwrap();
    std::fs::write(spec_dir.join("units.csv"), units_text).unwrap();
    std::fs::write(
        spec_dir.join("study.json"),
        assign_spec("units.csv", "../../reports/s", two_arms()),
    )
    .unwrap();
    (dir, PathBuf::from("specs/s/study.json"))
}

fn assign_in(dir: &Path, spec: &Path) -> assert_cmd::assert::Assert {
    evident().current_dir(dir).arg("assign").arg(spec).assert()
}

#[test]
fn ten_thousand_arms_are_not_all_listed() {
    let dir = tempfile::tempdir().unwrap();
    let arms: Vec<serde_json::Value> = (0..10_000)
        .map(|i| serde_json::json!({"name": format!("a{i}"), "share": 1e-4}))
        .collect();
    std::fs::write(dir.path().join("u.csv"), units(4, |i| i.to_string())).unwrap();
    let spec = assign_spec("u.csv", "out", serde_json::Value::Array(arms));
    let spec = spec.replace("\"control\": \"control\"", "\"control\": \"zz\"");
    let path = dir.path().join("study.json");
    std::fs::write(&path, spec).unwrap();
    let assert = evident().arg("check").arg(&path).assert().code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.len() < 2_000, "{} characters", stderr.len());
    assert!(
        stderr.contains("is not one of the arms `a0`, `a1`,") && stderr.contains("(9988 more)"),
        "{stderr}"
    );
}

#[test]
fn a_one_mebibyte_cell_is_quoted_by_its_first_characters() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    std::fs::write(&csv, format!("x\n{}\n2\n", "y".repeat(1 << 20))).unwrap();
    let assert = evident()
        .args(["test", "t", "--column", "x", "--data"])
        .arg(&csv)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.len() < 1_000, "{} characters", stderr.len());
    assert!(
        stderr.contains(&format!(
            "`{}… (1048516 more characters)` is not a number",
            "y".repeat(60)
        )),
        "{stderr}"
    );
}

#[test]
fn minus_1e308_is_quoted_as_written_not_as_309_digits() {
    let assert = evident()
        .args(["power", "t", "--n1=-1e308", "--n2", "10", "--d", "0.2"])
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("got -1e308"), "{stderr}");
    assert!(stderr.len() < 400, "{stderr}");
    // An effect at the limit of a double is refused as an effect, not as an
    // infinite non-centrality.
    evident()
        .args(["power", "t", "--d=-1e308", "--power", "0.8"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: d must be at most 1e6 standard deviations in size, got -1e308",
        ));
    evident()
        .args([
            "power",
            "cluster",
            "--effect=1e308",
            "--cluster-size",
            "20",
            "--icc",
            "0.1",
            "--power",
            "0.8",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: effect must be at most 1e6 standard deviations in size (an effect in SD units), got 1e308",
        ));
}

#[test]
fn near_limit_covariates_are_refused_by_the_assign_stage_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("u.csv"),
        units(20, |i| {
            if i == 3 {
                "-1e308".into()
            } else {
                i.to_string()
            }
        }),
    )
    .unwrap();
    let path = dir.path().join("study.json");
    std::fs::write(&path, assign_spec("u.csv", "out", two_arms())).unwrap();
    let assert = evident().arg("assign").arg(&path).assert().code(2);
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains("u.csv:5: column `x`: `-1e308` is outside the range"),
        "{stderr}"
    );
    assert!(!dir.path().join("out/manifest.json").exists());
}

#[test]
fn near_limit_csv_columns_are_refused_by_test_and_regress() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("d.csv");
    std::fs::write(&csv, "y,x\n1,1\n2,-1e308\n3,2\n4,5\n").unwrap();
    let assert = evident()
        .args(["test", "t", "--column", "x", "--data"])
        .arg(&csv)
        .assert()
        .code(2);
    assert!(stderr_of(&assert).contains("d.csv:3: column `x`: `-1e308`"));
    let assert = evident()
        .args(["regress", "--outcome", "y", "--covariates", "x", "--data"])
        .arg(&csv)
        .assert()
        .code(2);
    assert!(stderr_of(&assert).contains("d.csv:3: column `x`: `-1e308`"));
}

#[test]
fn a_constant_covariate_is_named_as_constant() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("d.csv");
    std::fs::write(&csv, "y,x,c\n1,1,5\n2,4,5\n3,2,5\n4,5,5\n1,3,5\n").unwrap();
    evident()
        .args(["regress", "--outcome", "y", "--covariates", "x,c", "--data"])
        .arg(&csv)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: c is constant (every value is 5)",
        ))
        .stderr(predicate::str::contains("collinear").not());
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_every_printing_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    for args in [
        vec!["schema"],
        vec!["power", "t", "--n", "50", "--d", "0.3"],
        vec!["test", "t", "--x", "1,2,3,4"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("evident"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Closing the reading end before the command prints is `| head -0`.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        // Killed by SIGPIPE, as `cat` or `grep` would be; exit 0 when the print won
        // the race (a test spawning a process elsewhere briefly holds the pipe).
        assert!(
            output.status.signal() == Some(SIGPIPE) || output.status.success(),
            "{args:?}: {:?}",
            output.status
        );
    }
}

#[cfg(unix)]
const SIGPIPE: i32 = 13;

#[test]
fn printed_paths_are_tidy() {
    let (dir, spec) = nested_study(&units(20, |i| i.to_string()));
    assign_in(dir.path(), &spec)
        .success()
        .stdout(predicate::str::contains("wrote reports/s/assignments.csv"))
        .stdout(predicate::str::contains("wrote reports/s/manifest.json"))
        .stdout(predicate::str::contains("..").not());
    evident()
        .current_dir(dir.path())
        .arg("run")
        .arg(&spec)
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote reports/s/report.json"))
        .stdout(predicate::str::contains("..").not());
}

#[test]
fn temporaries_of_a_killed_run_are_removed_by_the_next_run() {
    let (dir, spec) = nested_study(&units(20, |i| i.to_string()));
    let reports = dir.path().join("reports/s");
    std::fs::create_dir_all(&reports).unwrap();
    // A process id above Linux's largest (2^22) belongs to no running process.
    let dead = reports.join(".assignments.csv.4194305.tmp");
    let dead_report = reports.join(".protocol.json.4194306.tmp");
    // This test's own process is alive: its temporary is another run's, kept.
    let alive = reports.join(format!(".protocol.json.{}.tmp", std::process::id()));
    let unrelated = reports.join("notes.tmp");
    for file in [&dead, &dead_report, &alive, &unrelated] {
        std::fs::write(file, "partial").unwrap();
    }
    evident()
        .current_dir(dir.path())
        .arg("run")
        .arg(&spec)
        .assert()
        .success();
    assert!(!dead.exists() && !dead_report.exists());
    assert!(alive.exists() && unrelated.exists());
}

#[test]
fn a_plain_assign_never_rehashes_a_changed_units_file() {
    let (dir, spec) = nested_study(&units(20, |i| i.to_string()));
    assign_in(dir.path(), &spec).success();
    let manifest = dir.path().join("reports/s/manifest.json");
    let before = std::fs::read(&manifest).unwrap();
    // Same ids and covariate, one more column: the allocation drawn is the same.
    let units_path = dir.path().join("specs/s/units.csv");
    let changed: String = std::fs::read_to_string(&units_path)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                format!("{line},note\n")
            } else {
                format!("{line},n\n")
            }
        })
        .collect();
    std::fs::write(&units_path, changed).unwrap();
    let assert = assign_in(dir.path(), &spec).failure();
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains("reports/s/manifest.json records different inputs")
            && stderr.contains("units_sha256: recorded "),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read(&manifest).unwrap(), before);
    evident()
        .current_dir(dir.path())
        .args(["assign", "--verify"])
        .arg(&spec)
        .assert()
        .failure()
        .stdout(predicate::str::contains("FAIL units file SHA-256"));
    evident()
        .current_dir(dir.path())
        .args(["run"])
        .arg(&spec)
        .assert()
        .failure()
        .stderr(predicate::str::contains("records different inputs"));
    evident()
        .current_dir(dir.path())
        .args(["assign", "--force"])
        .arg(&spec)
        .assert()
        .success();
    assert_ne!(std::fs::read(&manifest).unwrap(), before);
}

#[test]
fn the_unit_limit_applies_to_the_total_a_solve_implies() {
    evident()
        .args([
            "power",
            "cluster",
            "--clusters",
            "1e6",
            "--cluster-size",
            "1e6",
            "--icc",
            "0.1",
            "--effect",
            "0.2",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the design implies 1000000000000 units in total (clusters × cluster size, both arms), more than the 1e9",
        ));
    evident()
        .args(["power", "t", "--n", "1e308", "--d", "0.2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("more than the 1e9"))
        .stderr(predicate::str::contains("panicked").not());
    evident()
        .args(["power", "t", "--n1", "6e8", "--n2", "6e8", "--d", "0.2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the design implies 1200000000 units in total",
        ));
}

#[test]
fn a_wrong_sign_effect_is_named_when_solving_for_power_or_alpha() {
    let named = "the effect is not in the direction of the one-sided alternative (less)";
    for args in [
        vec![
            "power",
            "t",
            "--n",
            "50",
            "--d",
            "0.3",
            "--alternative",
            "less",
        ],
        vec![
            "power",
            "t",
            "--n",
            "50",
            "--d",
            "0.3",
            "--power",
            "0.8",
            "--alternative",
            "less",
        ],
        vec![
            "power",
            "prop",
            "--n",
            "100",
            "--p1",
            "0.2",
            "--p2",
            "0.3",
            "--alternative",
            "less",
        ],
    ] {
        evident()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(named));
    }
    // The sign that agrees with the alternative still answers.
    evident()
        .args([
            "power",
            "t",
            "--n",
            "50",
            "--d=-0.3",
            "--alternative",
            "less",
        ])
        .assert()
        .success();
}

#[test]
fn bad_inputs_give_their_expected_messages() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs");
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("cases.json")).unwrap()).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let mut command = evident();
        command.current_dir(&folder);
        match case["run"].as_str().unwrap() {
            "check" => command.args(["check", file]),
            "csv" => command.args(["test", "t", "--column", "x", "--data", file]),
            other => panic!("unknown run {other}"),
        };
        let output = command.output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        let code = output.status.code();
        let expected_code = case["code"].as_i64().map(|c| c as i32);
        let expect = case["expect"].as_str().unwrap();
        let shown = if expected_code == Some(0) {
            &stdout
        } else {
            &stderr
        };
        if code != expected_code
            || !shown.contains(expect)
            || stderr.contains("panicked")
            || stderr.len() > 2_000
        {
            failures.push(format!(
                "{file}: exit {code:?} (expected {expected_code:?}); stderr: {}",
                &stderr.chars().take(400).collect::<String>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// tests/reference/ri/blocked12 with sampled (not enumerated) re-draws.
fn sampled_ri_study(draws: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/ri/blocked12");
    for file in ["units.csv", "outcomes.csv"] {
        std::fs::copy(source.join(file), dir.path().join(file)).unwrap();
    }
    let mut spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(source.join("study.json")).unwrap()).unwrap();
    spec["analysis"]["randomisation_inference"] =
        serde_json::json!({"draws": draws, "exact_limit": 0});
    spec["report"]["formats"] = serde_json::json!(["json"]);
    std::fs::write(dir.path().join("study.json"), spec.to_string()).unwrap();
    dir
}

#[test]
fn progress_off_a_terminal_is_on_stderr_only_with_the_flag() {
    let study = sampled_ri_study(2_000);
    let spec = study.path().join("study.json");
    evident()
        .arg("run")
        .arg(&spec)
        .assert()
        .success()
        .stderr(predicate::str::contains("progress").not());
    let quiet = evident().arg("analyse").arg(&spec).assert().success();
    assert!(!stderr_of(&quiet).contains("progress"));
    let with_flag = evident()
        .args(["analyse", "--progress"])
        .arg(&spec)
        .assert()
        .success();
    let stderr = stderr_of(&with_flag);
    let stdout = String::from_utf8_lossy(&with_flag.get_output().stdout).into_owned();
    assert!(
        stderr.starts_with("progress: randomisation inference: 0 of 2,000 (0%)\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("progress: randomisation inference: 2,000 of 2,000 (100%) after "),
        "{stderr}"
    );
    // Rate-limited: a quick run prints the first and the last line only.
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(!stdout.contains("progress"), "{stdout}");
    // The results printed are those of the run without the flag.
    assert_eq!(stdout.as_bytes(), quiet.get_output().stdout.as_slice());
    evident()
        .args(["analyse", "--progress", "--quiet"])
        .arg(&spec)
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}
