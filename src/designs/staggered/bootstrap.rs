//! Seeded multiplier bootstrap of aggregated effects (did's `mboot`) and the uniform
//! critical value of a simultaneous band.
//!
//! Draw b gives `bres_b = n^{-1/2} Σ_c v_bc Σ_{i∈c} ψ_i` for every effect, with one
//! multiplier v per cluster (per unit unless clusters are given), so the bootstrap
//! is clustered by unit. The bootstrap scale of effect j is its interquartile range
//! over the draws divided by that of the standard normal; the critical value is the
//! 1 − α quantile (type 1, as did) of max_j |bres_bj| / scale_j. The band of effect j
//! is estimate ± critical value × se_j, with se_j = scale_j·√m/n the bootstrap
//! standard error (m clusters, n units; csdid's cluster-sum form, which is did's
//! scale_j/√n when clusters are units).
//!
//! Multipliers come from ChaCha20 keyed by SHA-256 of `evident-staggered-mboot-v1`,
//! the seed and the block number, one block per 4,096 clusters, so the draws (and
//! the bands) are the same on any number of threads. Within a block the two-valued
//! multipliers of each group of 8 clusters index a table of their 256 possible
//! weighted sums, instead of a draws × clusters matrix product.

use rand::RngExt as _;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::spec::staggered::MultiplierWeights;

const BLOCK: usize = 4096;
/// Clusters per table of multiplier sums (2^GROUP rows; BLOCK is a multiple of it).
const GROUP: usize = 8;

/// The bootstrap of one family of effects.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    /// Uniform critical value (NaN when no effect has a bootstrap scale).
    pub critical_value: f64,
    /// Bootstrap standard error of each effect.
    pub se: Vec<f64>,
}

fn block_rng(seed: u64, block: usize) -> ChaCha20Rng {
    let mut hasher = Sha256::new();
    hasher.update(b"evident-staggered-mboot-v1");
    hasher.update(seed.to_le_bytes());
    hasher.update((block as u64).to_le_bytes());
    ChaCha20Rng::from_seed(hasher.finalize().into())
}

/// Cluster sums of the influence functions: `influence[j]` has one value per unit.
fn cluster_sums(influence: &[&[f64]], cluster_of_unit: Option<&[usize]>) -> (usize, Vec<f64>) {
    let k = influence.len();
    match cluster_of_unit {
        None => {
            let n = influence.first().map_or(0, |x| x.len());
            let mut rows = vec![0.0; n * k];
            for (j, psi) in influence.iter().enumerate() {
                for (i, x) in psi.iter().enumerate() {
                    rows[i * k + j] = *x;
                }
            }
            (n, rows)
        }
        Some(cluster) => {
            let m = cluster.iter().copied().max().map_or(0, |c| c + 1);
            let mut rows = vec![0.0; m * k];
            for (j, psi) in influence.iter().enumerate() {
                for (i, x) in psi.iter().enumerate() {
                    rows[cluster[i] * k + j] += *x;
                }
            }
            (m, rows)
        }
    }
}

