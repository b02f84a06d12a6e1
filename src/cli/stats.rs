//! `evident test ...` and `evident regress ...`: the statistical routines on their own,
//! on inline values or CSV columns, printed like R or as JSON.

use std::path::PathBuf;

use arrow_array::{Array, Float64Array};
use clap::{Args, Subcommand, ValueEnum};
use evident::Error;
use evident::data::{DataError, Table, Values};
use evident::engine::{
    DimRequest, Engine, RegressionRequest, difference_in_means_on, lm_robust_on,
};
use evident::stats::estimate::Alternative;
use evident::stats::htest::{
    self, FisherOptions, PAdjustMethod, PropTestOptions, TTestOptions, WilcoxonOptions,
};
use evident::stats::regression::streaming::{
    Chunk, ChunkSource, StreamOptions, lm_robust_streamed,
};
use evident::stats::regression::{
    AbsorbedFactor, Clusters, Covariate, DimOptions, FixedEffectsOptions, IvData, IvOptions,
    LmRobustOptions, LogisticOptions, NamedColumn, SeType, build_design_rows, difference_in_means,
    iv_robust, lm_lin, lm_lin_arms, lm_robust, lm_robust_fe, logistic_regression,
};
use evident::stats::tidy::{RegressOutput, TestOutput};
use serde::Serialize;

/// `--alternative`: spelled as the JSON output spells it (`two_sided`), with R's
/// `two.sided` and `two-sided` accepted too.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlternativeArg {
    #[value(name = "two_sided", alias = "two-sided", alias = "two.sided")]
    TwoSided,
    Less,
    Greater,
}

impl From<AlternativeArg> for Alternative {
    fn from(a: AlternativeArg) -> Alternative {
        match a {
            AlternativeArg::TwoSided => Alternative::TwoSided,
            AlternativeArg::Less => Alternative::Less,
            AlternativeArg::Greater => Alternative::Greater,
        }
    }
}

/// Where the samples of a one- or two-sample test come from.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// First sample, inline: comma-separated numbers.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub x: Option<Vec<f64>>,
    /// Second sample, inline (two-sample or paired tests).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub y: Option<Vec<f64>>,
    /// CSV file to read the samples from (instead of --x/--y).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Numeric column of --data holding the values.
    #[arg(long)]
    pub column: Option<String>,
    /// Column of --data splitting the values into two groups; as in R's `y ~ g`, the
    /// first group in sorted order is x, the second y.
    #[arg(long)]
    pub by: Option<String>,
    /// Second numeric column of --data (paired tests: x = --column, y = --column2).
    #[arg(long)]
    pub column2: Option<String>,
    /// Drop rows with a missing value instead of stopping with an error.
    #[arg(long)]
    pub drop_missing: bool,
}

