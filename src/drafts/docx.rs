//! Reading a Word (.docx) document as paragraphs: text runs, automatic numbering, heading
//! styles and table rows.

use numbering::Numbering;

use super::assemble::{Assembled, assemble};
use super::heading::{detect, is_ws, titled};
use super::lines::lines_with_breaks;
use super::tree::Line;
use super::{ImportError, MAX_TEXT_BYTES, plain_line};
use roxmltree::{Document, Node};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// The most XML we unpack from one .docx, all parts together. Parsed, XML takes about six
/// times its size in memory (a 63 MB document.xml peaked at 380 MB), so this keeps an import
/// near 150 MB; a 500-page regulation's document.xml is about 10 MB.
pub(crate) const MAX_UNPACKED_BYTES: u64 = 24 * 1024 * 1024;

/// How deep tables, content controls and runs may nest inside one another. Real documents
/// stay in single digits; a hostile one nests thousands deep to exhaust the stack.
const MAX_DEPTH: usize = 64;

/// One paragraph (or table row) of a Word document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paragraph {
    /// The text, with `w:tab` as a tab and `w:br` as a line break; a table row's cells are
    /// joined by " | ".
    pub text: String,
    /// The outline level a heading style (Heading 1…9, 标题 1…9) or `w:outlineLvl` gives.
    pub level: Option<u8>,
    /// Whether the paragraph has the Title style.
    pub title: bool,
    /// Whether this is a table row, which is never a heading.
    pub table_row: bool,
}

/// The paragraphs of the .docx in `bytes`, in document order.
pub(crate) fn read_paragraphs(bytes: &[u8]) -> Result<Vec<Paragraph>, ImportError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable("文件已损坏或不是有效的压缩包"))?;
    let mut budget = MAX_UNPACKED_BYTES;
    let document = read_part(&mut archive, "word/document.xml", &mut budget)?
        .ok_or_else(|| unreadable("缺少 word/document.xml，可能不是 Word 文档"))?;
    let styles_xml = read_part(&mut archive, "word/styles.xml", &mut budget)?;
    let numbering = read_part(&mut archive, "word/numbering.xml", &mut budget)?
        .map(|xml| Numbering::parse(&xml))
        .unwrap_or_default();
    let mut context = Context {
        styles: styles_xml.as_deref().map(style_levels).unwrap_or_default(),
        style_lists: styles_xml.as_deref().map(style_lists).unwrap_or_default(),
        numbering,
        text_bytes: 0,
    };
    let document = Document::parse(&document).map_err(|_| unreadable("word/document.xml 不是有效的 XML"))?;
    let body = document
        .descendants()
        .find(|n| n.tag_name().name() == "body")
        .ok_or_else(|| unreadable("word/document.xml 中没有正文"))?;
    let mut out = Vec::new();
    blocks(body, &mut context, &mut out, 0)?;
    Ok(out)
}

/// What reading a paragraph needs from the rest of the package, and the list counters
/// that run through the document.
struct Context {
    styles: HashMap<String, StyleRole>,
    /// Paragraph styles that carry a list (`w:numPr` in the style): numId and level.
    style_lists: HashMap<String, (String, usize)>,
    numbering: Numbering,
    /// The text read so far, in bytes, against [`MAX_TEXT_BYTES`].
    text_bytes: usize,
}

impl Context {
    /// Counts a paragraph's text, refusing a document whose text grows past the limit.
    fn count(&mut self, text: &str) -> Result<(), ImportError> {
        self.text_bytes += text.len() + 1;
        if self.text_bytes > MAX_TEXT_BYTES {
            return Err(ImportError::TooLarge(MAX_TEXT_BYTES >> 20));
        }
        Ok(())
    }
}

fn unreadable(why: &str) -> ImportError {
    ImportError::UnreadableDocx(why.to_string())
}

/// Unpacks one part, refusing it when it would take the parts read so far past `budget` (what
/// is left of [`MAX_UNPACKED_BYTES`]), whatever size the archive claims for it.
fn read_part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut u64,
) -> Result<Option<String>, ImportError> {
    let too_large = ImportError::TooLargeUnpacked((MAX_UNPACKED_BYTES >> 20) as usize);
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => return Err(unreadable("压缩包中的文件无法读取")),
    };
    if file.size() > *budget {
        return Err(too_large);
    }
    let mut bytes = Vec::new();
    file.take(*budget + 1).read_to_end(&mut bytes).map_err(|_| unreadable("压缩包中的文件无法解压"))?;
    if bytes.len() as u64 > *budget {
        return Err(too_large);
    }
    *budget -= bytes.len() as u64;
    // Valid UTF-8 (as Word writes) becomes the string without a copy.
    let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(Some(text))
}

