//! A lean, streaming read of the units file for the assign stage: only the columns
//! the allocation needs (identifier, blocks, cluster, pairs, numeric covariates),
//! identifiers packed into one byte buffer, labels interned, and the file's SHA-256
//! computed on the same pass. Built for ten million rows; errors name file and line
//! as `data::Table` does (fields are trimmed and missing-value tokens are the same).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::AssignError;
use crate::data::DataError;
use crate::spec::sha256_hex_of_digest;

/// Which columns to read.
pub struct UnitsRequest<'a> {
    pub id: &'a str,
    pub blocks: &'a [String],
    pub cluster: Option<&'a str>,
    pub pairs: Option<&'a str>,
    pub numeric: &'a [String],
}

/// Labels of one column (or column combination), interned in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct Interned {
    /// Each row's label index.
    pub index: Vec<u32>,
    /// Each label's component values (one per column combined).
    pub labels: Vec<Vec<String>>,
}

impl Interned {
    /// The label as shown: component values joined by " | ".
    pub fn shown(&self, label: usize) -> String {
        self.labels[label].join(" | ")
    }
}

/// A row's place in the identifier order: its compact key (see `IdKeys`), its row as
/// read, and what later passes need of it carried along (its block label index and a
/// short identifier), so that they need no random access into the rows as read.
#[derive(Debug, Clone, Copy, Default)]
struct Ranked {
    key: u64,
    row: u32,
    block: u32,
    /// An identifier of up to 15 bytes as `packed_key` packs it (zero padded, its
    /// length in the last byte); `LONG_ID` in the last byte for a longer one.
    short_id: [u8; 16],
}

const LONG_ID: u8 = u8::MAX;

impl Ranked {
    fn short_id(&self) -> Option<&[u8]> {
        let len = self.short_id[15];
        (len != LONG_ID).then(|| &self.short_id[..usize::from(len)])
    }
}

/// The units file, read.
#[derive(Debug)]
pub struct UnitsData {
    pub path: PathBuf,
    pub sha256: String,
    pub id_column: String,
    id_bytes: Vec<u8>,
    id_end: Vec<u64>,
    /// File line of each row as read (the header is line 1); see `line`.
    lines: Vec<u64>,
    /// After `into_sorted`: each row's position in the file as read.
    origin: Option<Vec<u32>>,
    /// Combined block label per row (absent when no blocks are requested).
    pub blocks: Option<Interned>,
    pub cluster: Option<Interned>,
    pub pairs: Option<Interned>,
    /// Requested numeric columns, in request order.
    pub numeric: Vec<Vec<f64>>,
}

/// A fast, non-cryptographic hash for interning labels read from a local file
/// (word-at-a-time multiply-rotate, as in rustc's FxHash).
#[derive(Default)]
struct LabelHasher(u64);

impl std::hash::Hasher for LabelHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type LabelMap = HashMap<Vec<u8>, u32, std::hash::BuildHasherDefault<LabelHasher>>;
type ShortLabelMap = HashMap<u128, u32, std::hash::BuildHasherDefault<LabelHasher>>;

/// A key of up to 15 bytes packed with its length into one integer, so that short
/// labels (the usual case) are looked up without comparing byte strings.
fn packed_key(key: &[u8]) -> Option<u128> {
    (key.len() < 16).then(|| {
        let mut packed = [0u8; 16];
        packed[..key.len()].copy_from_slice(key);
        packed[15] = key.len() as u8;
        u128::from_le_bytes(packed)
    })
}

/// Interns byte keys; consecutive rows often repeat a label, so the last one is cached.
struct Interner {
    short: ShortLabelMap,
    long: LabelMap,
    /// The last key seen (packed when short) and its label; consecutive rows often
    /// repeat a label.
    last_short: Option<(u128, u32)>,
    last_long: Option<(Vec<u8>, u32)>,
    out: Interned,
}

impl Interner {
    fn new(rows: usize) -> Interner {
        Interner {
            short: ShortLabelMap::default(),
            long: LabelMap::default(),
            last_short: None,
            last_long: None,
            out: Interned {
                index: Vec::with_capacity(rows),
                labels: Vec::new(),
            },
        }
    }

    fn push(&mut self, key: &[u8], components: impl FnOnce() -> Vec<String>) {
        let next = self.out.labels.len() as u32;
        let index = match packed_key(key) {
            Some(packed) => match self.last_short {
                Some((last, index)) if last == packed => index,
                _ => {
                    let index = *self.short.entry(packed).or_insert(next);
                    self.last_short = Some((packed, index));
                    index
                }
            },
            None => match &self.last_long {
                Some((last, index)) if last.as_slice() == key => *index,
                _ => {
                    let index = match self.long.get(key) {
                        Some(i) => *i,
                        None => {
                            self.long.insert(key.to_vec(), next);
                            next
                        }
                    };
                    let last = self.last_long.get_or_insert_with(|| (Vec::new(), index));
                    last.0.clear();
                    last.0.extend_from_slice(key);
                    last.1 = index;
                    index
                }
            },
        };
        if index == next {
            self.out.labels.push(components());
        }
        self.out.index.push(index);
    }
}

fn column_index(headers: &[String], column: &str, path: &Path) -> Result<usize, DataError> {
    headers
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| DataError::MissingColumn {
            path: path.to_path_buf(),
            column: column.to_string(),
            suggestion: crate::spec::did_you_mean(column, headers),
        })
}

