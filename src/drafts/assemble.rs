//! From classified lines to a draft: the layout pass finds the notice and the 目录, then the
//! tree builder nests the rest into sections.

use super::DraftSection;
use super::layout::{self, content, squeezed};
use super::lines::title_like;
use super::tree::{Builder, Line};

/// A draft's parts, each holding its exact source text.
pub(crate) struct Assembled {
    pub notice: Option<String>,
    pub toc: Option<String>,
    pub sections: Vec<DraftSection>,
    /// The draft's own title line (after any notice), if one reads like a title.
    pub title: Option<String>,
    /// Whether the draft had more headings than a draft may have.
    pub overflowed: bool,
}

/// Reads `lines` as one draft. With `keep_apart`, the notice and the 目录 are taken out of the
/// sections; without, their lines are body text (of the preamble, as they come first), so that
/// the sections alone hold the whole text.
pub(crate) fn assemble(mut lines: Vec<Line<'_>>, keep_apart: bool) -> Assembled {
    let layout = layout::analyse(&mut lines);
    let title = title_line(&lines, layout.draft_start);
    let toc = layout.toc.unwrap_or(0..0);
    let mut notice = String::new();
    let mut builder = Builder::default();
    for (i, line) in lines.into_iter().enumerate() {
        if i < layout.draft_start {
            if keep_apart {
                notice.push_str(line.text());
            } else {
                builder.push(Line::Body(line.text()));
            }
        } else if toc.contains(&i) {
            if keep_apart {
                builder.push_toc(line.text());
            } else {
                builder.push(Line::Body(line.text()));
            }
        } else {
            builder.push(line);
        }
    }
    let overflowed = builder.overflowed();
    let (sections, toc) = builder.finish();
    Assembled { notice: Some(notice).filter(|n| !n.is_empty()), toc, sections, title, overflowed }
}

/// The draft's title: its first line with text from `start` on, past a document number
/// (盐政发〔2017〕40号), if it reads like a title.
fn title_line(lines: &[Line<'_>], start: usize) -> Option<String> {
    let mut filled = lines[start.min(lines.len())..].iter().map(|l| content(l.text())).filter(|w| !w.is_empty());
    let first = filled.next()?;
    let line = if is_document_number(first) { filled.next()? } else { first };
    title_like(line).then(|| line.to_string())
}

/// 盐政发〔2017〕40号, 国办发[2020]1号: the number an official document is issued under.
fn is_document_number(words: &str) -> bool {
    let words = squeezed(words);
    let year = words.find(['〔', '[', '［', '(', '（']).is_some_and(|open| {
        let after = &words[open..];
        after.chars().skip(1).take(4).filter(char::is_ascii_digit).count() == 4
    });
    year && words.ends_with('号') && words.chars().count() <= 30
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_are_not_titles() {
        assert!(is_document_number("盐政发〔2017〕40号"));
        assert!(is_document_number("国办发 [2020] 1号"));
        assert!(!is_document_number("盐池县人民政府工作规则"));
    }
}