/// What a style means for us: an outline level, or the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StyleRole {
    Level(u8),
    Title,
}

/// Maps style ids to heading levels, from each style's name ("heading 2", "标题 2", "Title")
/// or its `w:outlineLvl`. Chinese Word often gives heading styles ids like "2" or "a3".
fn style_levels(xml: &str) -> HashMap<String, StyleRole> {
    let Ok(doc) = Document::parse(xml) else {
        return HashMap::new();
    };
    doc.descendants()
        .filter(|n| n.tag_name().name() == "style")
        .filter_map(|style| {
            let id = attr(style, "styleId")?;
            let name = child(style, "name").and_then(|n| attr(n, "val"));
            let outline = child(style, "pPr").and_then(|p| child(p, "outlineLvl")).and_then(|o| attr(o, "val"));
            let role =
                name.and_then(role_from_name).or_else(|| outline.and_then(level_from_outline).map(StyleRole::Level))?;
            Some((id.to_string(), role))
        })
        .collect()
}

fn role_from_name(name: &str) -> Option<StyleRole> {
    let compact: String = name.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    if compact == "title" || compact == "标题" {
        return Some(StyleRole::Title);
    }
    let digits = compact.strip_prefix("heading").or_else(|| compact.strip_prefix("标题"))?;
    match digits.parse::<u8>() {
        Ok(level @ 1..=9) => Some(StyleRole::Level(level)),
        _ => None,
    }
}

fn level_from_outline(val: &str) -> Option<u8> {
    match val.trim().parse::<u8>() {
        Ok(level @ 0..=8) => Some(level + 1),
        _ => None,
    }
}

/// Maps style ids to the list their paragraphs are numbered by, as heading styles in
/// Chinese templates often are ("第一章" drawn by the style, not typed).
fn style_lists(xml: &str) -> HashMap<String, (String, usize)> {
    let Ok(doc) = Document::parse(xml) else {
        return HashMap::new();
    };
    doc.descendants()
        .filter(|n| n.tag_name().name() == "style")
        .filter_map(|style| {
            let id = attr(style, "styleId")?;
            let list = child(style, "pPr").and_then(|p| child(p, "numPr")).and_then(list_of)?;
            Some((id.to_string(), list))
        })
        .collect()
}

/// The numId and level of a `w:numPr` (a missing level is level 0).
fn list_of(num_pr: Node<'_, '_>) -> Option<(String, usize)> {
    let num_id = child(num_pr, "numId").and_then(|n| attr(n, "val"))?;
    let level = child(num_pr, "ilvl").and_then(|n| attr(n, "val")).and_then(|v| v.parse().ok()).unwrap_or(0);
    Some((num_id.to_string(), level))
}

fn attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attributes().find(|a| a.name() == name).map(|a| a.value())
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == name)
}

/// Block-level content: paragraphs, tables, and containers (content controls, custom XML).
fn blocks(
    node: Node<'_, '_>,
    context: &mut Context,
    out: &mut Vec<Paragraph>,
    depth: usize,
) -> Result<(), ImportError> {
    if depth > MAX_DEPTH {
        return Err(ImportError::TooDeep);
    }
    for child in node.children().filter(Node::is_element) {
        match child.tag_name().name() {
            "p" => {
                let paragraph = paragraph(child, context, depth)?;
                context.count(&paragraph.text)?;
                out.push(paragraph);
            }
            "tbl" => table(child, context, out, depth + 1)?,
            "sectPr" | "Fallback" => {}
            _ => blocks(child, context, out, depth + 1)?,
        }
    }
    Ok(())
}

fn paragraph(node: Node<'_, '_>, context: &mut Context, depth: usize) -> Result<Paragraph, ImportError> {
    let props = child(node, "pPr");
    let style = props.and_then(|p| child(p, "pStyle")).and_then(|s| attr(s, "val"));
    // The paragraph's own list, else its style's; numId 0 takes a style's list away.
    let list = props
        .and_then(|p| child(p, "numPr"))
        .and_then(list_of)
        .or_else(|| style.and_then(|id| context.style_lists.get(id).cloned()));
    let mut text = match list {
        Some((num_id, level)) => context.numbering.next(&num_id, level).unwrap_or_default(),
        None => String::new(),
    };
    inline_text(node, &mut text, depth + 1)?;
    let styles = &context.styles;
    let role = style.and_then(|id| styles.get(id).copied().or_else(|| role_from_name(id)));
    let outline = props.and_then(|p| child(p, "outlineLvl")).and_then(|o| attr(o, "val")).and_then(level_from_outline);
    let level = match role {
        Some(StyleRole::Level(level)) => Some(level),
        _ => outline,
    };
    Ok(Paragraph { text, level, title: role == Some(StyleRole::Title), table_row: false })
}