/// Bootstrap draws `bres` (draws × effects, row-major) for influence functions
/// `influence` (each of length n units).
pub fn draws(
    influence: &[&[f64]],
    cluster_of_unit: Option<&[usize]>,
    n_draws: usize,
    seed: u64,
    weights: MultiplierWeights,
) -> (usize, Vec<f64>) {
    let k = influence.len();
    let (m, rows) = cluster_sums(influence, cluster_of_unit);
    let kappa = (1.0 + 5f64.sqrt()) / 2.0;
    let p_low = kappa / 5f64.sqrt();
    // The multiplier of a 64-bit word w: u = (w >> 11)·2⁻⁵³ is uniform on [0, 1).
    let (low, high, threshold) = match weights {
        MultiplierWeights::Mammen => (1.0 - kappa, kappa, p_low),
        MultiplierWeights::Rademacher => (-1.0, 1.0, 0.5),
    };
    // u = (w >> 11)·2⁻⁵³ < threshold exactly when the integer w >> 11 is below
    // threshold·2⁵³ (exact: a power-of-two scaling), i.e. below its ceiling: the same
    // decision without converting every word to a float.
    let cut = (threshold * (1u64 << 53) as f64).ceil() as u64;
    let is_low = |w: u64| (w >> 11) < cut;
    let blocks = m.div_ceil(BLOCK);
    // Block b reads its stream cluster by cluster, n_draws words each (the words of
    // successive `next_u64` calls), keeping only whether each multiplier is the low
    // or the high value. Every multiplier takes one of two values, so for a group of
    // GROUP clusters the 2^GROUP possible sums Σ v_c ψ_c are tabulated once and each
    // draw adds one table row: GROUP times fewer operations than the draws × clusters
    // matrix product, and no draws × clusters matrix (32 MB per block at 999 draws).
    // Sums are formed in a fixed order (groups in order within a block, blocks in
    // order), so the draws do not depend on the number of threads.
    let partial: Vec<Vec<f64>> = (0..blocks)
        .into_par_iter()
        .map_init(
            || {
                (
                    vec![0u64; n_draws],
                    vec![0u8; n_draws],
                    vec![0.0; (1 << GROUP) * k],
                )
            },
            |(words, masks, table), b| {
                let start = b * BLOCK;
                let len = BLOCK.min(m - start);
                let mut rng = block_rng(seed, b);
                let mut sums = vec![0.0; n_draws * k];
                for first in (start..start + len).step_by(GROUP) {
                    let size = GROUP.min(start + len - first);
                    masks.fill(0);
                    for bit in 0..size {
                        rng.fill(&mut words[..]);
                        for (mask, &w) in masks.iter_mut().zip(words.iter()) {
                            *mask |= u8::from(is_low(w)) << bit;
                        }
                    }
                    let psi = &rows[first * k..(first + size) * k];
                    // table[mask] = Σ_c (low if bit c of mask else high) · ψ_c.
                    table[..k].fill(0.0);
                    for c in 0..size {
                        for (t, x) in table[..k].iter_mut().zip(&psi[c * k..(c + 1) * k]) {
                            *t += high * x;
                        }
                    }
                    for mask in 1..1usize << size {
                        let c = mask.trailing_zeros() as usize;
                        let (done, rest) = table.split_at_mut(mask * k);
                        let from = &done[(mask & (mask - 1)) * k..][..k];
                        for ((t, f), x) in
                            rest[..k].iter_mut().zip(from).zip(&psi[c * k..(c + 1) * k])
                        {
                            *t = f + (low - high) * x;
                        }
                    }
                    for (row, &mask) in sums.chunks_exact_mut(k).zip(masks.iter()) {
                        let add = &table[usize::from(mask) * k..][..k];
                        for (r, a) in row.iter_mut().zip(add) {
                            *r += a;
                        }
                    }
                }
                sums
            },
        )
        .collect();
    let mut total = vec![0.0; n_draws * k];
    for p in partial {
        for (t, x) in total.iter_mut().zip(&p) {
            *t += x;
        }
    }
    // did: bres = sqrt(n_clusters) · mean over clusters of v·ψ_c.
    let scale = (m as f64).sqrt() / m as f64;
    for x in &mut total {
        *x *= scale;
    }
    (m, total)
}

/// Type-1 quantile (R `quantile(type = 1)`, numpy "inverted_cdf").
fn quantile_type1(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let h = (n as f64 * p).ceil() as usize;
    sorted[h.clamp(1, n) - 1]
}

