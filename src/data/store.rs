//! How a loaded column is held in memory: Apache Arrow arrays, numbers as a
//! `Float64Array` (8 bytes a value plus a validity bit) whenever every field reads
//! as a number, text as a `StringArray` otherwise.
//!
//! A number column keeps the exact text of the few fields whose spelling its value
//! does not give back (`1.50`, `1e3`, a missing-value token, 20 significant digits,
//! `inf`), so a column read as labels, identifiers or for a precision check sees the
//! file's text, exactly as when the whole file was kept as text.

use std::borrow::Cow;
use std::fmt::Write;

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, Float64Array, StringArray};

use super::{MAX_MAGNITUDE, MIN_MAGNITUDE, is_missing};

/// The kept text of one number field (see [`Stored::Numbers`]): inline up to 24
/// bytes, so keeping millions of them is no allocation each.
pub(crate) type FieldText = compact_str::CompactString;

/// One loaded column.
#[derive(Debug, Clone)]
pub(crate) enum Stored {
    /// Every present field a number in range. Null where the field is missing, out
    /// of range or not finite; `texts` (sorted by row) holds those fields' text and
    /// that of any field whose value does not print back as written.
    Numbers {
        values: Float64Array,
        texts: Vec<(usize, FieldText)>,
    },
    /// Text of every field (already trimmed); null only for a missing value in a
    /// columnar file.
    Text(StringArray),
}

impl Stored {
    pub(crate) fn len(&self) -> usize {
        match self {
            Stored::Numbers { values, .. } => values.len(),
            Stored::Text(text) => text.len(),
        }
    }

    /// The field's text as the file has it.
    pub(crate) fn cell(&self, row: usize) -> Cow<'_, str> {
        match self {
            Stored::Numbers { values, texts } => match texts.binary_search_by_key(&row, |t| t.0) {
                Ok(i) => Cow::Borrowed(&texts[i].1),
                Err(_) if values.is_valid(row) => Cow::Owned(format!("{}", values.value(row))),
                Err(_) => Cow::Borrowed(""),
            },
            Stored::Text(text) if text.is_null(row) => Cow::Borrowed(""),
            Stored::Text(text) => Cow::Borrowed(text.value(row)),
        }
    }
}

/// A value a number column can hold as is: finite and squarable without overflow
/// or underflow (the rule `Table::numeric` enforces).
pub(crate) fn in_range(value: f64) -> bool {
    value.is_finite()
        && value.abs() <= MAX_MAGNITUDE
        && (value == 0.0 || value.abs() >= MIN_MAGNITUDE)
}

/// Whether `text` is exactly how Rust prints the f64 it parses to: a plain
/// decimal with no sign but `-`, no superfluous zeros and at most 15 significant
/// digits (every such decimal is a distinct f64, whose shortest spelling it is).
/// A cheap test that spares formatting almost every field.
fn prints_back(text: &str) -> bool {
    let bytes = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let (whole, fraction) = match bytes.iter().position(|&b| b == b'.') {
        Some(dot) => (&bytes[..dot], Some(&bytes[dot + 1..])),
        None => (bytes, None),
    };
    if whole.is_empty() || !whole.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if whole.len() > 1 && whole[0] == b'0' {
        return false;
    }
    let mut significant = if whole == b"0" { 0 } else { whole.len() };
    if let Some(fraction) = fraction {
        if fraction.is_empty()
            || !fraction.iter().all(u8::is_ascii_digit)
            || fraction.last() == Some(&b'0')
        {
            return false;
        }
        significant += if significant == 0 {
            fraction.len() - fraction.iter().take_while(|&&b| b == b'0').count()
        } else {
            fraction.len()
        };
    }
    significant <= 15
}

