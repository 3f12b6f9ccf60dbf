//! Tests that build small .docx files in memory and read them back.

use super::super::{HeadingKind, ImportError, SourceFormat, import};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

/// A .docx with the given body XML and optional styles part, compressed like Word does.
pub(crate) fn build_docx(body: &str, styles: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut add = |name: &str, content: &str| {
        zip.start_file(name, options).expect("start zip entry");
        zip.write_all(content.as_bytes()).expect("write zip entry");
    };
    add("[Content_Types].xml", "<Types/>");
    add(
        "word/document.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}<w:sectPr/></w:body></w:document>"#
        ),
    );
    if let Some(styles) = styles {
        add("word/styles.xml", &format!("<w:styles {W}>{styles}</w:styles>"));
    }
    zip.finish().expect("finish zip").into_inner()
}

fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

fn styled(style: &str, text: &str) -> String {
    format!("<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>")
}

/// Chinese Word names heading styles by number ids; their names say what they are.
const STYLES: &str = r#"<w:style w:styleId="1"><w:name w:val="heading 1"/></w:style>
<w:style w:styleId="2"><w:name w:val="heading 2"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:styleId="a3"><w:name w:val="Title"/></w:style>
<w:style w:styleId="a5"><w:name w:val="Body Text"/></w:style>"#;

#[test]
fn word_paragraphs_runs_styles_and_tables_become_sections() {
    let body = [
        styled("a3", "关于加强管理的实施意见（征求意见稿）"),
        p("为了加强管理，制定本意见。"),
        styled("1", "总则"),
        // A heading split over runs, with tab stops in its properties that are not text.
        r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr><w:r><w:t>一、</w:t></w:r><w:r><w:t>总体</w:t></w:r><w:r><w:t>要求</w:t></w:r></w:p>"#.to_string(),
        r#"<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t><w:delText>删除的</w:delText></w:r></w:p>"#.to_string(),
        styled("2", "附则"),
        "<w:tbl><w:tr><w:tc>".to_string() + &p("序号") + "</w:tc><w:tc>" + &p("单位") + "</w:tc></w:tr>"
            + "<w:sdt><w:sdtContent><w:tr><w:tc>" + &p("1.") + "</w:tc><w:tc>" + &p("区科技局") + &p("（牵头）") + "</w:tc></w:tr></w:sdtContent></w:sdt></w:tbl>",
        styled("Heading1", "附件"),
    ]
    .concat();
    let draft = import(&build_docx(&body, Some(STYLES)), "意见.docx").expect("readable docx");
    assert_eq!(draft.format, SourceFormat::Docx);
    assert_eq!(draft.encoding, "UTF-8");
    assert_eq!(draft.title.as_deref(), Some("关于加强管理的实施意见（征求意见稿）"));
    let outline: Vec<(u8, HeadingKind, &str, &str)> =
        draft.sections.iter().map(|s| (s.level, s.kind, s.number.as_str(), s.heading.as_str())).collect();
    assert_eq!(
        outline,
        vec![
            (1, HeadingKind::Preamble, "", ""),
            (1, HeadingKind::Titled, "", "总则"),
            (2, HeadingKind::CnNumber, "一、", "总体要求"),
            (2, HeadingKind::Titled, "", "附则"),
            (1, HeadingKind::Titled, "", "附件"),
        ]
    );
    assert_eq!(draft.sections[2].text, "一、总体要求\n甲\t乙\n丙\n");
    assert_eq!(draft.sections[3].text, "附则\n序号 | 单位\n1. | 区科技局 （牵头）\n");
    assert_eq!(draft.sections[3].parent, Some(1));
}

#[test]
fn a_zip_without_a_word_document_is_refused_with_a_reason() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("xl/workbook.xml", SimpleFileOptions::default()).expect("start entry");
    zip.write_all(b"<workbook/>").expect("write entry");
    let bytes = zip.finish().expect("finish").into_inner();
    let err = import(&bytes, "表格.docx").expect_err("not a Word document");
    assert!(matches!(err, ImportError::UnreadableDocx(_)));
    assert!(err.to_string().contains("word/document.xml"), "{err}");
}

#[test]
fn a_truncated_docx_is_refused_not_panicked_on() {
    let bytes = build_docx(&p("一、总则"), None);
    for cut in [4, 30, bytes.len() / 2, bytes.len() - 10] {
        assert!(matches!(import(&bytes[..cut], "草案.docx"), Err(ImportError::UnreadableDocx(_))));
    }
}

#[test]
fn a_docx_with_broken_xml_or_no_text_is_refused() {
    let broken = build_docx("<w:p><w:r>", None);
    assert!(matches!(import(&broken, "a.docx"), Err(ImportError::UnreadableDocx(_))));
    let blank = build_docx(&(p("  ") + &p("")), None);
    assert_eq!(import(&blank, "a.docx"), Err(ImportError::Empty));
}

#[test]
fn a_file_named_docx_that_is_really_text_is_refused() {
    assert!(matches!(import("一、总则".as_bytes(), "草案.docx"), Err(ImportError::UnreadableDocx(_))));
}
