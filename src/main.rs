//! The `evident` command: a thin front end over the library. Parses arguments, calls
//! one library function, prints the outcome, and maps errors to exit codes:
//! 0 success, 1 a run that failed (e.g. the report could not be written),
//! 2 invalid input (spec, data or arguments), 3 waiting for outcome data (a valid
//! protocol-stage spec whose analysis.data does not exist yet).

// Errors carry their full context by design (see the note in lib.rs); the assign
// stage's errors (a cluster split across blocks names both lines and blocks) make
// `Error` a little larger, on the same cold path.
#![allow(clippy::result_large_err)]

mod cli;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use evident::assign;
use evident::pipeline::{self, Scope};
use evident::spec::{Spec, Stage};
use evident::stats::tidy::{PowerOutput, RegressOutput, TestOutput};
use evident::{Error, ExitKind};

use cli::{Cli, Command};

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    cli::progress::install(cli.quiet, cli.progress);
    let outcome = match &cli.command {
        // Drift is not an error: no `error:` line, exit status 1.
        Command::Diff(args) => cli::diff::run_diff(args, cli.quiet).map(|drift| {
            if drift {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }),
        _ => execute(&cli).map(|()| ExitCode::SUCCESS),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            report_error(&error);
            match error.exit_kind() {
                ExitKind::InvalidInput => ExitCode::from(2),
                ExitKind::RunFailed => ExitCode::from(1),
                ExitKind::AwaitingData => ExitCode::from(3),
            }
        }
    }
}

/// `evident schema | head` closes the pipe early; like `cat` or `grep`, the command
/// then ends quietly (killed by SIGPIPE, which shells do not report) instead of
/// panicking on the failed print. Rust ignores SIGPIPE by default; this restores the
/// default action.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; setting a signal
    // disposition to SIG_DFL installs no handler code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn report_error(error: &Error) {
    let lines = match error {
        Error::Spec(spec) => spec.lines(),
        other => other.to_string().lines().map(str::to_string).collect(),
    };
    // A spec can break thousands of rules at once (one per arm of 10,000): the first
    // few are enough to start fixing, and the count says how many remain.
    let shown = evident::error::LISTED;
    for line in lines.iter().take(shown) {
        eprintln!("error: {}", evident::error::bounded_line(line));
    }
    if lines.len() > shown {
        eprintln!("error: … and {} more problems", lines.len() - shown);
    }
    eprintln!("hint: {}", evident::error::bounded_line(&error.hint()));
}

