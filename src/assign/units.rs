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
    fn new() -> Interner {
        Interner {
            map: LabelMap::default(),
            last_key: Vec::new(),
            last: None,
            out: Interned::default(),
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
            .buffer_capacity(1 << 20)
            .from_reader(bytes);
        let headers = crate::data::headers_of(&mut reader, path)?;
        let id_at = column_index(&headers, request.id, path)?;
        let block_at: Vec<usize> = request
            .blocks
            .iter()
            .map(|c| column_index(&headers, c, path))
            .collect::<Result<_, _>>()?;
        let cluster_at = request
            .cluster
            .map(|c| column_index(&headers, c, path))
            .transpose()?;
        let pairs_at = request
            .pairs
            .map(|c| column_index(&headers, c, path))
            .transpose()?;
        let numeric_at: Vec<usize> = request
            .numeric
            .iter()
            .map(|c| column_index(&headers, c, path))
            .collect::<Result<_, _>>()?;

        let mut id_bytes = Vec::new();
        let mut id_end = Vec::new();
        let mut lines = Vec::new();
        let mut blocks = (!block_at.is_empty()).then(Interner::new);
        let mut cluster = cluster_at.map(|_| Interner::new());
        let mut pairs = pairs_at.map(|_| Interner::new());
        let mut numeric: Vec<Vec<f64>> = vec![Vec::new(); numeric_at.len()];
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
                Err(e) => return Err(crate::data::csv_error(e, path).into()),
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.len() == 1 && record[0].is_empty() && headers.len() > 1 {
                continue;
            }
            if record.len() != headers.len() {
                return Err(DataError::Ragged {
                    path: path.to_path_buf(),
                    line,
                    expected: headers.len(),
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
            for ((&at, column), values) in numeric_at.iter().zip(request.numeric).zip(&mut numeric)
            {
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
        if id_end.is_empty() {
            return Err(DataError::NoRows {
                path: path.to_path_buf(),
            }
            .into());
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
        let keyed = self.sorted_keys()?;
        let gather_u32 = |values: &[u32]| keyed.iter().map(|k| values[k.row as usize]).collect();
        let gather_interned = |i: Option<Interned>| {
            i.map(|i| Interned {
                index: gather_u32(&i.index),
                labels: i.labels,
            })
        };
        let mut id_bytes = Vec::with_capacity(self.id_bytes.len());
        let mut id_end = Vec::with_capacity(self.id_end.len());
        for key in &keyed {
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
            index: keyed.iter().map(|k| k.block).collect(),
            labels: b.labels,
        });
        Ok(UnitsData {
            origin: Some(keyed.iter().map(|k| k.row).collect()),
            lines: self.lines,
            numeric: self
                .numeric
                .iter()
                .map(|column| keyed.iter().map(|k| column[k.row as usize]).collect())
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
    fn sorted_keys(&self) -> Result<Vec<SortKey>, AssignError> {
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
        let mut order: Vec<SortKey> = Vec::with_capacity(keyed.len());
        let (mut i, mut j) = (0, 0);
        while i < left.len() && j < right.len() {
            if compare(&left[i], &right[j]).is_le() {
                order.push(left[i]);
                i += 1;
            } else {
                order.push(right[j]);
                j += 1;
            }
        }
        order.extend_from_slice(&left[i..]);
        order.extend_from_slice(&right[j..]);
        drop(keyed);
        for pair in order.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
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
        Ok(order)
    }
}
