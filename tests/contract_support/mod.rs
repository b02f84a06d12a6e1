//! Checks a command's `--json` output against the one result schema: the output
//! deserialises into the documented type (unknown fields refused), serialises back to
//! exactly the same JSON (so nothing is missing or reshaped), and has exactly the
//! properties that `evident schema --output <command>` lists, at every level
//! ([`problems`], the one schema checker every contract test uses).

use assert_cmd::Command;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

/// Runs `evident ARGS --json` in the repository root; returns the typed output and the
/// raw JSON after checking one against the other and against the printed schema.
#[allow(dead_code)]
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
    assert_fits(&schema, &raw, &format!("{args:?}"));
    assert_eq!(raw["schema_version"], 2);
    (typed, raw)
}

/// The schema printed by `evident schema --output <target>`.
#[allow(dead_code)]
pub fn printed_schema(target: &str) -> Value {
    let printed = evident()
        .args(["schema", "--output", target])
        .output()
        .unwrap();
    assert!(printed.status.success(), "schema --output {target}");
    serde_json::from_slice(&printed.stdout).unwrap()
}

/// Fails the test, listing every place where `document` departs from `schema`.
pub fn assert_fits(schema: &Value, document: &Value, what: &str) {
    let found = problems(schema, document);
    assert!(
        found.is_empty(),
        "{what}: the document does not fit its schema:\n{}",
        found.join("\n")
    );
}

/// Where `document` departs from `schema` (JSON Schema as schemars writes it: `$ref`
/// into `$defs`, `anyOf`/`oneOf`, `allOf`, `type`, `enum`, `const`, `properties`,
/// `required`, `additionalProperties`, `items`, `prefixItems`). Stricter than JSON
/// Schema on one point, on purpose: an object whose schema lists `properties` may have
/// no other property unless `additionalProperties` gives a schema for them, so a key
/// the schema does not document is an error at any depth.
pub fn problems(schema: &Value, document: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(schema, schema, document, "$", &mut found);
    found
}

fn check(root: &Value, schema: &Value, doc: &Value, at: &str, found: &mut Vec<String>) {
    let schema = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => return found.push(format!("{at}: nothing is allowed here")),
        Value::Object(map) => map,
        other => return found.push(format!("{at}: schema is not an object: {other}")),
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference
            .strip_prefix("#/")
            .map(|pointer| root.pointer(&format!("/{pointer}")))
            .unwrap_or_else(|| panic!("{at}: only local references are supported: {reference}"))
            .unwrap_or_else(|| panic!("{at}: dangling reference {reference}"));
        check(root, target, doc, at, found);
    }
    for alternatives in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(alternatives).and_then(Value::as_array) {
            let mut best: Option<Vec<String>> = None;
            for branch in branches {
                let mut branch_found = Vec::new();
                check(root, branch, doc, at, &mut branch_found);
                if branch_found.is_empty() {
                    best = None;
                    break;
                }
                if best.as_ref().is_none_or(|b| branch_found.len() < b.len()) {
                    best = Some(branch_found);
                }
            }
            if let Some(closest) = best {
                found.push(format!(
                    "{at}: fits none of the {alternatives} branches; the closest:"
                ));
                found.extend(closest);
            }
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for branch in all {
            check(root, branch, doc, at, found);
        }
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let fits = |t: &str| match (t, doc) {
            ("null", Value::Null) | ("boolean", Value::Bool(_)) => true,
            ("string", Value::String(_)) | ("array", Value::Array(_)) => true,
            ("object", Value::Object(_)) | ("number", Value::Number(_)) => true,
            ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
            _ => false,
        };
        if !allowed.iter().any(|t| fits(t)) {
            found.push(format!("{at}: {doc} is not of type {types}"));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(doc)
    {
        found.push(format!("{at}: {doc} is not one of {values:?}"));
    }
    if let Some(value) = schema.get("const")
        && value != doc
    {
        found.push(format!("{at}: {doc} is not {value}"));
    }
    if let Value::Object(fields) = doc {
        let listed = schema.get("properties").and_then(Value::as_object);
        let others = schema.get("additionalProperties");
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    found.push(format!("{at}: required property `{name}` is missing"));
                }
            }
        }
        for (name, value) in fields {
            let here = format!("{at}.{name}");
            match (listed.and_then(|l| l.get(name)), others) {
                (Some(property), _) => check(root, property, value, &here, found),
                (None, Some(extra @ Value::Object(_))) => check(root, extra, value, &here, found),
                (None, Some(Value::Bool(true))) => {}
                (None, None) if listed.is_none() => {}
                (None, _) => found.push(format!("{here}: property not in the schema")),
            }
        }
    }
    if let Value::Array(items) = doc {
        let leading = schema.get("prefixItems").and_then(Value::as_array);
        for (i, item) in items.iter().enumerate() {
            let here = format!("{at}[{i}]");
            match leading.and_then(|l| l.get(i)) {
                Some(positional) => check(root, positional, item, &here, found),
                None => {
                    if let Some(every) = schema.get("items") {
                        check(root, every, item, &here, found);
                    }
                }
            }
        }
    }
}
