//! The pre-registration lock: the analysis plan fixed before the outcome data exist,
//! so that a later analysis can be checked against it.
//!
//! `evident lock SPEC` writes `<spec>.lock`: the design, outcomes and analysis
//! sections in a canonical form (the parsed spec re-serialised with sorted keys, so
//! defaults written out or left implicit hash alike; locations of files and folders
//! left out, since moving a file changes no plan), their SHA-256, the SHA-256 of the
//! units file when it exists (the sample randomised), a hash of the ODA statement
//! (which study the lock belongs to), the engine version and the time.
//!
//! A spec that declares `evidence.lock` is checked against it when validated: a lock
//! that is missing, edited after it was written (its sections no longer hash to its
//! SHA-256), of an unknown format, or of another study (another statement) is a
//! problem at `evidence.lock`; otherwise every difference between the locked sections
//! and the spec's is a [`Deviation`] in words. A changed primary outcome or estimator
//! is serious: the grade's selective-reporting threat is then high (docs/evidence.md).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::spec::{Spec, sha256_hex};

/// The lock file format this engine writes and reads.
pub const LOCK_FORMAT: u32 = 1;

/// A written lock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanLock {
    /// Lock format version ([`LOCK_FORMAT`]).
    pub evident_lock: u32,
    /// The engine that wrote it.
    pub engine: String,
    /// When it was written (UTC, ISO 8601).
    pub locked_at: String,
    /// The spec file it was written from, as named then.
    pub spec: String,
    /// The spec's title then.
    pub title: String,
    /// SHA-256 of the canonical ODA statement: which study this lock belongs to.
    pub statement_sha256: String,
    /// SHA-256 of `sections` in canonical form (compact JSON, sorted keys).
    pub sha256: String,
    /// SHA-256 of the units file's bytes, when the spec has one and it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_sha256: Option<String>,
    /// The locked sections: `design`, `outcomes`, `analysis` (canonical form).
    pub sections: Value,
}

/// Why a lock cannot be written, read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("no lock file at {}", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read the lock {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{} is not a plan lock: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error("{} is lock format {found}; evident {} reads format {LOCK_FORMAT}", path.display(), env!("CARGO_PKG_VERSION"))]
    UnknownFormat { path: PathBuf, found: u32 },
    #[error("{} was edited after it was written: its sections no longer hash to its sha256 {recorded}", path.display())]
    Tampered { path: PathBuf, recorded: String },
    #[error("{} belongs to another study: its statement (problem, action, data product, datasets) differs from this spec's (locked from {spec}, \"{title}\")", path.display())]
    OtherStudy {
        path: PathBuf,
        spec: String,
        title: String,
    },
    #[error("{} already holds a different lock (locked at {locked_at}); a lock is not replaced silently: pass --replace to write a new one", path.display())]
    Exists { path: PathBuf, locked_at: String },
    #[error("cannot write the lock {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

impl LockError {
    /// A suggested next step.
    pub fn hint(&self) -> String {
        match self {
            LockError::Missing { .. } => {
                "write the lock with `evident lock SPEC` before the outcome data arrive, or remove evidence.lock".into()
            }
            LockError::Exists { .. } => {
                "keep the existing lock (the plan fixed in advance), or pass --replace and say in the report why the plan was re-locked".into()
            }
            LockError::Tampered { .. } => {
                "restore the lock as written (from version control), or re-lock with `evident lock SPEC --replace`, which the new timestamp will show".into()
            }
            LockError::OtherStudy { .. } => {
                "point evidence.lock at this study's lock; a lock belongs to the study whose ODA statement it was written from".into()
            }
            LockError::UnknownFormat { .. } | LockError::Malformed { .. } => {
                "write the lock again with this engine's `evident lock`".into()
            }
            LockError::Read { .. } | LockError::Write { .. } => {
                "check the path and its permissions".into()
            }
        }
    }
}

/// What `evident lock` did.
#[derive(Debug, Clone, Serialize)]
pub struct LockOutcome {
    pub path: PathBuf,
    /// False when an identical lock was already there (kept, with its time).
    pub written: bool,
    pub lock: PlanLock,
}

