//! The grade stage: places a study on Nesta's Standards of Evidence (levels 1–5)
//! and explains every criterion (met, not met, not assessed or not applicable) with
//! the figure observed, the threshold and the rule applied (docs/evidence.md), then
//! gives two secondary ratings beside it: the Maryland Scientific Methods Scale
//! (`sms.rs`) and EEF-style padlocks (`padlocks.rs`).
//!
//! A study reaches level L when every criterion of levels 1..=L is met or not
//! applicable; a criterion that is not assessed does not pass. Thresholds come from
//! the spec's `evidence.thresholds`. Significance for the evidence criteria is
//! two-sided at `evidence.thresholds.alpha`, whatever the analysis settings say.

pub mod attrition;
mod certainty;
pub mod its_did;
pub mod matching;
mod padlocks;
pub mod rdd;
mod sms;
pub mod staggered;
mod stepped_wedge;
pub mod synth;

pub use attrition::{AttritionCheck, boundary_name, check_attrition, check_counts, judge};
pub use certainty::{
    Certainty, CertaintyRating, FindingFacts, MIN_SERIES_PERIODS, Sample, rate as rate_certainty,
    rate_design,
};
use padlocks::padlocks;
pub use padlocks::{PadlockRating, Threat, ThreatLevel};
pub use sms::SmsRating;
use sms::sms;

use serde::Serialize;

use crate::analysis::OutcomeResult;
use crate::analysis::equivalence::EquivalenceTest;
use crate::analysis::interim::{InterimAnalysis, InterimTest};
use crate::analysis::{
    Analysis, ArmFlow, BalanceMeasure, BalanceRow, Comparison, ContrastEvidence,
};
use crate::power::mdes_from_standard_error;
use crate::report::format::{
    EffectText, Scale, count, fixed, level, p_phrase, p_value, percent, significant,
};
use crate::spec::{AttritionBoundary, DesignKind, Direction, EstimatorKind, Finding, Plan};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::htest::{TostOptions, Verdict, tost_estimate};

/// Power at which the achieved sample's MDES is computed (the usual planning value).
const MDES_POWER: f64 = 0.8;
/// Sites with positive results that count as "several" for Nesta level 5.
const MIN_SITES: u32 = 2;
/// Significant figures of numbers in the grade's sentences (full precision is in JSON).
const DIGITS: usize = 3;

/// The graded verdict.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Grade {
    pub framework: &'static str,
    /// Highest level reached (0 when not even level 1 is).
    pub level: u8,
    pub target_level: u8,
    pub criteria: Vec<Criterion>,
    /// One sentence: the level and what held it there.
    pub summary: String,
    /// What the next level needs, when one exists.
    pub next_level_needs: Option<String>,
    /// The contrast the criteria describe ("treatment vs control"), for designs
    /// with a comparison group and analysed data.
    pub graded_contrast: Option<String>,
    /// Multi-arm trials without `evidence.graded_arm`: every contrast's level, in
    /// arm-name order; the study's level is the lowest of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contrast_levels: Vec<ContrastLevel>,
    /// Two-sided significance level of the evidence criteria.
    pub evidence_alpha: f64,
    /// Secondary rating: Maryland Scientific Methods Scale.
    pub sms: SmsRating,
    /// Secondary rating: EEF-style padlocks.
    pub padlocks: PadlockRating,
}

/// The level one contrast of a multi-arm trial reaches.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ContrastLevel {
    pub contrast: String,
    pub level: u8,
}

/// One criterion of the grade.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Criterion {
    pub level: u8,
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    /// What was observed, in words and numbers.
    pub observed: String,
    /// What the rule asks for.
    pub rule: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    /// The criterion cannot be assessed from what the spec and data give; `observed`
    /// names the spec key or data that would let it be. Does not pass a level.
    NotAssessed,
    /// The criterion does not apply to this design (counts as met).
    NotApplicable,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not met",
            Status::NotAssessed => "not assessed",
            Status::NotApplicable => "not applicable",
        }
    }

    /// Whether the criterion lets its level be reached.
    pub fn passes(self) -> bool {
        matches!(self, Status::Met | Status::NotApplicable)
    }
}

/// The primary outcome's headline comparison, and the flow of its two arms.
struct Headline<'a> {
    analysis: &'a Analysis,
    /// The primary outcome (its type and unit give the scale effects are shown on).
    outcome: &'a OutcomeResult,
    better: Direction,
    comparison: &'a Comparison,
    /// The contrast's two arms (control first): their flow, attrition and baseline
    /// balance, from the analysis (`Analysis::contrast`); `None` for one-group designs.
    contrast: Option<ContrastEvidence>,
}

impl Headline<'_> {
    /// The scale the primary outcome's effects are shown on.
    fn scale(&self) -> Scale<'_> {
        Scale::of_outcome(self.outcome.outcome_type, self.outcome.unit.as_deref())
    }

    /// Flow of the contrast's arms (control first); empty for one-group designs.
    fn arms(&self) -> &[ArmFlow] {
        self.contrast.as_ref().map_or(&[], |c| &c.flow.arms)
    }

    /// Baseline rows of this contrast only.
    fn baseline(&self) -> &[BalanceRow] {
        self.contrast.as_ref().map_or(&[], |c| &c.balance)
    }
}

/// What the secondary ratings read from the Nesta criteria of the graded contrast.
/// What the spec shows of a plan fixed in advance.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Preregistration {
    /// Neither a lock nor a registered plan.
    #[default]
    None,
    /// A registered plan named (`evidence.preregistration`) but no lock to check
    /// the analysis against.
    Declared(String),
    /// Checked against a plan lock: when it was locked, how many deviations, and the
    /// serious ones (a changed primary outcome or estimator) in words.
    Locked {
        locked_at: String,
        deviations: usize,
        serious: Vec<String>,
    },
}

