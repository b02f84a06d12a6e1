//! `matched.csv`, the interface between the match stage and the analysis
//! (docs/spec.md, "matched.csv"): one row per unit of the pool in unit-id byte order,
//! numbers in their shortest round-trip form, so the bytes depend on nothing but the
//! inputs.

#[cfg(test)]
use super::MatchStatus;
use super::{MatchResult, MatchedUnit};

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
    let parts = render_matched_parts(result);
    let mut bytes = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        bytes.extend_from_slice(&part);
    }
    bytes
}

/// matched.csv in parts, in file order (the header, then chunks of rows rendered
/// in parallel): the file is their concatenation.
pub fn render_matched_parts(result: &MatchResult) -> Vec<Vec<u8>> {
    use rayon::prelude::*;
    let mut parts = vec![header_bytes()];
    parts.par_extend(result.units.par_chunks(RENDER_CHUNK).map(render_rows));
    parts
}

/// The parts of [`render_matched_parts`] made one at a time on the calling thread,
/// as they are asked for: a writer holds one part at a time (at 10,000,000 units
/// the whole file is 500 MB).
pub fn matched_parts_one_by_one(result: &MatchResult) -> impl Iterator<Item = Vec<u8>> + '_ {
    std::iter::once(header_bytes()).chain(result.units.chunks(RENDER_CHUNK).map(render_rows))
}

fn header_bytes() -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer
        .write_record(HEADER)
        .expect("writing to memory cannot fail");
    writer.into_inner().expect("writing to memory cannot fail")
}

/// The rows of `units`, as the csv crate writes them (`QuoteStyle::Necessary`, a
/// line feed after each record): only the unit id can hold a byte that needs
/// quotes (`,`, `"`, CR, LF; then it is quoted with its quotes doubled); the other
/// fields are digits, signs, points, exponents and status names, written as they
/// are straight into the chunk's buffer.
fn render_rows(units: &[MatchedUnit]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(units.len() * 64);
    for u in units {
        let id = u.unit.as_bytes();
        if id.iter().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
            out.push(b'"');
            for &b in id {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(id);
        }
        out.extend_from_slice(if u.treated { b",1," } else { b",0," });
        if let Some(set) = u.matched_set {
            let _ = write!(out, "{set}");
        }
        out.push(b',');
        write_shortest(&mut out, u.weight);
        out.push(b',');
        if let Some(distance) = u.distance {
            write_shortest(&mut out, distance);
        }
        out.push(b',');
        out.extend_from_slice(u.status.name().as_bytes());
        out.push(b'\n');
    }
    out
}

/// `report::format::shortest`'s text, written without a `String` of its own.
fn write_shortest(out: &mut Vec<u8>, x: f64) {
    use std::io::Write;
    let magnitude = x.abs();
    let _ = if x.is_finite() && x != 0.0 && !(1e-5..1e16).contains(&magnitude) {
        write!(out, "{x:e}")
    } else {
        write!(out, "{x}")
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::format::shortest;

    /// The rows as the csv crate writes them, with `shortest` (the old rendering).
    fn by_the_csv_crate(units: &[MatchedUnit]) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
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
                .unwrap();
        }
        writer.into_inner().unwrap()
    }

    #[test]
    fn rows_are_the_csv_crates_bytes() {
        let ids = [
            "P1",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            " spaced ",
            "#1",
            "é",
            "x\"",
        ];
        let numbers = [
            0.0,
            -0.0,
            1.0,
            0.5,
            1e-5,
            9.99e-6,
            1e16,
            123456.789,
            0.03677564100941014,
            2.5e300,
            -4.2e-310,
            f64::NAN,
        ];
        let mut units = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            for (j, &x) in numbers.iter().enumerate() {
                units.push(MatchedUnit {
                    unit: format!("{id}{i}{j}"),
                    treated: (i + j) % 2 == 0,
                    matched_set: (j % 3 != 0).then_some((i * 100 + j) as u64),
                    weight: x,
                    distance: (j % 4 != 1).then_some(-x / 3.0),
                    status: MatchStatus::ALL[(i + j) % MatchStatus::ALL.len()],
                });
            }
        }
        assert_eq!(render_rows(&units), by_the_csv_crate(&units));
    }
}
