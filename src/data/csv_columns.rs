//! Reading a CSV file straight into Arrow columns (`store::ColumnBuilder`), only
//! the columns asked for, with the documented CSV rules and errors (file, line,
//! column) of `data::Table`.
//!
//! # In parallel, in pieces
//! A file whose data rows hold no quote character is cut at line ends into pieces
//! of about `PIECE_BYTES`; the pieces are read and parsed in parallel, a wave at a
//! time (each read from disk on its own, so the whole file is never in memory),
//! and each wave's columns are appended in file order to the whole columns. Without quotes a line end always ends a record, so the
//! pieces parse exactly as the whole file would; lines are counted per piece and
//! shifted by the line ends before it, so errors name the same line. A file with a
//! quote in its data rows (a quoted field may hold a line end) is read by one
//! thread, whole, as before.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use rayon::prelude::*;

use super::row_lines::RowLines;
use super::store::{ColumnBuilder, Joiner, Stored};
use super::{DataError, LineCounter, csv_error, header_of, reader_builder};

/// Target size of a piece read by one task (cut at the next line end); tiny in
/// unit tests, so small files are cut into many pieces. At 1 MiB a piece of a
/// typical analysis file (about 90 bytes a row) gives columns of about 90 KiB,
/// under glibc's 128 KiB mmap threshold, so their memory is reused from piece to
/// piece rather than mapped and zeroed afresh.
const PIECE_BYTES: u64 = if cfg!(test) { 40 } else { 1 << 20 };