/// Powers of ten held exactly by an f64 (10²² is the largest).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of a plain decimal (`-`, digits, `.` and digits) whose digits, read
/// as one integer, stay below 2⁵³ with at most 22 after the point: that integer
/// and the power of ten are exact doubles, so one correctly rounded division is
/// the correctly rounded value, the number `str::parse` gives (Clinger's fast
/// path, which the standard library takes for these texts too). `None` for any
/// other text, left to `str::parse`. With the value, whether the text is how Rust
/// prints it (told in the same pass over the bytes, see `prints_back`).
fn plain_decimal(text: &str) -> Option<(f64, Spelling)> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        bytes => (false, bytes),
    };
    let mut mantissa: u64 = 0;
    let mut count = 0usize;
    let mut point: Option<usize> = None;
    for (at, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                // 2⁵³ has 16 digits: more than 15 are left to `str::parse`.
                if count == 15 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
            }
            b'.' if point.is_none() => point = Some(at),
            _ => return None,
        }
    }
    let fraction = match point {
        // Digits are needed on both sides of the point.
        Some(at) if at == 0 || at + 1 == digits.len() => return None,
        Some(at) => digits.len() - at - 1,
        None if digits.is_empty() => return None,
        None => 0,
    };
    let magnitude = mantissa as f64 / EXACT_POWERS_OF_TEN[fraction];
    let whole = point.unwrap_or(digits.len());
    // As `prints_back` for a plain decimal (at most 15 digits): Rust never prints a
    // fraction ending in 0, and a whole part with a leading zero is checked by
    // formatting.
    let spelling = if fraction > 0 && digits[digits.len() - 1] == b'0' {
        Spelling::Other
    } else if whole > 1 && digits[0] == b'0' {
        Spelling::Unknown
    } else {
        Spelling::Own
    };
    Some((if negative { -magnitude } else { magnitude }, spelling))
}

/// Whether a number's text is how Rust prints its value (when not, the column keeps
/// the text, so that nothing of the file is lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spelling {
    Own,
    Other,
    /// Found out by formatting the value.
    Unknown,
}

/// Builds one column from field texts in file order: numbers while every field
/// reads as one, switching (losslessly) to text at the first that does not.
pub(crate) enum ColumnBuilder {
    Numbers {
        values: Vec<f64>,
        /// The rows that are null, in order (few, so kept sparse).
        nulls: Vec<usize>,
        texts: Vec<(usize, FieldText)>,
        scratch: String,
    },
    Text(StringBuilder),
}

impl Default for ColumnBuilder {
    fn default() -> Self {
        ColumnBuilder::Numbers {
            values: Vec::new(),
            nulls: Vec::new(),
            texts: Vec::new(),
            scratch: String::new(),
        }
    }
}

