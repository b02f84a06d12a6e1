//! Loading tabular data: CSV files into typed columns (numeric, categorical,
//! identifier), with errors that name the file, line and column.
//!
//! A header row is required. A UTF-8 byte-order mark, CRLF line ends and quoted
//! fields are handled. Missing values are empty fields or one of `NA`, `N/A`, `NaN`,
//! `null` (see `MISSING_TOKENS`); what happens to them is the caller's missing-data policy.
//!
//! Numbers are refused when their magnitude is above `MAX_MAGNITUDE` (1e150) or,
//! when non-zero, below `MIN_MAGNITUDE` (1e-150): a square of such a value (every
//! variance, sum of squares and regression cross-product takes one) leaves f64's
//! range, so a sum would overflow to infinity or underflow to zero and the analysis
//! would report an infinite SE, p = 1 or a "perfect" balance. `precision_loss` finds
//! the fields whose digits a 64-bit float cannot hold.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arrow_array::{Array, Float64Array};
use thiserror::Error;

mod columnar;
mod csv_columns;
pub mod periods;
mod row_lines;
mod store;
mod values;

pub use columnar::Format;
pub use row_lines::RowLines;
use store::Stored;
pub use values::Values;

/// Field texts read as a missing value.
pub const MISSING_TOKENS: [&str; 5] = ["", "NA", "N/A", "NaN", "null"];

/// Largest magnitude a numeric field may have: its square, 1e300, stays below
/// f64::MAX (about 1.8e308) with room for sums of up to 1e8 such squares.
pub const MAX_MAGNITUDE: f64 = 1e150;
/// Smallest non-zero magnitude a numeric field may have: its square, 1e-300, stays
/// above the smallest normal f64 (about 2.2e-308).
pub const MIN_MAGNITUDE: f64 = 1e-150;
/// Significant decimal digits every f64 holds exactly (C's DBL_DIG): a field with at
/// most this many always reads back as written.
const EXACT_DIGITS: usize = 15;

/// A table read into memory as Arrow columns: numbers as numbers, text as text
/// (see `store`), only the columns asked for when read with `read_columns`.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    /// In header order; `None` for a column not read.
    columns: Vec<Option<Stored>>,
    n_rows: usize,
    /// The file line each row starts on (the header is line 1); rows of a format
    /// without lines are numbered as in a CSV copy with a header line.
    lines: RowLines,
    format: Format,
}

/// A column read with its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers; `None` where the value is missing.
    Numeric(Vec<Option<f64>>),
    /// Labels; `None` where the value is missing.
    Categorical(Vec<Option<String>>),
    /// Unique, non-missing identifiers.
    Identifier(Vec<String>),
}

/// Problems reading data.
#[derive(Debug, Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the file is empty; a header row naming the columns is required")]
    NoHeader { path: PathBuf },
    #[error("{path}: the file has a header but no data rows")]
    NoRows { path: PathBuf },
    #[error(
        "{path}:{line}: the file ends inside a quoted field (a quote is opened and never closed, and the last line has no line end): it looks truncated"
    )]
    Truncated { path: PathBuf, line: u64 },
    #[error("{path}:{line}: malformed CSV: {message}")]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}:{line}: row has {found} fields but the header has {expected}")]
    Ragged {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("{path}:{line}: column {column} is not valid UTF-8 text")]
    NotUtf8 {
        path: PathBuf,
        line: u64,
        column: String,
    },
    #[error("{path}:1: column `{column}` appears twice in the header")]
    DuplicateHeader { path: PathBuf, column: String },
    #[error("{path}: no column `{column}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    MissingColumn {
        path: PathBuf,
        column: String,
        suggestion: Option<String>,
    },
    #[error(
        "{path}:{line}: column `{column}`: `{}` is not a number",
        crate::error::excerpt(value)
    )]
    NotNumeric {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error(
        "{path}:{line}: column `{column}`: `{}` is not a finite number",
        crate::error::excerpt(value)
    )]
    NotFinite {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error(
        "{path}:{line}: column `{column}`: `{}` is outside the range the analysis can square without overflow or underflow (magnitudes from 1e-150 to 1e150, or zero)",
        crate::error::excerpt(value)
    )]
    OutOfRange {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error(
        "{path}:{line}: column `{column}`: `{}` and `{}` on line {other_line} differ in the file but read as the same 64-bit number ({}); their difference is lost", crate::error::excerpt(value), crate::error::excerpt(other_value), crate::report::format::shortest(*read_as)
    )]
    DigitsLost {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
        other_line: u64,
        other_value: String,
        read_as: f64,
    },
    #[error(
        "{path}:{line}: identifier `{}` in column `{column}` already appears on line {first_line}",
        crate::error::excerpt(id)
    )]
    DuplicateId {
        path: PathBuf,
        line: u64,
        column: String,
        id: String,
        first_line: u64,
    },
    #[error("{path}:{line}: column `{column}`: the identifier is missing")]
    MissingId {
        path: PathBuf,
        line: u64,
        column: String,
    },
    #[error("{path}: column `{column}` is stored as {found}; {needed}")]
    WrongType {
        path: PathBuf,
        column: String,
        found: String,
        needed: String,
    },
    #[error("{path}: not a readable {format} file: {message}")]
    Corrupt {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{path}:{line}: column `{column}`: value is missing (missing-data policy is error)")]
    MissingValue {
        path: PathBuf,
        line: u64,
        column: String,
    },
}

