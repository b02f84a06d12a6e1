//! Reading Parquet and Arrow IPC (`.arrow`, `.feather`) files into the same
//! in-memory columns a CSV gives, reading only the columns asked for and, for
//! Parquet, decoding row groups in parallel.
//!
//! Types map as an analysis needs them: floating-point, integer and boolean
//! columns are numbers (booleans as 0/1, NaN as missing); string and
//! dictionary-of-string columns are text. Any other type (dates, decimals,
//! lists, ...) is refused, naming the column, when that column is used.

use std::fs::File;
use std::path::Path;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use rayon::prelude::*;

use super::DataError;
use super::store::{FieldText, Stored, concat, in_range, validity};

/// The on-disk formats a table is read from, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    ArrowIpc,
}

impl Format {
    /// `.parquet`/`.parq` is Parquet, `.arrow`/`.feather`/`.ipc`/`.arrows` is
    /// Arrow IPC; anything else is read as CSV.
    pub fn of(path: &Path) -> Format {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("parquet" | "parq") => Format::Parquet,
            Some("arrow" | "feather" | "ipc" | "arrows") => Format::ArrowIpc,
            _ => Format::Csv,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Parquet => "Parquet",
            Format::ArrowIpc => "Arrow IPC",
        }
    }
}

fn open(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|source| DataError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn corrupt(path: &Path, format: Format, error: impl std::fmt::Display) -> DataError {
    DataError::Corrupt {
        path: path.to_path_buf(),
        format: format.name(),
        message: error.to_string(),
    }
}

/// The column names of a Parquet or Arrow IPC file.
pub(crate) fn header(path: &Path, format: Format) -> Result<Vec<String>, DataError> {
    let schema = match format {
        Format::Parquet => parquet_metadata(path)?.schema().clone(),
        _ => ipc_reader(path)?.0,
    };
    Ok(schema.fields().iter().map(|f| f.name().clone()).collect())
}

fn parquet_metadata(
    path: &Path,
) -> Result<parquet::arrow::arrow_reader::ArrowReaderMetadata, DataError> {
    let file = open(path)?;
    parquet::arrow::arrow_reader::ArrowReaderMetadata::load(&file, Default::default())
        .map_err(|e| corrupt(path, Format::Parquet, e))
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>>>;

/// An IPC file (random-access format) or, failing that, an IPC stream.
fn ipc_reader(path: &Path) -> Result<(SchemaRef, Batches), DataError> {
    use arrow_ipc::reader::{FileReader, StreamReader};
    match FileReader::try_new_buffered(open(path)?, None) {
        Ok(reader) => Ok((reader.schema(), Box::new(reader))),
        Err(file_error) => match StreamReader::try_new_buffered(open(path)?, None) {
            Ok(reader) => Ok((reader.schema(), Box::new(reader))),
            Err(_) => Err(corrupt(path, Format::ArrowIpc, file_error)),
        },
    }
}

/// A columnar file's header, each column in header order (`None` for those not
/// read) and the row count.
pub(crate) struct Columns {
    pub headers: Vec<String>,
    pub columns: Vec<Option<Stored>>,
    pub n_rows: usize,
}

/// The number of rows in each row group of a Parquet file.
pub(crate) fn row_groups(path: &Path) -> Result<Vec<usize>, DataError> {
    let metadata = parquet_metadata(path)?;
    Ok(metadata
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows() as usize)
        .collect())
}

/// Reads the named columns (all when `wanted` is `None`), of the given Parquet
/// row groups only when `groups` is given.
pub(crate) fn read(
    path: &Path,
    format: Format,
    wanted: Option<&[&str]>,
    groups: Option<&[usize]>,
) -> Result<Columns, DataError> {
    if format == Format::Parquet {
        return read_parquet(path, wanted, groups);
    }
    let (schema, reader) = ipc_reader(path)?;
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| corrupt(path, format, e))?;
    let n_rows = batches.iter().map(RecordBatch::num_rows).sum();
    Ok(Columns {
        headers: schema.fields().iter().map(|f| f.name().clone()).collect(),
        columns: columns_of(path, &schema, &batches, wanted, n_rows)?,
        n_rows,
    })
}

