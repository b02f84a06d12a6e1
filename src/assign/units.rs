//! A lean, streaming read of the units file for the assign stage: only the columns
//! the allocation needs (identifier, blocks, cluster, pairs, numeric covariates),
//! identifiers packed into one byte buffer, labels interned, and the file's SHA-256
//! computed on the same pass. Built for ten million rows; errors name file and line
//! as `data::Table` does (fields are trimmed and missing-value tokens are the same).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::AssignError;
use crate::data::{DataError, is_missing};
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

/// A unit's place in the identifier order: its first 16 bytes, row and length.
#[derive(Debug, Clone, Copy)]
struct SortKey {
    high: u64,
    low: u64,
    row: u32,
    len: u32,
    /// The row's block label index, carried along so it needs no gather afterwards.
    block: u32,
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

/// Interns byte keys; consecutive rows often repeat a label, so the last one is cached.
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

struct Interner {
    map: LabelMap,
    last_key: Vec<u8>,
    last: Option<u32>,
    out: Interned,
}

impl Interner {
    fn new(rows: usize) -> Interner {
        Interner {
            map: LabelMap::default(),
            last_key: Vec::new(),
            last: None,
            out: Interned {
                index: Vec::with_capacity(rows),
                labels: Vec::new(),
            },
        }
    }

