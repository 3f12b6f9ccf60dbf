//! XLSX export: merged title, optional summary, frozen and print-repeated header row, A4 landscape.
//!
//! Uses rust_xlsxwriter's constant-memory worksheet: each row goes to a temporary file as soon
//! as the next one starts, so a 100,000-row table needs only a few megabytes.

use std::io::Write;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::layout::Field;
use super::{ExportError, Sheet};

/// A CJK font every Office install has.
pub const FONT: &str = "宋体";
/// Excel's column unit is about one Latin digit; a Chinese character takes two.
const UNITS_PER_CHAR: f64 = 2.0;
/// Excel's paper size code for A4.
const A4: u8 = 9;
/// Points per line of 11 pt 宋体, with the cell's padding.
const LINE_HEIGHT: f64 = 14.5;
/// The tallest row Excel accepts, in points.
const MAX_ROW_HEIGHT: f64 = 409.0;
/// The most characters Excel keeps in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// The formats used on the sheet.
struct Styles {
    title: Format,
    summary: Format,
    header: Format,
    text: Format,
    centred: Format,
}

impl Styles {
    fn new() -> Self {
        let base =
            Format::new().set_font_name(FONT).set_font_size(11).set_text_wrap().set_align(FormatAlign::VerticalCenter);
        let cell = base.clone().set_border(FormatBorder::Thin);
        Styles {
            title: base.clone().set_bold().set_font_size(16).set_align(FormatAlign::Center),
            summary: base.clone().set_align(FormatAlign::Left),
            header: cell.clone().set_bold().set_align(FormatAlign::Center),
            centred: cell.clone().set_align(FormatAlign::Center),
            text: cell.set_align(FormatAlign::Left),
        }
    }
}

/// Rows given a height of their own, at most: LibreOffice does not grow a wrapped row when it
/// opens a file (Excel and WPS do). The worksheet keeps each such row's settings in memory until
/// the file is saved, some 350 bytes a row even in constant-memory mode, so past this many rows
/// the rest keep the height Excel and WPS give them: a 1,000,000-row table then holds ~35 MB of
/// row settings instead of ~350 MB.
const SIZED_ROWS: u32 = 100_000;

/// Writes the sheet and its rows as an Excel workbook.
pub fn write(
    sheet: &Sheet,
    rows: impl Iterator<Item = Vec<String>>,
    out: &mut (dyn Write + Send),
) -> Result<(), ExportError> {
    write_sizing(sheet, rows, out, SIZED_ROWS)
}

/// [`write`], giving a height of its own to no more than the first `sized_rows` rows.
fn write_sizing(
    sheet: &Sheet,
    rows: impl Iterator<Item = Vec<String>>,
    out: &mut (dyn Write + Send),
    sized_rows: u32,
) -> Result<(), ExportError> {
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet_name(sheet.name))?;
    let header_row = setup(ws, sheet, &styles)?;
    let mut r = header_row;
    for row in rows {
        r += 1;
        write_row(ws, r, &row, sheet, &styles, r - header_row <= sized_rows)?;
    }
    workbook.save_to_writer(out)?;
    Ok(())
}

/// Page set-up, widths, title, summary and header; returns the header's row index.
fn setup(ws: &mut Worksheet, sheet: &Sheet, styles: &Styles) -> Result<u32, XlsxError> {
    let last_col = sheet.columns.len().saturating_sub(1) as u16;
    ws.set_landscape();
    ws.set_paper_size(A4);
    ws.set_print_fit_to_pages(1, 0);
    for (i, c) in sheet.columns.iter().enumerate() {
        ws.set_column_width(i as u16, c.width_chars * UNITS_PER_CHAR + 1.0)?;
    }
    ws.set_row_height(0, 30)?;
    merge(ws, 0, last_col, &sheet.title, &styles.title)?;
    let mut header_row = 1;
    if let Some(summary) = &sheet.summary {
        ws.set_row_height(1, 36)?;
        merge(ws, 1, last_col, summary, &styles.summary)?;
        header_row = 2;
    }
    for (i, c) in sheet.columns.iter().enumerate() {
        ws.write_string_with_format(header_row, i as u16, c.header, &styles.header)?;
    }
    ws.set_freeze_panes(header_row + 1, 0)?;
    ws.set_repeat_rows(header_row, header_row)?;
    Ok(header_row)
}

/// One text across the whole row (a merge needs at least two cells).
fn merge(ws: &mut Worksheet, row: u32, last_col: u16, text: &str, f: &Format) -> Result<(), XlsxError> {
    if last_col == 0 {
        ws.write_string_with_format(row, 0, text, f)?;
    } else {
        ws.merge_range(row, 0, row, last_col, text, f)?;
    }
    Ok(())
}

