//! `design.matching`: how the match stage builds a comparison group from a pool of
//! untreated units (MatchIt / WeightIt semantics), as written in the spec and as
//! checked into a [`MatchingPlan`].
//!
//! The raw types only describe the JSON (unknown keys and values are refused with a
//! did-you-mean by the loader); [`check`] resolves defaults, refuses combinations that
//! MatchIt refuses or that have no meaning (ATE with nearest-neighbour matching, a
//! ratio with optimal pair matching, a caliper with CEM, ...) and locates every
//! problem at its `design.matching.<key>` path.

use std::collections::BTreeMap;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::did_you_mean;

/// `design.matching` as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchingSpec {
    /// nearest (default), optimal, cem, subclass, exact, ipw, overlap or entropy.
    #[serde(default)]
    pub method: MatchMethod,
    /// Distance for nearest, optimal, subclass and the weighting methods: `glm`
    /// (propensity score, probability scale; default), `logit` (linear predictor),
    /// `mahalanobis`, `robust_mahalanobis`, or `{"column": name}` for a score
    /// computed elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<DistanceSpec>,
    /// Numeric columns of the analysis data to match or weight on. Default:
    /// `analysis.covariates`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// Columns whose values must agree exactly within a match (strata).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exact: Vec<String>,
    /// Largest distance allowed in a match: a number applies to the distance; an
    /// object gives per-covariate calipers (key `distance` for the distance itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caliper: Option<CaliperSpec>,
    /// Whether calipers are in standard deviations (default true, as MatchIt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std_caliper: Option<bool>,
    /// Controls per treated unit (nearest), filled in rounds. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<u32>,
    /// Whether a control may serve several treated units (nearest). Default false.
    #[serde(default)]
    pub replacement: bool,
    /// Order in which treated units choose (nearest): largest, smallest, random, data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<MatchOrder>,
    /// Discard units outside the common support of the propensity score.
    #[serde(default)]
    pub discard: Discard,
    /// att (default), atc, ate (methods that allow it) or ato (overlap weights).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimand: Option<Estimand>,
    /// Missing covariate values: error (default), listwise, or indicators.
    #[serde(default)]
    pub missing: MatchMissing,
    /// Weighting methods: weights above this quantile of the weights are set to it
    /// (e.g. 0.99).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trim: Option<f64>,
    /// subclass: number of subclasses (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subclasses: Option<u32>,
    /// cem: per covariate, a number of bins, a list of cut points, or "sturges"
    /// (the default for every covariate not named).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cutpoints: BTreeMap<String, CutpointSpec>,
    /// Seed for `order: random`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Folder for matched.csv and matched.manifest.json, relative to the spec.
    /// Default: the report directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// How the comparison group is built.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    /// Greedy nearest-neighbour matching.
    #[default]
    Nearest,
    /// Optimal pair matching: the 1:1 matching with the least total distance.
    Optimal,
    /// Coarsened exact matching.
    Cem,
    /// Subclassification on the propensity score.
    Subclass,
    /// Exact matching on every covariate.
    Exact,
    /// Inverse probability weighting.
    Ipw,
    /// Overlap weights (Li, Morgan and Zaslavsky 2018).
    Overlap,
    /// Entropy balancing (Hainmueller 2012).
    Entropy,
}

impl MatchMethod {
    pub fn name(self) -> &'static str {
        match self {
            MatchMethod::Nearest => "nearest",
            MatchMethod::Optimal => "optimal",
            MatchMethod::Cem => "cem",
            MatchMethod::Subclass => "subclass",
            MatchMethod::Exact => "exact",
            MatchMethod::Ipw => "ipw",
            MatchMethod::Overlap => "overlap",
            MatchMethod::Entropy => "entropy",
        }
    }

    /// Whether the method weights every unit rather than forming matched sets.
    pub fn is_weighting(self) -> bool {
        matches!(
            self,
            MatchMethod::Ipw | MatchMethod::Overlap | MatchMethod::Entropy
        )
    }
}

/// The distance as written: a name or `{"column": name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum DistanceSpec {
    Named(DistanceName),
    Column {
        /// Column of the analysis data holding a score computed elsewhere.
        column: String,
    },
}

/// Named distances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistanceName {
    /// Propensity score from a logistic regression, probability scale.
    Glm,
    /// Same as glm.
    Probability,
    /// Propensity score on the logit (linear predictor) scale.
    Logit,
    /// Mahalanobis distance, pooled within-group covariance.
    Mahalanobis,
    /// Mahalanobis distance on ranks (Rosenbaum 2010).
    RobustMahalanobis,
}

