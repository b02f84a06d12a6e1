//! report.md: the report as GitHub-flavoured Markdown; charts are linked SVG files.

use super::charts::Chart;
use super::document::{Block, layout};
use super::{RenderedFile, Renderer, ReportModel};

pub(super) struct Markdown;

impl Renderer for Markdown {
    fn render(&self, model: &ReportModel, charts: &[Chart]) -> Vec<RenderedFile> {
        vec![RenderedFile {
            name: "report.md".into(),
            bytes: blocks_markdown(layout(model, charts), charts).into_bytes(),
        }]
    }
}

/// Blocks as Markdown, charts linked as `<name>.svg` (also used by the synthesis report).
pub(crate) fn blocks_markdown(blocks: Vec<Block>, charts: &[Chart]) -> String {
    {
        let mut out = String::new();
        for block in blocks {
            match block {
                Block::Title(t) => out.push_str(&format!("# {}\n\n", inline(&t))),
                Block::Headline(t) => out.push_str(&format!("> **{}**\n\n", inline(&t))),
                Block::Heading(t) => out.push_str(&format!("## {}\n\n", inline(&t))),
                Block::Paragraph(t) => out.push_str(&format!("{}\n\n", inline(&t))),
                Block::List(items) => {
                    for item in items {
                        out.push_str(&format!("- {}\n", inline(&item)));
                    }
                    out.push('\n');
                }
                Block::Table(table) => {
                    out.push_str(&format!("*{}*\n\n", inline(&table.caption)));
                    out.push_str(&format!(
                        "| {} |\n",
                        table
                            .header
                            .iter()
                            .map(|h| cell(h))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    ));
                    out.push_str(&format!("|{}\n", "---|".repeat(table.header.len())));
                    for row in &table.rows {
                        out.push_str(&format!(
                            "| {} |\n",
                            row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                        ));
                    }
                    out.push('\n');
                }
                Block::Chart(i) => {
                    let chart = &charts[i];
                    out.push_str(&format!(
                        "![{}]({}.svg)\n\n*{}*\n\n",
                        inline(&chart.title),
                        chart.name,
                        inline(&chart.description)
                    ));
                }
            }
        }
        out
    }
}

/// Escapes characters that Markdown would read as markup in running text.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|' | '\\'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn cell(text: &str) -> String {
    inline(text).replace('\n', " ")
}
