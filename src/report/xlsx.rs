//! report.xlsx: every table of the report as a worksheet, from the same blocks as
//! report.md and report.html. A first sheet, "Contents", lists the tables with the
//! section each sits in. Each table's sheet holds its caption, its header (frozen) and
//! its rows.
//!
//! A cell that the report shows as a plain number ("1,180", "−0.52", "12.3%") is
//! written as that number, with a number format that shows it as the report does
//! (same decimals, thousands separators, percentages); anything else (intervals,
//! "<0.001", words) stays text. The numbers are the report's own rounded figures: the
//! one formatter (`format.rs`) decides what a reader sees, here as everywhere.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::charts::Chart;
use super::document::{Block, Table, layout};
use super::{RenderedFile, Renderer, ReportModel};

pub(super) struct Excel;

impl Renderer for Excel {
    fn render(&self, model: &ReportModel, charts: &[Chart]) -> Vec<RenderedFile> {
        vec![RenderedFile {
            name: "report.xlsx".into(),
            bytes: blocks_xlsx(layout(model, charts))
                .expect("a workbook of text and numbers is written to memory"),
        }]
    }
}

/// Excel's limit on the characters in a cell; longer text is cut (a label that long
/// would be an error otherwise).
const CELL_CHARACTERS: usize = 32_767;
/// Excel's limit on a sheet name.
const SHEET_NAME_CHARACTERS: usize = 31;
/// Widest a column is made to fit its text, in pixels.
const MAX_COLUMN_PIXELS: u32 = 420;