impl Preregistration {
    pub(crate) fn of(plan: &Plan) -> Preregistration {
        match (&plan.lock, &plan.evidence.preregistration) {
            (Some(check), _) => Preregistration::Locked {
                locked_at: check.locked_at.clone(),
                deviations: check.deviations.len(),
                serious: check
                    .deviations
                    .iter()
                    .filter(|d| d.serious)
                    .map(|d| d.words.clone())
                    .collect(),
            },
            (None, Some(id)) => Preregistration::Declared(id.clone()),
            (None, None) => Preregistration::None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    pub kind: Option<DesignKind>,
    /// Individual attrition of the contrast; `None` when not assessed.
    pub attrition: Option<AttritionCheck>,
    /// Cluster attrition (cluster trials); `None` when not assessed or not a cluster trial.
    pub cluster_attrition: Option<AttritionCheck>,
    /// Whether WWC attrition is low for the contrast (clusters and individuals);
    /// `None` when it could not be assessed.
    pub attrition_low: Option<bool>,
    /// Status of the baseline-equivalence criterion, and whether it was required.
    pub balance: Option<Status>,
    pub balance_required: bool,
    /// Whether some baseline difference lies outside the WWC threshold.
    pub balance_failing: bool,
    /// Achieved MDES in SD units (80% power, two-sided at the evidence alpha).
    pub mdes: Option<f64>,
    /// Whether and how the analysis plan was fixed in advance.
    pub preregistration: Preregistration,
    /// Whether an effect was analysed at all.
    pub analysed: bool,
}

/// The secondary ratings of a study with nothing assessed, for tests that build a
/// `Grade` by hand.
#[cfg(test)]
pub(crate) fn unassessed_ratings() -> (SmsRating, PadlockRating) {
    let facts = Facts::default();
    (sms(&facts), padlocks(&facts))
}

/// Grades a study from its plan and (when declared) its analysis.
pub fn grade(plan: &Plan, analysis: Option<&Analysis>) -> Grade {
    if plan.design.kind() == DesignKind::SyntheticControl {
        return synth::grade(plan, None);
    }
    let mut graded = grade_headlines(plan, analysis);
    if let Some(rd) = analysis.and_then(|a| a.regression_discontinuity.as_ref()) {
        rdd::apply_rd_grade(&mut graded, rd);
    } else if plan.design.kind() == DesignKind::RegressionDiscontinuity {
        rdd::apply_rd_prospect(&mut graded);
    }
    graded
}

fn grade_headlines(plan: &Plan, analysis: Option<&Analysis>) -> Grade {
    let candidates = headlines(plan, analysis);
    if candidates.is_empty() {
        return grade_contrast(plan, analysis, None);
    }
    let multi = candidates.len() > 1;
    let mut grades: Vec<Grade> = candidates
        .into_iter()
        .map(|h| grade_contrast(plan, analysis, Some(h)))
        .collect();
    // Independent of the order of arms in the spec: arm-name order, lowest level first.
    grades.sort_by(|a, b| {
        a.level
            .cmp(&b.level)
            .then_with(|| a.graded_contrast.cmp(&b.graded_contrast))
    });
    let mut levels: Vec<ContrastLevel> = grades
        .iter()
        .map(|g| ContrastLevel {
            contrast: g.graded_contrast.clone().unwrap_or_default(),
            level: g.level,
        })
        .collect();
    levels.sort_by(|a, b| a.contrast.cmp(&b.contrast));
    let mut chosen = grades.swap_remove(0);
    if multi {
        chosen.summary = format!(
            "{} Every treatment-versus-control contrast is graded (evidence.graded_arm is not set) and the lowest level is reported: {}.",
            chosen.summary,
            levels
                .iter()
                .map(|l| format!("{} level {}", l.contrast, l.level))
                .collect::<Vec<_>>()
                .join(", ")
        );
        chosen.contrast_levels = levels;
    }
    chosen
}

/// The headline comparisons to grade: the primary outcome's first estimator, for the
/// declared graded arm or (multi-arm without one) for every treatment arm.
fn headlines<'a>(plan: &Plan, analysis: Option<&'a Analysis>) -> Vec<Headline<'a>> {
    let Some(analysis) = analysis else {
        return Vec::new();
    };
    let Some(primary) = analysis.outcomes.first() else {
        return Vec::new();
    };
    let Some(first) = primary.comparisons.first() else {
        return Vec::new();
    };
    let two_groups = plan.design.kind().has_comparison_group();
    primary
        .comparisons
        .iter()
        .filter(|c| c.estimator == first.estimator)
        .filter(|c| {
            !two_groups
                || plan
                    .evidence
                    .graded_arm
                    .as_ref()
                    .is_none_or(|arm| c.groups.get(1).is_some_and(|g| &g.name == arm))
        })
        .map(|comparison| {
            let arm_index = |name: &str| analysis.flow.arms.iter().position(|a| a.arm == name);
            let contrast = match comparison.groups.as_slice() {
                [control, treated] if two_groups => arm_index(&treated.name)
                    .zip(arm_index(&control.name))
                    .and_then(|(t, c)| analysis.contrast(t, c)),
                _ => None,
            };
            Headline {
                analysis,
                outcome: primary,
                better: primary.better,
                comparison,
                contrast,
            }
        })
        .collect()
}

fn grade_contrast(plan: &Plan, analysis: Option<&Analysis>, headline: Option<Headline>) -> Grade {
    let mut facts = Facts {
        kind: Some(plan.design.kind()),
        preregistration: Preregistration::of(plan),
        analysed: headline.is_some(),
        ..Facts::default()
    };
    let mut criteria = vec![theory_of_change(plan)];
    if let Some(result) = analysis.and_then(|a| a.staggered_rollout.as_ref()) {
        criteria.extend(staggered::criteria_of(plan, result, &mut facts));
    } else if plan.design.kind() == DesignKind::StaggeredRollout {
        criteria.extend(staggered::not_analysed(plan));
    } else if plan.design.kind() == DesignKind::SteppedWedge {
        criteria.extend(level_two(plan, analysis.is_some(), headline.as_ref()));
        criteria.extend(stepped_wedge::level_three(
            plan,
            analysis.and_then(|a| a.stepped_wedge.as_ref()),
            headline.as_ref(),
            &mut facts,
        ));
    } else {
        criteria.extend(level_two(plan, analysis.is_some(), headline.as_ref()));
        match its_did::design_level_three(plan, analysis, headline.as_ref()) {
            Some(its) => criteria.extend(its),
            None => criteria.extend(level_three(
                plan,
                analysis.is_some(),
                headline.as_ref(),
                &mut facts,
            )),
        }
    }
    // A matched comparison analysed from its matched file: its balance check.
    criteria.extend(
        analysis
            .and_then(|a| a.matched.as_ref())
            .map(|m| m.criterion.clone()),
    );
    criteria.extend(level_four(plan, analysis));
    criteria.extend(level_five(plan));

    let (level, summary, next_level_needs) = reached(&criteria);
    Grade {
        framework: "Nesta Standards of Evidence (Puttick and Ludlow 2013)",
        level,
        target_level: plan.evidence.target_level,
        criteria,
        summary,
        next_level_needs,
        graded_contrast: headline
            .as_ref()
            .filter(|h| h.contrast.is_some())
            .map(|h| h.comparison.contrast.clone()),
        contrast_levels: Vec::new(),
        evidence_alpha: plan.evidence.thresholds.alpha,
        sms: {
            let mut rating = sms(&facts);
            its_did::design_sms(plan, analysis, &mut rating);
            rating
        },
        padlocks: padlocks(&facts),
    }
}

