//! Fuzzes importing a file named `draft.txt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| zhengqiu_fuzz::check(bytes, "draft.txt"));
