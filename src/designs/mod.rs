//! Analyses for the quasi-experimental designs that are not comparisons of arms:
//! each design owns one folder (settings live in `spec`, charts in `report`).

pub mod rdd;