impl UnitsData {
    pub fn read(path: &Path, request: &UnitsRequest<'_>) -> Result<UnitsData, AssignError> {
        let bytes = std::fs::read(path).map_err(|source| DataError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if crate::data::Format::of(path) != crate::data::Format::Csv {
            return UnitsData::read_columnar(path, bytes, request);
        }
        // The file's SHA-256 is computed on a second thread while the rows are parsed;
        // neither result depends on the other or on the number of threads.
        let (sha256, parsed) = std::thread::scope(|scope| {
            let hashing = scope.spawn(|| sha256_hex_of_digest(Sha256::digest(&bytes).as_slice()));
            let parsed = UnitsData::parse(&bytes, path, request);
            let sha256 = hashing
                .join()
                .unwrap_or_else(|_| sha256_hex_of_digest(Sha256::digest(&bytes).as_slice()));
            (sha256, parsed)
        });
        let mut units = parsed?;
        units.sha256 = sha256;
        Ok(units)
    }

    /// A Parquet or Arrow units file: its columns are read through `data::Table`
    /// and handed to the CSV parser as CSV text, so every rule and message is the
    /// CSV one (rows numbered as in a CSV copy, see `Table::line`); the recorded
    /// SHA-256 is that of the file itself. CSV units files keep the direct path.
    fn read_columnar(
        path: &Path,
        bytes: Vec<u8>,
        request: &UnitsRequest<'_>,
    ) -> Result<UnitsData, AssignError> {
        let sha256 = sha256_hex_of_digest(Sha256::digest(&bytes).as_slice());
        drop(bytes);
        let mut wanted: Vec<&str> = vec![request.id];
        wanted.extend(request.blocks.iter().map(String::as_str));
        wanted.extend(request.cluster);
        wanted.extend(request.pairs);
        wanted.extend(request.numeric.iter().map(String::as_str));
        wanted.sort_unstable();
        wanted.dedup();
        let table = crate::data::Table::read_columns(path, &wanted)?;
        let cells: Vec<Vec<Option<String>>> = wanted
            .iter()
            .map(|c| table.categorical(c))
            .collect::<Result<_, _>>()?;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let csv_error = |e: csv::Error| DataError::Malformed {
            path: path.to_path_buf(),
            line: 0,
            message: e.to_string(),
        };
        writer.write_record(&wanted).map_err(csv_error)?;
        for row in 0..table.n_rows() {
            writer
                .write_record(cells.iter().map(|c| c[row].as_deref().unwrap_or("")))
                .map_err(csv_error)?;
        }
        let text = writer.into_inner().map_err(|e| DataError::Malformed {
            path: path.to_path_buf(),
            line: 0,
            message: e.to_string(),
        })?;
        let mut units = UnitsData::parse(&text, path, request)?;
        units.sha256 = sha256;
        Ok(units)
    }

    fn parse(
        bytes: &[u8],
        path: &Path,
        request: &UnitsRequest<'_>,
    ) -> Result<UnitsData, AssignError> {
        crate::data::check_not_truncated(bytes, path)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(bytes);
        let headers = crate::data::headers_of(&mut reader, path)?;
        let column = |c: &str| column_index(&headers, c, path);
        let columns = Columns {
            n_fields: headers.len(),
            id: column(request.id)?,
            blocks: request
                .blocks
                .iter()
                .map(|c| column(c))
                .collect::<Result<_, _>>()?,
            cluster: request.cluster.map(column).transpose()?,
            pairs: request.pairs.map(column).transpose()?,
            numeric: request
                .numeric
                .iter()
                .map(|c| column(c))
                .collect::<Result<_, _>>()?,
        };
        let position = reader.position();
        let body = &bytes[position.byte() as usize..];
        let first_line = position.line().saturating_sub(1);
        // A plain body (see `is_plain`) has one record per line, so it can be cut at
        // a line end and its halves parsed on two threads; the halves are joined in
        // file order, so the result does not depend on the number of threads.
        let plain = is_plain(body);
        let cut = (plain && body.len() > (1 << 22))
            .then(|| memchr::memchr(b'\n', &body[body.len() / 2..]).map(|i| body.len() / 2 + i + 1))
            .flatten();
        let parse = |part: &[u8], line: u64| parse_rows(part, plain, line, &columns, request, path);
        let mut units = match cut {
            None => parse(body, first_line)?,
            Some(cut) => {
                let (front, back) = body.split_at(cut);
                let back_line = first_line + memchr::memchr_iter(b'\n', front).count() as u64;
                let (front, back) = std::thread::scope(|scope| {
                    let back = scope.spawn(|| parse(back, back_line));
                    let front = parse(front, first_line);
                    let back = back
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (front, back)
                });
                let mut front = front?;
                front.append(back?);
                front
            }
        };
        if units.id_end.is_empty() {
            return Err(DataError::NoRows {
                path: path.to_path_buf(),
            }
            .into());
        }
        units.path = path.to_path_buf();
        Ok(units)
    }

    /// Appends the rows of `other` (read after `self`'s), re-indexing its labels.
    fn append(&mut self, other: UnitsData) {
        let offset = self.id_bytes.len() as u64;
        self.id_bytes.extend_from_slice(&other.id_bytes);
        self.id_end.extend(other.id_end.iter().map(|e| e + offset));
        self.lines.extend_from_slice(&other.lines);
        for (mine, theirs) in self.numeric.iter_mut().zip(&other.numeric) {
            mine.extend_from_slice(theirs);
        }
        for (mine, theirs) in [
            (&mut self.blocks, other.blocks),
            (&mut self.cluster, other.cluster),
            (&mut self.pairs, other.pairs),
        ] {
            if let (Some(mine), Some(theirs)) = (mine.as_mut(), theirs) {
                let mut known: HashMap<Vec<String>, u32> = mine
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.clone(), i as u32))
                    .collect();
                let remap: Vec<u32> = theirs
                    .labels
                    .into_iter()
                    .map(|label| {
                        *known.entry(label.clone()).or_insert_with(|| {
                            mine.labels.push(label);
                            (mine.labels.len() - 1) as u32
                        })
                    })
                    .collect();
                mine.index
                    .extend(theirs.index.iter().map(|i| remap[*i as usize]));
            }
        }
    }
}