thread_local! {
    /// The bytes of the piece a thread is parsing: one buffer per thread for every
    /// piece of every file, rather than a fresh mapping (zeroed page by page) for
    /// each piece.
    static PIECE_BYTES_READ: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A CSV file's header, its columns in header order (`None` for those not read)
/// and the file line each data row starts on.
pub(crate) struct CsvColumns {
    pub headers: Vec<String>,
    pub columns: Vec<Option<Stored>>,
    pub lines: RowLines,
}

pub(crate) fn read(path: &Path, wanted: Option<&[&str]>) -> Result<CsvColumns, DataError> {
    match read_in_pieces(path, wanted)? {
        Some(columns) => Ok(columns),
        None => read_whole(path, wanted),
    }
}

fn io_error(path: &Path, source: std::io::Error) -> DataError {
    DataError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Bytes `range` of the file.
fn read_range(file: &File, range: std::ops::Range<u64>) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    read_range_into(file, range, &mut bytes)?;
    Ok(bytes)
}

/// Bytes `range` of the file into `bytes` (reused, so a thread's pieces share one
/// buffer instead of each faulting in fresh pages).
fn read_range_into(
    file: &File,
    range: std::ops::Range<u64>,
    bytes: &mut Vec<u8>,
) -> std::io::Result<()> {
    bytes.clear();
    bytes.resize((range.end - range.start) as usize, 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(bytes, range.start)?;
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = file.try_clone()?;
        file.seek(SeekFrom::Start(range.start))?;
        file.read_exact(bytes)?;
    }
    Ok(())
}

/// One piece's columns, rows, lines (counted from 1 at the piece's start) and the
/// number of line ends it holds.
struct Piece {
    columns: Vec<Option<ColumnBuilder>>,
    lines: Vec<u64>,
    line_ends: u64,
}

/// The parallel reader (see the module docs); `None` when the file must be read
/// whole (a quote in its data rows, or too small to be worth cutting).
fn read_in_pieces(path: &Path, wanted: Option<&[&str]>) -> Result<Option<CsvColumns>, DataError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let size = file.metadata().map_err(|e| io_error(path, e))?.len();
    if size < 2 * PIECE_BYTES {
        return Ok(None);
    }
    let mut reader = reader_builder().from_reader(BufReader::new(&file));
    let headers = header_of(&mut reader, path)?;
    let body_start = reader.position().byte();
    drop(reader);
    // Piece boundaries: just after the first line end at or after each target.
    let mut bounds = vec![body_start];
    let mut target = body_start + PIECE_BYTES;
    while target < size {
        let mut at = target;
        let end = loop {
            let window =
                read_range(&file, at..(at + 64 * 1024).min(size)).map_err(|e| io_error(path, e))?;
            if let Some(i) = memchr::memchr(b'\n', &window) {
                break at + i as u64 + 1;
            }
            at += window.len() as u64;
            if at >= size {
                break size;
            }
        };
        if end >= size {
            break;
        }
        bounds.push(end);
        target = end + PIECE_BYTES;
    }
    bounds.push(size);
    // The header's line ends (its record may end in the middle of a CRLF).
    let header_bytes = read_range(&file, 0..body_start).map_err(|e| io_error(path, e))?;
    let mut line_ends_before = memchr::memchr_iter(b'\n', &header_bytes).count() as u64;
    let mut lines = RowLines::default();
    let mut joined: Vec<Option<Joiner>> = column_builders(&headers, wanted, 0)
        .into_iter()
        .map(|b| b.map(|_| Joiner::with_capacity(0)))
        .collect();
    // Pieces are parsed in parallel a wave at a time, and each wave's columns are
    // appended to the whole columns before the next wave starts: only a wave of
    // pieces is ever held besides the columns (a column grows by remapping its
    // pages, not by copying them).
    let ranges: Vec<(u64, u64)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    let wave = 4 * rayon::current_num_threads();
    for (wave_index, wave_ranges) in ranges.chunks(wave).enumerate() {
        let pieces: Vec<Result<Option<Piece>, DataError>> = wave_ranges
            .par_iter()
            .map(|&(from, to)| {
                PIECE_BYTES_READ.with_borrow_mut(|bytes| {
                    read_range_into(&file, from..to, bytes).map_err(|e| io_error(path, e))?;
                    if memchr::memchr(b'"', bytes).is_some() {
                        return Ok(None);
                    }
                    parse_piece(bytes, path, &headers, wanted).map(Some)
                })
            })
            .collect();
        let mut parsed = Vec::with_capacity(pieces.len());
        let mut failed = None;
        for piece in pieces {
            match piece {
                Ok(Some(piece)) if failed.is_none() => {
                    for &line in &piece.lines {
                        lines.push(line + line_ends_before);
                    }
                    line_ends_before += piece.line_ends;
                    parsed.push(piece);
                }
                Ok(Some(_)) => {}
                Err(error) if failed.is_none() => {
                    failed = Some(shift_line(error, line_ends_before));
                }
                Err(_) => {}
                Ok(None) => return Ok(None),
            }
        }
        if let Some(error) = failed {
            // A quote anywhere sends the whole file to the quote-aware reader, which
            // names its own first error; without one, this is the first error.
            let rest = ranges.get((wave_index + 1) * wave..).unwrap_or_default();
            return match any_quote(&file, rest).map_err(|e| io_error(path, e))? {
                true => Ok(None),
                false => Err(error),
            };
        }
        let mut per_column: Vec<Vec<Stored>> = (0..headers.len()).map(|_| Vec::new()).collect();
        for mut piece in parsed {
            for (index, parts) in per_column.iter_mut().enumerate() {
                if let Some(builder) = piece.columns[index].take() {
                    parts.push(builder.finish());
                }
            }
        }
        joined
            .par_iter_mut()
            .zip(per_column)
            .for_each(|(joiner, parts)| {
                if let Some(joiner) = joiner {
                    for part in parts {
                        joiner.push(part);
                    }
                }
            });
    }
    if lines.is_empty() {
        return Err(DataError::NoRows {
            path: path.to_path_buf(),
        });
    }
    Ok(Some(CsvColumns {
        headers,
        columns: joined.into_iter().map(|j| j.map(Joiner::finish)).collect(),
        lines,
    }))
}

