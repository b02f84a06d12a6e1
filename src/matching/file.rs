//! `matched.csv`, the interface between the match stage and the analysis
//! (docs/spec.md, "matched.csv"): one row per unit of the pool in unit-id byte order,
//! numbers in their shortest round-trip form, so the bytes depend on nothing but the
//! inputs.

use super::{MatchResult, MatchedUnit};
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

/// Units rendered by one task of [`render_matched_csv`].
const RENDER_CHUNK: usize = 16_384;

/// The bytes of matched.csv: the rows rendered in chunks in parallel and joined in
/// order (a row's bytes depend on nothing but its unit).
pub fn render_matched_csv(result: &MatchResult) -> Vec<u8> {
    use rayon::prelude::*;
    let render = |units: &[MatchedUnit], header: bool| {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        if header {
            writer
                .write_record(HEADER)
                .expect("writing to memory cannot fail");
        }
        for u in units {
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
    };
    let parts: Vec<Vec<u8>> = result
        .units
        .par_chunks(RENDER_CHUNK)
        .map(|units| render(units, false))
        .collect();
    let mut bytes = render(&[], true);
    bytes.reserve(parts.iter().map(Vec::len).sum());
    for part in parts {
        bytes.extend_from_slice(&part);
    }
    bytes
}