/// The level the criteria reach (every criterion of each level up to it passes), the
/// one-sentence summary naming what held it there, and what the next level needs.
pub(crate) fn reached(criteria: &[Criterion]) -> (u8, String, Option<String>) {
    let mut level = 0;
    for candidate in 1..=5u8 {
        if criteria
            .iter()
            .filter(|c| c.level == candidate)
            .all(|c| c.status.passes())
        {
            level = candidate;
        } else {
            break;
        }
    }
    let blocking: Vec<&Criterion> = criteria
        .iter()
        .filter(|c| c.level == level + 1 && !c.status.passes())
        .collect();
    let summary = if blocking.is_empty() {
        format!("Nesta level {level} of 5.")
    } else {
        let reached = if level == 0 {
            "No Nesta level is reached".to_string()
        } else {
            format!("Nesta level {level} of 5")
        };
        let titles: Vec<String> = blocking
            .iter()
            .map(|c| {
                let title = c.title.to_lowercase();
                if c.status == Status::NotAssessed {
                    format!("{title} (not assessed)")
                } else {
                    title
                }
            })
            .collect();
        format!(
            "{reached}; level {} also needs: {}.",
            level + 1,
            titles.join("; ")
        )
    };
    let next_level_needs = (level < 5).then(|| {
        blocking
            .iter()
            .map(|c| c.rule.clone())
            .collect::<Vec<_>>()
            .join(" ")
    });
    (level, summary, next_level_needs)
}

fn theory_of_change(plan: &Plan) -> Criterion {
    let s = &plan.statement;
    let missing: Vec<&str> = [
        ("problem", s.problem.trim().is_empty()),
        ("action", s.action.trim().is_empty()),
        ("data product", s.data_product.trim().is_empty()),
        ("datasets", s.datasets.iter().all(|d| d.trim().is_empty())),
    ]
    .into_iter()
    .filter(|(_, empty)| *empty)
    .map(|(name, _)| name)
    .collect();
    Criterion {
        level: 1,
        id: "theory_of_change",
        title: "A clear account of what the intervention does and why it should help",
        status: if missing.is_empty() { Status::Met } else { Status::NotMet },
        observed: if missing.is_empty() {
            "the four-part statement (problem, action, data product, datasets) is complete".into()
        } else {
            format!("the statement lacks: {}", missing.join(", "))
        },
        rule: "Level 1 needs the whole four-part statement: the problem, the action, the data product and the datasets."
            .into(),
    }
}

/// The headline estimate with two-sided inference at the evidence threshold: the
/// analysis may be one-sided or at another alpha, the grade is not.
pub fn two_sided(estimate: &Estimate, alpha: f64) -> Estimate {
    Estimate::from_t(
        estimate.estimate,
        estimate.std_error,
        estimate.df,
        1.0 - alpha,
        Alternative::TwoSided,
    )
}

/// The number analysed behind a comparison: both arms (or the one group); a
/// before/after design measures the same units twice and counts them once.
fn achieved_n(comparison: &Comparison) -> usize {
    if comparison.estimator == EstimatorKind::PairedDifference {
        return comparison.groups.iter().map(|g| g.n).max().unwrap_or(0);
    }
    comparison.groups.iter().map(|g| g.n).sum()
}

/// Whether the headline effect is beneficial (and significant when required), in words;
/// for a primary outcome with a declared margin, whether the declared claim is shown.
fn beneficial(plan: &Plan, headline: &Headline) -> (bool, String) {
    if let Some(test) = declared_test(headline) {
        return declared_claim(plan, headline, test);
    }
    if let Some((look, test)) = interim_test(headline) {
        return interim_claim(plan, headline, look, test);
    }
    let alpha = plan.evidence.thresholds.alpha;
    let comparison = headline.comparison;
    let e = two_sided(&comparison.estimate, alpha);
    let right_way = match headline.better {
        Direction::Higher => e.estimate > 0.0,
        Direction::Lower => e.estimate < 0.0,
    };
    let is_significant = e.p_value < alpha;
    let required = plan.evidence.thresholds.require_significance;
    let (good, bad) = match headline.better {
        Direction::Higher => ("an increase", "a decrease"),
        Direction::Lower => ("a decrease", "an increase"),
    };
    let direction = if e.estimate == 0.0 {
        "no change".to_string()
    } else if right_way {
        format!("{good}, the beneficial direction")
    } else if is_significant {
        format!("{bad}: harmful, a significant change in the wrong direction")
    } else {
        format!("{bad}, not the beneficial direction")
    };
    let level_words = significant_words(alpha);
    // On the outcome's scale, with the decimals the summary of findings uses.
    let scale = headline.scale();
    let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
    let observed = format!(
        "{}: difference {}{} ({} CI {}), two-sided p {}, unadjusted ({direction}; {} {level_words})",
        comparison.contrast,
        shown.estimate,
        scale.difference_unit(),
        percent(e.conf_level, DIGITS),
        shown.range(),
        p_phrase(e.p_value),
        if is_significant {
            "significant at"
        } else {
            "not significant at"
        },
    );
    (right_way && (is_significant || !required), observed)
}

/// The equivalence or non-inferiority test declared for the headline comparison.
fn declared_test<'a>(headline: &Headline<'a>) -> Option<&'a EquivalenceTest> {
    headline
        .outcome
        .equivalence
        .iter()
        .find(|t| t.contrast == headline.comparison.contrast)
}

