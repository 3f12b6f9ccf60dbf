//! Tests that write every layout in every format and read the files back as a user's program would.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use super::fixtures::{CITIZENS, SEED_ROWS, SEED_TABLE_TITLE, mixed, tongguan};
use super::*;

/// What a file says, whatever its format.
#[derive(Debug, PartialEq)]
struct Table {
    title: Option<String>,
    summary: Option<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn export(data: &ExportData, layout: &Layout, opts: &ExportOptions, format: Format) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    write(data, layout, opts, format, &mut out).expect("export");
    out
}

fn read(format: Format, bytes: &[u8], sheet_name: &str) -> Table {
    match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes, sheet_name),
        Format::Docx => read_docx(bytes),
        Format::Json => read_json(bytes),
    }
}

fn read_csv(bytes: &[u8]) -> Table {
    let body = bytes.strip_prefix(super::csv::BOM).expect("CSV starts with a BOM");
    let mut records: Vec<Vec<String>> = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(|cell| super::csv::restore(cell).to_owned()).collect())
        .collect();
    let summary =
        (records[0].len() == 1 && records.get(1).is_some_and(|r| r.len() > 1)).then(|| records.remove(0).remove(0));
    let headers = records.remove(0);
    Table { title: None, summary, headers, rows: records }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        other => other.to_string(),
    }
}

fn read_xlsx(bytes: &[u8], sheet_name: &str) -> Table {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("xlsx opens");
    assert_eq!(book.sheet_names(), [xlsx::sheet_name(sheet_name)]);
    let range = book.worksheet_range(&xlsx::sheet_name(sheet_name)).unwrap();
    assert_eq!(range.start(), Some((0, 0)));
    let mut rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
    let title = rows.remove(0).remove(0);
    let summary = (rows[0].iter().skip(1).all(String::is_empty) && rows[0].len() > 1).then(|| rows.remove(0).remove(0));
    let headers = rows.remove(0);
    Table { title: Some(title), summary, headers, rows }
}

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// Every entry of a zip archive, concatenated: to search a whole file for a string.
fn unzip_all(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut all = String::new();
    for i in 0..zip.len() {
        zip.by_index(i).unwrap().read_to_string(&mut all).unwrap();
    }
    all
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The text of a run of WordprocessingML: `w:t` contents, `w:br` as a newline.
fn wml_text(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..=end];
        rest = &rest[end + 1..];
        if tag == "<w:t>" || tag.starts_with("<w:t ") {
            let close = rest.find("</w:t>").unwrap();
            out.push_str(&unescape(&rest[..close]));
            rest = &rest[close..];
        } else if tag.starts_with("<w:br") {
            out.push('\n');
        }
    }
    out
}

fn read_docx(bytes: &[u8]) -> Table {
    let doc = unzip(bytes, "word/document.xml");
    let body = &doc[doc.find("<w:body>").unwrap()..];
    let tbl = body.find("<w:tbl>").expect("a table");
    let paragraphs: Vec<String> = body[..tbl].split("</w:p>").map(wml_text).filter(|t| !t.is_empty()).collect();
    let table = &body[tbl..body.find("</w:tbl>").unwrap()];
    let mut rows: Vec<Vec<String>> = table
        .split("</w:tr>")
        .filter(|r| r.contains("<w:tc>"))
        .map(|r| r.split("<w:tc>").skip(1).map(wml_text).collect())
        .collect();
    let headers = rows.remove(0);
    Table { title: paragraphs.first().cloned(), summary: paragraphs.get(1).cloned(), headers, rows }
}

fn read_json(bytes: &[u8]) -> Table {
    let v: serde_json::Value = serde_json::from_slice(bytes).expect("valid JSON");
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
    };
    Table {
        title: Some(v["title"].as_str().unwrap().to_owned()),
        summary: Some(v["summary"]["text"].as_str().unwrap().to_owned()),
        headers: v["columns"].as_array().unwrap().iter().map(|c| c["header"].as_str().unwrap().to_owned()).collect(),
        rows: v["rows"].as_array().unwrap().iter().map(strings).collect(),
    }
}

