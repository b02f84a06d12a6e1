//! Statistical routines every stage stands on: distributions, hypothesis tests,
//! regression with robust variance, effect sizes. Numbers agree with R's reference
//! implementations (see `tests/reference/`), and are more accurate where R is loose.

pub mod bounds;
pub mod distributions;
pub mod estimate;
pub mod htest;
pub mod prec;
pub mod regression;
pub mod root;
pub mod summary;
pub mod tidy;