/// The declared claim judged at the evidence threshold: the two-sided 1 − α interval
/// (each one-sided test at α/2, as CONSORT's non-inferiority extension asks) wholly
/// within the margin, whatever `analysis.alpha` says.
fn declared_claim(plan: &Plan, headline: &Headline, test: &EquivalenceTest) -> (bool, String) {
    let alpha = plan.evidence.thresholds.alpha;
    let e = &headline.comparison.estimate;
    let options = TostOptions {
        margins: test.test.margins,
        alpha: alpha / 2.0,
        mu: 0.0,
        unit: None,
    };
    let Ok(t) = tost_estimate(e.estimate, e.std_error, e.df, &options) else {
        return (
            false,
            format!(
                "{}: the declared margin could not be tested (no standard error)",
                test.contrast
            ),
        );
    };
    let scale = headline.scale();
    let marks: Vec<f64> = [t.margins.low, t.margins.high]
        .into_iter()
        .flatten()
        .collect();
    let shown = EffectText::apart_from(scale, t.estimate, t.conf_low, t.conf_high, &marks);
    let unit = scale.difference_unit();
    let at = |x: f64| format!("{}{unit}", significant(scale.factor() * x, DIGITS));
    let (what, bounds) = match (t.margins.low, t.margins.high) {
        (Some(low), Some(high)) => (
            "equivalence (analysis.equivalence)",
            format!("between {} and {}", at(low), at(high)),
        ),
        (Some(low), None) => (
            "non-inferiority (analysis.non_inferiority)",
            format!("above {}", at(low)),
        ),
        (None, Some(high)) => (
            "non-inferiority (analysis.non_inferiority)",
            format!("below {}", at(high)),
        ),
        (None, None) => ("", String::new()),
    };
    let ok = t.verdict != Verdict::NotShown;
    let sentence = crate::analysis::equivalence::sentence(&t, &test.treated, &test.control, scale);
    let observed = format!(
        "{}: {what} declared; difference {}{unit} ({} CI {}), which {} wholly {bounds} (one-sided p {}): {sentence}",
        test.contrast,
        shown.estimate,
        percent(1.0 - alpha, DIGITS),
        shown.range(),
        if ok { "lies" } else { "does not lie" },
        p_value(t.p_value),
    );
    (ok, observed)
}

/// The interim look (`analysis.interim`) applied to the headline comparison.
fn interim_test<'a>(headline: &Headline<'a>) -> Option<(&'a InterimAnalysis, &'a InterimTest)> {
    let look = headline.analysis.interim.as_ref()?;
    let test = look.tests.iter().find(|t| {
        t.contrast == headline.comparison.contrast && t.estimator == headline.comparison.estimator
    })?;
    Some((look, test))
}

/// At an interim look, significance judged against the group-sequential boundary: the
/// planned family at the information reached, two-sided at the evidence threshold,
/// i.e. the two-sided 1 − α repeated confidence interval excluding no effect
/// (Jennison and Turnbull 2000, ch. 9), whatever `analysis.alpha` and the plan's
/// sidedness say.
fn interim_claim(
    plan: &Plan,
    headline: &Headline,
    look: &InterimAnalysis,
    test: &InterimTest,
) -> (bool, String) {
    let alpha = plan.evidence.thresholds.alpha;
    let Ok(c) = crate::analysis::interim::boundary_at(
        &test.boundary_fractions,
        look.look,
        look.boundary,
        alpha,
        true,
    ) else {
        return (
            false,
            format!(
                "{}: interim look {} of {}: the two-sided boundary at α = {} could not be found",
                test.contrast,
                look.look,
                look.looks,
                significant(alpha, DIGITS)
            ),
        );
    };
    let right_way = match headline.better {
        Direction::Higher => test.estimate > 0.0,
        Direction::Lower => test.estimate < 0.0,
    };
    let crosses = test.z.abs() >= c;
    let required = plan.evidence.thresholds.require_significance;
    let scale = headline.scale();
    // The repeated interval on the comparison's t scale (as analysis::interim).
    let df = test.df.unwrap_or(f64::INFINITY);
    let c_t = crate::stats::distributions::normal::sf(c)
        .and_then(|level| crate::stats::distributions::t::upper_quantile(level, df))
        .unwrap_or(f64::NAN);
    let shown = EffectText::new(
        scale,
        test.estimate,
        test.estimate - c_t * test.std_error,
        test.estimate + c_t * test.std_error,
    );
    let direction = if test.estimate == 0.0 {
        "no change"
    } else if right_way {
        "the beneficial direction"
    } else {
        "not the beneficial direction"
    };
    let fraction = test.fractions[look.look - 1];
    let observed = format!(
        "{}: interim look {} of {} (analysis.interim) at information fraction {}; difference {}{} ({} repeated CI {}), |z| = {} against the two-sided {} boundary {} at α = {} ({direction}; it {} the boundary, so it is {} at the group-sequential level)",
        test.contrast,
        look.look,
        look.looks,
        significant(fraction, DIGITS),
        shown.estimate,
        scale.difference_unit(),
        percent(1.0 - alpha, DIGITS),
        shown.range(),
        significant(test.z.abs(), 3),
        look.boundary_label,
        significant(c, 3),
        significant(alpha, DIGITS),
        if crosses { "crosses" } else { "does not cross" },
        if crosses {
            "significant"
        } else {
            "not significant"
        },
    );
    (right_way && (crosses || !required), observed)
}

