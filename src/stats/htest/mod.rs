//! Classical hypothesis tests, matched to R's `stats` package, one test family per file.
//!
//! In: plain slices of observations or count tables (rows of equal length), plus an
//! options struct per family. Out: a result struct per family that derives
//! `serde::Serialize` (for `--json`) and implements `Display` in the layout of R's
//! `print.htest`. Invalid input gives a [`TestError`] that states the rule broken and the
//! offending value; no function panics on user input or returns a silent NaN.
//!
//! | file | R function | tests |
//! |------|------------|-------|
//! | `t_test.rs` | `t.test` | one-sample, paired, Welch, Student |
//! | `p_adjust.rs` | `p.adjust` | Bonferroni, Holm, Hochberg, Hommel, BH, BY |
//! | `prop_test.rs` | `prop.test` | two proportions, with and without Yates |
//! | `chisq_test.rs` | `chisq.test` | Pearson r×c, Yates for 2×2 |
//! | `fisher.rs` | `fisher.test` | 2×2 with conditional MLE and CI; r×c by a network algorithm |
//! | `tost.rs` | TOSTER's `t_TOST`, `twoprop_test` | two one-sided tests (equivalence) and non-inferiority, means and proportions |
//! | `wilcoxon.rs` | `wilcox.test` | signed-rank and rank-sum, exact and normal, Hodges–Lehmann |
//! | `rank_dist.rs` | `dwilcox`, `psignrank`, … | exact Wilcoxon distributions by counting (private) |
//! | `mcnemar.rs` | `mcnemar.test` | McNemar (2×2) and Bowker (r×r) |
//! | `effect_size.rs` | (effectsize / MBESS formulas) | Cohen's d, Hedges' g, Cox index, RD, RR, OR |
//! | `dist.rs` | `pnorm`, `pt`, `pchisq`, … | private wrappers over statrs, one place to redirect |
//!
//! Parity: every family is checked against R 4.2.2 fixtures in
//! `tests/reference/htest/` (see its README and `tests/parity_htest.rs`): closed forms
//! at relative 1e-10, solved roots at 1e-8 against R run at a tight tolerance. Where R
//! solves loosely (Fisher's MLE and limits, Wilcoxon's approximate intervals) the engine
//! solves to full precision.
//!
//! Conventions: samples are `&[f64]` and must be finite (R silently drops `NA`; here a
//! NaN or infinity is an error naming its index); tables are `&[Vec<f64>]`, rows of
//! equal length; infinite interval limits serialise as the strings "Inf"/"-Inf".

mod dist;
mod error;
mod format;
pub(crate) mod rank_dist;
mod root;

pub mod chisq_test;
pub mod effect_size;
pub mod fisher;
pub mod mcnemar;
pub mod p_adjust;
pub mod prop_test;
pub mod t_test;
pub mod tost;
pub mod wilcoxon;

pub use crate::stats::estimate::Alternative;
pub use chisq_test::{ChisqTest, chisq_test, chisq_test_gof};
pub use effect_size::{
    EffectSize, cohens_d, cox_index, hedges_g, odds_ratio, risk_difference, risk_ratio,
};
pub use error::TestError;
pub use fisher::{FisherOptions, FisherTest, fisher_test};
pub use mcnemar::{McNemarTest, mcnemar_test};
pub use p_adjust::{PAdjustMethod, p_adjust, p_adjust_n};
pub use prop_test::{PropTest, PropTestOptions, prop_test};
pub use t_test::{
    TTest, TTestKind, TTestOptions, t_test_one_sample, t_test_paired, t_test_student, t_test_welch,
};
pub use tost::{
    Margins, MeansDesign, OneSided, Tost, TostHypothesis, TostKind, TostOptions, Verdict,
    tost_estimate, tost_means, tost_two_proportions,
};
pub use wilcoxon::{
    WilcoxonOptions, WilcoxonTest, wilcox_rank_sum, wilcox_signed_rank, wilcox_signed_rank_paired,
};

