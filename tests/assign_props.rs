//! Properties of the assign stage (proptest): exact counts per block and arm under
//! the remainder rule, probabilities that sum as they should, identical bytes under
//! shuffled input rows, and realised shares of simple and multi-arm assignment that
//! agree with the declared shares over many seeds.

mod assign_support;

use std::collections::HashMap;
use std::fmt::Write as _;

use assign_support::{AssignStudy, parse, spec_text};
use evident::assign::allocate_to_bytes;
use proptest::prelude::*;

fn arms_json(shares: &[f64]) -> String {
    let arms: Vec<String> = shares
        .iter()
        .enumerate()
        .map(|(k, s)| format!(r#"{{"name": "arm{k}", "share": {s}}}"#))
        .collect();
    format!(r#""arms": [{}]"#, arms.join(", "))
}

/// Shares that sum to 1 exactly in decimal: integer weights over their total.
fn shares_strategy() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        (1u32..20).prop_map(|a| vec![f64::from(a) / 20.0, f64::from(20 - a) / 20.0]),
        Just(vec![0.25, 0.25, 0.5]),
        Just(vec![0.2, 0.3, 0.5]),
        Just(vec![0.1, 0.2, 0.3, 0.4]),
    ]
}

/// A units file with the given block sizes; rows listed in `order`.
fn units(block_sizes: &[usize], order_seed: u64) -> (String, Vec<String>) {
    let mut rows = Vec::new();
    let mut id = 0;
    for (b, size) in block_sizes.iter().enumerate() {
        for _ in 0..*size {
            id += 1;
            rows.push(format!("u{id:05},B{b},{}", (id * 31) % 17));
        }
    }
    // A deterministic shuffle of the rows, different per order_seed.
    let mut state = order_seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    for i in (1..rows.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (state >> 33) as usize % (i + 1);
        rows.swap(i, j);
    }
    let mut text = String::from("id,block,x\n");
    for row in &rows {
        writeln!(text, "{row}").unwrap();
    }
    (text, rows)
}

fn blocked_spec(shares: &[f64]) -> String {
    spec_text(
        "rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    {},
    "assignment": {{"method": "blocked", "blocks": ["block"]}}"#,
            arms_json(shares)
        ),
        None,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn counts_per_block_and_arm_follow_the_remainder_rule(
        shares in shares_strategy(),
        sizes in prop::collection::vec(4usize..40, 1..6),
        seed in any::<u64>(),
    ) {
        let (text, _) = units(&sizes, 1);
        let study = AssignStudy::new(&blocked_spec(&shares), &text);
        let (bytes, manifest) = allocate_to_bytes(&study.plan(), seed).unwrap();
        let rows = parse(&bytes);
        prop_assert_eq!(rows.len(), sizes.iter().sum::<usize>());
        for block in &manifest.blocks {
            let b: usize = block.block[1..].parse().unwrap();
            let n = sizes[b];
            prop_assert_eq!(block.units.iter().sum::<u64>() as usize, n);
            let mut extras = 0;
            for (k, count) in block.units.iter().enumerate() {
                let floor = (n as f64 * shares[k]).floor() as u64;
                prop_assert!(*count == floor || *count == floor + 1,
                    "block {} arm {k}: {count} not floor {floor} or floor + 1", block.block);
                extras += count - floor;
            }
            let floors: u64 = shares.iter().map(|p| (n as f64 * p).floor() as u64).sum();
            prop_assert_eq!(extras, n as u64 - floors);
            // The arm probabilities of a unit sum to 1 ...
            prop_assert!((block.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            // ... and over the block they add up to the expected counts n·p_k.
            for (k, p) in block.probabilities.iter().enumerate() {
                prop_assert!((p * n as f64 - n as f64 * shares[k]).abs() < 1e-9);
            }
        }
        // Each unit's probability is its arm's share.
        for (_, arm, _, _, p) in &rows {
            let k: usize = arm[3..].parse().unwrap();
            prop_assert_eq!(*p, shares[k]);
        }
        // The CSV's counts agree with the manifest.
        let mut counted: HashMap<(String, String), u64> = HashMap::new();
        for (_, arm, block, _, _) in &rows {
            *counted.entry((block.clone(), arm.clone())).or_default() += 1;
        }
        for block in &manifest.blocks {
            for (k, count) in block.units.iter().enumerate() {
                let found = counted.get(&(block.block.clone(), format!("arm{k}"))).copied().unwrap_or(0);
                prop_assert_eq!(found, *count);
            }
        }
    }

    #[test]
    fn shuffled_input_rows_give_identical_bytes(
        shares in shares_strategy(),
        sizes in prop::collection::vec(4usize..30, 1..5),
        seed in any::<u64>(),
        order in any::<u64>(),
    ) {
        let (first, _) = units(&sizes, 0);
        let (second, _) = units(&sizes, order);
        let a = AssignStudy::new(&blocked_spec(&shares), &first);
        let b = AssignStudy::new(&blocked_spec(&shares), &second);
        let (bytes_a, _) = allocate_to_bytes(&a.plan(), seed).unwrap();
        let (bytes_b, _) = allocate_to_bytes(&b.plan(), seed).unwrap();
        prop_assert_eq!(bytes_a, bytes_b);
    }

    #[test]
    fn fixed_counts_are_exact(
        counts in prop::collection::vec(1u64..30, 2..4),
        seed in any::<u64>(),
    ) {
        let n: u64 = counts.iter().sum();
        let shares: Vec<f64> = vec![1.0 / counts.len() as f64; counts.len()];
        let mut arms = arms_json(&shares);
        if counts.len() == 3 {
            // Shares must sum to 1 in the spec even when counts take over.
            arms = arms_json(&[0.25, 0.25, 0.5]);
        }
        let map: Vec<String> = counts.iter().enumerate().map(|(k, c)| format!(r#""arm{k}": {c}"#)).collect();
        let spec = spec_text(
            "rct",
            &format!(
                r#""units": {{"file": "units.csv", "id": "id"}},
    {arms},
    "assignment": {{"method": "complete", "counts": {{{}}}}}"#,
                map.join(", ")
            ),
            None,
        );
        let (text, _) = units(&[n as usize], 3);
        let study = AssignStudy::new(&spec, &text);
        let (bytes, manifest) = allocate_to_bytes(&study.plan(), seed).unwrap();
        for (k, arm) in manifest.arms.iter().enumerate() {
            prop_assert_eq!(arm.units, counts[k]);
        }
        for (_, arm, _, _, p) in parse(&bytes) {
            let k: usize = arm[3..].parse().unwrap();
            prop_assert!((p - counts[k] as f64 / n as f64).abs() < 1e-15);
        }
    }
}

/// Realised shares over many seeds agree with the declared shares, for simple
/// (independent draws) and complete multi-arm assignment with remainders.
#[test]
fn realised_shares_over_many_seeds_match_the_declared_shares() {
    let shares = [0.2, 0.3, 0.5];
    let n = 37; // 7.4, 11.1, 18.5: every arm has a remainder
    let seeds = 400;
    for method in ["simple", "complete"] {
        let spec = spec_text(
            "rct",
            &format!(
                r#""units": {{"file": "units.csv", "id": "id"}},
    {},
    "assignment": {{"method": "{method}"}}"#,
                arms_json(&shares)
            ),
            None,
        );
        let (text, _) = units(&[n], 0);
        let study = AssignStudy::new(&spec, &text);
        let plan = study.plan();
        let mut totals = [0u64; 3];
        for seed in 0..seeds {
            let (_, manifest) = allocate_to_bytes(&plan, seed).unwrap();
            for (k, arm) in manifest.arms.iter().enumerate() {
                totals[k] += arm.units;
            }
        }
        let draws = (seeds * n as u64) as f64;
        for k in 0..3 {
            let realised = totals[k] as f64 / draws;
            // Simple: binomial SE; complete varies less. Allow 4 SE.
            let se = (shares[k] * (1.0 - shares[k]) / draws).sqrt();
            assert!(
                (realised - shares[k]).abs() < 4.0 * se,
                "{method} arm {k}: realised {realised}, declared {}",
                shares[k]
            );
        }
    }
}
