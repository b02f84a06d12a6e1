//! A lean, streaming read of the units file for the assign stage: only the columns
//! the allocation needs (identifier, blocks, cluster, pairs, numeric covariates),
//! identifiers packed into one byte buffer, labels interned, and the file's SHA-256
//! computed on the same pass. Built for ten million rows; errors name file and line
//! as `data::Table` does (fields are trimmed and missing-value tokens are the same).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::AssignError;
use crate::data::{DataError, is_missing};

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

/// The units file, read.
#[derive(Debug)]
pub struct UnitsData {
    pub path: PathBuf,
    pub sha256: String,
    pub id_column: String,
    id_bytes: Vec<u8>,
    id_end: Vec<u64>,
    /// File line of each row (the header is line 1).
    pub lines: Vec<u64>,
    /// Combined block label per row (absent when no blocks are requested).
    pub blocks: Option<Interned>,
    pub cluster: Option<Interned>,
    pub pairs: Option<Interned>,
    /// Requested numeric columns, in request order.
    pub numeric: Vec<Vec<f64>>,
}

struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Interns byte keys; consecutive rows often repeat a label, so the last one is cached.
struct Interner {
    map: HashMap<Vec<u8>, u32>,
    last: Option<(Vec<u8>, u32)>,
    out: Interned,
}

impl Interner {
    fn new() -> Interner {
        Interner {
            map: HashMap::new(),
            last: None,
            out: Interned::default(),
        }
    }

    fn push(&mut self, key: &[u8], components: impl FnOnce() -> Vec<String>) {
        if let Some((last, index)) = &self.last
            && last.as_slice() == key
        {
            self.out.index.push(*index);
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
        self.last = Some((key.to_vec(), index));
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
        let file = std::fs::File::open(path).map_err(|source| DataError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let hashing = HashingReader {
            inner: file,
            hasher: Sha256::new(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(hashing);
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
        // Hash whatever the CSV reader left unread (nothing, normally).
        let mut rest = reader.into_inner();
        std::io::copy(&mut rest, &mut std::io::sink()).map_err(|source| DataError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let sha256 = crate::spec::sha256_hex_of_digest(rest.hasher.finalize().as_slice());
        Ok(UnitsData {
            path: path.to_path_buf(),
            sha256,
            id_column: request.id.to_string(),
            id_bytes,
            id_end,
            lines,
            blocks: blocks.map(|i| i.out),
            cluster: cluster.map(|i| i.out),
            pairs: pairs.map(|i| i.out),
            numeric,
        })
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

    /// Rows in the canonical order: by identifier, compared byte by byte (UTF-8).
    /// A repeated identifier is an error naming both lines.
    pub fn sorted_rows(&self) -> Result<Vec<u32>, AssignError> {
        // Sort on the first 16 bytes packed big-endian (zero-padded), which orders
        // like the bytes themselves; ties fall back to comparing the whole identifier.
        let mut keyed: Vec<(u128, u32)> = (0..self.n_rows())
            .map(|row| {
                let id = self.id(row);
                let mut buffer = [0u8; 16];
                let take = id.len().min(16);
                buffer[..take].copy_from_slice(&id[..take]);
                (u128::from_be_bytes(buffer), row as u32)
            })
            .collect();
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| self.id(a.1 as usize).cmp(self.id(b.1 as usize)))
                .then_with(|| a.1.cmp(&b.1))
        });
        for pair in keyed.windows(2) {
            let (a, b) = (pair[0].1 as usize, pair[1].1 as usize);
            if pair[0].0 == pair[1].0 && self.id(a) == self.id(b) {
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
        Ok(keyed.into_iter().map(|(_, row)| row).collect())
    }
}
