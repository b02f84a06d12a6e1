//! `matched.csv`, the interface between the match stage and the analysis
//! (docs/spec.md, "matched.csv"): one row per unit of the pool in unit-id byte order,
//! numbers in their shortest round-trip form, so the bytes depend on nothing but the
//! inputs.

use super::MatchResult;
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