/// Where the requested columns are.
struct Columns {
    n_fields: usize,
    id: usize,
    blocks: Vec<usize>,
    cluster: Option<usize>,
    pairs: Option<usize>,
    numeric: Vec<usize>,
}

/// Parses data rows (no header); `first_line` is the file line before the first row.
///
/// A `plain` body (see `is_plain`) is one record per line and its fields never
/// contain a comma, so it is split directly on line ends and commas; any other body
/// goes through the csv crate. Both give the same rows (a test checks them against
/// each other).
fn parse_rows(
    body: &[u8],
    plain: bool,
    first_line: u64,
    columns: &Columns,
    request: &UnitsRequest<'_>,
    path: &Path,
) -> Result<UnitsData, AssignError> {
    let mut rows = RowsBuilder::new(body, columns, request, path);
    if plain {
        split_plain(body, first_line, &mut rows)?;
    } else {
        split_csv(body, first_line, &mut rows)?;
    }
    Ok(rows.finish())
}

/// Whether `body` has no quote and no carriage return except before a line feed.
fn is_plain(body: &[u8]) -> bool {
    memchr::memchr(b'"', body).is_none()
        && memchr::memchr_iter(b'\r', body).all(|at| body.get(at + 1) == Some(&b'\n'))
}

/// Splits a plain body (see `is_plain`) on line ends and commas. Blank lines are
/// skipped, as the csv crate skips them.
fn split_plain(
    body: &[u8],
    first_line: u64,
    rows: &mut RowsBuilder<'_>,
) -> Result<(), AssignError> {
    let mut fields: Vec<&[u8]> = Vec::with_capacity(rows.source.columns.n_fields);
    let mut line = first_line;
    let mut start = 0;
    while start < body.len() {
        let end = memchr::memchr(b'\n', &body[start..]).map_or(body.len(), |i| start + i);
        let mut text = &body[start..end];
        start = end + 1;
        line += 1;
        if let Some(stripped) = text.strip_suffix(b"\r") {
            text = stripped;
        }
        if text.is_empty() {
            continue;
        }
        fields.clear();
        let mut from = 0;
        for comma in memchr::memchr_iter(b',', text) {
            fields.push(&text[from..comma]);
            from = comma + 1;
        }
        fields.push(&text[from..]);
        rows.push(&fields, line)?;
    }
    Ok(())
}

/// Splits any body with the csv crate.
fn split_csv(body: &[u8], first_line: u64, rows: &mut RowsBuilder<'_>) -> Result<(), AssignError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(body);
    let mut record = csv::ByteRecord::new();
    let mut line_of = crate::data::LineCounter::new(body);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let mut error = crate::data::csv_error(e, rows.source.path);
                if let DataError::Malformed { line, .. } = &mut error {
                    *line += first_line;
                }
                return Err(error.into());
            }
        }
        let line = first_line + line_of.record(&record);
        if record.len() == 1 && record[0].is_empty() && rows.source.columns.n_fields > 1 {
            continue;
        }
        let fields: Vec<&[u8]> = record.iter().collect();
        rows.push(&fields, line)?;
    }
}

/// Where the rows come from, for reading fields and naming them in errors.
struct RowSource<'a> {
    columns: &'a Columns,
    request: &'a UnitsRequest<'a>,
    path: &'a Path,
    /// Whether the whole body is ASCII, so that no field needs a UTF-8 check.
    ascii: bool,
}

impl RowSource<'_> {
    fn text(&self, field: &[u8], line: u64, column: &str) -> Result<String, DataError> {
        std::str::from_utf8(field)
            .map(str::to_string)
            .map_err(|_| DataError::NotUtf8 {
                path: self.path.to_path_buf(),
                line,
                column: column.to_string(),
            })
    }

    fn present(&self, field: &[u8], line: u64, column: &str) -> Result<(), DataError> {
        if crate::data::is_missing_field(field) {
            Err(DataError::MissingValue {
                path: self.path.to_path_buf(),
                line,
                column: column.to_string(),
            })
        } else {
            Ok(())
        }
    }
}

/// The columns of the rows read so far.
struct RowsBuilder<'a> {
    source: RowSource<'a>,
    id_bytes: Vec<u8>,
    id_end: Vec<u64>,
    lines: Vec<u64>,
    blocks: Option<Interner>,
    cluster: Option<Interner>,
    pairs: Option<Interner>,
    numeric: Vec<Vec<f64>>,
    key: Vec<u8>,
}