fn execute(cli: &Cli) -> Result<(), Error> {
    let say = |text: String| {
        if !cli.quiet {
            println!("{text}");
        }
    };
    match &cli.command {
        Command::Lock {
            spec,
            out,
            replace,
            json,
        } => {
            let outcome = evident::governance::lock::lock_spec(spec, out.as_deref(), *replace)?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&outcome.lock).expect("plain JSON")
                );
            } else if outcome.written {
                say(format!(
                    "locked {} at {}: sha256 {} → {}",
                    spec.display(),
                    outcome.lock.locked_at,
                    outcome.lock.sha256,
                    outcome.path.display()
                ));
            } else {
                say(format!(
                    "unchanged: {} already locks this plan (locked at {}, sha256 {})",
                    outcome.path.display(),
                    outcome.lock.locked_at,
                    outcome.lock.sha256
                ));
            }
            Ok(())
        }
        Command::Check { spec, json } => {
            let checked = pipeline::check(spec)?;
            if *json {
                let out = serde_json::json!({
                    "valid": true,
                    "spec": spec.display().to_string(),
                    "design": checked.plan.design,
                    "stages": checked.plan.stages,
                    "warnings": checked.warnings,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&out).expect("plain JSON values")
                );
            } else {
                for warning in &checked.warnings {
                    let at = warning
                        .position
                        .map(|p| format!(":{p}"))
                        .unwrap_or_default();
                    eprintln!(
                        "warning: {}{at}: {}: {}",
                        spec.display(),
                        warning.json_path,
                        warning.message
                    );
                }
                let stages: Vec<&str> = checked.plan.stages.iter().map(|s| s.name()).collect();
                say(format!(
                    "{}: valid ({}; stages: {})",
                    spec.display(),
                    checked.plan.design.kind().label(),
                    stages.join(" → ")
                ));
            }
            Ok(())
        }
        Command::Schema { output } => {
            use evident::output_schema::{OutputDocument, output_schema};
            let schema = match output {
                cli::SchemaTarget::Spec => schemars::schema_for!(Spec),
                cli::SchemaTarget::Test => schemars::schema_for!(TestOutput),
                cli::SchemaTarget::Regress => schemars::schema_for!(RegressOutput),
                cli::SchemaTarget::Power => schemars::schema_for!(PowerOutput),
                cli::SchemaTarget::Report => output_schema(OutputDocument::Report),
                cli::SchemaTarget::Analyse => output_schema(OutputDocument::Analyse),
                cli::SchemaTarget::Plan => output_schema(OutputDocument::Plan),
                cli::SchemaTarget::Manifest => output_schema(OutputDocument::Manifest),
                cli::SchemaTarget::Assign => output_schema(OutputDocument::Assign),
                cli::SchemaTarget::Verify => output_schema(OutputDocument::Verify),
                cli::SchemaTarget::MatchedManifest => {
                    output_schema(OutputDocument::MatchedManifest)
                }
                cli::SchemaTarget::Diff => output_schema(OutputDocument::Diff),
                cli::SchemaTarget::Synthesis => output_schema(OutputDocument::Synthesis),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("schema is plain JSON")
            );
            Ok(())
        }
        Command::Run { spec, out, force } => {
            write_report(spec, Scope::All, out.as_deref(), *force, &say)
        }
        Command::Report { spec, out } => {
            write_report(spec, Scope::ReportOnly, out.as_deref(), false, &say)
        }
        Command::Test(test) => cli::stats::run_test(test),
        Command::Regress(args) => cli::stats::run_regress(args),
        Command::Power(command) => cli::power::run_power(command),
        Command::Diff(_) => unreachable!("run by main before execute"),
        Command::Synthesise(args) => cli::synthesise::run_synthesise(args, &say),
        Command::Plan { spec, out, json } => {
            cli::power::run_plan(spec, out.as_deref(), *json, cli.quiet)
        }
        Command::Assign {
            spec,
            force,
            verify,
            json,
        } => assign(spec, *force, *verify, *json, &say),
        Command::Match { spec, force, json } => cli::matching::run_match(spec, *force, *json, &say),
        Command::Analyse { spec, json } => {
            let checked = pipeline::check(spec)?;
            let (analysis, grade) = pipeline::analyse_and_grade(&checked.plan)?;
            if *json {
                let out = serde_json::json!({ "analysis": analysis, "grade": grade });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&out).expect("plain JSON values")
                );
            } else {
                if let Some(analysis) = &analysis {
                    for outcome in &analysis.outcomes {
                        for c in &outcome.comparisons {
                            say(comparison_line(outcome, c));
                        }
                        for c in &outcome.complier_effects {
                            say(evident::report::compliance::terminal_line(outcome, c));
                        }
                        for e in &outcome.equivalence {
                            say(evident::report::equivalence::terminal_line(outcome, e));
                        }
                        for b in &outcome.attrition_bounds {
                            say(evident::report::bounds::terminal_line(outcome, b));
                        }
                    }
                    for s in &analysis.subgroups {
                        say(evident::report::subgroups::terminal_line(analysis, s));
                    }
                    for e in &analysis.economics {
                        say(evident::report::economics::terminal_line(e));
                    }
                    if let Some(look) = &analysis.interim {
                        for t in &look.tests {
                            say(evident::report::interim::terminal_line(analysis, t));
                        }
                    }
                }
                say(grade.summary.clone());
            }
            Ok(())
        }
    }
}