impl<'de> Deserialize<'de> for DistanceSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ColumnForm {
            column: String,
        }
        let value = serde_json::Value::deserialize(deserializer)?;
        match value {
            serde_json::Value::String(_) => DistanceName::deserialize(value)
                .map(DistanceSpec::Named)
                .map_err(serde::de::Error::custom),
            serde_json::Value::Object(_) => ColumnForm::deserialize(value)
                .map(|c| DistanceSpec::Column { column: c.column })
                .map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom(
                "distance is a name (glm, logit, mahalanobis, robust_mahalanobis) or {\"column\": name}",
            )),
        }
    }
}

/// A caliper as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CaliperSpec {
    /// A caliper on the distance.
    Distance(f64),
    /// Calipers by covariate (`distance` for the distance).
    PerColumn(BTreeMap<String, f64>),
}

/// CEM cut points for one covariate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CutpointSpec {
    /// Number of equal-width bins over the covariate's range.
    Bins(u32),
    /// Explicit cut points (a value on a cut point goes to the upper bin).
    Points(Vec<f64>),
    /// "sturges": ceil(log2(n)) + 1 equal-width bins.
    Rule(CutpointRule),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CutpointRule {
    Sturges,
}

/// Order in which treated units choose their match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchOrder {
    /// Highest propensity score first (MatchIt's default with a propensity score).
    Largest,
    Smallest,
    /// A seeded random order (needs `seed`).
    Random,
    /// Unit id order (byte order), so that the file's row order changes nothing.
    Data,
}

/// Which units outside the common support of the propensity score are discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Discard {
    #[default]
    None,
    Treated,
    Control,
    Both,
}

/// The population the effect is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Estimand {
    /// Average effect on the treated (MatchIt's default).
    #[default]
    Att,
    /// Average effect in the whole population.
    Ate,
    /// Average effect on the controls.
    Atc,
    /// Average effect in the overlap population (overlap weights only).
    Ato,
}

impl Estimand {
    /// The estimand's abbreviation, for reports.
    pub fn label(self) -> &'static str {
        match self {
            Estimand::Att => "ATT",
            Estimand::Ate => "ATE",
            Estimand::Atc => "ATC",
            Estimand::Ato => "ATO",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Estimand::Att => "att",
            Estimand::Ate => "ate",
            Estimand::Atc => "atc",
            Estimand::Ato => "ato",
        }
    }
}

/// What to do with a missing covariate value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchMissing {
    /// Stop with an error naming the row.
    #[default]
    Error,
    /// Drop the unit (status missing_covariate), counted in the summary.
    Listwise,
    /// Add `<column>_missing` (1 where missing) and fill the value with the mean of
    /// the observed values, so both are matched on.
    Indicators,
}

/// The resolved distance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distance {
    /// Propensity score from the engine's logistic regression.
    PropensityScore {
        logit: bool,
    },
    /// A score column of the analysis data.
    Column(String),
    Mahalanobis,
    RobustMahalanobis,
}

impl Distance {
    pub fn is_score(&self) -> bool {
        matches!(self, Distance::PropensityScore { .. } | Distance::Column(_))
    }

    pub fn label(&self) -> String {
        match self {
            Distance::PropensityScore { logit: false } => "propensity score (logistic)".into(),
            Distance::PropensityScore { logit: true } => {
                "propensity score, logit scale (logistic)".into()
            }
            Distance::Column(c) => format!("score column `{c}`"),
            Distance::Mahalanobis => "Mahalanobis distance".into(),
            Distance::RobustMahalanobis => "robust (rank) Mahalanobis distance".into(),
        }
    }
}

/// CEM cut points, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cutpoints {
    Sturges,
    Bins(usize),
    Points(Vec<f64>),
}

/// The checked match-stage settings.
#[derive(Debug, Clone, Serialize)]
pub struct MatchingPlan {
    pub method: MatchMethod,
    /// `None` for cem, exact and entropy (no distance).
    pub distance: Option<Distance>,
    pub covariates: Vec<String>,
    pub exact: Vec<String>,
    /// Caliper on the distance, in SDs when `std_caliper`.
    pub caliper: Option<f64>,
    /// Calipers on covariates.
    pub covariate_calipers: BTreeMap<String, f64>,
    pub std_caliper: bool,
    pub ratio: usize,
    pub replacement: bool,
    pub order: MatchOrder,
    pub discard: Discard,
    pub estimand: Estimand,
    pub missing: MatchMissing,
    pub trim: Option<f64>,
    pub subclasses: usize,
    pub cutpoints: BTreeMap<String, Cutpoints>,
    pub seed: Option<u64>,
    /// The analysis data holding treated units and the pool.
    pub data: PathBuf,
    pub id: String,
    pub treatment: String,
    pub treated_label: String,
    pub control_label: String,
    /// Folder of matched.csv.
    pub output_dir: PathBuf,
}

