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
//! Every cluster has probability 1/steps of each step.
//!
//! # The assign stage (`design.assignment.method: stepped_wedge`)
//! The units file is read as for every other method (`units.rs`: rows put in
//! identifier order, a missing cluster an error naming the line); its clusters are
//! allocated as above and every unit takes its cluster's step. assignments.csv lists
//! every unit in identifier order: the identifier (under the units file's column
//! name), `cluster`, `step` and `crossover_period`. The manifest is the one every
//! method writes, with one entry per step in place of arms (`step 1`, ... with share
//! 1/steps and the units and clusters crossing at it), so `evident assign --verify`
//! re-derives the file byte for byte and an existing allocation is never silently
//! replaced (the same rules as `super::run`). The analysis of the trial is
//! `crate::analysis::stepped_wedge`.

use std::path::Path;

use super::rng::Stream;
use super::units::{UnitsData, UnitsRequest};
use super::{
    ASSIGNMENTS_FILE, AssignError, AssignOutcome, AssignmentReport, Balance, Manifest, csv_field,
};
use crate::spec::{AssignmentPlan, Design, Plan, sha256_hex};

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
    #[error(
        "{clusters} clusters cannot be shared equally over {steps} steps; set design.stepped_wedge.clusters_per_step, or list a multiple of {steps} clusters"
    )]
    Uneven { clusters: usize, steps: usize },
}

impl SteppedWedgeError {
    pub fn hint(&self) -> &'static str {
        match self {
            SteppedWedgeError::Empty => "set design.stepped_wedge.steps to 2 or more",
            SteppedWedgeError::Count { .. } | SteppedWedgeError::Uneven { .. } => {
                "every step needs the same number of clusters: the units file must list steps × clusters_per_step clusters"
            }
            SteppedWedgeError::Duplicate(_) => "give every cluster a distinct label",
        }
    }
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

/// The units read, ready to draw with any seed.
pub struct Prepared<'p> {
    plan: &'p AssignmentPlan,
    units: UnitsData,
    steps: usize,
    clusters_per_step: usize,
    first_period: i64,
}

/// Reads the units file and works out the clusters per step.
///
/// # Errors
/// An unreadable units file or a missing cluster (naming the line); a number of
/// clusters that does not fill the steps equally.
pub fn prepare<'p>(
    plan: &Plan,
    assignment: &'p AssignmentPlan,
) -> Result<Prepared<'p>, AssignError> {
    let Design::SteppedWedge(settings) = &plan.design else {
        unreachable!("validated: method stepped_wedge is for design.kind stepped_wedge")
    };
    let units_plan = plan
        .units
        .as_ref()
        .expect("validated: an assignment needs design.units");
    let request = UnitsRequest {
        id: &units_plan.id,
        blocks: &[],
        cluster: Some(&settings.cluster),
        pairs: None,
        numeric: &[],
    };
    // Column-sized blocks are freed and allocated again all through the stage.
    let _reuse = crate::data::ReuseFreedBlocks::new();
    let units = UnitsData::read(&units_plan.file, &request)?.into_sorted()?;
    let clusters = units.cluster.as_ref().map_or(0, |c| c.labels.len());
    let clusters_per_step = match settings.clusters_per_step {
        Some(k) => k,
        None if settings.steps > 0 && clusters.is_multiple_of(settings.steps) => {
            clusters / settings.steps
        }
        None => {
            return Err(SteppedWedgeError::Uneven {
                clusters,
                steps: settings.steps,
            }
            .into());
        }
    };
    Ok(Prepared {
        plan: assignment,
        units,
        steps: settings.steps,
        clusters_per_step,
        first_period: settings.first_period,
    })
}

/// A drawn stepped-wedge allocation.
pub struct Allocation<'p> {
    prepared: Prepared<'p>,
    seed: u64,
    /// Each cluster's crossover, by cluster label index.
    crossovers: Vec<Crossover>,
}

impl<'p> Prepared<'p> {
    pub fn units_sha256(&self) -> &str {
        &self.units.sha256
    }

    /// Draws the crossover steps for `seed`.
    ///
    /// # Errors
    /// A cluster count other than steps × clusters_per_step.
    pub fn draw(self, seed: u64) -> Result<Allocation<'p>, AssignError> {
        let cluster = self
            .units
            .cluster
            .as_ref()
            .expect("the cluster column is read");
        let labels: Vec<String> = cluster.labels.iter().map(|l| l[0].clone()).collect();
        let drawn = allocate(
            &labels,
            self.steps,
            self.clusters_per_step,
            self.first_period,
            seed,
        )?;
        // Back to label-index order (the labels are distinct, so the lookup is exact).
        let by_label: std::collections::HashMap<&str, &Crossover> =
            drawn.iter().map(|c| (c.cluster.as_str(), c)).collect();
        let crossovers = labels
            .iter()
            .map(|l| (*by_label[l.as_str()]).clone())
            .collect();
        Ok(Allocation {
            prepared: self,
            seed,
            crossovers,
        })
    }
}

