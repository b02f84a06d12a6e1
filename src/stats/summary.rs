//! Descriptive statistics used across stages: means and variances computed stably.

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

    /// R 4.2.2: `var(c(1, 2, 3, 4, 9))` = 9.7.
    #[test]
    fn variance_matches_r() {
        let (mean, variance) = mean_and_variance(&[1.0, 2.0, 3.0, 4.0, 9.0]);
        assert_close(mean, 3.8, 1e-15, "mean");
        assert_close(variance, 9.7, 1e-14, "variance");
    }
}
