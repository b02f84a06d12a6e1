//! report.json: the report model as JSON, keys in a stable order (struct order) and
//! numbers at full precision, so that a CI job can diff two runs.

use super::charts::Chart;
use super::{RenderedFile, Renderer, ReportModel};

pub(super) struct Json;

impl Renderer for Json {
    fn render(&self, model: &ReportModel, _charts: &[Chart]) -> Vec<RenderedFile> {
        let mut bytes = serde_json::to_vec_pretty(model)
            .expect("the report model serialises: no maps with non-string keys");
        bytes.push(b'\n');
        vec![RenderedFile {
            name: "report.json".into(),
            bytes,
        }]
    }
}
