//! CSV export: UTF-8 with a BOM (so Excel shows Chinese), CRLF, quoted where needed.
//!
//! Only the table: no title line. A `summary_first` layout puts the summary sentence alone in
//! the first row, then an empty line, then the header row.

use std::io::Write;

use super::{ExportError, Sheet};

/// The UTF-8 byte order mark Excel needs to read a CSV as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes the sheet and its rows as CSV.
pub fn write(sheet: &Sheet, rows: impl Iterator<Item = Vec<String>>, out: &mut dyn Write) -> Result<(), ExportError> {
    out.write_all(BOM)?;
    if let Some(summary) = &sheet.summary {
        let mut w = writer(&mut *out);
        w.write_record([summary])?;
        w.flush()?;
        drop(w);
        out.write_all(b"\r\n")?;
    }
    let mut w = writer(out);
    w.write_record(sheet.headers())?;
    for row in rows {
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

fn writer(out: &mut dyn Write) -> ::csv::Writer<&mut dyn Write> {
    ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(out)
}