/// Options shared by every test.
#[derive(Debug, Args)]
pub struct Common {
    #[arg(long, value_enum, default_value = "two_sided")]
    pub alternative: AlternativeArg,
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// t tests (R's t.test): one-sample, paired, Welch (default) or Student.
    T {
        #[command(flatten)]
        samples: SampleArgs,
        #[arg(long)]
        paired: bool,
        /// Pooled variance (Student) instead of Welch.
        #[arg(long)]
        var_equal: bool,
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        mu: f64,
        #[command(flatten)]
        common: Common,
    },
    /// Wilcoxon signed-rank (one sample or paired) and rank-sum tests (R's wilcox.test).
    Wilcoxon {
        #[command(flatten)]
        samples: SampleArgs,
        #[arg(long)]
        paired: bool,
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        mu: f64,
        /// Force (true) or forbid (false) the exact distribution; by default exact below 50.
        #[arg(long)]
        exact: Option<bool>,
        /// No continuity correction in the normal approximation.
        #[arg(long)]
        no_correct: bool,
        /// Hodges–Lehmann estimate and confidence interval.
        #[arg(long)]
        conf_int: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Test of proportions (R's prop.test): successes out of trials per group.
    Prop {
        #[arg(long, value_delimiter = ',', required = true)]
        successes: Vec<f64>,
        #[arg(long, value_delimiter = ',', required = true)]
        trials: Vec<f64>,
        /// Null proportions, one per group.
        #[arg(long, value_delimiter = ',')]
        p: Option<Vec<f64>>,
        #[arg(long)]
        no_correct: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Pearson chi-square test of a contingency table, or of goodness of fit.
    Chisq {
        /// Contingency table: rows separated by ';', cells by ','. E.g. "12,5;7,9".
        #[arg(long)]
        table: Option<String>,
        /// Observed counts for a goodness-of-fit test (with --p).
        #[arg(long, value_delimiter = ',')]
        observed: Option<Vec<f64>>,
        #[arg(long, value_delimiter = ',')]
        p: Option<Vec<f64>>,
        /// No Yates correction (2×2 tables).
        #[arg(long)]
        no_correct: bool,
        #[arg(long)]
        json: bool,
    },
    /// Fisher's exact test (R's fisher.test): 2×2 with odds ratio and CI, or r×c.
    Fisher {
        #[arg(long)]
        table: String,
        /// Null odds ratio (2×2).
        #[arg(long, default_value_t = 1.0)]
        or: f64,
        #[command(flatten)]
        common: Common,
    },
    /// McNemar's test of a paired 2×2 table, or Bowker's symmetry test for r×r.
    Mcnemar {
        #[arg(long)]
        table: String,
        #[arg(long)]
        no_correct: bool,
        #[arg(long)]
        json: bool,
    },
    /// Adjust p-values for multiple comparisons (R's p.adjust).
    Adjust {
        /// p-values, comma-separated; NA for a missing one.
        #[arg(long, value_delimiter = ',', required = true)]
        p: Vec<String>,
        #[arg(long, value_enum, default_value = "holm")]
        method: AdjustArg,
        /// Number of comparisons to adjust for (p.adjust's n), when only some of the
        /// p-values are given; at least the number given, which is the default.
        #[arg(long)]
        n: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Difference in means of an outcome between a 0/1 treatment's groups, plain,
    /// blocked or matched-pair, optionally clustered or weighted
    /// (estimatr's difference_in_means).
    Dim(DimArgs),
    /// Two one-sided tests (TOST) for equivalence within margins, or one for
    /// non-inferiority: means (one-sample, paired, Welch or Student) or two proportions
    /// (Wald z).
    Tost(TostArgs),
}

/// `evident test tost`.
#[derive(Debug, Args)]
pub struct TostArgs {
    #[command(flatten)]
    pub samples: SampleArgs,
    /// Two proportions instead of samples: successes per group (with --trials).
    #[arg(long, value_delimiter = ',', requires = "trials", conflicts_with_all = ["x", "data"])]
    pub successes: Option<Vec<f64>>,
    /// Trials per group (with --successes).
    #[arg(long, value_delimiter = ',', requires = "successes")]
    pub trials: Option<Vec<f64>>,
    #[arg(long)]
    pub paired: bool,
    /// Pooled variance (Student) instead of Welch.
    #[arg(long)]
    pub var_equal: bool,
    /// Lower equivalence bound on the difference (relative to --mu); alone, a
    /// non-inferiority bound for an outcome where higher is better (below 0).
    #[arg(long, allow_hyphen_values = true)]
    pub low: Option<f64>,
    /// Upper equivalence bound (relative to --mu); alone, a non-inferiority bound for an
    /// outcome where lower is better (above 0).
    #[arg(long, allow_hyphen_values = true)]
    pub high: Option<f64>,
    /// Symmetric margin: equivalence within ±MARGIN, or non-inferiority by MARGIN with
    /// --better.
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["low", "high"])]
    pub margin: Option<f64>,
    /// Non-inferiority with --margin: which direction of the outcome is better.
    #[arg(long, value_enum, requires = "margin")]
    pub better: Option<BetterArg>,
    /// The null value the margins are relative to (a one-sample mean; 0 for a
    /// difference).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub mu: f64,
    /// Level of each one-sided test; the interval's level is 1 − 2·alpha.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Unit of the outcome, for the verdict in words ("minutes").
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub json: bool,
}

/// `--better`: the direction in which the outcome improves.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BetterArg {
    Higher,
    Lower,
}

/// The margins of `test tost` and `power tost`, checked with messages that name the
/// flags.
pub fn margins_from_flags(
    low: Option<f64>,
    high: Option<f64>,
    margin: Option<f64>,
    better: Option<BetterArg>,
) -> Result<htest::Margins, Error> {
    let hint = "e.g. --margin 2 (equivalence within ±2), --low -1 --high 2, or --margin 2 --better higher (non-inferiority)";
    let bad = |message: String| Err(arguments(message, hint));
    for (flag, value) in [("--low", low), ("--high", high), ("--margin", margin)] {
        if let Some(v) = value
            && !v.is_finite()
        {
            return bad(format!("{flag} {v} is not a finite number"));
        }
    }
    let margins = match (margin, better) {
        (Some(m), _) if m <= 0.0 => {
            return bad(format!(
                "--margin {m} must be above 0: it is the size of the allowed difference"
            ));
        }
        (Some(m), None) => htest::Margins::symmetric(m),
        (Some(m), Some(BetterArg::Higher)) => htest::Margins {
            low: Some(-m),
            high: None,
        },
        (Some(m), Some(BetterArg::Lower)) => htest::Margins {
            low: None,
            high: Some(m),
        },
        (None, _) => htest::Margins { low, high },
    };
    match (margins.low, margins.high) {
        (None, None) => bad("give --margin, or --low and/or --high: a TOST needs a margin".into()),
        (Some(low), Some(high)) if low >= high => bad(format!(
            "--low {low} must be below --high {high}: the equivalence interval is (low, high)"
        )),
        (Some(low), None) if low >= 0.0 => bad(format!(
            "--low {low} alone is a non-inferiority bound and must be below 0 (how much lower the difference may be); for an outcome where lower is better give --high"
        )),
        (None, Some(high)) if high <= 0.0 => bad(format!(
            "--high {high} alone is a non-inferiority bound and must be above 0 (how much higher the difference may be); for an outcome where higher is better give --low"
        )),
        _ => Ok(margins),
    }
}

fn run_tost(args: &TostArgs) -> Result<(), Error> {
    let options = htest::TostOptions {
        margins: margins_from_flags(args.low, args.high, args.margin, args.better)?,
        alpha: args.alpha,
        mu: args.mu,
        unit: args.unit.clone(),
    };
    let result = match (&args.successes, &args.trials) {
        (Some(successes), Some(trials)) => {
            let (&[s1, s2], &[n1, n2]) = (successes.as_slice(), trials.as_slice()) else {
                return Err(arguments(
                    "--successes and --trials need two values each, one per group",
                    "e.g. --successes 45,40 --trials 50,50",
                ));
            };
            htest::tost_two_proportions([s1, s2], [n1, n2], &options)?
        }
        _ => {
            let (x, y) = read_samples(&args.samples)?;
            let design = match (&y, args.paired, args.var_equal) {
                (None, false, _) => htest::MeansDesign::OneSample,
                (None, true, _) => return Err(paired_needs_two()),
                (Some(_), true, _) => htest::MeansDesign::Paired,
                (Some(_), false, true) => htest::MeansDesign::Student,
                (Some(_), false, false) => htest::MeansDesign::Welch,
            };
            htest::tost_means(&x, y.as_deref(), design, &options)?
        }
    };
    print(&result, args.json, TestOutput::from_tost);
    Ok(())
}

/// `evident test dim`: columns of a CSV file.
#[derive(Debug, Args)]
pub struct DimArgs {
    /// CSV file with the variables.
    #[arg(long)]
    pub data: PathBuf,
    /// Outcome column (numeric).
    #[arg(long)]
    pub outcome: String,
    /// Treatment column: 1 treated, 0 control.
    #[arg(long)]
    pub treatment: String,
    /// Column of block labels (estimatr's blocks); blocks of two are matched pairs.
    #[arg(long, conflicts_with = "pairs")]
    pub blocks: Option<String>,
    /// Column of pair labels, each pair one treated and one control unit
    /// (the matched-pairs estimator; estimatr's blocks with blocks of two).
    #[arg(long)]
    pub pairs: Option<String>,
    /// Column of cluster labels.
    #[arg(long)]
    pub clusters: Option<String>,
    /// Column of observation weights.
    #[arg(long)]
    pub weights: Option<String>,
    /// Drop rows with a missing value in any variable used.
    #[arg(long)]
    pub drop_missing: bool,
    #[arg(long, value_enum, default_value = "two_sided")]
    pub alternative: AlternativeArg,
    /// Confidence level of the interval (or give --alpha).
    #[arg(long, conflicts_with = "alpha")]
    pub conf_level: Option<f64>,
    /// Significance level; the interval's level is 1 − alpha.
    #[arg(long)]
    pub alpha: Option<f64>,
    #[arg(long)]
    pub json: bool,
    /// Where to compute: `memory` (default), `datafusion` or `ballista://HOST:PORT`
    /// (a Parquet --data file; the standard and clustered designs; builds with the
    /// `cluster` feature only, see docs/data.md).
    #[arg(long, default_value = "memory", value_parser = parse_engine)]
    pub engine: Engine,
}

/// `--engine`: `memory`, `datafusion` or `ballista://HOST:PORT`.
fn parse_engine(given: &str) -> Result<Engine, String> {
    given
        .parse()
        .map_err(|e: evident::engine::EngineError| e.to_string())
}

/// `--iv "received ~ assigned"`: the instrumented column and its instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvFormula {
    pub endogenous: String,
    pub instrument: String,
}

