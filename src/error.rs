//! Errors of the library: one enum per concern, gathered into `Error`. Every variant
//! carries the context a user needs to fix the input (file, JSON path, line and
//! column, row, column name) and states the rule broken; `Error::hint` offers a next step.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

use crate::analysis::AnalysisError;
use crate::assign::AssignError;
use crate::data::DataError;
use crate::spec::{Position, Problem};

/// Anything that stops the engine.
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Assign(#[from] AssignError),
    #[error(transparent)]
    Match(#[from] crate::matching::MatchError),
    #[error("the allocation does not match its manifest: {}", failed.join("; "))]
    NotVerified { failed: Vec<String> },
    #[error(
        "the {stage} stage is declared by {spec_key} but is not available in evident {version}"
    )]
    StageUnavailable {
        stage: &'static str,
        spec_key: &'static str,
        version: &'static str,
    },
    #[error(transparent)]
    Test(#[from] crate::stats::htest::TestError),
    #[error(transparent)]
    Regression(#[from] crate::stats::regression::RegressionError),
    #[error(transparent)]
    Power(#[from] crate::power::PowerError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error(transparent)]
    Diff(#[from] crate::governance::DiffError),
    #[error(transparent)]
    Synthesis(#[from] crate::synthesis::SynthesisError),
    #[error(transparent)]
    Lock(#[from] crate::governance::lock::LockError),
    /// Arguments of a command that do not fit together.
    #[error("{message}")]
    Arguments { message: String, hint: String },
    #[error("the spec declares no {stage} stage ({spec_key} is absent)")]
    StageNotDeclared {
        stage: &'static str,
        spec_key: &'static str,
    },
    /// The spec is valid, but its outcome data (`analysis.data`) do not exist yet.
    #[error("waiting for outcome data: {} does not exist yet", path.display())]
    AwaitingOutcomeData { path: PathBuf },
    /// The analysis could not run, but the protocol report (plan, allocation, the
    /// level the design can reach) was written.
    #[error("{source}")]
    ProtocolReportOnly {
        source: Box<Error>,
        report_dir: PathBuf,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How the command line should exit for an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// The input (spec, data, arguments) is invalid: exit code 2.
    InvalidInput,
    /// The input was valid but the run failed: exit code 1.
    RunFailed,
    /// The spec is valid but the outcome data do not exist yet: exit code 3.
    AwaitingData,
}

impl Error {
    pub fn exit_kind(&self) -> ExitKind {
        match self {
            Error::Analysis(crate::analysis::AnalysisError::Engine(e)) if !e.is_invalid_input() => {
                ExitKind::RunFailed
            }
            Error::Spec(_)
            | Error::Data(_)
            | Error::Analysis(_)
            | Error::StageUnavailable { .. }
            | Error::StageNotDeclared { .. }
            | Error::Test(_)
            | Error::Regression(_)
            | Error::Power(_)
            | Error::Diff(_)
            | Error::Synthesis(_)
            | Error::Arguments { .. } => ExitKind::InvalidInput,
            Error::Lock(crate::governance::lock::LockError::Write { .. }) => ExitKind::RunFailed,
            Error::Lock(_) => ExitKind::InvalidInput,
            Error::Assign(e) if e.is_invalid_input() => ExitKind::InvalidInput,
            Error::Match(e) if e.is_invalid_input() => ExitKind::InvalidInput,
            Error::Match(_) => ExitKind::RunFailed,
            Error::Engine(e) if e.is_invalid_input() => ExitKind::InvalidInput,
            Error::Engine(_) => ExitKind::RunFailed,
            Error::Assign(_) | Error::NotVerified { .. } | Error::Write { .. } => {
                ExitKind::RunFailed
            }
            Error::AwaitingOutcomeData { .. } => ExitKind::AwaitingData,
            Error::ProtocolReportOnly { source, .. } => source.exit_kind(),
        }
    }

    /// A suggested next step for the user.
    pub fn hint(&self) -> String {
        match self {
            Error::Spec(e) => e.hint(),
            Error::Data(e) => e.hint(),
            Error::Analysis(e) => e.hint(),
            Error::Assign(e) => e.hint(),
            Error::Match(e) => e.hint(),
            Error::NotVerified { .. } => {
                "the inputs or the file changed since the allocation was made; restore them, or re-assign with --force (a new allocation)".into()
            }
            Error::StageUnavailable { spec_key, .. } => {
                format!(
                    "remove {spec_key} from the spec, or run the stages that are available with `evident analyse`"
                )
            }
            Error::Test(_) => "check the values given; docs/statistics.md describes each test's input".into(),
            Error::Regression(_) => {
                "check the outcome and covariate columns; docs/statistics.md describes `evident regress`".into()
            }
            Error::Power(e) => e.hint(),
            Error::Engine(e) => e.hint(),
            Error::Diff(e) => e.hint(),
            Error::Synthesis(e) => e.hint(),
            Error::Lock(e) => e.hint(),
            Error::Arguments { hint, .. } => hint.clone(),
            Error::StageNotDeclared { spec_key, .. } => {
                format!("declare {spec_key} in the spec (see docs/spec.md)")
            }
            Error::Write { .. } => {
                "check that the report directory is writable and the disk has room".into()
            }
            Error::AwaitingOutcomeData { .. } => {
                "put the outcome data at that path (analysis.data) when they arrive; until then `evident run SPEC` writes the protocol report".into()
            }
            Error::ProtocolReportOnly { source, report_dir } => format!(
                "{}; the protocol report (plan, allocation and the level of evidence the design can reach) was written to {}",
                source.hint(),
                report_dir.display()
            ),
        }
    }
}

/// Problems reading or checking a spec file.
#[derive(Debug, Error)]
pub enum SpecError {
    #[error("cannot read spec {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{position}: the spec is not valid UTF-8 text")]
    NotUtf8 { path: PathBuf, position: Position },
    #[error("{path}:{position}: malformed JSON: {message}")]
    Syntax {
        path: PathBuf,
        position: Position,
        message: String,
    },
    #[error("{}: unknown key `{key}`{}", located(path, *position, json_path), suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownKey {
        path: PathBuf,
        json_path: String,
        position: Option<Position>,
        key: String,
        suggestion: Option<String>,
        expected: Vec<String>,
    },
    #[error("{}: {message}", located(path, *position, json_path))]
    Invalid {
        path: PathBuf,
        json_path: String,
        position: Option<Position>,
        message: String,
    },
    #[error("{}", ProblemList { path, problems })]
    Problems {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl SpecError {
    pub fn hint(&self) -> String {
        match self {
            SpecError::Read { .. } => {
                "check the path; spec paths are relative to the current directory".into()
            }
            SpecError::NotUtf8 { .. } => "save the spec as UTF-8".into(),
            SpecError::Syntax { .. } => {
                "fix the JSON at that position (a missing comma or quote is the usual cause)".into()
            }
            SpecError::UnknownKey { expected, .. } if !expected.is_empty() => {
                format!(
                    "keys allowed here: {}; `evident schema` prints the whole format",
                    expected.join(", ")
                )
            }
            SpecError::UnknownKey { .. } => {
                "no keys are allowed here; `evident schema` prints the whole format".into()
            }
            SpecError::Invalid { .. } => {
                "docs/spec.md documents every field with an example".into()
            }
            SpecError::Problems { problems, .. } if problems.len() > 1 => {
                format!(
                    "{} problems were found; fix them in order, then run `evident check` again",
                    problems.len()
                )
            }
            SpecError::Problems { .. } => "fix the spec, then run `evident check` again".into(),
        }
    }

    /// Each problem as its own one-line message (a spec can break several rules).
    pub fn lines(&self) -> Vec<String> {
        match self {
            SpecError::Problems { path, problems } => problems
                .iter()
                .map(|p| format!("{}: {}", located(path, p.position, &p.json_path), p.message))
                .collect(),
            other => vec![other.to_string()],
        }
    }
}

struct ProblemList<'a> {
    path: &'a PathBuf,
    problems: &'a [Problem],
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{}: {}",
                    located(self.path, p.position, &p.json_path),
                    p.message
                )
            })
            .collect();
        f.write_str(&lines.join("\n"))
    }
}

/// `file:line:column: json.path` (each part only when known).
pub(crate) fn located(
    path: &std::path::Path,
    position: Option<Position>,
    json_path: &str,
) -> String {
    let mut out = path.display().to_string();
    if let Some(p) = position {
        out.push_str(&format!(":{p}"));
    }
    if !json_path.is_empty() {
        out.push_str(&format!(": {json_path}"));
    }
    out
}

/// How many items a message lists before it gives a count of the rest.
pub const LISTED: usize = 12;

/// Characters of a quoted input (a cell, a name) shown in a message.
pub const QUOTED_CHARS: usize = 60;

/// Longest line a message prints; the rest is counted, not shown.
pub const MAX_LINE_CHARS: usize = 1000;

/// `text` as a message quotes it: the first `QUOTED_CHARS` characters and a count of
/// the rest, so that a 1 MiB cell does not become a 1 MiB error.
pub fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.into(),
        Some((cut, _)) => format!(
            "{}… ({} more characters)",
            &text[..cut],
            text[cut..].chars().count()
        )
        .into(),
    }
}

