//! `evident diff OLD.json NEW.json`: two JSON outputs of the engine (report.json,
//! plan.json, manifest.json, any `--json` output) compared number by number, for
//! teams who regression-test their own routines, or a new engine version, against a
//! report they trust. Goes in: two parsed documents and [`DiffOptions`]; comes out: a
//! [`DiffOutput`] listing every difference beyond tolerance with its RFC 6901 JSON
//! pointer, the old and the new value.
//!
//! # Rules
//! - **Numbers** differ when |old − new| > atol + rtol·|old|: the old document is the
//!   reference, as in `numpy.isclose(new, old, rtol, atol)`. Defaults rtol = 1e-9,
//!   atol = 0. Integers (counts) are compared the same way, so any change of a count
//!   is drift at these defaults.
//! - **Strings and booleans** differ when they are not equal; a value that changes
//!   type (a number that became `null`, an infinite limit written `"Inf"`) is a type
//!   change; a key or array element present in one document only is added or removed
//!   (its whole value is shown).
//! - **Objects** are matched by key. **Arrays** are matched by index, except an array
//!   whose elements are all objects carrying a distinct string under one identifying
//!   key ([`IDENTIFYING_KEYS`], the first that works in both documents): those are
//!   matched by that key, so an outcome or criterion inserted in the middle is one
//!   added element, not a shift of every later one. The pointer then names the element
//!   in the new document, with `old_path` when it sat elsewhere in the old one; a change
//!   of order alone is not a difference.
//! - **Volatile fields** ([`VOLATILE`]: the engine version, the spec path and the
//!   command line as typed, files written) are ignored unless `--strict`; `--ignore
//!   PATTERN` ignores more (a pointer pattern: `*` is any one segment or part of one,
//!   `**` any number of segments; a pattern ignores the subtree below what it matches).
//! - **Versions**: both documents must be the same kind at a version this engine reads
//!   (report schema, result schema, manifest, matched manifest); documents without a
//!   version (`analyse --json`, `plan --json`, `assign --json`) are compared as they are.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// rtol when `--rtol` is not given: a difference in the tenth significant figure.
pub const DEFAULT_RTOL: f64 = 1e-9;

/// Fields ignored unless `--strict`, with the reason each is volatile.
pub const VOLATILE: &[(&str, &str)] = &[
    (
        "/engine/version",
        "the engine version (a new version is what a regression test compares)",
    ),
    (
        "/reproducibility/engine_version",
        "the engine version, repeated in the reproducibility record",
    ),
    (
        "/reproducibility/spec",
        "the spec's path as typed on the command line",
    ),
    ("/reproducibility/command", "the command line as typed"),
    (
        "/engine_version",
        "the engine version (manifest.json, assign --json)",
    ),
    (
        "/manifest/engine_version",
        "the engine version (assign --json)",
    ),
    (
        "/files",
        "paths of the files written (assign --json, synthesise)",
    ),
    ("/matched_csv", "the path of matched.csv (match --json)"),
    ("/studies/*/path", "paths of the report files synthesised"),
];

/// Keys that identify the elements of an array of objects, tried in this order.
pub const IDENTIFYING_KEYS: &[&str] = &["id", "key", "name", "term", "outcome", "arm", "study"];

/// What `evident diff` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffOptions {
    pub rtol: f64,
    pub atol: f64,
    /// Extra pointer patterns to ignore (`--ignore`).
    pub ignore: Vec<String>,
    /// Compare the volatile fields too.
    pub strict: bool,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            rtol: DEFAULT_RTOL,
            atol: 0.0,
            ignore: Vec::new(),
            strict: false,
        }
    }
}

/// Why `evident diff` refuses its input.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: not JSON: {message}", path.display())]
    NotJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: `{field}` is {found}, which this engine does not read (it reads {known})", path.display())]
    UnknownVersion {
        path: PathBuf,
        field: &'static str,
        found: String,
        known: String,
    },
    #[error(
        "the documents are not comparable: {} is {old}, {} is {new}",
        old_path.display(),
        new_path.display()
    )]
    Mismatch {
        old_path: PathBuf,
        new_path: PathBuf,
        old: String,
        new: String,
    },
    #[error("--ignore `{pattern}`: {reason}")]
    BadPattern {
        pattern: String,
        reason: &'static str,
    },
    #[error("--{flag} {value}: a tolerance must be a finite number, 0 or more")]
    BadTolerance { flag: &'static str, value: f64 },
}

