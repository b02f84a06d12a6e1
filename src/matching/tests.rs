//! Unit tests of the matching algorithms against brute force.

use super::distance::rank_transform;
use super::nearest::{NearestOptions, nearest_neighbour};
use super::optimal::min_cost_assignment;
use super::strata::{cem_cuts, quantiles_type7};
use crate::spec::matching::{Cutpoints, MatchOrder};

/// A small deterministic generator (tests only).
fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

/// Greedy matching by brute force: each focal unit in order takes the closest
/// remaining unit, ties to the smaller index.
fn brute_force(focal: &[f64], others: &[f64], order: &[usize], caliper: f64) -> Vec<Option<usize>> {
    let mut used = vec![false; others.len()];
    let mut out = vec![None; focal.len()];
    for &f in order {
        let mut best: Option<(f64, usize)> = None;
        for (o, &s) in others.iter().enumerate() {
            let d = (focal[f] - s).abs();
            if !used[o] && d <= caliper && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, o));
            }
        }
        if let Some((_, o)) = best {
            used[o] = true;
            out[f] = Some(o);
        }
    }
    out
}

#[test]
fn sorted_search_equals_brute_force_with_ties_and_calipers() {
    let mut seed = 7;
    for case in 0..40 {
        // Rounded scores make many exact ties, on both sides of a focal unit.
        let grid = if case % 2 == 0 { 20.0 } else { 1000.0 };
        let focal: Vec<f64> = (0..30)
            .map(|_| (lcg(&mut seed) * grid).round() / grid)
            .collect();
        let others: Vec<f64> = (0..90)
            .map(|_| (lcg(&mut seed) * grid).round() / grid)
            .collect();
        let caliper = if case % 3 == 0 { 0.02 } else { f64::INFINITY };
        let options = NearestOptions {
            ratio: 1,
            replacement: false,
            caliper: caliper.is_finite().then_some(caliper),
            order: MatchOrder::Data,
            seed: None,
        };
        let ours = nearest_neighbour(&focal, &others, &options);
        let order: Vec<usize> = (0..focal.len()).collect();
        let expected = brute_force(&focal, &others, &order, caliper);
        for f in 0..focal.len() {
            assert_eq!(
                ours[f].first().copied(),
                expected[f],
                "case {case}, focal {f}"
            );
        }
    }
}

#[test]
fn largest_order_breaks_score_ties_by_unit_order() {
    let focal = [0.5, 0.5, 0.9];
    let others = [0.5, 0.51, 0.1, 0.88];
    let options = NearestOptions {
        ratio: 1,
        replacement: false,
        caliper: None,
        order: MatchOrder::Largest,
        seed: None,
    };
    let ours = nearest_neighbour(&focal, &others, &options);
    // 0.9 chooses first (0.88), then the tied 0.5s in unit order: 0 takes 0.5,
    // 1 takes 0.51.
    assert_eq!(ours, vec![vec![0], vec![1], vec![3]]);
}

#[test]
fn hungarian_equals_brute_force_over_all_assignments() {
    let mut seed = 11;
    for _ in 0..20 {
        let n = 4;
        let m = 6;
        let cost: Vec<f64> = (0..n * m).map(|_| lcg(&mut seed)).collect();
        let assignment = min_cost_assignment(n, m, |r, c| cost[r * m + c]);
        let total: f64 = assignment
            .iter()
            .enumerate()
            .map(|(r, &c)| cost[r * m + c])
            .sum();
        let distinct: std::collections::HashSet<_> = assignment.iter().collect();
        assert_eq!(distinct.len(), n);
        // Every injective map of 4 rows into 6 columns.
        let mut best = f64::INFINITY;
        for a in 0..m {
            for b in (0..m).filter(|&b| b != a) {
                for c in (0..m).filter(|&c| c != a && c != b) {
                    for d in (0..m).filter(|&d| d != a && d != b && d != c) {
                        let t = cost[a] + cost[m + b] + cost[2 * m + c] + cost[3 * m + d];
                        best = best.min(t);
                    }
                }
            }
        }
        assert!((total - best).abs() <= 1e-12, "{total} vs {best}");
    }
}

#[test]
fn ranks_average_ties_as_r_does() {
    // R: rank(c(3, 1, 3, 2)) = 3.5 1.0 3.5 2.0
    assert_eq!(
        rank_transform(&[3.0, 1.0, 3.0, 2.0]),
        vec![3.5, 1.0, 3.5, 2.0]
    );
}

#[test]
fn type7_quantiles_match_r() {
    // R: quantile(c(1, 2, 4, 8, 16), c(0, 0.3, 0.5, 1)) = 1.0 2.4 4.0 16.0
    let q = quantiles_type7(&[16.0, 1.0, 4.0, 2.0, 8.0], &[0.0, 0.3, 0.5, 1.0]);
    assert_eq!(q[0], 1.0);
    assert!((q[1] - 2.4).abs() < 1e-15);
    assert_eq!(q[2], 4.0);
    assert_eq!(q[3], 16.0);
}

#[test]
fn a_value_on_a_cut_point_goes_to_the_upper_bin() {
    let cuts = cem_cuts(Some(&Cutpoints::Points(vec![0.0, 1.0])), &[]);
    let bin = |x: f64| cuts.partition_point(|&c| c <= x);
    assert_eq!((bin(-0.5), bin(0.0), bin(0.5), bin(1.0)), (0, 1, 1, 2));
    // Sturges on 8 values: 4 equal bins over [0, 8]; the maximum joins the last bin.
    let values: Vec<f64> = (0..8).map(|v| v as f64 * 8.0 / 7.0).collect();
    let cuts = cem_cuts(None, &values);
    assert_eq!(cuts, vec![2.0, 4.0, 6.0]);
}