impl Allocation<'_> {
    /// assignments.csv and the manifest (with the CSV's SHA-256).
    pub fn to_bytes(&self, seed_source: &str) -> (Vec<u8>, Manifest) {
        let units = &self.prepared.units;
        let cluster = units.cluster.as_ref().expect("the cluster column is read");
        let mut out = Vec::with_capacity(units.n_rows() * 24 + 64);
        csv_field(units.id_column.as_bytes(), &mut out);
        out.extend_from_slice(b",cluster,step,crossover_period\n");
        let rendered: Vec<Vec<u8>> = self
            .crossovers
            .iter()
            .map(|c| {
                let mut field = Vec::new();
                csv_field(c.cluster.as_bytes(), &mut field);
                field.extend_from_slice(format!(",{},{}\n", c.step, c.crossover_period).as_bytes());
                field
            })
            .collect();
        for row in 0..units.n_rows() {
            csv_field(units.id(row), &mut out);
            out.push(b',');
            out.extend_from_slice(&rendered[cluster.index[row] as usize]);
        }
        let manifest = self.manifest(seed_source, sha256_hex(&out));
        (out, manifest)
    }

    fn manifest(&self, seed_source: &str, assignments_sha256: String) -> Manifest {
        let p = &self.prepared;
        let cluster = p
            .units
            .cluster
            .as_ref()
            .expect("the cluster column is read");
        let mut units_per_step = vec![0u64; p.steps];
        for row in 0..p.units.n_rows() {
            units_per_step[self.crossovers[cluster.index[row] as usize].step - 1] += 1;
        }
        Manifest {
            manifest_version: super::MANIFEST_VERSION,
            engine: "evident".into(),
            engine_version: env!("CARGO_PKG_VERSION").into(),
            procedure: super::rng::PROCEDURE.into(),
            method: p.plan.method.name().into(),
            seed: self.seed,
            seed_source: seed_source.into(),
            units_file: p.plan.units_file_shown.clone(),
            units_sha256: p.units.sha256.clone(),
            design_sha256: p.plan.design_sha256.clone(),
            assignments_file: ASSIGNMENTS_FILE.into(),
            assignments_sha256,
            n_units: p.units.n_rows(),
            n_clusters: Some(self.crossovers.len()),
            arms: (1..=p.steps)
                .map(|step| super::ArmCount {
                    arm: step_name(step),
                    share: 1.0 / p.steps as f64,
                    units: units_per_step[step - 1],
                    clusters: Some(p.clusters_per_step as u64),
                })
                .collect(),
            blocks: Vec::new(),
            rerandomisation: None,
        }
    }
}

/// The manifest's name of step `step` (1-based).
pub fn step_name(step: usize) -> String {
    format!("step {step}")
}

/// Runs the assign stage for a stepped-wedge trial (see the module header).
///
/// # Errors
/// As [`prepare`] and [`Prepared::draw`]; an existing, different allocation or a
/// manifest recording other inputs (without `force`); a failed write.
pub fn run(
    plan: &Plan,
    assignment: &AssignmentPlan,
    force: bool,
) -> Result<AssignOutcome, AssignError> {
    let prepared = prepare(plan, assignment)?;
    let existing = super::read_manifest(&assignment.manifest_path())?;
    let (seed, seed_source) =
        super::choose_seed(assignment, existing.as_ref(), prepared.units_sha256());
    let allocation = prepared.draw(seed)?;
    let (bytes, _) = allocation.to_bytes(&seed_source);
    let staged = super::stage_csv(assignment, |csv_tmp: &Path| {
        std::fs::write(csv_tmp, &bytes)
            .and_then(|()| std::fs::File::open(csv_tmp)?.sync_all())
            .map_err(|source| AssignError::Write {
                path: csv_tmp.to_path_buf(),
                source,
            })?;
        Ok(sha256_hex(&bytes))
    })?;
    let (manifest, manifest_bytes, unchanged) =
        super::commit(assignment, existing, staged, force, |sha| {
            allocation.manifest(&seed_source, sha)
        })?;
    let report = AssignmentReport::new(
        &manifest,
        &manifest_bytes,
        Balance::default(),
        assignment.method,
    );
    Ok(AssignOutcome {
        manifest,
        report,
        files: vec![assignment.assignments_path(), assignment.manifest_path()],
        unchanged,
    })
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
