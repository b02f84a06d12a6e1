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
use super::store::{Stored, concat, in_range};

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

fn read_parquet(
    path: &Path,
    wanted: Option<&[&str]>,
    groups: Option<&[usize]>,
) -> Result<Columns, DataError> {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let metadata = parquet_metadata(path)?;
    let schema = metadata.schema().clone();
    let mask = match wanted {
        None => ProjectionMask::all(),
        Some(wanted) => ProjectionMask::roots(
            metadata.parquet_schema(),
            schema
                .fields()
                .iter()
                .enumerate()
                .filter(|(_, f)| wanted.contains(&f.name().as_str()))
                .map(|(i, _)| i),
        ),
    };
    let all: Vec<usize> = (0..metadata.metadata().num_row_groups()).collect();
    // Row groups decode independently, one task each, and each is converted to
    // columns at once so its Arrow batches are freed; results stay in file order.
    let per_group: Vec<Result<Columns, DataError>> = groups
        .unwrap_or(&all)
        .par_iter()
        .map(|&group| {
            let file = open(path)?;
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
                .with_projection(mask.clone())
                .with_row_groups(vec![group])
                // Batches of 8,192 rows: each decoded array (64 KiB of doubles) stays
                // under glibc's 128 KiB mmap threshold, so arrays freed are reused
                // from the heap instead of mapped and zeroed afresh (1e6 × 11
                // doubles: 0.1 s less system time than 65,536-row batches).
                .with_batch_size(8 * 1024)
                .build()
                .map_err(|e| corrupt(path, Format::Parquet, e))?;
            let batches = reader
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| corrupt(path, Format::Parquet, e))?;
            let rows = batches.iter().map(RecordBatch::num_rows).sum();
            let schema = batches
                .first()
                .map_or_else(|| schema.clone(), RecordBatch::schema);
            let mut columns = columns_of(path, &schema, &batches, wanted, rows)?;
            // Back to the file's header order (a projected batch has only the wanted).
            let mut in_file_order: Vec<Option<Stored>> =
                Vec::with_capacity(metadata.schema().fields().len());
            for field in metadata.schema().fields() {
                let at = schema
                    .fields()
                    .iter()
                    .position(|f| f.name() == field.name());
                in_file_order.push(at.and_then(|i| columns[i].take()));
            }
            Ok(Columns {
                headers: Vec::new(),
                columns: in_file_order,
                n_rows: rows,
            })
        })
        .collect();
    let mut pieces = Vec::with_capacity(per_group.len());
    for group in per_group {
        pieces.push(group?);
    }
    let n_rows = pieces.iter().map(|p| p.n_rows).sum();
    let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut columns = Vec::with_capacity(headers.len());
    for (index, field) in schema.fields().iter().enumerate() {
        if wanted.is_some_and(|w| !w.contains(&field.name().as_str())) {
            columns.push(None);
            continue;
        }
        // One column at a time: its pieces are freed as the whole is built.
        let parts: Vec<Stored> = pieces
            .iter_mut()
            .filter_map(|piece| piece.columns[index].take())
            .collect();
        columns.push(Some(match parts.len() {
            0 => convert(path, field.name(), field.data_type(), &[], 0)?,
            _ => concat(parts, n_rows),
        }));
    }
    drop(pieces);
    Ok(Columns {
        headers,
        columns,
        n_rows,
    })
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
    texts: Vec<(usize, Box<str>)>,
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
