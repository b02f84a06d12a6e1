//! The `evident` command: a thin front end over the library. Parses arguments, calls
//! one library function, prints the outcome, and maps errors to exit codes:
//! 0 success, 1 a run that failed (e.g. the report could not be written),
//! 2 invalid input (spec, data or arguments).

mod cli;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use evident::pipeline::{self, Scope};
use evident::spec::{Spec, Stage};
use evident::{Error, ExitKind};

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report_error(&error);
            match error.exit_kind() {
                ExitKind::InvalidInput => ExitCode::from(2),
                ExitKind::RunFailed => ExitCode::from(1),
            }
        }
    }
}

fn report_error(error: &Error) {
    match error {
        Error::Spec(spec) => {
            for line in spec.lines() {
                eprintln!("error: {line}");
            }
        }
        other => eprintln!("error: {other}"),
    }
    eprintln!("hint: {}", error.hint());
}

fn execute(cli: &Cli) -> Result<(), Error> {
    let say = |text: String| {
        if !cli.quiet {
            println!("{text}");
        }
    };
    match &cli.command {
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
        Command::Schema => {
            let schema = schemars::schema_for!(Spec);
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("schema is plain JSON")
            );
            Ok(())
        }
        Command::Run { spec, out } => write_report(spec, Scope::All, out.as_deref(), &say),
        Command::Report { spec, out } => {
            write_report(spec, Scope::ReportOnly, out.as_deref(), &say)
        }
        Command::Test(test) => cli::stats::run_test(test),
        Command::Regress(args) => cli::stats::run_regress(args),
        Command::Power(command) => cli::power::run_power(command),
        Command::Plan { spec, out, json } => {
            cli::power::run_plan(spec, out.as_deref(), *json, cli.quiet)
        }
        Command::Assign { spec } => single_stage(spec, Stage::Assign),
        Command::Match { spec } => single_stage(spec, Stage::Match),
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
                            let e = &c.estimate;
                            say(format!(
                                "{} [{}] {}: estimate {:.6} (SE {:.6}), {:.0}% CI {:.6} to {:.6}, p = {:.4e}",
                                outcome.label,
                                c.estimator.label(),
                                c.contrast,
                                e.estimate,
                                e.std_error,
                                100.0 * e.conf_level,
                                e.conf_low,
                                e.conf_high,
                                e.p_value
                            ));
                        }
                    }
                }
                say(grade.summary.clone());
            }
            Ok(())
        }
    }
}

fn write_report(
    spec: &Path,
    scope: Scope,
    out: Option<&Path>,
    say: &dyn Fn(String),
) -> Result<(), Error> {
    let output = pipeline::run(spec, scope, out)?;
    for warning in &output.model.warnings {
        eprintln!("warning: {warning}");
    }
    say(output.model.headline.clone());
    for file in &output.files {
        say(format!("wrote {}", file.display()));
    }
    Ok(())
}

fn single_stage(spec: &Path, stage: Stage) -> Result<(), Error> {
    let checked = pipeline::check(spec)?;
    if !checked.plan.stages.contains(&stage) {
        return Err(Error::StageNotDeclared {
            stage: stage.name(),
            spec_key: stage.spec_key(),
        });
    }
    Err(Error::StageUnavailable {
        stage: stage.name(),
        spec_key: stage.spec_key(),
        version: env!("CARGO_PKG_VERSION"),
    })
}
