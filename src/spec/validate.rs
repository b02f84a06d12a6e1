//! Semantic checks: `Spec` (what the file says) becomes a `Plan` (what the stages
//! run). Every broken rule is collected, located in the file and explained; problems
//! that do not stop a run (a target the design cannot reach) are warnings.

use std::collections::HashSet;
use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::load::{SpecFile, did_you_mean, quote_list};
use super::locate::Position;
use super::{
    AssignmentMethod, DesignKind, EstimatorKind, EvidenceSpec, MissingPolicy, OutcomeRole,
    OutcomeSpec, PAdjustMethod, ReportFormat, Statement,
};
use crate::data;
use crate::error::SpecError;
use crate::stats::estimate::Alternative;

mod did_check;
pub mod economics_check;
pub mod equivalence_check;
mod evidence_check;
pub mod interim_check;
mod its_check;
mod matching_check;
mod power_check;
mod rdd_check;
mod received_check;
mod staggered_check;
mod stepped_wedge_check;
mod synth_check;

/// A validated study, ready for the stages.
#[derive(Debug, Clone)]
pub struct Plan {
    pub title: String,
    pub description: Option<String>,
    pub statement: Statement,
    pub design: Design,
    pub units: Option<UnitsPlan>,
    /// Outcomes, primary first, then secondary in spec order.
    pub outcomes: Vec<OutcomePlan>,
    pub analysis: Option<AnalysisPlan>,
    /// The assign stage's settings, when the spec declares design.assignment.
    pub assignment: Option<AssignmentPlan>,
    /// The match stage's settings, when the spec declares design.matching.
    pub matching: Option<super::matching::MatchingPlan>,
    /// The resolved `design.power` block (the plan stage).
    pub power: Option<crate::power::plan::PowerPlan>,
    pub evidence: EvidenceSpec,
    /// The spec checked against its plan lock (`evidence.lock`).
    pub lock: Option<crate::governance::lock::LockCheck>,
    pub report: ReportPlan,
    /// Stages the spec declares, in pipeline order.
    pub stages: Vec<Stage>,
    pub source: SourceInfo,
}

/// The design, with the settings that belong to its kind.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Design {
    Rct {
        arms: Vec<Arm>,
        control: usize,
    },
    ClusterRct {
        arms: Vec<Arm>,
        control: usize,
        cluster: String,
    },
    MatchedComparison {
        arms: Vec<Arm>,
        control: usize,
    },
    BeforeAfter,
    Descriptive,
    SyntheticControl {
        settings: Box<super::synth::SynthSpec>,
        /// The panel file, resolved against the spec's folder.
        panel: PathBuf,
        /// The outcome column (the primary outcome's name unless stated).
        outcome: String,
    },
    RegressionDiscontinuity {
        settings: super::rdd::RdSpec,
    },
    InterruptedTimeSeries(super::its::ItsSpec),
    DifferenceInDifferences(super::did::DidSpec),
    StaggeredRollout {
        staggered: super::staggered::StaggeredSpec,
    },
    SteppedWedge(super::stepped_wedge::SteppedWedgeSpec),
}

impl Design {
    pub fn kind(&self) -> DesignKind {
        match self {
            Design::Rct { .. } => DesignKind::Rct,
            Design::ClusterRct { .. } => DesignKind::ClusterRct,
            Design::MatchedComparison { .. } => DesignKind::MatchedComparison,
            Design::BeforeAfter => DesignKind::BeforeAfter,
            Design::Descriptive => DesignKind::Descriptive,
            Design::SyntheticControl { .. } => DesignKind::SyntheticControl,
            Design::RegressionDiscontinuity { .. } => DesignKind::RegressionDiscontinuity,
            Design::InterruptedTimeSeries(_) => DesignKind::InterruptedTimeSeries,
            Design::DifferenceInDifferences(_) => DesignKind::DifferenceInDifferences,
            Design::StaggeredRollout { .. } => DesignKind::StaggeredRollout,
            Design::SteppedWedge(_) => DesignKind::SteppedWedge,
        }
    }

