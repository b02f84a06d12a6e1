//! The observations in order of the running variable, sorted once per analysis and
//! shared by the estimate, its diagnostics, the density test and the plot's bins
//! (each used to sort the running variable again, which at a million rows cost more
//! than the fits themselves).
//!
//! The order is the one a stable sort by `f64::total_cmp` gives: ties keep their row
//! order, so every sum over the sorted observations adds the same numbers in the same
//! order as before and results do not change by a bit.

use rayon::prelude::*;

/// Row indices in order of the running variable, and the running variable in that order.
#[derive(Debug, Clone)]
pub struct SortedRunning {
    pub(crate) order: Vec<usize>,
    pub(crate) x: Vec<f64>,
}

/// A key whose unsigned order is `f64::total_cmp`'s order (the same bit trick).
#[inline]
fn total_order_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

impl SortedRunning {
    /// Sort `running` (any values; NaN sorts as `total_cmp` puts it). The (key, row)
    /// pairs are all distinct, so the parallel unstable sort has one possible result
    /// whatever the number of threads: the stable order by running variable.
    pub fn new(running: &[f64]) -> SortedRunning {
        let mut keyed: Vec<(u64, usize)> = running
            .iter()
            .enumerate()
            .map(|(i, &v)| (total_order_key(v), i))
            .collect();
        keyed.par_sort_unstable();
        let order: Vec<usize> = keyed.iter().map(|&(_, i)| i).collect();
        let x = order.iter().map(|&i| running[i]).collect();
        SortedRunning { order, x }
    }

    /// The running variable in increasing order.
    pub fn values(&self) -> &[f64] {
        &self.x
    }

    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_is_the_stable_total_order() {
        let running = [
            0.5,
            -0.0,
            0.0,
            -1.0,
            0.5,
            2.0,
            -0.0,
            f64::INFINITY,
            -3.5,
            0.5,
        ];
        let sorted = SortedRunning::new(&running);
        let mut expected: Vec<usize> = (0..running.len()).collect();
        expected.sort_by(|&a, &b| running[a].total_cmp(&running[b]));
        assert_eq!(sorted.order, expected);
        let values: Vec<u64> = sorted.values().iter().map(|v| v.to_bits()).collect();
        let want: Vec<u64> = expected.iter().map(|&i| running[i].to_bits()).collect();
        assert_eq!(values, want);
    }
}