/// What every format must show for this export.
fn expected(data: &ExportData, layout: &Layout, opts: &ExportOptions, format: Format) -> Table {
    let sheet = Sheet::new(&ExportHead::of(data), layout, opts);
    let summary = match format {
        Format::Json => Some(sheet.counts.text()),
        _ => sheet.summary.clone(),
    };
    Table {
        title: (format != Format::Csv).then(|| sheet.title.clone()),
        summary,
        headers: sheet.headers().iter().map(|h| h.to_string()).collect(),
        rows: rows::rows(data, layout, opts).collect(),
    }
}

fn every_option() -> Vec<ExportOptions> {
    let mut all = Vec::new();
    for audience in [Audience::Public, Audience::Staff] {
        for grouping in [None, Some(Grouping::PerOpinion), Some(Grouping::PerAuthor)] {
            all.push(ExportOptions { grouping, audience, title: None, undecided: None, round: None });
        }
    }
    all
}

#[test]
fn the_tongguan_export_reproduces_the_seed_table_in_every_format() {
    let data = tongguan();
    let layout = layout("tongguan").unwrap();
    let opts = ExportOptions::default();
    let seed: Vec<Vec<String>> = SEED_ROWS.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    for format in Format::ALL {
        let table = read(format, &export(&data, &layout, &opts, format), layout.name);
        assert_eq!(table.headers, ["序号", "单位", "主要意见", "意见采纳情况", "未采纳原因"]);
        assert_eq!(table.rows, seed, "{format}");
        if format != Format::Csv {
            assert_eq!(table.title.as_deref(), Some(SEED_TABLE_TITLE), "{format}");
        }
    }
}

#[test]
fn every_layout_in_every_format_reads_back_as_the_rows() {
    let data = mixed();
    for layout in builtin_layouts() {
        for opts in every_option() {
            for format in Format::ALL {
                let bytes = export(&data, &layout, &opts, format);
                let table = read(format, &bytes, layout.name);
                let want = expected(&data, &layout, &opts, format);
                assert!(!want.rows.is_empty());
                assert_eq!(table, want, "{} {format} {opts:?}", layout.key);
            }
        }
    }
}

#[test]
fn csv_uses_crlf_and_puts_the_summary_alone_before_a_blank_line() {
    let data = mixed();
    let layout = layout("summary_first").unwrap();
    let bytes = export(&data, &layout, &ExportOptions::default(), Format::Csv);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let summary = Summary::count(&data.opinions).text();
    assert!(text.starts_with(&format!("{summary}\r\n\r\n序号,意见内容,采纳情况及理由\r\n")));
    assert!(text.contains("\"第1条意见：建议增加\"\"双创\"\"扶持,\n并明确资金来源。\""));
}

