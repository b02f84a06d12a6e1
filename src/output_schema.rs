//! The JSON Schemas of the documents the pipeline writes or prints: report.json (and
//! plan.json, the same report model), `evident analyse --json`, `evident plan --json`,
//! manifest.json and `evident assign --json` / `--verify --json`, and the match
//! stage's matched.manifest.json. `evident schema
//! --output <target>` prints them; docs/json.md documents them.
//!
//! These documents are only ever written, so their schemas describe what serde writes
//! (schemars' serialize contract): a field left out when empty is optional, an
//! `Option` written as `null` is required and nullable. serde_json writes a non-finite
//! `f64` (an infinite ratio, a NaN from an empty group) as `null`, so every number in
//! these schemas is nullable: the schema says what a reader may meet, not what is usual.

use std::path::PathBuf;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde_json::Value;

use crate::analysis::Analysis;
use crate::assign::{Balance, Manifest};
use crate::evidence::Grade;

/// `evident analyse SPEC --json`: the analysis (absent when the spec has no outcome
/// data to analyse) and the grade.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnalyseOutput {
    pub analysis: Option<Analysis>,
    pub grade: Grade,
}

/// `evident assign SPEC --json`: the manifest written, the balance of the allocation,
/// the manifest's SHA-256, whether an identical allocation was already there, and the
/// files written.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AssignOutput {
    pub manifest: Manifest,
    pub balance: Balance,
    pub manifest_sha256: String,
    pub unchanged: bool,
    pub files: Vec<PathBuf>,
}

/// The documents whose schema [`output_schema`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputDocument {
    /// report.json and plan.json (the report model).
    Report,
    /// `evident analyse --json`.
    Analyse,
    /// `evident plan --json` (the plan stage's result).
    Plan,
    /// manifest.json, written by the assign stage.
    Manifest,
    /// `evident assign --json`.
    Assign,
    /// `evident assign --verify --json`.
    Verify,
    /// matched.manifest.json, written by the match stage.
    MatchedManifest,
    /// `evident diff --json`.
    Diff,
    /// `evident synthesise --json` and synthesis.json.
    Synthesis,
}

/// The JSON Schema (draft 2020-12) of one output document, as serde writes it.
pub fn output_schema(document: OutputDocument) -> Schema {
    fn of<T: JsonSchema>() -> Schema {
        SchemaSettings::default()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<T>()
    }
    let schema = match document {
        OutputDocument::Report => of::<crate::report::model::ReportModel>(),
        OutputDocument::Analyse => of::<AnalyseOutput>(),
        OutputDocument::Plan => of::<crate::power::plan::PlanResult>(),
        OutputDocument::Manifest => of::<Manifest>(),
        OutputDocument::Assign => of::<AssignOutput>(),
        OutputDocument::Verify => of::<crate::assign::Verification>(),
        OutputDocument::MatchedManifest => of::<crate::matching::MatchManifest>(),
        OutputDocument::Diff => of::<crate::governance::DiffOutput>(),
        OutputDocument::Synthesis => of::<crate::synthesis::SynthesisOutput>(),
    };
    let mut value = schema.to_value();
    nullable_numbers(&mut value);
    Schema::try_from(value).expect("a root schema is a JSON object")
}

/// Adds `null` to every `"type": "number"` (alone or in a list): serde_json writes a
/// non-finite f64 as `null`. Integers are never written as `null` unless optional.
fn nullable_numbers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            match map.get_mut("type") {
                Some(Value::String(t)) if t == "number" => {
                    map.insert("type".into(), serde_json::json!(["number", "null"]));
                }
                Some(Value::Array(types))
                    if types.iter().any(|t| t == "number")
                        && !types.iter().any(|t| t == "null") =>
                {
                    types.push("null".into());
                }
                _ => {}
            }
            for (key, child) in map.iter_mut() {
                // Literal values (enum, const, examples, default) are data, not schemas.
                if !matches!(key.as_str(), "enum" | "const" | "examples" | "default") {
                    nullable_numbers(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_is_nullable_and_integers_are_not() {
        let schema = output_schema(OutputDocument::Report).to_value();
        let text = schema.to_string();
        assert!(!text.contains(r#""type":"number""#), "{text}");
        assert!(text.contains(r#""type":["number","null"]"#));
        assert!(text.contains(r#""type":"integer""#));
        assert_eq!(schema["properties"]["schema_version"]["type"], "integer");
    }

    #[test]
    fn optional_sections_are_not_required_and_nullable_ones_are() {
        let schema = output_schema(OutputDocument::Report).to_value();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        // Left out when absent (skip_serializing_if): optional.
        assert!(!required.contains(&"plan"));
        assert!(!required.contains(&"protocol"));
        // Written as null when absent: required.
        assert!(required.contains(&"analysis"));
        assert!(required.contains(&"schema_version"));
    }
}
