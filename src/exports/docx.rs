//! DOCX export: A4 landscape, centred title, bordered table whose header row repeats on every page.
//!
//! docx-rs builds the document around a one-row placeholder table; the data rows, also built
//! with docx-rs, are streamed into `word/document.xml` where the placeholder stood, so a large
//! table is never held in memory. docx-rs 0.4.22 cannot mark a header row (`w:tblHeader`),
//! writes run properties out of schema order and stores its archive uncompressed, so the XML
//! is patched ([`super::docx_patch`]) and the package is zipped here (deflate).

use std::io::Write;

use docx_rs::{
    AlignmentType, BreakType, BuildXML, Docx, PageMargin, PageOrientationType, Paragraph, Run, RunFonts, Table,
    TableCell, TableLayoutType, TableRow, VAlignType, WidthType, XMLDocx,
};
use zip::write::SimpleFileOptions;

use super::docx_patch as patch;
use super::layout::Field;
use super::{ExportError, Sheet};

/// A4 landscape, in twips.
pub const PAGE_WIDTH: u32 = 16838;
pub const PAGE_HEIGHT: u32 = 11906;
/// 2 cm.
pub const MARGIN: i32 = 1134;
const TABLE_WIDTH: usize = PAGE_WIDTH as usize - 2 * MARGIN as usize;
/// Fonts of GB/T 9704 official documents; Word substitutes where one is not installed.
pub const TITLE_FONT: &str = "方正小标宋简体";
pub const BODY_FONT: &str = "仿宋_GB2312";
const LATIN_FONT: &str = "Times New Roman";
/// Half-points: 二号 title, 小四 table.
const TITLE_SIZE: usize = 44;
const TABLE_SIZE: usize = 24;
const MARKER: &str = "\u{E000}zhengqiu-rows\u{E000}";

/// Writes the sheet and its rows as a Word document.
pub fn write(
    sheet: &Sheet,
    rows: impl Iterator<Item = Vec<String>>,
    out: &mut (dyn Write + Send),
) -> Result<(), ExportError> {
    let widths = column_widths(sheet);
    let mut ids = ParaIds(0);
    let xml = skeleton(sheet, &widths, &mut ids).build();
    let (head, tail) = patch::split_at_marker(&xml.document, MARKER)?;
    let mut head = patch::order_run_properties(&patch::drop_empty_mark_properties(head));
    patch::mark_header_row(&mut head);

    let mut zip = zip::ZipWriter::new_stream(out);
    let deflate = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    write_other_parts(&mut zip, &xml, deflate)?;
    zip.start_file("word/document.xml", deflate)?;
    zip.write_all(&head)?;
    for row in rows {
        let xml = data_row(&row, sheet, &widths, &mut ids).build();
        zip.write_all(&patch::drop_empty_mark_properties(&xml))?;
    }
    zip.write_all(tail)?;
    zip.finish()?;
    Ok(())
}

/// Column widths in twips, proportional to the layout's widths, filling the text width.
fn column_widths(sheet: &Sheet) -> Vec<usize> {
    let total: f64 = sheet.columns.iter().map(|c| c.width_chars).sum();
    sheet.columns.iter().map(|c| (c.width_chars / total * TABLE_WIDTH as f64) as usize).collect()
}

/// Paragraph ids, unique within the document and the same on every run.
struct ParaIds(u32);

impl ParaIds {
    fn paragraph(&mut self) -> Paragraph {
        self.0 += 1;
        Paragraph::new().id(format!("{:08X}", self.0))
    }
}

