//! A column of numbers an estimator works on: its own vector, or the values of a
//! column the table already holds (shared, not copied: at 10,000,000 rows one
//! column is 80 MB). Regression covariates and the match stage's covariates and
//! balance variables are held this way.

use std::ops::Deref;

use arrow_array::{Array, Float64Array};

/// One value per unit, read as a slice (`values[i]`, `values.iter()`).
#[derive(Debug, Clone)]
pub struct Values(Held);

#[derive(Debug, Clone)]
enum Held {
    Owned(Vec<f64>),
    /// A column without missing values whose rows are the units, in order.
    Shared(Float64Array),
}

impl Values {
    /// The table's column as it is, when it has no missing value (its values are
    /// then the numbers; a missing one's slot holds an arbitrary number).
    pub fn shared(column: &Float64Array) -> Option<Values> {
        (column.null_count() == 0).then(|| Values(Held::Shared(column.clone())))
    }
}

impl Deref for Values {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        match &self.0 {
            Held::Owned(values) => values,
            Held::Shared(column) => column.values(),
        }
    }
}

impl From<Vec<f64>> for Values {
    fn from(values: Vec<f64>) -> Values {
        Values(Held::Owned(values))
    }
}

impl FromIterator<f64> for Values {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Values {
        Values(Held::Owned(iter.into_iter().collect()))
    }
}

impl PartialEq for Values {
    fn eq(&self, other: &Values) -> bool {
        **self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_and_owned_read_the_same() {
        let column = Float64Array::from(vec![1.5, -0.0, 3.25]);
        let shared = Values::shared(&column).expect("no missing value");
        let owned: Values = vec![1.5, -0.0, 3.25].into();
        assert_eq!(&*shared, &[1.5, -0.0, 3.25]);
        assert_eq!(shared, owned);
        assert_eq!(shared[2], 3.25);
        let with_missing = Float64Array::from(vec![Some(1.0), None]);
        assert!(Values::shared(&with_missing).is_none());
    }
}
