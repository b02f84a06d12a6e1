//! Linear and logistic regression with the variance estimators of R's estimatr.
//!
//! - [`design`]: design matrices from numeric and factor covariates (R's contrasts).
//! - [`ols`]: (weighted) least squares by QR.
//! - [`variance`]: classical, HC0–HC3, CR0, CR1 (stata) and CR2 ([`cr2`]) with df.
//! - [`lm_robust`]: the user-facing fit, like `estimatr::lm_robust()`.
//! - [`lm_lin`]: Lin (2013) interacted covariate adjustment (`estimatr::lm_lin()`).
//! - [`logistic`]: logistic regression by Newton/IRLS, with separation detection.
//! - [`diff_in_means`]: `estimatr::difference_in_means()` for the analysis stage.
//!
//! Every routine validates its input and returns [`RegressionError`] rather than
//! panicking or producing NaN.

pub mod clusters;
pub mod cr2;
pub mod design;
pub mod diff_in_means;
pub mod error;
pub mod lm_lin;
pub mod lm_robust;
pub mod logistic;
pub(crate) mod ols;
pub mod variance;

pub use clusters::Clusters;
pub use design::{Covariate, Design, build_design, build_design_rows};
pub use diff_in_means::{DifferenceInMeans, DimDesign, DimOptions, difference_in_means};
pub use error::RegressionError;
pub use lm_lin::lm_lin;
pub use lm_robust::{Coefficient, FStatistic, LmRobust, LmRobustOptions, lm_robust};
pub use logistic::{LogisticFit, LogisticOptions, logistic_regression};
pub use variance::SeType;