impl DataError {
    pub fn hint(&self) -> String {
        match self {
            DataError::Read { .. } => "check the path; data paths are relative to the spec file".into(),
            DataError::NoHeader { .. } | DataError::NoRows { .. } => {
                "the file needs a header row and at least one data row".into()
            }
            DataError::Truncated { .. } => {
                "check that the file was copied or exported whole; the end of it is missing".into()
            }
            DataError::Malformed { .. } | DataError::Ragged { .. } => {
                "every row needs as many fields as the header; quote fields that contain commas".into()
            }
            DataError::NotUtf8 { .. } => "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)".into(),
            DataError::DuplicateHeader { .. } => "rename one of the two columns".into(),
            DataError::MissingColumn { .. } => "check the column name in the spec against the file's header".into(),
            DataError::OutOfRange { .. } => {
                "rescale the column (e.g. thousands or millions of the unit) so its values lie between 1e-150 and 1e150".into()
            }
            DataError::DigitsLost { .. } => {
                "a 64-bit float keeps 15 to 17 significant digits; subtract a common offset (or rescale) so the values differ within 15 digits".into()
            }
            DataError::NotNumeric { .. } | DataError::NotFinite { .. } => {
                format!("use a plain number, or leave the field empty (or one of {}) if it is missing", MISSING_TOKENS[1..].join(", "))
            }
            DataError::DuplicateId { .. } => "each unit must appear once; remove or merge the duplicate rows".into(),
            DataError::MissingId { .. } => "every row needs an identifier".into(),
            DataError::WrongType { .. } => {
                "store numbers as a float or integer column and labels as a string column (e.g. pyarrow: pa.float64(), pa.string())".into()
            }
            DataError::Corrupt { .. } => {
                "the file is damaged or truncated, or not in the format its extension says (.parquet, .arrow/.feather, otherwise CSV); write it again".into()
            }
            DataError::MissingValue { .. } => {
                "fill the value in, or set analysis.missing to \"listwise\" to drop such rows (they are counted in the report)".into()
            }
        }
    }
}

fn reader_builder() -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::None);
    builder
}

/// Reads only the header row of a CSV file, or the column names of a Parquet or
/// Arrow file (for checking a spec without loading data).
pub fn read_header(path: &Path) -> Result<Vec<String>, DataError> {
    let format = Format::of(path);
    if format != Format::Csv {
        return columnar::header(path, format);
    }
    let file = std::fs::File::open(path).map_err(|source| DataError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = reader_builder().from_reader(std::io::BufReader::new(file));
    header_of(&mut reader, path)
}

fn header_of<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    path: &Path,
) -> Result<Vec<String>, DataError> {
    let record = reader
        .byte_headers()
        .map_err(|e| csv_error(e, path))?
        .clone();
    if record.is_empty() || (record.len() == 1 && record[0].is_empty()) {
        return Err(DataError::NoHeader {
            path: path.to_path_buf(),
        });
    }
    let mut headers = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let text = std::str::from_utf8(field).map_err(|_| DataError::NotUtf8 {
            path: path.to_path_buf(),
            line: 1,
            column: format!("{}", i + 1),
        })?;
        let text = if i == 0 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        let text = text.trim().to_string();
        if headers.contains(&text) {
            return Err(DataError::DuplicateHeader {
                path: path.to_path_buf(),
                column: text,
            });
        }
        headers.push(text);
    }
    Ok(headers)
}

pub(crate) fn csv_error(error: csv::Error, path: &Path) -> DataError {
    let line = error.position().map_or(0, |p| p.line());
    match error.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Read {
            path: path.to_path_buf(),
            source,
        },
        other => DataError::Malformed {
            path: path.to_path_buf(),
            line,
            message: format!("{other:?}"),
        },
    }
}

