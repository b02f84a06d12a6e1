//! Evident: an evaluation and experiment-design engine.
//!
//! One declarative study spec (JSON) drives the stages of an evaluation: planning
//! (power, sample size, MDES), randomised assignment, matched comparison groups,
//! impact analysis, grading on Nesta's Standards of Evidence, and reporting.
//! The library is the engine; the `evident` binary is a thin command-line front end.
//!
//! | module | what it holds |
//! |---|---|
//! | `spec` | the study spec: raw serde types, located errors, validation into a `Plan` |
//! | `data` | CSV loading into typed columns |
//! | `engine` | where the linear estimators run: memory, or DataFusion / Ballista aggregate queries (feature `cluster`) |
//! | `stats` | distributions, tests, estimates, descriptive statistics |
//! | `power` | power, sample size, minimum detectable effects |
//! | `assign` | the assign stage: seeded, audited randomisation; manifest; balance |
//! | `analysis` | the analyse stage: analytic sample, flow, balance, estimators |
//! | `designs` | designs beyond arm comparisons: regression discontinuity, synthetic control, interrupted time series, difference-in-differences, staggered roll-out |
//! | `evidence` | the grade stage: Nesta Standards of Evidence |
//! | `report` | the report model and its JSON, Markdown and HTML renderers, charts |
//! | `matching` | matched comparison groups, analysis side: the matched file, balance before/after, sensitivity (E-value, Rosenbaum bounds) |
//! | `governance` | the report diff (`evident diff`): two JSON outputs compared number by number |
//! | `lifecycle` | a study's life in one spec: waiting for outcome data, the level the design can reach, planned against achieved |
//! | `pipeline` | running the declared stages and writing outputs atomically |
//! | `synthesis` | meta-analysis of one outcome across studies' report.json files (`evident synthesise`): DerSimonian–Laird, REML, fixed effect; Nesta levels 4 and 5 |
//! | `output_schema` | the JSON Schemas of report.json, plan.json, manifest.json and the pipeline commands' `--json` output |

pub mod analysis;
pub mod assign;
pub mod data;
pub mod designs;
pub mod engine;
pub mod error;
pub mod evidence;
pub mod governance;
pub mod lifecycle;
pub mod matching;
pub mod output_schema;
pub mod pipeline;
pub mod power;
pub mod progress;
pub mod report;
pub mod spec;
pub mod stats;
pub mod synthesis;

pub use error::{Error, ExitKind};
