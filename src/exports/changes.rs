//! The 修改对照表 (《立法法》第五十八条): `序号 | 原条文 | 修改后条文 | 修改说明`, written with the same
//! CSV, XLSX and DOCX writers as the adoption table, so it opens alike in Excel, WPS and Word.

use std::io::Write;

use super::layout::{Column, Field};
use super::{ExportError, Format, Sheet, Summary};
use crate::drafts::versions::Change;

/// The columns agencies use.
pub const COLUMNS: [Column; 4] = [
    Column { header: "序号", field: Field::Seq, width_chars: 3.0 },
    Column { header: "原条文", field: Field::Body, width_chars: 24.0 },
    Column { header: "修改后条文", field: Field::Body, width_chars: 24.0 },
    Column { header: "修改说明", field: Field::Reason, width_chars: 12.0 },
];

/// One changed article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// The text before (empty for a new article).
    pub before: String,
    /// The text after (empty for a deleted article).
    pub after: String,
    pub note: String,
    /// What happened to the article (not a column: the table shows it by its texts).
    pub kind: Change,
}

/// Writes the table with its title ("《…》修改对照表") in CSV, XLSX or DOCX.
pub fn write(title: &str, rows: &[ChangeRow], format: Format, out: &mut (dyn Write + Send)) -> Result<(), ExportError> {
    let sheet = Sheet {
        layout_key: "changes",
        name: "修改对照表",
        title: title.to_owned(),
        counts: Summary::default(),
        summary: None,
        columns: COLUMNS.to_vec(),
    };
    let cells = rows
        .iter()
        .enumerate()
        .map(|(i, r)| vec![(i + 1).to_string(), r.before.clone(), r.after.clone(), r.note.clone()]);
    match format {
        Format::Csv => super::csv::write(&sheet, cells, out),
        Format::Xlsx => super::xlsx::write(&sheet, cells, out),
        Format::Docx => super::docx::write(&sheet, cells, out),
        Format::Json => super::json::write(&sheet, cells, out),
    }
}