/// One comparison for the terminal, through the report's formatter: the estimate and
/// its interval with shared decimals on the outcome's scale, the standard error, the
/// p-value and, when run, the randomisation-inference p-value.
fn comparison_line(
    outcome: &evident::analysis::OutcomeResult,
    c: &evident::analysis::Comparison,
) -> String {
    use evident::report::format::{EffectText, Scale, count, p_phrase, percent, significant};
    use evident::spec::OutcomeType;
    let e = &c.estimate;
    let scale = match outcome.outcome_type {
        OutcomeType::Binary => Scale::PercentagePoints,
        OutcomeType::Continuous => Scale::Unit(outcome.unit.as_deref()),
    };
    let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
    let mut line = format!(
        "{} [{}] {}: {}{} ({} CI {}), SE {}, p {}",
        outcome.label,
        c.estimator.label(),
        c.contrast,
        shown.estimate,
        scale.difference_unit(),
        percent(e.conf_level, 3),
        shown.range(),
        shown.alongside(scale, e.std_error),
        p_phrase(e.p_value)
    );
    if let Some(r) = &c.randomisation {
        let allocations = count(usize::try_from(r.allocations).unwrap_or(usize::MAX));
        line.push_str(&match r.below_resolution() {
            Some(bound) => format!(
                "\n  randomisation inference: p < {} (none of {allocations} reference allocations as extreme)",
                significant(bound, 2)
            ),
            None => format!(
                "\n  randomisation inference: p {} ({} of {allocations} reference allocations at least as extreme{})",
                p_phrase(r.p_value),
                significant(r.extreme, 6),
                r.monte_carlo_se.map_or(", exact".into(), |se| format!(
                    ", Monte Carlo SE {}",
                    significant(se, 2)
                ))
            ),
        });
    }
    line
}

fn write_report(
    spec: &Path,
    scope: Scope,
    out: Option<&Path>,
    force: bool,
    say: &dyn Fn(String),
) -> Result<(), Error> {
    let output = pipeline::run(spec, scope, out, force)?;
    for warning in &output.model.warnings {
        eprintln!("warning: {warning}");
    }
    say(output.model.headline.clone());
    for file in &output.files {
        say(format!("wrote {}", file.display()));
    }
    Ok(())
}

fn assign(
    spec: &Path,
    force: bool,
    verify: bool,
    json: bool,
    say: &dyn Fn(String),
) -> Result<(), Error> {
    let checked = pipeline::check(spec)?;
    if !checked.plan.stages.contains(&Stage::Assign) {
        return Err(Error::StageNotDeclared {
            stage: Stage::Assign.name(),
            spec_key: Stage::Assign.spec_key(),
        });
    }
    let plan = &checked.plan;
    if verify {
        let verification = assign::verify(plan)?;
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&verification).expect("plain JSON values")
            );
        } else {
            for c in &verification.checks {
                say(format!(
                    "{} {}: {}",
                    if c.ok { "ok  " } else { "FAIL" },
                    c.what,
                    if c.ok {
                        c.found.clone()
                    } else {
                        format!("recorded {}, found {}", c.recorded, c.found)
                    }
                ));
            }
        }
        if !verification.verified {
            return Err(Error::NotVerified {
                failed: pipeline::failed_checks(&verification),
            });
        }
        // With --json, stdout holds the JSON document alone.
        if !json {
            say(format!(
                "verified: {} matches its manifest (seed {})",
                verification
                    .manifest
                    .with_file_name(assign::ASSIGNMENTS_FILE)
                    .display(),
                verification.seed
            ));
        }
        return Ok(());
    }
    let outcome = assign::run(plan, force)?;
    if json {
        let out = serde_json::json!({
            "manifest": outcome.manifest,
            "balance": outcome.report.balance,
            "manifest_sha256": outcome.report.manifest_sha256,
            "unchanged": outcome.unchanged,
            "files": outcome.files,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).expect("plain JSON values")
        );
        return Ok(());
    }
    let m = &outcome.manifest;
    say(format!(
        "{}: {} units, seed {} ({})",
        outcome.report.method_label, m.n_units, m.seed, m.seed_source
    ));
    for arm in &m.arms {
        let clusters = arm
            .clusters
            .map(|c| format!(" in {c} clusters"))
            .unwrap_or_default();
        say(format!("  {}: {} units{clusters}", arm.arm, arm.units));
    }
    if let Some(r) = &m.rerandomisation {
        say(format!(
            "rerandomisation: accepted draw {} of at most {} (M = {} ≤ {})",
            r.draws,
            r.max_draws,
            evident::report::format::significant(r.statistic, 4),
            evident::report::format::significant(r.max_mahalanobis, 4)
        ));
    }
    if outcome.unchanged {
        say("the same allocation was already there; files rewritten with identical bytes".into());
    }
    for file in &outcome.files {
        say(format!("wrote {}", file.display()));
    }
    Ok(())
}