impl MatchingPlan {
    /// The method in words for the report: "nearest-neighbour matching, 1:1
    /// without replacement, on the propensity score (logistic), caliper 0.2 SD".
    pub fn describe(&self) -> String {
        let method = match self.method {
            MatchMethod::Nearest => "nearest-neighbour matching",
            MatchMethod::Optimal => "optimal pair matching",
            MatchMethod::Cem => "coarsened exact matching",
            MatchMethod::Subclass => "subclassification on the propensity score",
            MatchMethod::Exact => "exact matching",
            MatchMethod::Ipw => "inverse probability weighting",
            MatchMethod::Overlap => "overlap weighting",
            MatchMethod::Entropy => "entropy balancing",
        };
        let mut parts = vec![method.to_string()];
        if matches!(self.method, MatchMethod::Nearest | MatchMethod::Optimal) {
            parts.push(format!(
                "1:{} {} replacement",
                self.ratio,
                if self.replacement { "with" } else { "without" }
            ));
        }
        if let Some(distance) = &self.distance {
            parts.push(format!("on the {}", distance.label()));
        }
        if let Some(caliper) = self.caliper {
            parts.push(format!(
                "caliper {}{}",
                crate::report::format::significant(caliper, 3),
                if self.std_caliper {
                    " SD of the distance"
                } else {
                    ""
                }
            ));
        }
        parts.join(", ")
    }

    /// Where matched.csv goes.
    pub fn matched_path(&self) -> PathBuf {
        self.output_dir.join(crate::matching::MATCHED_FILE)
    }
}

/// What [`check`] needs from the rest of the spec.
pub struct MatchingContext<'a> {
    pub data: PathBuf,
    pub header: Option<&'a [String]>,
    pub id: String,
    pub treatment: Option<String>,
    pub treated_label: Option<String>,
    pub control_label: Option<String>,
    pub analysis_covariates: &'a [String],
    pub output_dir: Option<PathBuf>,
}

/// A problem found by [`check`]: the JSON path and the message.
pub type MatchingProblem = (String, String);

