//! Governance: what turns an analysis into an evaluation that passes review. Today it
//! holds the report diff (`evident diff`): two JSON outputs of the engine compared
//! number by number, for teams who regression-test their own routines, or a new
//! engine version, against a report they trust.

pub mod diff;

pub use diff::{DiffError, DiffOptions, DiffOutput, Difference, DifferenceKind, diff_files};