impl<'a> RowsBuilder<'a> {
    fn new(
        body: &[u8],
        columns: &'a Columns,
        request: &'a UnitsRequest<'a>,
        path: &'a Path,
    ) -> RowsBuilder<'a> {
        // Size the columns once: one row per line (a quoted field may span lines, so
        // this can overestimate, never matters for correctness).
        let rows = memchr::memchr_iter(b'\n', body).count() + 1;
        RowsBuilder {
            source: RowSource {
                columns,
                request,
                path,
                ascii: body.is_ascii(),
            },
            id_bytes: Vec::with_capacity((rows * 12).min(body.len())),
            id_end: Vec::with_capacity(rows),
            lines: Vec::with_capacity(rows),
            blocks: (!columns.blocks.is_empty()).then(|| Interner::new(rows)),
            cluster: columns.cluster.map(|_| Interner::new(rows)),
            pairs: columns.pairs.map(|_| Interner::new(rows)),
            numeric: vec![Vec::with_capacity(rows); columns.numeric.len()],
            key: Vec::new(),
        }
    }

    /// Adds one record (its fields as read, untrimmed) from file line `line`.
    fn push(&mut self, record: &[&[u8]], line: u64) -> Result<(), AssignError> {
        let source = &self.source;
        let (columns, request, path) = (source.columns, source.request, source.path);
        if record.len() != columns.n_fields {
            return Err(DataError::Ragged {
                path: path.to_path_buf(),
                line,
                expected: columns.n_fields,
                found: record.len(),
            }
            .into());
        }
        let id = record[columns.id].trim_ascii();
        if id.is_empty() {
            return Err(DataError::MissingId {
                path: path.to_path_buf(),
                line,
                column: request.id.to_string(),
            }
            .into());
        }
        if !source.ascii && std::str::from_utf8(id).is_err() {
            return Err(DataError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column: request.id.to_string(),
            }
            .into());
        }
        self.id_bytes.extend_from_slice(id);
        self.id_end.push(self.id_bytes.len() as u64);
        self.lines.push(line);
        if let Some(interner) = self.blocks.as_mut() {
            let key = &mut self.key;
            key.clear();
            for (&at, column) in columns.blocks.iter().zip(request.blocks) {
                let field = record[at].trim_ascii();
                source.present(field, line, column)?;
                key.extend_from_slice(&(field.len() as u32).to_le_bytes());
                key.extend_from_slice(field);
            }
            let mut failed = None;
            interner.push(key, || {
                columns
                    .blocks
                    .iter()
                    .zip(request.blocks)
                    .map(|(&at, column)| {
                        source
                            .text(record[at].trim_ascii(), line, column)
                            .unwrap_or_else(|e| {
                                failed = Some(e);
                                String::new()
                            })
                    })
                    .collect()
            });
            if let Some(e) = failed {
                return Err(e.into());
            }
        }
        for (at, interner, column) in [
            (columns.cluster, self.cluster.as_mut(), request.cluster),
            (columns.pairs, self.pairs.as_mut(), request.pairs),
        ] {
            if let (Some(at), Some(interner), Some(column)) = (at, interner, column) {
                let field = record[at].trim_ascii();
                source.present(field, line, column)?;
                let mut failed = None;
                interner.push(field, || {
                    vec![source.text(field, line, column).unwrap_or_else(|e| {
                        failed = Some(e);
                        String::new()
                    })]
                });
                if let Some(e) = failed {
                    return Err(e.into());
                }
            }
        }
        for ((&at, column), values) in columns
            .numeric
            .iter()
            .zip(request.numeric)
            .zip(&mut self.numeric)
        {
            let field = record[at].trim_ascii();
            source.present(field, line, column)?;
            let shown = source.text(field, line, column)?;
            let value: f64 = shown.parse().map_err(|_| DataError::NotNumeric {
                path: path.to_path_buf(),
                line,
                column: column.to_string(),
                value: shown.clone(),
            })?;
            if !value.is_finite() {
                return Err(DataError::NotFinite {
                    path: path.to_path_buf(),
                    line,
                    column: column.to_string(),
                    value: shown,
                }
                .into());
            }
            crate::data::check_magnitude(value, &shown, path, line, column)?;
            values.push(value);
        }
        Ok(())
    }

    fn finish(self) -> UnitsData {
        UnitsData {
            path: self.source.path.to_path_buf(),
            sha256: String::new(),
            id_column: self.source.request.id.to_string(),
            id_bytes: self.id_bytes,
            id_end: self.id_end,
            lines: self.lines,
            origin: None,
            blocks: self.blocks.map(|i| i.out),
            cluster: self.cluster.map(|i| i.out),
            pairs: self.pairs.map(|i| i.out),
            numeric: self.numeric,
        }
    }
}

impl UnitsData {
    /// The file line of row `row`.
    pub fn line(&self, row: usize) -> u64 {
        match &self.origin {
            Some(origin) => self.lines[origin[row] as usize],
            None => self.lines[row],
        }
    }

    pub fn n_rows(&self) -> usize {
        self.id_end.len()
    }

    /// Whether any identifier holds a byte that CSV must quote (comma, quote, line end).
    pub fn ids_need_quoting(&self) -> bool {
        memchr::memchr3(b',', b'"', b'\n', &self.id_bytes).is_some()
            || memchr::memchr(b'\r', &self.id_bytes).is_some()
    }

    /// Row `row`'s identifier bytes (valid UTF-8, trimmed).
    #[inline]
    pub fn id(&self, row: usize) -> &[u8] {
        let start = if row == 0 { 0 } else { self.id_end[row - 1] } as usize;
        &self.id_bytes[start..self.id_end[row] as usize]
    }