/// The wanted columns of `batches` (in header order, `None` for the others).
fn columns_of(
    path: &Path,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    wanted: Option<&[&str]>,
    n_rows: usize,
) -> Result<Vec<Option<Stored>>, DataError> {
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (index, field) in schema.fields().iter().enumerate() {
        if wanted.is_some_and(|w| !w.contains(&field.name().as_str())) {
            columns.push(None);
            continue;
        }
        let parts: Vec<&ArrayRef> = batches
            .iter()
            .map(|b| {
                b.column_by_name(field.name())
                    .unwrap_or_else(|| b.column(index))
            })
            .collect();
        columns.push(Some(convert(
            path,
            field.name(),
            field.data_type(),
            &parts,
            n_rows,
        )?));
    }
    Ok(columns)
}

/// How a read column of a Parquet file is decoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decode {
    /// A number type, written by each row group straight into its rows of the
    /// final column.
    InPlace,
    /// Text, converted per row group and joined at the end.
    Pieces,
}

fn decode_of(path: &Path, column: &str, data_type: &DataType) -> Result<Decode, DataError> {
    match data_type {
        DataType::Float64
        | DataType::Float32
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Boolean => Ok(Decode::InPlace),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..) => {
            Ok(Decode::Pieces)
        }
        other => Err(unreadable(path, column, other)),
    }
}

/// What one row group leaves besides the numbers it wrote in place: per read
/// column, the rows (within the group) that are missing and the texts kept, or
/// the converted piece of a text column.
struct GroupRest {
    missing: Vec<Vec<usize>>,
    texts: Vec<Vec<(usize, FieldText)>>,
    pieces: Vec<Option<Stored>>,
}

