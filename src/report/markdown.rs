//! report.md: the report as GitHub-flavoured Markdown; charts are linked SVG files.

use super::charts::Chart;
use super::document::{Block, layout};
use super::{RenderedFile, Renderer, ReportModel};

pub(super) struct Markdown;

impl Renderer for Markdown {
    fn render(&self, model: &ReportModel, charts: &[Chart]) -> Vec<RenderedFile> {
        let mut out = String::new();
        for block in layout(model, charts) {
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
        vec![RenderedFile {
            name: "report.md".into(),
            bytes: out.into_bytes(),
        }]
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
