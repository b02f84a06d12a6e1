//! Reading a CSV file straight into Arrow columns (`store::ColumnBuilder`), only
//! the columns asked for, with the documented CSV rules and errors (file, line,
//! column) of `data::Table`.

use std::path::Path;

use super::store::{ColumnBuilder, Stored};
use super::{DataError, LineCounter, csv_error, header_of, reader_builder};

/// A CSV file's header, its columns in header order (`None` for those not read)
/// and the file line each data row starts on.
pub(crate) struct CsvColumns {
    pub headers: Vec<String>,
    pub columns: Vec<Option<Stored>>,
    pub lines: Vec<u64>,
}

pub(crate) fn read(path: &Path, wanted: Option<&[&str]>) -> Result<CsvColumns, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // One check of the whole file spares a check of every field; only a file that
    // fails it is searched for the field to name.
    super::check_not_truncated(&bytes, path)?;
    let all_utf8 = std::str::from_utf8(&bytes).is_ok();
    let mut reader = reader_builder().from_reader(bytes.as_slice());
    let mut line_of = LineCounter::new(&bytes);
    let headers = header_of(&mut reader, path)?;
    let mut builders: Vec<Option<ColumnBuilder>> = headers
        .iter()
        .map(|h| match wanted {
            Some(w) if !w.contains(&h.as_str()) => None,
            _ => Some(ColumnBuilder::default()),
        })
        .collect();
    let mut lines = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e, path)),
        }
        let line = line_of.record(&record);
        // A trailing blank line reads as one empty field; skip it rather than call it ragged.
        if record.len() == 1 && record[0].is_empty() && headers.len() > 1 {
            continue;
        }
        if record.len() != headers.len() {
            return Err(DataError::Ragged {
                path: path.to_path_buf(),
                line,
                expected: headers.len(),
                found: record.len(),
            });
        }
        for (i, field) in record.iter().enumerate() {
            let builder = builders[i].as_mut();
            if all_utf8 && builder.is_none() {
                continue;
            }
            let text = if all_utf8 {
                // Cannot fail: the whole file is UTF-8 and fields split at ASCII bytes.
                std::str::from_utf8(field).unwrap_or_default()
            } else {
                std::str::from_utf8(field).map_err(|_| DataError::NotUtf8 {
                    path: path.to_path_buf(),
                    line,
                    column: headers[i].clone(),
                })?
            };
            if let Some(builder) = builder {
                builder.push(text.trim());
            }
        }
        lines.push(line);
    }
    drop(reader);
    drop(bytes);
    if lines.is_empty() {
        return Err(DataError::NoRows {
            path: path.to_path_buf(),
        });
    }
    Ok(CsvColumns {
        headers,
        columns: builders
            .into_iter()
            .map(|b| b.map(ColumnBuilder::finish))
            .collect(),
        lines,
    })
}