/// The rule of the level 2 and 3 finding criteria: significance in the beneficial
/// direction (against the group-sequential boundary at an interim look), or the
/// declared margin's claim shown.
fn finding_rule(plan: &Plan, level: u8, headline: &Headline) -> String {
    if declared_test(headline).is_none() && interim_test(headline).is_some() {
        let t = &plan.evidence.thresholds;
        let what = if level == 2 {
            "change in the primary outcome"
        } else {
            "the primary effect against the comparison group"
        };
        return if t.require_significance {
            format!(
                "The analysis is a look of a group-sequential trial (analysis.interim), so level {level} needs {what} in the beneficial direction and beyond the boundary: the two-sided {} repeated confidence interval (c the planned boundary family's critical value at the information reached, two-sided at evidence.thresholds.alpha = {}; the comparison's t statistic is judged on the normal scale through its p-value, and the interval is the estimate ± the t quantile of c's nominal level times the SE) excluding no effect, whatever analysis.alpha and the plan's sidedness say. An ordinary confidence interval at an interim look overstates the evidence, because the data are looked at more than once (Jennison and Turnbull 2000, ch. 9).",
                percent(1.0 - t.alpha, DIGITS),
                significant(t.alpha, DIGITS)
            )
        } else {
            format!(
                "Level {level} needs {what} in the beneficial direction (significance not required by evidence.thresholds.require_significance; at an interim look it would be judged against the group-sequential boundary)."
            )
        };
    }
    if declared_test(headline).is_none() {
        return significance_rule(plan, level);
    }
    let alpha = plan.evidence.thresholds.alpha;
    format!(
        "The primary outcome has a margin declared in advance (analysis.non_inferiority or analysis.equivalence), so level {level} needs that claim shown, the finding such a trial sets out to show in place of a beneficial effect: the two-sided {} confidence interval wholly within the margin (each one-sided test at {}, the CONSORT convention for non-inferiority), at evidence.thresholds.alpha whatever analysis.alpha says.",
        percent(1.0 - alpha, DIGITS),
        significant(alpha / 2.0, DIGITS)
    )
}

fn significant_words(alpha: f64) -> String {
    format!("the two-sided {} level", significant(alpha, DIGITS))
}

fn level_two(plan: &Plan, analysed: bool, headline: Option<&Headline>) -> Vec<Criterion> {
    let data = Criterion {
        level: 2,
        id: "outcome_data",
        title: "Outcome data on those who received the intervention",
        status: match (headline, analysed) {
            (Some(_), _) => Status::Met,
            (None, false) => Status::NotAssessed,
            (None, true) => Status::NotMet,
        },
        observed: match headline {
            Some(h) => format!(
                "primary outcome `{}` analysed for {} units",
                h.analysis.flow.outcome,
                count(achieved_n(h.comparison))
            ),
            None => "not assessed: no outcome data are analysed yet (declare analysis.data with the outcome data)".into(),
        },
        rule: "Level 2 needs outcome data on participants: declare an analysis section with the outcome data.".into(),
    };
    let change = match headline {
        None => Criterion {
            level: 2,
            id: "positive_change",
            title: "The data show positive change",
            status: Status::NotAssessed,
            observed: "not assessed: no outcome data (analysis.data)".into(),
            rule: "Level 2 needs the primary outcome to change in the beneficial direction.".into(),
        },
        Some(h) if h.comparison.estimator == EstimatorKind::Mean => Criterion {
            level: 2,
            id: "positive_change",
            title: "The data show positive change",
            status: Status::NotMet,
            observed: format!(
                "only the outcome after the intervention is measured (mean {}); no change can be shown",
                level(h.scale(), h.comparison.estimate.estimate, DIGITS)
            ),
            rule: format!(
                "Level 2 needs change shown: measure the outcome before as well (a before/after design), aiming for {}.",
                if h.better == Direction::Higher {
                    "an increase"
                } else {
                    "a decrease"
                }
            ),
        },
        Some(h) => {
            let (ok, observed) = beneficial(plan, h);
            Criterion {
                level: 2,
                id: "positive_change",
                title: "The data show positive change",
                status: if ok { Status::Met } else { Status::NotMet },
                observed,
                rule: finding_rule(plan, 2, h),
            }
        }
    };
    vec![data, change]
}

fn significance_rule(plan: &Plan, level: u8) -> String {
    let what = if level == 2 {
        "change in the primary outcome"
    } else {
        "the primary effect against the comparison group"
    };
    let t = &plan.evidence.thresholds;
    if t.require_significance {
        format!(
            "Level {level} needs {what} in the beneficial direction and statistically significant: the primary outcome's unadjusted p-value, two-sided, below {} (evidence.thresholds.alpha), whatever analysis.alpha and analysis.alternative say.",
            significant(t.alpha, DIGITS)
        )
    } else {
        format!(
            "Level {level} needs {what} in the beneficial direction (significance not required by evidence.thresholds.require_significance)."
        )
    }
}

fn not_assessed(
    level: u8,
    id: &'static str,
    title: &'static str,
    observed: &str,
    rule: String,
) -> Criterion {
    Criterion {
        level,
        id,
        title,
        status: Status::NotAssessed,
        observed: format!("not assessed: {observed}"),
        rule,
    }
}

