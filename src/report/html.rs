//! report.html: one self-contained page (inline CSS and SVG, no scripts, no network)
//! that reads well on screen and prints cleanly to A4.

use super::charts::{Chart, escape};
use super::document::{Block, layout};
use super::{RenderedFile, Renderer, ReportModel};

pub(super) struct Html;

const STYLE: &str = r#"
:root { --ink: #1b1b1b; --muted: #4a4a4a; --rule: #c8c8c8; --accent: #0b5394; --met: #0a6b2d; --notmet: #8a1c00; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.8rem; margin-bottom: 0.5rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--rule); padding-bottom: 0.2rem; margin-top: 2rem; }
.headline { border-left: 6px solid var(--accent); background: #eef4fb; padding: 0.8rem 1rem; font-size: 1.1rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
caption { text-align: left; font-style: italic; color: var(--muted); padding-bottom: 0.3rem; }
th, td { border: 1px solid var(--rule); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.status-met { color: var(--met); font-weight: 600; }
td.status-not-met { color: var(--notmet); font-weight: 600; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.85rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-before: page; } h2:first-of-type { break-before: auto; }
  table, figure, tr { break-inside: avoid; }
  @page { size: A4; margin: 18mm; }
}
"#;

impl Renderer for Html {
    fn render(&self, model: &ReportModel, charts: &[Chart]) -> Vec<RenderedFile> {
        let mut body = String::new();
        for block in layout(model, charts) {
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
                    body.push_str(&format!(
                        "<table>\n<caption>{}</caption>\n<thead><tr>",
                        escape(&table.caption)
                    ));
                    for h in &table.header {
                        body.push_str(&format!("<th scope=\"col\">{}</th>", escape(h)));
                    }
                    body.push_str("</tr></thead>\n<tbody>\n");
                    for row in &table.rows {
                        body.push_str("<tr>");
                        for (i, c) in row.iter().enumerate() {
                            let class = match c.as_str() {
                                "met" => " class=\"status-met\"",
                                "not met" => " class=\"status-not-met\"",
                                _ => "",
                            };
                            if i == 0 {
                                body.push_str(&format!("<th scope=\"row\">{}</th>", escape(c)));
                            } else {
                                body.push_str(&format!("<td{class}>{}</td>", escape(c)));
                            }
                        }
                        body.push_str("</tr>\n");
                    }
                    body.push_str("</tbody>\n</table>\n");
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
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"evident {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
            model.engine.version,
            escape(&model.title)
        );
        vec![RenderedFile {
            name: "report.html".into(),
            bytes: page.into_bytes(),
        }]
    }
}