    /// The same units with their rows put in canonical (identifier) order, so that
    /// every later pass reads memory in order. Errors still name the file lines.
    pub fn into_sorted(self) -> Result<UnitsData, AssignError> {
        let ranked = self.canonical_order()?;
        // Gathers run on every core; collecting keeps the order.
        let gather_u32 =
            |values: &[u32]| ranked.par_iter().map(|r| values[r.row as usize]).collect();
        let gather_interned = |i: Option<Interned>| {
            i.map(|i| Interned {
                index: gather_u32(&i.index),
                labels: i.labels,
            })
        };
        let pieces: Vec<(Vec<u8>, Vec<u32>)> = ranked
            .par_chunks(KEY_CHUNK)
            .map(|chunk| {
                let mut bytes = Vec::with_capacity(chunk.len() * 16);
                let mut lengths = Vec::with_capacity(chunk.len());
                for r in chunk {
                    let id = r.short_id().unwrap_or_else(|| self.id(r.row as usize));
                    bytes.extend_from_slice(id);
                    lengths.push(id.len() as u32);
                }
                (bytes, lengths)
            })
            .collect();
        let mut id_bytes = Vec::with_capacity(self.id_bytes.len());
        let mut id_end = Vec::with_capacity(self.id_end.len());
        for (bytes, lengths) in pieces {
            let mut end = id_bytes.len() as u64;
            id_end.extend(lengths.iter().map(|l| {
                end += u64::from(*l);
                end
            }));
            id_bytes.extend_from_slice(&bytes);
        }
        let blocks = self.blocks.map(|b| Interned {
            index: ranked.par_iter().map(|r| r.block).collect(),
            labels: b.labels,
        });
        Ok(UnitsData {
            origin: Some(ranked.par_iter().map(|r| r.row).collect()),
            lines: self.lines,
            numeric: self
                .numeric
                .iter()
                .map(|column| ranked.par_iter().map(|r| column[r.row as usize]).collect())
                .collect(),
            blocks,
            cluster: gather_interned(self.cluster),
            pairs: gather_interned(self.pairs),
            id_bytes,
            id_end,
            path: self.path,
            sha256: self.sha256,
            id_column: self.id_column,
        })
    }

    /// Rows in the canonical order: by identifier, compared byte by byte (UTF-8).
    /// A repeated identifier is an error naming both lines.
    ///
    /// Rows are radix-sorted on a compact key (`IdKeys`), which orders like the
    /// identifiers; rows whose keys tie are then ordered by their whole identifiers.
    /// The order is total (identifiers are unique), so it does not depend on the
    /// number of threads or on the order of the rows in the file.
    fn canonical_order(&self) -> Result<Vec<Ranked>, AssignError> {
        let keys = IdKeys::new(self);
        let n = self.n_rows();
        let block_of = |row: usize| self.blocks.as_ref().map_or(0, |b| b.index[row]);
        let mut long = [0u8; 16];
        long[15] = LONG_ID;
        let mut ranked = radix_sort(n, keys.max_key, |row| {
            let id = self.id(row);
            Ranked {
                key: keys.key(id),
                row: row as u32,
                block: block_of(row),
                short_id: packed_key(id).map_or(long, u128::to_le_bytes),
            }
        });
        // Equal keys: identifiers alike in every position the key covers. Order each
        // such run by the whole identifier; two equal identifiers are a duplicate.
        let mut start = 0;
        while start < n {
            let mut end = start + 1;
            while end < n && ranked[end].key == ranked[start].key {
                end += 1;
            }
            if end - start > 1 {
                let run = &mut ranked[start..end];
                run.sort_unstable_by(|a, b| {
                    self.id(a.row as usize)
                        .cmp(self.id(b.row as usize))
                        .then(a.row.cmp(&b.row))
                });
                for pair in run.windows(2) {
                    let (a, b) = (pair[0].row as usize, pair[1].row as usize);
                    if self.id(a) == self.id(b) {
                        return Err(self.duplicate(a, b));
                    }
                }
            }
            start = end;
        }
        Ok(ranked)
    }

    fn duplicate(&self, a: usize, b: usize) -> AssignError {
        let (first, second) = if self.lines[a] < self.lines[b] {
            (a, b)
        } else {
            (b, a)
        };
        DataError::DuplicateId {
            path: self.path.clone(),
            line: self.lines[second],
            column: self.id_column.clone(),
            id: String::from_utf8_lossy(self.id(first)).into_owned(),
            first_line: self.lines[first],
        }
        .into()
    }
}

/// Rows per task when keys are computed on several threads.
const KEY_CHUNK: usize = 1 << 16;

/// Positions of an identifier the compact key looks at: its first 16 bytes (zero
/// padded) and then its length, capped at 17 (longer identifiers tie on it).
const KEY_POSITIONS: usize = 17;

/// An order-preserving compact key for identifiers.
///
/// Identifiers are compared byte by byte, a shorter one first when it is a prefix of
/// a longer one. At each position only the byte values that occur in the file
/// matter, so each position is a digit in a mixed radix whose base is the number of
/// distinct values seen there (constant positions drop out), read most significant
/// position first. Structured identifiers (`U00000001`, `2024-000123`) then fit in
/// a few dozen bits, which a radix sort orders in two or three passes. When the
/// digits do not all fit in 64 bits the key covers the leading positions only and
/// ties are settled by comparing whole identifiers.
struct IdKeys {
    /// For each covered position (most significant first): which position it is and
    /// the rank of each byte value among the values seen there.
    digits: Vec<(usize, Box<[u64; 256]>, u64)>,
    max_key: u64,
}

