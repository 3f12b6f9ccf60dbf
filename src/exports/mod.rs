//! Adoption-table exports (意见采纳情况表): one data set, named layouts, four file formats.
//!
//! Every format takes its cells from [`rows`], so formats cannot disagree.

pub mod changes;
pub mod csv;
pub mod data;
pub mod docx;
mod docx_patch;
mod error;
mod format;
pub mod json;
pub mod layout;
pub mod reorder;
pub mod rows;
pub mod xlsx;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod readback;

use std::io::Write;

pub use data::{Audience, AuthorKind, ExportData, ExportHead, OpinionRecord, QuietDepartment, Summary};
pub use error::ExportError;
pub use format::Format;
pub use layout::{
    Column, Field, Grouping, Layout, LayoutInfo, StatusLabels, TitleTemplate, builtin_layouts, default_layout, layout,
    layout_list,
};
pub use rows::Sheet;

/// Choices made per export by the person asking for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExportOptions {
    /// Overrides the layout's default grouping.
    pub grouping: Option<Grouping>,
    /// Public by default: masked names, no contacts.
    pub audience: Audience,
    /// The drafter's own title for the table, instead of the layout's.
    pub title: Option<String>,
    /// What an undecided opinion's decision reads, when not the layout's own (blank, as the
    /// printed tables leave it): the feedback page says 「未作处理」.
    pub undecided: Option<&'static str>,
    /// Only one round's opinions (再次征求意见); `None`: every round.
    pub round: Option<ExportRound>,
}

/// The round an export covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRound {
    pub number: i32,
    /// 第二次征求意见: named after the heading when the consultation had several rounds.
    pub name: Option<String>,
}

/// Writes `data` as an adoption table. Rows are produced and written one at a time: CSV, JSON
/// and DOCX hold one row; XLSX (constant-memory mode) also keeps each row's height, about
/// 0.4 KB a row. No format needs `Seek`; pass a buffered writer.
pub fn write(
    data: &ExportData,
    layout: &Layout,
    opts: &ExportOptions,
    format: Format,
    out: &mut (dyn Write + Send),
) -> Result<(), ExportError> {
    let sheet = Sheet::new(&ExportHead::of(data), layout, opts);
    write_rows(&sheet, rows::rows(data, layout, opts), format, out)
}

/// Writes an adoption table from a stream of opinions, one row at a time. For per-author
/// grouping the stream must bring each author's opinions together (see [`rows::stream_rows`]);
/// the summary counts come with `head`, counted beforehand.
pub fn write_stream<I>(
    head: &ExportHead,
    records: I,
    layout: &Layout,
    opts: &ExportOptions,
    format: Format,
    out: &mut (dyn Write + Send),
) -> Result<(), ExportError>
where
    I: IntoIterator<Item = OpinionRecord>,
{
    let sheet = Sheet::new(head, layout, opts);
    write_rows(&sheet, rows::stream_rows(records, &head.quiet, layout, opts), format, out)
}

fn write_rows(
    sheet: &Sheet,
    rows: impl Iterator<Item = Vec<String>>,
    format: Format,
    out: &mut (dyn Write + Send),
) -> Result<(), ExportError> {
    match format {
        Format::Csv => csv::write(sheet, rows, out),
        Format::Xlsx => xlsx::write(sheet, rows, out),
        Format::Docx => docx::write(sheet, rows, out),
        Format::Json => json::write(sheet, rows, out),
    }
}
