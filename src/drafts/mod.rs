//! Turning an uploaded draft (plain text, Markdown or Word .docx) into a tree of numbered sections.
//!
//! [`import`] detects the format and the text encoding, then every format goes through the same
//! heading rules (see `heading.rs`), the same reading of the whole document (notice, 目录,
//! amendments, annexes: see `layout/`) and the same nesting rules (see `tree.rs`).

mod assemble;
mod decode;
mod docx;
mod error;
mod heading;
mod layout;
mod lines;
mod markdown;
mod numeral;
pub use numeral::names_number;
pub mod outline;
mod paragraphs;
pub mod refs;
pub mod score;
mod tree;
// Matching versions needs the word segmenter, which the importer-only fuzz crate leaves out.
#[cfg(not(fuzzing))]
pub mod versions;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod mutation_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod seed_tests;

pub use decode::decode_text;
pub use error::ImportError;
pub use markdown::split_markdown;
pub use paragraphs::{by_paragraphs, split_paragraphs};

use assemble::{Assembled, assemble};
use heading::{detect, is_ws};
use lines::lines_with_breaks;
use tree::Line;

/// The largest decoded text a draft may have (a 300-page regulation is about 1 MB).
pub const MAX_TEXT_BYTES: usize = 20 * 1024 * 1024;

pub use tree::MAX_SECTIONS;

/// The kind of file a draft came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    Text,
    Markdown,
    Docx,
}

/// How a section's heading is numbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeadingKind {
    /// Text before the first heading.
    Preamble,
    /// 第X编
    Book,
    /// 第X分编
    SubBook,
    /// 第X章, or a chapter title printed without its number (总 则).
    Chapter,
    /// 第X节
    Part,
    /// 第X条
    Article,
    /// 一、 一． 一.
    CnNumber,
    /// （一） (一)
    CnParen,
    /// 1. 1、 1．
    Arabic,
    /// （1） (1)
    ArabicParen,
    /// 附件1
    Annex,
    /// A heading without a number, known from Markdown `#` or a Word heading style.
    Titled,
    /// A paragraph of a draft without numbering (第N段), see [`split_paragraphs`].
    Paragraph,
}

impl SourceFormat {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            SourceFormat::Text => "text",
            SourceFormat::Markdown => "markdown",
            SourceFormat::Docx => "docx",
        }
    }
}