/// File lines (from 1) of the records the csv crate reads from `body`. They are
/// counted here because the crate's own count leaves out blank lines, and a record's
/// position is where the blank lines before it begin.
pub(crate) struct LineCounter<'a> {
    body: &'a [u8],
    counted_to: usize,
    line_feeds: u64,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(body: &'a [u8]) -> Self {
        LineCounter {
            body,
            counted_to: 0,
            line_feeds: 0,
        }
    }

    /// The line `record` starts on; records must come in the order read.
    pub(crate) fn record(&mut self, record: &csv::ByteRecord) -> u64 {
        let blank_lines_start = record.position().map_or(0, |p| p.byte() as usize);
        let start = self.body[blank_lines_start.min(self.body.len())..]
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .map_or(self.body.len(), |i| blank_lines_start + i);
        if start > self.counted_to {
            self.line_feeds +=
                memchr::memchr_iter(b'\n', &self.body[self.counted_to..start]).count() as u64;
            self.counted_to = start;
        }
        1 + self.line_feeds
    }
}

impl Table {
    /// Reads every column of a CSV, Parquet or Arrow IPC file (by extension).
    pub fn read(path: &Path) -> Result<Table, DataError> {
        Table::load(path, None)
    }

    /// Reads only the named columns (an error names any the file lacks); the
    /// others are not kept, so memory follows the columns used, not the file.
    pub fn read_columns(path: &Path, columns: &[&str]) -> Result<Table, DataError> {
        Table::load(path, Some(columns))
    }

    /// Reads the named columns of one row group of a Parquet file (for streamed
    /// estimators); rows are numbered as in the whole file.
    pub fn read_row_group(path: &Path, group: usize, columns: &[&str]) -> Result<Table, DataError> {
        let sizes = columnar::row_groups(path)?;
        let read = columnar::read(path, Format::Parquet, Some(columns), Some(&[group]))?;
        let table = Table {
            path: path.to_path_buf(),
            headers: read.headers,
            columns: read.columns,
            n_rows: read.n_rows,
            // Numbered as in the whole file: after the rows of the groups before.
            lines: RowLines::consecutive(
                sizes[..group.min(sizes.len())].iter().sum::<usize>() as u64 + 2,
                read.n_rows,
            ),
            format: Format::Parquet,
        };
        for column in columns {
            table.index_of(column)?;
        }
        Ok(table)
    }

    fn load(path: &Path, wanted: Option<&[&str]>) -> Result<Table, DataError> {
        return_large_blocks_to_the_system();
        let format = Format::of(path);
        let (headers, columns, n_rows, lines) = match format {
            Format::Csv => {
                let read = csv_columns::read(path, wanted)?;
                (read.headers, read.columns, read.lines.len(), read.lines)
            }
            _ => {
                // The Parquet reader allocates and frees a buffer of each page it
                // reads (about 1 MB): reused from the heap, not mapped afresh.
                let _reuse = (!REUSING_FREED_BLOCKS.load(std::sync::atomic::Ordering::Relaxed))
                    .then(ReuseFreedBlocks::new);
                let read = columnar::read(path, format, wanted, None)?;
                if read.n_rows == 0 {
                    return Err(DataError::NoRows {
                        path: path.to_path_buf(),
                    });
                }
                let lines = RowLines::consecutive(2, read.n_rows);
                (read.headers, read.columns, read.n_rows, lines)
            }
        };
        let table = Table {
            path: path.to_path_buf(),
            headers,
            columns,
            n_rows,
            lines,
            format,
        };
        for column in wanted.unwrap_or_default() {
            table.index_of(column)?;
        }
        Ok(table)
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The format the table was read from.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The file line of row `row` (0-based data row). Parquet and Arrow files have
    /// no lines: a row is numbered as in a CSV copy with a header line, so the first
    /// row is 2 whatever the format.
    pub fn line(&self, row: usize) -> u64 {
        self.lines.line(row)
    }

    /// The file line of every row, for messages about rows after the table is gone.
    pub fn row_lines(&self) -> &RowLines {
        &self.lines
    }

    /// The rows in each row group of a Parquet file (`None` for other formats).
    pub fn row_groups(path: &Path) -> Result<Option<Vec<usize>>, DataError> {
        match Format::of(path) {
            Format::Parquet => columnar::row_groups(path).map(Some),
            _ => Ok(None),
        }
    }

    /// The labels of `column` on `rows`, as grouping labels: a number column's
    /// values printed (`1.0` and `1` are one group), a text column's text;
    /// `None` where missing.
    pub fn labels_in(
        &self,
        column: &str,
        rows: std::ops::Range<usize>,
    ) -> Result<Vec<Option<String>>, DataError> {
        let stored = self.stored(column)?;
        Ok(rows
            .map(|row| match stored {
                Stored::Numbers { values, .. } => values
                    .is_valid(row)
                    .then(|| format!("{}", values.value(row))),
                Stored::Text(_) => {
                    let text = stored.cell(row);
                    (!is_missing(&text)).then(|| text.into_owned())
                }
            })
            .collect())
    }

    fn index_of(&self, column: &str) -> Result<usize, DataError> {
        self.headers
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| DataError::MissingColumn {
                path: self.path.clone(),
                column: column.to_string(),
                suggestion: crate::spec::did_you_mean(column, &self.headers),
            })
    }

