//! Drafts larger than any real one are refused with a reason, before they exhaust memory.

use super::docx::MAX_UNPACKED_BYTES;
use super::{ImportError, MAX_SECTIONS, MAX_TEXT_BYTES, import, split_text};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

/// A .docx whose parts are `(name, content)`, deflated (so a part of spaces is a zip bomb).
fn zip_of(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in parts {
        zip.start_file(*name, options).expect("entry");
        zip.write_all(content.as_bytes()).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

fn document_xml(padding: usize) -> String {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    format!(
        "<w:document {w}><w:body><w:p><w:r><w:t>第一条 正文。</w:t></w:r></w:p>{}</w:body></w:document>",
        " ".repeat(padding)
    )
}

#[test]
fn a_docx_unpacking_past_the_limit_is_refused_in_chinese() {
    let limit = MAX_UNPACKED_BYTES as usize;
    let bomb = zip_of(&[("word/document.xml", &document_xml(limit + 1))]);
    assert!(bomb.len() < limit / 100, "a bomb is small packed: {}", bomb.len());
    let err = import(&bomb, "炸弹.docx").expect_err("refused");
    assert_eq!(err, ImportError::TooLargeUnpacked(limit >> 20));
    assert_eq!(err.to_string(), format!("文档内容过大（解压后超过 {} MB），无法导入", limit >> 20));
}

#[test]
fn the_unpacked_limit_counts_all_parts_together() {
    let limit = MAX_UNPACKED_BYTES as usize;
    let styles = format!("<w:styles>{}</w:styles>", " ".repeat(limit / 2));
    let under = zip_of(&[("word/document.xml", &document_xml(limit / 3)), ("word/styles.xml", &styles)]);
    assert!(import(&under, "a.docx").is_ok());
    let over = zip_of(&[("word/document.xml", &document_xml(limit / 2 + 10)), ("word/styles.xml", &styles)]);
    assert_eq!(import(&over, "a.docx"), Err(ImportError::TooLargeUnpacked(limit >> 20)));
}

#[test]
fn a_text_past_the_size_limit_is_refused_in_chinese() {
    let text = "第一条 正文。\n".repeat(MAX_TEXT_BYTES / 20 + 1);
    assert!(text.len() > MAX_TEXT_BYTES);
    let err = import(text.as_bytes(), "大.txt").expect_err("refused");
    assert_eq!(err.to_string(), format!("文档内容过大（超过 {} MB），无法导入", MAX_TEXT_BYTES >> 20));
}

#[test]
fn a_draft_with_more_sections_than_the_limit_is_refused_in_chinese() {
    let text: String = (0..=MAX_SECTIONS).map(|_| "1.条目\n").collect();
    let err = import(text.as_bytes(), "多.txt").expect_err("refused");
    assert_eq!(err, ImportError::TooManySections(MAX_SECTIONS));
    assert_eq!(err.to_string(), "文档分节过多（超过 5000 个），无法导入");
    let at_limit: String = (0..MAX_SECTIONS).map(|_| "1.条目\n").collect();
    assert_eq!(import(at_limit.as_bytes(), "a.txt").map(|d| d.sections.len()), Ok(MAX_SECTIONS));
    // Splitting text for a seed keeps the rest as text instead.
    let sections = split_text(&text);
    assert_eq!(sections.len(), MAX_SECTIONS);
    assert_eq!(sections.iter().map(|s| s.text.as_str()).collect::<String>(), text);
}
