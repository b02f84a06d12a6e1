//! The seeded data-generating process of the RD timings (benches/rdd.rs,
//! examples/rd_timing.rs; benches/rdd_peer.py draws rdrobust's data from the same
//! model): x ~ U(−1, 1), y = 1 + 0.8x − 0.6x² + 0.4·1[x ≥ 0] + U(−0.5, 0.5).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` observations of the running variable and the outcome.
pub fn data(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let mut uniform = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let xi = 2.0 * uniform() - 1.0;
        let noise = uniform() - 0.5;
        x.push(xi);
        y.push(1.0 + 0.8 * xi - 0.6 * xi * xi + if xi >= 0.0 { 0.4 } else { 0.0 } + noise);
    }
    (x, y)
}
