//! `matched.csv`, the interface between the match stage and the analysis
//! (docs/spec.md, "matched.csv"): one row per unit of the pool in unit-id byte order,
//! numbers in their shortest round-trip form, so the bytes depend on nothing but the
//! inputs.

use std::path::Path;

use super::{MatchResult, MatchStatus, MatchedUnit};
use crate::data::{DataError, Table};
use crate::report::format::shortest;

/// File name of the matched sample.
pub const MATCHED_FILE: &str = "matched.csv";
/// File name of the record of the inputs matched.csv was made from.
pub const MATCHED_MANIFEST_FILE: &str = "matched.manifest.json";

const HEADER: [&str; 6] = [
    "unit",
    "treated",
    "matched_set",
    "weight",
    "distance",
    "status",
];

/// The bytes of matched.csv.
pub fn render_matched_csv(result: &MatchResult) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer
        .write_record(HEADER)
        .expect("writing to memory cannot fail");
    for u in &result.units {
        writer
            .write_record([
                u.unit.as_str(),
                if u.treated { "1" } else { "0" },
                &u.matched_set.map(|s| s.to_string()).unwrap_or_default(),
                &shortest(u.weight),
                &u.distance.map(shortest).unwrap_or_default(),
                u.status.name(),
            ])
            .expect("writing to memory cannot fail");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

/// Reads a matched.csv written by the match stage.
///
/// # Errors
/// [`DataError`] naming the file and line of a missing column or a value that is not
/// what the match stage writes.
pub fn read_matched_csv(path: &Path) -> Result<Vec<MatchedUnit>, DataError> {
    let table = Table::read(path)?;
    let units = table.identifiers("unit")?;
    let treated = table.numeric("treated")?;
    let sets = table.numeric("matched_set")?;
    let weights = table.numeric("weight")?;
    let distances = table.numeric("distance")?;
    let statuses = table.categorical("status")?;
    let bad = |row: usize, column: &str, what: &str| DataError::Corrupt {
        path: path.to_path_buf(),
        format: "matched.csv",
        message: format!("line {}: column `{column}` {what}", table.line(row)),
    };
    let mut out = Vec::with_capacity(units.len());
    for (row, unit) in units.into_iter().enumerate() {
        let treated = match treated[row] {
            Some(1.0) => true,
            Some(0.0) => false,
            _ => return Err(bad(row, "treated", "must be 1 or 0")),
        };
        let matched_set = match sets[row] {
            None => None,
            Some(s) if s >= 1.0 && s.fract() == 0.0 => Some(s as u64),
            Some(_) => return Err(bad(row, "matched_set", "must be a positive whole number")),
        };
        let weight = match weights[row] {
            Some(w) if w >= 0.0 => w,
            _ => return Err(bad(row, "weight", "must be a number ≥ 0")),
        };
        let status = statuses[row]
            .as_deref()
            .and_then(MatchStatus::from_name)
            .ok_or_else(|| bad(row, "status", "is not one of the match statuses"))?;
        out.push(MatchedUnit {
            unit,
            treated,
            matched_set,
            weight,
            distance: distances[row],
            status,
        });
    }
    Ok(out)
}
