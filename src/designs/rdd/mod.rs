//! Regression discontinuity: local-polynomial estimates of the jump in an outcome at a
//! cut-off of a running variable, computed as rdrobust 2.1.1 computes them (Calonico,
//! Cattaneo and Titiunik 2014; Calonico, Cattaneo and Farrell 2020).
//!
//! The engine sorts the observations by the running variable once (`SortedRunning`,
//! shared by an analysis's estimate, diagnostics, density test and plot bins), splits
//! them at the cut-off (left: `x < c`, right: `x >= c`, as rdrobust does), selects the bandwidths
//! (`bandwidth`), fits the local polynomials either side and forms the conventional,
//! bias-corrected and robust rows (`estimate`) with the nearest-neighbour or plug-in
//! residual variance (`residuals`). Every step follows the Python port of rdrobust
//! 2.1.1 line for line; tests/reference/rdd/ holds the fixtures that prove it.

mod bandwidth;
mod bins;
mod density;
pub mod diagnostics;
mod estimate;
mod kernel;
mod linalg;
mod residuals;
mod side;
mod sorted;

use thiserror::Error;

pub use bandwidth::{SelectedBandwidths, select_bandwidths};
pub use bins::{Bin, BinRule, RdBins, rd_bins, rd_bins_sorted};
pub use density::{DensityTest, density_test, density_test_sorted};
pub use estimate::{FirstStage, RdEstimate, RdRow, estimate, estimate_sorted};
pub use kernel::Kernel;
pub use sorted::SortedRunning;

/// The bandwidth selectors of rdbwselect that Evident offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// One common MSE-optimal bandwidth for the difference (rdrobust's default).
    Mserd,
    /// Two MSE-optimal bandwidths, one either side.
    Msetwo,
    /// One common coverage-error-optimal bandwidth.
    Cerrd,
    /// Two coverage-error-optimal bandwidths, one either side.
    Certwo,
}

impl Selector {
    pub fn name(self) -> &'static str {
        match self {
            Selector::Mserd => "mserd",
            Selector::Msetwo => "msetwo",
            Selector::Cerrd => "cerrd",
            Selector::Certwo => "certwo",
        }
    }

    fn is_two_sided(self) -> bool {
        matches!(self, Selector::Msetwo | Selector::Certwo)
    }

    fn is_cer(self) -> bool {
        matches!(self, Selector::Cerrd | Selector::Certwo)
    }
}

/// How the bandwidths are chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BandwidthChoice {
    /// Data-driven, as rdbwselect.
    Select(Selector),
    /// Declared bandwidths: main `h` and bias `b`, left and right of the cut-off.
    Fixed {
        h_left: f64,
        h_right: f64,
        b_left: f64,
        b_right: f64,
    },
}

/// The residual variance estimator (rdrobust's `vce`). With a cluster column the
/// estimator is CR1 whatever is chosen here, as rdrobust switches `nn`/`hc0`/`hc1` to
/// `cr1`; `hc2`/`hc3` with clusters (CR2/CR3) are refused rather than silently changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vce {
    /// Nearest-neighbour residuals with at least `nnmatch` neighbours (default 3).
    Nn,
    Hc0,
    Hc1,
    Hc2,
    Hc3,
}

impl Vce {
    pub fn name(self) -> &'static str {
        match self {
            Vce::Nn => "nn",
            Vce::Hc0 => "hc0",
            Vce::Hc1 => "hc1",
            Vce::Hc2 => "hc2",
            Vce::Hc3 => "hc3",
        }
    }
}

/// Settings of one RD estimate, with rdrobust's defaults from [`RdOptions::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct RdOptions {
    pub cutoff: f64,
    /// Order of the local polynomial of the point estimate (1 or 2).
    pub p: usize,
    /// Order of the bias-correction polynomial; must exceed `p` (default `p + 1`).
    pub q: usize,
    pub kernel: Kernel,
    pub bandwidth: BandwidthChoice,
    pub vce: Vce,
    /// Minimum number of neighbours of the nearest-neighbour variance.
    pub nnmatch: usize,
    /// Confidence level in (0, 1).
    pub level: f64,
}

impl RdOptions {
    /// rdrobust's defaults at cut-off `cutoff`: p = 1, q = 2, triangular kernel, mserd,
    /// nearest-neighbour variance with 3 neighbours, 95% intervals.
    pub fn new(cutoff: f64) -> Self {
        RdOptions {
            cutoff,
            p: 1,
            q: 2,
            kernel: Kernel::Triangular,
            bandwidth: BandwidthChoice::Select(Selector::Mserd),
            vce: Vce::Nn,
            nnmatch: 3,
            level: 0.95,
        }
    }
}

/// The columns of one RD analysis, already free of missing values.
#[derive(Debug, Clone, Copy)]
pub struct RdData<'a> {
    pub running: &'a [f64],
    pub outcome: &'a [f64],
    /// Treatment received (fuzzy design); `None` for a sharp design.
    pub treatment: Option<&'a [f64]>,
    /// Covariate columns adjusted for (each as long as `running`).
    pub covariates: &'a [&'a [f64]],
    /// Cluster identifiers (any integers); with them the variance is CR1.
    pub cluster: Option<&'a [u64]>,
}

/// Why an RD estimate cannot be given. Each message says what to change.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RdError {
    #[error("the {what} column has {got} values but the running variable has {expected}")]
    LengthMismatch {
        what: String,
        got: usize,
        expected: usize,
    },
    #[error("the {what} column holds a value that is not a finite number (row {row})")]
    NotFinite { what: String, row: usize },
    #[error(
        "the cut-off {cutoff} is not inside the range of the running variable ({min} to {max}): there are no observations on one side"
    )]
    CutoffOutsideRange { cutoff: f64, min: f64, max: f64 },
    #[error(
        "only {distinct} distinct values of the running variable {side} the cut-off: a polynomial of order {order} needs at least {needed}"
    )]
    TooFewMassPoints {
        side: &'static str,
        distinct: usize,
        order: usize,
        needed: usize,
    },
    #[error(
        "only {left} (left) and {right} (right) observations fall inside the bandwidth; at least 10 are needed on each side for a local-polynomial estimate"
    )]
    TooFewInBandwidth { left: usize, right: usize },
    #[error(
        "not enough distinct running-variable values with positive weight to fit the polynomials on each side of the cut-off (h = {h_left}/{h_right}, b = {b_left}/{b_right})"
    )]
    WindowNotIdentified {
        h_left: f64,
        h_right: f64,
        b_left: f64,
        b_right: f64,
    },
    #[error(
        "not enough variability in the running variable to compute the bandwidth (the pilot fits are degenerate); a discrete running variable with few mass points may not identify an RD design"
    )]
    BandwidthDegenerate,
    #[error("invalid RD settings: {0}")]
    Settings(String),
    #[error(
        "fuzzy RD: the treatment-receipt column has no variation and no jump at the cut-off, so the effect is not identified"
    )]
    NoFirstStage,
    #[error("the covariates are collinear within the bandwidth; drop one of them")]
    CollinearCovariates,
    #[error("a matrix of the local fit is singular: {0}")]
    Singular(&'static str),
}
