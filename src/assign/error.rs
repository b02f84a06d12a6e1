//! Errors of the assign stage. Each names the block, cluster, pair, unit or file line
//! at fault and states the rule broken; `hint` offers a next step.

use std::path::PathBuf;

use thiserror::Error;

use crate::data::DataError;

#[derive(Debug, Error)]
pub enum AssignError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(
        "block `{block}` has {units} {entity}(s) but there are {arms} arms; every block needs at least one {entity} per arm"
    )]
    BlockTooSmall {
        block: String,
        units: usize,
        arms: usize,
        entity: &'static str,
    },
    #[error(
        "{path}:{line}: cluster `{cluster}` is in block `{block}` here but in block `{first_block}` on line {first_line}; a cluster must lie within one block"
    )]
    ClusterSplit {
        path: PathBuf,
        line: u64,
        cluster: String,
        block: String,
        first_block: String,
        first_line: u64,
    },
    #[error("pair `{pair}` has {units} unit(s); every pair needs exactly 2 (first on line {line})")]
    PairSize {
        pair: String,
        units: usize,
        line: u64,
    },
    #[error(
        "block `{block}` has {units} units, an odd number, so pairs cannot be formed on `{column}`"
    )]
    OddBlock {
        block: String,
        units: usize,
        column: String,
    },
    #[error("the fixed counts add up to {total} but there are {available} {entity}s to allocate")]
    CountsMismatch {
        total: u64,
        available: usize,
        entity: &'static str,
    },
    #[error(
        "the covariates {covariates} are collinear (or constant) among the units, so the Mahalanobis balance statistic is undefined"
    )]
    SingularCovariates { covariates: String },
    #[error(
        "no allocation in {draws} draws had a Mahalanobis statistic at most {threshold}; the smallest seen was {best}"
    )]
    NotAccepted {
        draws: u64,
        threshold: f64,
        best: f64,
    },
    #[error(
        "randomisation inference: re-draw {redraw} found no allocation with a Mahalanobis statistic at most {threshold} in {draws} draws"
    )]
    RedrawNotAccepted {
        redraw: u64,
        draws: u64,
        threshold: f64,
    },
    #[error(
        "{path} holds a different allocation (recorded seed {existing_seed}, units SHA-256 {existing_units}); assigning again would replace it"
    )]
    WouldReplace {
        path: PathBuf,
        existing_seed: String,
        existing_units: String,
    },
    #[error(
        "{path} records different inputs than the allocation would now be made from ({}); the same allocation is drawn, but the manifest is never silently rewritten",
        differences.join("; ")
    )]
    ManifestWouldChange {
        path: PathBuf,
        differences: Vec<String>,
    },
    #[error("cannot read the manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error(
        "{path} is not the allocation its manifest records (SHA-256 {found}, recorded {recorded})"
    )]
    AssignmentsChanged {
        path: PathBuf,
        recorded: String,
        found: String,
    },
    #[error(transparent)]
    SteppedWedge(#[from] super::stepped_wedge::SteppedWedgeError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl AssignError {
    pub fn hint(&self) -> String {
        match self {
            AssignError::Data(e) => e.hint(),
            AssignError::BlockTooSmall { .. } => {
                "merge small blocks (e.g. combine rare categories) or use fewer blocking columns".into()
            }
            AssignError::ClusterSplit { .. } => {
                "block on a characteristic of the cluster, or correct the units file so every unit of a cluster has the same block".into()
            }
            AssignError::PairSize { .. } => {
                "every value of the pairs column must appear on exactly two rows".into()
            }
            AssignError::OddBlock { .. } => {
                "drop one unit from that block, or merge blocks, so every block has an even number of units".into()
            }
            AssignError::CountsMismatch { .. } => {
                "make design.assignment.counts add up to the number of units (clusters), or remove counts to use the arms' shares".into()
            }
            AssignError::SingularCovariates { .. } => {
                "drop covariates that are constant or a combination of the others".into()
            }
            AssignError::NotAccepted { .. } => {
                "raise max_draws, or loosen max_mahalanobis (or raise acceptance_probability)".into()
            }
            AssignError::RedrawNotAccepted { .. } => {
                "raise rerandomisation.max_draws (each re-draw may use that many draws), or switch randomisation inference off with analysis.randomisation_inference.enabled: false".into()
            }
            AssignError::WouldReplace { .. } => {
                "an allocation is never silently replaced: check with `evident assign --verify`, or pass --force to replace it".into()
            }
            AssignError::ManifestWouldChange { .. } => {
                "restore the inputs the manifest records (`evident assign --verify` lists them), or pass --force to record the new ones".into()
            }
            AssignError::Manifest { .. } => {
                "run `evident assign` to create the allocation and its manifest".into()
            }
            AssignError::AssignmentsChanged { .. } => {
                "see what changed with `evident assign --verify SPEC`; `evident assign SPEC --force` writes the allocation again".into()
            }
            AssignError::SteppedWedge(e) => e.hint().into(),
            AssignError::Write { .. } => {
                "check that the output folder is writable and the disk has room".into()
            }
        }
    }

    /// Whether the error is about the input (exit 2) rather than a failed run (exit 1).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(
            self,
            AssignError::Write { .. }
                | AssignError::NotAccepted { .. }
                | AssignError::RedrawNotAccepted { .. }
        )
    }
}