impl HeadingKind {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            HeadingKind::Preamble => "preamble",
            HeadingKind::Book => "book",
            HeadingKind::SubBook => "sub_book",
            HeadingKind::Chapter => "chapter",
            HeadingKind::Part => "part",
            HeadingKind::Article => "article",
            HeadingKind::CnNumber => "cn_number",
            HeadingKind::CnParen => "cn_paren",
            HeadingKind::Arabic => "arabic",
            HeadingKind::ArabicParen => "arabic_paren",
            HeadingKind::Annex => "annex",
            HeadingKind::Titled => "titled",
            HeadingKind::Paragraph => "paragraph",
        }
    }

    /// The kind a stored value names (`None` for a value no version wrote).
    pub fn from_code(code: &str) -> Option<HeadingKind> {
        use HeadingKind::*;
        [
            Preamble,
            Book,
            SubBook,
            Chapter,
            Part,
            Article,
            CnNumber,
            CnParen,
            Arabic,
            ArabicParen,
            Annex,
            Titled,
            Paragraph,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// A draft read from a file.
///
/// Nothing of the file is lost or kept twice: the decoded text is exactly `notice`, then the
/// preamble (the first section, when its kind is [`HeadingKind::Preamble`]), then `toc`, then
/// the other sections' texts in order; [`ImportedDraft::source_text`] puts them back together.
/// (A preamble holds the title lines, which stand before a 目录; the 目录 runs up to the first
/// heading of the text.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedDraft {
    pub format: SourceFormat,
    /// "UTF-8", "GB18030", "UTF-16LE" or "UTF-16BE" ("UTF-8" for .docx).
    pub encoding: &'static str,
    /// The draft's own title line (after any notice), if it looks like a title (short, no
    /// heading number); for .docx a Title-styled paragraph when there is no notice.
    pub title: Option<String>,
    /// The sections in document order (pre-order of the tree).
    pub sections: Vec<DraftSection>,
    /// A notice published in front of the draft (公告, 征求意见的通知, 印发通知) with its exact
    /// text: how and until when to comment, its own numbered paragraphs, its list of attachments.
    pub notice: Option<String>,
    /// The draft's 目录 with its exact text, labelled or a bare list of chapter headings.
    pub toc: Option<String>,
}

impl ImportedDraft {
    /// The decoded text again: notice, preamble, 目录, then the other sections.
    pub fn source_text(&self) -> String {
        let (preamble, rest) = match self.sections.split_first() {
            Some((first, rest)) if first.kind == HeadingKind::Preamble => (Some(first), rest),
            _ => (None, self.sections.as_slice()),
        };
        let mut text = self.notice.clone().unwrap_or_default();
        text.extend(preamble.map(|p| p.text.as_str()));
        text.push_str(self.toc.as_deref().unwrap_or_default());
        text.extend(rest.iter().map(|s| s.text.as_str()));
        text
    }
}

/// One numbered section of a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftSection {
    /// 1 = top level. A preamble before the first heading is level 1.
    pub level: u8,
    pub kind: HeadingKind,
    /// The numbering exactly as in the source ("二、", "（三）", "11.", "第十五条", "附件1");
    /// "" for the preamble and unnumbered headings.
    pub number: String,
    /// A short title for a table of contents: the text after the number up to the first
    /// 。；;：: or the end of the line, at most about 40 characters ("…" marks a cut);
    /// "" for the preamble.
    pub heading: String,
    /// The section's own source text: its heading line and the body lines up to the next
    /// heading, line breaks included; children are not included.
    pub text: String,
    /// A stable URL-safe anchor made of sibling ordinals along the path ("2", "2-1", "2-1-3");
    /// "0" for the preamble.
    pub anchor: String,
    /// The index of the parent section in the list, which always comes earlier.
    pub parent: Option<usize>,
}

/// Reads a draft: detects the format from `file_name` and the content, decodes text, and
/// splits it into sections.
pub fn import(bytes: &[u8], file_name: &str) -> Result<ImportedDraft, ImportError> {
    let extension = file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return import_docx(bytes);
    }
    if let Some(kind) = unsupported(bytes) {
        return Err(ImportError::Unsupported(kind));
    }
    if extension == "docx" && !bytes.is_empty() {
        return Err(ImportError::UnreadableDocx("文件内容不是 Word (.docx) 格式".to_string()));
    }
    if bytes.len() > MAX_TEXT_BYTES * 2 {
        return Err(ImportError::TooLarge(MAX_TEXT_BYTES >> 20));
    }
    let (text, encoding) = decode_text(bytes)?;
    if text.len() > MAX_TEXT_BYTES {
        return Err(ImportError::TooLarge(MAX_TEXT_BYTES >> 20));
    }
    let markdown = matches!(extension.as_str(), "md" | "markdown" | "mdown" | "mkd");
    let (format, lines) = if markdown {
        (SourceFormat::Markdown, markdown::markdown_lines(&text))
    } else {
        (SourceFormat::Text, text_lines(&text))
    };
    draft(format, encoding, assemble(lines, true), None)
}

fn import_docx(bytes: &[u8]) -> Result<ImportedDraft, ImportError> {
    let paragraphs = docx::read_paragraphs(bytes)?;
    if paragraphs.iter().all(|p| p.text.chars().all(is_ws)) {
        return Err(ImportError::Empty);
    }
    let (assembled, styled_title) = docx::split_paragraphs(&paragraphs)?;
    draft(SourceFormat::Docx, "UTF-8", assembled, styled_title)
}

/// The imported draft, or the error for one with too many sections. A title the source styles
/// as such wins, unless a notice comes first (its Title is the notice's).
fn draft(
    format: SourceFormat,
    encoding: &'static str,
    assembled: Assembled,
    styled_title: Option<String>,
) -> Result<ImportedDraft, ImportError> {
    if assembled.overflowed {
        return Err(ImportError::TooManySections(MAX_SECTIONS));
    }
    let title = match styled_title {
        Some(styled) if assembled.notice.is_none() => Some(styled),
        _ => assembled.title,
    };
    Ok(ImportedDraft {
        format,
        encoding,
        title,
        sections: assembled.sections,
        notice: assembled.notice,
        toc: assembled.toc,
    })
}