fn inline_text(node: Node<'_, '_>, out: &mut String, depth: usize) -> Result<(), ImportError> {
    if depth > MAX_DEPTH {
        return Err(ImportError::TooDeep);
    }
    for child in node.children().filter(Node::is_element) {
        match child.tag_name().name() {
            "t" => out.push_str(child.text().unwrap_or_default()),
            "tab" => out.push('\t'),
            "br" | "cr" => out.push('\n'),
            "noBreakHyphen" => out.push('-'),
            // Properties hold tab stops, deleted or moved-away text is not in the draft,
            // and fallbacks repeat what their alternative already said.
            "pPr" | "rPr" | "delText" | "instrText" | "del" | "moveFrom" | "Fallback" => {}
            _ => inline_text(child, out, depth + 1)?,
        }
    }
    Ok(())
}

/// Each row becomes one paragraph, its cells joined by " | ". Rows and cells may sit inside
/// content controls, so they are looked for through any container that is not itself a
/// table, row or cell.
fn table(node: Node<'_, '_>, context: &mut Context, out: &mut Vec<Paragraph>, depth: usize) -> Result<(), ImportError> {
    let mut rows = Vec::new();
    owned(node, "tr", &mut rows, depth)?;
    for row in rows {
        let mut cells = Vec::new();
        owned(row, "tc", &mut cells, depth + 1)?;
        let mut texts = Vec::with_capacity(cells.len());
        for cell in cells {
            let mut inner = Vec::new();
            blocks(cell, context, &mut inner, depth + 2)?;
            let text: Vec<&str> = inner.iter().map(|p| p.text.trim()).collect();
            texts.push(text.join(" ").replace(['\n', '\r'], " "));
        }
        let text = texts.join(" | ");
        context.count(&text)?;
        out.push(Paragraph { text, level: None, title: false, table_row: true });
    }
    Ok(())
}

/// The elements named `name` that belong to `node`: its children of that name, and those
/// inside containers (content controls, custom XML) that are not tables, rows or cells, so
/// the rows of a nested table are not this table's rows.
fn owned<'a, 'i>(
    node: Node<'a, 'i>,
    name: &str,
    found: &mut Vec<Node<'a, 'i>>,
    depth: usize,
) -> Result<(), ImportError> {
    if depth > MAX_DEPTH {
        return Err(ImportError::TooDeep);
    }
    for child in node.children().filter(Node::is_element) {
        match child.tag_name().name() {
            n if n == name => found.push(child),
            "tbl" | "tr" | "tc" | "p" => {}
            _ => owned(child, name, found, depth + 1)?,
        }
    }
    Ok(())
}

/// Splits Word paragraphs into a draft: a heading-styled paragraph is a heading at its style's
/// level (numbered or not); other lines are read like plain text. Returns the draft and the
/// title a Title-styled paragraph gives, if any.
pub(crate) fn split_paragraphs(paragraphs: &[Paragraph]) -> Result<(Assembled, Option<String>), ImportError> {
    let mut text = String::new();
    let mut spans = Vec::with_capacity(paragraphs.len());
    for paragraph in paragraphs {
        let start = text.len();
        text.push_str(&paragraph.text);
        text.push('\n');
        spans.push((start, text.len(), paragraph));
        if text.len() > MAX_TEXT_BYTES {
            return Err(ImportError::TooLarge(MAX_TEXT_BYTES >> 20));
        }
    }
    let mut lines = Vec::with_capacity(spans.len());
    for (start, end, paragraph) in spans {
        let level = paragraph.level;
        for (i, line) in lines_with_breaks(&text[start..end]).enumerate() {
            let styled = level.filter(|_| i == 0 && line.chars().any(|c| !is_ws(c)));
            lines.push(match styled {
                Some(level) => {
                    let heading = detect(line).unwrap_or_else(|| titled(line));
                    Line::Explicit(line, level, heading)
                }
                None if paragraph.table_row => Line::Body(line),
                None => plain_line(line),
            });
        }
    }
    let styled_title =
        paragraphs.iter().find(|p| p.title && !p.text.trim().is_empty()).map(|p| p.text.trim().to_string());
    Ok((assemble(lines, true), styled_title))
}

mod numbering;
#[cfg(test)]
pub(super) mod tests;
