//! Analyses for the designs that are not comparisons of arms: each design owns one
//! folder with its data checks, estimation and inference (settings live in `spec`,
//! charts and sections in `report`, grading rules in `evidence`).
//!
//! | module | design |
//! |---|---|
//! | [`rdd`] | regression discontinuity (rdrobust's local polynomial, rddensity) |
//! | [`synth`] | synthetic control (outcome-only, nested and augmented fits, placebos) |
//! | [`its`] | interrupted time series (segmented regression, Newey–West, Prais–Winsten) |
//! | [`did`] | difference-in-differences: two-way fixed effects and the event study |
//! | [`staggered`] | staggered roll-out: Callaway and Sant'Anna ATT(g,t), Bacon decomposition |

pub mod did;
pub mod its;
pub mod rdd;
pub mod staggered;
pub mod synth;