fn level_three(
    plan: &Plan,
    analysed: bool,
    headline: Option<&Headline>,
    facts: &mut Facts,
) -> Vec<Criterion> {
    let kind = plan.design.kind();
    let thresholds = &plan.evidence.thresholds;
    let mut out = vec![Criterion {
        level: 3,
        id: "comparison_group",
        title: "A control or comparison group",
        status: if kind.has_comparison_group() { Status::Met } else { Status::NotMet },
        observed: format!("the design is a {}", kind.label()),
        rule: "Level 3 needs a control or comparison group: a randomised trial, or a well-matched comparison group."
            .into(),
    }];
    if !kind.has_comparison_group() {
        return out;
    }
    let Some(h) = headline else {
        let why = if analysed {
            "the primary outcome has no comparison of arms"
        } else {
            "no outcome data are analysed yet (analysis.data)"
        };
        out.push(not_assessed(
            3,
            "causal_effect",
            "Less impact among those who did not receive it",
            why,
            significance_rule(plan, 3),
        ));
        if kind.is_randomised() {
            out.push(not_assessed(
                3,
                "attrition",
                "Low attrition",
                why,
                attrition_rule(thresholds.attrition_boundary, kind),
            ));
        }
        out.push(not_assessed(
            3,
            "baseline_equivalence",
            "Groups equivalent at baseline",
            why,
            balance_rule(plan, true),
        ));
        out.push(not_assessed(
            3,
            "sample_size",
            "A sufficiently large sample",
            why,
            mdes_rule(plan),
        ));
        return out;
    };
    let (ok, observed) = beneficial(plan, h);
    out.push(Criterion {
        level: 3,
        id: "causal_effect",
        title: "Less impact among those who did not receive it",
        status: if ok { Status::Met } else { Status::NotMet },
        observed,
        rule: finding_rule(plan, 3, h),
    });
    // Attrition: a randomised comparison's integrity (WWC); quasi-experiments are judged
    // on baseline equivalence instead. Unknown attrition counts as high.
    let mut high_attrition = false;
    if kind.is_randomised() {
        // Each part is low, high, or unknown (`None`); any high part makes attrition
        // high, and otherwise any unknown part leaves it unknown.
        let mut parts: Vec<Option<bool>> = Vec::new();
        if kind == DesignKind::ClusterRct {
            let (criterion, check) = cluster_attrition(h, thresholds.attrition_boundary);
            parts.push(check.as_ref().map(|c| c.low));
            facts.cluster_attrition = check;
            out.push(criterion);
        }
        let (mut criterion, check) = individual_attrition(h, thresholds.attrition_boundary, kind);
        if check.as_ref().is_some_and(|c| !c.low)
            && let Some((survives, words)) = bounded_finding(plan, h)
        {
            // The finding survives the attrition: the criterion is met, while
            // attrition still counts as high for baseline equivalence and the
            // secondary scales.
            if survives {
                criterion.status = Status::Met;
            }
            criterion.observed.push_str(&words);
            criterion.rule.push_str(&bounds_rule(plan));
        }
        parts.push(check.as_ref().map(|c| c.low));
        facts.attrition = check;
        out.push(criterion);
        let low = if parts.contains(&Some(false)) {
            Some(false)
        } else if parts.contains(&None) {
            None
        } else {
            Some(true)
        };
        high_attrition = low != Some(true);
        facts.attrition_low = low;
    } else {
        facts.attrition = h
            .contrast
            .as_ref()
            .and_then(|c| c.attrition)
            .map(|a| judge(a, thresholds.attrition_boundary));
    }
    // Baseline equivalence (WWC): required for quasi-experiments and for randomised
    // trials with high or unknown attrition; shown for the others.
    let required = !kind.is_randomised() || high_attrition;
    let (balance, failing) = baseline_equivalence(plan, h, required);
    facts.balance = Some(balance.status);
    facts.balance_failing = failing;
    facts.balance_required = required;
    out.push(balance);
    // Sufficiently large sample: the MDES at 80% power of the analysed sample.
    let comparison = h.comparison;
    let mdes = analysed_mdes(h, thresholds.alpha);
    facts.mdes = mdes;
    out.push(Criterion {
        level: 3,
        id: "sample_size",
        title: "A sufficiently large sample",
        status: sample_size_status(mdes, thresholds.max_mdes),
        observed: match mdes {
            Some(m) => format!(
                "the {} units analysed ({}) can detect effects of {} SD with 80% power, two-sided at {}, given the standard error of the analysis",
                count(achieved_n(comparison)),
                comparison
                    .groups
                    .iter()
                    .map(|g| format!("{} {}", count(g.n), g.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                significant(m, DIGITS),
                significant(thresholds.alpha, DIGITS)
            ),
            None => "not assessed: no minimum detectable effect can be computed (the outcome's SD or the standard error is not estimable)".into(),
        },
        rule: mdes_rule(plan),
    });
    out
}

fn mdes_rule(plan: &Plan) -> String {
    let t = &plan.evidence.thresholds;
    format!(
        "Level 3 needs a minimum detectable effect of at most {} SD (80% power, two-sided at evidence.thresholds.alpha = {}; MDES = (t(1 − α/2, df) + t(0.8, df)) × SE / SD), per evidence.thresholds.max_mdes.",
        significant(t.max_mdes, DIGITS),
        significant(t.alpha, DIGITS)
    )
}

fn attrition_rule(boundary: AttritionBoundary, kind: DesignKind) -> String {
    let clusters = if kind == DesignKind::ClusterRct {
        " of individuals within the retained clusters (units allocated in clusters that still have an analysed unit; the clusters' own attrition is judged separately)"
    } else {
        ""
    };
    format!(
        "Level 3 needs low attrition{clusters} by the What Works Clearinghouse {} boundary (Standards Handbook v4.1, Table II.1), judged at one decimal; attrition that cannot be measured counts as high.",
        boundary_name(boundary)
    )
}

/// Attrition at the one decimal it is judged at (docs/evidence.md).
fn describe(check: &AttritionCheck, what: &str) -> String {
    format!(
        "overall attrition of {what} {}%, differential {} percentage points (largest acceptable at this rate: {})",
        fixed(check.overall_shown, 1),
        fixed(check.differential_shown, 1),
        check
            .max_differential
            .map_or("none, attrition is high at this rate".into(), |m| format!(
                "{} points",
                fixed(m, 1)
            ))
    )
}

fn cluster_attrition(
    h: &Headline,
    boundary: AttritionBoundary,
) -> (Criterion, Option<AttritionCheck>) {
    let check = h
        .contrast
        .as_ref()
        .and_then(|c| c.cluster_attrition)
        .map(|a| judge(a, boundary));
    let rule = format!(
        "Level 3 needs low attrition of clusters by the What Works Clearinghouse {} boundary (the handbook's cluster review: a cluster with no analysed unit is lost), judged at one decimal; cluster attrition that cannot be measured counts as high.",
        boundary_name(boundary)
    );
    let criterion = match &check {
        Some(check) => {
            let lost: Vec<String> = h
                .arms()
                .iter()
                .map(|a| {
                    let allocated = a.clusters_allocated.unwrap_or(0);
                    let analysed = a.clusters_analysed.unwrap_or(0);
                    format!(
                        "{} of {} {} clusters lost",
                        allocated.saturating_sub(analysed),
                        allocated,
                        a.arm
                    )
                })
                .collect();
            Criterion {
                level: 3,
                id: "cluster_attrition",
                title: "Low attrition of clusters",
                status: if check.low {
                    Status::Met
                } else {
                    Status::NotMet
                },
                observed: format!("{}; {}", lost.join(", "), describe(check, "clusters")),
                rule,
            }
        }
        None => not_assessed(
            3,
            "cluster_attrition",
            "Low attrition of clusters",
            "the clusters allocated to each arm are unknown (declare design.units with the arm column and the design.cluster column, or allocate with design.assignment); counted as high attrition",
            rule,
        ),
    };
    (criterion, check)
}

fn individual_attrition(
    h: &Headline,
    boundary: AttritionBoundary,
    kind: DesignKind,
) -> (Criterion, Option<AttritionCheck>) {
    // A cluster trial's individuals are judged within the retained clusters (WWC
    // cluster review); when the clusters of the allocated units are not recorded,
    // over every allocated unit, which can only show more attrition.
    let within_retained = (kind == DesignKind::ClusterRct)
        .then(|| {
            h.contrast
                .as_ref()
                .and_then(|c| c.attrition_in_retained_clusters)
        })
        .flatten();
    let attrition = within_retained.or_else(|| h.contrast.as_ref().and_then(|c| c.attrition));
    let check = attrition.map(|a| judge(a, boundary));
    let analysed = count(h.arms().iter().map(|a| a.analysed).sum());
    let allocated_phrase = if within_retained.is_some() {
        format!(
            "{} units allocated in the retained clusters",
            count(
                h.arms()
                    .iter()
                    .filter_map(|a| a.allocated_in_retained_clusters)
                    .sum()
            )
        )
    } else if kind == DesignKind::ClusterRct {
        format!(
            "{} allocated units (the clusters of the allocated units are not recorded, so attrition is measured over all of them rather than within the retained clusters)",
            count(h.arms().iter().filter_map(|a| a.allocated).sum())
        )
    } else {
        format!(
            "{} allocated units",
            count(h.arms().iter().filter_map(|a| a.allocated).sum())
        )
    };
    let criterion = match &check {
        Some(check) => Criterion {
            level: 3,
            id: "attrition",
            title: "Low attrition",
            status: if check.low {
                Status::Met
            } else {
                Status::NotMet
            },
            observed: format!(
                "{analysed} of {allocated_phrase} analysed; {}",
                describe(check, "units")
            ),
            rule: attrition_rule(boundary, kind),
        },
        None => not_assessed(
            3,
            "attrition",
            "Low attrition",
            "the number allocated to each arm is unknown (declare design.units with its arm column, or allocate with design.assignment); counted as high attrition, so baseline equivalence is required",
            attrition_rule(boundary, kind),
        ),
    };
    (criterion, check)
}

/// Whether the primary finding survives high attrition by the Lee (2009) bounds
/// (`analysis.attrition_bounds`): their Imbens–Manski interval at the evidence level
/// wholly in the beneficial direction, or within a declared margin; with the words.
/// `None` when no bounds were computed for the headline contrast.
fn bounded_finding(plan: &Plan, h: &Headline) -> Option<(bool, String)> {
    let bounds = h
        .outcome
        .attrition_bounds
        .iter()
        .find(|b| b.contrast == h.comparison.contrast)?;
    let level_shown = 1.0 - plan.evidence.thresholds.alpha;
    let lee = &bounds.lee;
    let ci = crate::stats::bounds::imbens_manski(lee.lower, lee.upper, level_shown);
    let (survives, side) = match declared_test(h).map(|t| t.test.margins) {
        Some(m) => (
            m.low.is_none_or(|low| ci.conf_low > low)
                && m.high.is_none_or(|high| ci.conf_high < high),
            "within the declared margin",
        ),
        None => match h.better {
            Direction::Higher => (ci.conf_low > 0.0, "above zero, the beneficial side"),
            Direction::Lower => (ci.conf_high < 0.0, "below zero, the beneficial side"),
        },
    };
    let scale = h.scale();
    let shown = EffectText::new(scale, lee.lower.estimate, ci.conf_low, ci.conf_high);
    let unit = scale.difference_unit();
    let bounds_text = format!(
        "{} to {}{unit}",
        shown.alongside(scale, lee.lower.estimate),
        shown.alongside(scale, lee.upper.estimate)
    );
    let trimmed_name = match lee.trimmed_arm {
        crate::stats::bounds::TrimmedArm::Treated => &bounds.treated,
        crate::stats::bounds::TrimmedArm::Control => &bounds.control,
    };
    let words = format!(
        "; attrition is high, so the effect was bounded: the Lee (2009) trimming bounds are {bounds_text} (trimming {} of the {} arm's analysed outcomes), with a {} confidence interval of {}{unit}, which {} wholly {side}: the finding {}, if assignment changed who dropped out in one direction only",
        percent(lee.trim_share, DIGITS),
        trimmed_name,
        percent(level_shown, DIGITS),
        shown.range(),
        if survives { "lies" } else { "does not lie" },
        if survives {
            "holds whatever the attrition did"
        } else {
            "may not survive the attrition"
        },
    );
    Some((survives, words))
}

fn bounds_rule(plan: &Plan) -> String {
    format!(
        " When attrition is high and the primary effect was bounded (analysis.attrition_bounds, on by default for a randomised trial of individuals), the criterion is met if the finding survives the attrition: the Imbens–Manski {} confidence interval of the Lee (2009) trimming bounds lies wholly on the beneficial side of zero (or within a declared non-inferiority or equivalence margin). Attrition still counts as high for baseline equivalence and the secondary scales.",
        percent(1.0 - plan.evidence.thresholds.alpha, DIGITS)
    )
}

fn balance_rule(plan: &Plan, required: bool) -> String {
    let t = &plan.evidence.thresholds;
    format!(
        "{} baseline differences within |{}| (or within |{}| when the headline estimator adjusts for them), by the What Works Clearinghouse standard.",
        if required {
            "Level 3 needs"
        } else {
            "Randomisation with low attrition makes this informative only; when required it needs"
        },
        significant(t.balance_satisfied, DIGITS),
        significant(t.balance_adjusted, DIGITS)
    )
}

fn variable_name(row: &BalanceRow) -> String {
    row.level
        .as_ref()
        .map_or(row.variable.clone(), |l| format!("{} = {l}", row.variable))
}

/// The minimum detectable effect at 80% power of the analysed comparison, in outcome
/// SDs, from the analysis's own standard error; `None` when the outcome does not vary.
fn analysed_mdes(h: &Headline, alpha: f64) -> Option<f64> {
    let e = &h.comparison.estimate;
    mdes_from_standard_error(e.std_error, e.df, alpha, MDES_POWER)
        .filter(|_| h.comparison.outcome_sd > 0.0)
        .map(|m| m / h.comparison.outcome_sd)
}

/// The sample-size criterion: met when the MDES is at most `max_mdes` SD.
fn sample_size_status(mdes: Option<f64>, max_mdes: f64) -> Status {
    match mdes {
        Some(m) if m <= max_mdes => Status::Met,
        Some(_) => Status::NotMet,
        None => Status::NotAssessed,
    }
}

/// The baseline-equivalence criterion, and whether some difference is outside the threshold.
fn baseline_equivalence(plan: &Plan, h: &Headline, required: bool) -> (Criterion, bool) {
    let thresholds = &plan.evidence.thresholds;
    let rows = h.baseline();
    let failing: Vec<String> = rows
        .iter()
        .filter(|r| {
            let size = r.effect_size.abs();
            !size.is_finite()
                || size > thresholds.balance_adjusted
                || (size > thresholds.balance_satisfied && !r.adjusted)
        })
        .map(|r| {
            format!(
                "{} ({} {})",
                variable_name(r),
                measure_name(r.measure),
                significant(r.effect_size, DIGITS)
            )
        })
        .collect();
    let (status, observed) = match rows
        .iter()
        .max_by(|a, b| a.effect_size.abs().total_cmp(&b.effect_size.abs()))
    {
        None => (
            if required {
                Status::NotAssessed
            } else {
                Status::NotApplicable
            },
            if required {
                "not assessed: no baseline covariates are declared (declare analysis.covariates, or an outcome's baseline measure)".to_string()
            } else {
                "no baseline covariates are declared".to_string()
            },
        ),
        Some(worst) => {
            let status = if !failing.is_empty() && required {
                Status::NotMet
            } else if required || failing.is_empty() {
                Status::Met
            } else {
                Status::NotApplicable
            };
            let mut observed = format!(
                "{} baseline comparisons; largest difference {} {} on {}",
                rows.len(),
                measure_name(worst.measure),
                significant(worst.effect_size, DIGITS),
                variable_name(worst)
            );
            if !failing.is_empty() {
                observed.push_str(&format!("; outside the threshold: {}", failing.join(", ")));
            }
            (status, observed)
        }
    };
    let criterion = Criterion {
        level: 3,
        id: "baseline_equivalence",
        title: "Groups equivalent at baseline",
        status,
        observed,
        rule: balance_rule(plan, required),
    };
    (criterion, !failing.is_empty())
}

fn level_four(plan: &Plan, analysis: Option<&Analysis>) -> Vec<Criterion> {
    let evaluations = &plan.evidence.independent_evaluations;
    let positive = evaluations
        .iter()
        .filter(|e| e.finding == Finding::Positive)
        .count();
    let contrary = evaluations.len() - positive;
    vec![
        Criterion {
            level: 4,
            id: "independent_replication",
            title: "Confirmed by an independent replication",
            status: if positive >= 1 && contrary == 0 { Status::Met } else { Status::NotMet },
            observed: if evaluations.is_empty() {
                "no independent evaluation is declared".into()
            } else {
                format!("{} declared: {positive} positive, {contrary} null or negative", plural(evaluations.len(), "independent evaluation", "independent evaluations"))
            },
            rule: "Level 4 needs at least one independent evaluation with a consistent, positive finding and none contrary."
                .into(),
        },
        cost_criterion(plan, analysis),
    ]
}

/// Nesta level 4's "impact at reasonable cost": judged from `analysis.economics`
/// when declared (docs/evidence.md, branches a and b), else from the declared flag
/// `evidence.cost_data`.
fn cost_criterion(plan: &Plan, analysis: Option<&Analysis>) -> Criterion {
    let economics = analysis.and_then(|a| {
        a.economics
            .iter()
            .find(|e| plan.evidence.graded_arm.as_deref() == Some(e.treated.as_str()))
            .or(a.economics.first())
    });
    let Some(e) = economics else {
        return Criterion {
            level: 4,
            id: "cost_data",
            title: "Impact at reasonable cost",
            status: if plan.evidence.cost_data {
                Status::Met
            } else {
                Status::NotMet
            },
            observed: if plan.evidence.cost_data {
                "cost data are declared".into()
            } else {
                "no cost data are declared".into()
            },
            rule: "Level 4 needs cost data (evidence.cost_data).".into(),
        };
    };
    let (status, observed) = crate::report::economics::cost_judgement(e);
    Criterion {
        level: 4,
        id: "cost_data",
        title: "Impact at reasonable cost",
        status,
        observed,
        rule: "Level 4 needs the impact at reasonable cost, judged from analysis.economics: with costs per unit of each arm declared, either (a) a value per unit of outcome is declared and the net monetary benefit is positive (met when the lower bound of its confidence interval is above zero; met, uncertain, when only the estimate is), or (b) no value is declared and the incremental cost per unit of outcome is reported with its Fieller interval (met as costed, with no value judgement made). Multi-year costs and benefits are discounted at the Green Book's 3.5% a year (3.0% after year 30).".into(),
    }
}

fn level_five(plan: &Plan) -> Vec<Criterion> {
    let sites = plan.evidence.sites.unwrap_or(0);
    vec![
        Criterion {
            level: 5,
            id: "multiple_sites",
            title: "Positive results at several sites or deliverers",
            status: if sites >= MIN_SITES {
                Status::Met
            } else {
                Status::NotMet
            },
            observed: if sites == 0 {
                "no site with positive results is declared".into()
            } else {
                format!(
                    "{} with positive results declared",
                    plural(sites as usize, "site", "sites")
                )
            },
            rule: format!(
                "Level 5 needs positive results at {MIN_SITES} or more sites (evidence.sites)."
            ),
        },
        Criterion {
            level: 5,
            id: "manualised",
            title: "Manuals, systems and procedures for consistent replication",
            status: if plan.evidence.manualised {
                Status::Met
            } else {
                Status::NotMet
            },
            observed: if plan.evidence.manualised {
                "delivery is manualised".into()
            } else {
                "manualised delivery is not declared".into()
            },
            rule: "Level 5 needs manualised delivery (evidence.manualised).".into(),
        },
    ]
}

/// "1 site", "3 sites".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

fn measure_name(measure: BalanceMeasure) -> &'static str {
    measure.name()
}

#[cfg(test)]
mod tests;