    fn push(&mut self, key: &[u8], components: impl FnOnce() -> Vec<String>) {
        if let Some(index) = self.last
            && self.last_key.as_slice() == key
        {
            self.out.index.push(index);
            return;
        }
        let index = match self.map.get(key) {
            Some(i) => *i,
            None => {
                let i = self.out.labels.len() as u32;
                self.map.insert(key.to_vec(), i);
                self.out.labels.push(components());
                i
            }
        };
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.last = Some(index);
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

    fn parse(
        bytes: &[u8],
        path: &Path,
        request: &UnitsRequest<'_>,
    ) -> Result<UnitsData, AssignError> {
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
        // A file without quotes has one record per line, so it can be cut at a line
        // end and its halves parsed on two threads; the halves are joined in file
        // order, so the result does not depend on the number of threads.
        let cut = (body.len() > (1 << 22) && !body.contains(&b'"'))
            .then(|| {
                body[body.len() / 2..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map(|i| body.len() / 2 + i + 1)
            })
            .flatten();
        let mut units = match cut {
            None => parse_rows(body, first_line, &columns, request, path)?,
            Some(cut) => {
                let (front, back) = body.split_at(cut);
                let back_line = first_line + front.iter().filter(|b| **b == b'\n').count() as u64;
                let (front, back) = std::thread::scope(|scope| {
                    let back = scope.spawn(|| parse_rows(back, back_line, &columns, request, path));
                    let front = parse_rows(front, first_line, &columns, request, path);
                    (front, back.join())
                });
                let mut front = front?;
                let back = match back {
                    Ok(back) => back?,
                    Err(_) => parse_rows(&body[cut..], back_line, &columns, request, path)?,
                };
                front.append(back);
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
fn parse_rows(
    body: &[u8],
    first_line: u64,
    columns: &Columns,
    request: &UnitsRequest<'_>,
    path: &Path,
) -> Result<UnitsData, AssignError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(body);
    let id_at = columns.id;
    let block_at = &columns.blocks;
    let cluster_at = columns.cluster;
    let pairs_at = columns.pairs;
    let numeric_at = &columns.numeric;
    // Size the columns once: one row per line (a quoted field may span lines, so
    // this can overestimate, never matters for correctness).
    let rows = body.iter().filter(|b| **b == b'\n').count() + 1;
    let mut id_bytes = Vec::with_capacity((rows * 12).min(body.len()));
    let mut id_end = Vec::with_capacity(rows);
    let mut lines = Vec::with_capacity(rows);
    let mut blocks = (!block_at.is_empty()).then(|| Interner::new(rows));
    let mut cluster = cluster_at.map(|_| Interner::new(rows));
    let mut pairs = pairs_at.map(|_| Interner::new(rows));
    let mut numeric: Vec<Vec<f64>> = vec![Vec::with_capacity(rows); numeric_at.len()];
    let mut key = Vec::new();
    let mut record = csv::ByteRecord::new();
    let text = |field: &[u8], line: u64, column: &str| -> Result<String, DataError> {
        std::str::from_utf8(field)
            .map(str::to_string)
            .map_err(|_| DataError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column: column.to_string(),
            })
    };
    let present = |field: &[u8], line: u64, column: &str| -> Result<(), DataError> {
        if std::str::from_utf8(field).is_ok_and(is_missing) {
            Err(DataError::MissingValue {
                path: path.to_path_buf(),
                line,
                column: column.to_string(),
            })
        } else {
            Ok(())
        }
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let mut error = crate::data::csv_error(e, path);
                if let DataError::Malformed { line, .. } = &mut error {
                    *line += first_line;
                }
                return Err(error.into());
            }
        }
        let line = first_line + record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].is_empty() && columns.n_fields > 1 {
            continue;
        }
        if record.len() != columns.n_fields {
            return Err(DataError::Ragged {
                path: path.to_path_buf(),
                line,
                expected: columns.n_fields,
                found: record.len(),
            }
            .into());
        }
        let id = record[id_at].trim_ascii();
        if id.is_empty() {
            return Err(DataError::MissingId {
                path: path.to_path_buf(),
                line,
                column: request.id.to_string(),
            }
            .into());
        }
        if std::str::from_utf8(id).is_err() {
            return Err(DataError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column: request.id.to_string(),
            }
            .into());
        }
        id_bytes.extend_from_slice(id);
        id_end.push(id_bytes.len() as u64);
        lines.push(line);
        if let Some(interner) = blocks.as_mut() {
            key.clear();
            for (&at, column) in block_at.iter().zip(request.blocks) {
                let field = record[at].trim_ascii();
                present(field, line, column)?;
                key.extend_from_slice(&(field.len() as u32).to_le_bytes());
                key.extend_from_slice(field);
            }
            let mut failed = None;
            interner.push(&key, || {
                block_at
                    .iter()
                    .zip(request.blocks)
                    .map(|(&at, column)| {
                        text(record[at].trim_ascii(), line, column).unwrap_or_else(|e| {
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
            (cluster_at, cluster.as_mut(), request.cluster),
            (pairs_at, pairs.as_mut(), request.pairs),
        ] {
            if let (Some(at), Some(interner), Some(column)) = (at, interner, column) {
                let field = record[at].trim_ascii();
                present(field, line, column)?;
                let shown = text(field, line, column)?;
                interner.push(field, || vec![shown]);
            }
        }
        for ((&at, column), values) in numeric_at.iter().zip(request.numeric).zip(&mut numeric) {
            let field = record[at].trim_ascii();
            present(field, line, column)?;
            let shown = text(field, line, column)?;
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
            values.push(value);
        }
    }
    Ok(UnitsData {
        path: path.to_path_buf(),
        sha256: String::new(),
        id_column: request.id.to_string(),
        id_bytes,
        id_end,
        lines,
        origin: None,
        blocks: blocks.map(|i| i.out),
        cluster: cluster.map(|i| i.out),
        pairs: pairs.map(|i| i.out),
        numeric,
    })
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

    /// Row `row`'s identifier bytes (valid UTF-8, trimmed).
    #[inline]
    pub fn id(&self, row: usize) -> &[u8] {
        let start = if row == 0 { 0 } else { self.id_end[row - 1] } as usize;
        &self.id_bytes[start..self.id_end[row] as usize]
    }

    /// The same units with their rows put in canonical (identifier) order, so that
    /// every later pass reads memory in order. Errors still name the file lines.
    pub fn into_sorted(self) -> Result<UnitsData, AssignError> {
        let (keys, order) = self.sorted_keys()?;
        // The keys in identifier order (the two sorted halves read in merge order).
        let keyed = || order.iter().map(|p| &keys[*p as usize]);
        let gather_u32 = |values: &[u32]| keyed().map(|k| values[k.row as usize]).collect();
        let gather_interned = |i: Option<Interned>| {
            i.map(|i| Interned {
                index: gather_u32(&i.index),
                labels: i.labels,
            })
        };
        let mut id_bytes = Vec::with_capacity(self.id_bytes.len());
        let mut id_end = Vec::with_capacity(self.id_end.len());
        for key in keyed() {
            // Identifiers of up to 16 bytes are in the key itself (no random access).
            if key.len <= 16 {
                let mut buffer = [0u8; 16];
                buffer[..8].copy_from_slice(&key.high.to_be_bytes());
                buffer[8..].copy_from_slice(&key.low.to_be_bytes());
                id_bytes.extend_from_slice(&buffer[..key.len as usize]);
            } else {
                id_bytes.extend_from_slice(self.id(key.row as usize));
            }
            id_end.push(id_bytes.len() as u64);
        }
        let blocks = self.blocks.map(|b| Interned {
            index: keyed().map(|k| k.block).collect(),
            labels: b.labels,
        });
        Ok(UnitsData {
            origin: Some(keyed().map(|k| k.row).collect()),
            lines: self.lines,
            numeric: self
                .numeric
                .iter()
                .map(|column| keyed().map(|k| column[k.row as usize]).collect())
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
    /// Returns the keys (two sorted halves) and the merge order, as positions in them.
    /// A repeated identifier is an error naming both lines.
    fn sorted_keys(&self) -> Result<(Vec<SortKey>, Vec<u32>), AssignError> {
        // Sort on the first 16 bytes packed big-endian (zero-padded), which orders
        // like the bytes themselves; ties fall back to comparing the whole identifier.
        let mut keyed: Vec<SortKey> = (0..self.n_rows())
            .map(|row| {
                let id = self.id(row);
                let mut buffer = [0u8; 16];
                let take = id.len().min(16);
                buffer[..take].copy_from_slice(&id[..take]);
                SortKey {
                    high: u64::from_be_bytes(buffer[..8].try_into().expect("8 bytes")),
                    low: u64::from_be_bytes(buffer[8..].try_into().expect("8 bytes")),
                    row: row as u32,
                    len: id.len().min(u32::MAX as usize) as u32,
                    block: self.blocks.as_ref().map_or(0, |b| b.index[row]),
                }
            })
            .collect();
        let compare = |a: &SortKey, b: &SortKey| {
            (a.high, a.low)
                .cmp(&(b.high, b.low))
                .then_with(|| self.id(a.row as usize).cmp(self.id(b.row as usize)))
                .then_with(|| a.row.cmp(&b.row))
        };
        // Two halves sorted on two threads, then merged: the order is total, so the
        // result is the same with any number of threads.
        let middle = keyed.len() / 2;
        let (left, right) = keyed.split_at_mut(middle);
        std::thread::scope(|scope| {
            scope.spawn(|| left.sort_unstable_by(compare));
            right.sort_unstable_by(compare);
        });
        let (left, right) = keyed.split_at(middle);
        let mut order: Vec<u32> = Vec::with_capacity(keyed.len());
        let (mut i, mut j) = (0, 0);
        while i < left.len() && j < right.len() {
            if compare(&left[i], &right[j]).is_le() {
                order.push(i as u32);
                i += 1;
            } else {
                order.push((middle + j) as u32);
                j += 1;
            }
        }
        order.extend((i..left.len()).map(|p| p as u32));
        order.extend((middle + j..keyed.len()).map(|p| p as u32));
        for pair in order.windows(2) {
            let (a, b) = (&keyed[pair[0] as usize], &keyed[pair[1] as usize]);
            // Different prefixes or lengths are different identifiers.
            if (a.high, a.low, a.len) != (b.high, b.low, b.len) {
                continue;
            }
            let (a, b) = (a.row as usize, b.row as usize);
            if self.id(a) == self.id(b) {
                let (first, second) = if self.lines[a] < self.lines[b] {
                    (a, b)
                } else {
                    (b, a)
                };
                return Err(DataError::DuplicateId {
                    path: self.path.clone(),
                    line: self.lines[second],
                    column: self.id_column.clone(),
                    id: String::from_utf8_lossy(self.id(first)).into_owned(),
                    first_line: self.lines[first],
                }
                .into());
            }
        }
        Ok((keyed, order))
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
        let whole = parse_rows(&bytes[header..], 1, &columns, &request, file.path()).unwrap();
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
}
