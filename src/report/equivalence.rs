//! Equivalence and non-inferiority (`analysis.equivalence`, `analysis.non_inferiority`)
//! in the report: a table of the one-sided tests beside the comparison they read, and
//! the verdict in plain words with the rule that gives it. Formats only; the numbers
//! come from `analysis::equivalence`.

use super::document::{Block, Table};
use super::format::{EffectText, Scale, p_phrase, p_value, percent, significant};
use crate::analysis::OutcomeResult;
use crate::analysis::equivalence::EquivalenceTest;
use crate::stats::htest::{TostHypothesis, Verdict};

/// The table and paragraphs of every equivalence test of `outcome`.
pub(super) fn equivalence_blocks(outcome: &OutcomeResult, blocks: &mut Vec<Block>) {
    let Some(first) = outcome.equivalence.first() else {
        return;
    };
    let scale = Scale::of_result(outcome);
    let level = percent(first.test.conf_level, 3);
    let what = match first.test.hypothesis {
        TostHypothesis::Equivalence => "equivalence (two one-sided tests)",
        _ => "non-inferiority (one-sided test)",
    };
    let rows = outcome
        .equivalence
        .iter()
        .map(|e| {
            let t = &e.test;
            let shown = shown_against_margins(e, scale);
            vec![
                e.contrast.clone(),
                margins_text(e, scale),
                shown.estimate.clone(),
                shown.range(),
                p_value(t.p_value),
                verdict_word(t.verdict).into(),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        caption: format!("{}: {what}", outcome.label),
        header: vec![
            "Contrast".into(),
            "Margin".into(),
            "Estimate".into(),
            format!("{level} CI"),
            "p".into(),
            "Verdict".into(),
        ],
        rows,
    }));
    for e in &outcome.equivalence {
        blocks.push(Block::Paragraph(reading(e, outcome, scale, &level)));
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Equivalent => "equivalent",
        Verdict::NonInferior => "no worse",
        Verdict::NotShown => "not shown",
    }
}

/// The estimate and interval, with decimals enough to tell the bounds from the margins.
fn shown_against_margins(e: &EquivalenceTest, scale: Scale) -> EffectText {
    let t = &e.test;
    let marks: Vec<f64> = [t.margins.low, t.margins.high]
        .into_iter()
        .flatten()
        .collect();
    EffectText::apart_from(scale, t.estimate, t.conf_low, t.conf_high, &marks)
}

/// "±2", "−1 to 3", "above −2" or "below 2", on the estimate's scale.
fn margins_text(e: &EquivalenceTest, scale: Scale) -> String {
    let at = |x: f64| significant(scale.factor() * x, 4);
    match (e.test.margins.low, e.test.margins.high) {
        (Some(low), Some(high)) if low == -high => format!("±{}", at(high)),
        (Some(low), Some(high)) => format!("{} to {}", at(low), at(high)),
        (Some(low), None) => format!("above {}", at(low)),
        (None, Some(high)) => format!("below {}", at(high)),
        (None, None) => String::new(),
    }
}

/// One test in plain words: the verdict, and the interval rule behind it.
fn reading(e: &EquivalenceTest, outcome: &OutcomeResult, scale: Scale, level: &str) -> String {
    let t = &e.test;
    let shown = shown_against_margins(e, scale);
    let unit = scale.difference_unit();
    let at = |x: f64| format!("{}{unit}", significant(scale.factor() * x, 4));
    let verdict = capitalised(&e.sentence);
    let rule = match (t.margins.low, t.margins.high) {
        (Some(low), Some(high)) => format!(
            "equivalence is shown when the {level} confidence interval lies wholly between {} and {}, which is the same as both one-sided tests rejecting at α = {} (two one-sided tests, Schuirmann 1987)",
            at(low),
            at(high),
            t.alpha
        ),
        (Some(low), None) => format!(
            "non-inferiority is shown when the {level} confidence interval lies wholly above {} (a one-sided test at α = {}), since higher “{}” is better",
            at(low),
            t.alpha,
            outcome.label
        ),
        (None, Some(high)) => format!(
            "non-inferiority is shown when the {level} confidence interval lies wholly below {} (a one-sided test at α = {}), since lower “{}” is better",
            at(high),
            t.alpha,
            outcome.label
        ),
        (None, None) => String::new(),
    };
    let grade = if outcome.role == crate::spec::OutcomeRole::Primary {
        " For the primary outcome the evidence grade judges the claim by its own threshold, the two-sided interval at the grade's level (see its reasons)."
    } else {
        ""
    };
    format!(
        "{verdict} on “{}”: the difference is {}{unit} with a {level} confidence interval of {}{unit} (p {}, from the same estimate, standard error and degrees of freedom as the comparison above). The rule: {rule}. A difference that is not significant is not evidence of no difference; this test is.{grade}",
        outcome.label,
        shown.estimate,
        shown.range(),
        p_phrase(t.p_value),
    )
}

/// The declared claim on the primary outcome for the headline: "Non-inferiority (margin
/// declared in advance): video is no worse than in_person by more than 5 percentage
/// points (90% CI −4.4 to 1.4)."; `None` without a margin on the primary outcome.
pub(super) fn headline_clause(analysis: &crate::analysis::Analysis) -> Option<String> {
    let outcome = analysis
        .outcomes
        .iter()
        .find(|o| o.role == crate::spec::OutcomeRole::Primary)?;
    let e = outcome.equivalence.first()?;
    let scale = Scale::of_result(outcome);
    let shown = shown_against_margins(e, scale);
    let what = match e.test.hypothesis {
        TostHypothesis::Equivalence => "Equivalence",
        _ => "Non-inferiority",
    };
    Some(format!(
        "{what}, with the margin declared in advance: {} ({} CI {}).",
        e.sentence,
        percent(e.test.conf_level, 3),
        shown.range()
    ))
}

/// One test for the terminal (`evident analyse`), beside the comparison lines.
pub fn terminal_line(outcome: &OutcomeResult, e: &EquivalenceTest) -> String {
    let scale = Scale::of_result(outcome);
    let t = &e.test;
    let shown = shown_against_margins(e, scale);
    format!(
        "{} [{}] {}: {} ({} CI {}{}), p {}",
        outcome.label,
        match t.hypothesis {
            TostHypothesis::Equivalence => "equivalence",
            _ => "non-inferiority",
        },
        e.contrast,
        e.sentence,
        percent(t.conf_level, 3),
        shown.range(),
        scale.difference_unit(),
        p_value(t.p_value),
    )
}
