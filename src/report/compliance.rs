//! The complier average causal effect (`analysis.received`) in the report: a table
//! row beside the ITT and its reading in plain words, with the strength of the first
//! stage and the Anderson–Rubin set. Formats only; the numbers come from
//! `analysis::compliance`.

use super::document::{Block, Table};
use super::format::{EffectText, Scale, p_phrase, p_value, percent, significant};
use crate::analysis::OutcomeResult;
use crate::analysis::compliance::ComplierEffect;
use crate::stats::regression::ArShape;
use crate::stats::regression::iv::WEAK_INSTRUMENT_F;

/// The table and paragraphs of every complier effect of `outcome`.
pub(super) fn complier_blocks(outcome: &OutcomeResult, conf_level: f64, blocks: &mut Vec<Block>) {
    if outcome.complier_effects.is_empty() {
        return;
    }
    let scale = Scale::of_result(outcome);
    let level = percent(conf_level, 3);
    let rows = outcome
        .complier_effects
        .iter()
        .map(|c| {
            let e = &c.estimate;
            let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
            vec![
                c.contrast.clone(),
                shown.estimate.clone(),
                shown.alongside(scale, e.std_error),
                shown.range(),
                significant(e.df, 4),
                p_value(e.p_value),
                significant(c.first_stage.f_robust.value, 3),
                ar_set(c, scale, &shown),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        caption: format!(
            "{}: effect among those who would take up the service if offered (complier average causal effect, instrumental variables)",
            outcome.label
        ),
        header: vec![
            "Contrast".into(),
            "Estimate".into(),
            "SE".into(),
            format!("{level} CI"),
            "df".into(),
            "p".into(),
            "First-stage F".into(),
            format!("Anderson–Rubin {level} set"),
        ],
        rows,
    }));
    for c in &outcome.complier_effects {
        blocks.push(Block::Paragraph(reading(c, outcome, scale, &level)));
    }
}

/// The Anderson–Rubin set in words, on the effect's scale and decimals.
fn ar_set(c: &ComplierEffect, scale: Scale, shown: &EffectText) -> String {
    let at = |x: f64| format!("{}{}", shown.alongside(scale, x), scale.short_unit());
    let ar = &c.anderson_rubin;
    match ar.shape {
        ArShape::Bounded => format!(
            "{} to {}",
            shown.alongside(scale, ar.intervals[0].lower.0),
            shown.alongside(scale, ar.intervals[0].upper.0)
        ),
        ArShape::TwoRays => format!(
            "below {} or above {}",
            at(ar.intervals[0].upper.0),
            at(ar.intervals[1].lower.0)
        ),
        ArShape::WholeLine => "any effect".into(),
        ArShape::HalfLine if ar.intervals[0].lower.0.is_finite() => {
            format!("above {}", at(ar.intervals[0].lower.0))
        }
        ArShape::HalfLine => format!("below {}", at(ar.intervals[0].upper.0)),
    }
}

/// One complier effect in plain words.
fn reading(c: &ComplierEffect, outcome: &OutcomeResult, scale: Scale, level: &str) -> String {
    let e = &c.estimate;
    let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
    let unit = scale.difference_unit();
    let share = |i: usize| {
        let t = &c.take_up[i];
        let p = if t.n > 0 {
            t.received as f64 / t.n as f64
        } else {
            0.0
        };
        (percent(p, 3), t.n, t.arm.as_str())
    };
    let (control_pct, control_n, control) = share(0);
    let (treated_pct, treated_n, treated) = share(1);
    let adjusted = if c.adjusted_for.is_empty() {
        String::new()
    } else {
        format!(", adjusted for {}", c.adjusted_for.join(", "))
    };
    let mut text = format!(
        "Receipt of the service ({}): {treated_pct} of the {treated_n} analysed in {treated} received it, and {control_pct} of the {control_n} in {control}. \
         Among those who would take up the service if offered, and not otherwise (the compliers), {treated} changed “{}” by {}{unit} ({level} CI {}{unit}), \
         estimated by instrumental variables with the random assignment as the instrument for receipt (two-stage least squares, {} standard errors{adjusted}). \
         This reading assumes that being offered the service affects “{}” only through receiving it, and that nobody takes it up because they were not offered it.",
        c.received,
        outcome.label,
        shown.estimate,
        shown.range(),
        c.se_type,
        outcome.label,
    );
    let fs = &c.first_stage;
    text.push_str(&format!(
        " Assignment moved receipt with a first-stage F statistic of {} ({}-robust, as estimatr reports it; the classical F is {}).",
        significant(fs.f_robust.value, 3),
        c.se_type,
        significant(fs.f_classical.value, 3)
    ));
    if fs.weak {
        text.push_str(&format!(
            " Warning: that is below {WEAK_INSTRUMENT_F}, so assignment barely changes who receives the service (a weak instrument): the estimate and its interval above are unreliable; read the Anderson–Rubin set instead."
        ));
    }
    let set = match c.anderson_rubin.shape {
        ArShape::Bounded => format!("from {}{unit}", ar_set(c, scale, &shown)),
        ArShape::TwoRays => format!(
            "{}: it has no upper and lower limit, and rules out only the effects in between",
            ar_set(c, scale, &shown)
        ),
        ArShape::WholeLine => {
            "every possible effect: the data cannot rule out any effect of receiving the service"
                .into()
        }
        ArShape::HalfLine => format!("{}, without limit", ar_set(c, scale, &shown)),
    };
    text.push_str(&format!(
        " The Anderson–Rubin {level} confidence set, which stays valid however weak the instrument, is {set}."
    ));
    text
}

/// One complier effect for the terminal (`evident analyse`), beside the ITT lines.
pub fn terminal_line(outcome: &OutcomeResult, c: &ComplierEffect) -> String {
    let scale = Scale::of_result(outcome);
    let e = &c.estimate;
    let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
    let level = percent(e.conf_level, 3);
    let fs = &c.first_stage;
    format!(
        "{} [complier average causal effect, instrumental variables] {}: {}{} ({level} CI {}), SE {}, p {}\n  first-stage F {} ({}){}; Anderson–Rubin {level} set: {}",
        outcome.label,
        c.contrast,
        shown.estimate,
        scale.difference_unit(),
        shown.range(),
        shown.alongside(scale, e.std_error),
        p_phrase(e.p_value),
        significant(fs.f_robust.value, 3),
        c.se_type,
        if fs.weak {
            format!(
                " below {WEAK_INSTRUMENT_F}: a weak instrument, the interval above is unreliable"
            )
        } else {
            String::new()
        },
        ar_set(c, scale, &shown),
    )
}
