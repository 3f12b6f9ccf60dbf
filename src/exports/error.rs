//! What can go wrong while exporting, worded for the person who asked for the file.

/// An export failure. The messages are shown to drafters; the cause stays in `source()`.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("不支持的导出格式：{0}（可选 csv、xlsx、docx、json）")]
    UnknownFormat(String),
    #[error("没有名为“{0}”的导出样式")]
    UnknownLayout(String),
    #[error("写入导出文件失败")]
    Io(#[from] std::io::Error),
    #[error("生成 CSV 文件失败")]
    Csv(#[from] ::csv::Error),
    #[error("生成 Excel 文件失败")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("生成 Word 文件失败")]
    Zip(#[from] zip::result::ZipError),
    #[error("生成 Word 文件失败：模板中缺少表格")]
    DocxTemplate,
    #[error("生成 JSON 文件失败")]
    Json(#[from] serde_json::Error),
}
