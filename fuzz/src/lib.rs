//! The draft importer on its own, for fuzzing: the same source files as the service's
//! `drafts` module, and a check of what every import must satisfy.
#![allow(dead_code)]

#[path = "../../src/drafts/mod.rs"]
pub mod drafts;

pub mod text;

use drafts::{ImportError, SourceFormat, import};
use std::io::Write;

/// `bytes` as a .docx: a zip as it is, anything else packed as its `word/document.xml`, so the
/// fuzzer reaches the XML reader without having to find valid deflate streams.
pub fn as_docx(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(b"PK") {
        return bytes.to_vec();
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("word/document.xml", options).expect("entry");
    zip.write_all(bytes).expect("write");
    zip.finish().expect("finish").into_inner()
}

/// Imports `bytes` as a file named `name` and panics if the result breaks a promise: a draft
/// must give back exactly the decoded text and form a sound tree; a refusal must say why.
pub fn check(bytes: &[u8], name: &str) {
    match import(bytes, name) {
        Ok(draft) => {
            if draft.format != SourceFormat::Docx {
                // The decoded text, whose byte-order mark (if any) the decoder already took off.
                let (text, _) = drafts::decode_text(bytes).expect("decoded once, decodes again");
                assert_eq!(draft.source_text(), text, "text lost or doubled");
            }
            assert!(!draft.sections.is_empty());
            assert!(draft.sections.len() <= drafts::MAX_SECTIONS);
            let mut anchors = std::collections::HashSet::new();
            for (i, section) in draft.sections.iter().enumerate() {
                assert!(anchors.insert(section.anchor.clone()), "anchor twice");
                if let Some(p) = section.parent {
                    assert!(p < i && draft.sections[p].level < section.level);
                }
            }
        }
        Err(ImportError::Empty | ImportError::Binary | ImportError::TooDeep) => {}
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}
