//! Golden tests: the exact allocation for fixed inputs and seeds. If one of these
//! fails, an allocation made with an earlier version would no longer be reproduced:
//! a dependency upgrade or a code change altered the documented procedure
//! (src/assign/rng.rs). Do not update the expected values; find the change.
//!
//! The blocked case is also reproduced, byte for byte, by an independent Python
//! implementation of the documented procedure (tests/reference/assign/reproduce.py).

mod assign_support;

use assign_support::{AssignStudy, spec_text, units_csv};
use evident::assign::{allocate_to_bytes, rng::Stream};
use sha2::{Digest, Sha256};

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const TWO_ARMS: &str =
    r#""arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}]"#;

#[test]
fn the_stream_for_a_seed_never_changes() {
    let mut stream = Stream::new(20_261_125);
    let words: Vec<u64> = (0..4).map(|_| stream.next_u64()).collect();
    assert_eq!(words, GOLDEN_WORDS);
    let mut stream = Stream::new(20_261_125);
    let bounded: Vec<u64> = (0..8).map(|_| stream.below(10)).collect();
    assert_eq!(bounded, GOLDEN_BELOW_10);
    let mut items: Vec<u32> = (0..12).collect();
    Stream::new(20_261_125).shuffle(&mut items);
    assert_eq!(items, GOLDEN_SHUFFLE);
}

#[test]
fn blocked_allocation_for_seed_2026_is_pinned_byte_for_byte() {
    let design = format!(
        r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS},
    "assignment": {{"method": "blocked", "blocks": ["region"], "seed": 2026}}"#
    );
    let study = AssignStudy::new(
        &spec_text("rct", &design, None),
        include_str!("reference/assign/golden_units.csv"),
    );
    let (bytes, manifest) = allocate_to_bytes(&study.plan(), 2026).unwrap();
    let expected = include_str!("reference/assign/golden_blocked_seed2026.csv");
    assert_eq!(std::str::from_utf8(&bytes).unwrap(), expected);
    assert_eq!(manifest.assignments_sha256, sha(expected.as_bytes()));
}

/// The units file printed by tests/reference/assign/make_large_units.py.
fn large_units() -> String {
    use std::fmt::Write as _;
    const N: usize = 200_000;
    let mut text = String::from("id,block\n");
    for i in 1..=N {
        let j = (i * 7919) % N;
        let unit = if j.is_multiple_of(7) {
            format!("HOUSEHOLD-{j:012}")
        } else if j.is_multiple_of(3) {
            format!("u{j}")
        } else {
            format!("U{j:06}")
        };
        writeln!(text, "{unit},B{:02}", i % 37).unwrap();
    }
    text
}

/// 200,000 units: enough for the radix sort's buckets (identifiers of three
/// shapes, some too long for the short-identifier path) and for many chunks of the
/// parallel writer. The expected hash is that of the output of
/// the independent Python reproduction (see tests/reference/assign/README.md).
#[test]
fn a_large_allocation_matches_the_independent_reproduction() {
    let units = large_units();
    assert_eq!(
        sha(units.as_bytes()),
        "f645080e6a9a8a9bfe321fb9cac58624eb53fceae2328d3c75f43612e3497b51",
        "the units must be those make_large_units.py prints"
    );
    let design = format!(
        r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS},
    "assignment": {{"method": "blocked", "blocks": ["block"], "seed": 7}}"#
    );
    let study = AssignStudy::new(&spec_text("rct", &design, None), &units);
    let (bytes, manifest) = allocate_to_bytes(&study.plan(), 7).unwrap();
    let expected = "7eb99e3c523ec99d06ad60f54e4b3b841a32b51c5adf01050a0beae83bf6de8a";
    assert_eq!(sha(&bytes), expected);
    assert_eq!(manifest.assignments_sha256, expected);
}

#[test]
fn three_arm_complete_and_cluster_allocations_are_pinned() {
    let arms3 = r#""arms": [{"name": "a", "share": 0.2}, {"name": "b", "share": 0.3}, {"name": "c", "share": 0.5}]"#;
    let cases = [
        (
            "rct",
            format!(
                r#""units": {{"file": "units.csv", "id": "id"}},
    {arms3},
    "assignment": {{"method": "complete"}}"#
            ),
            GOLDEN_COMPLETE_3ARM,
        ),
        (
            "cluster_rct",
            format!(
                r#""units": {{"file": "units.csv", "id": "id"}},
    "cluster": "school",
    {TWO_ARMS},
    "assignment": {{"method": "blocked_cluster", "blocks": ["region"]}}"#
            ),
            GOLDEN_BLOCKED_CLUSTER,
        ),
        (
            "rct",
            format!(
                r#""units": {{"file": "units.csv", "id": "id"}},
    {arms3},
    "assignment": {{"method": "simple"}}"#
            ),
            GOLDEN_SIMPLE_3ARM,
        ),
        (
            "rct",
            format!(
                r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS},
    "assignment": {{"method": "matched_pairs", "pair_on": "score", "blocks": ["region"]}}"#
            ),
            GOLDEN_PAIRS,
        ),
    ];
    let mut found = Vec::new();
    for (kind, design, _) in &cases {
        let study = AssignStudy::new(&spec_text(kind, design, None), &units_csv(48, 3));
        let (bytes, _) = allocate_to_bytes(&study.plan(), 7).unwrap();
        found.push(sha(&bytes));
    }
    let expected: Vec<String> = cases.iter().map(|c| c.2.to_string()).collect();
    assert_eq!(found, expected);
}

const GOLDEN_WORDS: [u64; 4] = [
    9292367519839021655,
    2656083598876299674,
    1989465986145230750,
    1136657180587306982,
];
const GOLDEN_BELOW_10: [u64; 8] = [5, 1, 1, 0, 0, 6, 7, 2];
const GOLDEN_SHUFFLE: [u32; 12] = [2, 5, 7, 3, 9, 11, 4, 8, 0, 10, 1, 6];
const GOLDEN_COMPLETE_3ARM: &str =
    "41eb6d71189f9cc6c43e42481c09588a1d0c69da406e1365fcf99646f60641cb";
const GOLDEN_BLOCKED_CLUSTER: &str =
    "1793ea5911df2a90d9ddcbf48593ff4802e7006747a22119c5352f8feb2ea6be";
const GOLDEN_SIMPLE_3ARM: &str = "3a0d5c1c56ebb372c22327436c6ea90645b8fb969cf68ea4cf8e3413033b8fe8";
const GOLDEN_PAIRS: &str = "1593ae8aaf435bf22f348ad1fca9c7ee7acd2cfcfd94f64fc331335797a91a1d";
