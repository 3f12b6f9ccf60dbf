//! Fuzzes importing a file named `draft.docx`.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| zhengqiu_fuzz::check(bytes, "draft.docx"));
