//! libFuzzer target: `harness::csv_reader` on each input (see fuzz/harness.rs).
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::with_scratch(|dir| harness::csv_reader(data, dir));
});