impl DiffError {
    /// A next step for the user.
    pub fn hint(&self) -> String {
        match self {
            DiffError::Read { .. } => "check the path; `evident diff` compares two JSON files".into(),
            DiffError::NotJson { .. } => {
                "give the JSON an Evident command wrote (report.json, plan.json, a `--json` output saved to a file)".into()
            }
            DiffError::UnknownVersion { .. } => {
                "compare documents written by this engine version, or re-run the older study with it first".into()
            }
            DiffError::Mismatch { .. } => {
                "compare two documents of the same kind and schema version (two report.json, two `test --json` outputs)".into()
            }
            DiffError::BadPattern { .. } => {
                "write a JSON pointer pattern such as /findings/*/p_value or /reproducibility/** ; `~1` stands for a `/` inside a key".into()
            }
            DiffError::BadTolerance { .. } => "e.g. --rtol 1e-9 --atol 0".into(),
        }
    }
}

/// What changed at one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// Two numbers further apart than the tolerance.
    Number,
    /// Two different strings.
    String,
    /// Two different booleans.
    Boolean,
    /// Values of different JSON types (a number that became `null`).
    Type,
    /// Present in the new document only.
    Added,
    /// Present in the old document only.
    Removed,
}

/// One difference beyond tolerance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Difference {
    /// RFC 6901 pointer into the new document (into the old one for `removed`).
    pub path: String,
    /// Where the element sat in the old document, when an array matched by an
    /// identifying key has it at another index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    pub kind: DifferenceKind,
    /// The old value (absent for `added`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The new value (absent for `removed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// |old − new| (numbers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abs_diff: Option<f64>,
    /// |old − new| / |old| (numbers only; absent when old is 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel_diff: Option<f64>,
}

/// `evident diff OLD NEW --json` (result schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffOutput {
    pub schema_version: u32,
    /// "diff".
    pub command: String,
    /// The two files, as given.
    pub old: String,
    pub new: String,
    /// The kind and version of both documents, e.g. "report schema 1", or
    /// "unversioned".
    pub document: String,
    pub rtol: f64,
    pub atol: f64,
    /// The pointer patterns ignored: the volatile fields (unless `--strict`), then
    /// those of `--ignore`.
    pub ignored: Vec<String>,
    /// Number pairs compared (numbers present in both documents at the same place).
    pub numbers_compared: u64,
    /// Number pairs not exactly equal but within tolerance.
    pub numbers_within_tolerance: u64,
    /// Whether any difference beyond tolerance was found (exit status 1).
    pub drift: bool,
    pub differences: Vec<Difference>,
}

/// The kind and version of a document, as its top-level version field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DocumentKind {
    Report(u64),
    Result(u64),
    Manifest(u64),
    MatchedManifest(u64),
    Unversioned,
}

impl DocumentKind {
    fn label(self) -> String {
        match self {
            DocumentKind::Report(v) => format!("report schema {v}"),
            DocumentKind::Result(v) => format!("result schema {v}"),
            DocumentKind::Manifest(v) => format!("manifest version {v}"),
            DocumentKind::MatchedManifest(v) => format!("matched manifest version {v}"),
            DocumentKind::Unversioned => "unversioned".into(),
        }
    }
}

/// Reads which kind of document `value` is, refusing a version this engine does not
/// write. A document with `command` beside `schema_version` is a result-schema
/// output; one with `schema_version` alone a report model.
fn document_kind(path: &Path, value: &Value) -> Result<DocumentKind, DiffError> {
    let Value::Object(map) = value else {
        return Ok(DocumentKind::Unversioned);
    };
    let schema = if map.contains_key("command") {
        (
            u64::from(crate::stats::tidy::RESULT_SCHEMA_VERSION),
            DocumentKind::Result as fn(u64) -> DocumentKind,
        )
    } else {
        (
            u64::from(crate::report::REPORT_SCHEMA_VERSION),
            DocumentKind::Report as fn(u64) -> DocumentKind,
        )
    };
    let candidates = [
        ("schema_version", schema.0, schema.1),
        (
            "manifest_version",
            u64::from(crate::assign::MANIFEST_VERSION),
            DocumentKind::Manifest,
        ),
        ("matched_manifest_version", 1, DocumentKind::MatchedManifest),
    ];
    for (field, known, kind) in candidates {
        let Some(found) = map.get(field) else {
            continue;
        };
        return match found.as_u64() {
            Some(v) if v == known => Ok(kind(v)),
            _ => Err(DiffError::UnknownVersion {
                path: path.to_path_buf(),
                field,
                found: crate::error::bounded_line(&found.to_string()),
                known: format!("{field} {known}"),
            }),
        };
    }
    Ok(DocumentKind::Unversioned)
}

