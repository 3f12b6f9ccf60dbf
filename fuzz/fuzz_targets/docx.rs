//! Fuzzes importing a file named `draft.docx`: a zip, or XML packed as its document part.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| zhengqiu_fuzz::check(&zhengqiu_fuzz::as_docx(bytes), "draft.docx"));
