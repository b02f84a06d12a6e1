//! Complete randomisation of one group (the whole sample, a block, or a pair) and
//! simple randomisation: arm counts by randomizr's remainder rule, then a seeded
//! shuffle of the arm labels.
//!
//! # Remainder rule
//! With `n` units and shares `p_k`, arm `k` first gets `floor(n·p_k)` units (the
//! same double-precision arithmetic as R). The `r = n − Σ floor(n·p_k)` units left
//! over go one each to `r` different arms, arm `k` receiving one with probability
//! `f_k = n·p_k − floor(n·p_k)` (these sum to `r`), so the expected count of every arm
//! is exactly `n·p_k` and every unit's probability of arm `k` is exactly `p_k`.
//! The arms receiving a remainder unit are chosen by systematic sampling on one
//! uniform draw `u`: arm `k` receives one when an integer `j` has
//! `F_{k−1} ≤ u + j < F_k`, with `F_k = f_1 + … + f_k`.
//!
//! For two arms this is randomizr's `complete_ra(N, prob)` rule exactly: treatment
//! gets `ceiling(N·prob)` units with probability `N·prob − floor(N·prob)`. Two
//! documented differences: randomizr takes `floor(N·prob)` outright when
//! `ceiling(N·prob) = N` (which makes its probability `floor(N·prob)/N`, not `prob`);
//! and for three or more arms randomizr draws the remainder arms by R's sequential
//! weighted sampling without replacement, whose inclusion probabilities are only
//! approximately `f_k`, while the probabilities it reports are `prob_each`. Evident's
//! systematic draw makes them exact, so the recorded probabilities are the true ones.
//!
//! # References
//! Coppock, A. (2023). randomizr: Easy-to-Use Tools for Common Forms of Random
//! Assignment and Sampling, R package version 1.0.0, function `complete_ra`.
//! Madow, W. G. (1949). On the theory of systematic sampling, II. Annals of
//! Mathematical Statistics 20(3), 333–354.

use super::rng::Stream;

/// Units per arm for a group of `n` by the remainder rule (consumes one uniform
/// draw when there is a remainder).
pub fn remainder_counts(n: usize, shares: &[f64], stream: &mut Stream) -> Vec<u64> {
    let total = n as f64;
    let floors: Vec<f64> = shares.iter().map(|p| (total * p).floor()).collect();
    let mut counts: Vec<u64> = floors.iter().map(|f| *f as u64).collect();
    let assigned: u64 = counts.iter().sum();
    let remainder = (n as u64).saturating_sub(assigned);
    if remainder == 0 {
        return counts;
    }
    let fractions: Vec<f64> = shares
        .iter()
        .zip(&floors)
        .map(|(p, f)| total * p - f)
        .collect();
    let u = stream.uniform();
    let mut given = 0u64;
    let mut low = 0.0;
    let last = fractions.len() - 1;
    let mut extra = vec![false; fractions.len()];
    for (k, f) in fractions.iter().enumerate() {
        // The last boundary is r exactly, so rounding in the sum cannot lose a unit.
        let high = if k == last { remainder as f64 } else { low + f };
        // Points u + j fall in [low, high) for j = ceil(low − u) .. ceil(high − u) − 1.
        let points = ((high - u).ceil() - (low - u).ceil()).max(0.0) as u64;
        if points > 0 && given < remainder {
            extra[k] = true;
            given += 1;
        }
        low = high;
    }
    // Guard against floating-point corner cases: hand any unit still left to the
    // arms without an extra unit, largest fraction first (never reached with
    // shares that sum to 1 within 1e-9).
    while given < remainder {
        let Some(k) = (0..fractions.len())
            .filter(|k| !extra[*k])
            .max_by(|a, b| fractions[*a].total_cmp(&fractions[*b]).then(b.cmp(a)))
        else {
            break;
        };
        extra[k] = true;
        given += 1;
    }
    for (count, e) in counts.iter_mut().zip(extra) {
        *count += u64::from(e);
    }
    counts
}

/// Fills `labels` with arm `k` repeated `counts[k]` times, in arm order, and shuffles
/// it; position `i` is the arm of the group's `i`-th entity.
pub fn shuffled_labels(counts: &[u64], labels: &mut Vec<u8>, stream: &mut Stream) {
    labels.clear();
    for (arm, &count) in counts.iter().enumerate() {
        labels.extend(std::iter::repeat_n(arm as u8, count as usize));
    }
    stream.shuffle(labels);
}

/// Simple randomisation: each entity independently, arm `k` with probability `p_k`
/// (one uniform draw `u` per entity; the arm is the first `k` with `u < p_1 + … + p_k`,
/// the last arm taking any rounding gap).
pub fn simple_labels(n: usize, shares: &[f64], labels: &mut Vec<u8>, stream: &mut Stream) {
    let mut cumulative = Vec::with_capacity(shares.len());
    let mut sum = 0.0;
    for p in shares {
        sum += p;
        cumulative.push(sum);
    }
    let last = shares.len() - 1;
    labels.clear();
    for _ in 0..n {
        let u = stream.uniform();
        let arm = cumulative.iter().position(|c| u < *c).unwrap_or(last);
        labels.push(arm as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_arm_remainder_is_floor_or_ceiling_with_exact_expectation() {
        let mut stream = Stream::new(11);
        let draws = 40_000;
        let mut treated = 0u64;
        for _ in 0..draws {
            let c = remainder_counts(7, &[0.5, 0.5], &mut stream);
            assert!(c == [3, 4] || c == [4, 3], "{c:?}");
            assert_eq!(c.iter().sum::<u64>(), 7);
            treated += c[1];
        }
        let mean = treated as f64 / draws as f64;
        assert!((mean - 3.5).abs() < 0.02, "{mean}");
    }

    #[test]
    fn multi_arm_remainder_gives_at_most_one_extra_and_exact_expectations() {
        let shares = [0.2, 0.3, 0.5];
        let n = 9; // 1.8, 2.7, 4.5 → floors 1, 2, 4; remainder 2; fractions .8 .7 .5
        let mut stream = Stream::new(5);
        let draws = 60_000;
        let mut sums = [0u64; 3];
        for _ in 0..draws {
            let c = remainder_counts(n, &shares, &mut stream);
            assert_eq!(c.iter().sum::<u64>(), 9);
            for k in 0..3 {
                assert!(c[k] == [1, 2, 4][k] || c[k] == [2, 3, 5][k]);
                sums[k] += c[k];
            }
        }
        for k in 0..3 {
            let mean = sums[k] as f64 / draws as f64;
            assert!(
                (mean - n as f64 * shares[k]).abs() < 0.01,
                "arm {k}: {mean}"
            );
        }
    }

    #[test]
    fn exact_division_uses_no_draw() {
        let mut stream = Stream::new(1);
        assert_eq!(remainder_counts(10, &[0.3, 0.7], &mut stream), [3, 7]);
        assert_eq!(stream.draws(), 0);
    }

    #[test]
    fn shuffled_labels_keep_counts() {
        let mut stream = Stream::new(2);
        let mut labels = Vec::new();
        shuffled_labels(&[2, 3, 1], &mut labels, &mut stream);
        let mut sorted = labels.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 0, 1, 1, 1, 2]);
    }
}
