//! Reading a spec file: bytes to text to `Spec`, with every error located by file,
//! JSON path and line:column, and unknown keys or values answered with a did-you-mean.

use std::path::{Path, PathBuf};

use super::locate::{Position, PositionIndex};
use super::{SPEC_VERSION, Spec};
use crate::error::SpecError;

/// A parsed spec together with where it came from.
#[derive(Debug, Clone)]
pub struct SpecFile {
    pub spec: Spec,
    /// The spec file's path as given.
    pub path: PathBuf,
    /// Directory that relative paths inside the spec are resolved against.
    pub base_dir: PathBuf,
    /// The exact text read, for hashing and re-locating errors.
    pub text: String,
    pub positions: PositionIndex,
}

impl SpecFile {
    /// Resolves a path written in the spec relative to the spec file's directory,
    /// tidied so that messages read `reports/x`, not `specs/x/../../reports/x`.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        tidy_path(&self.base_dir.join(relative))
    }
}

/// `path` with `.` components dropped and each `..` cancelling the directory before
/// it, without touching the file system (so it works for paths not created yet).
/// A `..` at the start, or after the root, is kept: `../x/../../r` is `../../r`.
pub fn tidy_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(component),
            },
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return PathBuf::from(".");
    }
    parts.iter().collect()
}

/// Reads and parses a spec file.
pub fn load_spec(path: &Path) -> Result<SpecFile, SpecError> {
    let bytes = std::fs::read(path).map_err(|source| SpecError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = String::from_utf8_lossy(valid);
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        SpecError::NotUtf8 {
            path: path.to_path_buf(),
            position: Position { line, column },
        }
    })?;
    let spec = parse_spec(&text, path)?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let positions = PositionIndex::new(&text);
    Ok(SpecFile {
        spec,
        path: path.to_path_buf(),
        base_dir,
        text,
        positions,
    })
}

/// Parses spec text; `path` is used only in error messages.
pub fn parse_spec(text: &str, path: &Path) -> Result<Spec, SpecError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Check syntax and the version first, so that a spec written for another version
    // gets a version error rather than a list of unknown keys.
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| SpecError::Syntax {
        path: path.to_path_buf(),
        position: Position {
            line: e.line(),
            column: e.column(),
        },
        message: strip_location(&e.to_string()),
    })?;
    let positions = PositionIndex::new(text);
    match value.get("evident") {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(SPEC_VERSION)) => {}
        Some(other) => {
            return Err(SpecError::Invalid {
                path: path.to_path_buf(),
                json_path: "evident".into(),
                position: positions.find("evident"),
                message: format!(
                    "spec version {other} is not supported; this engine reads version {SPEC_VERSION}"
                ),
            });
        }
        None => {
            return Err(SpecError::Invalid {
                path: path.to_path_buf(),
                json_path: String::new(),
                position: positions.find(""),
                message: format!(
                    "missing the version key: add \"evident\": {SPEC_VERSION} at the top"
                ),
            });
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, Spec>(&mut deserializer).map_err(|e| {
        let json_path = clean_path(&e.path().to_string());
        let inner = e.into_inner();
        let message = strip_location(&inner.to_string());
        let serde_position = Position {
            line: inner.line(),
            column: inner.column(),
        };
        if let Some((key, expected)) = parse_unknown(&message, "unknown field") {
            let key_path = if json_path.is_empty() {
                key.clone()
            } else {
                format!("{json_path}.{key}")
            };
            let json_path = if json_path.ends_with(&key) {
                json_path
            } else {
                key_path
            };
            return SpecError::UnknownKey {
                path: path.to_path_buf(),
                position: positions.find(&json_path).or(Some(serde_position)),
                json_path,
                suggestion: did_you_mean(&key, &expected),
                key,
                expected,
            };
        }
        if let Some((value, expected)) = parse_unknown(&message, "unknown variant") {
            let suggestion = did_you_mean(&value, &expected);
            let mut message = format!("`{value}` is not one of {}", quote_list(&expected));
            if let Some(s) = &suggestion {
                message.push_str(&format!("; did you mean `{s}`?"));
            }
            return SpecError::Invalid {
                path: path.to_path_buf(),
                position: positions.find(&json_path).or(Some(serde_position)),
                json_path,
                message,
            };
        }
        let position = if message.starts_with("missing field") {
            positions.find(&json_path)
        } else {
            Some(serde_position)
        };
        SpecError::Invalid {
            path: path.to_path_buf(),
            json_path,
            position,
            message: humanise(&message),
        }
    })
}

/// serde_path_to_error writes `?` for positions it cannot name and a leading `.`
/// for the root; neither helps a reader.
fn clean_path(raw: &str) -> String {
    let cleaned = raw.trim_start_matches('.');
    if cleaned == "?" {
        String::new()
    } else {
        cleaned.to_string()
    }
}

