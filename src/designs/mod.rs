//! Designs over time: the analyses of quasi-experimental designs whose data are
//! series or panels rather than one row per randomised unit.
//!
//! | module | design |
//! |---|---|
//! | [`its`] | interrupted time series (segmented regression, Newey–West, Prais–Winsten) |
//! | [`did`] | difference-in-differences: two-way fixed effects and the event study |

pub mod did;
pub mod its;