#[test]
fn entropy_weights_have_the_same_bits_whatever_the_number_of_threads() {
    // 50,000 units: several summation chunks, so the threads really split the work.
    let mut seed = 11u64;
    let n = 50_000;
    let columns: Vec<Vec<f64>> = (0..3)
        .map(|j| (0..n).map(|_| lcg(&mut seed) * (j + 1) as f64).collect())
        .collect();
    let target = [0.55, 1.05, 1.4];
    let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| super::weighting::entropy_balance(&columns, &target, &names).unwrap())
    };
    let one = on(1);
    for threads in [2, 3, 8] {
        let many = on(threads);
        assert!(
            one.iter()
                .zip(&many)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{threads} threads changed the weights"
        );
    }
}

#[test]
fn the_k_d_tree_takes_the_unit_a_scan_takes_ties_and_removals_included() {
    use super::neighbours::WhitenedSearch;
    let mut seed = 5u64;
    for (n, k, levels) in [
        (0usize, 3usize, 4.0),
        (1, 2, 3.0),
        (40, 1, 5.0),
        (700, 3, 4.0),
        (3000, 10, 3.0),
    ] {
        // Few distinct coordinate values: many exact ties in distance.
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|_| {
                (0..k)
                    .map(|_| (lcg(&mut seed) * levels).floor() * 0.1)
                    .collect()
            })
            .collect();
        let row_of: Vec<usize> = (0..n).collect();
        // Units 0, 2, 4, ... are candidates; odd ones are queries.
        let candidates: Vec<usize> = (0..n).step_by(2).collect();
        let mut search = WhitenedSearch::new(&candidates, &rows, &row_of);
        let mut alive = vec![true; n];
        for q in (1..n).step_by(2) {
            let reject = q % 7; // an `accept` filter that refuses some units
            let accept = |o: usize| o % 11 != reject;
            let mut scan: Option<(f64, usize)> = None;
            for &o in &candidates {
                if !alive[o] || !accept(o) {
                    continue;
                }
                let d: f64 = rows[q]
                    .iter()
                    .zip(&rows[o])
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                if scan.is_none_or(|(bd, _)| d < bd) {
                    scan = Some((d, o));
                }
            }
            let found = search.nearest(&rows[q], accept);
            assert_eq!(
                found.map(|f| f.0),
                scan.map(|s| s.1),
                "n {n}, k {k}, query {q}"
            );
            if let Some((o, position)) = found {
                search.remove(position);
                alive[o] = false;
            }
        }
        assert_eq!(
            search.alive(),
            alive.iter().step_by(2).filter(|a| **a).count()
        );
    }
}

#[test]
fn batched_mahalanobis_choices_are_those_of_one_search_after_another() {
    use super::distance::mahalanobis_whitener;
    use super::neighbours::WhitenedSearch;
    // Several batches of focal units, on a coarse grid (tied distances), with far
    // fewer controls per treated unit than usual, so that guesses are often taken.
    let dir = tempfile::TempDir::new().unwrap();
    let mut seed = 11;
    let mut csv = String::from("unit,group,x1,x2,x3\n");
    for u in 0..2_000 {
        let group = if u % 3 == 0 { "treated" } else { "control" };
        let x: Vec<String> = (0..3)
            .map(|_| format!("{}", (lcg(&mut seed) * 8.0).round()))
            .collect();
        csv.push_str(&format!("U{u:05},{group},{}\n", x.join(",")));
    }
    std::fs::write(dir.path().join("pool.csv"), csv).unwrap();
    let spec = dir.path().join("study.json");
    std::fs::write(
        &spec,
        r#"{
  "evident": 1,
  "title": "batched search",
  "statement": { "problem": "p", "action": "a", "data_product": "d", "datasets": ["x"] },
  "design": {
    "kind": "matched_comparison",
    "arms": [ { "name": "control", "share": 0.5 }, { "name": "treated", "share": 0.5 } ],
    "control": "control",
    "matching": { "method": "nearest", "distance": "mahalanobis" }
  },
  "outcomes": [ { "name": "x1", "type": "continuous", "role": "primary" } ],
  "analysis": { "data": "pool.csv", "id": "unit", "treatment": "group", "covariates": ["x1", "x2", "x3"] },
  "report": { "dir": "out" }
}"#,
    )
    .unwrap();
    let plan = crate::pipeline::check(&spec)
        .unwrap()
        .plan
        .matching
        .unwrap();
    let input = super::read_input(&plan).unwrap();
    let result = super::build(&plan, &input).unwrap();
    let n = input.ids.len();
    let everyone: Vec<usize> = (0..n).collect();
    let whitened = mahalanobis_whitener(&input, &everyone, false).unwrap();
    let controls: Vec<usize> = everyone
        .iter()
        .copied()
        .filter(|&i| !input.treated[i])
        .collect();
    let mut search = WhitenedSearch::new(&controls, &whitened, &everyone);
    let mut expected = Vec::new();
    for f in (0..n).filter(|&i| input.treated[i]) {
        let (o, position) = search.nearest(&whitened[f], |_| true).unwrap();
        search.remove(position);
        expected.push((f, o));
    }
    let mut control_of_set = std::collections::BTreeMap::new();
    for (i, u) in result.units.iter().enumerate() {
        if let (false, Some(set)) = (u.treated, u.matched_set) {
            control_of_set.insert(set, i);
        }
    }
    let found: Vec<(usize, usize)> = result
        .units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.treated)
        .map(|(i, u)| (i, control_of_set[&u.matched_set.unwrap()]))
        .collect();
    assert_eq!(found.len(), 667);
    assert_eq!(found, expected);
}
