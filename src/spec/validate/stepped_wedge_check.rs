//! Checks of a stepped-wedge trial (`design.kind: stepped_wedge`): the
//! `design.stepped_wedge` block is present exactly for that kind and its numbers fit
//! together; the assign stage's method is `stepped_wedge` with nothing an arm
//! allocation would use; the analysis data hold the cluster and period columns, and
//! each observation's treatment comes from the allocation or a 0/1 column. Problems
//! are located at `design.stepped_wedge.<key>` and `design.assignment.<key>`.

use std::path::Path;

use super::{AssignmentPlan, Checker, Design, ReportPlan, TreatmentSource};
use crate::spec::stepped_wedge::SteppedWedgeSpec;
use crate::spec::{AssignmentMethod, DesignKind};

/// Largest number of steps accepted (the treatment matrix has steps + 1 columns).
const MAX_STEPS: usize = 1000;

impl Checker<'_> {
    pub(super) fn check_stepped_wedge_settings(&mut self, kind: DesignKind) {
        let design = &self.file.spec.design;
        let Some(settings) = &design.stepped_wedge else {
            if kind == DesignKind::SteppedWedge {
                self.problem(
                    "design.kind",
                    "a stepped_wedge trial needs design.stepped_wedge: the cluster column and the number of steps",
                );
            }
            return;
        };
        if kind != DesignKind::SteppedWedge {
            self.problem(
                "design.stepped_wedge",
                format!(
                    "design.stepped_wedge is only for stepped_wedge, not for a {}",
                    kind.label()
                ),
            );
            return;
        }
        if settings.cluster.trim().is_empty() {
            self.problem(
                "design.stepped_wedge.cluster",
                "name the column that identifies each cluster",
            );
        }
        if !(2..=MAX_STEPS).contains(&settings.steps) {
            self.problem(
                "design.stepped_wedge.steps",
                format!(
                    "steps {} is outside 2 to {MAX_STEPS}: a stepped-wedge trial crosses clusters over in at least two steps",
                    settings.steps
                ),
            );
        }
        if settings.clusters_per_step == Some(0) {
            self.problem(
                "design.stepped_wedge.clusters_per_step",
                "at least one cluster must cross over at each step",
            );
        }
        if self.file.spec.analysis.is_some() && settings.period.is_none() {
            self.problem(
                "design.stepped_wedge.period",
                "the analysis needs each observation's period: set design.stepped_wedge.period to that column of analysis.data",
            );
        }
        if let Some(units) = &design.units {
            let file = self.file.resolve(&units.file);
            if let Ok(header) = crate::data::read_header(&file) {
                self.require_column(
                    &header,
                    &settings.cluster,
                    &file,
                    "design.stepped_wedge.cluster",
                );
            }
        }
    }

    /// `design.assignment` of a stepped-wedge trial (or method stepped_wedge on
    /// another design, which is refused).
    pub(super) fn check_stepped_wedge_assignment(
        &mut self,
        design: &Design,
        report: Option<&ReportPlan>,
    ) -> Option<AssignmentPlan> {
        let spec = self.file.spec.design.assignment.as_ref()?;
        let before = self.problems.len();
        let Design::SteppedWedge(settings) = design else {
            self.problem(
                "design.assignment.method",
                format!(
                    "stepped_wedge randomises clusters to crossover steps: set design.kind to stepped_wedge (with design.stepped_wedge), not {}",
                    design.kind().label()
                ),
            );
            return None;
        };
        if spec.method != AssignmentMethod::SteppedWedge {
            self.problem(
                "design.assignment.method",
                format!(
                    "a stepped-wedge trial randomises clusters to crossover steps; use method stepped_wedge, not {}",
                    spec.method.name()
                ),
            );
        }
        for (key, given) in [
            ("blocks", !spec.blocks.is_empty()),
            ("pairs", spec.pairs.is_some()),
            ("pair_on", spec.pair_on.is_some()),
            ("counts", spec.counts.is_some()),
            ("covariates", !spec.covariates.is_empty()),
            ("rerandomisation", spec.rerandomisation.is_some()),
        ] {
            if given {
                self.problem(
                    format!("design.assignment.{key}"),
                    format!(
                        "{key} does not apply to a stepped-wedge allocation, which shuffles the clusters over the steps (design.stepped_wedge.clusters_per_step per step); remove it"
                    ),
                );
            }
        }
        let (output_dir, units_file_shown, design_sha256) = self.assignment_files(report)?;
        if self.problems.len() > before {
            return None;
        }
        Some(AssignmentPlan {
            method: AssignmentMethod::SteppedWedge,
            blocks: Vec::new(),
            cluster: Some(settings.cluster.clone()),
            pairs: None,
            pair_on: None,
            counts: None,
            seed: spec.seed,
            covariates: Vec::new(),
            rerandomisation: None,
            output_dir,
            units_file_shown,
            design_sha256,
        })
    }

    /// Where each observation's treatment comes from: the allocation's crossover
    /// periods (design.assignment), else a 0/1 column of the analysis data.
    pub(super) fn stepped_wedge_treatment(
        &mut self,
        column: Option<&String>,
        assignment: Option<&AssignmentPlan>,
    ) -> Option<TreatmentSource> {
        match (column, assignment) {
            (Some(_), Some(_)) => {
                self.problem(
                    "analysis.treatment",
                    "the crossover periods come from the allocation (design.assignment); remove analysis.treatment",
                );
                None
            }
            (Some(column), None) => Some(TreatmentSource::DataColumn(column.clone())),
            (None, Some(assignment)) => {
                Some(TreatmentSource::Assignments(assignment.assignments_path()))
            }
            (None, None) => {
                self.problem(
                    "analysis",
                    "a stepped-wedge analysis needs each observation's treatment: declare design.assignment (the crossover periods it draws), or set analysis.treatment to a 0/1 column of the analysis data",
                );
                None
            }
        }
    }

    /// The cluster and period columns must be in the analysis data.
    pub(super) fn check_stepped_wedge_columns(
        &mut self,
        settings: &SteppedWedgeSpec,
        header: &[String],
        data: &Path,
    ) {
        self.require_column(
            header,
            &settings.cluster,
            data,
            "design.stepped_wedge.cluster",
        );
        if let Some(period) = &settings.period {
            self.require_column(header, period, data, "design.stepped_wedge.period");
        }
    }
}
