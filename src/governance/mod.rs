//! Governance: what turns an analysis into an evaluation that passes review: the
//! report diff (`evident diff`: two JSON outputs of the engine compared number by
//! number, for teams who regression-test their own routines, or a new engine version,
//! against a report they trust) and the pre-registration lock (`evident lock`: the
//! analysis plan fixed before the data, and every later deviation from it in words).

pub mod diff;
pub mod lock;

pub use diff::{DiffError, DiffOptions, DiffOutput, Difference, DifferenceKind, diff_files};