/// Uniform critical values and bootstrap standard errors of several families of
/// effects, all from the same draws (one multiplier per cluster and draw).
pub fn bands(
    families: &[Vec<&[f64]>],
    cluster_of_unit: Option<&[usize]>,
    n_draws: usize,
    seed: u64,
    weights: MultiplierWeights,
    alpha: f64,
) -> Vec<Bands> {
    let influence: Vec<&[f64]> = families.iter().flatten().copied().collect();
    let k = influence.len();
    let n = influence.first().map_or(0, |x| x.len()) as f64;
    if k == 0 || n_draws == 0 {
        return families
            .iter()
            .map(|f| Bands {
                critical_value: f64::NAN,
                se: vec![f64::NAN; f.len()],
            })
            .collect();
    }
    let (m, bres) = draws(&influence, cluster_of_unit, n_draws, seed, weights);
    let z_iqr = 2.0 * crate::stats::distributions::normal::quantile(0.75).unwrap_or(f64::NAN);
    let scale: Vec<f64> = (0..k)
        .map(|j| {
            let mut col: Vec<f64> = (0..n_draws).map(|b| bres[b * k + j]).collect();
            col.sort_by(f64::total_cmp);
            let s = (quantile_type1(&col, 0.75) - quantile_type1(&col, 0.25)) / z_iqr;
            if s.is_finite() && s > 0.0 {
                s
            } else {
                f64::NAN
            }
        })
        .collect();
    let mut out = Vec::with_capacity(families.len());
    let mut first = 0;
    for family in families {
        let columns = first..first + family.len();
        first += family.len();
        let mut t_max: Vec<f64> = (0..n_draws)
            .filter_map(|b| {
                let t = columns
                    .clone()
                    .filter(|&j| scale[j].is_finite())
                    .map(|j| (bres[b * k + j] / scale[j]).abs())
                    .fold(f64::NEG_INFINITY, f64::max);
                t.is_finite().then_some(t)
            })
            .collect();
        t_max.sort_by(f64::total_cmp);
        let critical_value = if t_max.is_empty() {
            f64::NAN
        } else {
            quantile_type1(&t_max, 1.0 - alpha)
        };
        let se = columns.map(|j| scale[j] * (m as f64).sqrt() / n).collect();
        out.push(Bands { critical_value, se });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;
    use rand_chacha::rand_core::Rng as _;

    /// The draws as first written: one `next_u64` per multiplier, a draws × block
    /// matrix of multipliers per block times the block's influence values. The
    /// tabulated sums add the same terms in another order, so they agree to rounding.
    fn draws_one_word_at_a_time(
        influence: &[&[f64]],
        n_draws: usize,
        seed: u64,
        weights: MultiplierWeights,
    ) -> Vec<f64> {
        let k = influence.len();
        let (m, rows) = cluster_sums(influence, None);
        let kappa = (1.0 + 5f64.sqrt()) / 2.0;
        let p_low = kappa / 5f64.sqrt();
        let mut total = DMatrix::<f64>::zeros(n_draws, k);
        for b in 0..m.div_ceil(BLOCK) {
            let start = b * BLOCK;
            let len = BLOCK.min(m - start);
            let mut rng = block_rng(seed, b);
            let v = DMatrix::<f64>::from_fn(n_draws, len, |_, _| {
                let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                match weights {
                    MultiplierWeights::Mammen if u < p_low => 1.0 - kappa,
                    MultiplierWeights::Mammen => kappa,
                    MultiplierWeights::Rademacher if u < 0.5 => -1.0,
                    MultiplierWeights::Rademacher => 1.0,
                }
            });
            let psi = DMatrix::<f64>::from_row_slice(len, k, &rows[start * k..(start + len) * k]);
            total += v * psi;
        }
        let scale = (m as f64).sqrt() / m as f64;
        (0..n_draws * k)
            .map(|i| total[(i / k, i % k)] * scale)
            .collect()
    }

    #[test]
    fn tabulated_draws_equal_matrix_product_draws() {
        // Two full blocks and a partial one; an odd number of draws.
        let n = 2 * BLOCK + 123;
        let columns: Vec<Vec<f64>> = (0..3)
            .map(|j| {
                (0..n)
                    .map(|i| ((i * 7 + j * 13) % 29) as f64 - 14.0 + 0.1 * j as f64)
                    .collect()
            })
            .collect();
        let influence: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
        for weights in [MultiplierWeights::Mammen, MultiplierWeights::Rademacher] {
            let (m, fast) = draws(&influence, None, 37, 2026, weights);
            assert_eq!(m, n);
            let slow = draws_one_word_at_a_time(&influence, 37, 2026, weights);
            let largest = slow.iter().fold(0.0f64, |a, x| a.max(x.abs()));
            assert!(largest > 1.0);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() <= 1e-12 * largest, "{weights:?}: {a} vs {b}");
            }
        }
    }
}
