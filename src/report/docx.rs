//! report.docx: the report as a Word document, from the same blocks as report.md and
//! report.html: the title, headline, headings (Word's Heading 1 and 2 styles, so they
//! are the document's outline), paragraphs, bulleted lists, tables with their captions
//! and the charts as PNG images at print resolution (`raster.rs`) with their
//! descriptions. A4 with 18 mm margins, as the HTML prints.
//!
//! The file is the same bytes for the same report: the parts carry fixed dates, and
//! images are numbered within the document rather than by docx-rs's process-wide
//! counter.

use docx_rs::{
    AbstractNumbering, AlignmentType, BorderType, Docx, IndentLevel, Level, LevelJc, LevelText,
    LineSpacing, NumberFormat, Numbering, NumberingId, PageMargin, Paragraph, Pic, Run, RunFonts,
    Shading, ShdType, SpecialIndentType, Start, Style, StyleType, Table, TableBorder,
    TableBorderPosition, TableBorders, TableCell, TableLayoutType, TableRow, WidthType,
};

use super::charts::Chart;
use super::document::{Block, layout};
use super::{RenderedFile, Renderer, ReportModel};

pub(super) struct Word;

impl Renderer for Word {
    fn render(&self, model: &ReportModel, charts: &[Chart]) -> Vec<RenderedFile> {
        vec![RenderedFile {
            name: "report.docx".into(),
            bytes: blocks_docx(layout(model, charts), charts),
        }]
    }
}

/// A4 in twentieths of a point.
const PAGE_WIDTH: u32 = 11_906;
const PAGE_HEIGHT: u32 = 16_838;
/// 18 mm, the HTML's print margin.
const MARGIN: i32 = 1_020;
/// The text width tables and charts span.
const TEXT_WIDTH: usize = PAGE_WIDTH as usize - 2 * MARGIN as usize;
/// English Metric Units per twentieth of a point.
const EMU_PER_TWIP: u32 = 635;
/// From this many columns a table is set in smaller type, as in the HTML's print.
const WIDE_TABLE_COLUMNS: usize = 9;
/// A column's share of a table's width grows with its longest cell up to this many
/// characters.
const COLUMN_CHARACTERS_CAP: usize = 40;
/// The bulleted list's numbering (docx-rs defines a numbered list as 1).
const BULLETS: usize = 2;
const INK: &str = "1B1B1B";
const MUTED: &str = "4A4A4A";
const ACCENT: &str = "0B5394";
const RULE: &str = "C8C8C8";

/// Blocks as the bytes of a .docx file.
pub(crate) fn blocks_docx(blocks: Vec<Block>, charts: &[Chart]) -> Vec<u8> {
    let mut docx = styled();
    let mut images = 0usize;
    for block in blocks {
        match block {
            Block::Title(t) => docx = docx.add_paragraph(styled_text("Title", &t).keep_next(true)),
            Block::Headline(t) => {
                // The HTML's headline box: a shaded cell with a thick rule on its left.
                let cell = TableCell::new()
                    .add_paragraph(Paragraph::new().add_run(run(&t).bold().size(22)))
                    .shading(Shading::new().shd_type(ShdType::Clear).fill("EEF4FB"))
                    .width(TEXT_WIDTH, WidthType::Dxa);
                docx = docx
                    .add_table(
                        Table::new(vec![TableRow::new(vec![cell]).cant_split()])
                            .set_grid(vec![TEXT_WIDTH])
                            .width(TEXT_WIDTH, WidthType::Dxa)
                            .layout(TableLayoutType::Fixed)
                            .set_borders(
                                TableBorders::with_empty().set(
                                    TableBorder::new(TableBorderPosition::Left)
                                        .size(36)
                                        .color(ACCENT)
                                        .border_type(BorderType::Single),
                                ),
                            ),
                    )
                    .add_paragraph(Paragraph::new().size(8));
            }
            Block::Heading(t) => {
                docx = docx.add_paragraph(styled_text("Heading1", &t).keep_next(true))
            }
            Block::Paragraph(t) => docx = docx.add_paragraph(Paragraph::new().add_run(run(&t))),
            Block::List(items) => {
                for item in items {
                    docx = docx.add_paragraph(
                        Paragraph::new()
                            .add_run(run(&item))
                            .numbering(NumberingId::new(BULLETS), IndentLevel::new(0)),
                    );
                }
            }
            Block::Table(table) => {
                docx = docx.add_paragraph(
                    styled_text("Caption", &table.caption)
                        .keep_next(true)
                        .keep_lines(true),
                );
                docx = docx.add_table(word_table(&table));
                // Word joins two tables that touch; a small gap keeps them apart.
                docx = docx.add_paragraph(Paragraph::new().size(8));
            }
            Block::Chart(i) => {
                let chart = &charts[i];
                if let Some((png, w, h)) = super::raster::png(&chart.svg) {
                    images += 1;
                    // One SVG pixel is 1/96 inch, 15 twips, as the HTML prints it.
                    let width = (TEXT_WIDTH as u32).min(w / super::raster::PRINT_SCALE * 15);
                    let height = width * h / w;
                    let mut pic = Pic::new_with_dimensions(png, w, h)
                        .size(width * EMU_PER_TWIP, height * EMU_PER_TWIP);
                    pic.id = format!("rIdImage{images}");
                    docx = docx.add_paragraph(
                        Paragraph::new()
                            .add_run(Run::new().add_image(pic))
                            .align(AlignmentType::Center)
                            .keep_next(true),
                    );
                }
                docx = docx.add_paragraph(styled_text("Caption", &chart.description));
            }
        }
    }
    let mut bytes = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut bytes)
        .expect("a .docx is written to memory, which cannot fail");
    bytes.into_inner()
}