/// `evident lock SPEC`: validates the spec (its own `evidence.lock` aside), then
/// writes its lock to `out`, else to the path `evidence.lock` names, else
/// `<stem>.lock` beside the spec.
pub fn lock_spec(
    spec_path: &Path,
    out: Option<&Path>,
    replace: bool,
) -> Result<LockOutcome, crate::Error> {
    let mut file = crate::spec::load_spec(spec_path)?;
    let declared = file.spec.evidence.lock.take();
    crate::spec::validate(&file)?;
    let path = match (out, &declared) {
        (Some(out), _) => out.to_path_buf(),
        (None, Some(declared)) => file.resolve(declared),
        (None, None) => default_lock_path(spec_path),
    };
    let units = file
        .spec
        .design
        .units
        .as_ref()
        .map(|u| file.resolve(&u.file));
    let name = spec_path.file_name().map_or_else(
        || spec_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let lock = lock_of(&file.spec, &name, units.as_deref(), utc_now());
    let written = write_lock(&path, &lock, replace)?;
    let lock = if written { lock } else { read_lock(&path)? };
    Ok(LockOutcome {
        path,
        written,
        lock,
    })
}

/// How serious a deviation is for the grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviationKind {
    /// The primary outcome was replaced or redefined.
    PrimaryOutcome,
    /// The estimators changed.
    Estimators,
    /// Covariates added or removed.
    Covariates,
    /// The significance level, alternative or multiplicity correction changed.
    Inference,
    /// The sample: the units file, or the planned size.
    Sample,
    /// Secondary outcomes added, removed or redefined.
    SecondaryOutcomes,
    /// Another part of the design.
    Design,
    /// Another part of the analysis.
    Analysis,
}

impl DeviationKind {
    /// A changed primary outcome or estimator: the deviations that make the
    /// selective-reporting threat high.
    pub fn serious(self) -> bool {
        matches!(
            self,
            DeviationKind::PrimaryOutcome | DeviationKind::Estimators
        )
    }
}

/// One difference between the locked plan and the spec analysed.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Deviation {
    pub kind: DeviationKind,
    /// Where in the spec (a JSON path such as `analysis.covariates`).
    pub path: String,
    /// The change in words.
    pub words: String,
    pub serious: bool,
}

/// A spec checked against its lock.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LockCheck {
    /// The lock file, as the spec names it.
    pub lock: String,
    pub locked_at: String,
    pub sha256: String,
    /// Every difference, serious ones first.
    pub deviations: Vec<Deviation>,
}

impl LockCheck {
    /// Whether a deviation makes the selective-reporting threat high.
    pub fn seriously_deviated(&self) -> bool {
        self.deviations.iter().any(|d| d.serious)
    }
}

/// The default lock file of a spec: `<stem>.lock` beside it (JSON, but not named
/// `.json`, so that nothing taking every `*.json` in a folder for a spec takes it).
pub fn default_lock_path(spec_path: &Path) -> PathBuf {
    let stem = spec_path
        .file_stem()
        .map_or_else(|| "spec".into(), |s| s.to_string_lossy().into_owned());
    spec_path.with_file_name(format!("{stem}.lock"))
}

/// The locked sections of a spec in canonical form: design, outcomes and analysis as
/// parsed (defaults filled), keys sorted, file and folder locations left out.
pub fn locked_sections(spec: &Spec) -> Value {
    let mut design = serde_json::to_value(&spec.design).expect("the spec serialises");
    for location in [
        &["units", "file"][..],
        &["assignment", "output"],
        &["matching", "output"],
    ] {
        remove_path(&mut design, location);
    }
    let mut analysis = serde_json::to_value(&spec.analysis).expect("the spec serialises");
    for location in [&["data"][..], &["engine"]] {
        remove_path(&mut analysis, location);
    }
    let mut sections = Map::new();
    sections.insert("design".into(), design);
    sections.insert(
        "outcomes".into(),
        serde_json::to_value(&spec.outcomes).expect("the spec serialises"),
    );
    sections.insert("analysis".into(), analysis);
    Value::Object(sections)
}