fn skeleton(sheet: &Sheet, widths: &[usize], ids: &mut ParaIds) -> Docx {
    let body_fonts = RunFonts::new().east_asia(BODY_FONT).ascii(LATIN_FONT).hi_ansi(LATIN_FONT);
    let title_fonts = RunFonts::new().east_asia(TITLE_FONT).ascii(LATIN_FONT).hi_ansi(LATIN_FONT);
    let title = ids
        .paragraph()
        .align(AlignmentType::Center)
        .add_run(Run::new().add_text(clean(&sheet.title)).bold().size(TITLE_SIZE).fonts(title_fonts));
    let header =
        TableRow::new(sheet.columns.iter().zip(widths).map(|(c, &w)| cell(ids, c.header, w, true, true)).collect())
            .cant_split();
    let placeholder = TableRow::new(vec![cell(ids, MARKER, TABLE_WIDTH, false, false)]);
    let table = Table::new(vec![header, placeholder])
        .set_grid(widths.to_vec())
        .width(TABLE_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed);
    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_orient(PageOrientationType::Landscape)
        .page_margin(PageMargin::new().top(MARGIN).bottom(MARGIN).left(MARGIN).right(MARGIN))
        .default_fonts(body_fonts)
        .default_size(TABLE_SIZE)
        .add_paragraph(title);
    if let Some(summary) = &sheet.summary {
        docx = docx.add_paragraph(ids.paragraph().add_run(Run::new().add_text(clean(summary))));
    }
    docx.add_table(table)
}

fn data_row(row: &[String], sheet: &Sheet, widths: &[usize], ids: &mut ParaIds) -> TableRow {
    let cells = row
        .iter()
        .zip(&sheet.columns)
        .zip(widths)
        .map(|((text, c), &w)| cell(ids, text, w, false, centred(c.field)))
        .collect();
    TableRow::new(cells)
}

fn centred(field: Field) -> bool {
    matches!(field, Field::Seq | Field::Decision)
}

/// A cell with one paragraph; line breaks in the text become `w:br`.
fn cell(ids: &mut ParaIds, text: &str, width: usize, bold: bool, centre: bool) -> TableCell {
    let mut run = Run::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        if !line.is_empty() {
            run = run.add_text(clean(line));
        }
    }
    if bold {
        run = run.bold();
    }
    let mut p = ids.paragraph().add_run(run);
    if centre {
        p = p.align(AlignmentType::Center);
    }
    TableCell::new().add_paragraph(p).width(width, WidthType::Dxa).vertical_align(VAlignType::Center)
}

/// Drops characters XML 1.0 cannot carry (control characters other than tab).
fn clean(text: &str) -> String {
    text.chars().filter(|&c| (c >= ' ' || c == '\t') && c != '\u{FFFE}' && c != '\u{FFFF}').collect()
}

/// The package parts docx-rs writes besides `word/document.xml` (the document uses no
/// headers, footers, images or custom XML).
fn write_other_parts<W: Write>(
    zip: &mut zip::ZipWriter<zip::write::StreamWriter<W>>,
    xml: &XMLDocx,
    options: SimpleFileOptions,
) -> Result<(), ExportError> {
    let parts: [(&str, &[u8]); 13] = [
        ("[Content_Types].xml", &xml.content_type),
        ("_rels/.rels", &xml.rels),
        ("docProps/app.xml", &xml.doc_props.app),
        ("docProps/core.xml", &xml.doc_props.core),
        ("docProps/custom.xml", &xml.doc_props.custom),
        ("word/_rels/document.xml.rels", &xml.document_rels),
        ("word/styles.xml", &patch::order_run_properties(&xml.styles)),
        ("word/settings.xml", &xml.settings),
        ("word/fontTable.xml", &xml.font_table),
        ("word/comments.xml", &xml.comments),
        ("word/numbering.xml", &xml.numberings),
        ("word/commentsExtended.xml", &xml.comments_extended),
        ("word/footnotes.xml", &xml.footnotes),
    ];
    for (name, bytes) in parts {
        zip.start_file(name, options)?;
        zip.write_all(bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_dropped_but_text_stays() {
        assert_eq!(clean("甲\u{0B}乙\t丙\u{0}"), "甲乙\t丙");
    }

    #[test]
    fn column_widths_fill_the_text_width_in_proportion() {
        let layout = crate::exports::default_layout();
        let head = crate::exports::ExportHead::of(&crate::exports::fixtures::tongguan());
        let sheet = Sheet::new(&head, &layout, &Default::default());
        let widths = column_widths(&sheet);
        let total: usize = widths.iter().sum();
        assert!(total <= TABLE_WIDTH && total + widths.len() >= TABLE_WIDTH);
        assert!(widths[2] > 4 * widths[0]);
    }
}
