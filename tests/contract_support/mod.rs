//! Checks a command's `--json` output against the one result schema: the output
//! deserialises into the documented type (unknown fields refused), serialises back to
//! exactly the same JSON (so nothing is missing or reshaped), and has exactly the
//! properties that `evident schema --output <command>` lists.

use assert_cmd::Command;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

/// Runs `evident ARGS --json` in the repository root; returns the typed output and the
/// raw JSON after checking one against the other and against the printed schema.
pub fn run<T: Serialize + DeserializeOwned>(schema: &str, args: &[&str]) -> (T, Value) {
    let output = evident()
        .args(args)
        .arg("--json")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let raw: Value = serde_json::from_slice(&output.stdout).unwrap();
    let typed: T = serde_json::from_value(raw.clone())
        .unwrap_or_else(|e| panic!("{args:?}: output does not fit the schema: {e}\n{raw:#}"));
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        raw,
        "{args:?}: output does not round-trip through its schema type"
    );
    let printed = evident()
        .args(["schema", "--output", schema])
        .output()
        .unwrap();
    assert!(printed.status.success());
    let schema: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let mut listed: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    let mut present: Vec<&String> = raw.as_object().unwrap().keys().collect();
    listed.sort();
    present.sort();
    assert_eq!(
        present, listed,
        "{args:?}: properties differ from the schema"
    );
    assert_eq!(raw["schema_version"], 2);
    (typed, raw)
}