fn remove_path(value: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for key in parents {
        match at.get_mut(*key) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Some(object) = at.as_object_mut() {
        object.remove(*last);
    }
}

/// SHA-256 of a value's canonical text (compact, keys sorted: serde_json's map is
/// ordered).
fn canonical_sha256(value: &Value) -> String {
    sha256_hex(&serde_json::to_vec(value).expect("plain JSON"))
}

fn statement_sha256(spec: &Spec) -> String {
    canonical_sha256(&serde_json::to_value(&spec.statement).expect("the spec serialises"))
}

/// The lock of a spec now. `units_file` is the spec's units file resolved, if any.
pub fn lock_of(
    spec: &Spec,
    spec_name: &str,
    units_file: Option<&Path>,
    locked_at: String,
) -> PlanLock {
    let sections = locked_sections(spec);
    PlanLock {
        evident_lock: LOCK_FORMAT,
        engine: format!("evident-engine {}", env!("CARGO_PKG_VERSION")),
        locked_at,
        spec: spec_name.to_string(),
        title: spec.title.clone(),
        statement_sha256: statement_sha256(spec),
        sha256: canonical_sha256(&sections),
        units_sha256: units_file.and_then(|p| crate::data::sha256_of_file(p).ok()),
        sections,
    }
}

/// Writes `lock` to `path` (atomically). An existing lock with the same sections and
/// units is kept as it is (returns false); a different one is refused unless `replace`.
pub fn write_lock(path: &Path, lock: &PlanLock, replace: bool) -> Result<bool, LockError> {
    if path.exists() && !replace {
        match read_lock(path) {
            Ok(existing)
                if existing.sha256 == lock.sha256
                    && existing.units_sha256 == lock.units_sha256
                    && existing.statement_sha256 == lock.statement_sha256 =>
            {
                return Ok(false);
            }
            Ok(existing) => {
                return Err(LockError::Exists {
                    path: path.to_path_buf(),
                    locked_at: existing.locked_at,
                });
            }
            Err(_) => {
                return Err(LockError::Exists {
                    path: path.to_path_buf(),
                    locked_at: "an unknown time (the file is not a readable lock)".into(),
                });
            }
        }
    }
    let mut text = serde_json::to_string_pretty(lock).expect("plain JSON");
    text.push('\n');
    let failed = |e: std::io::Error| LockError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let temporary = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        std::process::id()
    ));
    std::fs::write(&temporary, text).map_err(failed)?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        failed(e)
    })?;
    Ok(true)
}