    /// Arms and the index of the control arm, for designs that compare arms.
    pub fn arms(&self) -> Option<(&[Arm], usize)> {
        match self {
            Design::Rct { arms, control }
            | Design::ClusterRct { arms, control, .. }
            | Design::MatchedComparison { arms, control } => Some((arms, *control)),
            Design::BeforeAfter
            | Design::Descriptive
            | Design::SyntheticControl { .. }
            | Design::RegressionDiscontinuity { .. }
            | Design::InterruptedTimeSeries(_)
            | Design::DifferenceInDifferences(_)
            | Design::StaggeredRollout { .. }
            | Design::SteppedWedge(_) => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Arm {
    pub name: String,
    pub share: f64,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UnitsPlan {
    pub file: PathBuf,
    pub id: String,
    pub arm: Option<String>,
}

/// The assign stage, checked: columns exist, the method fits the design.
#[derive(Debug, Clone)]
pub struct AssignmentPlan {
    pub method: AssignmentMethod,
    /// Units-file columns forming the blocks (empty: one block of all units).
    pub blocks: Vec<String>,
    /// The cluster column, for cluster methods.
    pub cluster: Option<String>,
    /// matched_pairs: the column naming pairs.
    pub pairs: Option<String>,
    /// matched_pairs: the numeric column pairs are formed on.
    pub pair_on: Option<String>,
    /// Fixed counts per arm, in arm order.
    pub counts: Option<Vec<u64>>,
    pub seed: Option<u64>,
    /// Covariates for the balance table (balance and rerandomisation covariates, deduplicated).
    pub covariates: Vec<String>,
    pub rerandomisation: Option<RerandomisationPlan>,
    /// Folder that holds assignments.csv and manifest.json.
    pub output_dir: PathBuf,
    /// The units file as written in the spec (relative to the spec file).
    pub units_file_shown: String,
    /// SHA-256 of the spec's design section (compact JSON of the parsed section).
    pub design_sha256: String,
}

impl AssignmentPlan {
    pub fn assignments_path(&self) -> PathBuf {
        self.output_dir.join(crate::assign::ASSIGNMENTS_FILE)
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.output_dir.join(crate::assign::MANIFEST_FILE)
    }
}

/// Rerandomisation, with its acceptance rule resolved to a threshold. Randomisation
/// inference must redraw under the same rule.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RerandomisationPlan {
    pub covariates: Vec<String>,
    pub rule: AcceptanceRule,
    pub max_draws: u64,
}

/// Accept an allocation when its Mahalanobis balance statistic is at most
/// `max_mahalanobis`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AcceptanceRule {
    pub max_mahalanobis: f64,
    /// The acceptance probability the threshold came from (chi-square quantile with
    /// as many degrees of freedom as covariates), when the spec gave one.
    pub acceptance_probability: Option<f64>,
}

impl AcceptanceRule {
    pub fn accepts(&self, statistic: f64) -> bool {
        statistic <= self.max_mahalanobis
    }
}

#[derive(Debug, Clone)]
pub struct OutcomePlan {
    pub spec: OutcomeSpec,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct AnalysisPlan {
    pub data: PathBuf,
    pub id: String,
    /// Where each unit's arm comes from, for designs that compare arms.
    pub treatment: Option<TreatmentSource>,
    pub covariates: Vec<String>,
    /// Declared measurement types of covariates and baselines, by column.
    pub covariate_types: std::collections::BTreeMap<String, super::CovariateType>,
    pub alpha: f64,
    pub alternative: Alternative,
    pub estimators: Vec<EstimatorKind>,
    pub adjust: PAdjustMethod,
    pub missing: MissingPolicy,
    /// Randomisation inference, when the design was allocated by the assign stage
    /// and it is not switched off.
    pub randomisation_inference: Option<RiPlan>,
    /// Blocks or pairs declared for a trial allocated outside Evident.
    pub blocks: Option<AnalysisBlocks>,
    /// `analysis.matched`: the matched file of a matched comparison.
    pub matched: Option<super::matched_analysis::MatchedAnalysisPlan>,
    /// `analysis.engine`: where the estimates are computed (memory unless given).
    pub engine: crate::engine::Engine,
    /// `analysis.received`: the 0/1 column recording receipt (randomised trials).
    pub received: Option<String>,
    /// `analysis.equivalence` and `analysis.non_inferiority`, by outcome: the margins
    /// of the two one-sided tests (a non-inferiority margin pointed by `better`).
    pub margins: std::collections::BTreeMap<String, crate::stats::htest::Margins>,
    /// `analysis.attrition_bounds` (rct only; by default, when attrition is high).
    pub attrition_bounds: Option<equivalence_check::AttritionBoundsPlan>,
    /// `analysis.subgroups`: subgroup analyses of the primary outcome.
    pub subgroups: Vec<crate::analysis::subgroups::SubgroupPlan>,
    /// `analysis.fixed_effects`: columns absorbed by the regression estimator.
    pub fixed_effects: Vec<String>,
    /// `analysis.economics`: costs per arm, value and discounting (randomised trials).
    pub economics: Option<economics_check::EconomicsPlan>,
    /// `analysis.interim`: the look of the planned group-sequential design (checked
    /// against `design.power.interim` once the plan is resolved).
    pub interim: Option<interim_check::InterimLookPlan>,
}

/// Blocks or pairs the analysis data declare (`analysis.blocks`, `analysis.pairs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisBlocks {
    /// Columns whose combined values form the blocks.
    Columns(Vec<String>),
    /// The column naming each matched pair.
    Pairs(String),
}

/// Randomisation-inference settings, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RiPlan {
    /// Sampled re-draws.
    pub draws: u64,
    /// Enumerate when there are at most this many allocations.
    pub exact_limit: u64,
    /// The procedure assumed for a trial allocated outside Evident; `None` when the
    /// assign stage's own procedure is re-drawn.
    pub procedure: Option<super::RiProcedure>,
    /// Seed of the declared procedure's re-draws, when the spec gives one.
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreatmentSource {
    /// A column of the analysis data.
    DataColumn(String),
    /// The units file's arm column, joined on the unit id.
    UnitsArm(String),
    /// The assign stage's assignments.csv (column `arm`), joined on the unit id.
    Assignments(PathBuf),
}

#[derive(Debug, Clone)]
pub struct ReportPlan {
    pub dir: PathBuf,
    pub formats: Vec<ReportFormat>,
    pub disclosure: crate::report::disclosure::Policy,
}

/// Pipeline stages, in the order `run` executes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Plan,
    Assign,
    Match,
    Analyse,
    Grade,
    Report,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Plan => "plan",
            Stage::Assign => "assign",
            Stage::Match => "match",
            Stage::Analyse => "analyse",
            Stage::Grade => "grade",
            Stage::Report => "report",
        }
    }

    /// The spec key that declares the stage.
    pub fn spec_key(self) -> &'static str {
        match self {
            Stage::Plan => "design.power",
            Stage::Assign => "design.assignment",
            Stage::Match => "design.matching",
            Stage::Analyse => "analysis",
            Stage::Grade => "evidence",
            Stage::Report => "report",
        }
    }

    /// Whether this version of the engine can run the stage.
    pub fn available(self) -> bool {
        matches!(
            self,
            Stage::Plan
                | Stage::Assign
                | Stage::Match
                | Stage::Analyse
                | Stage::Grade
                | Stage::Report
        )
    }
}

/// Where the spec came from, for the reproducibility block of the report.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SourceInfo {
    pub spec_path: String,
    pub spec_sha256: String,
}

/// A rule the spec breaks, located in the file.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    pub json_path: String,
    pub position: Option<Position>,
    pub message: String,
}

/// Something that does not stop a run but the user should know.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Warning {
    pub json_path: String,
    pub position: Option<Position>,
    pub message: String,
}

/// Tolerance for allocation shares summing to 1 (they are typed as decimals).
const SHARE_SUM_TOLERANCE: f64 = 1e-9;

/// Checks the spec against every rule and builds the plan; reads only CSV headers.
pub fn validate(file: &SpecFile) -> Result<(Plan, Vec<Warning>), SpecError> {
    let mut checker = Checker {
        file,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let plan = checker.build();
    if checker.problems.is_empty() {
        Ok((
            plan.expect("a plan is built whenever no problem was found"),
            checker.warnings,
        ))
    } else {
        Err(SpecError::Problems {
            path: file.path.clone(),
            problems: checker.problems,
        })
    }
}

struct Checker<'a> {
    file: &'a SpecFile,
    problems: Vec<Problem>,
    warnings: Vec<Warning>,
}

