//! Why a document could not be imported, in words a drafter understands.

/// Why [`import`](super::import) refused a document. The messages are shown to drafters as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Nothing but whitespace.
    #[error("文件为空")]
    Empty,
    /// Not text in any encoding we know, and not a Word document.
    #[error("无法识别的文件：看起来不是文本、Markdown 或 Word (.docx) 文档")]
    Binary,
    /// A zip file that is not a readable .docx; the text says what is wrong.
    #[error("无法读取 Word (.docx) 文档：{0}")]
    UnreadableDocx(String),
    /// A known format we do not read (PDF, the old binary .doc, RTF).
    #[error("不支持{0}文件，请另存为文本、Markdown 或 Word (.docx) 文档后再上传")]
    Unsupported(&'static str),
    /// Tables or other structures nested deeper than any real document does.
    #[error("文档结构嵌套过深，无法导入")]
    TooDeep,
    /// More headings than any real draft has: the limit.
    #[error("文档分节过多（超过 {0} 个），无法导入")]
    TooManySections(usize),
    /// A text larger than any real draft: the limit in MB.
    #[error("文档内容过大（超过 {0} MB），无法导入")]
    TooLarge(usize),
    /// A .docx whose parts unpack to more than the limit, in MB.
    #[error("文档内容过大（解压后超过 {0} MB），无法导入")]
    TooLargeUnpacked(usize),
}