    fn stored(&self, column: &str) -> Result<&Stored, DataError> {
        let index = self.index_of(column)?;
        // A column left out by `read_columns` is as absent as one the file lacks.
        self.columns[index]
            .as_ref()
            .ok_or_else(|| DataError::MissingColumn {
                path: self.path.clone(),
                column: column.to_string(),
                suggestion: None,
            })
    }

    /// One field's text read as a number under the documented rules.
    fn parse_field(&self, row: usize, column: &str, text: &str) -> Result<Option<f64>, DataError> {
        if is_missing(text) {
            return Ok(None);
        }
        let value: f64 = text.parse().map_err(|_| DataError::NotNumeric {
            path: self.path.clone(),
            line: self.line(row),
            column: column.to_string(),
            value: text.to_string(),
        })?;
        if !value.is_finite() {
            return Err(DataError::NotFinite {
                path: self.path.clone(),
                line: self.line(row),
                column: column.to_string(),
                value: text.to_string(),
            });
        }
        check_magnitude(value, text, &self.path, self.line(row), column)?;
        Ok(Some(value))
    }

    /// A text column of a typed (Parquet, Arrow) file asked for as numbers.
    fn text_not_numbers(&self, column: &str) -> DataError {
        DataError::WrongType {
            path: self.path.clone(),
            column: column.to_string(),
            found: "text (string)".into(),
            needed: "this analysis needs it as numbers".into(),
        }
    }

    /// A numeric column; missing values are `None`.
    pub fn numeric(&self, column: &str) -> Result<Vec<Option<f64>>, DataError> {
        let stored = self.stored(column)?;
        if matches!(stored, Stored::Text(_)) && self.format != Format::Csv {
            return Err(self.text_not_numbers(column));
        }
        let mut values = Vec::with_capacity(self.n_rows);
        for row in 0..self.n_rows {
            match stored {
                Stored::Numbers { values: v, .. } if v.is_valid(row) => {
                    values.push(Some(v.value(row)))
                }
                _ => values.push(self.parse_field(row, column, &stored.cell(row))?),
            }
        }
        Ok(values)
    }

    /// A numeric column as an Arrow array (null where missing), shared with the
    /// table rather than copied when the column was read as numbers.
    pub fn numbers(&self, column: &str) -> Result<Float64Array, DataError> {
        match self.stored(column)? {
            Stored::Numbers { values, texts } => {
                for (row, text) in texts {
                    if !values.is_valid(*row) {
                        self.parse_field(*row, column, text)?;
                    }
                }
                Ok(values.clone())
            }
            Stored::Text(_) => Ok(Float64Array::from(self.numeric(column)?)),
        }
    }

    /// The fields of a numeric `column` whose digits a 64-bit float cannot hold
    /// (more than 15 significant digits that do not read back as written), or an
    /// error when two fields that differ in the file read as the same number.
    pub fn precision_loss(&self, column: &str) -> Result<Option<PrecisionLoss>, DataError> {
        let stored = self.stored(column)?;
        // A number stored without its text prints back as written: never a loss.
        let plain = |row: usize| match stored {
            Stored::Numbers { values, texts } => {
                values.is_valid(row) && texts.binary_search_by_key(&row, |t| t.0).is_err()
            }
            Stored::Text(_) => false,
        };
        let mut lossy: Vec<(usize, f64)> = Vec::new();
        let candidates: Box<dyn Iterator<Item = usize>> = match stored {
            Stored::Numbers { texts, .. } => Box::new(texts.iter().map(|t| t.0)),
            Stored::Text(_) => Box::new(0..self.n_rows),
        };
        for row in candidates {
            let text = stored.cell(row);
            let text = text.as_ref();
            if is_missing(text) {
                continue;
            }
            let Some(written) = DecimalDigits::of(text) else {
                continue;
            };
            if written.digits.len() <= EXACT_DIGITS {
                continue;
            }
            let Ok(value) = text.parse::<f64>() else {
                continue;
            };
            if DecimalDigits::of(&format!("{value:e}")).as_ref() != Some(&written) {
                lossy.push((row, value));
            }
        }
        let Some(&(first_row, first_value)) = lossy.first() else {
            return Ok(None);
        };
        // Two different fields that read as one number: report the first such pair.
        let lossy_bits: std::collections::HashSet<u64> =
            lossy.iter().map(|(_, v)| v.to_bits()).collect();
        let mut first_text: HashMap<u64, (usize, DecimalDigits)> = HashMap::new();
        for row in 0..self.n_rows {
            if let (true, Stored::Numbers { values, .. }) = (plain(row), stored)
                && !lossy_bits.contains(&values.value(row).to_bits())
            {
                continue;
            }
            let text = stored.cell(row);
            let text = text.as_ref();
            let (Ok(value), Some(digits)) = (text.parse::<f64>(), DecimalDigits::of(text)) else {
                continue;
            };
            if !lossy_bits.contains(&value.to_bits()) {
                continue;
            }
            match first_text.get(&value.to_bits()) {
                Some((other_row, other)) if *other != digits => {
                    return Err(DataError::DigitsLost {
                        path: self.path.clone(),
                        line: self.line(row),
                        column: column.to_string(),
                        value: text.to_string(),
                        other_line: self.line(*other_row),
                        other_value: stored.cell(*other_row).into_owned(),
                        read_as: value,
                    });
                }
                Some(_) => {}
                None => {
                    first_text.insert(value.to_bits(), (row, digits));
                }
            }
        }
        Ok(Some(PrecisionLoss {
            path: self.path.clone(),
            column: column.to_string(),
            first_line: self.line(first_row),
            first_value: stored.cell(first_row).into_owned(),
            read_as: first_value,
            fields: lossy.len(),
        }))
    }