/// A message line made safe to print: any number written out in more than 24
/// characters (Rust prints −1e308 as 309 digits) is rewritten in exponent form, and
/// a line longer than `MAX_LINE_CHARS` is cut with a count of what was left out.
/// The last line of defence for messages built elsewhere; messages should already
/// quote through `excerpt` and `report::format::shortest`.
pub fn bounded_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len().min(MAX_LINE_CHARS + 64));
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let number_start = bytes[i].is_ascii_digit()
            || (bytes[i] == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        if number_start {
            let mut end = i + 1;
            while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
                end += 1;
            }
            let token = &line[i..end];
            // Only Rust's own long rendering of a double is rewritten: a quoted input
            // of 60 nines is what the user wrote and stays as it is.
            match token.parse::<f64>() {
                Ok(x) if token.len() > 24 && format!("{x}") == token => {
                    out.push_str(&crate::report::format::shortest(x))
                }
                _ => out.push_str(token),
            }
            i = end;
        } else {
            let width = line[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&line[i..i + width]);
            i += width;
        }
    }
    match out.char_indices().nth(MAX_LINE_CHARS) {
        None => out,
        Some((cut, _)) => format!(
            "{}… ({} more characters)",
            &out[..cut],
            out[cut..].chars().count()
        ),
    }
}

