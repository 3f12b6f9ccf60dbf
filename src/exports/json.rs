//! JSON export: `{ "title", "layout", "summary": {counts, text}, "columns": [...], "rows": [[...]] }`,
//! written row by row.

use std::io::Write;

use serde::Serialize;

use super::data::Summary;
use super::layout::Field;
use super::{ExportError, Sheet};

#[derive(Serialize)]
struct JsonSummary<'a> {
    #[serde(flatten)]
    counts: &'a Summary,
    /// Always present, whether or not the layout prints it.
    text: String,
}

#[derive(Serialize)]
struct JsonColumn {
    header: &'static str,
    field: Field,
}

/// Writes the sheet and its rows as one JSON object; each row is an array of cell texts in
/// column order.
pub fn write(sheet: &Sheet, rows: impl Iterator<Item = Vec<String>>, out: &mut dyn Write) -> Result<(), ExportError> {
    let columns: Vec<JsonColumn> =
        sheet.columns.iter().map(|c| JsonColumn { header: c.header, field: c.field }).collect();
    let summary = JsonSummary { counts: &sheet.counts, text: sheet.counts.text() };
    let mut out = std::io::BufWriter::new(out);
    out.write_all(b"{\"title\":")?;
    serde_json::to_writer(&mut out, &sheet.title)?;
    out.write_all(b",\"layout\":")?;
    serde_json::to_writer(&mut out, sheet.layout_key)?;
    out.write_all(b",\"summary\":")?;
    serde_json::to_writer(&mut out, &summary)?;
    out.write_all(b",\"columns\":")?;
    serde_json::to_writer(&mut out, &columns)?;
    out.write_all(b",\"rows\":[")?;
    for (i, row) in rows.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut out, &row)?;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()?;
    Ok(())
}
