//! `evident match SPEC`: runs the match stage and says what it built.

use std::path::Path;

use evident::error::Error;
use evident::matching::run_stage;
use evident::pipeline;

/// Runs the match stage; prints the counts per group (or the whole result as JSON).
pub fn run_match(spec: &Path, force: bool, json: bool, say: &dyn Fn(String)) -> Result<(), Error> {
    let checked = pipeline::check(spec)?;
    let plan = &checked.plan;
    let output = run_stage(plan, force)?;
    if json {
        let out = serde_json::json!({
            "matched_csv": output.matched_path.display().to_string(),
            "match": output.result,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).expect("plain JSON values")
        );
        return Ok(());
    }
    let matching = plan
        .matching
        .as_ref()
        .expect("run_stage needs design.matching");
    let result = &output.result;
    say(format!(
        "{} matching ({}{}), estimand {}",
        result.method,
        result.distance.as_deref().unwrap_or("no distance"),
        result
            .caliper_width
            .map(|w| format!(", caliper {}", evident::report::format::shortest(w)))
            .unwrap_or_default(),
        result.estimand.name().to_uppercase()
    ));
    for line in result.count_lines(&matching.treated_label, &matching.control_label) {
        say(line);
    }
    for note in &result.notes {
        say(format!("note: {note}"));
    }
    say(format!("wrote {}", output.matched_path.display()));
    Ok(())
}