impl Checker<'_> {
    fn problem(&mut self, json_path: impl Into<String>, message: impl Into<String>) {
        let json_path = json_path.into();
        let position = self.file.positions.find(&json_path);
        self.problems.push(Problem {
            json_path,
            position,
            message: message.into(),
        });
    }

    fn warn(&mut self, json_path: impl Into<String>, message: impl Into<String>) {
        let json_path = json_path.into();
        let position = self.file.positions.find(&json_path);
        self.warnings.push(Warning {
            json_path,
            position,
            message: message.into(),
        });
    }

    fn build(&mut self) -> Option<Plan> {
        let spec = &self.file.spec;
        if spec.title.trim().is_empty() {
            self.problem("title", "the title is empty");
        }
        self.check_statement(&spec.statement);
        let design = self.check_design();
        let units = self.check_units();
        let outcomes = self.check_outcomes(design.as_ref());
        let report = self.check_report();
        let assignment = self.check_assignment(design.as_ref(), units.as_ref(), report.as_ref());
        let analysis = self.check_analysis(
            design.as_ref(),
            units.as_ref(),
            assignment.as_ref(),
            &outcomes,
        );
        let matching = self.check_matching(design.as_ref(), analysis.as_ref(), report.as_ref());
        let analysis = analysis.map(|a| self.imply_matched_analysis(a, matching.as_ref()));
        let power = self.check_power(
            design.as_ref(),
            analysis
                .as_ref()
                .and_then(|a| a.estimators.first().copied()),
        );
        let analysis = analysis.map(|mut a| {
            a.interim = self.check_interim(design.as_ref(), power.as_ref(), &a);
            a
        });
        self.check_evidence(design.as_ref());
        let lock = self.check_lock();
        let stages = self.declared_stages();
        for stage in &stages {
            if !stage.available() {
                self.warn(
                    stage.spec_key(),
                    format!(
                        "the {} stage is declared but not available in evident {}; `evident run` will stop there",
                        stage.name(),
                        env!("CARGO_PKG_VERSION")
                    ),
                );
            }
        }
        if !self.problems.is_empty() {
            return None;
        }
        Some(Plan {
            title: spec.title.clone(),
            description: spec.description.clone(),
            statement: spec.statement.clone(),
            design: design?,
            units,
            outcomes,
            analysis,
            assignment,
            matching,
            power,
            evidence: spec.evidence.clone(),
            lock,
            report: report?,
            stages,
            source: SourceInfo {
                spec_path: self.file.path.display().to_string(),
                spec_sha256: sha256_hex(self.file.text.as_bytes()),
            },
        })
    }

    fn check_statement(&mut self, statement: &Statement) {
        for (key, text) in [
            ("problem", &statement.problem),
            ("action", &statement.action),
            ("data_product", &statement.data_product),
        ] {
            if text.trim().is_empty() {
                self.warn(
                    format!("statement.{key}"),
                    format!("statement.{key} is empty: Nesta level 1 needs the whole four-part statement"),
                );
            }
        }
        if statement.datasets.iter().all(|d| d.trim().is_empty()) {
            self.warn(
                "statement.datasets",
                "no datasets are named: Nesta level 1 needs the whole four-part statement",
            );
        }
    }

    fn check_design(&mut self) -> Option<Design> {
        let design = &self.file.spec.design;
        let kind = design.kind;
        let before = self.problems.len();
        let synth = self.check_synth();
        if kind.compares_arms() {
            if design.arms.len() < 2 {
                self.problem(
                    "design.arms",
                    format!(
                        "a {} needs at least two arms (a control and a treatment)",
                        kind.label()
                    ),
                );
            }
        } else if !design.arms.is_empty() {
            self.problem(
                "design.arms",
                format!(
                    "a {} has no arms to compare; remove design.arms",
                    kind.label()
                ),
            );
        }
        let mut names = HashSet::new();
        let mut sum = 0.0;
        for (i, arm) in design.arms.iter().enumerate() {
            if arm.name.trim().is_empty() {
                self.problem(format!("design.arms[{i}].name"), "the arm name is empty");
            }
            if !names.insert(arm.name.as_str()) {
                self.problem(
                    format!("design.arms[{i}].name"),
                    format!("arm `{}` is named twice", arm.name),
                );
            }
            if !(arm.share > 0.0 && arm.share < 1.0) {
                self.problem(
                    format!("design.arms[{i}].share"),
                    format!("share {} is outside (0, 1)", arm.share),
                );
            }
            sum += arm.share;
        }
        if design.arms.len() >= 2 && (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
            self.problem(
                "design.arms",
                format!("arm shares sum to {sum}, they must sum to 1"),
            );
        }
        let arm_names: Vec<String> = design.arms.iter().map(|a| a.name.clone()).collect();
        let control = match &design.control {
            Some(name) => match arm_names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    let hint = did_you_mean(name, &arm_names)
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    self.problem(
                        "design.control",
                        format!(
                            "control arm `{name}` is not one of the arms {}{hint}",
                            quote_list(&arm_names)
                        ),
                    );
                    0
                }
            },
            None => 0,
        };
        if design.control.is_some() && !kind.compares_arms() {
            self.problem(
                "design.control",
                format!(
                    "a {} has no control arm; remove design.control",
                    kind.label()
                ),
            );
        }
        match (kind, &design.cluster) {
            (DesignKind::ClusterRct, None) => self.problem(
                "design.kind",
                "a cluster_rct needs design.cluster, the column naming each unit's cluster",
            ),
            (DesignKind::ClusterRct, Some(_)) => {}
            (_, Some(_)) => self.problem(
                "design.cluster",
                format!(
                    "design.cluster is only for cluster_rct, not for a {}",
                    kind.label()
                ),
            ),
            _ => {}
        }
        self.check_staggered_settings(kind);
        self.check_stepped_wedge_settings(kind);
        match (kind, &design.matching) {
            (DesignKind::MatchedComparison, None) => self.warn(
                "design.kind",
                "a matched_comparison without design.matching assumes the comparison group in the data is already matched",
            ),
            (DesignKind::MatchedComparison, Some(_)) => {}
            (_, Some(_)) => self.problem(
                "design.matching",
                format!("design.matching is only for matched_comparison, not for a {}", kind.label()),
            ),
            _ => {}
        }
        self.check_rd_settings(kind);
        if design.assignment.is_some() && !kind.is_randomised() {
            self.problem(
                "design.assignment",
                format!(
                    "design.assignment randomises units, which a {} does not do",
                    kind.label()
                ),
            );
        }
        let its = self.check_its();
        let did = self.check_did();
        if self.problems.len() > before {
            return None;
        }
        let arms = design
            .arms
            .iter()
            .map(|a| Arm {
                name: a.name.clone(),
                share: a.share,
                description: a.description.clone(),
            })
            .collect();
        Some(match kind {
            DesignKind::Rct => Design::Rct { arms, control },
            DesignKind::ClusterRct => Design::ClusterRct {
                arms,
                control,
                cluster: design.cluster.clone().unwrap_or_default(),
            },
            DesignKind::MatchedComparison => Design::MatchedComparison { arms, control },
            DesignKind::BeforeAfter => Design::BeforeAfter,
            DesignKind::Descriptive => Design::Descriptive,
            DesignKind::SyntheticControl => synth?,
            DesignKind::RegressionDiscontinuity => Design::RegressionDiscontinuity {
                settings: design.regression_discontinuity.clone()?,
            },
            DesignKind::InterruptedTimeSeries => Design::InterruptedTimeSeries(its?),
            DesignKind::DifferenceInDifferences => Design::DifferenceInDifferences(did?),
            DesignKind::StaggeredRollout => Design::StaggeredRollout {
                staggered: design.staggered.clone()?,
            },
            DesignKind::SteppedWedge => Design::SteppedWedge(design.stepped_wedge.clone()?),
        })
    }

    fn check_units(&mut self) -> Option<UnitsPlan> {
        let design = &self.file.spec.design;
        if design.kind == DesignKind::ClusterRct && design.units.is_none() {
            self.problem(
                "design",
                "a cluster_rct needs design.units: the units file holds each unit's cluster (design.cluster)",
            );
        }
        let units = design.units.as_ref()?;
        let file = self.file.resolve(&units.file);
        let header = self.read_header(&file, "design.units.file")?;
        let mut wanted = vec![("design.units.id", units.id.clone())];
        if let Some(arm) = &units.arm {
            wanted.push(("design.units.arm", arm.clone()));
        }
        if let Some(cluster) = &design.cluster {
            wanted.push(("design.cluster", cluster.clone()));
        }
        for (json_path, column) in wanted {
            self.require_column(&header, &column, &file, json_path);
        }
        Some(UnitsPlan {
            file,
            id: units.id.clone(),
            arm: units.arm.clone(),
        })
    }

    fn check_assignment(
        &mut self,
        design: Option<&Design>,
        units: Option<&UnitsPlan>,
        report: Option<&ReportPlan>,
    ) -> Option<AssignmentPlan> {
        let spec = self.file.spec.design.assignment.as_ref()?;
        let design = design?;
        let before = self.problems.len();
        let method = spec.method;
        let Some(units) = units else {
            // A units file that cannot be read is reported already.
            if self.file.spec.design.units.is_none() {
                self.problem(
                    "design.assignment",
                    "the assign stage allocates the units of design.units; declare design.units (file and id)",
                );
            }
            return None;
        };
        if method == AssignmentMethod::SteppedWedge || design.kind() == DesignKind::SteppedWedge {
            return self.check_stepped_wedge_assignment(design, report);
        }
        let header = data::read_header(&units.file).ok();
        let require = |checker: &mut Self, column: &str, json_path: &str| {
            if let Some(header) = &header {
                checker.require_column(header, column, &units.file, json_path);
            }
        };
        let (arms, _) = design.arms().unwrap_or((&[], 0));
        let cluster = match design {
            Design::ClusterRct { cluster, .. } => Some(cluster.clone()),
            _ => None,
        };
        match (method.uses_clusters(), &cluster) {
            (true, None) => self.problem(
                "design.assignment.method",
                format!(
                    "{} allocates whole clusters: set design.kind to cluster_rct and design.cluster to the column naming each unit's cluster",
                    method.name()
                ),
            ),
            (false, Some(_)) => self.problem(
                "design.assignment.method",
                format!(
                    "a cluster_rct allocates whole clusters; use method cluster or blocked_cluster, not {}",
                    method.name()
                ),
            ),
            _ => {}
        }
        let blocks_allowed = matches!(
            method,
            AssignmentMethod::Blocked
                | AssignmentMethod::BlockedCluster
                | AssignmentMethod::MatchedPairs
        );
        if spec.blocks.is_empty()
            && matches!(
                method,
                AssignmentMethod::Blocked | AssignmentMethod::BlockedCluster
            )
        {
            self.problem(
                "design.assignment",
                format!(
                    "method {} needs design.assignment.blocks, the units-file columns that form the blocks",
                    method.name()
                ),
            );
        }
        if !spec.blocks.is_empty() && !blocks_allowed {
            self.problem(
                "design.assignment.blocks",
                format!(
                    "method {} does not use blocks; use blocked (or blocked_cluster), or remove blocks",
                    method.name()
                ),
            );
        }
        let mut seen = HashSet::new();
        for (i, column) in spec.blocks.iter().enumerate() {
            if !seen.insert(column.as_str()) {
                self.problem(
                    format!("design.assignment.blocks[{i}]"),
                    format!("column `{column}` is listed twice"),
                );
            }
            require(self, column, &format!("design.assignment.blocks[{i}]"));
        }
        if method == AssignmentMethod::MatchedPairs {
            match (&spec.pairs, &spec.pair_on) {
                (Some(_), Some(_)) | (None, None) => self.problem(
                    "design.assignment",
                    "matched_pairs needs exactly one of pairs (a column naming each unit's pair) and pair_on (a numeric column to form pairs on)",
                ),
                (Some(column), None) => {
                    require(self, column, "design.assignment.pairs");
                    if !spec.blocks.is_empty() {
                        self.problem(
                            "design.assignment.blocks",
                            "pairs given in a column are the blocks already; remove blocks (or use pair_on to form pairs within blocks)",
                        );
                    }
                }
                (None, Some(column)) => require(self, column, "design.assignment.pair_on"),
            }
            if arms.len() != 2 || arms.iter().any(|a| a.share != 0.5) {
                self.problem(
                    "design.arms",
                    "matched_pairs allocates one unit of each pair to each of two arms: declare two arms with share 0.5",
                );
            }
        } else {
            for (key, given) in [
                ("pairs", spec.pairs.is_some()),
                ("pair_on", spec.pair_on.is_some()),
            ] {
                if given {
                    self.problem(
                        format!("design.assignment.{key}"),
                        format!("{key} is for method matched_pairs, not {}", method.name()),
                    );
                }
            }
        }
        let counts = match &spec.counts {
            None => None,
            Some(_)
                if !matches!(
                    method,
                    AssignmentMethod::Complete | AssignmentMethod::Cluster
                ) =>
            {
                self.problem(
                    "design.assignment.counts",
                    format!(
                        "fixed counts are for methods complete and cluster; method {} uses the arms' shares",
                        method.name()
                    ),
                );
                None
            }
            Some(map) => {
                let names: Vec<String> = arms.iter().map(|a| a.name.clone()).collect();
                for (name, count) in map {
                    if !names.contains(name) {
                        let hint = did_you_mean(name, &names)
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        self.problem(
                            format!("design.assignment.counts.{name}"),
                            format!(
                                "`{name}` is not one of the arms {}{hint}",
                                quote_list(&names)
                            ),
                        );
                    } else if *count == 0 {
                        self.problem(
                            format!("design.assignment.counts.{name}"),
                            "a count must be at least 1",
                        );
                    }
                }
                let missing: Vec<String> = names
                    .iter()
                    .filter(|n| !map.contains_key(*n))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    self.problem(
                        "design.assignment.counts",
                        format!(
                            "counts must name every arm; missing {}",
                            quote_list(&missing)
                        ),
                    );
                }
                Some(
                    names
                        .iter()
                        .map(|n| map.get(n).copied().unwrap_or(0))
                        .collect(),
                )
            }
        };
        let mut covariates: Vec<String> = Vec::new();
        for (i, column) in spec.covariates.iter().enumerate() {
            require(self, column, &format!("design.assignment.covariates[{i}]"));
            if !covariates.contains(column) {
                covariates.push(column.clone());
            }
        }
        let rerandomisation = spec.rerandomisation.as_ref().and_then(|r| {
            let base = "design.assignment.rerandomisation";
            if r.covariates.is_empty() {
                self.problem(
                    format!("{base}.covariates"),
                    "name at least one covariate to balance",
                );
            }
            for (i, column) in r.covariates.iter().enumerate() {
                require(self, column, &format!("{base}.covariates[{i}]"));
                if !covariates.contains(column) {
                    covariates.push(column.clone());
                }
            }
            if arms.len() != 2 {
                self.problem(
                    base,
                    "rerandomisation balances two arms (Morgan and Rubin 2012); this design has a different number",
                );
            }
            if method == AssignmentMethod::Simple {
                self.problem(
                    base,
                    "rerandomisation needs fixed arm sizes; use method complete or blocked rather than simple",
                );
            }
            if r.max_draws == 0 {
                self.problem(format!("{base}.max_draws"), "max_draws must be at least 1");
            }
            let k = r.covariates.len().max(1) as f64;
            let rule = match (r.max_mahalanobis, r.acceptance_probability) {
                (Some(m), None) if m.is_finite() && m > 0.0 => Some(AcceptanceRule {
                    max_mahalanobis: m,
                    acceptance_probability: None,
                }),
                (Some(m), None) => {
                    self.problem(
                        format!("{base}.max_mahalanobis"),
                        format!("max_mahalanobis {m} must be a positive number"),
                    );
                    None
                }
                (None, Some(p)) if p > 0.0 && p < 1.0 => {
                    use statrs::distribution::{ChiSquared, ContinuousCDF};
                    ChiSquared::new(k).ok().map(|chi| AcceptanceRule {
                        max_mahalanobis: chi.inverse_cdf(p),
                        acceptance_probability: Some(p),
                    })
                }
                (None, Some(p)) => {
                    self.problem(
                        format!("{base}.acceptance_probability"),
                        format!("acceptance_probability {p} is outside (0, 1)"),
                    );
                    None
                }
                _ => {
                    self.problem(
                        base,
                        "give exactly one of max_mahalanobis and acceptance_probability",
                    );
                    None
                }
            };
            rule.map(|rule| RerandomisationPlan {
                covariates: r.covariates.clone(),
                rule,
                max_draws: r.max_draws,
            })
        });
        let (output_dir, units_file_shown, design_sha256) = self.assignment_files(report)?;
        if self.problems.len() > before {
            return None;
        }
        Some(AssignmentPlan {
            method,
            blocks: spec.blocks.clone(),
            cluster,
            pairs: spec.pairs.clone(),
            pair_on: spec.pair_on.clone(),
            counts,
            seed: spec.seed,
            covariates,
            rerandomisation,
            output_dir,
            units_file_shown,
            design_sha256,
        })
    }

    /// Where the assign stage writes (`design.assignment.output`, else the report
    /// folder), the units file as the spec names it, and the SHA-256 of the design
    /// section the manifest records.
    fn assignment_files(
        &mut self,
        report: Option<&ReportPlan>,
    ) -> Option<(PathBuf, String, String)> {
        let spec = self.file.spec.design.assignment.as_ref()?;
        let output_dir = match (&spec.output, report) {
            (Some(dir), _) if dir.trim().is_empty() => {
                self.problem("design.assignment.output", "the output folder is empty");
                return None;
            }
            (Some(dir), _) => self.file.resolve(dir),
            (None, Some(report)) => report.dir.clone(),
            (None, None) => return None,
        };
        let units_file_shown = self
            .file
            .spec
            .design
            .units
            .as_ref()
            .map(|u| u.file.clone())
            .unwrap_or_default();
        let design_json = serde_json::to_vec(&self.file.spec.design).unwrap_or_default();
        Some((output_dir, units_file_shown, sha256_hex(&design_json)))
    }

    fn check_outcomes(&mut self, design: Option<&Design>) -> Vec<OutcomePlan> {
        let outcomes = &self.file.spec.outcomes;
        if outcomes.is_empty() {
            self.problem(
                "outcomes",
                "no outcomes are declared; declare one primary outcome",
            );
            return Vec::new();
        }
        let primaries: Vec<usize> = outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| o.role == OutcomeRole::Primary)
            .map(|(i, _)| i)
            .collect();
        match primaries.len() {
            0 => self.problem("outcomes", "no outcome has role primary; exactly one must"),
            1 => {}
            _ => {
                let listed = primaries
                    .iter()
                    .map(|i| outcomes[*i].name.clone())
                    .collect::<Vec<_>>();
                self.problem(
                    format!("outcomes[{}].role", primaries[1]),
                    format!(
                        "exactly one outcome may be primary, but {} are",
                        quote_list(&listed)
                    ),
                );
            }
        }
        let mut names = HashSet::new();
        for (i, outcome) in outcomes.iter().enumerate() {
            if !names.insert(outcome.name.as_str()) {
                self.problem(
                    format!("outcomes[{i}].name"),
                    format!("outcome `{}` is declared twice", outcome.name),
                );
            }
            if matches!(design, Some(Design::BeforeAfter)) && outcome.baseline.is_none() {
                self.problem(
                    format!("outcomes[{i}]"),
                    format!(
                        "a before/after design compares each outcome with its value before; set outcomes[{i}].baseline to that column"
                    ),
                );
            }
        }
        let mut ordered: Vec<&OutcomeSpec> = outcomes
            .iter()
            .filter(|o| o.role == OutcomeRole::Primary)
            .collect();
        ordered.extend(outcomes.iter().filter(|o| o.role == OutcomeRole::Secondary));
        ordered
            .into_iter()
            .map(|o| OutcomePlan {
                label: o.label.clone().unwrap_or_else(|| o.name.clone()),
                spec: o.clone(),
            })
            .collect()
    }

    fn check_analysis(
        &mut self,
        design: Option<&Design>,
        units: Option<&UnitsPlan>,
        assignment: Option<&AssignmentPlan>,
        outcomes: &[OutcomePlan],
    ) -> Option<AnalysisPlan> {
        let spec = self.file.spec.analysis.as_ref()?;
        let design = design?;
        let kind = design.kind();
        if !(spec.alpha > 0.0 && spec.alpha <= 0.5) {
            self.problem(
                "analysis.alpha",
                format!("alpha {} is outside (0, 0.5]", spec.alpha),
            );
        }
        let staggered = match design {
            Design::StaggeredRollout { staggered } => Some(staggered),
            _ => None,
        };
        let id = match (&spec.id, units) {
            (Some(id), _) => id.clone(),
            (None, None) if staggered.is_some() => {
                staggered.map(|s| s.unit.clone()).unwrap_or_default()
            }
            (None, Some(units)) => units.id.clone(),
            (None, None) => {
                self.problem(
                    "analysis",
                    "name the identifier column: set analysis.id (or design.units.id)",
                );
                String::new()
            }
        };
        let treatment = if kind == DesignKind::SteppedWedge {
            self.stepped_wedge_treatment(spec.treatment.as_ref(), assignment)
        } else if kind.has_comparison_group() {
            match (&spec.treatment, units.and_then(|u| u.arm.as_ref())) {
                (Some(column), _) => Some(TreatmentSource::DataColumn(column.clone())),
                (None, Some(arm)) => Some(TreatmentSource::UnitsArm(arm.clone())),
                (None, None) => match assignment {
                    Some(assignment) => {
                        Some(TreatmentSource::Assignments(assignment.assignments_path()))
                    }
                    None => {
                        self.problem(
                            "analysis",
                            "a comparison design needs each unit's arm: set analysis.treatment (a column of the analysis data), design.units.arm, or design.assignment",
                        );
                        None
                    }
                },
            }
        } else {
            if spec.treatment.is_some() {
                self.problem(
                    "analysis.treatment",
                    format!(
                        "a {} has no treatment column to compare; remove analysis.treatment",
                        kind.label()
                    ),
                );
            }
            None
        };
        let estimators = if kind == DesignKind::StaggeredRollout {
            if !spec.estimators.is_empty() {
                self.problem(
                    "analysis.estimators",
                    "a staggered_rollout is estimated by Callaway and Sant'Anna group-time effects; remove analysis.estimators",
                );
            }
            Vec::new()
        } else if spec.estimators.is_empty() {
            vec![default_estimator(kind)]
        } else {
            let mut seen = HashSet::new();
            for (i, estimator) in spec.estimators.iter().enumerate() {
                if !seen.insert(*estimator) {
                    self.problem(
                        format!("analysis.estimators[{i}]"),
                        "this estimator is listed twice",
                    );
                }
                if !estimator_fits(*estimator, kind) {
                    self.problem(
                        format!("analysis.estimators[{i}]"),
                        format!(
                            "{} does not apply to a {}; use {}",
                            estimator.label(),
                            kind.label(),
                            default_estimator(kind).label()
                        ),
                    );
                }
                if estimator.adjusts() && spec.covariates.is_empty() {
                    self.problem(
                        format!("analysis.estimators[{i}]"),
                        format!(
                            "{} needs covariates: list them in analysis.covariates",
                            estimator.label()
                        ),
                    );
                }
            }
            spec.estimators.clone()
        };
        let data = self.file.resolve(&spec.data);
        // A protocol-stage spec names outcome data that do not exist yet: a state of
        // the study (check, plan and assign run; analyse waits), not an error.
        let header = if data.exists() {
            self.read_header(&data, "analysis.data")
        } else {
            self.warn("analysis.data", crate::lifecycle::awaiting_warning(&data));
            None
        };
        if let (Some(header), Some(staggered)) = (&header, staggered) {
            self.check_staggered_columns(staggered, header, &data);
        }
        if let (Some(header), Design::SteppedWedge(settings)) = (&header, design) {
            self.check_stepped_wedge_columns(settings, header, &data);
        }
        let received = self.check_received(spec, kind, header.as_ref(), &data);
        let margins = self.check_margins(spec, kind);
        let attrition_bounds = self.check_attrition_bounds(spec, kind);
        let economics = self.check_economics(spec, kind);
        let subgroups = self.check_subgroups(spec, kind, header.as_ref(), &data);
        let fixed_effects =
            self.check_fixed_effects(spec, kind, &estimators, header.as_ref(), &data);
        if let Some(header) = header {
            if !id.is_empty() {
                let path = if spec.id.is_some() {
                    "analysis.id"
                } else {
                    "design.units.id"
                };
                self.require_column(&header, &id, &data, path);
            }
            if let Some(TreatmentSource::DataColumn(column)) = &treatment {
                self.require_column(&header, column, &data, "analysis.treatment");
            }
            for (i, covariate) in spec.covariates.iter().enumerate() {
                self.require_column(
                    &header,
                    covariate,
                    &data,
                    &format!("analysis.covariates[{i}]"),
                );
            }
            for (i, outcome) in self.file.spec.outcomes.iter().enumerate() {
                self.require_column(
                    &header,
                    &outcome.name,
                    &data,
                    &format!("outcomes[{i}].name"),
                );
                if let Some(baseline) = &outcome.baseline {
                    self.require_column(
                        &header,
                        baseline,
                        &data,
                        &format!("outcomes[{i}].baseline"),
                    );
                }
            }
        }
        let _ = outcomes;
        self.check_covariate_types(spec);
        let blocks = self.check_analysis_blocks(spec, kind, assignment, &data);
        let randomisation_inference = self.check_ri(spec, kind, assignment, blocks.is_some());
        let matched = spec.matched.as_ref().and_then(|m| {
            if kind != DesignKind::MatchedComparison {
                self.problem(
                    "analysis.matched".to_string(),
                    format!(
                        "analysis.matched is only for matched_comparison, not for a {}",
                        kind.label()
                    ),
                );
                return None;
            }
            // Without a file, the match stage's matched.csv (filled in by
            // `imply_matched_analysis` once design.matching is checked).
            let Some(file) = &m.file else {
                if self.file.spec.design.matching.is_none() {
                    self.problem(
                        "analysis.matched.file".to_string(),
                        "name the matched file, or declare design.matching so that Evident builds it".to_string(),
                    );
                }
                return None;
            };
            Some(super::matched_analysis::MatchedAnalysisPlan {
                file: self.file.resolve(file),
                estimand: m.estimand.unwrap_or_default(),
                adjust_for: m.adjust_for.clone(),
            })
        });
        let engine = self.check_engine(
            spec,
            design,
            assignment,
            &treatment,
            &estimators,
            blocks.as_ref(),
            randomisation_inference.is_some(),
            &data,
        );
        Some(AnalysisPlan {
            engine,
            data,
            id,
            treatment,
            covariates: spec.covariates.clone(),
            covariate_types: spec.covariate_types.clone(),
            alpha: spec.alpha,
            alternative: spec.alternative,
            estimators,
            adjust: spec.multiple_comparisons,
            missing: spec.missing,
            randomisation_inference,
            blocks,
            matched,
            received,
            margins,
            attrition_bounds,
            subgroups,
            fixed_effects,
            economics,
            interim: None,
        })
    }

    /// `analysis.engine`: parsed, and everything an engine cannot do without the rows
    /// refused, each at its own key (docs/data.md, "The analyse stage on an engine").
    #[allow(clippy::too_many_arguments)]
    fn check_engine(
        &mut self,
        spec: &super::AnalysisSpec,
        design: &Design,
        assignment: Option<&AssignmentPlan>,
        treatment: &Option<TreatmentSource>,
        estimators: &[EstimatorKind],
        blocks: Option<&AnalysisBlocks>,
        randomisation_inference: bool,
        data: &std::path::Path,
    ) -> crate::engine::Engine {
        use crate::engine::Engine;
        let Some(given) = &spec.engine else {
            return Engine::Memory;
        };
        let engine = match given.parse::<Engine>() {
            Ok(engine) => engine,
            Err(e) => {
                self.problem("analysis.engine", e.to_string());
                return Engine::Memory;
            }
        };
        if !engine.is_external() {
            return engine;
        }
        let named = format!("analysis.engine `{engine}`");
        if !cfg!(feature = "cluster") {
            let not_built = crate::engine::EngineError::NotBuilt {
                engine: engine.to_string(),
            };
            self.problem(
                "analysis.engine",
                format!("{not_built}: {}", not_built.hint()),
            );
            return engine;
        }
        let kind = design.kind();
        if !matches!(kind, DesignKind::Rct | DesignKind::ClusterRct) {
            self.problem(
                "analysis.engine",
                format!(
                    "{named} compares the arms of an rct or cluster_rct; a {} needs the rows in memory: remove analysis.engine",
                    kind.label()
                ),
            );
            return engine;
        }
        if let Some((arms, _)) = design.arms()
            && arms.len() != 2
        {
            self.problem(
                "analysis.engine",
                format!(
                    "{named} compares two arms; this design has {}: remove analysis.engine to compare them in memory",
                    arms.len()
                ),
            );
        }
        let is_parquet = data
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        if !is_parquet {
            self.problem(
                "analysis.data",
                format!(
                    "{} is not a Parquet file, and {named} reads Parquet only: write the data as Parquet, or remove analysis.engine",
                    data.display()
                ),
            );
        }
        match treatment {
            Some(TreatmentSource::DataColumn(_)) | None => {}
            Some(TreatmentSource::UnitsArm(_) | TreatmentSource::Assignments(_)) => {
                let source = match treatment {
                    Some(TreatmentSource::UnitsArm(column)) => {
                        format!("the units file's column `{column}`")
                    }
                    _ => "the assign stage's assignments.csv".to_string(),
                };
                self.problem(
                    "analysis.treatment",
                    format!(
                        "{named} needs each unit's arm in the analysis data: the arms come from {source}, and joining them by id needs the rows in memory. Write the arm into the data and name its column in analysis.treatment, or remove analysis.engine"
                    ),
                );
            }
        }
        for (i, estimator) in estimators.iter().enumerate() {
            if !matches!(
                estimator,
                EstimatorKind::DifferenceInMeans | EstimatorKind::RegressionAdjusted
            ) {
                self.problem(
                    format!("analysis.estimators[{i}]"),
                    format!(
                        "{named} runs difference_in_means and regression_adjusted only; {} needs the rows in memory: remove it or analysis.engine",
                        estimator.label()
                    ),
                );
            }
        }
        if let Some(blocks) = blocks {
            let key = match blocks {
                AnalysisBlocks::Columns(_) => "analysis.blocks",
                AnalysisBlocks::Pairs(_) => "analysis.pairs",
            };
            self.problem(
                key,
                format!(
                    "the blocked and matched-pair estimators need the rows in memory, which {named} does not load: remove {key} or analysis.engine"
                ),
            );
        }
        if let Some(assignment) = assignment
            && assignment.method.randomises_within_groups()
        {
            self.problem(
                "analysis.engine",
                format!(
                    "design.assignment (method {}) randomised within groups, whose estimators need the rows in memory: remove analysis.engine",
                    assignment.method.name()
                ),
            );
        }
        for (name, declared) in &spec.covariate_types {
            if *declared == super::CovariateType::Categorical {
                self.problem(
                    format!("analysis.covariate_types.{name}"),
                    format!(
                        "a categorical covariate is a factor (one dummy per level), which needs the rows in memory; {named} adjusts for numeric covariates only: remove it or analysis.engine"
                    ),
                );
            }
        }
        if !spec.fixed_effects.is_empty() {
            self.problem(
                "analysis.fixed_effects",
                format!(
                    "absorbing fixed effects sweeps group means out of the rows, which {named} does not load: remove analysis.fixed_effects or analysis.engine"
                ),
            );
        }
        if !spec.subgroups.is_empty() {
            self.problem(
                "analysis.subgroups",
                format!(
                    "subgroup effects are estimated over the rows of each subgroup, which {named} does not load: remove analysis.subgroups or analysis.engine"
                ),
            );
        }
        if spec
            .attrition_bounds
            .as_ref()
            .is_some_and(|b| b.when == super::BoundsWhen::Always)
        {
            self.problem(
                "analysis.attrition_bounds",
                format!(
                    "attrition bounds trim the rows' outcomes, which {named} does not load: remove analysis.attrition_bounds or analysis.engine"
                ),
            );
        }
        if spec.economics.is_some() {
            self.problem(
                "analysis.economics",
                format!(
                    "the economic evaluation is computed beside the in-memory analysis (its bootstrap resamples the rows), which {named} does not load: remove analysis.economics or analysis.engine"
                ),
            );
        }
        if spec.received.is_some() {
            self.problem(
                "analysis.received",
                format!(
                    "the complier effect is a two-stage least squares fit over the rows, which {named} does not load: remove analysis.received or analysis.engine"
                ),
            );
        }
        if randomisation_inference {
            self.problem(
                "analysis.randomisation_inference",
                format!(
                    "randomisation inference re-draws the allocation over the rows, which {named} does not load: set analysis.randomisation_inference.enabled to false, or remove analysis.engine"
                ),
            );
        }
        if let Design::ClusterRct { cluster, .. } = design
            && is_parquet
            && let Ok(header) = data::read_header(data)
        {
            // In memory the clusters are joined from the units file; on an engine
            // the analysis data must carry them.
            self.require_column(&header, cluster, data, "design.cluster");
        }
        engine
    }

    /// `analysis.blocks` / `analysis.pairs`: columns of the analysis data, for a
    /// comparison allocated outside Evident.
    fn check_analysis_blocks(
        &mut self,
        spec: &super::AnalysisSpec,
        kind: DesignKind,
        assignment: Option<&AssignmentPlan>,
        data: &std::path::Path,
    ) -> Option<AnalysisBlocks> {
        let key = match (spec.blocks.is_empty(), &spec.pairs) {
            (true, None) => return None,
            (false, Some(_)) => {
                self.problem(
                    "analysis.pairs",
                    "declare either analysis.blocks or analysis.pairs, not both (pairs are blocks of two)",
                );
                return None;
            }
            (false, None) => "analysis.blocks",
            (true, Some(_)) => "analysis.pairs",
        };
        if !kind.compares_arms() {
            self.problem(
                key,
                format!("a {} has no arms to compare within blocks", kind.label()),
            );
            return None;
        }
        if let Some(assignment) = assignment {
            self.problem(
                key,
                format!(
                    "the allocation comes from design.assignment (method {}), whose blocks the analysis uses; remove {key}",
                    assignment.method.name()
                ),
            );
            return None;
        }
        let columns: Vec<(String, String)> = match &spec.pairs {
            Some(column) => vec![(column.clone(), key.to_string())],
            None => spec
                .blocks
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), format!("{key}[{i}]")))
                .collect(),
        };
        // A missing or unreadable data file is reported once, by the caller.
        if let Ok(header) = data::read_header(data) {
            for (column, path) in &columns {
                self.require_column(&header, column, data, path);
            }
        }
        Some(match &spec.pairs {
            Some(column) => AnalysisBlocks::Pairs(column.clone()),
            None => AnalysisBlocks::Columns(spec.blocks.clone()),
        })
    }

    /// Every key of `analysis.covariate_types` names a covariate or an outcome baseline.
    fn check_covariate_types(&mut self, spec: &super::AnalysisSpec) {
        let mut known: Vec<String> = spec.covariates.clone();
        known.extend(
            self.file
                .spec
                .outcomes
                .iter()
                .filter_map(|o| o.baseline.clone()),
        );
        for name in spec.covariate_types.keys() {
            if !known.contains(name) {
                let hint = did_you_mean(name, &known)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                self.problem(
                    format!("analysis.covariate_types.{name}"),
                    format!(
                        "`{name}` is not one of analysis.covariates or an outcome's baseline ({}){hint}",
                        if known.is_empty() { "there are none".to_string() } else { quote_list(&known) }
                    ),
                );
            }
        }
    }

    /// Randomisation inference runs on designs allocated by the assign stage.
    fn check_ri(
        &mut self,
        spec: &super::AnalysisSpec,
        kind: DesignKind,
        assignment: Option<&AssignmentPlan>,
        blocks_declared: bool,
    ) -> Option<RiPlan> {
        let given = spec.randomisation_inference.as_ref();
        let settings = given.cloned().unwrap_or_default();
        if !(1..=super::MAX_RI_DRAWS).contains(&settings.draws) {
            self.problem(
                "analysis.randomisation_inference.draws",
                format!(
                    "draws {} is outside 1 to {}",
                    settings.draws,
                    super::MAX_RI_DRAWS
                ),
            );
            return None;
        }
        if settings.exact_limit > super::MAX_RI_DRAWS {
            self.problem(
                "analysis.randomisation_inference.exact_limit",
                format!(
                    "exact_limit {} is above {}",
                    settings.exact_limit,
                    super::MAX_RI_DRAWS
                ),
            );
            return None;
        }
        if !settings.enabled {
            return None;
        }
        if kind == DesignKind::SteppedWedge {
            if given.is_some() {
                self.warn(
                    "analysis.randomisation_inference",
                    "randomisation inference re-draws arm allocations; a stepped-wedge trial's crossover steps are not re-drawn yet, so no randomisation-inference p-values are computed (the CR2 cluster-robust test is reported)",
                );
            }
            return None;
        }
        if !kind.is_randomised() {
            if given.is_some() {
                self.warn(
                    "analysis.randomisation_inference",
                    format!(
                        "a {} was not randomised, so there is no allocation to re-draw: no randomisation-inference p-values are computed",
                        kind.label()
                    ),
                );
            }
            return None;
        }
        let plan = RiPlan {
            draws: settings.draws,
            exact_limit: settings.exact_limit,
            procedure: None,
            seed: None,
        };
        if let Some(assignment) = assignment {
            for (key, given) in [
                ("procedure", settings.procedure.is_some()),
                ("seed", settings.seed.is_some()),
            ] {
                if given {
                    self.problem(
                        format!("analysis.randomisation_inference.{key}"),
                        format!(
                            "the allocation comes from design.assignment (method {}), whose own procedure and seed are re-drawn; remove {key}",
                            assignment.method.name()
                        ),
                    );
                }
            }
            return Some(plan);
        }
        // Arms in the data: a declared procedure with the observed arm sizes.
        use super::RiProcedure;
        let clustered = kind == DesignKind::ClusterRct;
        let procedure = settings
            .procedure
            .unwrap_or(match (blocks_declared, clustered) {
                (true, true) => RiProcedure::BlockedCluster,
                (true, false) => RiProcedure::Blocked,
                (false, true) => RiProcedure::Cluster,
                (false, false) => RiProcedure::Complete,
            });
        let needs_blocks = matches!(
            procedure,
            RiProcedure::Blocked | RiProcedure::BlockedCluster
        );
        let needs_clusters = matches!(
            procedure,
            RiProcedure::Cluster | RiProcedure::BlockedCluster
        );
        if needs_blocks && !blocks_declared {
            self.problem(
                "analysis.randomisation_inference.procedure",
                format!(
                    "{} needs the blocks: declare analysis.blocks (or analysis.pairs)",
                    procedure.label()
                ),
            );
            return None;
        }
        if clustered != needs_clusters {
            self.problem(
                "analysis.randomisation_inference.procedure",
                if clustered {
                    "a cluster_rct allocates whole clusters: use cluster or blocked_cluster"
                        .to_string()
                } else {
                    format!(
                        "{} applies to a cluster_rct; use complete or blocked",
                        procedure.label()
                    )
                },
            );
            return None;
        }
        Some(RiPlan {
            procedure: Some(procedure),
            seed: settings.seed,
            ..plan
        })
    }

    /// Reads `evidence.lock` and checks the spec against it; a missing, edited or
    /// foreign lock is a problem there.
    fn check_lock(&mut self) -> Option<crate::governance::lock::LockCheck> {
        use crate::governance::lock::{check_against, read_lock};
        let shown = self.file.spec.evidence.lock.clone()?;
        let path = self.file.resolve(&shown);
        let units = self
            .file
            .spec
            .design
            .units
            .as_ref()
            .map(|u| self.file.resolve(&u.file));
        let checked = read_lock(&path).and_then(|lock| {
            check_against(&lock, &shown, &path, &self.file.spec, units.as_deref())
        });
        match checked {
            Ok(check) => Some(check),
            Err(e) => {
                let hint = if matches!(e, crate::governance::lock::LockError::Missing { .. }) {
                    " (write it with `evident lock SPEC` before the outcome data arrive)"
                } else {
                    ""
                };
                self.problem("evidence.lock", format!("{e}{hint}"));
                None
            }
        }
    }

    fn check_evidence(&mut self, design: Option<&Design>) {
        let evidence = &self.file.spec.evidence;
        if !(1..=5).contains(&evidence.target_level) {
            self.problem(
                "evidence.target_level",
                format!(
                    "target level {} is outside Nesta's levels 1 to 5",
                    evidence.target_level
                ),
            );
            return;
        }
        let t = &evidence.thresholds;
        if !(t.balance_satisfied > 0.0 && t.balance_satisfied <= t.balance_adjusted) {
            self.problem(
                "evidence.thresholds.balance_satisfied",
                format!(
                    "balance thresholds must satisfy 0 < balance_satisfied ({}) <= balance_adjusted ({})",
                    t.balance_satisfied, t.balance_adjusted
                ),
            );
        }
        if t.max_mdes.is_nan() || t.max_mdes <= 0.0 {
            self.problem(
                "evidence.thresholds.max_mdes",
                format!("max_mdes {} must be positive", t.max_mdes),
            );
        }
        self.check_grading(design);
    }

    fn check_report(&mut self) -> Option<ReportPlan> {
        let report = &self.file.spec.report;
        if report.dir.trim().is_empty() {
            self.problem("report.dir", "the report directory is empty");
            return None;
        }
        if report.formats.is_empty() {
            self.problem(
                "report.formats",
                "no report format is listed; use any of json, md, html",
            );
        }
        let mut seen = HashSet::new();
        for (i, format) in report.formats.iter().enumerate() {
            if !seen.insert(*format) {
                self.problem(
                    format!("report.formats[{i}]"),
                    "this format is listed twice",
                );
            }
        }
        let disclosure = &report.disclosure;
        if disclosure.apply && disclosure.threshold < 2 {
            self.problem(
                "report.disclosure.threshold",
                format!(
                    "a threshold of {} withholds no count; use 10 (the default) or more, or set report.disclosure.apply to false for an internal report",
                    disclosure.threshold
                ),
            );
        }
        Some(ReportPlan {
            dir: self.file.resolve(&report.dir),
            formats: report.formats.clone(),
            disclosure: crate::report::disclosure::Policy {
                apply: disclosure.apply,
                threshold: disclosure.threshold,
            },
        })
    }

    fn declared_stages(&self) -> Vec<Stage> {
        let spec = &self.file.spec;
        let mut stages = Vec::new();
        if spec.design.power.is_some() {
            stages.push(Stage::Plan);
        }
        if spec.design.assignment.is_some() {
            stages.push(Stage::Assign);
        }
        if spec.design.matching.is_some() {
            stages.push(Stage::Match);
        }
        if spec.analysis.is_some() || spec.design.kind == DesignKind::SyntheticControl {
            stages.push(Stage::Analyse);
        }
        stages.push(Stage::Grade);
        stages.push(Stage::Report);
        stages
    }

    fn read_header(&mut self, file: &std::path::Path, json_path: &str) -> Option<Vec<String>> {
        match data::read_header(file) {
            Ok(header) => Some(header),
            Err(e) => {
                self.problem(json_path, e.to_string());
                None
            }
        }
    }

    fn require_column(
        &mut self,
        header: &[String],
        column: &str,
        file: &std::path::Path,
        json_path: &str,
    ) {
        if !header.iter().any(|h| h == column) {
            let hint = did_you_mean(column, header)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            self.problem(
                json_path,
                format!("column `{column}` is not in {}{hint}", file.display()),
            );
        }
    }
}