/// Reads a lock and checks that its sections still hash to its SHA-256.
pub fn read_lock(path: &Path) -> Result<PlanLock, LockError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LockError::Missing {
                path: path.to_path_buf(),
            });
        }
        Err(e) => {
            return Err(LockError::Read {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    let raw: Value = serde_json::from_str(&text).map_err(|e| LockError::Malformed {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if let Some(found) = raw.get("evident_lock").and_then(Value::as_u64)
        && found != u64::from(LOCK_FORMAT)
    {
        return Err(LockError::UnknownFormat {
            path: path.to_path_buf(),
            found: u32::try_from(found).unwrap_or(u32::MAX),
        });
    }
    let lock: PlanLock = serde_json::from_value(raw).map_err(|e| LockError::Malformed {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if canonical_sha256(&lock.sections) != lock.sha256 {
        return Err(LockError::Tampered {
            path: path.to_path_buf(),
            recorded: lock.sha256,
        });
    }
    Ok(lock)
}

/// Checks a spec against its lock: the lock must be of this study; every difference
/// is a deviation in words, serious ones first.
pub fn check_against(
    lock: &PlanLock,
    lock_shown: &str,
    lock_path: &Path,
    spec: &Spec,
    units_file: Option<&Path>,
) -> Result<LockCheck, LockError> {
    if lock.statement_sha256 != statement_sha256(spec) {
        return Err(LockError::OtherStudy {
            path: lock_path.to_path_buf(),
            spec: lock.spec.clone(),
            title: lock.title.clone(),
        });
    }
    let now = locked_sections(spec);
    let mut deviations = Vec::new();
    if canonical_sha256(&now) != lock.sha256 {
        outcome_deviations(
            &lock.sections["outcomes"],
            &now["outcomes"],
            &mut deviations,
        );
        let mut leaves = Vec::new();
        for section in ["design", "analysis"] {
            differing_leaves(
                &lock.sections[section],
                &now[section],
                section.to_string(),
                &mut leaves,
            );
        }
        for (path, locked, current) in leaves {
            deviations.push(describe(&path, &locked, &current));
        }
    }
    if let (Some(locked), Some(file)) = (&lock.units_sha256, units_file)
        && let Ok(current) = crate::data::sha256_of_file(file)
        && &current != locked
    {
        deviations.push(Deviation {
            kind: DeviationKind::Sample,
            path: "design.units".into(),
            words: "the units file differs from the one locked: the sample is not the one planned"
                .into(),
            serious: false,
        });
    }
    deviations.sort_by_key(|d| !d.serious);
    Ok(LockCheck {
        lock: lock_shown.to_string(),
        locked_at: lock.locked_at.clone(),
        sha256: lock.sha256.clone(),
        deviations,
    })
}

/// Deviations among the outcomes: the primary outcome (serious) and the secondary
/// ones by name.
fn outcome_deviations(locked: &Value, now: &Value, out: &mut Vec<Deviation>) {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let (locked, now) = (list(locked), list(now));
    let name = |o: &Value| o["name"].as_str().unwrap_or_default().to_string();
    let primary = |v: &[Value]| {
        v.iter()
            .find(|o| o["role"].as_str() == Some("primary"))
            .cloned()
    };
    match (primary(&locked), primary(&now)) {
        (Some(a), Some(b)) if name(&a) != name(&b) => out.push(Deviation {
            kind: DeviationKind::PrimaryOutcome,
            path: "outcomes".into(),
            words: format!(
                "the primary outcome changed from “{}” to “{}”",
                name(&a),
                name(&b)
            ),
            serious: true,
        }),
        (Some(a), Some(b)) if a != b => {
            let mut leaves = Vec::new();
            differing_leaves(&a, &b, String::new(), &mut leaves);
            let what: Vec<String> = leaves
                .iter()
                .map(|(key, x, y)| {
                    format!(
                        "{} from {} to {}",
                        key.trim_start_matches('.'),
                        shown(x),
                        shown(y)
                    )
                })
                .collect();
            out.push(Deviation {
                kind: DeviationKind::PrimaryOutcome,
                path: "outcomes".into(),
                words: format!(
                    "the primary outcome “{}” was redefined: {}",
                    name(&a),
                    what.join("; ")
                ),
                serious: true,
            });
        }
        _ => {}
    }
    let secondary = |v: &[Value]| -> Vec<Value> {
        v.iter()
            .filter(|o| o["role"].as_str() != Some("primary"))
            .cloned()
            .collect()
    };
    let (locked, now) = (secondary(&locked), secondary(&now));
    for o in &now {
        match locked.iter().find(|l| name(l) == name(o)) {
            None => out.push(Deviation {
                kind: DeviationKind::SecondaryOutcomes,
                path: "outcomes".into(),
                words: format!(
                    "secondary outcome “{}” was added after the lock: report it as exploratory",
                    name(o)
                ),
                serious: false,
            }),
            Some(l) if l != o => out.push(Deviation {
                kind: DeviationKind::SecondaryOutcomes,
                path: "outcomes".into(),
                words: format!("secondary outcome “{}” was redefined", name(o)),
                serious: false,
            }),
            Some(_) => {}
        }
    }
    for l in &locked {
        if !now.iter().any(|o| name(o) == name(l)) {
            out.push(Deviation {
                kind: DeviationKind::SecondaryOutcomes,
                path: "outcomes".into(),
                words: format!(
                    "secondary outcome “{}” was locked but is not analysed",
                    name(l)
                ),
                serious: false,
            });
        }
    }
}

/// The paths at which two values differ, with both values (`Null` when absent).
/// Arrays are compared whole, so a reordered or extended list is one difference.
fn differing_leaves(a: &Value, b: &Value, at: String, out: &mut Vec<(String, Value, Value)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                let child = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                differing_leaves(
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                    child,
                    out,
                );
            }
        }
        _ if a != b => out.push((at, a.clone(), b.clone())),
        _ => {}
    }
}

/// A JSON value as a reader sees it.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::String(s) => format!("“{s}”"),
        Value::Array(items) if items.is_empty() => "none".into(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        Value::Object(_) => "its settings".into(),
        other => other.to_string(),
    }
}

/// One differing leaf of the design or analysis in words.
fn describe(path: &str, locked: &Value, now: &Value) -> Deviation {
    let change = || match (locked, now) {
        (Value::Null, Value::Object(_)) => format!("{path} was added after the lock"),
        (Value::Null, _) => format!("{path} was added after the lock ({})", shown(now)),
        (Value::Object(_), Value::Null) => format!(
            "{path} was locked but this spec leaves it out; the locked settings stand as the plan"
        ),
        (_, Value::Null) => format!(
            "{path} was locked as {} but this spec leaves it out; the locked setting stands as the plan",
            shown(locked)
        ),
        _ => format!("{path} changed from {} to {}", shown(locked), shown(now)),
    };
    let (kind, words) = match path {
        "analysis.estimators" => (
            DeviationKind::Estimators,
            format!(
                "the estimators changed from {} to {}",
                shown(locked),
                shown(now)
            ),
        ),
        "analysis.covariates" => {
            let set = |v: &Value| -> Vec<String> {
                v.as_array()
                    .map(|a| a.iter().map(shown).collect())
                    .unwrap_or_default()
            };
            let (before, after) = (set(locked), set(now));
            let added: Vec<&String> = after.iter().filter(|c| !before.contains(c)).collect();
            let removed: Vec<&String> = before.iter().filter(|c| !after.contains(c)).collect();
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!(
                    "added {}",
                    added
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !removed.is_empty() {
                parts.push(format!(
                    "removed {}",
                    removed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if parts.is_empty() {
                parts.push("reordered".into());
            }
            (
                DeviationKind::Covariates,
                format!("the adjustment covariates changed: {}", parts.join("; ")),
            )
        }
        "analysis.alpha" | "analysis.alternative" | "analysis.multiple_comparisons" => {
            (DeviationKind::Inference, change())
        }
        p if p.starts_with("design.power") => (DeviationKind::Sample, change()),
        p if p.starts_with("design") => (DeviationKind::Design, change()),
        _ => (DeviationKind::Analysis, change()),
    };
    Deviation {
        serious: kind.serious(),
        kind,
        path: path.to_string(),
        words,
    }
}

/// The current time as ISO 8601 UTC (`2026-12-03T09:41:07Z`).
pub fn utc_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_of(seconds)
}

/// Seconds since 1970 as ISO 8601 UTC.
pub fn utc_of(seconds: u64) -> String {
    let (year, month, day) = crate::data::periods::civil_from_days((seconds / 86_400) as i64);
    let rest = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_follow_the_civil_calendar() {
        assert_eq!(utc_of(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day of a year divisible by 400) at 12:34:56.
        assert_eq!(utc_of(951_827_696), "2000-02-29T12:34:56Z");
        assert_eq!(utc_of(1_796_287_999), "2026-12-03T08:53:19Z");
    }

    #[test]
    fn differing_leaves_name_their_paths() {
        let a = serde_json::json!({ "x": 1, "y": { "z": [1, 2] } });
        let b = serde_json::json!({ "x": 1, "y": { "z": [1, 3], "w": "new" } });
        let mut out = Vec::new();
        differing_leaves(&a, &b, "analysis".into(), &mut out);
        let paths: Vec<&str> = out.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(paths, ["analysis.y.w", "analysis.y.z"]);
    }
}
