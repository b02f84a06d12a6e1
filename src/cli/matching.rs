//! `evident match SPEC`: runs the match stage and says what it built: the method,
//! the balance before and after (the report's table: SMD, variance ratio, flags)
//! and who was matched, unmatched or discarded and why.

use std::path::Path;

use evident::analysis::AnalysisError;
use evident::analysis::matched::{balance_columns, balance_of_match, balance_of_match_read};
use evident::error::Error;
use evident::matching::run_stage_keeping_with;
use evident::pipeline;
use evident::report::format::significant;
use evident::report::matching::balance_text;

/// Runs the match stage; prints the method, balance and counts (or all of it as
/// JSON, the balance in report.json's `analysis.matched.balance` form).
pub fn run_match(spec: &Path, force: bool, json: bool, say: &dyn Fn(String)) -> Result<(), Error> {
    let checked = pipeline::check(spec)?;
    let plan = &checked.plan;
    // Same file and ids: the stage reads the balance covariates in its own pass.
    let shared = balance_columns(plan);
    // With the stage's own table, the balance is computed while matched.csv is
    // hashed and written (it reads nothing from disk).
    let (output, read, alongside) = run_stage_keeping_with(
        plan,
        force,
        shared.as_deref().unwrap_or_default(),
        |result, kept| {
            shared
                .is_some()
                .then(|| balance_of_match_read(plan, result, kept))
        },
    )?;
    let (balance, read) = match alongside {
        Some(balance) => (balance, Some(read)),
        None => {
            // The file is read again: the stage's table goes first.
            drop(read);
            (balance_of_match(plan, &output.result), None)
        }
    };
    let balance = balance.map_err(|e| Error::from(AnalysisError::from(e)))?;
    if json {
        let out = serde_json::json!({
            "matched_csv": output.matched_path.display().to_string(),
            "match": output.result,
            "balance": balance,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).expect("plain JSON values")
        );
        // The process ends here: its memory goes back whole, without freeing the
        // table and the pool's units one by one (seconds at 10,000,000 units).
        std::mem::forget((out, output, read));
        return Ok(());
    }
    let result = &output.result;
    let method = plan
        .matching
        .as_ref()
        .map_or_else(|| result.method.clone(), |m| m.describe());
    say(format!(
        "{method}{}; estimand {}",
        result
            .caliper_width
            .map(|w| format!(" (caliper width {})", significant(w, 3)))
            .unwrap_or_default(),
        result.estimand.label()
    ));
    match &balance {
        Some(table) => {
            for line in balance_text(table) {
                say(line);
            }
        }
        None => {
            let matching = plan
                .matching
                .as_ref()
                .expect("run_stage needs design.matching");
            for line in result.count_lines(&matching.treated_label, &matching.control_label) {
                say(line);
            }
        }
    }
    for note in &result.notes {
        say(format!("note: {note}"));
    }
    say(format!("wrote {}", output.matched_path.display()));
    // As above: the process ends, nothing to free one by one.
    std::mem::forget((output, read, balance));
    Ok(())
}
