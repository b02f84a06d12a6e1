//! Benchmarks of the assign stage: blocked randomisation of N units in N/10,000
//! blocks (at least 1), from reading the CSV to the bytes of assignments.csv and the
//! manifest, swept over N with `BenchmarkId`. Inputs come from a fixed formula, so
//! every run measures the same work.
//!
//! The issue's target (10,000,000 units in 1,000 blocks, CSV read and written, under
//! 5 s and 2 GB) is measured on the release binary by `benches/assign_vs_r.sh`, which
//! generates the data under /tmp and times `evident assign` against the same job in R
//! (data.table and randomizr's block_ra) in the same run.

use std::fmt::Write as _;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn write_study(dir: &Path, n: usize) {
    let blocks = (n / 10_000).max(1);
    let mut units = String::with_capacity(n * 16);
    units.push_str("id,block\n");
    for i in 1..=n {
        // Rows out of identifier order, as real files often are.
        let id = (i * 7919) % n + 1;
        writeln!(units, "U{id:08},B{:04}", i % blocks).unwrap();
    }
    std::fs::write(dir.join("units.csv"), units).unwrap();
    let spec = r#"{
  "evident": 1,
  "title": "Benchmark",
  "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]},
  "design": {
    "kind": "rct",
    "units": {"file": "units.csv", "id": "id"},
    "arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}],
    "assignment": {"method": "blocked", "blocks": ["block"], "seed": 1}
  },
  "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}],
  "evidence": {"target_level": 1},
  "report": {"dir": "out"}
}"#;
    std::fs::write(dir.join("study.json"), spec).unwrap();
}

fn blocked(c: &mut Criterion) {
    let mut group = c.benchmark_group("assign_blocked");
    group.sample_size(10);
    for n in [10_000usize, 100_000, 1_000_000] {
        let dir = tempfile::TempDir::new().unwrap();
        write_study(dir.path(), n);
        let plan = evident::pipeline::check(&dir.path().join("study.json"))
            .unwrap()
            .plan;
        group.bench_with_input(BenchmarkId::from_parameter(n), &plan, |b, plan| {
            b.iter(|| evident::assign::allocate_to_bytes(plan, 1).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, blocked);
criterion_main!(benches);