/// Reads and parses one document.
fn read(path: &Path) -> Result<Value, DiffError> {
    let bytes = std::fs::read(path).map_err(|source| DiffError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let text = e.to_string();
        let message = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(m, _)| m)
            .to_string();
        DiffError::NotJson {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message,
        }
    })
}

/// Compares two files: reads both, checks that they are the same kind and version,
/// and lists the differences.
///
/// # Errors
/// [`DiffError`] for an unreadable file, text that is not JSON, an unknown or
/// mismatched version, a bad `--ignore` pattern or tolerance.
pub fn diff_files(old: &Path, new: &Path, options: &DiffOptions) -> Result<DiffOutput, DiffError> {
    check_options(options)?;
    let old_value = read(old)?;
    let new_value = read(new)?;
    let old_kind = document_kind(old, &old_value)?;
    let new_kind = document_kind(new, &new_value)?;
    if old_kind != new_kind {
        return Err(DiffError::Mismatch {
            old_path: old.to_path_buf(),
            new_path: new.to_path_buf(),
            old: old_kind.label(),
            new: new_kind.label(),
        });
    }
    let mut output = diff_values(&old_value, &new_value, options)?;
    output.old = old.display().to_string();
    output.new = new.display().to_string();
    output.document = old_kind.label();
    Ok(output)
}

fn check_options(options: &DiffOptions) -> Result<(), DiffError> {
    for (flag, value) in [("rtol", options.rtol), ("atol", options.atol)] {
        if !value.is_finite() || value < 0.0 {
            return Err(DiffError::BadTolerance { flag, value });
        }
    }
    Ok(())
}

