//! Tests that build small .docx files in memory and read them back.

use super::super::{HeadingKind, ImportError, SourceFormat, import};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

/// A .docx with the given body XML and optional styles part, compressed like Word does.
pub(crate) fn build_docx(body: &str, styles: Option<&str>) -> Vec<u8> {
    build_docx_with_numbering(body, styles, None)
}

/// A .docx with a numbering part too.
fn build_docx_with_numbering(body: &str, styles: Option<&str>, numbering: Option<&str>) -> Vec<u8> {
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
    if let Some(numbering) = numbering {
        add("word/numbering.xml", &format!("<w:numbering {W}>{numbering}</w:numbering>"));
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
            (1, HeadingKind::Annex, "附件", ""),
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

fn numbered(num_id: u32, level: u32, text: &str) -> String {
    format!(
        "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"{level}\"/><w:numId w:val=\"{num_id}\"/></w:numPr></w:pPr>\
         <w:r><w:t>{text}</w:t></w:r></w:p>"
    )
}

fn lvl(level: u32, format: &str, text: &str, suffix: &str) -> String {
    format!(
        "<w:lvl w:ilvl=\"{level}\"><w:start w:val=\"1\"/><w:numFmt w:val=\"{format}\"/>\
         <w:lvlText w:val=\"{text}\"/><w:suff w:val=\"{suffix}\"/></w:lvl>"
    )
}

/// The lists a Chinese government template defines: 一、 / （一） / 1. for the outline,
/// 第N条 drawn by a paragraph style, a bullet list, and the outline list restarted.
fn chinese_numbering() -> String {
    [
        format!(
            "<w:abstractNum w:abstractNumId=\"0\">{}{}{}</w:abstractNum>",
            lvl(0, "chineseCounting", "%1、", "nothing"),
            lvl(1, "chineseCounting", "（%2）", "nothing"),
            lvl(2, "decimal", "%3.", "space")
        ),
        format!("<w:abstractNum w:abstractNumId=\"1\">{}</w:abstractNum>", lvl(0, "chineseCounting", "第%1条", "space")),
        "<w:abstractNum w:abstractNumId=\"2\"><w:lvl w:ilvl=\"0\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"\u{f0b7}\"/></w:lvl></w:abstractNum>".to_owned(),
        "<w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>".to_owned(),
        "<w:num w:numId=\"2\"><w:abstractNumId w:val=\"1\"/></w:num>".to_owned(),
        "<w:num w:numId=\"3\"><w:abstractNumId w:val=\"0\"/><w:lvlOverride w:ilvl=\"0\"><w:startOverride w:val=\"1\"/></w:lvlOverride></w:num>".to_owned(),
        "<w:num w:numId=\"4\"><w:abstractNumId w:val=\"2\"/></w:num>".to_owned(),
    ]
    .concat()
}

const ARTICLE_STYLE: &str = r#"<w:style w:styleId="Article"><w:name w:val="条文"/><w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style>"#;

#[test]
fn word_numbering_gives_headings_their_numbers_and_nothing_is_lost() {
    let body = [
        p("关于加强管理的实施意见"),
        numbered(1, 0, "总体要求"),
        numbered(1, 1, "指导思想"),
        numbered(1, 2, "深化改革。"),
        numbered(1, 2, "加强建设。"),
        numbered(1, 1, "基本原则"),
        numbered(1, 2, "坚持创新。"),
        numbered(1, 0, "重点任务"),
        numbered(4, 0, "列表要点不编号。"),
        styled("Article", "为了规范管理，制定本办法。"),
        styled("Article", "本办法适用于全区。"),
        // A style's list taken away by numId 0.
        "<w:p><w:pPr><w:pStyle w:val=\"Article\"/><w:numPr><w:numId w:val=\"0\"/></w:numPr></w:pPr><w:r><w:t>不编号的条文。</w:t></w:r></w:p>".to_owned(),
        numbered(3, 0, "附则"),
    ]
    .concat();
    let docx = build_docx_with_numbering(&body, Some(ARTICLE_STYLE), Some(&chinese_numbering()));
    let draft = import(&docx, "意见.docx").expect("readable docx");
    let numbers: Vec<&str> = draft.sections.iter().map(|s| s.number.as_str()).collect();
    assert_eq!(numbers, ["", "一、", "（一）", "1.", "2.", "（二）", "1.", "二、", "第一条", "第二条", "一、"]);
    let headings: Vec<&str> = draft.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(headings[1..3], ["总体要求", "指导思想"]);
    let shown = "关于加强管理的实施意见\n一、总体要求\n（一）指导思想\n1. 深化改革。\n2. 加强建设。\n（二）基本原则\n\
                 1. 坚持创新。\n二、重点任务\n列表要点不编号。\n第一条 为了规范管理，制定本办法。\n\
                 第二条 本办法适用于全区。\n不编号的条文。\n一、附则\n";
    let joined: String = draft.sections.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(joined, shown, "the sections hold the text as Word shows it, numbers included");
}

#[test]
fn a_document_without_a_numbering_part_reads_its_list_paragraphs_as_plain_text() {
    let draft = import(&build_docx(&(numbered(1, 0, "总则") + &p("正文。")), None), "a.docx").unwrap();
    let joined: String = draft.sections.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(joined, "总则\n正文。\n");
}

/// Tables nested `depth` deep, each cell holding the next table, as a hostile upload does.
fn nested_tables(depth: usize) -> String {
    let mut body = String::with_capacity(depth * 40);
    for _ in 0..depth {
        body.push_str("<w:tbl><w:tr><w:tc>");
    }
    body.push_str(&p("最里面"));
    for _ in 0..depth {
        body.push_str("</w:tc></w:tr></w:tbl>");
    }
    body
}

#[test]
fn tables_nested_thousands_deep_are_refused_with_a_reason_not_a_crash() {
    for depth in [2_100, 10_000] {
        let docx = build_docx(&nested_tables(depth), None);
        // Run on a small stack, as a worker thread has: a recursive walk would overflow it.
        let err = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || import(&docx, "嵌套.docx"))
            .expect("thread")
            .join()
            .expect("no stack overflow");
        assert_eq!(err, Err(ImportError::TooDeep), "depth {depth}");
        assert_eq!(ImportError::TooDeep.to_string(), "文档结构嵌套过深，无法导入");
    }
}

#[test]
fn runs_nested_thousands_deep_inside_a_paragraph_are_refused_too() {
    let depth = 10_000;
    let body = format!(
        "<w:p>{}<w:r><w:t>文字</w:t></w:r>{}</w:p>",
        "<w:hyperlink>".repeat(depth),
        "</w:hyperlink>".repeat(depth)
    );
    let docx = build_docx(&body, None);
    let result = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || import(&docx, "嵌套.docx"))
        .expect("thread")
        .join()
        .expect("no stack overflow");
    assert_eq!(result, Err(ImportError::TooDeep));
}

#[test]
fn tables_nested_as_deep_as_real_documents_are_read() {
    let draft = import(&build_docx(&(p("一、总则") + &nested_tables(5)), None), "表格.docx").expect("readable");
    assert!(draft.sections.iter().any(|s| s.text.contains("最里面")), "{:?}", draft.sections);
}

/// Measures one large import by hand, e.g. under `/usr/bin/time -v`:
/// `DOCX=/tmp/big.docx <test binary> --ignored --exact drafts::docx::tests::a_large_docx_named_by_docx_imports_once`.
#[test]
#[ignore = "reads the file named by $DOCX"]
fn a_large_docx_named_by_docx_imports_once() {
    let path = std::env::var("DOCX").expect("DOCX names a .docx");
    let bytes = std::fs::read(&path).expect("readable");
    let started = std::time::Instant::now();
    let result = import(&bytes, &path);
    let outcome = result.as_ref().map(|d| d.sections.len()).map_err(ToString::to_string);
    println!("{path}: {outcome:?} in {:.2?}", started.elapsed());
    let refused_for_size = matches!(result, Err(ImportError::TooLargeUnpacked(_) | ImportError::TooManySections(_)));
    assert!(outcome.is_ok() || refused_for_size, "{outcome:?}");
}
