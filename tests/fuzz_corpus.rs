//! Replays the fuzz corpus (fuzz/corpus/<target>/) as ordinary tests, so CI checks
//! every input the fuzzers kept, and every crash they found, without the fuzzer.
//! Each input goes through the same harness as the libFuzzer target
//! (fuzz/harness.rs): no panic, every error with a hint and a bounded message, and
//! the same allocation from the same seed.
//!
//! `mutation_fuzz_loop` (ignored) is the stable-Rust fallback fuzzer: random
//! mutations of the corpus for `EVIDENT_FUZZ_SECONDS` seconds per target; an input
//! that fails is written into the corpus as `crash-<sha1-like hash>` for replay.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

type Target = fn(&[u8], &Path);

const TARGETS: [(&str, Target); 3] = [
    ("spec_loader", harness::spec_loader),
    ("csv_reader", harness::csv_reader),
    ("assign_stage", harness::assign_stage),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("fuzz/corpus/{target}: {e}"))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// Runs `target` on `input`; the panic message when the engine misbehaved.
fn run_one(target: Target, input: &[u8]) -> Option<String> {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        harness::with_scratch(|dir| target(input, dir))
    }))
    .err()
    .map(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".into())
    })
}

fn replay(name: &str) {
    let (_, target) = TARGETS.iter().find(|(n, _)| *n == name).unwrap();
    let inputs = corpus(name);
    assert!(
        inputs.len() >= 10,
        "fuzz/corpus/{name} has {} inputs",
        inputs.len()
    );
    let failures: Vec<String> = inputs
        .iter()
        .filter_map(|(path, bytes)| {
            run_one(*target, bytes).map(|why| format!("{}: {why}", path.display()))
        })
        .collect();
    harness::with_scratch(|dir| std::fs::remove_dir_all(dir).ok());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn spec_loader_corpus_replays_cleanly() {
    replay("spec_loader");
}

#[test]
fn csv_reader_corpus_replays_cleanly() {
    replay("csv_reader");
}

#[test]
fn assign_stage_corpus_replays_cleanly() {
    replay("assign_stage");
}

/// A small xorshift generator: the loop needs no statistical quality, only a
/// reproducible stream from `EVIDENT_FUZZ_SEED`.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to JSON and CSV, for insertions.
const INTERESTING: &[&[u8]] = &[
    b"\"",
    b",",
    b"\n",
    b"\r\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"\\",
    b"\xef\xbb\xbf",
    b"\xff",
    b"-1e308",
    b"1e308",
    b"NaN",
    b"inf",
    b"-0",
    b"0",
    b"1e-320",
    b"null",
    b"\"\"",
    b"\xc3\xa9",
    b"99999999999999999999",
];

fn mutate(rng: &mut Xorshift, input: &[u8], others: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            1 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(at..at, piece.iter().copied());
            }
            2 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            3 if !out.is_empty() => {
                // Duplicate a slice (many rows, many arms).
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(64)).min(out.len());
                let piece = out[start..end].to_vec();
                for _ in 0..=rng.below(8) {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            4 => out.truncate(at),
            _ => {
                // Splice in part of another input.
                let other = &others[rng.below(others.len())].1;
                let start = rng.below(other.len());
                let end = (start + rng.below(256)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
        }
    }
    out.truncate(1 << 16);
    out
}

#[test]
#[ignore = "the fuzz loop runs for minutes: EVIDENT_FUZZ_SECONDS=300 cargo test --test fuzz_corpus -- --ignored"]
fn mutation_fuzz_loop() {
    let seconds: u64 = std::env::var("EVIDENT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("EVIDENT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let only = std::env::var("EVIDENT_FUZZ_TARGET").ok();
    // The engine's panics are expected here; keep the output to the summary.
    std::panic::set_hook(Box::new(|_| {}));
    let mut found = Vec::new();
    for (name, target) in TARGETS {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let inputs = corpus(name);
        let mut rng = Xorshift(seed ^ name.len() as u64);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        let mut runs = 0u64;
        while std::time::Instant::now() < deadline {
            let base = &inputs[rng.below(inputs.len())].1;
            let input = mutate(&mut rng, base, &inputs);
            runs += 1;
            if let Some(why) = run_one(target, &input) {
                let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                });
                let path = corpus_dir(name).join(format!("crash-{hash:016x}"));
                std::fs::write(&path, &input).unwrap();
                found.push(format!("{}: {why}", path.display()));
            }
        }
        eprintln!("{name}: {runs} inputs in {seconds} s");
    }
    let _ = std::panic::take_hook();
    harness::with_scratch(|dir| std::fs::remove_dir_all(dir).ok());
    assert!(found.is_empty(), "{}", found.join("\n"));
}