fn parse_iv(given: &str) -> Result<IvFormula, String> {
    let parts: Vec<&str> = given.split('~').map(str::trim).collect();
    match parts[..] {
        [endogenous, instrument]
            if !endogenous.is_empty()
                && !instrument.is_empty()
                && !endogenous.contains([',', '+', ' '])
                && !instrument.contains([',', '+', ' ']) =>
        {
            Ok(IvFormula {
                endogenous: endogenous.to_string(),
                instrument: instrument.to_string(),
            })
        }
        _ => Err(format!(
            "`{given}` is not of the form \"ENDOGENOUS ~ INSTRUMENT\" with one column on each side (e.g. \"received ~ assigned\"); covariates go in --covariates"
        )),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AdjustArg {
    Bonferroni,
    Holm,
    Hochberg,
    Hommel,
    #[value(name = "BH", alias = "fdr", alias = "bh")]
    Bh,
    #[value(name = "BY", alias = "by")]
    By,
    None,
}

impl From<AdjustArg> for PAdjustMethod {
    fn from(a: AdjustArg) -> PAdjustMethod {
        match a {
            AdjustArg::Bonferroni => PAdjustMethod::Bonferroni,
            AdjustArg::Holm => PAdjustMethod::Holm,
            AdjustArg::Hochberg => PAdjustMethod::Hochberg,
            AdjustArg::Hommel => PAdjustMethod::Hommel,
            AdjustArg::Bh => PAdjustMethod::BenjaminiHochberg,
            AdjustArg::By => PAdjustMethod::BenjaminiYekutieli,
            AdjustArg::None => PAdjustMethod::None,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SeTypeArg {
    Classical,
    #[value(name = "HC0")]
    Hc0,
    #[value(name = "HC1", alias = "stata")]
    Hc1,
    #[value(name = "HC2")]
    Hc2,
    #[value(name = "HC3")]
    Hc3,
    #[value(name = "CR0")]
    Cr0,
    #[value(name = "CR1")]
    Cr1,
    #[value(name = "CR2")]
    Cr2,
}

impl From<SeTypeArg> for SeType {
    fn from(a: SeTypeArg) -> SeType {
        match a {
            SeTypeArg::Classical => SeType::Classical,
            SeTypeArg::Hc0 => SeType::HC0,
            SeTypeArg::Hc1 => SeType::HC1,
            SeTypeArg::Hc2 => SeType::HC2,
            SeTypeArg::Hc3 => SeType::HC3,
            SeTypeArg::Cr0 => SeType::CR0,
            SeTypeArg::Cr1 => SeType::CR1,
            SeTypeArg::Cr2 => SeType::CR2,
        }
    }
}

/// `evident regress`: linear regression with robust SEs (estimatr's lm_robust),
/// Lin's adjustment, or logistic regression, on columns of a CSV file.
#[derive(Debug, Args)]
pub struct RegressArgs {
    /// CSV file with the variables.
    #[arg(long)]
    pub data: PathBuf,
    /// Outcome column.
    #[arg(long)]
    pub outcome: String,
    /// Right-hand-side columns, separated by commas (`--covariates age,school`, no
    /// spaces; the flag may also be repeated). Numeric columns enter as they are, text
    /// columns as factors with treatment contrasts (first level in sorted order is the
    /// reference). Leave out for an intercept-only model.
    #[arg(long, value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// Variance estimator; default HC2, or CR2 with --clusters (estimatr's defaults).
    /// With --logistic: classical (model-based, the default), HC0 or HC1, or CR0 or
    /// CR1 (the default) with --clusters.
    #[arg(long, value_enum)]
    pub se_type: Option<SeTypeArg>,
    /// Column with cluster labels.
    #[arg(long)]
    pub clusters: Option<String>,
    /// Column with observation weights.
    #[arg(long)]
    pub weights: Option<String>,
    /// Lin (2013): name the treatment column, 0/1 or the arms' names (a multi-arm
    /// trial in one fit, as estimatr's lm_lin with a factor); the --covariates are
    /// centred and interacted with it.
    #[arg(long)]
    pub lin: Option<String>,
    /// With a --lin column of arm names: the arm the others are compared with
    /// (default: the first in sorted order, as R).
    #[arg(long, requires = "lin")]
    pub lin_reference: Option<String>,
    /// Logistic regression of a 0/1 outcome (Newton/IRLS to full convergence), with
    /// --weights as glm's prior weights and robust or clustered --se-type.
    #[arg(long)]
    pub logistic: bool,
    /// Instrumental variables (estimatr's iv_robust): `--iv "received ~ assigned"`
    /// instruments the column left of `~` by the column right of it (one each); the
    /// --covariates enter both stages. Prints the first-stage F and the Anderson–Rubin
    /// confidence set beside the 2SLS estimate. No --weights, --lin, --logistic.
    #[arg(long, value_name = "ENDOGENOUS ~ INSTRUMENT", value_parser = parse_iv)]
    pub iv: Option<IvFormula>,
    /// Absorb the fixed effects of these columns (labels, separated by commas), as
    /// estimatr's `lm_robust(fixed_effects = ~ a + b)`: one effect per level, not
    /// printed, no intercept; HC2 leverage of the full dummy model. With --covariates,
    /// --clusters and --se-type; no --weights, --lin, --logistic or --iv.
    #[arg(long, value_delimiter = ',')]
    pub fixed_effects: Vec<String>,
    /// Fit without an intercept.
    #[arg(long)]
    pub no_intercept: bool,
    /// Drop rows with a missing value in any variable used (counted in the output).
    #[arg(long)]
    pub drop_missing: bool,
    /// Confidence level of the intervals (or give --alpha).
    #[arg(long, conflicts_with = "alpha")]
    pub conf_level: Option<f64>,
    /// Significance level; the intervals' level is 1 − alpha (estimatr's alpha).
    #[arg(long)]
    pub alpha: Option<f64>,
    #[arg(long)]
    pub json: bool,
    /// Fit in chunks (Parquet row groups, or batches of 65,536 rows) without ever
    /// holding the design matrix: same numbers as in memory, to rounding. Numeric
    /// covariates, no --weights, --lin or --logistic.
    #[arg(long)]
    pub stream: bool,
    /// Where to fit: `memory` (default), `datafusion` (Apache DataFusion aggregate
    /// queries over a Parquet --data file) or `ballista://HOST:PORT` (the same
    /// queries on an Apache Ballista cluster). Numeric covariates, no --weights,
    /// --lin, --logistic; builds with the `cluster` feature only (docs/data.md).
    #[arg(long, default_value = "memory", value_parser = parse_engine)]
    pub engine: Engine,
}

/// The confidence level from --conf-level or --alpha (default 0.95).
fn level(conf_level: Option<f64>, alpha: Option<f64>) -> f64 {
    match (conf_level, alpha) {
        (Some(level), _) => level,
        (None, Some(alpha)) => 1.0 - alpha,
        (None, None) => 0.95,
    }
}

/// Prints R's layout, or the result in the one result schema with --json.
fn print<T: std::fmt::Display>(result: &T, json: bool, tidy: impl FnOnce(&T) -> TestOutput) {
    if json {
        print_json(&tidy(result));
    } else {
        print!("{result}");
    }
}

fn print_json<T: Serialize>(output: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(output).expect("results serialise to plain JSON")
    );
}

fn arguments(message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::Arguments {
        message: message.into(),
        hint: hint.into(),
    }
}

/// Runs `evident test ...`.
pub fn run_test(command: &TestCommand) -> Result<(), Error> {
    match command {
        TestCommand::Tost(args) => run_tost(args)?,
        TestCommand::T {
            samples,
            paired,
            var_equal,
            mu,
            common,
        } => {
            let options = TTestOptions {
                alternative: common.alternative.into(),
                mu: *mu,
                conf_level: common.conf_level,
            };
            let (x, y) = read_samples(samples)?;
            let result = match (y, *paired, *var_equal) {
                (None, false, _) => htest::t_test_one_sample(&x, &options)?,
                (None, true, _) => return Err(paired_needs_two()),
                (Some(y), true, _) => htest::t_test_paired(&x, &y, &options)?,
                (Some(y), false, true) => htest::t_test_student(&x, &y, &options)?,
                (Some(y), false, false) => htest::t_test_welch(&x, &y, &options)?,
            };
            print(&result, common.json, TestOutput::from_t);
        }
        TestCommand::Wilcoxon {
            samples,
            paired,
            mu,
            exact,
            no_correct,
            conf_int,
            common,
        } => {
            let options = WilcoxonOptions {
                alternative: common.alternative.into(),
                mu: *mu,
                exact: *exact,
                correct: !no_correct,
                conf_int: *conf_int,
                conf_level: common.conf_level,
            };
            let (x, y) = read_samples(samples)?;
            let result = match (y, *paired) {
                (None, false) => htest::wilcox_signed_rank(&x, &options)?,
                (None, true) => return Err(paired_needs_two()),
                (Some(y), true) => htest::wilcox_signed_rank_paired(&x, &y, &options)?,
                (Some(y), false) => htest::wilcox_rank_sum(&x, &y, &options)?,
            };
            print(&result, common.json, TestOutput::from_wilcoxon);
        }
        TestCommand::Prop {
            successes,
            trials,
            p,
            no_correct,
            common,
        } => {
            let options = PropTestOptions {
                p: p.clone(),
                alternative: common.alternative.into(),
                conf_level: common.conf_level,
                correct: !no_correct,
            };
            print(
                &htest::prop_test(successes, trials, &options)?,
                common.json,
                TestOutput::from_prop,
            );
        }
        TestCommand::Chisq {
            table,
            observed,
            p,
            no_correct,
            json,
        } => match (table, observed) {
            (Some(table), None) => print(
                &htest::chisq_test(&parse_table(table)?, !no_correct)?,
                *json,
                |c| TestOutput::from_chisq(c, false),
            ),
            (None, Some(observed)) => {
                let k = observed.len() as f64;
                let p = p.clone().unwrap_or_else(|| vec![1.0 / k; observed.len()]);
                print(&htest::chisq_test_gof(observed, &p)?, *json, |c| {
                    TestOutput::from_chisq(c, true)
                });
            }
            _ => {
                return Err(arguments(
                    "give either --table (a contingency table) or --observed (goodness of fit)",
                    "e.g. --table \"12,5;7,9\" or --observed 30,20,50 --p 0.3,0.3,0.4",
                ));
            }
        },
        TestCommand::Fisher { table, or, common } => {
            let options = FisherOptions {
                alternative: common.alternative.into(),
                or: *or,
                conf_int: true,
                conf_level: common.conf_level,
            };
            print(
                &htest::fisher_test(&parse_table(table)?, &options)?,
                common.json,
                TestOutput::from_fisher,
            );
        }
        TestCommand::Mcnemar {
            table,
            no_correct,
            json,
        } => {
            print(
                &htest::mcnemar_test(&parse_table(table)?, !no_correct)?,
                *json,
                TestOutput::from_mcnemar,
            );
        }
        TestCommand::Adjust { p, method, n, json } => {
            let values = p
                .iter()
                .map(|text| match text.trim() {
                    "NA" | "" => Ok(None),
                    other => other.parse::<f64>().map(Some).map_err(|_| {
                        arguments(
                            format!("`{other}` is not a p-value"),
                            "give numbers in [0, 1], or NA",
                        )
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let given = values.iter().flatten().count();
            let n = n.unwrap_or(given);
            let adjusted = htest::p_adjust_n(&values, (*method).into(), n)?;
            if *json {
                print_json(&TestOutput::from_adjust(
                    (*method).into(),
                    &values,
                    &adjusted,
                    n,
                ));
            } else {
                let show = |v: &Option<f64>| v.map_or("NA".to_string(), |x| format!("{x}"));
                println!("{:>24}  {:>24}", "p", "adjusted");
                for (p, a) in values.iter().zip(&adjusted) {
                    println!("{:>24}  {:>24}", show(p), show(a));
                }
            }
        }
        TestCommand::Dim(args) => run_dim(args)?,
    }
    Ok(())
}

fn paired_needs_two() -> Error {
    arguments(
        "a paired test needs two samples",
        "give --x and --y, or --column and --column2 with --data",
    )
}

/// Reads x (and y) from inline values or CSV columns.
fn read_samples(args: &SampleArgs) -> Result<(Vec<f64>, Option<Vec<f64>>), Error> {
    match (&args.x, &args.data) {
        (Some(x), None) => Ok((x.clone(), args.y.clone())),
        (None, Some(path)) => {
            let column = args.column.as_ref().ok_or_else(|| {
                arguments(
                    "--data needs --column, the numeric column to test",
                    "e.g. --data scores.csv --column score",
                )
            })?;
            let mut used = vec![column.as_str()];
            used.extend(args.by.iter().chain(&args.column2).map(String::as_str));
            let table = Table::read_columns(path, &used)?;
            match (&args.by, &args.column2) {
                (Some(by), None) => {
                    let values = table.numeric(column)?;
                    let groups = table.categorical(by)?;
                    let mut levels: Vec<&String> = groups.iter().flatten().collect();
                    levels.sort();
                    levels.dedup();
                    if levels.len() != 2 {
                        return Err(arguments(
                            format!(
                                "column `{by}` has {} groups; a two-sample test needs exactly 2",
                                levels.len()
                            ),
                            "filter the file to two groups first",
                        ));
                    }
                    let (first, second) = (levels[0].clone(), levels[1].clone());
                    let mut x = Vec::new();
                    let mut y = Vec::new();
                    for (row, group) in groups.iter().enumerate() {
                        let value = present(&table, &values, row, column, args.drop_missing)?;
                        match (value, group.as_ref()) {
                            (Some(v), Some(g)) if *g == first => x.push(v),
                            (Some(v), Some(g)) if *g == second => y.push(v),
                            (Some(_), None) if !args.drop_missing => {
                                return Err(missing(&table, row, by));
                            }
                            _ => {}
                        }
                    }
                    Ok((x, Some(y)))
                }
                (None, Some(column2)) => {
                    let a = table.numeric(column)?;
                    let b = table.numeric(column2)?;
                    let mut x = Vec::new();
                    let mut y = Vec::new();
                    for row in 0..table.n_rows() {
                        let first = present(&table, &a, row, column, args.drop_missing)?;
                        let second = present(&table, &b, row, column2, args.drop_missing)?;
                        if let (Some(first), Some(second)) = (first, second) {
                            x.push(first);
                            y.push(second);
                        }
                    }
                    Ok((x, Some(y)))
                }
                (None, None) => {
                    let values = table.numeric(column)?;
                    let mut x = Vec::new();
                    for row in 0..table.n_rows() {
                        x.extend(present(&table, &values, row, column, args.drop_missing)?);
                    }
                    Ok((x, None))
                }
                (Some(_), Some(_)) => Err(arguments(
                    "--by and --column2 cannot be combined",
                    "--by splits one column into two groups; --column2 names a second (paired) column",
                )),
            }
        }
        (Some(_), Some(_)) => Err(arguments(
            "give the samples inline (--x) or from a file (--data), not both",
            "drop one",
        )),
        (None, None) => Err(arguments(
            "no data: give --x (and --y) inline, or --data with --column",
            "e.g. evident test t --x 1.2,3.4,2.2 --y 2.5,4.1,3.9",
        )),
    }
}

fn present(
    table: &Table,
    values: &[Option<f64>],
    row: usize,
    column: &str,
    drop: bool,
) -> Result<Option<f64>, Error> {
    match values[row] {
        Some(v) => Ok(Some(v)),
        None if drop => Ok(None),
        None => Err(missing(table, row, column)),
    }
}

fn missing(table: &Table, row: usize, column: &str) -> Error {
    arguments(
        format!(
            "{}:{}: column `{column}`: value is missing",
            table.path.display(),
            table.line(row)
        ),
        "pass --drop-missing to drop rows with missing values (as R does)",
    )
}

/// Parses "a,b;c,d" into rows of counts.
fn parse_table(text: &str) -> Result<Vec<Vec<f64>>, Error> {
    text.split(';')
        .map(|row| {
            row.split(',')
                .map(|cell| {
                    cell.trim().parse::<f64>().map_err(|_| {
                        arguments(
                            format!("table cell `{}` is not a number", cell.trim()),
                            "write the table as \"12,5;7,9\": rows separated by ';', cells by ','",
                        )
                    })
                })
                .collect()
        })
        .collect()
}

/// A column as a command uses it: numbers (an Arrow array shared with the table,
/// not copied) or labels.
enum Loaded {
    Numbers(Float64Array),
    /// Labels, with why the column is not numbers (file, line, column, value).
    Labels(Vec<Option<String>>, String),
}

impl Loaded {
    fn is_missing(&self, row: usize) -> bool {
        match self {
            Loaded::Numbers(values) => values.is_null(row),
            Loaded::Labels(labels, _) => labels[row].is_none(),
        }
    }
}

/// The columns a command uses, loaded, and the rows complete in every one of them
/// (an error naming the first missing cell unless `drop_missing`).
struct Complete {
    columns: Vec<(String, Loaded)>,
    /// The complete rows; `None` when every row is.
    keep: Option<Vec<usize>>,
    dropped: usize,
}

impl Complete {
    fn load(table: &Table, used: &[&str], drop_missing: bool) -> Result<Complete, Error> {
        let mut columns: Vec<(String, Loaded)> = Vec::with_capacity(used.len());
        for name in used {
            if columns.iter().any(|(n, _)| n == name) {
                continue;
            }
            let loaded = match table.numbers(name) {
                Ok(values) => Loaded::Numbers(values),
                Err(why @ (DataError::NotNumeric { .. } | DataError::WrongType { .. })) => {
                    Loaded::Labels(table.categorical(name)?, why.to_string())
                }
                Err(other) => return Err(other.into()),
            };
            columns.push((name.to_string(), loaded));
        }
        let any_missing = columns.iter().any(|(_, c)| match c {
            Loaded::Numbers(values) => values.null_count() > 0,
            Loaded::Labels(labels, _) => labels.iter().any(Option::is_none),
        });
        if !any_missing {
            return Ok(Complete {
                columns,
                keep: None,
                dropped: 0,
            });
        }
        let mut keep = Vec::with_capacity(table.n_rows());
        for row in 0..table.n_rows() {
            match columns.iter().find(|(_, c)| c.is_missing(row)) {
                None => keep.push(row),
                Some(_) if drop_missing => {}
                Some((name, _)) => return Err(missing(table, row, name)),
            }
        }
        Ok(Complete {
            dropped: table.n_rows() - keep.len(),
            columns,
            keep: Some(keep),
        })
    }

    fn column(&self, name: &str) -> &Loaded {
        &self
            .columns
            .iter()
            .find(|(n, _)| n == name)
            .expect("every used column is loaded")
            .1
    }

    /// The values of a numbers column on the complete rows.
    fn values(&self, values: &Float64Array) -> Vec<f64> {
        match &self.keep {
            None => values.values().to_vec(),
            Some(keep) => keep.iter().map(|&r| values.value(r)).collect(),
        }
    }

    fn numeric(&self, name: &str, hint: &str) -> Result<Vec<f64>, Error> {
        match self.column(name) {
            Loaded::Numbers(values) => Ok(self.values(values)),
            Loaded::Labels(_, why) => Err(arguments(why.clone(), hint)),
        }
    }

    /// The column's values as labels (clusters, blocks, pairs).
    fn labels(&self, name: &str) -> Vec<String> {
        match self.column(name) {
            Loaded::Numbers(values) => self
                .values(values)
                .into_iter()
                .map(|v| format!("{v}"))
                .collect(),
            Loaded::Labels(labels, _) => {
                let label = |r: usize| labels[r].clone().expect("complete rows");
                match &self.keep {
                    None => (0..labels.len()).map(label).collect(),
                    Some(keep) => keep.iter().map(|&r| label(r)).collect(),
                }
            }
        }
    }

    fn covariate(&self, name: &str) -> Covariate {
        match self.column(name) {
            Loaded::Numbers(values) => Covariate::Numeric {
                name: name.to_string(),
                // Every row complete: the table's column itself, not a copy.
                values: self
                    .keep
                    .is_none()
                    .then(|| Values::shared(values))
                    .flatten()
                    .unwrap_or_else(|| self.values(values).into()),
            },
            Loaded::Labels(..) => Covariate::Factor {
                name: name.to_string(),
                levels: self.labels(name),
            },
        }
    }
}

/// Runs `evident regress`.
pub fn run_regress(args: &RegressArgs) -> Result<(), Error> {
    if !args.fixed_effects.is_empty()
        && (args.iv.is_some() || args.stream || args.engine.is_external())
    {
        return Err(arguments(
            "--fixed-effects is fitted in memory by least squares: not with --iv, --stream or --engine",
            "drop --fixed-effects, or the other option",
        ));
    }
    if args.engine.is_external() {
        return run_regress_on_engine(args);
    }
    if args.stream {
        return run_regress_streamed(args);
    }
    if let Some(formula) = &args.iv {
        return run_regress_iv(args, formula);
    }
    if !args.fixed_effects.is_empty() {
        return run_regress_fixed_effects(args);
    }
    let mut used: Vec<&str> = vec![args.outcome.as_str()];
    used.extend(args.covariates.iter().map(String::as_str));
    used.extend(args.clusters.iter().map(String::as_str));
    used.extend(args.weights.iter().map(String::as_str));
    used.extend(args.lin.iter().map(String::as_str));
    let table = Table::read_columns(&args.data, &used)?;
    let data = Complete::load(&table, &used, args.drop_missing)?;
    drop(table);
    const NUMERIC: &str = "the outcome and weights must be numbers";
    let y = data.numeric(&args.outcome, NUMERIC)?;
    let mut covariates: Vec<Covariate> =
        args.covariates.iter().map(|c| data.covariate(c)).collect();
    let conf_level = level(args.conf_level, args.alpha);
    let design =
        |covariates: &[Covariate]| build_design_rows(y.len(), !args.no_intercept, covariates);
    if args.logistic {
        if args.lin.is_some() {
            return Err(arguments(
                "--logistic does not take --lin",
                "Lin's interacted adjustment is for least squares; give the treatment and covariates as --covariates",
            ));
        }
        let clusters = args
            .clusters
            .as_ref()
            .map(|name| Clusters::from_labels(&data.labels(name)));
        let weights = args
            .weights
            .as_ref()
            .map(|w| data.numeric(w, NUMERIC))
            .transpose()?;
        let fit = logistic_regression(
            &design(&covariates)?,
            &y,
            &LogisticOptions {
                conf_level,
                weights: weights.as_deref(),
                se_type: args.se_type.map(SeType::from),
                clusters: clusters.as_ref(),
                ..LogisticOptions::default()
            },
        )?;
        report_dropped(data.dropped, args.json);
        if args.json {
            print_json(&RegressOutput::from_logistic(&fit, data.dropped));
        } else {
            print!("{fit}");
        }
        return Ok(());
    }
    let cluster_labels = args.clusters.as_ref().map(|name| data.labels(name));
    let clusters = cluster_labels.as_ref().map(|l| Clusters::from_labels(l));
    let weights = args
        .weights
        .as_ref()
        .map(|w| data.numeric(w, NUMERIC))
        .transpose()?;
    // A numeric --lin column is the 0/1 treatment; a text one names the arms.
    let lin_treatment = args.lin.as_ref().map(|t| data.covariate(t));
    if args.lin_reference.is_some() && !matches!(lin_treatment, Some(Covariate::Factor { .. })) {
        return Err(arguments(
            "--lin-reference needs a --lin column of arm names",
            "with a numeric 0/1 --lin column the reference is the 0 arm",
        ));
    }
    let dropped = data.dropped;
    // Every value the fit needs is copied out: the loaded columns can go.
    drop(data);
    let options = LmRobustOptions {
        se_type: args.se_type.map(SeType::from),
        weights: weights.as_deref(),
        clusters: clusters.as_ref(),
        conf_level,
        alternative: Alternative::TwoSided,
    };
    let (method, fit) = match (&args.lin, &lin_treatment) {
        (Some(treatment), Some(Covariate::Numeric { values, .. })) => (
            "lm_lin",
            lm_lin(&y, treatment, values, &covariates, &options)?,
        ),
        (Some(treatment), Some(Covariate::Factor { levels, .. })) => (
            "lm_lin",
            lm_lin_arms(
                &y,
                treatment,
                levels,
                args.lin_reference.as_deref(),
                &covariates,
                None,
                &options,
            )?,
        ),
        _ => {
            let design = design(&covariates)?;
            // The design holds its own copy of every covariate.
            covariates.clear();
            ("lm_robust", lm_robust(&design, &y, &options)?)
        }
    };
    report_dropped(dropped, args.json);
    if args.json {
        print_json(&RegressOutput::from_lm_robust(method, &fit, dropped));
    } else {
        print!("{fit}");
    }
    Ok(())
}

/// Runs `evident regress --fixed-effects`.
fn run_regress_fixed_effects(args: &RegressArgs) -> Result<(), Error> {
    if args.weights.is_some() || args.lin.is_some() || args.logistic || args.no_intercept {
        return Err(arguments(
            "--fixed-effects takes --covariates, --clusters and --se-type only (no --weights, --lin, --logistic or --no-intercept)",
            "the fixed effects absorb the intercept; weighted fits with absorbed effects are not supported yet",
        ));
    }
    if let Some(twice) = args
        .fixed_effects
        .iter()
        .find(|f| *f == &args.outcome || args.covariates.contains(f))
    {
        return Err(arguments(
            format!(
                "--fixed-effects {twice}: a column absorbed as fixed effects cannot also be the outcome or a covariate"
            ),
            "name each column once",
        ));
    }
    let mut used: Vec<&str> = vec![args.outcome.as_str()];
    used.extend(args.covariates.iter().map(String::as_str));
    used.extend(args.clusters.iter().map(String::as_str));
    used.extend(args.fixed_effects.iter().map(String::as_str));
    let table = Table::read_columns(&args.data, &used)?;
    let data = Complete::load(&table, &used, args.drop_missing)?;
    drop(table);
    let y = data.numeric(&args.outcome, "the outcome must be numbers")?;
    let covariates: Vec<Covariate> = args.covariates.iter().map(|c| data.covariate(c)).collect();
    let levels: Vec<Clusters> = args
        .fixed_effects
        .iter()
        .map(|name| Clusters::from_labels(&data.labels(name)))
        .collect();
    let factors: Vec<AbsorbedFactor> = args
        .fixed_effects
        .iter()
        .zip(&levels)
        .map(|(name, levels)| AbsorbedFactor { name, levels })
        .collect();
    let cluster_labels = args.clusters.as_ref().map(|name| data.labels(name));
    let clusters = cluster_labels.as_ref().map(|l| Clusters::from_labels(l));
    let design = build_design_rows(y.len(), false, &covariates)?;
    let fit = lm_robust_fe(
        &design,
        &y,
        &factors,
        &FixedEffectsOptions {
            se_type: args.se_type.map(SeType::from),
            clusters: clusters.as_ref(),
            conf_level: level(args.conf_level, args.alpha),
            alternative: Alternative::TwoSided,
        },
    )?;
    report_dropped(data.dropped, args.json);
    if args.json {
        print_json(&RegressOutput::from_fixed_effects(&fit, data.dropped));
    } else {
        print!("{fit}");
    }
    Ok(())
}

/// Runs `evident regress --iv`.
fn run_regress_iv(args: &RegressArgs, formula: &IvFormula) -> Result<(), Error> {
    if args.weights.is_some() || args.lin.is_some() || args.logistic {
        return Err(arguments(
            "--iv takes --covariates, --clusters and --se-type only (no --weights, --lin or --logistic)",
            "fit the instrumental-variables model without them",
        ));
    }
    let mut used: Vec<&str> = vec![
        args.outcome.as_str(),
        formula.endogenous.as_str(),
        formula.instrument.as_str(),
    ];
    used.extend(args.covariates.iter().map(String::as_str));
    used.extend(args.clusters.iter().map(String::as_str));
    let mut unique = used.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != used.len() {
        return Err(arguments(
            format!(
                "--iv \"{} ~ {}\": the outcome, the instrumented column, the instrument, the covariates and the clusters must be different columns",
                formula.endogenous, formula.instrument
            ),
            "name each column once",
        ));
    }
    let table = Table::read_columns(&args.data, &used)?;
    let data = Complete::load(&table, &used, args.drop_missing)?;
    drop(table);
    const NUMERIC: &str = "the outcome, the instrumented column and the instrument must be numbers";
    let y = data.numeric(&args.outcome, NUMERIC)?;
    let endogenous = data.numeric(&formula.endogenous, NUMERIC)?;
    let instrument = data.numeric(&formula.instrument, NUMERIC)?;
    let covariates: Vec<Covariate> = args.covariates.iter().map(|c| data.covariate(c)).collect();
    let cluster_labels = args.clusters.as_ref().map(|name| data.labels(name));
    let clusters = cluster_labels.as_ref().map(|l| Clusters::from_labels(l));
    let exogenous = build_design_rows(y.len(), !args.no_intercept, &covariates)?;
    let fit = iv_robust(
        &IvData {
            outcome: &y,
            endogenous: NamedColumn {
                name: &formula.endogenous,
                values: &endogenous,
            },
            instrument: NamedColumn {
                name: &formula.instrument,
                values: &instrument,
            },
            exogenous: &exogenous,
        },
        &IvOptions {
            se_type: args.se_type.map(SeType::from),
            clusters: clusters.as_ref(),
            conf_level: level(args.conf_level, args.alpha),
        },
    )?;
    report_dropped(data.dropped, args.json);
    if args.json {
        print_json(&RegressOutput::from_iv(&fit, data.dropped));
    } else {
        print!("{fit}");
    }
    Ok(())
}

/// Runs `evident test dim`.
fn run_dim(args: &DimArgs) -> Result<(), Error> {
    if args.engine.is_external() {
        return run_dim_on_engine(args);
    }
    let blocks_column = args.blocks.as_ref().or(args.pairs.as_ref());
    let mut used: Vec<&str> = vec![args.outcome.as_str(), args.treatment.as_str()];
    used.extend(blocks_column.map(String::as_str));
    used.extend(args.clusters.iter().map(String::as_str));
    used.extend(args.weights.iter().map(String::as_str));
    let table = Table::read_columns(&args.data, &used)?;
    let data = Complete::load(&table, &used, args.drop_missing)?;
    const NUMERIC: &str = "the outcome, the 0/1 treatment and the weights must be numbers";
    let y = data.numeric(&args.outcome, NUMERIC)?;
    let treatment = data.numeric(&args.treatment, NUMERIC)?;
    let block_labels = blocks_column.map(|name| data.labels(name));
    let blocks = block_labels.as_ref().map(|l| Clusters::from_labels(l));
    if let (Some(pairs), Some(name)) = (&blocks, &args.pairs)
        && let Some(size) = pairs.members().iter().map(Vec::len).find(|&size| size != 2)
    {
        return Err(arguments(
            format!(
                "--pairs column `{name}` has a pair of {size} units; every pair needs exactly 2"
            ),
            "use --blocks for blocks of other sizes",
        ));
    }
    let cluster_labels = args.clusters.as_ref().map(|name| data.labels(name));
    let clusters = cluster_labels.as_ref().map(|l| Clusters::from_labels(l));
    let weights = args
        .weights
        .as_ref()
        .map(|w| data.numeric(w, NUMERIC))
        .transpose()?;
    let result = difference_in_means(
        &y,
        &treatment,
        &DimOptions {
            blocks: blocks.as_ref(),
            clusters: clusters.as_ref(),
            weights: weights.as_deref(),
            conf_level: level(args.conf_level, args.alpha),
            alternative: args.alternative.into(),
        },
    )?;
    report_dropped(data.dropped, args.json);
    print(&result, args.json, |d| {
        TestOutput::from_dim(d, &args.treatment)
    });
    Ok(())
}

fn report_dropped(dropped: usize, json: bool) {
    if dropped > 0 && !json {
        eprintln!("note: {dropped} rows with missing values were dropped");
    }
}

/// Rows per chunk of `regress --stream` for CSV and Arrow files (Parquet files are
/// read a row group at a time).
const STREAM_CHUNK_ROWS: usize = 65_536;

/// Where `regress --stream` reads its chunks.
enum StreamData {
    /// A Parquet file: one chunk per row group, read again for each pass.
    RowGroups(Vec<usize>),
    /// A CSV or Arrow file: the used columns (Arrow arrays) cut into chunks.
    Loaded(Table),
}

struct StreamSource<'a> {
    args: &'a RegressArgs,
    used: Vec<&'a str>,
    data: StreamData,
    /// Rows dropped for missing values, counted in both passes.
    dropped: std::sync::atomic::AtomicUsize,
}

impl StreamSource<'_> {
    fn n_rows(&self) -> usize {
        match &self.data {
            StreamData::RowGroups(groups) => groups.iter().sum(),
            StreamData::Loaded(table) => table.n_rows(),
        }
    }

    /// The design block, outcome and cluster labels of `rows` of `table`.
    fn chunk_of(&self, table: &Table, rows: std::ops::Range<usize>) -> Result<Chunk, Error> {
        let args = self.args;
        let numbers = |name: &str| -> Result<Float64Array, Error> {
            match table.numbers(name) {
                Ok(values) => Ok(values),
                Err(DataError::NotNumeric { .. } | DataError::WrongType { .. })
                    if name != args.outcome =>
                {
                    Err(arguments(
                        format!(
                            "regress --stream takes numeric covariates only; `{name}` holds text"
                        ),
                        "a text covariate is a factor, whose levels are only known after reading every row: leave out --stream",
                    ))
                }
                Err(other) => Err(other.into()),
            }
        };
        let y = numbers(&args.outcome)?;
        let covariates = args
            .covariates
            .iter()
            .map(|c| numbers(c))
            .collect::<Result<Vec<_>, _>>()?;
        let labels = args
            .clusters
            .as_ref()
            .map(|c| table.labels_in(c, rows.clone()))
            .transpose()?;
        let mut keep = Vec::with_capacity(rows.len());
        for row in rows.clone() {
            let label_missing = labels
                .as_ref()
                .is_some_and(|l| l[row - rows.start].is_none());
            let missing_in = if y.is_null(row) {
                Some(args.outcome.as_str())
            } else if let Some(j) = covariates.iter().position(|c| c.is_null(row)) {
                Some(args.covariates[j].as_str())
            } else if label_missing {
                args.clusters.as_deref()
            } else {
                None
            };
            match missing_in {
                None => keep.push(row),
                Some(_) if args.drop_missing => {}
                Some(name) => return Err(missing(table, row, name)),
            }
        }
        self.dropped.fetch_add(
            rows.len() - keep.len(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let intercept = usize::from(!args.no_intercept);
        let k = intercept + covariates.len();
        let x = nalgebra::DMatrix::from_fn(keep.len(), k, |i, j| {
            if j < intercept {
                1.0
            } else {
                covariates[j - intercept].value(keep[i])
            }
        });
        Ok(Chunk {
            x,
            y: keep.iter().map(|&r| y.value(r)).collect(),
            clusters: labels.map(|l| {
                keep.iter()
                    .map(|&r| l[r - rows.start].clone().unwrap_or_default())
                    .collect()
            }),
        })
    }
}

impl ChunkSource for StreamSource<'_> {
    type Error = Error;

    fn chunks(&self) -> usize {
        match &self.data {
            StreamData::RowGroups(groups) => groups.len(),
            StreamData::Loaded(table) => table.n_rows().div_ceil(STREAM_CHUNK_ROWS),
        }
    }

    fn chunk(&self, index: usize) -> Result<Chunk, Error> {
        match &self.data {
            StreamData::RowGroups(_) => {
                let table = Table::read_row_group(&self.args.data, index, &self.used)?;
                self.chunk_of(&table, 0..table.n_rows())
            }
            StreamData::Loaded(table) => {
                let start = index * STREAM_CHUNK_ROWS;
                let stop = (start + STREAM_CHUNK_ROWS).min(table.n_rows());
                self.chunk_of(table, start..stop)
            }
        }
    }
}

/// Runs `evident regress --stream` (see `streaming` in the library).
fn run_regress_streamed(args: &RegressArgs) -> Result<(), Error> {
    if args.weights.is_some() || args.lin.is_some() || args.logistic || args.iv.is_some() {
        return Err(arguments(
            "--stream fits lm_robust without --weights, --lin, --iv or --logistic",
            "leave out --stream for those fits (they hold the data in memory)",
        ));
    }
    let mut used: Vec<&str> = vec![args.outcome.as_str()];
    used.extend(args.covariates.iter().map(String::as_str));
    used.extend(args.clusters.iter().map(String::as_str));
    used.sort_unstable();
    used.dedup();
    let data = match Table::row_groups(&args.data)? {
        Some(groups) => StreamData::RowGroups(groups),
        None => StreamData::Loaded(Table::read_columns(&args.data, &used)?),
    };
    let source = StreamSource {
        args,
        used,
        data,
        dropped: std::sync::atomic::AtomicUsize::new(0),
    };
    if source.n_rows() == 0 {
        return Err(DataError::NoRows {
            path: args.data.clone(),
        }
        .into());
    }
    let mut names: Vec<String> = Vec::new();
    if !args.no_intercept {
        names.push("(Intercept)".into());
    }
    names.extend(args.covariates.iter().cloned());
    let fit = lm_robust_streamed(
        &source,
        &names,
        &StreamOptions {
            se_type: args.se_type.map(SeType::from),
            clustered: args.clusters.is_some(),
            conf_level: level(args.conf_level, args.alpha),
            alternative: Alternative::TwoSided,
        },
    )?;
    // Each pass reads every chunk once.
    let dropped = source.dropped.load(std::sync::atomic::Ordering::Relaxed) / 2;
    report_dropped(dropped, args.json);
    if args.json {
        print_json(&RegressOutput::from_lm_robust("lm_robust", &fit, dropped));
    } else {
        print!("{fit}");
    }
    Ok(())
}

/// Runs `evident regress --engine datafusion|ballista://…` (see `engine` in the
/// library).
fn run_regress_on_engine(args: &RegressArgs) -> Result<(), Error> {
    if args.weights.is_some()
        || args.lin.is_some()
        || args.logistic
        || args.stream
        || args.iv.is_some()
    {
        return Err(arguments(
            format!(
                "--engine {} fits lm_robust without --weights, --lin, --logistic, --iv or --stream",
                args.engine
            ),
            "leave out --engine for those fits (they run in memory)",
        ));
    }
    let result = lm_robust_on(
        &args.engine,
        &RegressionRequest {
            data: &args.data,
            outcome: &args.outcome,
            covariates: &args.covariates,
            clusters: args.clusters.as_deref(),
            intercept: !args.no_intercept,
            drop_missing: args.drop_missing,
            se_type: args.se_type.map(SeType::from),
            conf_level: level(args.conf_level, args.alpha),
            alternative: Alternative::TwoSided,
            labels: None,
        },
    )?;
    report_dropped(result.dropped, args.json);
    if args.json {
        print_json(&RegressOutput::from_lm_robust(
            "lm_robust",
            &result.fit,
            result.dropped,
        ));
    } else {
        print!("{}", result.fit);
    }
    Ok(())
}

/// Runs `evident test dim --engine datafusion|ballista://…`.
fn run_dim_on_engine(args: &DimArgs) -> Result<(), Error> {
    if args.blocks.is_some() || args.pairs.is_some() || args.weights.is_some() {
        return Err(arguments(
            format!(
                "--engine {} runs the standard and clustered difference in means, without --blocks, --pairs or --weights",
                args.engine
            ),
            "leave out --engine for blocked, matched-pair or weighted designs (they run in memory)",
        ));
    }
    let result = difference_in_means_on(
        &args.engine,
        &DimRequest {
            data: &args.data,
            outcome: &args.outcome,
            treatment: &args.treatment,
            clusters: args.clusters.as_deref(),
            drop_missing: args.drop_missing,
            conf_level: level(args.conf_level, args.alpha),
            alternative: args.alternative.into(),
            labels: None,
        },
    )?;
    report_dropped(result.dropped, args.json);
    print(&result.result, args.json, |d| {
        TestOutput::from_dim(d, &args.treatment)
    });
    Ok(())
}
