//! Fuzzes importing a file named `draft.md`.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| zhengqiu_fuzz::check(bytes, "draft.md"));