fn read_parquet(
    path: &Path,
    wanted: Option<&[&str]>,
    groups: Option<&[usize]>,
) -> Result<Columns, DataError> {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let metadata = parquet_metadata(path)?;
    let schema = metadata.schema().clone();
    let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    // The columns read, in file order (the order of a projected batch's columns).
    let read: Vec<usize> = (0..headers.len())
        .filter(|&i| wanted.is_none_or(|w| w.contains(&headers[i].as_str())))
        .collect();
    let decode: Vec<Decode> = read
        .iter()
        .map(|&i| decode_of(path, &headers[i], schema.field(i).data_type()))
        .collect::<Result<_, _>>()?;
    let mask = ProjectionMask::roots(metadata.parquet_schema(), read.iter().copied());
    let n_groups = metadata.metadata().num_row_groups();
    let chosen: Vec<usize> = match groups {
        Some(groups) => groups.to_vec(),
        None => (0..n_groups).collect(),
    };
    if let Some(&bad) = chosen.iter().find(|&&g| g >= n_groups) {
        return Err(corrupt(
            path,
            Format::Parquet,
            format!("row group {bad} asked for; the file has {n_groups}"),
        ));
    }
    let group_rows: Vec<usize> = chosen
        .iter()
        .map(|&g| metadata.metadata().row_group(g).num_rows() as usize)
        .collect();
    let n_rows: usize = group_rows.iter().sum();

    // Each number column is allocated once at its final size (zeroed pages from the
    // system, not touched until written) and cut into one slice per row group, so
    // the decoded values are copied once, in parallel, into their final place.
    let mut buffers: Vec<Vec<f64>> = decode
        .iter()
        .map(|d| match d {
            Decode::InPlace => vec![0.0; n_rows],
            Decode::Pieces => Vec::new(),
        })
        .collect();
    let mut slices: Vec<Vec<&mut [f64]>> = (0..chosen.len()).map(|_| Vec::new()).collect();
    for (buffer, _) in buffers
        .iter_mut()
        .zip(&decode)
        .filter(|(_, d)| **d == Decode::InPlace)
    {
        let mut rest: &mut [f64] = buffer.as_mut_slice();
        for (group, &rows) in group_rows.iter().enumerate() {
            let (mine, after) = rest.split_at_mut(rows);
            slices[group].push(mine);
            rest = after;
        }
    }
    let rests: Vec<Result<GroupRest, DataError>> = chosen
        .par_iter()
        .zip(&group_rows)
        .zip(slices.into_par_iter())
        .map(|((&group, &expected), mut outputs)| {
            let file = open(path)?;
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
                .with_projection(mask.clone())
                .with_row_groups(vec![group])
                // Batches of 8,192 rows: each decoded array (64 KiB of doubles) stays
                // under glibc's 128 KiB mmap threshold, so arrays freed are reused
                // from the heap instead of mapped and zeroed afresh.
                .with_batch_size(8 * 1024)
                .build()
                .map_err(|e| corrupt(path, Format::Parquet, e))?;
            let mut rest = GroupRest {
                missing: vec![Vec::new(); read.len()],
                texts: vec![Vec::new(); read.len()],
                pieces: Vec::new(),
            };
            let mut text_parts: Vec<Vec<ArrayRef>> = vec![Vec::new(); read.len()];
            let mut at = 0;
            for batch in reader {
                let batch = batch.map_err(|e| corrupt(path, Format::Parquet, e))?;
                let rows = batch.num_rows();
                if at + rows > expected {
                    return Err(corrupt(
                        path,
                        Format::Parquet,
                        format!("row group {group} holds more rows than its metadata's {expected}"),
                    ));
                }
                let mut number = 0;
                for (k, &index) in read.iter().enumerate() {
                    let array = batch.column(k);
                    match decode[k] {
                        Decode::InPlace => {
                            let out = &mut outputs[number][at..at + rows];
                            number += 1;
                            fill(
                                path,
                                &headers[index],
                                array,
                                out,
                                at,
                                &mut rest.missing[k],
                                &mut rest.texts[k],
                            )?;
                        }
                        Decode::Pieces => text_parts[k].push(array.clone()),
                    }
                }
                at += rows;
            }
            if at != expected {
                return Err(corrupt(
                    path,
                    Format::Parquet,
                    format!("row group {group} decoded to {at} rows; its metadata says {expected}"),
                ));
            }
            for (k, &index) in read.iter().enumerate() {
                rest.pieces.push(match decode[k] {
                    Decode::InPlace => None,
                    Decode::Pieces => {
                        let parts: Vec<&ArrayRef> = text_parts[k].iter().collect();
                        let field = schema.field(index);
                        Some(convert(path, field.name(), field.data_type(), &parts, at)?)
                    }
                });
            }
            Ok(rest)
        })
        .collect();
    let mut per_group = Vec::with_capacity(rests.len());
    for rest in rests {
        per_group.push(rest?);
    }

    let mut columns: Vec<Option<Stored>> = (0..headers.len()).map(|_| None).collect();
    let mut starts = Vec::with_capacity(group_rows.len());
    let mut start = 0;
    for &rows in &group_rows {
        starts.push(start);
        start += rows;
    }
    for (k, (&index, buffer)) in read.iter().zip(buffers).enumerate() {
        columns[index] = Some(match decode[k] {
            Decode::InPlace => {
                let mut missing = Vec::new();
                let mut texts = Vec::new();
                for (rest, &start) in per_group.iter_mut().zip(&starts) {
                    missing.extend(rest.missing[k].drain(..).map(|row| row + start));
                    texts.extend(rest.texts[k].drain(..).map(|(row, t)| (row + start, t)));
                }
                let nulls = validity(n_rows, &missing).map(Into::into);
                Stored::Numbers {
                    values: arrow_array::Float64Array::new(buffer.into(), nulls),
                    texts,
                }
            }
            Decode::Pieces => {
                let parts: Vec<Stored> = per_group
                    .iter_mut()
                    .filter_map(|rest| rest.pieces[k].take())
                    .collect();
                let field = schema.field(index);
                match parts.len() {
                    0 => convert(path, field.name(), field.data_type(), &[], 0)?,
                    _ => concat(parts, n_rows),
                }
            }
        });
    }
    Ok(Columns {
        headers,
        columns,
        n_rows,
    })
}

