//! Evident: an evaluation and experiment-design engine.
//!
//! One declarative study spec (JSON) drives the stages of an evaluation: planning
//! (power, sample size, MDES), randomised assignment, matched comparison groups,
//! impact analysis, grading on Nesta's Standards of Evidence, and reporting.
//! The library is the engine; the `evident` binary is a thin command-line front end.

pub mod analysis;
pub mod data;
pub mod error;
pub mod spec;
pub mod stats;

pub use error::{Error, ExitKind};
pub mod evidence;
pub mod pipeline;
pub mod power;
pub mod report;