#[test]
fn xlsx_freezes_and_prints_the_header_row_on_a_landscape_a4_page() {
    let data = mixed();
    for (key, header_row) in [("tongguan", 2), ("summary_first", 3)] {
        let layout = layout(key).unwrap();
        let bytes = export(&data, &layout, &ExportOptions::default(), Format::Xlsx);
        let sheet = unzip(&bytes, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains(&format!(r#"ySplit="{header_row}" topLeftCell="A{}""#, header_row + 1)), "{sheet}");
        assert!(sheet.contains(r#"state="frozen""#));
        assert!(sheet.contains(r#"orientation="landscape""#));
        assert!(sheet.contains(r#"paperSize="9""#));
        assert!(sheet.contains("<mergeCell ref=\"A1:"));
        let book = unzip(&bytes, "xl/workbook.xml");
        let name = xlsx::sheet_name(layout.name);
        assert!(
            book.contains(&format!("{name}!${header_row}:${header_row}</definedName>"))
                || book.contains(&format!("'{name}'!${header_row}:${header_row}</definedName>")),
            "{book}"
        );
        assert!(unzip(&bytes, "xl/styles.xml").contains(xlsx::FONT));
    }
}

#[test]
fn docx_is_a4_landscape_with_a_repeating_header_row_and_chinese_fonts() {
    let data = tongguan();
    let layout = default_layout();
    let bytes = export(&data, &layout, &ExportOptions::default(), Format::Docx);
    let doc = unzip(&bytes, "word/document.xml");
    assert!(doc.contains(r#"w:orient="landscape""#));
    assert!(doc.contains(r#"<w:pgSz w:w="16838" w:h="11906""#), "{}", &doc[doc.len() - 600..]);
    assert_eq!(doc.matches("<w:tblHeader />").count(), 1);
    assert!(doc.contains(SEED_TABLE_TITLE));
    let title_font = format!(r#"w:eastAsia="{}" /><w:b />"#, docx::TITLE_FONT);
    assert!(doc.contains(&title_font), "title font before bold, in schema order");
    assert!(!doc.contains("<w:rPr /><w:jc"), "paragraph properties in schema order");
    let styles = unzip(&bytes, "word/styles.xml");
    let body_font = format!(r#"w:eastAsia="{}" /><w:sz w:val="24" />"#, docx::BODY_FONT);
    assert!(styles.contains(&body_font), "{styles}");
    assert!(unzip(&bytes, "[Content_Types].xml").contains("wordprocessingml"));
}

fn whole_file(format: Format, bytes: &[u8]) -> String {
    match format {
        Format::Xlsx | Format::Docx => unzip_all(bytes),
        Format::Csv | Format::Json => String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

#[test]
fn public_exports_never_contain_a_contact_or_a_full_name() {
    let data = mixed();
    for layout in builtin_layouts() {
        for format in Format::ALL {
            let text = whole_file(format, &export(&data, &layout, &ExportOptions::default(), format));
            for (name, contact) in CITIZENS {
                assert!(!text.contains(contact), "{} {format} leaks {contact}", layout.key);
                assert!(!text.contains(name), "{} {format} leaks {name}", layout.key);
            }
        }
    }
}

#[test]
fn public_exports_show_masked_names_in_the_layouts_style() {
    let data = mixed();
    for (key, masked) in [
        ("feedback_person", ["张*祥", "朱*明", "欧**明", "J*** S****"]),
        ("channel_remark", ["张**", "朱**", "欧***", "J*** S****"]),
    ] {
        let layout = layout(key).unwrap();
        for format in Format::ALL {
            let text = whole_file(format, &export(&data, &layout, &ExportOptions::default(), format));
            for m in masked {
                assert!(text.contains(m), "{key} {format} lacks {m}");
            }
        }
    }
}

#[test]
fn staff_exports_show_full_names_and_contacts() {
    let data = mixed();
    let layout = layout("ledger").unwrap();
    let staff = ExportOptions { audience: Audience::Staff, ..Default::default() };
    for format in Format::ALL {
        let text = whole_file(format, &export(&data, &layout, &staff, format));
        for (name, contact) in CITIZENS {
            assert!(text.contains(contact), "{format} lacks {contact}");
            assert!(text.contains(name), "{format} lacks {name}");
        }
        assert!(text.contains("联系方式"));
    }
}

#[test]
fn streaming_from_an_iterator_writes_the_same_bytes_as_the_data_set() {
    let data = mixed();
    let head = ExportHead::of(&data);
    for layout in builtin_layouts() {
        for format in [Format::Csv, Format::Json] {
            let opts = ExportOptions::default();
            let mut streamed: Vec<u8> = Vec::new();
            write_stream(&head, data.opinions.clone(), &layout, &opts, format, &mut streamed).unwrap();
            assert_eq!(streamed, export(&data, &layout, &opts, format), "{}", layout.key);
        }
    }
}

#[test]
fn an_empty_consultation_exports_headers_and_says_no_opinion_was_received() {
    let data = ExportData { opinions: Vec::new(), ..tongguan() };
    let layout = layout("summary_first").unwrap();
    for format in Format::ALL {
        let bytes = export(&data, &layout, &ExportOptions::default(), format);
        let text = whole_file(format, &bytes);
        assert!(text.contains("本次征求意见未收到意见。"), "{format}");
        assert!(text.contains("采纳情况及理由"), "{format}");
    }
}

#[test]
fn cells_that_start_a_formula_stay_text_in_csv_and_xlsx() {
    let data = mixed();
    let layout = layout("ledger").unwrap();
    let staff = ExportOptions { audience: Audience::Staff, ..Default::default() };
    let csv = export(&data, &layout, &staff, Format::Csv);
    let raw: Vec<String> = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&csv[3..])
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    assert!(raw.iter().any(|c| c.starts_with("'=HYPERLINK(")), "{raw:?}");
    assert!(raw.iter().any(|c| c == "'+86 139 0000 1111"), "a contact that starts with +");
    assert!(raw.iter().all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])), "no cell starts a formula");
    let xlsx = export(&data, &layout, &staff, Format::Xlsx);
    let sheet = unzip(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "strings, never formulas");
    assert!(unzip_all(&xlsx).contains("=HYPERLINK("), "kept as the text typed");
}