/// Compares two parsed documents (no version check; `old`, `new` and `document` of the
/// output are left empty for the caller).
///
/// # Errors
/// [`DiffError::BadPattern`], [`DiffError::BadTolerance`].
pub fn diff_values(
    old: &Value,
    new: &Value,
    options: &DiffOptions,
) -> Result<DiffOutput, DiffError> {
    check_options(options)?;
    let mut ignored: Vec<String> = Vec::new();
    if !options.strict {
        ignored.extend(VOLATILE.iter().map(|(p, _)| p.to_string()));
    }
    ignored.extend(options.ignore.iter().cloned());
    let patterns = ignored
        .iter()
        .map(|p| Pattern::parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut walker = Walker {
        rtol: options.rtol,
        atol: options.atol,
        patterns,
        differences: Vec::new(),
        numbers_compared: 0,
        numbers_within_tolerance: 0,
    };
    walker.walk(old, new, &mut Vec::new(), &mut Vec::new());
    Ok(DiffOutput {
        schema_version: crate::stats::tidy::RESULT_SCHEMA_VERSION,
        command: "diff".into(),
        old: String::new(),
        new: String::new(),
        document: String::new(),
        rtol: options.rtol,
        atol: options.atol,
        ignored,
        numbers_compared: walker.numbers_compared,
        numbers_within_tolerance: walker.numbers_within_tolerance,
        drift: !walker.differences.is_empty(),
        differences: walker.differences,
    })
}

/// An ignore pattern: pointer segments, `*` inside a segment for any characters,
/// `**` for any number of segments.
#[derive(Debug, Clone)]
struct Pattern {
    segments: Vec<String>,
}

impl Pattern {
    fn parse(text: &str) -> Result<Pattern, DiffError> {
        let bad = |reason| DiffError::BadPattern {
            pattern: text.to_string(),
            reason,
        };
        let Some(rest) = text.strip_prefix('/') else {
            return Err(bad("a pattern is a JSON pointer and starts with `/`"));
        };
        let segments = rest
            .split('/')
            .map(|s| {
                if s.contains('~') && !valid_escapes(s) {
                    Err(bad("`~` must be followed by 0 (for `~`) or 1 (for `/`)"))
                } else {
                    Ok(s.replace("~1", "/").replace("~0", "~"))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pattern { segments })
    }

    /// Whether the pattern matches the path (a list of unescaped segments).
    fn matches(&self, path: &[String]) -> bool {
        fn go(pattern: &[String], path: &[String]) -> bool {
            match pattern.split_first() {
                None => path.is_empty(),
                Some((first, rest)) if first == "**" => {
                    (0..=path.len()).any(|skip| go(rest, &path[skip..]))
                }
                Some((first, rest)) => match path.split_first() {
                    Some((segment, tail)) => wildcard(first, segment) && go(rest, tail),
                    None => false,
                },
            }
        }
        go(&self.segments, path)
    }
}

fn valid_escapes(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes
        .iter()
        .enumerate()
        .all(|(i, &b)| b != b'~' || matches!(bytes.get(i + 1), Some(b'0' | b'1')))
}

/// `*` matches any run of characters (none included) within one segment.
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// An RFC 6901 pointer from unescaped segments.
fn pointer(segments: &[String]) -> String {
    segments
        .iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

struct Walker {
    rtol: f64,
    atol: f64,
    patterns: Vec<Pattern>,
    differences: Vec<Difference>,
    numbers_compared: u64,
    numbers_within_tolerance: u64,
}

impl Walker {
    fn ignored(&self, path: &[String]) -> bool {
        self.patterns.iter().any(|p| p.matches(path))
    }

    fn push(
        &mut self,
        new_path: &[String],
        old_path: &[String],
        kind: DifferenceKind,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        let (path, old_path) = match kind {
            DifferenceKind::Removed => (pointer(old_path), None),
            _ => {
                let (path, before) = (pointer(new_path), pointer(old_path));
                let moved = (path != before).then_some(before);
                (path, moved)
            }
        };
        self.differences.push(Difference {
            path,
            old_path,
            kind,
            old: old.cloned(),
            new: new.cloned(),
            abs_diff: None,
            rel_diff: None,
        });
    }

    /// Compares `old` (at `old_path`) with `new` (at `new_path`).
    fn walk(
        &mut self,
        old: &Value,
        new: &Value,
        new_path: &mut Vec<String>,
        old_path: &mut Vec<String>,
    ) {
        if self.ignored(new_path) || self.ignored(old_path) {
            return;
        }
        match (old, new) {
            (Value::Number(a), Value::Number(b)) => {
                self.numbers_compared += 1;
                if a == b {
                    return;
                }
                let (x, y) = (
                    a.as_f64().unwrap_or(f64::NAN),
                    b.as_f64().unwrap_or(f64::NAN),
                );
                let gap = (x - y).abs();
                if gap <= self.atol + self.rtol * x.abs() {
                    self.numbers_within_tolerance += 1;
                    return;
                }
                self.push(
                    new_path,
                    old_path,
                    DifferenceKind::Number,
                    Some(old),
                    Some(new),
                );
                let last = self.differences.last_mut().expect("just pushed");
                last.abs_diff = Some(gap);
                last.rel_diff = (x != 0.0).then(|| gap / x.abs());
            }
            (Value::String(a), Value::String(b)) => {
                if a != b {
                    self.push(
                        new_path,
                        old_path,
                        DifferenceKind::String,
                        Some(old),
                        Some(new),
                    );
                }
            }
            (Value::Bool(a), Value::Bool(b)) => {
                if a != b {
                    self.push(
                        new_path,
                        old_path,
                        DifferenceKind::Boolean,
                        Some(old),
                        Some(new),
                    );
                }
            }
            (Value::Null, Value::Null) => {}
            (Value::Object(a), Value::Object(b)) => {
                for (key, old_child) in a {
                    new_path.push(key.clone());
                    old_path.push(key.clone());
                    match b.get(key) {
                        Some(new_child) => self.walk(old_child, new_child, new_path, old_path),
                        None if self.ignored(old_path) => {}
                        None => self.push(
                            new_path,
                            old_path,
                            DifferenceKind::Removed,
                            Some(old_child),
                            None,
                        ),
                    }
                    new_path.pop();
                    old_path.pop();
                }
                for (key, new_child) in b {
                    if a.contains_key(key) {
                        continue;
                    }
                    new_path.push(key.clone());
                    old_path.push(key.clone());
                    if !self.ignored(new_path) {
                        self.push(
                            new_path,
                            old_path,
                            DifferenceKind::Added,
                            None,
                            Some(new_child),
                        );
                    }
                    new_path.pop();
                    old_path.pop();
                }
            }
            (Value::Array(a), Value::Array(b)) => self.walk_array(a, b, new_path, old_path),
            _ => self.push(
                new_path,
                old_path,
                DifferenceKind::Type,
                Some(old),
                Some(new),
            ),
        }
    }

    fn walk_array(
        &mut self,
        a: &[Value],
        b: &[Value],
        new_path: &mut Vec<String>,
        old_path: &mut Vec<String>,
    ) {
        // Pairs (old index, new index), then the unmatched on each side.
        let (pairs, removed, added): (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) =
            match identifying_key(a, b) {
                Some(key) => {
                    let id = |v: &Value| v.get(key).and_then(Value::as_str).map(str::to_string);
                    let new_index: std::collections::BTreeMap<String, usize> = b
                        .iter()
                        .enumerate()
                        .filter_map(|(j, v)| id(v).map(|k| (k, j)))
                        .collect();
                    let mut pairs = Vec::new();
                    let mut removed = Vec::new();
                    let mut matched = vec![false; b.len()];
                    for (i, v) in a.iter().enumerate() {
                        match id(v).and_then(|k| new_index.get(&k).copied()) {
                            Some(j) => {
                                pairs.push((i, j));
                                matched[j] = true;
                            }
                            None => removed.push(i),
                        }
                    }
                    let added = (0..b.len()).filter(|&j| !matched[j]).collect();
                    (pairs, removed, added)
                }
                None => {
                    let common = a.len().min(b.len());
                    (
                        (0..common).map(|i| (i, i)).collect(),
                        (common..a.len()).collect(),
                        (common..b.len()).collect(),
                    )
                }
            };
        for (i, j) in pairs {
            new_path.push(j.to_string());
            old_path.push(i.to_string());
            self.walk(&a[i], &b[j], new_path, old_path);
            new_path.pop();
            old_path.pop();
        }
        for i in removed {
            old_path.push(i.to_string());
            if !self.ignored(old_path) {
                self.push(
                    new_path,
                    old_path,
                    DifferenceKind::Removed,
                    Some(&a[i]),
                    None,
                );
            }
            old_path.pop();
        }
        for j in added {
            new_path.push(j.to_string());
            if !self.ignored(new_path) {
                self.push(new_path, new_path, DifferenceKind::Added, None, Some(&b[j]));
            }
            new_path.pop();
        }
    }
}

/// The first of [`IDENTIFYING_KEYS`] that every element of both arrays carries as a
/// string, distinct within each array.
fn identifying_key(a: &[Value], b: &[Value]) -> Option<&'static str> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let distinct = |items: &[Value], key: &str| {
        let mut seen = std::collections::BTreeSet::new();
        items.iter().all(|v| {
            v.get(key)
                .and_then(Value::as_str)
                .is_some_and(|k| seen.insert(k))
        })
    };
    IDENTIFYING_KEYS
        .iter()
        .copied()
        .find(|key| distinct(a, key) && distinct(b, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(old: &Value, new: &Value, options: &DiffOptions) -> Vec<(String, DifferenceKind)> {
        diff_values(old, new, options)
            .unwrap()
            .differences
            .into_iter()
            .map(|d| (d.path, d.kind))
            .collect()
    }

    #[test]
    fn numbers_differ_beyond_atol_plus_rtol_times_the_old_value() {
        let old = json!({"a": 100.0, "b": 100.0, "c": 0.0, "d": 5});
        let new = json!({"a": 100.0 + 9e-8, "b": 100.0 + 1.1e-7, "c": 1e-300, "d": 6});
        let out = diff_values(&old, &new, &DiffOptions::default()).unwrap();
        let found: Vec<&str> = out.differences.iter().map(|d| d.path.as_str()).collect();
        // |Δa| = 9e-8 ≤ 1e-9·100 = 1e-7; |Δb| = 1.1e-7 > 1e-7; c: rtol·0 = 0 < 1e-300.
        assert_eq!(found, ["/b", "/c", "/d"]);
        assert_eq!(out.numbers_compared, 4);
        assert_eq!(out.numbers_within_tolerance, 1);
        let b = &out.differences[0];
        // 100 + 1.1e-7 is stored to within half an ulp of 100 (7.1e-15).
        assert!((b.abs_diff.unwrap() - 1.1e-7).abs() < 1e-14);
        assert!((b.rel_diff.unwrap() - 1.1e-9).abs() < 1e-16);
        assert_eq!(out.differences[1].rel_diff, None);
        let loose = DiffOptions {
            atol: 1e-299,
            ..DiffOptions::default()
        };
        assert_eq!(paths(&old, &new, &loose).len(), 2);
    }

    #[test]
    fn keys_added_removed_type_and_string_changes_are_listed() {
        let old = json!({"x": {"gone": 1, "s": "a", "t": 1.5, "flag": true}, "list": [1, 2, 3]});
        let new = json!({"x": {"s": "b", "t": null, "flag": false, "new~/key": 2}, "list": [1, 2]});
        assert_eq!(
            paths(&old, &new, &DiffOptions::default()),
            [
                ("/list/2".to_string(), DifferenceKind::Removed),
                ("/x/flag".to_string(), DifferenceKind::Boolean),
                ("/x/gone".to_string(), DifferenceKind::Removed),
                ("/x/s".to_string(), DifferenceKind::String),
                ("/x/t".to_string(), DifferenceKind::Type),
                ("/x/new~0~1key".to_string(), DifferenceKind::Added),
            ]
        );
    }

    #[test]
    fn arrays_of_identified_objects_match_by_key_not_position() {
        let old = json!({"rows": [{"term": "a", "v": 1.0}, {"term": "b", "v": 2.0}]});
        let new = json!({"rows": [{"term": "new", "v": 0.0}, {"term": "a", "v": 1.0}, {"term": "b", "v": 2.5}]});
        let out = diff_values(&old, &new, &DiffOptions::default()).unwrap();
        assert_eq!(out.differences.len(), 2, "{:?}", out.differences);
        assert_eq!(out.differences[0].path, "/rows/2/v");
        assert_eq!(out.differences[0].old_path.as_deref(), Some("/rows/1/v"));
        assert_eq!(out.differences[1].path, "/rows/0");
        assert_eq!(out.differences[1].kind, DifferenceKind::Added);
        // Duplicate identifiers: matched by index instead.
        let old = json!([{"name": "a", "v": 1}, {"name": "a", "v": 2}]);
        let new = json!([{"name": "a", "v": 2}, {"name": "a", "v": 1}]);
        assert_eq!(paths(&old, &new, &DiffOptions::default()).len(), 2);
    }

    #[test]
    fn volatile_fields_are_ignored_unless_strict_and_patterns_glob() {
        let old = json!({"engine": {"version": "0.1.0"}, "findings": [{"p_value": 0.1, "x": 1}], "deep": {"a": {"b": 1}}});
        let new = json!({"engine": {"version": "0.2.0"}, "findings": [{"p_value": 0.2, "x": 2}], "deep": {"a": {"b": 2}}});
        let options = DiffOptions {
            ignore: vec!["/findings/*/p_*".into(), "/deep/**/b".into()],
            ..DiffOptions::default()
        };
        assert_eq!(
            paths(&old, &new, &options),
            [("/findings/0/x".to_string(), DifferenceKind::Number)]
        );
        let strict = DiffOptions {
            strict: true,
            ..DiffOptions::default()
        };
        assert_eq!(paths(&old, &new, &strict).len(), 4);
    }

    #[test]
    fn bad_patterns_and_tolerances_are_refused() {
        let bad = |o: DiffOptions| {
            diff_values(&json!(1), &json!(1), &o)
                .unwrap_err()
                .to_string()
        };
        assert!(
            bad(DiffOptions {
                ignore: vec!["findings".into()],
                ..DiffOptions::default()
            })
            .contains("starts with `/`")
        );
        assert!(
            bad(DiffOptions {
                ignore: vec!["/a~2".into()],
                ..DiffOptions::default()
            })
            .contains("`~` must be followed")
        );
        assert!(
            bad(DiffOptions {
                rtol: -1.0,
                ..DiffOptions::default()
            })
            .contains("--rtol -1")
        );
        assert!(
            bad(DiffOptions {
                atol: f64::NAN,
                ..DiffOptions::default()
            })
            .contains("--atol NaN")
        );
    }

    #[test]
    fn wildcards_stay_within_one_segment() {
        assert!(wildcard("p_*", "p_value"));
        assert!(wildcard("*_high", "conf_high"));
        assert!(wildcard("a*b*c", "aXbYc"));
        assert!(!wildcard("a*b*c", "aXcYb"));
        assert!(!wildcard("ab*ba", "aba"));
        let p = Pattern::parse("/a/*").unwrap();
        assert!(p.matches(&["a".into(), "x".into()]));
        assert!(!p.matches(&["a".into(), "x".into(), "y".into()]));
    }
}