fn default_estimator(kind: DesignKind) -> EstimatorKind {
    match kind {
        DesignKind::Rct | DesignKind::ClusterRct | DesignKind::MatchedComparison => {
            EstimatorKind::DifferenceInMeans
        }
        DesignKind::BeforeAfter => EstimatorKind::PairedDifference,
        // Never used: a synthetic control has no analysis block (synth_check).
        DesignKind::Descriptive
        | DesignKind::SyntheticControl
        | DesignKind::RegressionDiscontinuity => EstimatorKind::Mean,
        DesignKind::InterruptedTimeSeries => EstimatorKind::SegmentedRegression,
        DesignKind::DifferenceInDifferences => EstimatorKind::TwoWayFixedEffects,
        // Never used: a staggered analysis has no estimators list (checked).
        DesignKind::StaggeredRollout => EstimatorKind::DifferenceInMeans,
        DesignKind::SteppedWedge => EstimatorKind::TwoWayFixedEffects,
    }
}

fn estimator_fits(estimator: EstimatorKind, kind: DesignKind) -> bool {
    match estimator {
        EstimatorKind::DifferenceInMeans
        | EstimatorKind::RegressionAdjusted
        | EstimatorKind::Lin => kind.compares_arms(),
        EstimatorKind::PairedDifference => kind == DesignKind::BeforeAfter,
        EstimatorKind::Mean => matches!(
            kind,
            DesignKind::Descriptive | DesignKind::RegressionDiscontinuity
        ),
        EstimatorKind::SegmentedRegression => kind == DesignKind::InterruptedTimeSeries,
        EstimatorKind::TwoWayFixedEffects => matches!(
            kind,
            DesignKind::DifferenceInDifferences | DesignKind::SteppedWedge
        ),
    }
}

/// Lower-case hexadecimal SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256_hex_of_digest(Sha256::digest(bytes).as_slice())
}

/// Lower-case hexadecimal form of a finished digest.
pub fn sha256_hex_of_digest(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