/// Whether any of the byte ranges of the file holds a quote character.
fn any_quote(file: &File, ranges: &[(u64, u64)]) -> std::io::Result<bool> {
    let mut bytes = Vec::new();
    for &(from, to) in ranges {
        read_range_into(file, from..to, &mut bytes)?;
        if memchr::memchr(b'"', &bytes).is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An error from a piece, its line shifted from the piece's count to the file's.
fn shift_line(error: DataError, lines_before: u64) -> DataError {
    match error {
        DataError::Ragged {
            path,
            line,
            expected,
            found,
        } => DataError::Ragged {
            path,
            line: line + lines_before,
            expected,
            found,
        },
        DataError::NotUtf8 { path, line, column } => DataError::NotUtf8 {
            path,
            line: line + lines_before,
            column,
        },
        DataError::Malformed {
            path,
            line,
            message,
        } => DataError::Malformed {
            path,
            line: line + lines_before,
            message,
        },
        other => other,
    }
}

/// Parses one piece of data rows (no header, no quotes), lines counted from 1
/// at its start (the caller adds the line ends before it).
fn parse_piece(
    bytes: &[u8],
    path: &Path,
    headers: &[String],
    wanted: Option<&[&str]>,
) -> Result<Piece, DataError> {
    let line_ends = memchr::memchr_iter(b'\n', bytes).count() as u64;
    let text = std::str::from_utf8(bytes).ok();
    if let Some(text) = text
        && memchr::memchr_iter(b'\r', bytes).all(|at| bytes.get(at + 1) == Some(&b'\n'))
    {
        return parse_plain_piece(text, line_ends, path, headers, wanted);
    }
    let all_utf8 = text.is_some();
    let mut reader = reader_builder().has_headers(false).from_reader(bytes);
    let mut line_of = LineCounter::new(bytes);
    let mut columns = column_builders(headers, wanted, line_ends as usize + 1);
    let mut lines = Vec::with_capacity(line_ends as usize + 1);
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e, path)),
        }
        let line = line_of.record(&record);
        if record.len() == 1 && record[0].is_empty() && headers.len() > 1 {
            continue;
        }
        push_record(&record, line, path, headers, all_utf8, &mut columns)?;
        lines.push(line);
    }
    Ok(Piece {
        columns,
        lines,
        line_ends,
    })
}

/// A builder for each wanted column (`None` for the others), with room for `rows`.
fn column_builders(
    headers: &[String],
    wanted: Option<&[&str]>,
    rows: usize,
) -> Vec<Option<ColumnBuilder>> {
    headers
        .iter()
        .map(|h| match wanted {
            Some(w) if !w.contains(&h.as_str()) => None,
            _ => Some(ColumnBuilder::with_capacity(rows)),
        })
        .collect()
}

/// A piece that is UTF-8, holds no quote and no carriage return but before a line
/// feed: every line end ends a record and every comma ends a field, so the piece is
/// split directly on them, as the csv crate would split it (blank lines skipped,
/// lines counted from 1), without its per-byte state machine or a UTF-8 check per
/// field (slices of a `str` at ASCII bytes).
fn parse_plain_piece(
    text: &str,
    line_ends: u64,
    path: &Path,
    headers: &[String],
    wanted: Option<&[&str]>,
) -> Result<Piece, DataError> {
    let mut columns = column_builders(headers, wanted, line_ends as usize + 1);
    let mut lines = Vec::with_capacity(line_ends as usize + 1);
    let bytes = text.as_bytes();
    let mut line = 0;
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let record = text[start..end]
            .strip_suffix('\r')
            .unwrap_or(&text[start..end]);
        start = end + 1;
        line += 1;
        if record.is_empty() {
            continue;
        }
        let mut field = 0;
        let mut from = 0;
        let record_bytes = record.as_bytes();
        for at in memchr::memchr_iter(b',', record_bytes).chain([record_bytes.len()]) {
            if let Some(Some(builder)) = columns.get_mut(field) {
                builder.push(trim_field(&record[from..at]));
            }
            field += 1;
            from = at + 1;
        }
        if field != headers.len() {
            return Err(DataError::Ragged {
                path: path.to_path_buf(),
                line,
                expected: headers.len(),
                found: field,
            });
        }
        lines.push(line);
    }
    Ok(Piece {
        columns,
        lines,
        line_ends,
    })
}

