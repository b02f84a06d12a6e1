//! The report stage: one report model (`model.rs`) rendered to JSON, Markdown,
//! self-contained HTML, Word (.docx) and Excel (.xlsx), with SVG charts (PNG in Word).
//! Renderers format; they never compute.

pub mod bounds;
pub mod charts;
pub mod compliance;
mod did;
pub mod disclosure;
pub(crate) mod document;
mod docx;
pub mod economics;
pub mod equivalence;
mod findings;
mod flow_chart;
pub mod format;
pub(crate) mod html;
pub mod interim;
mod its;
mod json;
mod lifecycle;
pub(crate) mod markdown;
pub mod matching;
pub mod model;
mod raster;
mod ratings;
pub mod rdd;
pub mod staggered;
mod stepped_wedge;
pub mod subgroups;
pub mod synth;
pub mod words;
mod xlsx;

pub use model::{REPORT_SCHEMA_VERSION, ReportModel};

use crate::spec::{ReportFormat, ReportPlan};

/// One output file: a name inside the report directory and its bytes.
#[derive(Debug, Clone)]
pub struct RenderedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A report format: the model in, files out.
trait Renderer {
    fn render(&self, model: &ReportModel, charts: &[charts::Chart]) -> Vec<RenderedFile>;
}

/// Renders the model in each requested format. Markdown references the charts as
/// separate SVG files (written alongside); HTML inlines them.
pub fn render(model: &ReportModel, report: &ReportPlan) -> Vec<RenderedFile> {
    let formats = &report.formats;
    // Disclosure control reads every count the model holds, so it runs on the
    // finished model, and every renderer and chart reads its decisions from it.
    let mut model = model.clone();
    model.disclosure = disclosure::ledger(&model).assess(report.disclosure);
    let model = &model;
    let charts = charts::charts(model);
    let mut files = Vec::new();
    for format in formats {
        let renderer: &dyn Renderer = match format {
            ReportFormat::Json => &json::Json,
            ReportFormat::Md => &markdown::Markdown,
            ReportFormat::Html => &html::Html,
            ReportFormat::Docx => &docx::Word,
            ReportFormat::Xlsx => &xlsx::Excel,
        };
        files.extend(renderer.render(model, &charts));
    }
    if formats.contains(&ReportFormat::Md) {
        files.extend(charts.iter().map(|c| RenderedFile {
            name: format!("{}.svg", c.name),
            bytes: c.svg.clone().into_bytes(),
        }));
    }
    files
}