/// Checks that every value of a sample is finite (R drops `NA`; we ask the caller to).
pub(crate) fn check_finite(name: &'static str, values: &[f64]) -> Result<(), TestError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(TestError::NonFinite {
            name,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// The differences x − y of paired samples, both finite and of the same length.
pub(crate) fn paired_differences(x: &[f64], y: &[f64]) -> Result<Vec<f64>, TestError> {
    check_finite("x", x)?;
    check_finite("y", y)?;
    check_same_length(("x", x.len()), ("y", y.len()))?;
    Ok(x.iter().zip(y).map(|(a, b)| a - b).collect())
}

/// Checks that two inputs, given as (name, length), have the same length.
pub(crate) fn check_same_length(
    (x, x_len): (&'static str, usize),
    (y, y_len): (&'static str, usize),
) -> Result<(), TestError> {
    if x_len == y_len {
        Ok(())
    } else {
        Err(TestError::LengthMismatch { x, y, x_len, y_len })
    }
}

/// Checks `0 < conf_level < 1`.
pub(crate) fn check_conf_level(conf_level: f64) -> Result<(), TestError> {
    if conf_level.is_finite() && conf_level > 0.0 && conf_level < 1.0 {
        Ok(())
    } else {
        Err(TestError::InvalidArgument {
            name: "conf_level",
            rule: "must be a number strictly between 0 and 1",
            value: conf_level,
        })
    }
}

/// Checks that a count table is rectangular, at least `min_rows` × `min_cols`, and
/// holds finite non-negative counts.
pub(crate) fn check_table(
    table: &[Vec<f64>],
    min_rows: usize,
    min_cols: usize,
) -> Result<(usize, usize), TestError> {
    let rows = table.len();
    let cols = table.first().map_or(0, Vec::len);
    if rows < min_rows || cols < min_cols {
        return Err(TestError::TableShape {
            rule: "the table needs at least the stated number of rows and columns",
            min_rows,
            min_cols,
            rows,
            cols,
        });
    }
    for (i, row) in table.iter().enumerate() {
        if row.len() != cols {
            return Err(TestError::RaggedTable {
                row: i,
                len: row.len(),
                expected: cols,
            });
        }
        for (j, &v) in row.iter().enumerate() {
            if !v.is_finite() || v < 0.0 {
                return Err(TestError::InvalidCount {
                    row: i,
                    col: j,
                    value: v,
                });
            }
        }
    }
    Ok((rows, cols))
}

/// Like [`check_table`], and every count must also be a whole number.
pub(crate) fn check_integer_table(
    table: &[Vec<f64>],
    min_rows: usize,
    min_cols: usize,
) -> Result<(usize, usize), TestError> {
    let shape = check_table(table, min_rows, min_cols)?;
    for (i, row) in table.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if v.fract() != 0.0 || v > 2f64.powi(53) {
                return Err(TestError::NonIntegerCount {
                    row: i,
                    col: j,
                    value: v,
                });
            }
        }
    }
    Ok(shape)
}

/// Row and column sums; errors when one of them is zero.
pub(crate) fn margins_nonzero(table: &[Vec<f64>]) -> Result<(Vec<f64>, Vec<f64>), TestError> {
    let cols = table[0].len();
    let row_sums: Vec<f64> = table.iter().map(|r| r.iter().sum()).collect();
    let col_sums: Vec<f64> = (0..cols)
        .map(|j| table.iter().map(|r| r[j]).sum())
        .collect();
    if let Some(i) = row_sums.iter().position(|&s| s == 0.0) {
        return Err(TestError::ZeroMargin {
            margin: "row",
            index: i,
        });
    }
    if let Some(j) = col_sums.iter().position(|&s| s == 0.0) {
        return Err(TestError::ZeroMargin {
            margin: "column",
            index: j,
        });
    }
    Ok((row_sums, col_sums))
}

#[cfg(test)]
mod tests {
    //! Every result type prints in R's layout and serialises to JSON.
    use super::*;

    fn check(text: String, json: serde_json::Value, title: &str) {
        assert!(text.contains(title), "missing {title:?} in\n{text}");
        let s = json.to_string();
        assert!(!s.contains("NaN"), "{s}");
    }

    #[test]
    fn results_display_and_serialise() {
        let x = [1.2, 3.4, 2.2, 5.1, 4.4, 0.7];
        let y = [2.5, 2.9, 4.1, 3.3, 6.0];
        let t = t_test_welch(&x, &y, &TTestOptions::default()).unwrap();
        check(
            t.to_string(),
            serde_json::to_value(&t).unwrap(),
            "Welch Two Sample t-test",
        );
        let w = wilcox_rank_sum(
            &x,
            &y,
            &WilcoxonOptions {
                conf_int: true,
                ..WilcoxonOptions::default()
            },
        )
        .unwrap();
        check(
            w.to_string(),
            serde_json::to_value(&w).unwrap(),
            "difference in location",
        );
        let table = vec![vec![12.0, 5.0], vec![7.0, 9.0]];
        let f = fisher_test(&table, &FisherOptions::default()).unwrap();
        check(
            f.to_string(),
            serde_json::to_value(&f).unwrap(),
            "odds ratio",
        );
        let c = chisq_test(&table, true).unwrap();
        check(c.to_string(), serde_json::to_value(&c).unwrap(), "Yates");
        let p = prop_test(&[15.0, 25.0], &[50.0, 50.0], &PropTestOptions::default()).unwrap();
        check(
            p.to_string(),
            serde_json::to_value(&p).unwrap(),
            "2-sample test",
        );
        let m = mcnemar_test(&table, true).unwrap();
        check(
            m.to_string(),
            serde_json::to_value(&m).unwrap(),
            "McNemar's chi-squared",
        );
        let e = hedges_g(&x, &y, 0.95).unwrap();
        check(
            e.to_string(),
            serde_json::to_value(&e).unwrap(),
            "Hedges' g",
        );
        let o = odds_ratio(&table, 0.95).unwrap();
        check(
            o.to_string(),
            serde_json::to_value(&o).unwrap(),
            "log scale",
        );
        let adjusted = p_adjust(&[Some(0.01), None], PAdjustMethod::Holm).unwrap();
        assert_eq!(serde_json::to_string(&adjusted).unwrap(), "[0.01,null]");
    }
}

#[cfg(test)]
mod properties {
    //! Invariants over random inputs: p-values are probabilities, adjustments never
    //! lower a p-value and keep its order, errors instead of NaN.
    use super::*;
    use proptest::prelude::*;

    /// Continuous samples, or small integers so that ties and zeros are common.
    fn sample(min: usize) -> impl Strategy<Value = Vec<f64>> {
        prop_oneof![
            prop::collection::vec(-1e3..1e3f64, min..30),
            prop::collection::vec((-6i32..6).prop_map(f64::from), min..60),
        ]
    }

    fn alternative() -> impl Strategy<Value = Alternative> {
        prop_oneof![
            Just(Alternative::TwoSided),
            Just(Alternative::Less),
            Just(Alternative::Greater)
        ]
    }

    fn is_probability(p: f64) -> bool {
        (0.0..=1.0).contains(&p)
    }

    proptest! {
        #[test]
        fn t_and_wilcoxon_p_values_are_probabilities(
            x in sample(2), y in sample(2), alt in alternative(), conf_int in any::<bool>()
        ) {
            let o = TTestOptions { alternative: alt, ..TTestOptions::default() };
            for r in [t_test_welch(&x, &y, &o), t_test_student(&x, &y, &o), t_test_one_sample(&x, &o)]
                .into_iter()
                .flatten()
            {
                prop_assert!(is_probability(r.p_value), "{r:?}");
                prop_assert!(r.conf_low <= r.conf_high);
            }
            let w = WilcoxonOptions { alternative: alt, conf_int, ..WilcoxonOptions::default() };
            if let Ok(r) = wilcox_rank_sum(&x, &y, &w) {
                prop_assert!(is_probability(r.p_value), "{r:?}");
                if let Some((low, high)) = r.conf_int {
                    prop_assert!(low <= high);
                }
            }
            if let Ok(r) = wilcox_signed_rank(&x, &w) {
                prop_assert!(is_probability(r.p_value), "{r:?}");
            }
        }

        #[test]
        fn adjusted_p_values_dominate_and_keep_order(
            p in prop::collection::vec(0.0..=1.0f64, 1..40),
            method in prop_oneof![
                Just(PAdjustMethod::Bonferroni), Just(PAdjustMethod::Holm),
                Just(PAdjustMethod::Hochberg), Just(PAdjustMethod::Hommel),
                Just(PAdjustMethod::BenjaminiHochberg), Just(PAdjustMethod::BenjaminiYekutieli)
            ]
        ) {
            let input: Vec<Option<f64>> = p.iter().copied().map(Some).collect();
            let adjusted: Vec<f64> = p_adjust(&input, method).unwrap().into_iter().flatten().collect();
            for i in 0..p.len() {
                prop_assert!(is_probability(adjusted[i]));
                prop_assert!(adjusted[i] >= p[i] * (1.0 - 1e-12), "{method:?}: {} < {}", adjusted[i], p[i]);
                for j in 0..p.len() {
                    if p[i] < p[j] {
                        prop_assert!(adjusted[i] <= adjusted[j] * (1.0 + 1e-12), "{method:?}");
                    }
                }
            }
        }

        #[test]
        fn table_tests_give_probabilities_or_errors(
            cells in prop::collection::vec(0u32..15, 4), alt in alternative()
        ) {
            let table = vec![
                vec![f64::from(cells[0]), f64::from(cells[1])],
                vec![f64::from(cells[2]), f64::from(cells[3])],
            ];
            let o = FisherOptions { alternative: alt, ..FisherOptions::default() };
            if let Ok(r) = fisher_test(&table, &o) {
                prop_assert!(is_probability(r.p_value));
                let (low, high) = r.conf_int.unwrap();
                let est = r.estimate.unwrap();
                prop_assert!(low <= est && est <= high, "{r:?}");
            }
            if let Ok(r) = chisq_test(&table, true) {
                prop_assert!(is_probability(r.p_value) && r.statistic >= 0.0);
            }
            if let Ok(r) = mcnemar_test(&table, true) {
                prop_assert!(is_probability(r.p_value));
            }
        }
    }
}

#[cfg(test)]
mod input_errors {
    //! Each family rejects bad input with an error that names the rule and the input.
    use super::*;

    #[test]
    fn empty_and_single_samples() {
        let w = WilcoxonOptions::default();
        let e = wilcox_signed_rank(&[], &w).unwrap_err();
        assert!(
            e.to_string().contains("not enough observations in `x`"),
            "{e}"
        );
        assert!(matches!(
            wilcox_rank_sum(&[1.0], &[], &w),
            Err(TestError::TooFewObservations { name: "y", .. })
        ));
        assert!(matches!(
            cohens_d(&[1.0], &[2.0], 0.95),
            Err(TestError::TooFewObservations { .. })
        ));
        assert!(matches!(
            t_test_paired(&[1.0], &[2.0], &TTestOptions::default()),
            Err(TestError::TooFewObservations { got: 1, .. })
        ));
    }

    #[test]
    fn non_finite_values_name_their_index() {
        let e = wilcox_rank_sum(
            &[1.0, 2.0],
            &[3.0, f64::INFINITY],
            &WilcoxonOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "`y[1]` is inf: observations must be finite (remove missing values first)"
        );
        assert!(matches!(
            hedges_g(&[f64::NAN, 1.0, 2.0], &[1.0, 2.0], 0.95),
            Err(TestError::NonFinite {
                name: "x",
                index: 0,
                ..
            })
        ));
    }

    #[test]
    fn bad_counts_and_margins() {
        let o = FisherOptions::default();
        let e = fisher_test(&[vec![1.0, -3.0], vec![2.0, 2.0]], &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            "count [0][1] = -3 is invalid: counts must be finite and non-negative"
        );
        assert!(matches!(
            fisher_test(&[vec![1.0, 0.0, 2.0], vec![3.0, 0.0, 1.0]], &o),
            Err(TestError::ZeroMargin {
                margin: "column",
                index: 1
            })
        ));
        assert!(matches!(
            mcnemar_test(&[vec![1.0, f64::NAN], vec![2.0, 2.0]], true),
            Err(TestError::InvalidCount { .. })
        ));
        assert!(matches!(
            risk_ratio(&[vec![0.0, 0.0], vec![2.0, 2.0]], 0.95),
            Err(TestError::ZeroMargin {
                margin: "row",
                index: 0
            })
        ));
        assert!(matches!(
            chisq_test(&[vec![1.0, 2.0]], true),
            Err(TestError::TableShape { .. })
        ));
    }

    #[test]
    fn invalid_arguments() {
        let bad_mu = WilcoxonOptions {
            mu: f64::NAN,
            ..WilcoxonOptions::default()
        };
        assert!(matches!(
            wilcox_signed_rank(&[1.0, 2.0], &bad_mu),
            Err(TestError::InvalidArgument { name: "mu", .. })
        ));
        let bad_or = FisherOptions {
            or: -1.0,
            ..FisherOptions::default()
        };
        assert!(matches!(
            fisher_test(&[vec![1.0, 2.0], vec![3.0, 4.0]], &bad_or),
            Err(TestError::InvalidArgument { name: "or", .. })
        ));
        assert!(matches!(
            odds_ratio(&[vec![1.0, 2.0], vec![3.0, 4.0]], 1.5),
            Err(TestError::InvalidArgument {
                name: "conf_level",
                ..
            })
        ));
    }
}
