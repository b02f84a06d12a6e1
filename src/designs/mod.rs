//! Analyses for the designs that are not comparisons of arms: each design owns one
//! folder with its data checks, estimation and inference (settings live in `spec`,
//! charts and sections in `report`, grading rules in `evidence`).

pub mod did;
pub mod its;
pub mod rdd;
pub mod synth;
