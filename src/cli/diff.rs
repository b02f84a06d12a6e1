//! `evident diff OLD.json NEW.json`: the report diff for CI. Prints each difference
//! beyond tolerance (or the whole comparison as JSON) and says whether there was
//! drift; the exit status is 1 on drift, 0 without, 2 on bad input.

use std::path::PathBuf;

use clap::Args;
use evident::error::{Error, bounded_line};
use evident::governance::diff::{DiffOptions, Difference, DifferenceKind, diff_files};
use evident::report::format::{count, significant};

/// `evident diff` arguments.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The reference document (report.json, plan.json, a saved `--json` output).
    pub old: PathBuf,
    /// The document to check against it.
    pub new: PathBuf,
    /// Relative tolerance: numbers differ when |old − new| > atol + rtol·|old|.
    #[arg(long, default_value = "1e-9", allow_negative_numbers = true)]
    pub rtol: f64,
    /// Absolute tolerance (see --rtol).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub atol: f64,
    /// Ignore what a JSON pointer pattern matches, and everything below it
    /// (`*` any one segment or part of one, `**` any number of segments); repeatable.
    #[arg(long, value_name = "PATH-GLOB")]
    pub ignore: Vec<String>,
    /// Compare the volatile fields too (engine version, spec path, command line).
    #[arg(long)]
    pub strict: bool,
    /// Print the comparison as JSON (`evident schema --output diff`).
    #[arg(long)]
    pub json: bool,
}

/// Runs the comparison; `Ok(true)` when the documents drifted apart.
pub fn run_diff(args: &DiffArgs, quiet: bool) -> Result<bool, Error> {
    let options = DiffOptions {
        rtol: args.rtol,
        atol: args.atol,
        ignore: args.ignore.clone(),
        strict: args.strict,
    };
    let out = diff_files(&args.old, &args.new, &options)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&out).expect("plain JSON values")
        );
        return Ok(out.drift);
    }
    if quiet {
        return Ok(out.drift);
    }
    for d in &out.differences {
        println!("{}", bounded_line(&line(d)));
    }
    let tolerance = format!("rtol {}, atol {}", shown(args.rtol), shown(args.atol));
    let compared = format!(
        "{} numbers compared, {} unequal within tolerance",
        count(out.numbers_compared as usize),
        count(out.numbers_within_tolerance as usize)
    );
    if out.drift {
        println!(
            "drift: {} {} beyond {tolerance} ({compared}; {})",
            count(out.differences.len()),
            if out.differences.len() == 1 {
                "difference"
            } else {
                "differences"
            },
            out.document
        );
    } else {
        println!("no drift beyond {tolerance} ({compared}; {})", out.document);
    }
    Ok(out.drift)
}

/// A tolerance as typed: 1e-9, 0.
fn shown(x: f64) -> String {
    format!("{x:e}").replace("e0", "")
}

/// One difference on one line: the pointer, then what changed.
fn line(d: &Difference) -> String {
    let value =
        |v: &Option<serde_json::Value>| v.as_ref().map_or_else(String::new, |v| v.to_string());
    let moved = d
        .old_path
        .as_ref()
        .map(|p| format!(" (was at {p})"))
        .unwrap_or_default();
    match d.kind {
        DifferenceKind::Number => format!(
            "{}{moved}: {} → {} (|Δ| {}{})",
            d.path,
            value(&d.old),
            value(&d.new),
            significant(d.abs_diff.unwrap_or(f64::NAN), 2),
            d.rel_diff
                .map(|r| format!(", relative {}", significant(r, 2)))
                .unwrap_or_default()
        ),
        DifferenceKind::String | DifferenceKind::Boolean => {
            format!("{}{moved}: {} → {}", d.path, value(&d.old), value(&d.new))
        }
        DifferenceKind::Type => format!(
            "{}{moved}: type changed: {} → {}",
            d.path,
            value(&d.old),
            value(&d.new)
        ),
        DifferenceKind::Added => format!("{}: added {}", d.path, value(&d.new)),
        DifferenceKind::Removed => format!("{}: removed {}", d.path, value(&d.old)),
    }
}