fn strip_location(message: &str) -> String {
    match message.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => message.to_string(),
    }
}

fn humanise(message: &str) -> String {
    message
        .replace("invalid type: ", "wrong type: ")
        .replace("expected f64", "expected a number")
        .replace("expected u32", "expected a whole number")
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" (also "expected `a` or `b`",
/// "there are no fields") into the offending name and the accepted names.
fn parse_unknown(message: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(prefix)?.trim_start();
    let mut parts = rest.split('`');
    parts.next()?;
    let name = parts.next()?.to_string();
    let expected: Vec<String> = parts.skip(1).step_by(2).map(str::to_string).collect();
    Some((name, expected))
}

/// The closest accepted name, if it is close enough to be a plausible typo.
pub fn did_you_mean(given: &str, candidates: &[String]) -> Option<String> {
    candidates
        .iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&given.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.clone())
}

/// Items quoted and listed, at most `crate::error::LISTED` of them (a spec with
/// 10,000 arms gets the first few and a count, not 130,000 characters).
pub(crate) fn quote_list(items: &[String]) -> String {
    let listed = crate::error::LISTED;
    let mut text = items
        .iter()
        .take(listed)
        .map(|i| format!("`{}`", crate::error::excerpt(i)))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > listed {
        text.push_str(&format!(", … ({} more)", items.len() - listed));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_paths_cancel_parent_directories_lexically() {
        let tidy = |p: &str| tidy_path(Path::new(p)).display().to_string();
        assert_eq!(
            tidy("specs/hmo-inspections/../../reports/hmo-inspections"),
            "reports/hmo-inspections"
        );
        assert_eq!(tidy("./a/./b"), "a/b");
        assert_eq!(tidy("../x/../../r"), "../../r");
        assert_eq!(tidy("/../etc"), "/etc");
        assert_eq!(tidy("a/.."), ".");
        assert_eq!(tidy("data/units.csv"), "data/units.csv");
    }

    fn parse(text: &str) -> Result<Spec, SpecError> {
        parse_spec(text, Path::new("study.json"))
    }

    const MINIMAL: &str = r#"{
  "evident": 1,
  "title": "t",
  "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]},
  "design": {"kind": "descriptive"},
  "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}]
}"#;

    #[test]
    fn parses_a_minimal_spec_with_defaults() {
        let spec = parse(MINIMAL).unwrap();
        assert_eq!(spec.evidence.target_level, 3);
        assert_eq!(spec.report.dir, "report");
    }

    #[test]
    fn unknown_key_names_path_position_and_suggestion() {
        let text = MINIMAL.replace("\"title\"", "\"titel\"");
        match parse(&text).unwrap_err() {
            SpecError::UnknownKey {
                json_path,
                position,
                suggestion,
                ..
            } => {
                assert_eq!(json_path, "titel");
                assert_eq!(position, Some(Position { line: 3, column: 3 }));
                assert_eq!(suggestion.as_deref(), Some("title"));
            }
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn nested_unknown_key_is_located() {
        let text = MINIMAL.replace("\"role\"", "\"rol\"");
        match parse(&text).unwrap_err() {
            SpecError::UnknownKey {
                json_path,
                position,
                suggestion,
                ..
            } => {
                assert_eq!(json_path, "outcomes[0].rol");
                assert_eq!(position.unwrap().line, 6);
                assert_eq!(suggestion.as_deref(), Some("role"));
            }
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn wrong_variant_suggests_the_closest() {
        let text = MINIMAL.replace("\"descriptive\"", "\"descriptiv\"");
        match parse(&text).unwrap_err() {
            SpecError::Invalid {
                json_path, message, ..
            } => {
                assert_eq!(json_path, "design.kind");
                assert!(message.contains("did you mean `descriptive`"), "{message}");
            }
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn wrong_type_is_reported_with_path() {
        let text = MINIMAL.replace("\"title\": \"t\"", "\"title\": 3");
        match parse(&text).unwrap_err() {
            SpecError::Invalid {
                json_path,
                message,
                position,
                ..
            } => {
                assert_eq!(json_path, "title");
                assert!(message.contains("wrong type"), "{message}");
                assert_eq!(position.unwrap().line, 3);
            }
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn malformed_json_gives_line_and_column() {
        let text = MINIMAL.replace("\"t\",", "\"t\"");
        match parse(&text).unwrap_err() {
            SpecError::Syntax { position, .. } => assert_eq!(position.line, 4),
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn unsupported_version_is_named() {
        let text = MINIMAL.replace("\"evident\": 1", "\"evident\": 2");
        assert!(
            matches!(parse(&text).unwrap_err(), SpecError::Invalid { json_path, .. } if json_path == "evident")
        );
    }
}