impl ColumnBuilder {
    /// A number column with room for `rows` values (a column that turns to text
    /// gives the room back).
    pub(crate) fn with_capacity(rows: usize) -> Self {
        ColumnBuilder::Numbers {
            values: Vec::with_capacity(rows),
            nulls: Vec::new(),
            texts: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Appends the (trimmed) text of the next field.
    pub(crate) fn push(&mut self, text: &str) {
        match self {
            ColumnBuilder::Numbers {
                values,
                nulls,
                texts,
                scratch,
            } => {
                let row = values.len();
                // Almost every field: a plain decimal (never a missing-value token).
                if let Some((value, spelling)) = plain_decimal(text)
                    && in_range(value)
                {
                    values.push(value);
                    match spelling {
                        Spelling::Own => {}
                        Spelling::Other => texts.push((row, text.into())),
                        Spelling::Unknown => {
                            scratch.clear();
                            let _ = write!(scratch, "{value}");
                            if scratch != text {
                                texts.push((row, text.into()));
                            }
                        }
                    }
                    return;
                }
                if is_missing(text) {
                    nulls.push(row);
                    values.push(0.0);
                    if !text.is_empty() {
                        texts.push((row, text.into()));
                    }
                    return;
                }
                let Some(value) = text.parse::<f64>().ok() else {
                    self.become_text();
                    self.push(text);
                    return;
                };
                if !in_range(value) {
                    nulls.push(row);
                    values.push(0.0);
                    texts.push((row, text.into()));
                    return;
                }
                values.push(value);
                // Rust never prints a fraction ending in 0: such a text is kept
                // without formatting the value to find that out.
                if text.contains('.') && text.ends_with('0') {
                    texts.push((row, text.into()));
                } else if !prints_back(text) {
                    scratch.clear();
                    let _ = write!(scratch, "{value}");
                    if scratch != text {
                        texts.push((row, text.into()));
                    }
                }
            }
            ColumnBuilder::Text(builder) => builder.append_value(text),
        }
    }

    fn become_text(&mut self) {
        let built = std::mem::take(self).finish();
        let mut builder = StringBuilder::with_capacity(built.len().max(1024), built.len() * 8);
        for row in 0..built.len() {
            builder.append_value(built.cell(row));
        }
        *self = ColumnBuilder::Text(builder);
    }

    pub(crate) fn finish(self) -> Stored {
        match self {
            ColumnBuilder::Numbers {
                values,
                nulls,
                texts,
                ..
            } => {
                let nulls = validity(values.len(), &nulls).map(Into::into);
                Stored::Numbers {
                    values: Float64Array::new(values.into(), nulls),
                    texts,
                }
            }
            ColumnBuilder::Text(mut builder) => Stored::Text(builder.finish()),
        }
    }
}

/// The validity of `n_rows` values with the given null rows; `None` when none is
/// null, as Arrow leaves it.
pub(crate) fn validity(n_rows: usize, nulls: &[usize]) -> Option<Vec<bool>> {
    if nulls.is_empty() {
        return None;
    }
    let mut valid = vec![true; n_rows];
    for &row in nulls {
        valid[row] = false;
    }
    Some(valid)
}

/// Pieces of one column (row groups or parts of a file, in order) as one column:
/// numbers when every piece is numbers, else text (a numbers piece giving back
/// each field's text, as `ColumnBuilder` does when a column turns to text).
pub(crate) fn concat(mut parts: Vec<Stored>, n_rows: usize) -> Stored {
    if parts.len() == 1 {
        return parts.pop().expect("one part");
    }
    let mut joined = Joiner::with_capacity(n_rows);
    for part in parts {
        joined.push(part);
    }
    joined.finish()
}

/// One column joined from its pieces as they arrive in file order (see `concat`),
/// so a reader need not hold every piece until the last is parsed.
pub(crate) enum Joiner {
    Numbers {
        values: Vec<f64>,
        nulls: Vec<usize>,
        texts: Vec<(usize, FieldText)>,
    },
    Text(StringBuilder),
}

impl Joiner {
    pub(crate) fn with_capacity(rows: usize) -> Joiner {
        Joiner::Numbers {
            values: Vec::with_capacity(rows),
            nulls: Vec::new(),
            texts: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, part: Stored) {
        match (&mut *self, part) {
            (
                Joiner::Numbers {
                    values: all_values,
                    nulls: all_nulls,
                    texts: all_texts,
                },
                Stored::Numbers { values, texts },
            ) => {
                let offset = all_values.len();
                all_texts.extend(texts.into_iter().map(|(row, text)| (row + offset, text)));
                if let Some(nulls) = values.nulls() {
                    all_nulls.extend(
                        nulls
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| !v)
                            .map(|(row, _)| row + offset),
                    );
                }
                all_values.extend_from_slice(values.values());
            }
            (Joiner::Numbers { .. }, text) => {
                let so_far = std::mem::replace(self, Joiner::with_capacity(0)).finish();
                let rows = so_far.len() + text.len();
                let mut builder = StringBuilder::with_capacity(rows, rows * 8);
                append_cells(&mut builder, &so_far);
                append_cells(&mut builder, &text);
                *self = Joiner::Text(builder);
            }
            (Joiner::Text(builder), part) => append_cells(builder, &part),
        }
    }

    pub(crate) fn finish(self) -> Stored {
        match self {
            Joiner::Numbers {
                values,
                nulls,
                texts,
            } => {
                let nulls = validity(values.len(), &nulls).map(Into::into);
                Stored::Numbers {
                    values: Float64Array::new(values.into(), nulls),
                    texts,
                }
            }
            Joiner::Text(mut builder) => Stored::Text(builder.finish()),
        }
    }
}

/// Each field of `part` as text (a null text field stays null).
fn append_cells(builder: &mut StringBuilder, part: &Stored) {
    for row in 0..part.len() {
        match part {
            Stored::Text(text) if text.is_null(row) => builder.append_null(),
            _ => builder.append_value(part.cell(row)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(fields: &[&str]) -> Stored {
        let mut builder = ColumnBuilder::default();
        for f in fields {
            builder.push(f);
        }
        builder.finish()
    }

    #[test]
    fn plain_decimals_parse_to_the_bits_of_str_parse() {
        let edge = [
            "0",
            "-0",
            "0.0",
            "-0.000",
            "1",
            "007",
            "1.101262",
            "-0.051846",
            "0.018630",
            "999999999999999",
            "-99999999999999.9",
            "0.000000000000001",
            "123456789.012345",
            "9007199254740991",
            "1.",
            ".5",
            "-",
            "",
            "1.2.3",
            "1e3",
            "+1",
            "--1",
            "1-",
        ];
        let mut texts: Vec<String> = edge.iter().map(|t| t.to_string()).collect();
        // Pseudo-random decimals of every length and point position.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = 1 + (state % 17) as usize;
            let mut text: String = (0..digits)
                .map(|i| char::from(b'0' + ((state >> (4 + 3 * i)) % 10) as u8))
                .collect();
            let point = ((state >> 58) as usize) % (digits + 1);
            if point > 0 && point < digits {
                text.insert(point, '.');
            }
            if state & 1 == 1 {
                text.insert(0, '-');
            }
            texts.push(text);
        }
        for text in &texts {
            if let Some((value, spelling)) = plain_decimal(text) {
                let parsed: f64 = text.parse().unwrap();
                assert_eq!(value.to_bits(), parsed.to_bits(), "{text}");
                // The spelling told in the same pass is what formatting tells.
                let printed = format!("{value}");
                match spelling {
                    Spelling::Own => assert_eq!(printed, *text),
                    Spelling::Other => assert_ne!(printed, *text),
                    Spelling::Unknown => assert!(!prints_back(text), "{text}"),
                }
                assert_eq!(spelling == Spelling::Own, prints_back(text), "{text}");
            }
        }
        assert!(plain_decimal("1.101262").is_some() && plain_decimal("-0").is_some());
        assert!(plain_decimal("1.").is_none() && plain_decimal("1234567890123456").is_none());
    }

    #[test]
    fn prints_back_agrees_with_formatting() {
        for text in [
            "0",
            "-0",
            "1",
            "12.5",
            "0.001",
            "-3.25",
            "123456789012345",
            "0.1",
            "1.50",
            "01",
            "1.",
            ".5",
            "+1",
            "1e3",
            "1234567890123456",
            "0.30000000000000004",
            "-0.0",
            "100",
            "0.000000000000001",
            "7.000",
        ] {
            let printed = format!("{}", text.parse::<f64>().unwrap());
            if prints_back(text) {
                assert_eq!(printed, text, "{text}");
            }
        }
        assert!(prints_back("12.5") && prints_back("-0") && prints_back("0.001"));
        assert!(!prints_back("1.50") && !prints_back("1e3") && !prints_back("01"));
    }

    #[test]
    fn number_column_gives_back_every_text() {
        let fields = [
            "1",
            "1.50",
            "NA",
            "",
            "1e3",
            "inf",
            "2e200",
            "-0",
            "100000000000000001",
        ];
        let stored = build(&fields);
        assert!(matches!(stored, Stored::Numbers { .. }));
        for (row, text) in fields.iter().enumerate() {
            assert_eq!(stored.cell(row), *text);
        }
    }

    #[test]
    fn a_word_half_way_turns_the_column_to_text_losslessly() {
        let fields = ["1", "1.50", "NA", "", "abc", "2"];
        let stored = build(&fields);
        assert!(matches!(stored, Stored::Text(_)));
        for (row, text) in fields.iter().enumerate() {
            assert_eq!(stored.cell(row), *text);
        }
    }
}
