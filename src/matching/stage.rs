//! Runs the match stage of a checked plan: reads the pool, builds the comparison
//! group and writes matched.csv with its manifest atomically.
//!
//! Like the assign stage's manifest rule, an existing matched.csv is never silently
//! replaced by one made from different inputs: the manifest records the SHA-256 of
//! the analysis data, of the matching settings and of matched.csv itself; a run whose
//! inputs differ, or that finds matched.csv edited or without a manifest, stops
//! unless `force`. The same inputs rebuild the same bytes, so re-running is safe.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{MATCHED_FILE, MATCHED_MANIFEST_FILE, MatchError, MatchResult};
use crate::data::Table;
use crate::error::Error;
use crate::spec::{Plan, sha256_hex, sha256_hex_of_digest};

/// What the match stage produced.
pub struct MatchStageOutput {
    pub result: MatchResult,
    pub matched_path: PathBuf,
    pub files: Vec<PathBuf>,
}

/// The record beside matched.csv (matched.manifest.json): what the match was made
/// from, so that a later run can tell whether matched.csv still belongs to its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchManifest {
    /// The layout of this record: 1.
    pub matched_manifest_version: u32,
    /// SHA-256 (lower-case hex) of the analysis data file's bytes.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub data_sha256: String,
    /// SHA-256 of the matching settings (design.matching as checked, without paths).
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub settings_sha256: String,
    /// SHA-256 of matched.csv's bytes.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub matched_sha256: String,
}

/// The pool's data as the stage read it, kept for a caller that needs more of the
/// same file (`evident match` prints the balance without reading the file again).
pub struct StageData {
    /// The columns read: the stage's own and the extra ones asked for.
    pub table: Table,
    /// The table row of each unit of `MatchResult::units`.
    pub rows: Vec<usize>,
}

/// Runs the match stage declared by `plan.matching`.
///
/// # Errors
/// [`Error::StageNotDeclared`] without design.matching, a [`MatchError`] from the
/// data or the method, [`MatchError::DifferentInputs`] (see the module note),
/// [`Error::Write`].
pub fn run_stage(plan: &Plan, force: bool) -> Result<MatchStageOutput, Error> {
    run_stage_keeping(plan, force, &[]).map(|(output, _)| output)
}

/// [`run_stage`], reading the `extra` columns of the analysis data as well and
/// handing back what it read.
///
/// # Errors
/// As [`run_stage`]; also a missing extra column.
pub fn run_stage_keeping(
    plan: &Plan,
    force: bool,
    extra: &[&str],
) -> Result<(MatchStageOutput, StageData), Error> {
    run_stage_keeping_with(plan, force, extra, |_, _| ()).map(|(output, data, ())| (output, data))
}

/// [`run_stage_keeping`], running `alongside` on what the stage built while
/// another thread hashes and writes matched.csv and its manifest (the caller's
/// next step, such as the balance printout, need not wait for the file).
///
/// # Errors
/// As [`run_stage_keeping`]; `alongside`'s work is dropped when the files cannot
/// be written.
pub fn run_stage_keeping_with<T, F>(
    plan: &Plan,
    force: bool,
    extra: &[&str],
    alongside: F,
) -> Result<(MatchStageOutput, StageData, T), Error>
where
    F: FnOnce(&MatchResult, &StageData) -> T,
{
    let Some(matching) = &plan.matching else {
        return Err(Error::StageNotDeclared {
            stage: "match",
            spec_key: "design.matching",
        });
    };
    // The data file's SHA-256 on a thread of its own, streamed, while the stage reads
    // and matches.
    let (built, data_sha256) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| crate::data::sha256_of_file(&matching.data));
        let built = (|| -> Result<_, Error> {
            let table = super::input::read_pool(matching, extra)?;
            // Column-sized temporaries are freed and allocated again from here on:
            // reused rather than mapped and zeroed afresh each time (after the read,
            // which sets glibc's thresholds once for itself).
            let _reuse = crate::data::ReuseFreedBlocks::new();
            let mut input = super::input::from_table(matching, &table)?;
            let result = super::build_taking_ids(matching, &mut input)?;
            Ok((table, input, result))
        })();
        (built, hashing.join().expect("hashing does not panic"))
    });
    let (table, mut input, result) = built?;
    let data_sha256 = data_sha256.map_err(|source| {
        MatchError::Data(crate::data::DataError::Read {
            path: matching.data.clone(),
            source,
        })
    })?;
    let mut settings = matching.clone();
    // Where the files live is not an input of the match.
    settings.data = PathBuf::new();
    settings.output_dir = PathBuf::new();
    let settings_sha256 = sha256_hex(&serde_json::to_vec(&settings).unwrap_or_default());
    let dir = &matching.output_dir;
    let matched_path = dir.join(MATCHED_FILE);
    let manifest_path = dir.join(MATCHED_MANIFEST_FILE);
    if matched_path.exists() && !force {
        let existing = std::fs::read(&matched_path).map_err(|source| Error::Write {
            path: matched_path.clone(),
            source,
        })?;
        let recorded: Option<MatchManifest> = std::fs::read(&manifest_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let same = recorded.is_some_and(|r| {
            r.data_sha256 == data_sha256
                && r.settings_sha256 == settings_sha256
                && r.matched_sha256 == sha256_hex(&existing)
        });
        if !same {
            return Err(MatchError::DifferentInputs { path: matched_path }.into());
        }
    }
    // What matching alone needed goes before the next step starts.
    let rows = std::mem::take(&mut input.rows);
    drop(input);
    let kept = StageData { table, rows };
    // matched.csv rendered, hashed and written part by part, then its manifest, on
    // a thread of its own while `alongside` runs here: one part is held at a time,
    // never the whole file (500 MB at 10,000,000 units).
    let (files, alongside_output) = std::thread::scope(|scope| {
        let result = &result;
        let writing = scope.spawn(move || {
            crate::pipeline::write_streams_atomically(
                dir,
                &[MATCHED_FILE, MATCHED_MANIFEST_FILE],
                |open| {
                    use sha2::Digest;
                    use std::io::Write;
                    let mut hasher = sha2::Sha256::new();
                    for part in super::matched_parts_one_by_one(result) {
                        hasher.update(&part);
                        open[0].write_all(&part).map_err(|e| (0, e))?;
                    }
                    let manifest = MatchManifest {
                        matched_manifest_version: 1,
                        data_sha256,
                        settings_sha256,
                        matched_sha256: sha256_hex_of_digest(hasher.finalize().as_slice()),
                    };
                    let mut manifest_bytes =
                        serde_json::to_vec_pretty(&manifest).expect("a manifest is plain JSON");
                    manifest_bytes.push(b'\n');
                    open[1].write_all(&manifest_bytes).map_err(|e| (1, e))
                },
            )
        });
        let alongside_output = alongside(result, &kept);
        (
            writing.join().expect("writing matched.csv does not panic"),
            alongside_output,
        )
    });
    let files = files?;
    Ok((
        MatchStageOutput {
            result,
            matched_path,
            files,
        },
        kept,
        alongside_output,
    ))
}
