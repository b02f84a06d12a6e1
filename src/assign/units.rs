//! The units file for the assign stage, read through the data layer (`data::Table`,
//! so CSV, Parquet and Arrow files follow one set of rules and messages) and packed
//! for ten million rows: only the columns the allocation needs (identifier, blocks,
//! cluster, pairs, numeric covariates), identifiers in one byte buffer, labels
//! interned, the file's SHA-256 computed on another thread meanwhile. Errors name
//! file and line as `data::Table` does.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::AssignError;
use crate::data::{DataError, RowLines};

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
    /// The file line of each row as read, from the table (the header is line 1);
    /// see `line`.
    lines: RowLines,
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

impl UnitsData {
    /// Reads the requested columns of a CSV, Parquet or Arrow units file through the
    /// data layer (`data::Table`: its rules for missing tokens, quoting, BOM, CRLF
    /// and its messages), then packs them; the file's SHA-256 is computed on a second
    /// thread meanwhile (neither result depends on the other or on the threads).
    pub fn read(path: &Path, request: &UnitsRequest<'_>) -> Result<UnitsData, AssignError> {
        let mut wanted: Vec<&str> = vec![request.id];
        wanted.extend(request.blocks.iter().map(String::as_str));
        wanted.extend(request.cluster);
        wanted.extend(request.pairs);
        wanted.extend(request.numeric.iter().map(String::as_str));
        wanted.sort_unstable();
        wanted.dedup();
        let (sha256, table) = std::thread::scope(|scope| {
            let hashing = scope.spawn(|| crate::data::sha256_of_file(path));
            let table = crate::data::Table::read_columns(path, &wanted);
            let sha256 = hashing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (sha256, table)
        });
        let table = table?;
        let mut units = UnitsData::from_table(&table, &wanted, path, request)?;
        units.sha256 = sha256.map_err(|source| DataError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(units)
    }

    /// Packs the rows of `table` (which holds the `wanted` columns) in file order:
    /// its two halves on two threads, joined in order, so the result and the first
    /// error reported (the earliest row's) do not depend on the number of threads.
    fn from_table(
        table: &crate::data::Table,
        wanted: &[&str],
        path: &Path,
        request: &UnitsRequest<'_>,
    ) -> Result<UnitsData, AssignError> {
        let n_rows = table.n_rows();
        if n_rows == 0 {
            return Err(DataError::NoRows {
                path: path.to_path_buf(),
            }
            .into());
        }
        let column = |c: &str| {
            wanted
                .iter()
                .position(|w| *w == c)
                .expect("wanted holds every requested column")
        };
        let columns = Columns {
            n_fields: wanted.len(),
            id: column(request.id),
            blocks: request.blocks.iter().map(|c| column(c)).collect(),
            cluster: request.cluster.map(column),
            pairs: request.pairs.map(column),
            numeric: request.numeric.iter().map(|c| column(c)).collect(),
        };
        let cells = wanted
            .iter()
            .map(|c| table.texts(c))
            .collect::<Result<Vec<_>, _>>()?;
        let pack = |rows| pack_rows(table, &cells, &columns, rows, request, path);
        let half = n_rows / 2;
        let (front, back) = if n_rows < 1 << 16 {
            (pack(0..n_rows), None)
        } else {
            std::thread::scope(|scope| {
                let back = scope.spawn(|| pack(half..n_rows));
                let front = pack(0..half);
                let back = back
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (front, Some(back))
            })
        };
        let mut units = front?;
        if let Some(back) = back {
            units.append(back?);
        }
        Ok(units)
    }

    /// Appends the rows of `other` (read after `self`'s), re-indexing its labels.
    fn append(&mut self, other: UnitsData) {
        let offset = self.id_bytes.len() as u64;
        self.id_bytes.extend_from_slice(&other.id_bytes);
        self.id_end.extend(other.id_end.iter().map(|e| e + offset));
        // Both halves hold the lines of the one table they were read from.
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

/// Packs `rows` of `table`, whose `cells` are the fields of the `wanted` columns.
fn pack_rows<'t>(
    table: &crate::data::Table,
    cells: &[impl Fn(usize) -> Cow<'t, str>],
    columns: &Columns,
    rows: std::ops::Range<usize>,
    request: &UnitsRequest<'_>,
    path: &Path,
) -> Result<UnitsData, AssignError> {
    let mut builder = RowsBuilder::new(rows.len(), columns, request, path);
    let mut record: Vec<Cow<'t, str>> = Vec::with_capacity(cells.len());
    for row in rows {
        record.clear();
        record.extend(cells.iter().map(|cell| cell(row)));
        builder.push(&record, table.line(row))?;
    }
    Ok(builder.finish(table.row_lines().clone()))
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

/// Where the rows come from, for reading fields and naming them in errors.
struct RowSource<'a> {
    columns: &'a Columns,
    request: &'a UnitsRequest<'a>,
    path: &'a Path,
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
    blocks: Option<Interner>,
    cluster: Option<Interner>,
    pairs: Option<Interner>,
    numeric: Vec<Vec<f64>>,
    key: Vec<u8>,
}

impl<'a> RowsBuilder<'a> {
    fn new(
        rows: usize,
        columns: &'a Columns,
        request: &'a UnitsRequest<'a>,
        path: &'a Path,
    ) -> RowsBuilder<'a> {
        RowsBuilder {
            source: RowSource {
                columns,
                request,
                path,
            },
            id_bytes: Vec::with_capacity(rows * 12),
            id_end: Vec::with_capacity(rows),
            blocks: (!columns.blocks.is_empty()).then(|| Interner::new(rows)),
            cluster: columns.cluster.map(|_| Interner::new(rows)),
            pairs: columns.pairs.map(|_| Interner::new(rows)),
            numeric: vec![Vec::with_capacity(rows); columns.numeric.len()],
            key: Vec::new(),
        }
    }

    /// Adds one record (its fields as read) from file line `line`.
    fn push(&mut self, record: &[Cow<'_, str>], line: u64) -> Result<(), AssignError> {
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
        let id = record[columns.id].as_bytes().trim_ascii();
        if id.is_empty() {
            return Err(DataError::MissingId {
                path: path.to_path_buf(),
                line,
                column: request.id.to_string(),
            }
            .into());
        }
        self.id_bytes.extend_from_slice(id);
        self.id_end.push(self.id_bytes.len() as u64);
        if let Some(interner) = self.blocks.as_mut() {
            let key = &mut self.key;
            key.clear();
            for (&at, column) in columns.blocks.iter().zip(request.blocks) {
                let field = record[at].as_bytes().trim_ascii();
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
                            .text(record[at].as_bytes().trim_ascii(), line, column)
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
                let field = record[at].as_bytes().trim_ascii();
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
            let field = record[at].as_bytes().trim_ascii();
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

    /// The units read, with the lines of the table they come from.
    fn finish(self, lines: RowLines) -> UnitsData {
        UnitsData {
            path: self.source.path.to_path_buf(),
            sha256: String::new(),
            id_column: self.source.request.id.to_string(),
            id_bytes: self.id_bytes,
            id_end: self.id_end,
            lines,
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
            Some(origin) => self.lines.line(origin[row] as usize),
            None => self.lines.line(row),
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

    /// Rows `a` and `b` (as read) share an identifier.
    fn duplicate(&self, a: usize, b: usize) -> AssignError {
        // Rows as read are in file order.
        let (first, second) = (a.min(b), a.max(b));
        DataError::DuplicateId {
            path: self.path.clone(),
            line: self.lines.line(second),
            column: self.id_column.clone(),
            id: String::from_utf8_lossy(self.id(first)).into_owned(),
            first_line: self.lines.line(first),
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
    fn a_large_file_packed_in_two_halves_equals_one_pass() {
        let rows = 400_000; // above the 65,536 rows packed on one thread
        let file = big_file(rows, None);
        let (blocks, numeric) = (vec!["block".to_string()], vec!["x".to_string()]);
        let request = request(&blocks, &numeric);
        let split = UnitsData::read(file.path(), &request).unwrap();
        let wanted = ["block", "id", "x"];
        let table = crate::data::Table::read_columns(file.path(), &wanted).unwrap();
        let cells: Vec<_> = wanted.iter().map(|c| table.texts(c).unwrap()).collect();
        let columns = Columns {
            n_fields: 3,
            id: 1,
            blocks: vec![0],
            cluster: None,
            pairs: None,
            numeric: vec![2],
        };
        let whole = pack_rows(&table, &cells, &columns, 0..rows, &request, file.path()).unwrap();
        assert_eq!(split.n_rows(), rows);
        assert_eq!(split.id_bytes, whole.id_bytes);
        assert_eq!(split.id_end, whole.id_end);
        assert_eq!(split.lines, whole.lines);
        assert_eq!(split.lines.line(rows - 1), rows as u64 + 1);
        assert_eq!(split.numeric, whole.numeric);
        let (a, b) = (split.blocks.unwrap(), whole.blocks.unwrap());
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.index, b.index);
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]
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
            lines: RowLines::consecutive(2, ids.len()),
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