/// The tables among `blocks` as the bytes of an .xlsx workbook.
pub(crate) fn blocks_xlsx(blocks: Vec<Block>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    // A fixed creation date, so the same report gives the same bytes.
    workbook.set_properties(
        &DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let bold = Format::new().set_bold();
    let italic = Format::new().set_italic();

    let mut section = String::new();
    let mut tables: Vec<(String, Table)> = Vec::new();
    for block in blocks {
        match block {
            Block::Title(t) | Block::Heading(t) => section = t,
            Block::Table(table) => tables.push((section.clone(), table)),
            _ => {}
        }
    }

    let contents = workbook.add_worksheet();
    contents.set_name("Contents")?;
    for (column, name) in ["Sheet", "Section", "Table"].into_iter().enumerate() {
        contents.write_string_with_format(0, column as u16, name, &bold)?;
    }
    let names: Vec<String> = tables
        .iter()
        .enumerate()
        .map(|(i, (_, t))| sheet_name(i + 1, &t.caption))
        .collect();
    for (i, ((section, table), name)) in tables.iter().zip(&names).enumerate() {
        let row = i as u32 + 1;
        contents.write_string(row, 0, name)?;
        contents.write_string(row, 1, cell_text(section))?;
        contents.write_string(row, 2, cell_text(&table.caption))?;
    }
    contents.set_autofit_max_width(MAX_COLUMN_PIXELS).autofit();

    for ((_, table), name) in tables.iter().zip(&names) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        sheet.write_string_with_format(0, 0, cell_text(&table.caption), &italic)?;
        for (column, header) in table.header.iter().enumerate() {
            sheet.write_string_with_format(1, column as u16, cell_text(header), &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            for (column, text) in row.iter().enumerate() {
                write_cell(sheet, r as u32 + 2, column as u16, text)?;
            }
        }
        sheet.set_freeze_panes(2, 0)?;
        sheet.set_autofit_max_width(MAX_COLUMN_PIXELS).autofit();
        // The caption spans the sheet; it should not set the first column's width.
        let first = table
            .rows
            .iter()
            .map(|r| r.first().map_or(0, |c| c.chars().count()))
            .chain(table.header.first().map(|h| h.chars().count()))
            .max()
            .unwrap_or(8);
        sheet.set_column_width(0, (first.clamp(8, 60) + 2) as f64)?;
    }
    workbook.save_to_buffer()
}

fn write_cell(sheet: &mut Worksheet, row: u32, column: u16, text: &str) -> Result<(), XlsxError> {
    match number(text) {
        Some((value, format)) => sheet.write_number_with_format(
            row,
            column,
            value,
            &Format::new().set_num_format(format),
        )?,
        None => sheet.write_string(row, column, cell_text(text))?,
    };
    Ok(())
}

/// `text` within Excel's limit on a cell.
fn cell_text(text: &str) -> &str {
    match text.char_indices().nth(CELL_CHARACTERS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// `Tn caption`, without the characters Excel forbids in a sheet name, cut to 31
/// characters; the number keeps the names distinct.
fn sheet_name(n: usize, caption: &str) -> String {
    let cleaned: String = format!("T{n} {caption}")
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => ' ',
            c => c,
        })
        .collect();
    let mut name: String = cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(SHEET_NAME_CHARACTERS)
        .collect();
    while name.ends_with([' ', '\'']) {
        name.pop();
    }
    name
}

/// A cell the report shows as a plain number: its value and an Excel number format
/// that shows it the same way. Thousands separators, a true minus sign (U+2212) or a
/// hyphen, and a trailing % are understood; a leading zero before other digits (an
/// identifier such as "007") is not a number.
fn number(text: &str) -> Option<(f64, String)> {
    let text = text.trim();
    let (body, percent) = match text.strip_suffix('%') {
        Some(body) => (body, true),
        None => (text, false),
    };
    let (negative, digits) = match body
        .strip_prefix('\u{2212}')
        .or_else(|| body.strip_prefix('-'))
    {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let (whole, decimals) = match digits.split_once('.') {
        Some((w, d)) => (w, Some(d)),
        None => (digits, None),
    };
    if let Some(d) = decimals
        && (d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let grouped = whole.contains(',');
    let groups: Vec<&str> = whole.split(',').collect();
    let well_grouped = groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3)
        && (!grouped || !groups[0].is_empty());
    let plain = whole.replace(',', "");
    if plain.is_empty()
        || !plain.bytes().all(|b| b.is_ascii_digit())
        || !well_grouped
        || (plain.len() > 1 && plain.starts_with('0'))
    {
        return None;
    }
    let magnitude: f64 = match decimals {
        Some(d) => format!("{plain}.{d}").parse().ok()?,
        None => plain.parse().ok()?,
    };
    let signed = if negative { -magnitude } else { magnitude };
    let places = decimals.map_or(0, str::len);
    let mut format = String::from(if grouped { "#,##0" } else { "0" });
    if places > 0 {
        format.push('.');
        format.push_str(&"0".repeat(places));
    }
    if percent {
        format.push('%');
        Some((signed / 100.0, format))
    } else {
        Some((signed, format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_the_report_shows_them_become_numbers() {
        assert_eq!(number("1,180"), Some((1180.0, "#,##0".into())));
        assert_eq!(number("\u{2212}0.52"), Some((-0.52, "0.00".into())));
        assert_eq!(number("12.5%"), Some((0.125, "0.0%".into())));
        assert_eq!(number("0.012"), Some((0.012, "0.000".into())));
        assert_eq!(number("2,400.5"), Some((2400.5, "#,##0.0".into())));
        for text in [
            "<0.001",
            "0.5 to 3.5",
            "007",
            "1,18",
            "n/a",
            "",
            "−",
            "1.",
            "12,3456",
        ] {
            assert_eq!(number(text), None, "{text}");
        }
    }

    #[test]
    fn text_too_long_for_a_cell_is_cut_and_the_workbook_still_written() {
        let long = "é".repeat(CELL_CHARACTERS + 10);
        assert_eq!(cell_text(&long).chars().count(), CELL_CHARACTERS);
        assert_eq!(cell_text("short"), "short");
        let table = Table {
            caption: long.clone(),
            header: vec![long.clone()],
            rows: vec![vec![long]],
        };
        assert!(blocks_xlsx(vec![Block::Table(table)]).is_ok());
    }

    #[test]
    fn sheet_names_are_short_distinct_and_allowed() {
        assert_eq!(
            sheet_name(3, "Units per arm (analysed counts: primary outcome)"),
            "T3 Units per arm (analysed coun"
        );
        assert_eq!(sheet_name(12, "A/B [test]?"), "T12 A B test");
    }
}
