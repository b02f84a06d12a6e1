//! Design matrix builder: turns named covariates into the numeric matrix X of a linear
//! model, the way R's `model.matrix()` does for a formula `y ~ a + b + ...`.
//!
//! In: an optional intercept and a list of [`Covariate`]s (numeric columns, or
//! factors given as one label per row). Out: a [`Design`] with an n × k column-major
//! matrix and R-style column names.
//!
//! Factors use treatment contrasts: the levels are sorted (byte order of the labels,
//! which is R's order for the ASCII labels of `sort()` in the C locale; R in another
//! locale may order mixed-case labels differently), the first is the reference, and
//! each other level gets a 0/1 column named `<factor><level>` (`groupB`), as R does
//! for character columns. Without an intercept the first factor keeps all its levels,
//! as in `model.matrix(~ 0 + f + g)`.

use nalgebra::DMatrix;
use serde::Serialize;
use std::collections::BTreeSet;

use super::RegressionError;
use crate::data::Values;

/// One right-hand-side variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Covariate {
    /// A numeric column, used as is (its own values, or the table's column shared).
    Numeric { name: String, values: Values },
    /// A categorical column, one label per row, expanded with treatment contrasts.
    Factor { name: String, levels: Vec<String> },
}

impl Covariate {
    /// The variable's name.
    pub fn name(&self) -> &str {
        match self {
            Covariate::Numeric { name, .. } | Covariate::Factor { name, .. } => name,
        }
    }

    fn len(&self) -> usize {
        match self {
            Covariate::Numeric { values, .. } => values.len(),
            Covariate::Factor { levels, .. } => levels.len(),
        }
    }
}

/// A numeric design matrix with its column names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Design {
    /// Column names: `(Intercept)`, numeric names, `<factor><level>` dummies.
    pub names: Vec<String>,
    /// n × k, column-major.
    #[serde(skip)]
    pub x: DMatrix<f64>,
}

impl Design {
    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.x.nrows()
    }

    /// Number of columns (coefficients).
    pub fn ncols(&self) -> usize {
        self.x.ncols()
    }

    /// Wraps an existing matrix, checking the names and that every value is finite.
    ///
    /// # Errors
    /// [`RegressionError::LengthMismatch`] when the number of names is not the number
    /// of columns, [`RegressionError::DuplicateColumn`], [`RegressionError::NonFinite`].
    pub fn from_matrix(names: Vec<String>, x: DMatrix<f64>) -> Result<Design, RegressionError> {
        if names.len() != x.ncols() {
            return Err(RegressionError::LengthMismatch {
                column: "column names".into(),
                expected: x.ncols(),
                found: names.len(),
            });
        }
        check_unique(&names)?;
        for (j, name) in names.iter().enumerate() {
            check_finite(name, x.column(j).iter().copied())?;
        }
        Ok(Design { names, x })
    }
}

/// Builds the design matrix of `~ covariates` (with `(Intercept)` first when
/// `intercept` is true).
///
/// # Errors
/// [`RegressionError::Empty`] with no rows, [`RegressionError::LengthMismatch`] when
/// columns differ in length, [`RegressionError::NonFinite`] for NaN or infinite
/// numeric values (missing values are the caller's to drop),
/// [`RegressionError::SingleLevelFactor`], [`RegressionError::DuplicateColumn`].
pub fn build_design(intercept: bool, covariates: &[Covariate]) -> Result<Design, RegressionError> {
    let n = match covariates.first() {
        Some(c) => c.len(),
        None if intercept => {
            return Err(RegressionError::Unsupported(
                "an intercept-only design needs the number of rows: use build_design_rows",
            ));
        }
        None => return Err(RegressionError::Empty),
    };
    build_design_rows(n, intercept, covariates)
}

