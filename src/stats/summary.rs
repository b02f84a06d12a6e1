//! Descriptive statistics used across stages: means and variances computed stably,
//! and the Welch two-sample difference.

use statrs::distribution::{ContinuousCDF, Normal};

/// Mean and sample variance (n − 1 denominator) by two passes, which keeps full
/// accuracy when the mean is large relative to the spread. An empty slice gives
/// NaN for both and a single value a zero variance; callers check sizes first.
pub fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let (sum_sq, sum) = values.iter().fold((0.0, 0.0), |(sq, s), v| {
        let d = v - mean;
        (sq + d * d, s + d)
    });
    // The compensation term removes the rounding error left in `mean` (Chan, Golub and
    // LeVeque 1983, "Algorithms for computing the sample variance").
    (mean, (sum_sq - sum * sum / n) / (n - 1.0))
}

/// Difference in means `x̄ − ȳ`, its Welch (Neyman) standard error and the
/// Welch–Satterthwaite degrees of freedom.
///
/// # Formula
/// se² = s_x²/n_x + s_y²/n_y;
/// df = se⁴ / ((s_x²/n_x)²/(n_x − 1) + (s_y²/n_y)²/(n_y − 1)).
///
/// Matches R's `t.test(x, y)` (statistic, parameter) and `estimatr::difference_in_means`.
/// Each sample needs at least two values.
pub fn welch_difference(x: &[f64], y: &[f64]) -> (f64, f64, f64) {
    let (mean_x, var_x) = mean_and_variance(x);
    let (mean_y, var_y) = mean_and_variance(y);
    let (a, b) = (var_x / x.len() as f64, var_y / y.len() as f64);
    let se2 = a + b;
    let df = se2 * se2 / (a * a / (x.len() as f64 - 1.0) + b * b / (y.len() as f64 - 1.0));
    (mean_x - mean_y, se2.sqrt(), df)
}

/// Standard normal quantile, for p in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    #[test]
    fn variance_is_exact_for_a_large_offset() {
        let values = [1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0];
        let (mean, variance) = mean_and_variance(&values);
        assert_eq!(mean, 1e9 + 10.0);
        assert_close(variance, 30.0, 1e-12, "variance");
    }

    /// R 4.2.2: `r <- t.test(c(1,2,3,4,9), c(2,2.5,7,8)); print(c(r$statistic, r$parameter, r$stderr), digits = 17)`.
    #[test]
    fn welch_matches_r() {
        let (difference, se, df) =
            welch_difference(&[1.0, 2.0, 3.0, 4.0, 9.0], &[2.0, 2.5, 7.0, 8.0]);
        assert_close(difference, 3.8 - 4.875, 1e-14, "difference");
        assert_close(difference / se, R_WELCH_T, 1e-12, "t");
        assert_close(df, R_WELCH_DF, 1e-12, "df");
    }

    const R_WELCH_T: f64 = -0.519_077_913_996_118_9;
    const R_WELCH_DF: f64 = 6.616_723_140_165_76;
}
