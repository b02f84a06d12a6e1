//! `evident synthesise REPORT.json...`: pools one outcome across studies and prints the
//! pooled estimate, the heterogeneity and the Nesta reading; with `--out DIR` writes
//! synthesis.json/md/html and forest.svg there (atomically); with `--json` prints the
//! synthesis as JSON.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use evident::error::Error;
use evident::synthesis::{Method, SynthesisOptions, render, synthesise};

/// `evident synthesise` arguments.
#[derive(Debug, Args)]
pub struct SynthesiseArgs {
    /// The studies' report.json files (two or more).
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// The outcome to pool, by name or label (default: the first report's primary outcome).
    #[arg(long)]
    pub outcome: Option<String>,
    /// How τ² is estimated: REML (metafor's default), DerSimonian–Laird, or the fixed
    /// effect (τ² = 0).
    #[arg(long, value_enum, default_value = "reml")]
    pub method: MethodArg,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Write synthesis.json, synthesis.md, synthesis.html and forest.svg here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the synthesis as JSON (`evident schema --output synthesis`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    Reml,
    Dl,
    Fe,
}

/// Runs the synthesis; prints it and writes the report when asked.
pub fn run_synthesise(args: &SynthesiseArgs, say: &dyn Fn(String)) -> Result<(), Error> {
    let method = match args.method {
        MethodArg::Reml => Method::Reml,
        MethodArg::Dl => Method::Dl,
        MethodArg::Fe => Method::Fe,
    };
    let output = synthesise(
        &args.reports,
        &SynthesisOptions {
            outcome: args.outcome.clone(),
            method,
            conf_level: args.level,
        },
    )?;
    let written = match &args.out {
        Some(dir) => evident::pipeline::write_atomically(dir, &render::render(&output))?,
        None => Vec::new(),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&output).expect("plain JSON values")
        );
        return Ok(());
    }
    say(output.in_words.clone());
    say(output.nesta.summary.clone());
    for c in &output.nesta.criteria {
        say(format!(
            "  level {} {}: {} ({})",
            c.level,
            c.id,
            if c.status == "met" { "met" } else { "not met" },
            c.observed
        ));
    }
    for file in written {
        say(format!("wrote {}", file.display()));
    }
    Ok(())
}