/// As [`build_design`], with the number of rows given (needed for intercept-only
/// models, whose covariate list is empty).
///
/// # Errors
/// As [`build_design`].
pub fn build_design_rows(
    n: usize,
    intercept: bool,
    covariates: &[Covariate],
) -> Result<Design, RegressionError> {
    if n == 0 {
        return Err(RegressionError::Empty);
    }
    let mut names = Vec::new();
    // Numeric covariates are borrowed, not copied: the design is their only copy.
    let mut columns: Vec<std::borrow::Cow<'_, [f64]>> = Vec::new();
    if intercept {
        names.push("(Intercept)".to_string());
        columns.push(vec![1.0; n].into());
    }
    let mut full_rank_factor_used = intercept;
    for cov in covariates {
        if cov.len() != n {
            return Err(RegressionError::LengthMismatch {
                column: cov.name().to_string(),
                expected: n,
                found: cov.len(),
            });
        }
        match cov {
            Covariate::Numeric { name, values } => {
                check_finite(name, values.iter().copied())?;
                names.push(name.clone());
                columns.push((&**values).into());
            }
            Covariate::Factor { name, levels } => {
                let sorted: Vec<&str> = levels
                    .iter()
                    .map(String::as_str)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if sorted.len() < 2 {
                    return Err(RegressionError::SingleLevelFactor {
                        column: name.clone(),
                        level: sorted.first().map(|s| s.to_string()).unwrap_or_default(),
                    });
                }
                let skip = usize::from(full_rank_factor_used);
                full_rank_factor_used = true;
                for level in &sorted[skip..] {
                    names.push(format!("{name}{level}"));
                    columns.push(
                        levels
                            .iter()
                            .map(|l| if l == level { 1.0 } else { 0.0 })
                            .collect::<Vec<f64>>()
                            .into(),
                    );
                }
            }
        }
    }
    check_unique(&names)?;
    let k = columns.len();
    // One allocation of n × k, filled column by column (column-major, as the matrix
    // stores it) without zeroing it first.
    let mut storage = Vec::with_capacity(n * k);
    for column in &columns {
        storage.extend_from_slice(column);
    }
    Ok(Design {
        names,
        x: DMatrix::from_vec(n, k, storage),
    })
}

fn check_finite(name: &str, values: impl Iterator<Item = f64>) -> Result<(), RegressionError> {
    for (row, value) in values.enumerate() {
        if !value.is_finite() {
            return Err(RegressionError::NonFinite {
                column: name.to_string(),
                row,
                value,
            });
        }
    }
    Ok(())
}

fn check_unique(names: &[String]) -> Result<(), RegressionError> {
    let mut seen = BTreeSet::new();
    for name in names {
        if !seen.insert(name.as_str()) {
            return Err(RegressionError::DuplicateColumn {
                column: name.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_uses_first_sorted_level_as_reference() {
        let d = build_design(
            true,
            &[
                Covariate::Numeric {
                    name: "x".into(),
                    values: vec![1.0, 2.0, 3.0].into(),
                },
                Covariate::Factor {
                    name: "group".into(),
                    levels: vec!["C".into(), "A".into(), "B".into()],
                },
            ],
        )
        .unwrap();
        assert_eq!(d.names, ["(Intercept)", "x", "groupB", "groupC"]);
        assert_eq!(d.x.column(2).as_slice(), &[0.0, 0.0, 1.0]);
        assert_eq!(d.x.column(3).as_slice(), &[1.0, 0.0, 0.0]);
    }

    #[test]
    fn no_intercept_keeps_all_levels_of_first_factor() {
        let d = build_design(
            false,
            &[Covariate::Factor {
                name: "g".into(),
                levels: vec!["b".into(), "a".into()],
            }],
        )
        .unwrap();
        assert_eq!(d.names, ["ga", "gb"]);
    }

    #[test]
    fn nan_is_named() {
        let err = build_design(
            true,
            &[Covariate::Numeric {
                name: "age".into(),
                values: vec![1.0, f64::NAN].into(),
            }],
        )
        .unwrap_err();
        assert!(
            matches!(err, RegressionError::NonFinite { ref column, row: 1, .. } if column == "age")
        );
        assert!(err.to_string().contains("'age'"));
    }

    #[test]
    fn single_level_factor_is_refused() {
        let err = build_design(
            true,
            &[Covariate::Factor {
                name: "g".into(),
                levels: vec!["a".into(), "a".into()],
            }],
        )
        .unwrap_err();
        assert!(matches!(err, RegressionError::SingleLevelFactor { .. }));
    }
}