/// The document with its page, fixed dates and the styles the blocks use.
fn styled() -> Docx {
    let font = || RunFonts::new().ascii("DejaVu Sans").hi_ansi("DejaVu Sans");
    let heading = |id: &str, name: &str, size: usize, level: usize| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .size(size)
            .bold()
            .color(INK)
            .outline_lvl(level)
            .line_spacing(LineSpacing::new().before(240).after(80))
    };
    Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN),
        )
        .default_fonts(font())
        .default_size(20)
        .default_line_spacing(LineSpacing::new().after(100))
        .created_at("1970-01-01T00:00:00Z")
        .updated_at("1970-01-01T00:00:00Z")
        .add_style(heading("Title", "Title", 36, 0))
        .add_style(heading("Heading1", "Heading 1", 26, 1))
        .add_style(
            Style::new("Caption", StyleType::Paragraph)
                .name("Caption")
                .based_on("Normal")
                .next("Normal")
                .size(17)
                .italic()
                .color(MUTED)
                .line_spacing(LineSpacing::new().before(120).after(40)),
        )
        .add_abstract_numbering(
            AbstractNumbering::new(BULLETS).add_level(
                Level::new(
                    0,
                    Start::new(1),
                    NumberFormat::new("bullet"),
                    LevelText::new("•"),
                    LevelJc::new("left"),
                )
                .indent(
                    Some(360),
                    Some(SpecialIndentType::Hanging(240)),
                    None,
                    None,
                ),
            ),
        )
        .add_numbering(Numbering::new(BULLETS, BULLETS))
}

fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

fn styled_text(style: &str, text: &str) -> Paragraph {
    Paragraph::new().style(style).add_run(run(text))
}

/// A table across the text width, the header shaded and bold, the first column bold
/// as the HTML's row headers; a row never splits across pages. Columns share the
/// width by their longest cell (capped, so one sentence does not squeeze the figures).
fn word_table(table: &super::document::Table) -> Table {
    let columns = table.header.len().max(1);
    let longest = |c: usize| {
        table
            .rows
            .iter()
            .filter_map(|r| r.get(c))
            .chain(table.header.get(c))
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(0)
    };
    let weights: Vec<usize> = (0..columns)
        .map(|c| longest(c).clamp(6, COLUMN_CHARACTERS_CAP))
        .collect();
    let total: usize = weights.iter().sum();
    let grid: Vec<usize> = weights.iter().map(|w| TEXT_WIDTH * w / total).collect();
    let size = if columns >= WIDE_TABLE_COLUMNS {
        14
    } else {
        17
    };
    let cell = |text: &str, column: usize, bold: bool, header: bool| {
        let mut run = run(text).size(size);
        if bold {
            run = run.bold();
        }
        let mut cell = TableCell::new()
            .add_paragraph(
                Paragraph::new()
                    .add_run(run)
                    .line_spacing(LineSpacing::new().before(0).after(0)),
            )
            .width(grid[column], WidthType::Dxa);
        if header {
            cell = cell.shading(Shading::new().shd_type(ShdType::Clear).fill("F2F2F2"));
        }
        cell
    };
    let mut rows = vec![
        TableRow::new(
            table
                .header
                .iter()
                .enumerate()
                .map(|(i, h)| cell(h, i, true, true))
                .collect(),
        )
        .cant_split(),
    ];
    for row in &table.rows {
        rows.push(
            TableRow::new(
                row.iter()
                    .enumerate()
                    .take(columns)
                    .map(|(i, c)| cell(c, i, i == 0, false))
                    .collect(),
            )
            .cant_split(),
        );
    }
    let width = grid.iter().sum();
    Table::new(rows)
        .set_grid(grid)
        .width(width, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(
            [
                TableBorderPosition::Top,
                TableBorderPosition::Left,
                TableBorderPosition::Bottom,
                TableBorderPosition::Right,
                TableBorderPosition::InsideH,
                TableBorderPosition::InsideV,
            ]
            .into_iter()
            .fold(TableBorders::new(), |borders, position| {
                borders.set(TableBorder::new(position).color(RULE))
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::Table as ReportTable;

    fn blocks() -> Vec<Block> {
        vec![
            Block::Title("A study".into()),
            Block::Headline("It worked".into()),
            Block::Heading("Results".into()),
            Block::List(vec!["one".into(), "two".into()]),
            Block::Table(ReportTable {
                caption: "Units per arm".into(),
                header: vec!["Arm".into(), "n".into()],
                rows: vec![vec!["control".into(), "1,200".into()]],
            }),
        ]
    }

    #[test]
    fn the_same_blocks_give_the_same_bytes() {
        let first = blocks_docx(blocks(), &[]);
        assert!(first.starts_with(b"PK"));
        assert_eq!(first, blocks_docx(blocks(), &[]));
    }
}