#[cfg(test)]
mod bounded_tests {
    use super::*;

    #[test]
    fn long_numbers_become_exponents_and_long_lines_are_cut() {
        let digits = format!("{}", -1e308);
        assert_eq!(digits.len(), 310);
        assert_eq!(
            bounded_line(&format!("value {digits} is too large; 12.5 is fine")),
            "value -1e308 is too large; 12.5 is fine"
        );
        let nines = "9".repeat(60);
        assert_eq!(bounded_line(&format!("`{nines}`")), format!("`{nines}`"));
        let long = "é".repeat(MAX_LINE_CHARS + 5);
        let cut = bounded_line(&long);
        assert!(cut.ends_with("… (5 more characters)"), "{cut}");
        assert_eq!(
            cut.chars().count(),
            MAX_LINE_CHARS + "… (5 more characters)".chars().count()
        );
    }

    #[test]
    fn excerpts_keep_short_text_and_count_the_rest() {
        assert_eq!(excerpt("abc"), "abc");
        let cell = "y".repeat(1 << 20);
        let quoted = excerpt(&cell);
        assert_eq!(
            quoted,
            format!(
                "{}… ({} more characters)",
                "y".repeat(QUOTED_CHARS),
                (1 << 20) - QUOTED_CHARS
            )
        );
    }
}