/// Checks `design.matching`; returns the plan when no problem was found.
pub fn check(
    spec: &MatchingSpec,
    context: &MatchingContext<'_>,
    problems: &mut Vec<MatchingProblem>,
) -> Option<MatchingPlan> {
    let before = problems.len();
    let mut problem = |key: &str, message: String| {
        let path = if key.is_empty() {
            "design.matching".to_string()
        } else {
            format!("design.matching.{key}")
        };
        problems.push((path, message));
    };
    let method = spec.method;
    let m = method.name();
    let distance = match (&spec.distance, method) {
        (Some(_), MatchMethod::Cem | MatchMethod::Exact | MatchMethod::Entropy) => {
            problem(
                "distance",
                format!("method {m} uses no distance; remove distance"),
            );
            None
        }
        (_, MatchMethod::Cem | MatchMethod::Exact | MatchMethod::Entropy) => None,
        (None, _) => Some(Distance::PropensityScore { logit: false }),
        (Some(DistanceSpec::Named(name)), _) => Some(match name {
            DistanceName::Glm | DistanceName::Probability => {
                Distance::PropensityScore { logit: false }
            }
            DistanceName::Logit => Distance::PropensityScore { logit: true },
            DistanceName::Mahalanobis => Distance::Mahalanobis,
            DistanceName::RobustMahalanobis => Distance::RobustMahalanobis,
        }),
        (Some(DistanceSpec::Column { column }), _) => Some(Distance::Column(column.clone())),
    };
    let score = distance.as_ref().is_some_and(Distance::is_score);
    if let Some(d) = &distance
        && !d.is_score()
        && method != MatchMethod::Nearest
    {
        problem(
            "distance",
            format!(
                "method {m} needs a propensity score (glm, logit or a score column), not the {}",
                d.label()
            ),
        );
    }
    let estimand = spec.estimand.unwrap_or(match method {
        MatchMethod::Overlap => Estimand::Ato,
        _ => Estimand::Att,
    });
    let allowed: &[Estimand] = match method {
        MatchMethod::Nearest | MatchMethod::Optimal => &[Estimand::Att, Estimand::Atc],
        MatchMethod::Overlap => &[Estimand::Ato],
        _ => &[Estimand::Att, Estimand::Atc, Estimand::Ate],
    };
    if !allowed.contains(&estimand) {
        let names: Vec<&str> = allowed.iter().map(|e| e.name()).collect();
        problem(
            "estimand",
            format!(
                "method {m} estimates {}, not {}{}",
                names.join(" or "),
                estimand.name(),
                if matches!(method, MatchMethod::Nearest | MatchMethod::Optimal)
                    && estimand == Estimand::Ate
                {
                    " (as in MatchIt: matching keeps only the units that find a match, so use subclass, cem, ipw or entropy for the ATE)"
                } else {
                    ""
                }
            ),
        );
    }
    let nearest_only = |key: &str, set: bool, problem: &mut dyn FnMut(&str, String)| {
        if set && method != MatchMethod::Nearest {
            problem(
                key,
                format!("{key} applies to nearest-neighbour matching only, not to method {m}"),
            );
        }
    };
    nearest_only("replacement", spec.replacement, &mut problem);
    nearest_only("order", spec.order.is_some(), &mut problem);
    nearest_only("caliper", spec.caliper.is_some(), &mut problem);
    nearest_only("std_caliper", spec.std_caliper.is_some(), &mut problem);
    if let Some(ratio) = spec.ratio {
        if method == MatchMethod::Optimal && ratio != 1 {
            problem(
                "ratio",
                "optimal matching here is pair matching (1:1); use nearest for 1:k".into(),
            );
        } else if method != MatchMethod::Optimal {
            nearest_only("ratio", true, &mut problem);
        }
        if ratio == 0 {
            problem("ratio", "ratio must be at least 1".into());
        }
    }
    if spec.subclasses.is_some() && method != MatchMethod::Subclass {
        problem(
            "subclasses",
            format!("subclasses applies to method subclass, not {m}"),
        );
    }
    let subclasses = spec.subclasses.unwrap_or(6) as usize;
    if subclasses < 2 && method == MatchMethod::Subclass {
        problem("subclasses", "use at least 2 subclasses".into());
    }
    if !spec.cutpoints.is_empty() && method != MatchMethod::Cem {
        problem(
            "cutpoints",
            format!("cutpoints applies to method cem, not {m}"),
        );
    }
    if let Some(trim) = spec.trim {
        if !method.is_weighting() {
            problem(
                "trim",
                format!("trim applies to the weighting methods (ipw, overlap, entropy), not {m}"),
            );
        } else if !(trim > 0.5 && trim < 1.0) {
            problem(
                "trim",
                format!("trim {trim} must be a quantile in (0.5, 1), e.g. 0.99"),
            );
        }
    }
    if spec.discard != Discard::None && !score {
        problem(
            "discard",
            "discarding outside the common support needs a propensity score distance (glm, logit or a score column)".into(),
        );
    }
    let order = match spec.order {
        Some(o) => o,
        None if score => MatchOrder::Largest,
        None => MatchOrder::Data,
    };
    if matches!(order, MatchOrder::Largest | MatchOrder::Smallest) && !score {
        problem(
            "order",
            "largest and smallest order by the propensity score; with this distance use data or random".into(),
        );
    }
    if order == MatchOrder::Random && spec.seed.is_none() {
        problem(
            "seed",
            "order random needs a seed, so that the same inputs give the same matches".into(),
        );
    }
    if spec.seed.is_some() && order != MatchOrder::Random {
        problem(
            "seed",
            "seed is used only with order random; remove it".into(),
        );
    }
    let mut caliper = None;
    let mut covariate_calipers = BTreeMap::new();
    match &spec.caliper {
        Some(CaliperSpec::Distance(c)) => caliper = Some(*c),
        Some(CaliperSpec::PerColumn(map)) => {
            for (k, v) in map {
                if k == "distance" {
                    caliper = Some(*v);
                } else {
                    covariate_calipers.insert(k.clone(), *v);
                }
            }
        }
        None => {}
    }
    for (key, value) in caliper
        .iter()
        .map(|c| ("distance".to_string(), *c))
        .chain(covariate_calipers.iter().map(|(k, v)| (k.clone(), *v)))
    {
        if !(value.is_finite() && value > 0.0) {
            problem(
                "caliper",
                format!("the caliper on {key} is {value}; it must be a positive number"),
            );
        }
    }
    if caliper.is_some() && !score && method == MatchMethod::Nearest && distance.is_some() {
        // MatchIt allows a caliper on a Mahalanobis distance only through covariates.
        problem(
            "caliper",
            "a caliper on the distance needs a propensity score; with a Mahalanobis distance give per-covariate calipers".into(),
        );
    }
    let covariates = if spec.covariates.is_empty() {
        context.analysis_covariates.to_vec()
    } else {
        spec.covariates.clone()
    };
    let needs_covariates = !matches!(distance, Some(Distance::Column(_)));
    if covariates.is_empty()
        && needs_covariates
        && (method != MatchMethod::Exact || spec.exact.is_empty())
    {
        problem(
            "covariates",
            "no covariates to match on: list them in design.matching.covariates (or analysis.covariates)".into(),
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (i, c) in covariates.iter().enumerate() {
        if !seen.insert(c) {
            problem(
                &format!("covariates[{i}]"),
                format!("`{c}` is listed twice"),
            );
        }
    }
    for c in covariate_calipers.keys() {
        if !covariates.contains(c) {
            let hint = did_you_mean(c, &covariates)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            problem(
                "caliper",
                format!("the caliper names `{c}`, which is not a matching covariate{hint}"),
            );
        }
    }
    let mut cutpoints = BTreeMap::new();
    for (k, v) in &spec.cutpoints {
        if !covariates.contains(k) {
            let hint = did_you_mean(k, &covariates)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            problem(
                &format!("cutpoints.{k}"),
                format!("`{k}` is not a matching covariate{hint}"),
            );
        }
        let resolved = match v {
            CutpointSpec::Bins(0) => {
                problem(&format!("cutpoints.{k}"), "use at least 1 bin".into());
                Cutpoints::Bins(1)
            }
            CutpointSpec::Bins(b) => Cutpoints::Bins(*b as usize),
            CutpointSpec::Points(p) => {
                if p.iter().any(|x| !x.is_finite()) || p.windows(2).any(|w| w[0] >= w[1]) {
                    problem(
                        &format!("cutpoints.{k}"),
                        "cut points must be finite and increasing".into(),
                    );
                }
                Cutpoints::Points(p.clone())
            }
            CutpointSpec::Rule(CutpointRule::Sturges) => Cutpoints::Sturges,
        };
        cutpoints.insert(k.clone(), resolved);
    }
    let treatment = match &context.treatment {
        Some(t) => t.clone(),
        None => {
            problem(
                "",
                "the match stage reads each unit's group from analysis.treatment (a column of analysis.data)".into(),
            );
            String::new()
        }
    };
    let (Some(treated_label), Some(control_label)) =
        (context.treated_label.clone(), context.control_label.clone())
    else {
        problem(
            "",
            "matching compares two arms: declare exactly two design.arms (the comparison arm as design.control)".into(),
        );
        return None;
    };
    if let Some(header) = context.header {
        let mut columns: Vec<(String, String)> = covariates
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("covariates[{i}]"), c.clone()))
            .collect();
        columns.extend(
            spec.exact
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("exact[{i}]"), c.clone())),
        );
        if let Some(Distance::Column(c)) = &distance {
            columns.push(("distance.column".into(), c.clone()));
        }
        for (key, column) in columns {
            if !header.contains(&column) {
                let hint = did_you_mean(&column, header)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                problem(
                    &key,
                    format!(
                        "column `{column}` is not in {}{hint}",
                        context.data.display()
                    ),
                );
            }
        }
    }
    let output_dir = match (&spec.output, &context.output_dir) {
        (Some(dir), _) if dir.trim().is_empty() => {
            problem("output", "the output folder is empty".into());
            PathBuf::new()
        }
        (Some(_), Some(resolved)) | (None, Some(resolved)) => resolved.clone(),
        (_, None) => PathBuf::new(),
    };
    if problems.len() > before {
        return None;
    }
    Some(MatchingPlan {
        method,
        distance,
        covariates,
        exact: spec.exact.clone(),
        caliper,
        covariate_calipers,
        std_caliper: spec.std_caliper.unwrap_or(true),
        ratio: spec.ratio.unwrap_or(1) as usize,
        replacement: spec.replacement,
        order,
        discard: spec.discard,
        estimand,
        missing: spec.missing,
        trim: spec.trim,
        subclasses,
        cutpoints,
        seed: spec.seed,
        data: context.data.clone(),
        id: context.id.clone(),
        treatment,
        treated_label,
        control_label,
        output_dir,
    })
}
