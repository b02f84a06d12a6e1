//! Command-line definitions (clap derive). Each subcommand maps onto one library call.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub mod diff;
pub mod matching;
pub mod power;
pub mod progress;
pub mod stats;
pub mod synthesise;

/// What `--version` prints after the name: the engine version and the versions of the
/// two JSON schemas (report.json's `schema_version`, and the `--json` output of
/// test/regress/power). A test keeps the numbers equal to the constants.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (report schema 1, result schema 2)"
);

/// Evident: evaluation and experiment design from one study spec.
#[derive(Debug, Parser)]
#[command(name = "evident", version = VERSION, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Report the progress of long work (randomisation inference, simulations) on
    /// stderr even when it is not a terminal: a line at the start, at most one every
    /// 5 seconds, and one at the end. On a terminal a progress bar is always drawn.
    #[arg(long, global = true)]
    pub progress: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a spec without running anything (errors give the JSON path and line:column).
    Check {
        /// The study spec (JSON).
        spec: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a JSON Schema: of the spec format (the default; for editors to validate
    /// and autocomplete), or of a command's `--json` output (docs/json.md).
    Schema {
        /// Whose schema: the spec, a command's `--json` output, report.json or manifest.json.
        #[arg(long, value_enum, default_value = "spec")]
        output: SchemaTarget,
    },
    /// Run every stage the spec declares and write the report.
    Run {
        spec: PathBuf,
        /// Write the report here instead of the spec's report.dir.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Let the assign stage replace an existing, different allocation.
        #[arg(long)]
        force: bool,
    },
    /// Plan the study: power, sample size, MDES and simulation diagnosis (the plan
    /// stage); writes plan.json, plan.md, plan.html and the charts to the report directory.
    Plan {
        spec: PathBuf,
        /// Write the plan report here instead of the spec's report.dir.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the plan result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lock the analysis plan before the outcome data (pre-registration): writes the
    /// SHA-256 of the design, outcomes and analysis to SPEC's lock file; analyses of a
    /// spec with evidence.lock list every deviation from it.
    Lock {
        spec: PathBuf,
        /// Where to write the lock (default: evidence.lock, else <spec>.lock).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing, different lock (the new time shows the plan was re-locked).
        #[arg(long)]
        replace: bool,
        /// Print the lock as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Randomise units to arms (the assign stage): writes assignments.csv and manifest.json.
    Assign {
        spec: PathBuf,
        /// Replace an existing allocation that differs (new inputs or seed).
        #[arg(long, conflicts_with = "verify")]
        force: bool,
        /// Recompute the allocation from the manifest and inputs and confirm that
        /// assignments.csv matches; writes nothing.
        #[arg(long)]
        verify: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Build a matched or weighted comparison group (the match stage): writes
    /// matched.csv and matched.manifest.json and prints the counts per group.
    Match {
        spec: PathBuf,
        /// Replace a matched.csv made from different inputs (or edited since).
        #[arg(long)]
        force: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Analyse the outcome data and grade the evidence; print the results, write nothing.
    Analyse {
        spec: PathBuf,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a hypothesis test on inline values or CSV columns (R's t.test, wilcox.test,
    /// prop.test, chisq.test, fisher.test, mcnemar.test, p.adjust).
    #[command(subcommand)]
    Test(stats::TestCommand),
    /// Fit a regression with robust standard errors (estimatr's lm_robust and lm_lin),
    /// or a logistic regression, on columns of a CSV file.
    Regress(stats::RegressArgs),
    /// Power, sample size and MDES (pwr, power.t.test, power.prop.test, PowerUp!):
    /// give every quantity but one and the one left out is solved for.
    #[command(subcommand)]
    Power(power::PowerCommand),
    /// Compare two JSON outputs (report.json, plan.json, any `--json`) number by
    /// number: each difference beyond tolerance with its JSON pointer; exit 1 on drift.
    Diff(diff::DiffArgs),
    /// Meta-analysis of one outcome across studies' report.json files (REML,
    /// DerSimonian–Laird or fixed effect), a forest plot and Nesta levels 4 and 5.
    Synthesise(synthesise::SynthesiseArgs),
    /// Analyse, grade and write the report, skipping plan, assign and match.
    Report {
        spec: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// The documents `evident schema` describes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaTarget {
    /// The study spec.
    Spec,
    /// `evident test ... --json`.
    Test,
    /// `evident regress ... --json`.
    Regress,
    /// `evident power ... --json`.
    Power,
    /// report.json and plan.json (the report model).
    Report,
    /// `evident analyse ... --json`.
    Analyse,
    /// `evident plan ... --json` (the plan stage's result).
    Plan,
    /// manifest.json, written by the assign stage.
    Manifest,
    /// `evident assign ... --json`.
    Assign,
    /// `evident assign ... --verify --json`.
    Verify,
    /// matched.manifest.json, written by the match stage beside matched.csv.
    MatchedManifest,
    /// `evident diff ... --json`.
    Diff,
    /// `evident synthesise ... --json` and synthesis.json.
    Synthesis,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn diff_defaults_to_the_library_tolerance() {
        let cli = Cli::parse_from(["evident", "diff", "a.json", "b.json"]);
        let Command::Diff(args) = cli.command else {
            panic!("parsed as another command")
        };
        assert_eq!(args.rtol, evident::governance::diff::DEFAULT_RTOL);
        assert_eq!(args.atol, 0.0);
    }

    #[test]
    fn version_names_the_schema_versions_in_force() {
        assert_eq!(
            VERSION,
            format!(
                "{} (report schema {}, result schema {})",
                env!("CARGO_PKG_VERSION"),
                evident::report::REPORT_SCHEMA_VERSION,
                evident::stats::tidy::RESULT_SCHEMA_VERSION
            )
        );
    }
}