/// Formats people upload by mistake, recognised by their magic bytes.
fn unsupported(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF") {
        Some(" PDF ")
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("旧版 Word (.doc) 等 Office 二进制")
    } else if bytes.starts_with(b"{\\rtf") {
        Some(" RTF ")
    } else {
        None
    }
}

/// Splits already-decoded plain text into sections. Concatenating the sections' `text` gives
/// `text` back exactly; text without headings becomes one preamble section. A notice and a 目录
/// are read as such but stay in the text (of the preamble, before the first heading), and a
/// draft with more than [`MAX_SECTIONS`] headings keeps the rest as text.
pub fn split_text(text: &str) -> Vec<DraftSection> {
    assemble(text_lines(text), false).sections
}

fn text_lines(text: &str) -> Vec<Line<'_>> {
    lines_with_breaks(text).map(plain_line).collect()
}

/// One line of plain text: a numbered heading or body text.
pub(crate) fn plain_line(line: &str) -> Line<'_> {
    match detect(line) {
        Some(heading) => Line::Numbered(line, heading),
        None => Line::Body(line),
    }
}

/// Collapses every run of whitespace (incl. U+3000 and nbsp) to one space and trims both ends,
/// for comparing texts that differ only in layout.
pub fn normalise_ws(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(is_ws).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_decides_between_text_and_markdown() {
        let text = "# 某某办法（征求意见稿）\n## 一、总则\n正文\n";
        let md = import(text.as_bytes(), "办法.MD").expect("markdown");
        assert_eq!(md.format, SourceFormat::Markdown);
        assert_eq!(md.title.as_deref(), Some("某某办法（征求意见稿）"));
        assert_eq!((md.sections[1].number.as_str(), md.sections[1].level), ("一、", 1));
        let txt = import(text.as_bytes(), "办法.txt").expect("text");
        assert_eq!(txt.format, SourceFormat::Text);
        assert_eq!(txt.sections.len(), 1);
    }

    #[test]
    fn text_without_headings_is_one_preamble_holding_all_of_it() {
        let text = "会议还传达了全省创新驱动发展大会等精神。\n\n并作贯彻部署。\n";
        let draft = import(text.as_bytes(), "news.txt").expect("text");
        assert_eq!(draft.sections.len(), 1);
        let only = &draft.sections[0];
        assert_eq!((only.kind, only.level, only.anchor.as_str()), (HeadingKind::Preamble, 1, "0"));
        assert_eq!(only.text, text);
    }

    #[test]
    fn empty_and_whitespace_only_uploads_are_empty_in_chinese() {
        assert_eq!(import(b"", "a.txt"), Err(ImportError::Empty));
        assert_eq!(import(" \n\u{3000}\n".as_bytes(), "a.md"), Err(ImportError::Empty));
        assert_eq!(ImportError::Empty.to_string(), "文件为空");
    }

    #[test]
    fn binary_and_unsupported_files_are_refused_with_a_reason() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
        let err = import(png, "图片.txt").expect_err("binary");
        assert_eq!(err, ImportError::Binary);
        assert_eq!(err.to_string(), "无法识别的文件：看起来不是文本、Markdown 或 Word (.docx) 文档");
        let pdf = import(b"%PDF-1.7\n...", "草案.pdf").expect_err("pdf");
        assert_eq!(pdf.to_string(), "不支持 PDF 文件，请另存为文本、Markdown 或 Word (.docx) 文档后再上传");
        let doc = import(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0], "草案.doc");
        assert!(matches!(doc, Err(ImportError::Unsupported(_))));
    }

    #[test]
    fn normalising_whitespace_collapses_every_kind_of_space() {
        assert_eq!(normalise_ws("  一、\u{3000}总则\r\n\n\u{a0}正文\t "), "一、 总则 正文");
        assert_eq!(normalise_ws(" \n "), "");
    }
}
