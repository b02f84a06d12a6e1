//! Stepped-wedge allocation: every cluster starts in control and crosses over to the
//! intervention at a randomised step; `clusters_per_step` clusters cross at each of
//! the `steps` steps, after one all-control baseline period.
//!
//! # Procedure (version `evident-assign-v1`, the stream of `rng.rs`)
//! 1. Sort the cluster labels byte by byte (input order never matters); a repeated
//!    label is an error.
//! 2. Seed the stream with the seed and shuffle the sorted labels (Fisher–Yates).
//! 3. The first `clusters_per_step` shuffled clusters cross at step 1, the next at
//!    step 2, and so on. Step s crosses over in period `first_period + s` (period
//!    `first_period` is the baseline, all in control).
//!
//! Every cluster has probability 1/steps of each step. The analysis of the trial is
//! the staggered roll-out analysis with the crossover period as the first-treatment
//! period (`crate::designs::staggered`); its timing is randomised, which the grade
//! states.

use super::rng::Stream;

/// One cluster's crossover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossover {
    pub cluster: String,
    /// Step 1..=steps.
    pub step: usize,
    /// The first period in which the cluster receives the intervention.
    pub crossover_period: i64,
}

/// Why a stepped-wedge allocation cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SteppedWedgeError {
    #[error("a stepped-wedge trial needs at least one step and one cluster per step")]
    Empty,
    #[error(
        "{clusters} clusters cannot cross over {per_step} per step in {steps} steps ({needed} are needed); change steps or clusters_per_step"
    )]
    Count {
        clusters: usize,
        steps: usize,
        per_step: usize,
        needed: usize,
    },
    #[error("cluster {0} is listed more than once")]
    Duplicate(String),
}

/// Draws the crossover step of every cluster, in cluster-label order.
///
/// # Errors
/// No steps, a cluster count other than steps × clusters_per_step, a repeated label.
pub fn allocate(
    clusters: &[String],
    steps: usize,
    clusters_per_step: usize,
    first_period: i64,
    seed: u64,
) -> Result<Vec<Crossover>, SteppedWedgeError> {
    if steps == 0 || clusters_per_step == 0 {
        return Err(SteppedWedgeError::Empty);
    }
    let needed = steps * clusters_per_step;
    if clusters.len() != needed {
        return Err(SteppedWedgeError::Count {
            clusters: clusters.len(),
            steps,
            per_step: clusters_per_step,
            needed,
        });
    }
    let mut sorted: Vec<&String> = clusters.iter().collect();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(SteppedWedgeError::Duplicate(w[0].clone()));
    }
    let mut shuffled = sorted.clone();
    Stream::new(seed).shuffle(&mut shuffled);
    let mut out: Vec<Crossover> = shuffled
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let step = i / clusters_per_step + 1;
            Crossover {
                cluster: (*c).clone(),
                step,
                crossover_period: first_period + step as i64,
            }
        })
        .collect();
    out.sort_by(|a, b| a.cluster.as_bytes().cmp(b.cluster.as_bytes()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c{i:02}")).collect()
    }

    #[test]
    fn every_step_gets_its_clusters_and_the_draw_is_seeded() {
        let a = allocate(&labels(12), 4, 3, 1, 7).unwrap();
        for step in 1..=4 {
            assert_eq!(a.iter().filter(|c| c.step == step).count(), 3);
        }
        assert!(a.iter().all(|c| c.crossover_period == 1 + c.step as i64));
        let mut reversed = labels(12);
        reversed.reverse();
        assert_eq!(
            a,
            allocate(&reversed, 4, 3, 1, 7).unwrap(),
            "input order never matters"
        );
        assert_ne!(a, allocate(&labels(12), 4, 3, 1, 8).unwrap());
    }

    #[test]
    fn each_cluster_is_equally_likely_at_each_step() {
        // Over 4,000 seeds cluster c00 lands on each of 4 steps about 1,000 times.
        let mut counts = [0usize; 4];
        for seed in 0..4000 {
            let a = allocate(&labels(8), 4, 2, 0, seed).unwrap();
            counts[a[0].step - 1] += 1;
        }
        for c in counts {
            // 1000 ± 4 SD (SD = sqrt(4000 · 0.25 · 0.75) ≈ 27.4).
            assert!((890..=1110).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn wrong_counts_and_duplicates_are_refused() {
        assert!(matches!(
            allocate(&labels(10), 4, 3, 1, 1),
            Err(SteppedWedgeError::Count { needed: 12, .. })
        ));
        let mut dup = labels(4);
        dup[3] = "c00".into();
        assert_eq!(
            allocate(&dup, 2, 2, 1, 1).unwrap_err().to_string(),
            "cluster c00 is listed more than once"
        );
    }
}