impl IdKeys {
    fn new(units: &UnitsData) -> IdKeys {
        type Seen = [[bool; 256]; KEY_POSITIONS];
        let chunks = units.n_rows().div_ceil(KEY_CHUNK);
        let seen: Seen = (0..chunks)
            .into_par_iter()
            .map(|chunk| {
                let mut seen: Seen = [[false; 256]; KEY_POSITIONS];
                let rows = chunk * KEY_CHUNK..((chunk + 1) * KEY_CHUNK).min(units.n_rows());
                for row in rows {
                    let id = units.id(row);
                    for (position, values) in seen[..16].iter_mut().enumerate() {
                        values[usize::from(id.get(position).copied().unwrap_or(0))] = true;
                    }
                    seen[16][id.len().min(17)] = true;
                }
                seen
            })
            .reduce(
                || [[false; 256]; KEY_POSITIONS],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(&b) {
                        for (u, v) in x.iter_mut().zip(y) {
                            *u |= *v;
                        }
                    }
                    a
                },
            );
        let mut digits = Vec::new();
        let mut max_key: u64 = 0;
        for (position, values) in seen.iter().enumerate() {
            let base = values.iter().filter(|v| **v).count() as u64;
            if base < 2 {
                continue;
            }
            // The largest key so far, times the base, plus the largest digit.
            let Some(widened) = max_key
                .checked_mul(base)
                .and_then(|k| k.checked_add(base - 1))
            else {
                break;
            };
            max_key = widened;
            let mut rank = Box::new([0u64; 256]);
            let mut next = 0;
            for (value, present) in values.iter().enumerate() {
                rank[value] = next;
                next += u64::from(*present);
            }
            digits.push((position, rank, base));
        }
        IdKeys { digits, max_key }
    }

    #[inline]
    fn key(&self, id: &[u8]) -> u64 {
        let mut key = 0u64;
        for (position, rank, base) in &self.digits {
            let value = match *position {
                16 => id.len().min(17),
                p => usize::from(id.get(p).copied().unwrap_or(0)),
            };
            key = key * base + rank[value];
        }
        key
    }
}

/// The items `item(0)`, …, `item(n − 1)` sorted by `key`, stably, so that equal keys
/// keep their row order.
///
/// Rows are taken in chunks on every core: each chunk makes its items and orders
/// them by the leading byte of the key. Each leading byte's bucket then gathers its
/// items from the chunks in chunk order and, small enough to stay in cache, is
/// sorted on the rest of its key by least-significant-digit passes, buckets again
/// on every core. Every step is stable, so the result is that of one stable sort on
/// `key`, whatever the number of threads.
fn radix_sort(n: usize, max_key: u64, item: impl Fn(usize) -> Ranked + Sync) -> Vec<Ranked> {
    let bits = u64::BITS - max_key.leading_zeros();
    let shift = bits.saturating_sub(DIGIT_BITS);
    let bucket = |item: &Ranked| (item.key >> shift) as usize & (BUCKETS - 1);
    // Each chunk's items in bucket order, with where each bucket starts.
    let chunks: Vec<(Vec<Ranked>, [usize; BUCKETS + 1])> = (0..n.div_ceil(KEY_CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let rows = chunk * KEY_CHUNK..((chunk + 1) * KEY_CHUNK).min(n);
            let items: Vec<Ranked> = rows.map(&item).collect();
            let mut start = [0usize; BUCKETS + 1];
            for it in &items {
                start[bucket(it) + 1] += 1;
            }
            for b in 0..BUCKETS {
                start[b + 1] += start[b];
            }
            let mut next = start;
            let mut ordered = vec![Ranked::default(); items.len()];
            for it in items {
                let b = bucket(&it);
                ordered[next[b]] = it;
                next[b] += 1;
            }
            (ordered, start)
        })
        .collect();
    let mut sorted = vec![Ranked::default(); n];
    let mut buckets = Vec::with_capacity(BUCKETS);
    let mut rest: &mut [Ranked] = &mut sorted;
    for b in 0..BUCKETS {
        let size: usize = chunks.iter().map(|(_, s)| s[b + 1] - s[b]).sum();
        let (this, tail) = rest.split_at_mut(size);
        buckets.push((b, this));
        rest = tail;
    }
    buckets.into_par_iter().for_each(|(b, out)| {
        let mut at = 0;
        for (ordered, start) in &chunks {
            let piece = &ordered[start[b]..start[b + 1]];
            out[at..at + piece.len()].copy_from_slice(piece);
            at += piece.len();
        }
        let mut spare = vec![Ranked::default(); out.len()];
        lsd_sort(out, &mut spare, shift);
    });
    sorted
}

const DIGIT_BITS: u32 = 8;
const BUCKETS: usize = 1 << DIGIT_BITS;

/// Widest digit of the in-cache passes (2,048 counters).
const MAX_DIGIT_BITS: u32 = 11;

