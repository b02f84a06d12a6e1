//! `evident power ...`: power, sample size and MDES on their own, the way people use
//! pwr or G*Power. Give every quantity but one; the one left out is solved for.
//! One question, one answer: the method asked for (the other one on request).
//! Printed as a table in words and numbers, or as JSON with `--json` in the one result
//! schema ([`evident::stats::tidy::PowerOutput`]).

use clap::{Args, Subcommand, ValueEnum};
use evident::Error;
use evident::power::answer::human;
use evident::power::bands::{MdesBand, eef_band};
use evident::power::chisq::{ChisqQuestion, solve_chisq};
use evident::power::cluster::{
    ClusterQuestion, ThreeLevelQuestion, solve_cluster, solve_three_level,
};
use evident::power::mdes::{IndividualQuestion, Targets, solve_individual};
use evident::power::prop::{PropMethod, PropQuestion, solve_prop};
use evident::power::second_group::{solve_prop_second_group, solve_t_second_group};
use evident::power::t::{TQuestion, TTestKind, TwoSidedRule, solve_t};
use evident::power::tost::{TostDesign, TostQuestion, solve_tost};
use evident::power::{Adjustments, PowerAnswer};
use evident::stats::tidy::PowerOutput;
use serde::Serialize;

use super::stats::{AlternativeArg, BetterArg, margins_from_flags};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TKindArg {
    TwoSample,
    OneSample,
    Paired,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PropMethodArg {
    /// Cohen's h (pwr.2p.test, pwr.2p2n.test).
    CohensH,
    /// Pooled variance (power.prop.test).
    Pooled,
}

/// Settings every command shares.
#[derive(Debug, Args)]
pub struct CommonPower {
    /// Significance level. Default 0.05; leave it out with every other quantity given
    /// to solve for it (t, prop, chisq).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Power (leave out to solve for it).
    #[arg(long)]
    pub power: Option<f64>,
    /// Expected share of randomised units lost before analysis, in [0, 1).
    #[arg(long, default_value_t = 0.0)]
    pub attrition: f64,
    /// Correlation of a baseline measure with the outcome; adjusting for it
    /// multiplies the outcome variance by 1 − r².
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub baseline_r: f64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

impl CommonPower {
    fn adjustments(&self) -> Adjustments {
        Adjustments {
            attrition: self.attrition,
            baseline_r: self.baseline_r,
        }
    }

    /// alpha is solved for only when it is absent and the other three are given.
    fn alpha(&self, others_given: bool) -> Option<f64> {
        match self.alpha {
            Some(a) => Some(a),
            None if others_given && self.power.is_some() => None,
            None => Some(0.05),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TostDesignArg {
    Parallel,
    OneSample,
    Paired,
    Crossover,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BoundaryArg {
    /// O'Brien–Fleming: b_k = C/√t_k.
    ObrienFleming,
    /// Pocock: the same critical value at every look.
    Pocock,
    /// Lan–DeMets alpha spending (see --spending).
    LanDemets,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SpendingArg {
    /// 2 − 2Φ(z/√t), O'Brien–Fleming-like.
    ObrienFleming,
    /// α·ln(1 + (e − 1)t), Pocock-like.
    Pocock,
    /// Hwang–Shih–DeCani, with --gamma.
    HwangShihDecani,
}

#[derive(Debug, Subcommand)]
pub enum PowerCommand {
    /// Group-sequential design (interim looks) on a two-sample t question: the
    /// efficacy boundary at each look (rpact's getDesignGroupSequential), alpha spent,
    /// and the fixed design's sample inflated to keep the power.
    Sequential {
        /// Analyses, the final one included (2 to 20).
        #[arg(long)]
        looks: usize,
        /// Information fraction at each look, comma-separated, increasing, the last 1.
        /// Default: equally spaced.
        #[arg(long, value_delimiter = ',')]
        fractions: Option<Vec<f64>>,
        #[arg(long, value_enum, default_value = "obrien-fleming")]
        boundary: BoundaryArg,
        /// With --boundary lan-demets: the spending function.
        #[arg(long, value_enum)]
        spending: Option<SpendingArg>,
        /// Hwang–Shih–DeCani γ (−4 close to O'Brien–Fleming, 1 to Pocock).
        #[arg(long, allow_hyphen_values = true)]
        gamma: Option<f64>,
        /// Standardised effect (Cohen's d) of the two-sample comparison.
        #[arg(long, allow_hyphen_values = true)]
        d: f64,
        /// Units in total of the fixed design (leave out, with --power, to solve for it).
        #[arg(long)]
        n: Option<f64>,
        /// Allocation ratio treatment:control. Default 1.
        #[arg(long, default_value_t = 1.0)]
        ratio: f64,
        #[arg(long, value_enum, default_value = "two_sided")]
        alternative: AlternativeArg,
        #[command(flatten)]
        common: CommonPower,
    },
    /// Equivalence (TOST) or non-inferiority of means, exact through the non-central
    /// t (PowerTOST's power.TOST / sampleN.TOST on the additive scale): n or power.
    Tost {
        /// parallel (two groups), one-sample, paired, or crossover (2x2, AB/BA).
        #[arg(long, value_enum, default_value = "parallel")]
        design: TostDesignArg,
        /// Units in total (both groups, or both sequences of a crossover); units or
        /// pairs for one-sample and paired. Leave out to solve for it.
        #[arg(long)]
        n: Option<f64>,
        /// Standard deviation of the outcome (of the differences when paired; the
        /// within-subject SD for a crossover).
        #[arg(long)]
        sd: f64,
        /// The true difference the power is computed at (default 0: no difference).
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        difference: f64,
        /// Lower equivalence bound; alone, a non-inferiority bound (below 0).
        #[arg(long, allow_hyphen_values = true)]
        low: Option<f64>,
        /// Upper equivalence bound; alone, a non-inferiority bound (above 0).
        #[arg(long, allow_hyphen_values = true)]
        high: Option<f64>,
        /// Symmetric margin: equivalence within ±MARGIN, or non-inferiority by MARGIN
        /// with --better.
        #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["low", "high"])]
        margin: Option<f64>,
        /// Non-inferiority with --margin: which direction of the outcome is better.
        #[arg(long, value_enum, requires = "margin")]
        better: Option<BetterArg>,
        /// Allocation ratio treatment:control (parallel). Default 1.
        #[arg(long, default_value_t = 1.0)]
        ratio: f64,
        #[command(flatten)]
        common: CommonPower,
    },
    /// t tests (pwr.t.test, pwr.t2n.test, power.t.test): n, d, power or alpha.
    T {
        #[arg(long = "type", value_enum, default_value = "two-sample")]
        kind: TKindArg,
        /// Units in total, both groups together (as `n` in a spec); for one-sample and
        /// paired tests the units or pairs. Leave out (with --n1) to solve for it.
        #[arg(long, conflicts_with = "n1")]
        n: Option<f64>,
        /// Two-sample: units in the first (control) group, as pwr.t2n.test's n1; the
        /// second group is n1 × ratio, or --n2. With --d (or --delta) and --power but
        /// neither --n2 nor --ratio, the second group's size is solved for.
        #[arg(long)]
        n1: Option<f64>,
        /// Two-sample: units in the second (treatment) group, with --n1
        /// (pwr.t2n.test's n2); sets the ratio to n2/n1.
        #[arg(long, requires = "n1", conflicts_with = "ratio")]
        n2: Option<f64>,
        /// Standardised effect (Cohen's d). Or give --delta with --sd.
        #[arg(long, allow_hyphen_values = true)]
        d: Option<f64>,
        /// Raw difference to detect (with --sd); leave out, with --sd given, to solve
        /// for it (power.t.test's delta).
        #[arg(long, allow_hyphen_values = true)]
        delta: Option<f64>,
        /// Outcome standard deviation (with --delta, or alone to solve for delta).
        #[arg(long)]
        sd: Option<f64>,
        /// Allocation ratio treatment:control (two-sample). Default 1.
        #[arg(long)]
        ratio: Option<f64>,
        #[arg(long, value_enum, default_value = "two_sided")]
        alternative: AlternativeArg,
        /// Count only the upper tail in two-sided power (R's power.t.test default);
        /// by default both tails count (pwr, G*Power).
        #[arg(long)]
        upper_tail_only: bool,
        #[command(flatten)]
        common: CommonPower,
    },
    /// Two proportions: Cohen's h (pwr.2p.test) or pooled variance (power.prop.test).
    Prop {
        /// Control proportion.
        #[arg(long)]
        p1: Option<f64>,
        /// Treatment proportion (leave out, with --p1, to solve for it).
        #[arg(long)]
        p2: Option<f64>,
        /// Cohen's h, instead of --p1/--p2.
        #[arg(long, allow_hyphen_values = true)]
        h: Option<f64>,
        /// Units in total, both groups together (as `n` in a spec).
        #[arg(long, conflicts_with = "n1")]
        n: Option<f64>,
        /// Units in the first (control) group, as pwr.2p2n.test's n1. With the effect
        /// and --power but neither --n2 nor --ratio, the second group's size is solved
        /// for.
        #[arg(long)]
        n1: Option<f64>,
        /// Units in the second (treatment) group, with --n1 (pwr.2p2n.test's n2).
        #[arg(long, requires = "n1", conflicts_with = "ratio")]
        n2: Option<f64>,
        /// Allocation ratio treatment:control. Default 1.
        #[arg(long)]
        ratio: Option<f64>,
        /// The method to answer by; the other one is there on request.
        #[arg(long, value_enum, default_value = "cohens-h")]
        method: PropMethodArg,
        #[arg(long, value_enum, default_value = "two_sided")]
        alternative: AlternativeArg,
        /// Count only the upper tail in two-sided power (power.prop.test's default).
        #[arg(long)]
        upper_tail_only: bool,
        #[command(flatten)]
        common: CommonPower,
    },
    /// Chi-square tests with Cohen's w (pwr.chisq.test).
    Chisq {
        #[arg(long)]
        w: Option<f64>,
        /// Total units.
        #[arg(long)]
        n: Option<f64>,
        #[arg(long)]
        df: f64,
        #[command(flatten)]
        common: CommonPower,
    },
    /// Cluster-randomised trials (PowerUp! cra2; cra3 with --classes-per-school):
    /// clusters, cluster size, MDES or power.
    Cluster {
        /// Clusters randomised in total (schools, for three levels).
        #[arg(long)]
        clusters: Option<f64>,
        /// Units per cluster (pupils per class, for three levels).
        #[arg(long)]
        cluster_size: Option<f64>,
        /// Intraclass correlation (the school ICC, for three levels).
        #[arg(long)]
        icc: f64,
        /// Effect in SD units (leave out to solve for the MDES).
        #[arg(long, allow_hyphen_values = true)]
        effect: Option<f64>,
        /// Share of clusters treated.
        #[arg(long, default_value_t = 0.5)]
        share: f64,
        #[arg(long, default_value_t = 0.0)]
        r2_individual: f64,
        /// R² at the cluster level (the school level, for three levels).
        #[arg(long, default_value_t = 0.0)]
        r2_cluster: f64,
        /// Cluster-level covariates.
        #[arg(long, default_value_t = 0)]
        covariates: u32,
        /// Three levels: classes per school.
        #[arg(long)]
        classes_per_school: Option<f64>,
        /// Three levels: the class-level ICC.
        #[arg(long, default_value_t = 0.0)]
        icc_class: f64,
        /// Three levels: R² at the class level.
        #[arg(long, default_value_t = 0.0)]
        r2_class: f64,
        /// One-sided test.
        #[arg(long)]
        one_sided: bool,
        #[command(flatten)]
        common: CommonPower,
    },
    /// Individually randomised trials with covariates (PowerUp! IRA): MDES, N or
    /// power, with the EEF-style MDES band.
    Mdes {
        /// Units randomised in total.
        #[arg(long)]
        n: Option<f64>,
        /// Effect in SD units (leave out to solve for the MDES).
        #[arg(long, allow_hyphen_values = true)]
        effect: Option<f64>,
        #[arg(long, default_value_t = 0.5)]
        share: f64,
        /// Outcome variance explained by covariates.
        #[arg(long, default_value_t = 0.0)]
        r2: f64,
        #[arg(long, default_value_t = 0)]
        covariates: u32,
        #[arg(long)]
        one_sided: bool,
        #[command(flatten)]
        common: CommonPower,
    },
}

#[derive(Serialize)]
struct Output {
    answers: Vec<PowerAnswer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    eef_band: Option<MdesBand>,
}

/// The first group's size (what the solvers take) and the allocation ratio, from
/// --n (total), or --n1 with --ratio or --n2.
fn first_group(
    total: Option<f64>,
    n1: Option<f64>,
    n2: Option<f64>,
    ratio: Option<f64>,
    two_groups: bool,
) -> Result<(Option<f64>, f64), Error> {
    let ratio = match (n1, n2) {
        (Some(n1), Some(n2)) if n1 > 0.0 => n2 / n1,
        _ => ratio.unwrap_or(1.0),
    };
    match (total, n1) {
        (Some(_), Some(_)) => unreachable!("clap refuses --n with --n1"),
        (Some(n), None) if two_groups => Ok((Some(n / (1.0 + ratio)), ratio)),
        (Some(n), None) => Ok((Some(n), ratio)),
        (None, Some(_)) if !two_groups => Err(arguments(
            "--n1 is for two-sample questions",
            "give --n, the units (or pairs)",
        )),
        (None, n1) => Ok((n1, ratio)),
    }
}

fn arguments(message: &str, hint: &str) -> Error {
    Error::Arguments {
        message: message.into(),
        hint: hint.into(),
    }
}

pub fn run_power(command: &PowerCommand) -> Result<(), Error> {
    if let PowerCommand::Sequential { .. } = command {
        return run_sequential(command);
    }
    let (answers, common, band, raw) = match command {
        PowerCommand::Sequential { .. } => unreachable!("answered above"),
        PowerCommand::Tost {
            design,
            n,
            sd,
            difference,
            low,
            high,
            margin,
            better,
            ratio,
            common,
        } => {
            let margins = margins_from_flags(*low, *high, *margin, *better)?;
            let design = match design {
                TostDesignArg::Parallel => TostDesign::Parallel,
                TostDesignArg::OneSample => TostDesign::OneSample,
                TostDesignArg::Paired => TostDesign::Paired,
                TostDesignArg::Crossover => TostDesign::Crossover,
            };
            let n = match design {
                TostDesign::Parallel => n.map(|n| n / (1.0 + ratio)),
                _ => *n,
            };
            let answer = solve_tost(&TostQuestion {
                design,
                n,
                power: common.power,
                alpha: common.alpha.unwrap_or(0.05),
                sd: *sd,
                difference: *difference,
                margins,
                ratio: *ratio,
                adjustments: common.adjustments(),
            })?;
            (vec![answer], common, None, Some((*difference, *sd)))
        }
        PowerCommand::T {
            kind,
            n,
            n1,
            n2,
            d,
            delta,
            sd,
            ratio,
            alternative,
            upper_tail_only,
            common,
        } => {
            if let Some(sd) = sd
                && !(*sd > 0.0 && sd.is_finite())
            {
                return Err(arguments(
                    &format!("--sd must be positive, got {sd}"),
                    "give the outcome's standard deviation",
                ));
            }
            let d = match (d, delta, sd) {
                (Some(d), None, None) => Some(*d),
                (None, Some(delta), Some(sd)) => Some(delta / sd),
                (None, None, _) => None,
                _ => {
                    return Err(arguments(
                        "give the effect as --d, or as --delta with --sd",
                        "--d is in SD units; --delta is in outcome units and needs --sd",
                    ));
                }
            };
            let two_groups = matches!(kind, TKindArg::TwoSample);
            let second_unknown = two_groups
                && n1.is_some()
                && n2.is_none()
                && ratio.is_none()
                && d.is_some()
                && common.power.is_some();
            let (n, ratio) = first_group(*n, *n1, *n2, *ratio, two_groups)?;
            let q = TQuestion {
                kind: match kind {
                    TKindArg::TwoSample => TTestKind::TwoSample,
                    TKindArg::OneSample => TTestKind::OneSample,
                    TKindArg::Paired => TTestKind::Paired,
                },
                n,
                d,
                alpha: if second_unknown {
                    Some(common.alpha.unwrap_or(0.05))
                } else {
                    common.alpha(n.is_some() && d.is_some())
                },
                power: common.power,
                ratio,
                alternative: (*alternative).into(),
                two_sided: rule(*upper_tail_only),
                adjustments: common.adjustments(),
            };
            let answer = if second_unknown {
                solve_t_second_group(&q)?
            } else {
                solve_t(&q)?
            };
            let raw = sd.map(|sd| (answer.effect * sd, sd));
            (vec![answer], common, None, raw)
        }
        PowerCommand::Prop {
            p1,
            p2,
            h,
            n,
            n1,
            n2,
            ratio,
            method,
            alternative,
            upper_tail_only,
            common,
        } => {
            let effect_given = if p1.is_some() {
                p2.is_some()
            } else {
                h.is_some()
            };
            let second_unknown = n1.is_some()
                && n2.is_none()
                && ratio.is_none()
                && effect_given
                && common.power.is_some();
            let (n, ratio) = first_group(*n, *n1, *n2, *ratio, true)?;
            let q = PropQuestion {
                p1: *p1,
                p2: *p2,
                h: *h,
                n,
                alpha: if second_unknown {
                    Some(common.alpha.unwrap_or(0.05))
                } else {
                    common.alpha(n.is_some() && effect_given)
                },
                power: common.power,
                ratio,
                alternative: (*alternative).into(),
                two_sided: rule(*upper_tail_only),
                method: match method {
                    PropMethodArg::CohensH => PropMethod::CohensH,
                    PropMethodArg::Pooled => PropMethod::Pooled,
                },
                adjustments: common.adjustments(),
            };
            // One question, one answer: the method asked for (solve_prop adds the other
            // method's answer when it differs; --method gives that one on request).
            let mut answers = if second_unknown {
                vec![solve_prop_second_group(&q)?]
            } else {
                solve_prop(&q)?
            };
            answers.truncate(1);
            (answers, common, None, None)
        }
        PowerCommand::Chisq { w, n, df, common } => {
            let q = ChisqQuestion {
                n: *n,
                w: *w,
                df: *df,
                alpha: common.alpha(n.is_some() && w.is_some()),
                power: common.power,
                adjustments: common.adjustments(),
            };
            (vec![solve_chisq(&q)?], common, None, None)
        }
        PowerCommand::Cluster {
            clusters,
            cluster_size,
            icc,
            effect,
            share,
            r2_individual,
            r2_cluster,
            covariates,
            classes_per_school,
            icc_class,
            r2_class,
            one_sided,
            common,
        } => {
            let targets = Targets {
                effect: *effect,
                alpha: common.alpha.unwrap_or(0.05),
                power: common.power,
                two_sided: !*one_sided,
            };
            let answer = match classes_per_school {
                Some(classes) => {
                    let class_size = cluster_size.ok_or_else(|| {
                        arguments(
                            "three-level designs need --cluster-size (pupils per class)",
                            "solve for the number of schools (--clusters), the MDES or the power",
                        )
                    })?;
                    solve_three_level(&ThreeLevelQuestion {
                        schools: *clusters,
                        classes_per_school: *classes,
                        class_size,
                        targets,
                        icc_school: *icc,
                        icc_class: *icc_class,
                        treated_share: *share,
                        r2_individual: *r2_individual,
                        r2_class: *r2_class,
                        r2_school: *r2_cluster,
                        covariates: *covariates,
                        adjustments: common.adjustments(),
                    })?
                }
                None => solve_cluster(&ClusterQuestion {
                    clusters: *clusters,
                    cluster_size: *cluster_size,
                    targets,
                    icc: *icc,
                    treated_share: *share,
                    r2_individual: *r2_individual,
                    r2_cluster: *r2_cluster,
                    covariates: *covariates,
                    adjustments: common.adjustments(),
                })?,
            };
            let band = eef_band(answer.effect);
            (vec![answer], common, Some(band), None)
        }
        PowerCommand::Mdes {
            n,
            effect,
            share,
            r2,
            covariates,
            one_sided,
            common,
        } => {
            let answer = solve_individual(&IndividualQuestion {
                n: *n,
                targets: Targets {
                    effect: *effect,
                    alpha: common.alpha.unwrap_or(0.05),
                    power: common
                        .power
                        .or(if effect.is_none() { Some(0.8) } else { None }),
                    two_sided: !*one_sided,
                },
                treated_share: *share,
                r_squared: *r2,
                covariates: *covariates,
                adjustments: common.adjustments(),
            })?;
            let band = eef_band(answer.effect);
            (vec![answer], common, Some(band), None)
        }
    };
    if common.json {
        let mut output = PowerOutput::from_answer(command.name(), &answers[0], band.as_ref());
        if let Some((delta, sd)) = raw {
            output.delta = Some(delta);
            output.sd = Some(sd);
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&output).expect("plain JSON values")
        );
    } else {
        print_text(&Output {
            answers,
            eef_band: band,
        });
        if let Some((delta, sd)) = raw {
            println!();
            println!(
                "In outcome units: delta = {} (d × sd, with sd = {})",
                human(delta, 4),
                human(sd, 4)
            );
        }
    }
    Ok(())
}

impl PowerCommand {
    /// The command as typed, e.g. "power t".
    fn name(&self) -> &'static str {
        match self {
            PowerCommand::T { .. } => "power t",
            PowerCommand::Sequential { .. } => "power sequential",
            PowerCommand::Tost { .. } => "power tost",
            PowerCommand::Prop { .. } => "power prop",
            PowerCommand::Chisq { .. } => "power chisq",
            PowerCommand::Cluster { .. } => "power cluster",
            PowerCommand::Mdes { .. } => "power mdes",
        }
    }
}

/// `evident power sequential`: the fixed two-sample t answer, then the boundaries and
/// the inflated sample (the plan stage's `design.power.interim`, on the command line).
fn run_sequential(command: &PowerCommand) -> Result<(), Error> {
    let PowerCommand::Sequential {
        looks,
        fractions,
        boundary,
        spending,
        gamma,
        d,
        n,
        ratio,
        alternative,
        common,
    } = command
    else {
        unreachable!("called with power sequential")
    };
    if n.is_none() == common.power.is_none() {
        return Err(arguments(
            "give --power to solve for the fixed design's n, or --n to solve for its power",
            "the group-sequential design keeps the fixed design's power at a larger maximum n",
        ));
    }
    let spec = evident::spec::InterimSpec {
        looks: *looks,
        information_fractions: fractions.clone().unwrap_or_default(),
        boundary: Some(match boundary {
            BoundaryArg::ObrienFleming => evident::spec::BoundarySpec::ObrienFleming,
            BoundaryArg::Pocock => evident::spec::BoundarySpec::Pocock,
            BoundaryArg::LanDemets => evident::spec::BoundarySpec::LanDemets,
        }),
        spending: spending.map(|s| match s {
            SpendingArg::ObrienFleming => evident::spec::SpendingSpec::ObrienFleming,
            SpendingArg::Pocock => evident::spec::SpendingSpec::Pocock,
            SpendingArg::HwangShihDecani => evident::spec::SpendingSpec::HwangShihDecani,
        }),
        gamma: *gamma,
    };
    let looks = evident::power::plan::resolve_interim_looks(&spec).map_err(|problems| {
        let (key, message) = &problems[0];
        arguments(
            message,
            &match key.trim_start_matches("interim.") {
                "information_fractions" => "--fractions".to_string(),
                other => format!("--{}", other.replace('_', "-")),
            },
        )
    })?;
    let question = evident::power::plan::Question::T(TQuestion {
        kind: TTestKind::TwoSample,
        n: n.map(|n| n / (1.0 + ratio)),
        d: Some(*d),
        alpha: Some(common.alpha.unwrap_or(0.05)),
        power: common.power,
        ratio: *ratio,
        alternative: (*alternative).into(),
        two_sided: TwoSidedRule::BothTails,
        adjustments: common.adjustments(),
    });
    let answers = evident::power::plan::answer(&question)?;
    let sequential = evident::power::plan::interim_plan(&question, &answers[0], &looks)?;
    if common.json {
        let mut output = PowerOutput::from_answer(command.name(), &answers[0], None);
        output.sequential = Some(sequential);
        println!(
            "{}",
            serde_json::to_string_pretty(&output).expect("plain JSON values")
        );
        return Ok(());
    }
    print_text(&Output {
        answers,
        eef_band: None,
    });
    let s = &sequential.design;
    println!();
    println!(
        "Group-sequential design, {} looks, {} {}: maximum {} {} (fixed design {}, inflation factor {}); expected {} under the planned effect.",
        s.looks.len(),
        if s.two_sided {
            "two-sided"
        } else {
            "one-sided"
        },
        s.boundary,
        sequential.maximum_size,
        sequential.size_label,
        sequential.fixed_size,
        human(s.inflation_factor, 6),
        human(sequential.expected_size_h1, 5)
    );
    println!();
    println!(
        "  {:>4}  {:>8}  {:>8}  {:>10}  {:>10}  {:>10}  {:>10}",
        "look", "fraction", "n", "critical z", "nominal p", "alpha spent", "power by"
    );
    for (l, size) in s.looks.iter().zip(&sequential.look_sizes) {
        println!(
            "  {:>4}  {:>8}  {:>8}  {:>10}  {:>10}  {:>10}  {:>10}",
            l.look,
            human(l.information_fraction, 4),
            size,
            human(l.critical_z, 6),
            human(l.nominal_p, 4),
            human(l.cumulative_alpha, 4),
            human(l.cumulative_power, 4)
        );
    }
    for note in &sequential.notes {
        println!("Note: {note}.");
    }
    Ok(())
}

fn rule(upper_tail_only: bool) -> TwoSidedRule {
    if upper_tail_only {
        TwoSidedRule::UpperTail
    } else {
        TwoSidedRule::BothTails
    }
}

fn print_text(output: &Output) {
    for (i, answer) in output.answers.iter().enumerate() {
        if i > 0 {
            println!();
            println!("The other method gives a different answer:");
        }
        println!("{}", answer.sentence());
        println!();
        let width = answer
            .rows()
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        for (label, value) in answer.rows() {
            println!("  {label:<width$}  {value}");
        }
    }
    if let Some(band) = &output.eef_band {
        println!();
        println!(
            "EEF-style MDES band: {}{}",
            band.description,
            band.next_limit
                .map(|l| format!("; one more padlock needs an MDES ≤ {}", human(l, 2)))
                .unwrap_or_default()
        );
    }
}

/// `evident plan SPEC`: runs the plan stage, writes the plan report, prints the answer
/// (or the plan result as JSON). A progress bar is drawn for simulations on a
/// terminal, never off one or with --quiet.
pub fn run_plan(
    spec: &std::path::Path,
    out: Option<&std::path::Path>,
    json: bool,
    quiet: bool,
) -> Result<(), Error> {
    use std::io::IsTerminal;
    let checked = evident::pipeline::check(spec)?;
    let total: u64 = checked
        .plan
        .power
        .as_ref()
        .and_then(|p| p.simulation.as_ref())
        .map(|s| (s.design.sims * (1 + s.n_sweep.len())) as u64)
        .unwrap_or(0);
    let bar = (total > 0 && !quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("simulating {bar:40} {pos}/{len} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let tick = |n: u64| {
        if let Some(bar) = &bar {
            bar.inc(n);
        }
    };
    let progress: Option<&(dyn Fn(u64) + Sync)> = if bar.is_some() { Some(&tick) } else { None };
    let output = evident::pipeline::plan_only(spec, out, progress)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let Some(plan) = &output.model.plan else {
        return Ok(());
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(plan).expect("plain JSON values")
        );
        return Ok(());
    }
    if quiet {
        return Ok(());
    }
    for warning in &output.model.warnings {
        eprintln!("warning: {warning}");
    }
    print_text(&Output {
        answers: plan.answers.clone(),
        eef_band: plan.eef_band.clone(),
    });
    if let Some(sim) = &plan.simulation {
        let d = &sim.diagnosis;
        println!();
        println!("Simulated: {}.", sim.model);
        let line = |name: &str, v: evident::power::simulate::Diagnosand| {
            println!(
                "  {name:<16} {:>10}  (MC SE {})",
                human(v.value, 4),
                human(v.mc_se, 2)
            );
        };
        line("power", d.power);
        line("bias", d.bias);
        line("RMSE", d.rmse);
        line("coverage", d.coverage);
        if let Some(s) = d.type_s_rate {
            line("type-S rate", s);
        }
        line("mean estimate", d.mean_estimate);
        line("SD of estimates", d.sd_estimate);
        for s in &sim.sweep {
            println!(
                "  N = {:<8} power {} (MC SE {})",
                s.n,
                human(s.power.value, 3),
                human(s.power.mc_se, 2)
            );
        }
    }
    for file in &output.files {
        println!("wrote {}", file.display());
    }
    Ok(())
}