/// Writes one decoded array of a number column into `out` (its rows of the final
/// column), as `NumberColumn` would: a null or NaN is missing (0.0 in place), a
/// float out of range is missing with its text kept, an integer beyond 2^53 keeps
/// its digits. `first` is the array's first row within its row group.
fn fill(
    path: &Path,
    column: &str,
    array: &ArrayRef,
    out: &mut [f64],
    first: usize,
    missing: &mut Vec<usize>,
    texts: &mut Vec<(usize, FieldText)>,
) -> Result<(), DataError> {
    // Integers beyond 2^53 do not all fit a double: their digits are kept.
    const EXACT: u64 = 1 << 53;
    macro_rules! integers {
        ($ty:ty, $wide:ty, $abs:expr) => {{
            let values = array.as_primitive::<$ty>().values();
            for (row, (slot, &value)) in out.iter_mut().zip(values.iter()).enumerate() {
                *slot = value as f64;
                let wide = value as $wide;
                if $abs(wide) > EXACT {
                    texts.push((first + row, wide.to_string().into()));
                }
            }
        }};
    }
    match array.data_type() {
        DataType::Float64 => out.copy_from_slice(array.as_primitive::<Float64Type>().values()),
        DataType::Float32 => {
            let values = array.as_primitive::<Float32Type>().values();
            for (slot, &value) in out.iter_mut().zip(values.iter()) {
                *slot = value as f64;
            }
        }
        DataType::Int8 => integers!(Int8Type, i64, i64::unsigned_abs),
        DataType::Int16 => integers!(Int16Type, i64, i64::unsigned_abs),
        DataType::Int32 => integers!(Int32Type, i64, i64::unsigned_abs),
        DataType::Int64 => integers!(Int64Type, i64, i64::unsigned_abs),
        DataType::UInt8 => integers!(UInt8Type, u64, std::convert::identity),
        DataType::UInt16 => integers!(UInt16Type, u64, std::convert::identity),
        DataType::UInt32 => integers!(UInt32Type, u64, std::convert::identity),
        DataType::UInt64 => integers!(UInt64Type, u64, std::convert::identity),
        DataType::Boolean => {
            let values = array.as_boolean().values();
            for (slot, value) in out.iter_mut().zip(values.iter()) {
                *slot = if value { 1.0 } else { 0.0 };
            }
        }
        other => return Err(unreadable(path, column, other)),
    }
    let missing_before = missing.len();
    // Nulls are missing whatever their slot holds; a null's kept digits go too.
    if let Some(nulls) = array.nulls().filter(|n| n.null_count() > 0) {
        for row in nulls.iter().enumerate().filter(|(_, v)| !v).map(|(r, _)| r) {
            out[row] = 0.0;
            missing.push(first + row);
        }
        texts.retain(|(row, _)| *row < first || nulls.is_valid(row - first));
    }
    if matches!(array.data_type(), DataType::Float64 | DataType::Float32) {
        let nulls_end = missing.len();
        for (row, slot) in out.iter_mut().enumerate() {
            if !in_range(*slot) {
                if !slot.is_nan() {
                    texts.push((first + row, format!("{slot:e}").into()));
                }
                *slot = 0.0;
                missing.push(first + row);
            }
        }
        if nulls_end > missing_before && missing.len() > nulls_end {
            // This array's nulls, then its values out of range, each in row order
            // (a null's slot is 0.0 by then, so none is in both).
            missing[missing_before..].sort_unstable();
        }
    }
    Ok(())
}

/// One column's batches as a stored column.
fn convert(
    path: &Path,
    column: &str,
    data_type: &DataType,
    parts: &[&ArrayRef],
    n_rows: usize,
) -> Result<Stored, DataError> {
    let mut numbers = NumberColumn::with_capacity(n_rows);
    macro_rules! each {
        ($cast:ident, $ty:ty, $push:expr) => {
            for part in parts {
                let array = part.$cast::<$ty>();
                for row in 0..array.len() {
                    if array.is_null(row) {
                        numbers.missing();
                    } else {
                        $push(&mut numbers, array.value(row));
                    }
                }
            }
        };
    }
    // Integers beyond 2^53 do not all fit a double: their digits are kept.
    const EXACT: u64 = 1 << 53;
    let exact_int = |n: &mut NumberColumn, v: i64| {
        n.integer(v as f64, (v.unsigned_abs() > EXACT).then(|| v.to_string()))
    };
    let exact_uint =
        |n: &mut NumberColumn, v: u64| n.integer(v as f64, (v > EXACT).then(|| v.to_string()));
    match data_type {
        DataType::Float64 => each!(as_primitive, Float64Type, |n: &mut NumberColumn, v| n
            .float(v)),
        DataType::Float32 => each!(as_primitive, Float32Type, |n: &mut NumberColumn, v: f32| n
            .float(v as f64)),
        DataType::Int8 => each!(as_primitive, Int8Type, |n, v: i8| exact_int(n, v as i64)),
        DataType::Int16 => each!(as_primitive, Int16Type, |n, v: i16| exact_int(n, v as i64)),
        DataType::Int32 => each!(as_primitive, Int32Type, |n, v: i32| exact_int(n, v as i64)),
        DataType::Int64 => each!(as_primitive, Int64Type, |n, v: i64| exact_int(n, v)),
        DataType::UInt8 => each!(as_primitive, UInt8Type, |n, v: u8| exact_uint(n, v as u64)),
        DataType::UInt16 => each!(as_primitive, UInt16Type, |n, v: u16| exact_uint(
            n, v as u64
        )),
        DataType::UInt32 => each!(as_primitive, UInt32Type, |n, v: u32| exact_uint(
            n, v as u64
        )),
        DataType::UInt64 => each!(as_primitive, UInt64Type, |n, v: u64| exact_uint(n, v)),
        DataType::Boolean => {
            for part in parts {
                let array = part.as_boolean();
                for row in 0..array.len() {
                    if array.is_null(row) {
                        numbers.missing();
                    } else {
                        numbers.float(if array.value(row) { 1.0 } else { 0.0 });
                    }
                }
            }
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..) => {
            return text(path, column, data_type, parts, n_rows);
        }
        other => return Err(unreadable(path, column, other)),
    }
    Ok(numbers.finish())
}

