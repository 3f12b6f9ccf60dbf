//! CSV export: UTF-8 with a BOM (so Excel shows Chinese), CRLF, quoted where needed, and no
//! cell that Excel or WPS would run as a formula.
//!
//! Only the table: no title line. A `summary_first` layout puts the summary sentence alone in
//! the first row, then an empty line, then the header row.

use std::borrow::Cow;
use std::io::Write;

use super::{ExportError, Sheet};

/// The UTF-8 byte order mark Excel needs to read a CSV as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes the sheet and its rows as CSV.
pub fn write(sheet: &Sheet, rows: impl Iterator<Item = Vec<String>>, out: &mut dyn Write) -> Result<(), ExportError> {
    out.write_all(BOM)?;
    if let Some(summary) = &sheet.summary {
        let mut w = writer(&mut *out);
        w.write_record([neutralise(summary).as_bytes()])?;
        w.flush()?;
        drop(w);
        out.write_all(b"\r\n")?;
    }
    write_records(&sheet.headers(), rows, out)
}

/// A plain table as CSV, the way the adoption table is written: BOM, a header row, the rows.
/// Open data (`/open-data/…`) is written with it.
pub fn write_table(
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    out.write_all(BOM)?;
    write_records(headers, rows, out)
}

fn write_records(
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let mut w = writer(out);
    w.write_record(headers)?;
    for row in rows {
        let cells: Vec<Cow<'_, str>> = row.iter().map(|cell| neutralise(cell)).collect();
        w.write_record(cells.iter().map(|cell| cell.as_bytes()))?;
    }
    w.flush()?;
    Ok(())
}

fn writer(out: &mut dyn Write) -> ::csv::Writer<&mut dyn Write> {
    ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(out)
}

/// What a spreadsheet takes as the start of a formula when it opens a CSV file (and `@`, which
/// older Excel turns into one; tab and CR, which Excel strips before looking).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell that would start a formula gets an apostrophe in front, so that Excel and WPS show
/// "=HYPERLINK(…)" or "+86 139…" as the text a citizen typed instead of running it.
/// A text that already starts with an apostrophe before such a start gets one more, so that
/// [`restore`] can tell the two apart.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if starts_formula(cell) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

fn starts_formula(cell: &str) -> bool {
    cell.starts_with(FORMULA_STARTS) || cell.strip_prefix('\'').is_some_and(starts_formula)
}

/// The text a cell held before [`neutralise`]: what a program reading the file back gets.
#[cfg(test)]
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_a_formula_are_shown_as_text() {
        for cell in
            ["=HYPERLINK(\"http://x\",\"点此\")", "+86 139 0000 1111", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "'=1"]
        {
            let safe = neutralise(cell);
            assert_eq!(safe, format!("'{cell}"));
            assert_eq!(restore(&safe), cell);
        }
    }

    #[test]
    fn other_cells_are_left_alone_and_read_back_unchanged() {
        for cell in ["建议=改为", "13800138000", "'引号开头", "", " =1"] {
            assert_eq!(neutralise(cell), cell);
            assert_eq!(restore(cell), cell);
        }
    }
}