/// One row of the table; `sized`: with a height of its own when its text wraps.
fn write_row(
    ws: &mut Worksheet,
    r: u32,
    row: &[String],
    sheet: &Sheet,
    styles: &Styles,
    sized: bool,
) -> Result<(), XlsxError> {
    if sized {
        let lines = row.iter().zip(&sheet.columns).map(|(text, c)| line_count(text, c.width_chars)).max().unwrap_or(1);
        if lines > 1 {
            ws.set_row_height(r, (lines as f64 * LINE_HEIGHT + 3.0).min(MAX_ROW_HEIGHT))?;
        }
    }
    for (i, (text, c)) in row.iter().zip(&sheet.columns).enumerate() {
        let col = i as u16;
        let f = match c.field {
            Field::Seq | Field::Decision => &styles.centred,
            _ => &styles.text,
        };
        // 序号 as a number, so Excel does not flag "number stored as text".
        let number = (c.field == Field::Seq).then(|| text.parse::<f64>().ok()).flatten();
        match number {
            Some(n) => ws.write_number_with_format(r, col, n, f)?,
            None if text.is_empty() => ws.write_blank(r, col, f)?,
            None => ws.write_string_with_format(r, col, fit_cell(text).as_ref(), f)?,
        };
    }
    Ok(())
}

/// A text Excel can hold: one longer than a cell allows (an opinion far over the usual
/// limit) is cut with a note saying where the whole text is.
fn fit_cell(text: &str) -> std::borrow::Cow<'_, str> {
    const NOTE: &str = "……（超出 Excel 单元格容量，全文见 CSV、DOCX 或 JSON 导出）";
    if text.chars().count() <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    let keep = MAX_CELL_CHARS - NOTE.chars().count();
    std::borrow::Cow::Owned(text.chars().take(keep).chain(NOTE.chars()).collect())
}

/// How many lines `text` wraps to in a column `width_chars` Chinese characters wide.
///
/// Excel and WPS grow a wrapped row when opening the file, LibreOffice does not; an explicit
/// estimate (a Latin character counts as half a Chinese one) serves all three.
fn line_count(text: &str, width_chars: f64) -> usize {
    let width = width_chars.max(1.0);
    text.split('\n')
        .map(|line| {
            let chars: f64 = line.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum();
            ((chars / width).ceil() as usize).max(1)
        })
        .sum()
}

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`, not quoted.
pub fn sheet_name(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).take(31).collect();
    let cleaned = cleaned.trim_matches('\'').trim();
    if cleaned.is_empty() { "Sheet1".to_owned() } else { cleaned.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_rows_count_chinese_as_full_and_latin_as_half_width() {
        assert_eq!(line_count("", 10.0), 1);
        assert_eq!(line_count(&"字".repeat(10), 10.0), 1);
        assert_eq!(line_count(&"字".repeat(11), 10.0), 2);
        assert_eq!(line_count(&"a".repeat(18), 10.0), 1);
        assert_eq!(line_count("一\n二\n三", 10.0), 3);
    }

    #[test]
    fn a_text_longer_than_a_cell_holds_is_cut_with_a_note() {
        assert_eq!(fit_cell("意见"), "意见");
        let long = "长".repeat(40_000);
        let fitted = fit_cell(&long);
        assert_eq!(fitted.chars().count(), MAX_CELL_CHARS);
        assert!(fitted.ends_with("全文见 CSV、DOCX 或 JSON 导出）"));
    }

    #[test]
    fn only_the_first_rows_up_to_the_limit_get_a_height_of_their_own() {
        use std::io::Read;
        let sheet = Sheet {
            layout_key: "test",
            name: "意见",
            title: "意见汇总".to_owned(),
            counts: Default::default(),
            summary: None,
            columns: vec![super::super::layout::Column { header: "意见", field: Field::Body, width_chars: 4.0 }],
        };
        let rows = ["一行", "长长长长长长长长长长", "一行", "长长长长长长长长长长", "长长长长长长长长长长"];
        let mut bytes = Vec::new();
        write_sizing(&sheet, rows.iter().map(|t| vec![(*t).to_owned()]), &mut bytes, 3).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
        // Rows 1 (title) and 2 (header) come first; the table's rows are 3 to 7.
        let sized: Vec<u32> = xml
            .split("<row ")
            .skip(1)
            .filter(|row| row[..row.find('>').unwrap()].contains("customHeight=\"1\""))
            .map(|row| row.trim_start_matches("r=\"").split('"').next().unwrap().parse().unwrap())
            .collect();
        // Of the first three rows only the one that wraps; after them none, wrapped or not.
        assert_eq!(sized, [1, 4]);
    }

    #[test]
    fn sheet_names_lose_forbidden_characters_and_stop_at_31() {
        assert_eq!(sheet_name("意见/建议[汇总]"), "意见_建议_汇总_");
        let long = "很".repeat(40);
        assert_eq!(sheet_name(&long).chars().count(), 31);
        assert_eq!(sheet_name("''"), "Sheet1");
    }
}