    /// A categorical column; missing values are `None`.
    pub fn categorical(&self, column: &str) -> Result<Vec<Option<String>>, DataError> {
        let stored = self.stored(column)?;
        Ok((0..self.n_rows)
            .map(|row| {
                let text = stored.cell(row);
                if is_missing(&text) {
                    None
                } else {
                    Some(text.into_owned())
                }
            })
            .collect())
    }

    /// Each field's text of `column` as the file has it (`""` where a columnar
    /// file has no value), by row: [`Table::categorical`] without a copy of every
    /// field (a missing-value token is returned as written).
    ///
    /// # Errors
    /// The column was not read.
    pub fn texts<'a>(
        &'a self,
        column: &str,
    ) -> Result<impl Fn(usize) -> std::borrow::Cow<'a, str> + 'a, DataError> {
        let stored = self.stored(column)?;
        Ok(move |row| stored.cell(row))
    }

    /// An identifier column: every value present and unique.
    pub fn identifiers(&self, column: &str) -> Result<Vec<String>, DataError> {
        use rayon::prelude::*;
        let stored = self.stored(column)?;
        // The fields' text, formed in parallel and collected in row order.
        let ids: Vec<String> = (0..self.n_rows)
            .into_par_iter()
            .map(|row| stored.cell(row).into_owned())
            .collect();
        // Duplicates compared by key: a text that is a number's shortest spelling (as
        // every number field held without its text is) by that number's bits, which
        // are equal exactly when the spellings are; any other text as text. The keys
        // are sorted with their rows (all distinct, so one order whatever the threads)
        // and a run of equal keys is one identifier: eight-byte keys in order instead
        // of a million formatted strings hashed into a map.
        #[derive(PartialEq, Eq, PartialOrd, Ord)]
        enum Key<'a> {
            Number(u64),
            Text(&'a str),
        }
        let texts = match stored {
            Stored::Numbers { texts, .. } => Some(texts),
            Stored::Text(_) => None,
        };
        // Rows after the first missing one cannot be named before it.
        let first_missing = ids.iter().position(String::is_empty);
        let checked = first_missing.unwrap_or(ids.len());
        let mut next_text = 0;
        let mut keyed: Vec<(Key<'_>, usize)> = Vec::with_capacity(checked);
        for (row, text) in ids[..checked].iter().enumerate() {
            let key = match (texts, stored) {
                (Some(texts), Stored::Numbers { values, .. })
                    if texts.get(next_text).is_none_or(|t| t.0 != row) =>
                {
                    Key::Number(values.value(row).to_bits())
                }
                (Some(_), _) => {
                    next_text += 1;
                    match text.parse::<f64>() {
                        Ok(v) if format!("{v}") == *text => Key::Number(v.to_bits()),
                        _ => Key::Text(text),
                    }
                }
                (None, _) => Key::Text(text),
            };
            keyed.push((key, row));
        }
        keyed.par_sort_unstable();
        // The earliest row repeating an earlier one, and that first occurrence.
        let repeat = keyed
            .windows(2)
            .enumerate()
            .filter(|(_, pair)| pair[0].0 == pair[1].0)
            .map(|(i, pair)| (pair[1].1, i))
            .min()
            .map(|(row, i)| {
                let run_start = keyed[..=i]
                    .iter()
                    .rposition(|k| k.0 != keyed[i].0)
                    .map_or(0, |j| j + 1);
                (row, keyed[run_start].1)
            });
        if let Some((row, first)) = repeat {
            return Err(DataError::DuplicateId {
                path: self.path.clone(),
                line: self.line(row),
                column: column.to_string(),
                id: ids[row].clone(),
                first_line: self.line(first),
            });
        }
        if let Some(row) = first_missing {
            return Err(DataError::MissingId {
                path: self.path.clone(),
                line: self.line(row),
                column: column.to_string(),
            });
        }
        Ok(ids)
    }

    /// A column read as its values say: numeric when every present value is a
    /// number, categorical otherwise.
    pub fn auto(&self, column: &str) -> Result<Column, DataError> {
        match self.numeric(column) {
            Ok(values) => Ok(Column::Numeric(values)),
            Err(DataError::NotNumeric { .. } | DataError::WrongType { .. }) => {
                Ok(Column::Categorical(self.categorical(column)?))
            }
            Err(other) => Err(other),
        }
    }
}