/// `str::trim`, skipped for a field that begins and ends with a printable ASCII
/// byte (almost every field; no such byte is white space).
fn trim_field(field: &str) -> &str {
    match field.as_bytes() {
        [first, .., last] | [first @ last]
            if (b'!'..=b'~').contains(first) && (b'!'..=b'~').contains(last) =>
        {
            field
        }
        _ => field.trim(),
    }
}

/// Appends one record's wanted fields to their columns.
fn push_record(
    record: &csv::ByteRecord,
    line: u64,
    path: &Path,
    headers: &[String],
    all_utf8: bool,
    builders: &mut [Option<ColumnBuilder>],
) -> Result<(), DataError> {
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
            // Cannot fail: the whole text is UTF-8 and fields split at ASCII bytes.
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
    Ok(())
}

/// The whole file in memory, read by one thread (files with quoted fields).
fn read_whole(path: &Path, wanted: Option<&[&str]>) -> Result<CsvColumns, DataError> {
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
    let mut lines = RowLines::default();
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
        push_record(&record, line, path, &headers, all_utf8, &mut builders)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(content: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(content).unwrap();
        file
    }

    /// Reads `content` both ways and checks the pieces were used and agree with
    /// the whole-file reader in every cell, line and error.
    fn both_ways(content: &[u8], wanted: Option<&[&str]>) -> Result<CsvColumns, String> {
        let file = write(content);
        let whole = read_whole(file.path(), wanted).map_err(|e| e.to_string());
        let pieces = read_in_pieces(file.path(), wanted)
            .map_err(|e| e.to_string())
            .map(|p| p.expect("read in pieces"));
        match (&whole, &pieces) {
            (Ok(w), Ok(p)) => {
                assert_eq!(w.headers, p.headers);
                assert_eq!(w.lines, p.lines);
                for (a, b) in w.columns.iter().zip(&p.columns) {
                    match (a, b) {
                        (Some(a), Some(b)) => {
                            assert_eq!(a.len(), b.len());
                            assert_eq!(
                                std::mem::discriminant(a),
                                std::mem::discriminant(b),
                                "same type"
                            );
                            for row in 0..a.len() {
                                assert_eq!(a.cell(row), b.cell(row), "row {row}");
                            }
                        }
                        (None, None) => {}
                        _ => panic!("a column read one way only"),
                    }
                }
            }
            (Err(w), Err(p)) => assert_eq!(w, p),
            _ => panic!("whole: {:?}, pieces: {:?}", whole.is_ok(), pieces.is_ok()),
        }
        pieces
    }

    fn rows(n: usize, line_end: &str) -> String {
        let mut text = format!("\u{feff}id,y,x,label{line_end}");
        for i in 0..n {
            let y = match i % 7 {
                0 => "NA".to_string(),
                1 => String::new(),
                2 => format!("{}.50", i),
                3 => format!("{}e-3", i),
                _ => format!("{}", i as f64 * 0.25 - 3.0),
            };
            text += &format!("{i}, {y} ,{},g{}{line_end}", i % 5, i % 3);
            if i % 11 == 0 {
                text += line_end;
            }
        }
        text
    }

    #[test]
    fn pieces_read_as_the_whole_file_does() {
        for line_end in ["\n", "\r\n"] {
            let read = both_ways(rows(200, line_end).as_bytes(), None).unwrap();
            assert_eq!(read.lines.len(), 200);
            assert_eq!(read.lines.line(0), 2);
            // Blank lines after every 11th row push later rows down.
            assert_eq!(read.lines.line(12), 2 + 12 + 2);
            let only = both_ways(rows(150, line_end).as_bytes(), Some(&["y"])).unwrap();
            assert!(only.columns[0].is_none() && only.columns[1].is_some());
        }
    }

    #[test]
    fn a_column_turning_to_text_in_a_later_piece_is_text_throughout() {
        let mut text = rows(120, "\n");
        text += "120,abc,1,g0\n121,7,1,g1\n";
        let read = both_ways(text.as_bytes(), None).unwrap();
        assert!(matches!(read.columns[1], Some(Stored::Text(_))));
        assert_eq!(read.columns[1].as_ref().unwrap().cell(2), "2.50");
        assert!(matches!(read.columns[2], Some(Stored::Numbers { .. })));
    }

    #[test]
    fn errors_in_a_later_piece_name_the_file_line() {
        let mut ragged = rows(120, "\r\n");
        ragged += "120,1\r\n";
        let err = both_ways(ragged.as_bytes(), None).err().unwrap();
        let last_line = ragged.matches('\n').count();
        assert!(
            err.contains(&format!(":{last_line}: row has 2 fields")),
            "{err}"
        );
        let mut bytes = rows(120, "\n").into_bytes();
        bytes.extend_from_slice(b"120,1,2,caf\xE9\n");
        let err = both_ways(&bytes, None).err().unwrap();
        assert!(err.contains("column label is not valid UTF-8"), "{err}");
        // As the whole-file reader does, a file that is not UTF-8 is refused even
        // when the bad field is in a column not used.
        assert!(both_ways(&bytes, Some(&["y"])).is_err());
    }

    #[test]
    fn the_direct_split_agrees_with_the_csv_crate_on_edge_lines() {
        // A file with no line end after its last row, blank lines of CR LF between
        // LF lines, and a last field left empty.
        let mut text = rows(120, "\n");
        text += "\r\n\r\n120,1,2,\n121,2,3,g";
        let read = both_ways(text.as_bytes(), None).unwrap();
        assert_eq!(read.lines.len(), 122);
        assert_eq!(read.columns[3].as_ref().unwrap().cell(120), "");
        // A line of spaces is a record of one field, refused as ragged both ways.
        let mut spaces = rows(120, "\n");
        spaces += "   \n121,2,3,g\n";
        let err = both_ways(spaces.as_bytes(), None).err().unwrap();
        assert!(err.contains("row has 1 fields"), "{err}");
        // A lone carriage return ends a record for the csv crate: such a piece is
        // read by it, and still agrees.
        let mut lone = rows(120, "\n");
        lone += "120,1,2,g\r121,2,3,g\n";
        let read = both_ways(lone.as_bytes(), None).unwrap();
        assert_eq!(read.lines.len(), 122);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
        /// Any unquoted tail of lines (missing tokens, spaces, blank LF and CR LF
        /// lines, rows of the wrong width) reads the same in pieces as whole.
        #[test]
        fn the_direct_split_agrees_with_the_csv_crate_on_any_plain_tail(
            lines in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        proptest::sample::select(vec!["u1", " b1", "b2 ", "NA", "", "1.5", "-2", "x", "1e3"]),
                        3..6,
                    ),
                    proptest::bool::ANY,
                    proptest::bool::ANY,
                ),
                0..12,
            )
        ) {
            let mut text = rows(120, "\n");
            for (fields, blank_before, crlf) in &lines {
                let end = if *crlf { "\r\n" } else { "\n" };
                if *blank_before {
                    text += end;
                }
                text += &fields.join(",");
                text += end;
            }
            let _ = both_ways(text.as_bytes(), None);
        }
    }

    #[test]
    fn quotes_in_the_data_rows_send_the_file_to_the_whole_file_reader() {
        let mut text = rows(120, "\n");
        text += "120,\"1\n\",2,g\n";
        let file = write(text.as_bytes());
        assert!(read_in_pieces(file.path(), None).unwrap().is_none());
        let read = read(file.path(), None).unwrap();
        assert_eq!(read.lines.len(), 121);
        // A quoted header alone does not.
        let quoted_header = rows(120, "\n").replacen("id,y", "\"id\",\"y\"", 1);
        both_ways(quoted_header.as_bytes(), None).unwrap();
    }
}
