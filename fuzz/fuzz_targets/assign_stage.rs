//! libFuzzer target: `harness::assign_stage` on each input (see fuzz/harness.rs).
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::with_scratch(|dir| harness::assign_stage(data, dir));
});