/// Fields of one column whose digits a 64-bit float does not hold: each reads as the
/// nearest representable number, so the analysis sees a slightly different value.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionLoss {
    pub path: PathBuf,
    pub column: String,
    pub first_line: u64,
    pub first_value: String,
    pub read_as: f64,
    /// How many fields of the column are affected.
    pub fields: usize,
}

/// A decimal number's significant digits (no leading or trailing zeros) and the
/// power of ten of its first digit: two texts with equal `DecimalDigits` are the
/// same number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DecimalDigits {
    negative: bool,
    digits: String,
    exponent: i64,
}

impl DecimalDigits {
    /// `None` for text that is not a plain decimal (e.g. `inf`).
    fn of(text: &str) -> Option<DecimalDigits> {
        let (negative, unsigned) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(i) => (&unsigned[..i], unsigned[i + 1..].parse::<i64>().ok()?),
            None => (unsigned, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
            || whole.len() + fraction.len() == 0
        {
            return None;
        }
        let all: String = format!("{whole}{fraction}");
        let leading = all.len() - all.trim_start_matches('0').len();
        let digits = all
            .trim_start_matches('0')
            .trim_end_matches('0')
            .to_string();
        if digits.is_empty() {
            return Some(DecimalDigits {
                negative: false,
                digits,
                exponent: 0,
            });
        }
        Some(DecimalDigits {
            negative,
            exponent: exponent + whole.len() as i64 - 1 - leading as i64,
            digits,
        })
    }
}

/// Refuses a file cut off inside a quoted field. The csv crate reads an unclosed
/// quote at the end of the input as if it were closed, so a truncated download
/// would be analysed without a word. Quotes in well-formed CSV come in pairs (an
/// embedded quote is doubled), so an odd count with no final line end means the
/// last quoted field never closed; a stray quote inside an unquoted field of a file
/// that ends with a line end is still read as the csv crate reads it.
pub(crate) fn check_not_truncated(bytes: &[u8], path: &Path) -> Result<(), DataError> {
    if bytes.ends_with(b"\n") || memchr::memchr_iter(b'"', bytes).count().is_multiple_of(2) {
        return Ok(());
    }
    Err(DataError::Truncated {
        path: path.to_path_buf(),
        line: memchr::memchr_iter(b'\n', bytes).count() as u64 + 1,
    })
}

/// Refuses a number whose square leaves the range of a double (`MAX_MAGNITUDE`,
/// `MIN_MAGNITUDE`), naming the file, line and column: every reader of numbers from
/// a data file (the analysis, the assign stage's balance) applies this one rule.
pub(crate) fn check_magnitude(
    value: f64,
    text: &str,
    path: &Path,
    line: u64,
    column: &str,
) -> Result<(), DataError> {
    if value.abs() > MAX_MAGNITUDE || (value != 0.0 && value.abs() < MIN_MAGNITUDE) {
        return Err(DataError::OutOfRange {
            path: path.to_path_buf(),
            line,
            column: column.to_string(),
            value: text.to_string(),
        });
    }
    Ok(())
}

/// Fixes glibc's mmap threshold at its default 128 KiB, once, when a table is first
/// read. Left dynamic, glibc raises it to the size of the largest block freed (up to
/// 32 MiB), after which column- and matrix-sized blocks are carved from the heap and
/// stay resident when freed: a 1,000,000-row `regress` peaked at 265 MB resident for
/// 184 MB of live heap, 183 MB with the threshold fixed (docs/performance.md). It is
/// set here rather than at start-up because it costs the assign stage about 0.5 s
/// of system time on 10,000,000 units (more, smaller mappings), so the assign stage
/// holds a [`ReuseFreedBlocks`] instead, which this leaves alone.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only changes the allocator's tuning (glibc takes its
        // arena lock to set it); it is called before the read starts its worker
        // threads and touches no live allocation.
        if REUSING_FREED_BLOCKS.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        });
    }
}

/// Whether a [`ReuseFreedBlocks`] is alive: a table read then keeps its thresholds.
static REUSING_FREED_BLOCKS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// While alive, freed blocks up to 32 MiB stay with the allocator for reuse (glibc's
/// mmap and trim thresholds raised), restoring `return_large_blocks_to_the_system`'s
/// 128 KiB when dropped. For a computation that allocates and frees many
/// column-sized temporaries (the RD's windows, weights and residuals, dozens per
/// estimate): with the fixed 128 KiB threshold each was a fresh mapping, zeroed page
/// by page and unmapped again, a quarter of a 1,000,000-row RD's CPU time.
/// Create it only while no other thread is allocating (before parallel work starts,
/// dropped after it ends), as `return_large_blocks_to_the_system` is.
pub(crate) struct ReuseFreedBlocks(());