fn unreadable(path: &Path, column: &str, data_type: &DataType) -> DataError {
    DataError::WrongType {
        path: path.to_path_buf(),
        column: column.to_string(),
        found: format!("{data_type}"),
        needed: "Evident reads numbers (float, integer, boolean) and text (string) columns".into(),
    }
}

fn text(
    path: &Path,
    column: &str,
    data_type: &DataType,
    parts: &[&ArrayRef],
    n_rows: usize,
) -> Result<Stored, DataError> {
    let mut builder = StringBuilder::with_capacity(n_rows, n_rows * 8);
    for part in parts {
        let strings: Box<dyn Fn(usize) -> Option<String> + '_> = match data_type {
            DataType::Utf8 => {
                let a = part.as_string::<i32>();
                Box::new(move |r| a.is_valid(r).then(|| a.value(r).trim().to_string()))
            }
            DataType::LargeUtf8 => {
                let a = part.as_string::<i64>();
                Box::new(move |r| a.is_valid(r).then(|| a.value(r).trim().to_string()))
            }
            DataType::Utf8View => {
                let a = part.as_string_view();
                Box::new(move |r| a.is_valid(r).then(|| a.value(r).trim().to_string()))
            }
            DataType::Dictionary(_, value_type)
                if matches!(value_type.as_ref(), DataType::Utf8 | DataType::LargeUtf8) =>
            {
                let dictionary = part.as_any_dictionary();
                let keys = dictionary.normalized_keys();
                let values = dictionary.values().clone();
                let large = matches!(value_type.as_ref(), DataType::LargeUtf8);
                Box::new(move |r| {
                    if dictionary.keys().is_null(r) {
                        return None;
                    }
                    let key = keys[r];
                    Some(if large {
                        values.as_string::<i64>().value(key).trim().to_string()
                    } else {
                        values.as_string::<i32>().value(key).trim().to_string()
                    })
                })
            }
            other => return Err(unreadable(path, column, other)),
        };
        for row in 0..part.len() {
            builder.append_option(strings(row));
        }
    }
    Ok(Stored::Text(builder.finish()))
}

/// Numbers gathered from a typed column, with the text of fields that a 64-bit
/// float cannot hold as the file does (so precision checks see them).
struct NumberColumn {
    values: Vec<f64>,
    valid: Vec<bool>,
    texts: Vec<(usize, FieldText)>,
}

impl NumberColumn {
    fn with_capacity(n: usize) -> Self {
        NumberColumn {
            values: Vec::with_capacity(n),
            valid: Vec::with_capacity(n),
            texts: Vec::new(),
        }
    }

    fn missing(&mut self) {
        self.values.push(0.0);
        self.valid.push(false);
    }

    fn float(&mut self, value: f64) {
        if value.is_nan() {
            return self.missing();
        }
        if !in_range(value) {
            // Kept as text so asking for the column as numbers names the value.
            self.texts
                .push((self.values.len(), format!("{value:e}").into()));
            return self.missing();
        }
        self.values.push(value);
        self.valid.push(true);
    }

    /// An integer, with its digits when the double does not hold them all.
    fn integer(&mut self, value: f64, digits: Option<String>) {
        if let Some(digits) = digits {
            self.texts.push((self.values.len(), digits.into()));
        }
        self.values.push(value);
        self.valid.push(true);
    }

    fn finish(self) -> Stored {
        let nulls = self.valid.iter().any(|v| !v).then(|| self.valid.into());
        Stored::Numbers {
            values: arrow_array::Float64Array::new(self.values.into(), nulls),
            texts: self.texts,
        }
    }
}
