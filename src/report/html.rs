//! report.html: one self-contained page (inline CSS and SVG, no scripts, no network)
//! that reads well on screen and prints cleanly to A4.

use super::charts::{Chart, escape};
use super::document::{Block, layout};
use super::{RenderedFile, Renderer, ReportModel};

pub(super) struct Html;

// Print: no forced page breaks (a break before every section left pages nearly
// blank); headings, captions and figures are kept with what follows; a table may
// break between rows but never inside one, nor between its header and first row (a
// caption and header alone at the foot of a page). Phone: a table of sentences (a
// summary of findings, the Standards' criteria) is stacked, each row a card whose
// cells carry their column's name, since squeezed into columns its rows grew tall and
// mostly empty and half of it was out of view; any other table scrolls inside its own
// box (so the page never scrolls sideways); charts shrink with the column. Charts
// are drawn at most 640 px wide, about the width of A4 inside 18 mm margins, so print
// shows them at full size and their 13 px tick text stays above 11 px.
const STYLE: &str = r#"
:root { --ink: #1b1b1b; --muted: #4a4a4a; --rule: #c8c8c8; --accent: #0b5394; --met: #0a6b2d; --notmet: #8a1c00; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; overflow-wrap: break-word; }
main { min-width: 0; }
h1 { font-size: 1.8rem; margin-bottom: 0.5rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--rule); padding-bottom: 0.2rem; margin-top: 2rem; }
h1, h2, caption { break-after: avoid; page-break-after: avoid; }
.headline { border-left: 6px solid var(--accent); background: #eef4fb; padding: 0.8rem 1rem; font-size: 1.1rem; font-weight: 600; }
li, figcaption { overflow-wrap: anywhere; }
th, td { overflow-wrap: break-word; hyphens: manual; }
.table-scroll { max-width: 100%; overflow-x: auto; margin: 0.5rem 0 1.5rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
caption { text-align: left; font-style: italic; color: var(--muted); padding-bottom: 0.3rem; }
th, td { border: 1px solid var(--rule); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
thead { display: table-header-group; }
tbody tr:first-child { break-before: avoid; page-break-before: avoid; }
tr, figure, .headline, .table-scroll.short { break-inside: avoid; page-break-inside: avoid; }
td.status-met { color: var(--met); font-weight: 600; }
td.status-not-met { color: var(--notmet); font-weight: 600; }
figure { margin: 1rem 0; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 0.85rem; }
@media (max-width: 40rem) {
  body { margin: 1rem auto; padding: 0 0.75rem; }
  h1 { font-size: 1.5rem; }
  table { width: auto; min-width: 100%; font-size: 0.85rem; }
  th, td { min-width: 8rem; } /* wide enough that a sentence cell stays a few lines tall; the table scrolls in its box */
}
@media screen and (max-width: 40rem) {
  table.stack, table.stack tbody, table.stack tr, table.stack th, table.stack td { display: block; }
  table.stack { width: 100%; min-width: 0; }
  table.stack caption { display: block; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  table.stack tr { border: 1px solid var(--rule); margin: 0 0 0.6rem; }
  table.stack th, table.stack td { border: 0; min-width: 0; }
  table.stack td { border-top: 1px solid #e6e6e6; }
  table.stack td::before { content: attr(data-label); display: block; font-size: 0.8rem; font-weight: 600; color: var(--muted); }
}
@media print {
  @page { size: A4; margin: 18mm; }
  body { margin: 0; padding: 0; max-width: none; font-size: 10pt; line-height: 1.4; }
  h2 { margin-top: 1.2rem; }
  .table-scroll { overflow: visible; }
  table { font-size: 8.5pt; table-layout: auto; }
  th, td { padding: 0.2rem 0.35rem; }
  table.wide { font-size: 7pt; }
  table.wide th, table.wide td { padding: 0.15rem 0.25rem; }
  .headline { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// From this many columns a table prints in smaller type.
const WIDE_TABLE_COLUMNS: usize = 9;
/// A table of fewer columns than [`WIDE_TABLE_COLUMNS`] with a cell at least this
/// long (a sentence, not a figure or a label) is stacked on a phone.
const SENTENCE_CHARACTERS: usize = 40;

/// Whether a table is stacked on a phone: sentences in a few columns read better as
/// one card a row than squeezed; figures keep their columns to be compared down.
fn stacks_on_a_phone(table: &super::document::Table) -> bool {
    table.header.len() >= 2
        && table.header.len() < WIDE_TABLE_COLUMNS
        && table
            .rows
            .iter()
            .flatten()
            .any(|c| c.chars().count() >= SENTENCE_CHARACTERS)
}
/// Up to this many rows a table is kept on one page...
const SHORT_TABLE_ROWS: usize = 8;
/// ...when it also prints in at most this many lines, about a third of an A4 page at
/// 8.5 pt. A few rows of sentences (a summary of findings with its reasons) are
/// taller than what is left of a page after the headline; kept whole, such a table
/// left page 1 blank below the headline.
const SHORT_TABLE_LINES: usize = 20;
/// Characters of 8.5 pt text across A4's printable width (174 mm), shared by the
/// columns, for the line estimate.
const LINE_CHARACTERS: usize = 110;

/// The lines a table prints in, estimated with equal columns: caption and header,
/// then each row as tall as its longest cell wrapped to its column.
fn printed_lines(table: &super::document::Table) -> usize {
    let columns = table.header.len().max(1);
    let per_line = (LINE_CHARACTERS / columns).saturating_sub(2).max(6);
    let lines = |cells: &[String]| {
        cells
            .iter()
            .map(|c| c.chars().count().div_ceil(per_line).max(1))
            .max()
            .unwrap_or(1)
    };
    1 + lines(&table.header) + table.rows.iter().map(|r| lines(r)).sum::<usize>()
}

impl Renderer for Html {
    fn render(&self, model: &ReportModel, charts: &[Chart]) -> Vec<RenderedFile> {
        vec![RenderedFile {
            name: "report.html".into(),
            bytes: blocks_page(&model.title, layout(model, charts), charts).into_bytes(),
        }]
    }
}

/// Blocks as one self-contained HTML page, charts inline (also used by the synthesis
/// report).
pub(crate) fn blocks_page(title: &str, blocks: Vec<Block>, charts: &[Chart]) -> String {
    {
        let mut body = String::new();
        for block in blocks {
            match block {
                Block::Title(t) => body.push_str(&format!("<h1>{}</h1>\n", escape(&t))),
                Block::Headline(t) => {
                    body.push_str(&format!("<p class=\"headline\">{}</p>\n", escape(&t)))
                }
                Block::Heading(t) => body.push_str(&format!("<h2>{}</h2>\n", escape(&t))),
                Block::Paragraph(t) => body.push_str(&format!("<p>{}</p>\n", escape(&t))),
                Block::List(items) => {
                    body.push_str("<ul>\n");
                    for item in items {
                        body.push_str(&format!("<li>{}</li>\n", escape(&item)));
                    }
                    body.push_str("</ul>\n");
                }
                Block::Table(table) => {
                    // The wrapper scrolls a wide table on a phone; it is a labelled,
                    // focusable region so keyboard users can scroll it too.
                    // Tables of many columns print smaller so that they fit A4's width.
                    let stack = stacks_on_a_phone(&table);
                    let class = if table.header.len() >= WIDE_TABLE_COLUMNS {
                        " class=\"wide\""
                    } else if stack {
                        // Roles keep a stacked table a table to screen readers.
                        " class=\"stack\" role=\"table\""
                    } else {
                        ""
                    };
                    let role = |name: &str| {
                        if stack {
                            format!(" role=\"{name}\"")
                        } else {
                            String::new()
                        }
                    };
                    // A short table moves to the next page whole rather than leave its
                    // caption and header alone at the foot of a page.
                    let short = if table.rows.len() <= SHORT_TABLE_ROWS
                        && printed_lines(&table) <= SHORT_TABLE_LINES
                    {
                        " short"
                    } else {
                        ""
                    };
                    body.push_str(&format!(
                        "<div class=\"table-scroll{short}\" role=\"region\" tabindex=\"0\" aria-label=\"{0}\">\n<table{class}>\n<caption>{0}</caption>\n<thead{1}><tr{2}>",
                        escape(&table.caption),
                        role("rowgroup"),
                        role("row")
                    ));
                    for h in &table.header {
                        body.push_str(&format!(
                            "<th scope=\"col\"{}>{}</th>",
                            role("columnheader"),
                            escape(h)
                        ));
                    }
                    body.push_str(&format!("</tr></thead>\n<tbody{}>\n", role("rowgroup")));
                    for row in &table.rows {
                        body.push_str(&format!("<tr{}>", role("row")));
                        for (i, c) in row.iter().enumerate() {
                            let class = match c.as_str() {
                                "met" => " class=\"status-met\"",
                                "not met" => " class=\"status-not-met\"",
                                _ => "",
                            };
                            if i == 0 {
                                body.push_str(&format!(
                                    "<th scope=\"row\"{}>{}</th>",
                                    role("rowheader"),
                                    escape(c)
                                ));
                            } else {
                                // A stacked cell shows its column's name above it.
                                let label = match (stack, table.header.get(i)) {
                                    (true, Some(h)) => {
                                        format!(" role=\"cell\" data-label=\"{}\"", escape(h))
                                    }
                                    _ => String::new(),
                                };
                                body.push_str(&format!("<td{class}{label}>{}</td>", escape(c)));
                            }
                        }
                        body.push_str("</tr>\n");
                    }
                    body.push_str("</tbody>\n</table>\n</div>\n");
                }
                Block::Chart(i) => {
                    let chart = &charts[i];
                    body.push_str(&format!(
                        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                        chart.svg.trim(),
                        escape(&chart.description)
                    ));
                }
            }
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"evident {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
            env!("CARGO_PKG_VERSION"),
            escape(title)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::Table;

    fn table(columns: usize, rows: usize, cell: &str) -> Table {
        Table {
            caption: "c".into(),
            header: vec!["h".to_string(); columns],
            rows: vec![vec![cell.to_string(); columns]; rows],
        }
    }

    #[test]
    fn a_few_rows_of_sentences_are_not_short_but_a_few_rows_of_figures_are() {
        // 7 columns share 110 characters: 13 a line. A 260-character reason wraps to
        // 20 lines, so two such rows (41 lines with the header) may break between them.
        let reasons = table(7, 2, &"x".repeat(260));
        assert_eq!(printed_lines(&reasons), 1 + 1 + 2 * 20);
        assert!(printed_lines(&reasons) > SHORT_TABLE_LINES);
        // Eight rows of figures print in ten lines and stay together.
        let figures = table(4, 8, "12.3");
        assert_eq!(printed_lines(&figures), 10);
        assert!(printed_lines(&figures) <= SHORT_TABLE_LINES);
    }

    #[test]
    fn sentences_in_a_few_columns_stack_on_a_phone_and_figures_keep_their_columns() {
        let reasons = table(4, 2, "a reason in a sentence, long enough to wrap");
        assert!(stacks_on_a_phone(&reasons));
        assert!(!stacks_on_a_phone(&table(4, 8, "12.3")));
        // A wide table of sentences prints small and scrolls instead.
        assert!(!stacks_on_a_phone(&table(
            WIDE_TABLE_COLUMNS,
            2,
            &"x".repeat(50)
        )));
        let page = blocks_page("t", vec![Block::Table(reasons)], &[]);
        assert!(
            page.contains("<table class=\"stack\" role=\"table\">"),
            "{page}"
        );
        assert!(
            page.contains("<td role=\"cell\" data-label=\"h\">a reason"),
            "{page}"
        );
        let page = blocks_page("t", vec![Block::Table(table(4, 8, "12.3"))], &[]);
        assert!(!page.contains("data-label=") && !page.contains("role=\"cell\""));
    }
}