impl ReuseFreedBlocks {
    pub(crate) fn new() -> ReuseFreedBlocks {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: as in return_large_blocks_to_the_system: tuning only, set while the
        // caller's worker threads are idle.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        }
        REUSING_FREED_BLOCKS.store(true, std::sync::atomic::Ordering::Relaxed);
        ReuseFreedBlocks(())
    }
}

impl Drop for ReuseFreedBlocks {
    fn drop(&mut self) {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        REUSING_FREED_BLOCKS.store(false, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: as in `new`; glibc's defaults are 128 KiB for both.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
        }
    }
}

/// The SHA-256 (lower-case hex) of a file's bytes, read a megabyte at a time.
pub(crate) fn sha256_of_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..read]);
    }
    Ok(crate::spec::sha256_hex_of_digest(
        hasher.finalize().as_slice(),
    ))
}

/// Whether a field's text stands for a missing value.
pub fn is_missing(text: &str) -> bool {
    is_missing_field(text.as_bytes())
}

/// `is_missing` for a field's raw bytes: the tokens are ASCII, so bytes compare as
/// the text would (and bytes that are not UTF-8 are never a token).
pub fn is_missing_field(field: &[u8]) -> bool {
    MISSING_TOKENS.iter().any(|token| token.as_bytes() == field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(content: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(content).unwrap();
        file
    }

    #[test]
    fn reads_bom_crlf_and_quoted_fields() {
        let file = write(b"\xEF\xBB\xBFid,name,score\r\n1,\"Smith, J\",2.5\r\n2,\"Jones\",NA\r\n");
        let table = Table::read(file.path()).unwrap();
        assert_eq!(table.headers, ["id", "name", "score"]);
        assert_eq!(
            table.categorical("name").unwrap(),
            [Some("Smith, J".to_string()), Some("Jones".to_string())]
        );
        assert_eq!(table.numeric("score").unwrap(), [Some(2.5), None]);
        assert_eq!(table.identifiers("id").unwrap(), ["1", "2"]);
    }

    #[test]
    fn non_numeric_value_names_line_and_column() {
        let file = write(b"id,y\n1,2\n2,abc\n");
        let err = Table::read(file.path()).unwrap().numeric("y").unwrap_err();
        assert!(
            matches!(err, DataError::NotNumeric { line: 3, ref column, ref value, .. } if column == "y" && value == "abc")
        );
    }

    #[test]
    fn lines_are_counted_across_blank_lines() {
        // The csv crate's own line count would say line 3 here.
        let file = write(b"id,y\n\n1,2\r\n\r\n\n2,abc\n");
        let err = Table::read(file.path()).unwrap().numeric("y").unwrap_err();
        assert!(
            matches!(err, DataError::NotNumeric { line: 6, .. }),
            "{err}"
        );
    }

    #[test]
    fn duplicate_id_names_both_lines() {
        let file = write(b"id,y\na,1\nb,2\na,3\n");
        let err = Table::read(file.path())
            .unwrap()
            .identifiers("id")
            .unwrap_err();
        assert!(
            matches!(
                err,
                DataError::DuplicateId {
                    line: 4,
                    first_line: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    /// A number column's identifiers are compared as the file spells them: `1.0`
    /// (kept as text) is not `1`, a repeated `1.50` is a duplicate, as is a second
    /// `7` after one held as a number; a missing one is refused.
    #[test]
    fn number_identifiers_compare_as_written() {
        let table = Table::read(write(b"id,y\n1,0\n1.0,0\n1.50,0\n1.5,0\n-0,0\n0,0\n").path());
        assert_eq!(
            table.unwrap().identifiers("id").unwrap(),
            ["1", "1.0", "1.50", "1.5", "-0", "0"]
        );
        for (content, line, first_line) in [
            (&b"id,y\n1.50,0\n2,0\n1.50,0\n"[..], 4, 2),
            (b"id,y\n7,0\n7.0,0\n7,0\n", 4, 2),
            (b"id,y\n3,0\n1e400,0\n1e400,0\n", 4, 3),
        ] {
            let err = Table::read(write(content).path())
                .unwrap()
                .identifiers("id")
                .unwrap_err();
            assert!(
                matches!(err, DataError::DuplicateId { line: l, first_line: f, .. } if l == line && f == first_line),
                "{err}"
            );
        }
        let err = Table::read(write(b"id,y\n1,0\n,0\n").path())
            .unwrap()
            .identifiers("id")
            .unwrap_err();
        assert!(matches!(err, DataError::MissingId { line: 3, .. }), "{err}");
    }

    #[test]
    fn a_file_cut_inside_a_quoted_field_is_truncated() {
        let file = write(b"id,y\n1,2\n2,\"3");
        assert!(matches!(
            Table::read(file.path()).unwrap_err(),
            DataError::Truncated { line: 3, .. }
        ));
        // Closed quotes, doubled quotes and a stray quote before a final line end read.
        for fine in [
            &b"id,y\n1,\"2\""[..],
            b"id,y\n1,\"a\"\"b\"",
            b"id,y\n1,5\"\n",
        ] {
            assert!(Table::read(write(fine).path()).is_ok());
        }
    }

    #[test]
    fn ragged_row_is_an_error() {
        let file = write(b"id,y\n1,2\n2\n");
        assert!(matches!(
            Table::read(file.path()).unwrap_err(),
            DataError::Ragged {
                line: 3,
                expected: 2,
                found: 1,
                ..
            }
        ));
    }

    #[test]
    fn non_utf8_field_is_an_error() {
        let file = write(b"id,y\n1,caf\xE9\n");
        assert!(matches!(
            Table::read(file.path()).unwrap_err(),
            DataError::NotUtf8 { line: 2, .. }
        ));
    }

    #[test]
    fn empty_file_and_header_only_file_are_errors() {
        assert!(matches!(
            Table::read(write(b"").path()).unwrap_err(),
            DataError::NoHeader { .. }
        ));
        assert!(matches!(
            Table::read(write(b"id,y\n").path()).unwrap_err(),
            DataError::NoRows { .. }
        ));
    }

    #[test]
    fn missing_column_suggests_a_near_name() {
        let file = write(b"id,outcome\n1,2\n");
        let err = Table::read(file.path())
            .unwrap()
            .numeric("outcom")
            .unwrap_err();
        assert!(
            matches!(err, DataError::MissingColumn { suggestion: Some(ref s), .. } if s == "outcome")
        );
    }

    #[test]
    fn auto_detects_categorical() {
        let file = write(b"id,g,x\n1,a,1\n2,b,\n");
        let table = Table::read(file.path()).unwrap();
        assert!(matches!(table.auto("g").unwrap(), Column::Categorical(_)));
        assert_eq!(
            table.auto("x").unwrap(),
            Column::Numeric(vec![Some(1.0), None])
        );
    }

    #[test]
    fn magnitudes_whose_squares_leave_the_f64_range_are_refused() {
        for (text, ok) in [
            ("1e308", false),
            ("-1e308", false),
            ("1.5e150", false),
            ("1e-151", false),
            ("-1e-200", false),
            ("1e150", true),
            ("-1e-150", true),
            ("0", true),
            ("-0.0", true),
        ] {
            let file = write(format!("id,y\n1,2\n2,{text}\n").as_bytes());
            let result = Table::read(file.path()).unwrap().numeric("y");
            if ok {
                assert!(result.is_ok(), "{text}");
            } else {
                let err = result.unwrap_err();
                assert!(
                    matches!(err, DataError::OutOfRange { line: 3, ref column, ref value, .. } if column == "y" && value == text),
                    "{text}: {err}"
                );
            }
        }
    }

    #[test]
    fn decimal_digits_compare_numbers_not_spellings() {
        let d = |t: &str| DecimalDigits::of(t).unwrap();
        assert_eq!(d("100000000000000000"), d("1e17"));
        assert_eq!(d("0.00120"), d("1.2e-3"));
        assert_eq!(d("-12.5"), d("-1.25e1"));
        assert_ne!(d("100000000000000001"), d("1e17"));
        assert_eq!(d("0.000"), d("0"));
        assert_eq!(d("100000000000000001").digits.len(), 18);
        assert!(DecimalDigits::of("inf").is_none());
    }

    #[test]
    fn digits_a_float_cannot_hold_are_found_and_collapsed_values_refused() {
        // 17 digits that round-trip (shortest form) are not a loss.
        let file = write(b"id,y\n1,0.30000000000000004\n2,123456789012345\n");
        assert_eq!(
            Table::read(file.path())
                .unwrap()
                .precision_loss("y")
                .unwrap(),
            None
        );
        let file = write(b"id,y\n1,5\n2,100000000000000001\n3,7\n4,200000000000000003\n");
        let loss = Table::read(file.path())
            .unwrap()
            .precision_loss("y")
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                loss.first_line,
                loss.first_value.as_str(),
                loss.read_as,
                loss.fields
            ),
            (3, "100000000000000001", 1e17, 2)
        );
        let file = write(b"id,y\n1,1e17\n2,100000000000000001\n");
        let err = Table::read(file.path())
            .unwrap()
            .precision_loss("y")
            .unwrap_err();
        assert!(
            matches!(err, DataError::DigitsLost { line: 3, other_line: 2, ref other_value, .. } if other_value == "1e17"),
            "{err}"
        );
    }
}
