//! Designs over time whose analysis does not fit the one-row-per-unit analyse stage:
//! each submodule takes a long panel (or series) and returns its own typed result.

pub mod staggered;