/// Stable least-significant-digit radix sort of `items` on the low `bits` of their
/// keys, in as few passes of at most `MAX_DIGIT_BITS` as cover them (a pass whose
/// digit is the same for every item is skipped); `spare` is scratch space of the
/// same length.
fn lsd_sort(items: &mut [Ranked], spare: &mut [Ranked], bits: u32) {
    let passes = bits.div_ceil(MAX_DIGIT_BITS);
    if passes == 0 {
        return;
    }
    let width = bits.div_ceil(passes);
    let mask = (1usize << width) - 1;
    let mut counts = vec![vec![0usize; mask + 1]; passes as usize];
    for item in items.iter() {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[(item.key >> (pass as u32 * width)) as usize & mask] += 1;
        }
    }
    let (mut from, mut to) = (items, spare);
    let mut in_spare = false;
    for (pass, count) in counts.iter().enumerate() {
        if count.contains(&from.len()) {
            continue;
        }
        let shift = pass as u32 * width;
        let mut next = vec![0usize; mask + 1];
        let mut total = 0;
        for (slot, c) in next.iter_mut().zip(count) {
            *slot = total;
            total += c;
        }
        for item in from.iter() {
            let b = (item.key >> shift) as usize & mask;
            to[next[b]] = *item;
            next[b] += 1;
        }
        std::mem::swap(&mut from, &mut to);
        in_spare = !in_spare;
    }
    if in_spare {
        // The sorted items are in the scratch space: copy them back.
        to.copy_from_slice(from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn big_file(rows: usize, broken_row: Option<usize>) -> tempfile::NamedTempFile {
        let mut text = String::from("id,block,x\n");
        for i in 0..rows {
            let block = if Some(i) == broken_row {
                String::new()
            } else {
                format!("B{}", (i * 7) % 13)
            };
            writeln!(text, "id{:07},{block},{}", (i * 7919) % rows, i % 5).unwrap();
        }
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    fn request<'a>(blocks: &'a [String], numeric: &'a [String]) -> UnitsRequest<'a> {
        UnitsRequest {
            id: "id",
            blocks,
            cluster: None,
            pairs: None,
            numeric,
        }
    }

    #[test]
    fn a_large_file_parsed_in_two_halves_equals_one_pass() {
        let rows = 400_000; // about 7 MB: above the 4 MB cut
        let file = big_file(rows, None);
        let (blocks, numeric) = (vec!["block".to_string()], vec!["x".to_string()]);
        let request = request(&blocks, &numeric);
        let split = UnitsData::read(file.path(), &request).unwrap();
        let bytes = std::fs::read(file.path()).unwrap();
        let header = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
        let columns = Columns {
            n_fields: 3,
            id: 0,
            blocks: vec![1],
            cluster: None,
            pairs: None,
            numeric: vec![2],
        };
        let body = &bytes[header..];
        let whole = parse_rows(body, is_plain(body), 1, &columns, &request, file.path()).unwrap();
        assert_eq!(split.n_rows(), rows);
        assert_eq!(split.id_bytes, whole.id_bytes);
        assert_eq!(split.id_end, whole.id_end);
        assert_eq!(split.lines, whole.lines);
        assert_eq!(split.lines[rows - 1], rows as u64 + 1);
        assert_eq!(split.numeric, whole.numeric);
        let (a, b) = (split.blocks.unwrap(), whole.blocks.unwrap());
        for row in 0..rows {
            assert_eq!(
                a.labels[a.index[row] as usize],
                b.labels[b.index[row] as usize]
            );
        }
    }

    #[test]
    fn an_error_in_the_second_half_names_its_file_line() {
        let rows = 400_000;
        let file = big_file(rows, Some(350_000));
        let blocks = vec!["block".to_string()];
        let err = UnitsData::read(file.path(), &request(&blocks, &[])).unwrap_err();
        assert!(
            matches!(
                err,
                AssignError::Data(DataError::MissingValue { line: 350_002, .. })
            ),
            "{err}"
        );
    }

    /// Everything a parse produced, or its error, as comparable text.
    fn outcome(parsed: Result<UnitsData, AssignError>) -> String {
        match parsed {
            Err(e) => format!("error: {e}"),
            Ok(u) => {
                let labels = |i: &Option<Interned>| {
                    i.as_ref().map(|i| {
                        i.index
                            .iter()
                            .map(|l| i.labels[*l as usize].clone())
                            .collect::<Vec<_>>()
                    })
                };
                format!(
                    "{:?} {:?} {:?} {:?} {:?} {:?}",
                    u.id_bytes,
                    u.id_end,
                    u.lines,
                    labels(&u.blocks),
                    labels(&u.cluster),
                    u.numeric
                )
            }
        }
    }

    fn split_both_ways(body: &[u8]) -> (String, String) {
        let (blocks, numeric) = (vec!["block".to_string()], vec!["x".to_string()]);
        let request = UnitsRequest {
            id: "id",
            blocks: &blocks,
            cluster: Some("cluster"),
            pairs: None,
            numeric: &numeric,
        };
        let columns = Columns {
            n_fields: 4,
            id: 0,
            blocks: vec![1],
            cluster: Some(2),
            pairs: None,
            numeric: vec![3],
        };
        let path = Path::new("units.csv");
        let parse = |plain: bool| {
            let mut rows = RowsBuilder::new(body, &columns, &request, path);
            let split = if plain {
                split_plain(body, 1, &mut rows)
            } else {
                split_csv(body, 1, &mut rows)
            };
            outcome(split.map(|()| rows.finish()))
        };
        (parse(true), parse(false))
    }

    /// File lines of the non-blank lines of `body`, the header being line 1.
    fn non_blank_lines(body: &[u8]) -> Vec<u64> {
        body.split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.is_empty() && *line != b"\r")
            .map(|(i, _)| i as u64 + 2)
            .collect()
    }

    #[test]
    fn the_plain_split_counts_blank_lines() {
        let body = b"\nu1,b1,c1,1\r\n\r\n\nu2,b1,c1,1\n\n";
        let columns = Columns {
            n_fields: 4,
            id: 0,
            blocks: Vec::new(),
            cluster: None,
            pairs: None,
            numeric: Vec::new(),
        };
        let request = request(&[], &[]);
        let mut rows = RowsBuilder::new(body, &columns, &request, Path::new("u.csv"));
        split_plain(body, 1, &mut rows).unwrap();
        assert_eq!(rows.lines, vec![3, 6]);
        assert_eq!(rows.lines, non_blank_lines(body));
    }

    #[test]
    fn short_and_long_labels_are_interned_in_first_seen_order() {
        let long_a = "a label longer than fifteen bytes";
        let long_b = "another label longer than fifteen";
        let keys = [
            "x", "x", long_a, "y", long_a, long_b, "x", "x\0", "", long_b, "y",
        ];
        let mut interner = Interner::new(keys.len());
        for key in keys {
            interner.push(key.as_bytes(), || vec![key.to_string()]);
        }
        assert_eq!(interner.out.index, [0, 0, 1, 2, 1, 3, 0, 4, 5, 3, 2]);
        let labels: Vec<&str> = interner.out.labels.iter().map(|l| l[0].as_str()).collect();
        assert_eq!(labels, ["x", long_a, "y", long_b, "x\0", ""]);
    }

    #[test]
    fn plain_bodies_are_told_apart_from_the_rest() {
        assert!(is_plain(b"a,b\r\nc,d\n"));
        assert!(is_plain(b"a,b\nc,d"));
        assert!(!is_plain(b"a,\"b\"\n"));
        assert!(!is_plain(b"a,b\rc,d\n"));
        assert!(!is_plain(b"a,b\r"));
    }

    #[test]
    fn the_plain_split_reads_crlf_blank_lines_and_errors_like_the_csv_crate() {
        for body in [
            &b"u1,b1,c1,1.5\nu2, b2 ,c1,2\n"[..],
            b"u1,b1,c1,1.5\r\n\r\nu2,b2,c2,2\r\n",
            b"\n\nu1,b1,c1,1\n\n",
            b"u1,b1,c1,1\nu2,b2,c2\n",
            b"u1,b1,c1,1\n,b2,c2,3\n",
            b"u1,NA,c1,1\n",
            b"u1,b1,c1,x\n",
            b"u1,b1,c1,inf\n",
            b"u1,b1,c1,1\n   \nu2,b1,c1,1\n",
            b"u1,b1,c1,1,\n",
            b"u1,b\xff,c1,1\n",
            b"u\xff,b1,c1,1\n",
        ] {
            let (plain, csv) = split_both_ways(body);
            assert_eq!(plain, csv, "{}", String::from_utf8_lossy(body));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]
        #[test]
        fn the_plain_split_equals_the_csv_crate_on_any_plain_body(
            body in proptest::collection::vec(
                proptest::sample::select(b"ab1 ,\n\n\r\n.-".to_vec()), 0..80)
        ) {
            // Keep every carriage return before a line feed, so the body is plain.
            let mut plain_body = Vec::new();
            for b in body {
                if b == b'\r' {
                    plain_body.extend_from_slice(b"\r\n");
                } else {
                    plain_body.push(b);
                }
            }
            proptest::prop_assume!(is_plain(&plain_body));
            let (plain, csv) = split_both_ways(&plain_body);
            proptest::prop_assert_eq!(plain, csv);
        }

        #[test]
        fn the_plain_split_equals_the_csv_crate_on_rows_of_fields(
            lines in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        proptest::sample::select(vec!["u1", "u2", "u3", " b1", "b2 ", "NA", "", "1.5", "-2", "x"]),
                        3..6,
                    ),
                    proptest::bool::ANY,
                    proptest::bool::ANY,
                ),
                0..12,
            )
        ) {
            let mut body = Vec::new();
            for (fields, blank_before, crlf) in &lines {
                if *blank_before {
                    body.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
                }
                body.extend_from_slice(fields.join(",").as_bytes());
                body.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
            }
            let (plain, csv) = split_both_ways(&body);
            proptest::prop_assert_eq!(&plain, &csv);
        }

        #[test]
        fn the_canonical_order_is_the_byte_order_of_identifiers(
            ids in proptest::collection::btree_set(
                proptest::collection::vec(proptest::sample::select(b"ab\x00z9".to_vec()), 1..24),
                1..200,
            ),
            wide in proptest::collection::btree_set(
                proptest::collection::vec(proptest::num::u8::ANY, 1..40),
                0..200,
            ),
            rotate in 0usize..400,
        ) {
            // Narrow identifiers give exact keys; wide ones (any byte, up to 40 long)
            // overflow 64 bits, so the key covers a prefix and ties are settled by
            // comparing whole identifiers.
            let mut all: Vec<Vec<u8>> = ids.into_iter().chain(wide).collect();
            all.sort();
            all.dedup();
            let mut rows = all.clone();
            let len = rows.len();
            rows.rotate_left(rotate % len);
            let units = units_of(&rows);
            let ordered: Vec<Vec<u8>> = units
                .canonical_order()
                .unwrap()
                .iter()
                .map(|r| units.id(r.row as usize).to_vec())
                .collect();
            proptest::prop_assert_eq!(&ordered, &all);
            let sorted = units.into_sorted().unwrap();
            let ids: Vec<Vec<u8>> = (0..len).map(|row| sorted.id(row).to_vec()).collect();
            proptest::prop_assert_eq!(&ids, &all);
        }
    }

    fn units_of(ids: &[Vec<u8>]) -> UnitsData {
        let mut id_bytes = Vec::new();
        let mut id_end = Vec::new();
        for id in ids {
            id_bytes.extend_from_slice(id);
            id_end.push(id_bytes.len() as u64);
        }
        UnitsData {
            path: PathBuf::from("units.csv"),
            sha256: String::new(),
            id_column: "id".into(),
            id_bytes,
            id_end,
            lines: (2..ids.len() as u64 + 2).collect(),
            origin: None,
            blocks: None,
            cluster: None,
            pairs: None,
            numeric: Vec::new(),
        }
    }

    #[test]
    fn a_repeated_identifier_names_both_lines_whatever_the_key_covers() {
        let long = |tail: &str| format!("{}{tail}", "x".repeat(20)).into_bytes();
        for ids in [
            vec![b"a".to_vec(), b"c".to_vec(), b"b".to_vec(), b"a".to_vec()],
            vec![long("1"), long("2"), long("3"), long("1")],
        ] {
            let err = units_of(&ids).canonical_order().unwrap_err();
            assert!(
                matches!(
                    err,
                    AssignError::Data(DataError::DuplicateId {
                        line: 5,
                        first_line: 2,
                        ..
                    })
                ),
                "{err}"
            );
        }
    }
}
