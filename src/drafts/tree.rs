//! Nesting headings into a tree of sections: levels, parents and anchors.
//!
//! Numbered headings nest by rank, not by kind alone:
//! 第X章 < 第X节 < 第X条 < 一、 < （一） < 1./1、/1． < （1）. A stack holds the open headings; a new
//! heading closes every open heading of a deeper rank. Then, among open headings of its own rank:
//! - one with the same punctuation (1. after 1.) is closed too, and the new heading is its sibling;
//! - otherwise, if the new heading is number 1 (1. right under 2、), it opens a list one deeper;
//! - otherwise (2、 after 1.) it is a sibling of the nearest one, a continuation in other punctuation.
//!
//! 附件N closes everything and is always top level. Headings with an explicit level (Markdown `#`,
//! Word heading styles) close every open heading at or below that level; unnumbered ones are never
//! closed by a numbered heading, so numbered items nest inside them.

use super::heading::{Heading, Variant, is_ws};
use super::{DraftSection, HeadingKind};

/// What one line of input is.
#[derive(Debug, Clone)]
pub(crate) enum Line<'a> {
    /// Body text of the current section.
    Body(&'a str),
    /// A heading found by its numbering.
    Numbered(&'a str, Heading),
    /// A heading whose level the source states (Markdown `#`, a Word heading style).
    Explicit(&'a str, u8, Heading),
}

impl<'a> Line<'a> {
    /// The line as in the source, with its line break.
    pub(crate) fn text(&self) -> &'a str {
        match self {
            Line::Body(text) | Line::Numbered(text, _) | Line::Explicit(text, _, _) => text,
        }
    }

    /// The heading the line opens, if it is one.
    pub(crate) fn heading(&self) -> Option<&Heading> {
        match self {
            Line::Body(_) => None,
            Line::Numbered(_, heading) | Line::Explicit(_, _, heading) => Some(heading),
        }
    }

    /// Whether the source itself marks the line as a heading (Markdown `#`, a Word heading style).
    pub(crate) fn is_explicit(&self) -> bool {
        matches!(self, Line::Explicit(..))
    }
}

struct Open {
    index: usize,
    level: u8,
    /// `None` for 附件 and unnumbered explicit headings: numbered headings never close them.
    rank: Option<u8>,
    variant: Variant,
}

/// The most sections one draft may have; more means the file is not a draft (or is hostile).
pub const MAX_SECTIONS: usize = 5_000;

/// 编 < 分编 < 章 < 节 < 条 < 一、 < （一） < 1. < （1）; `None` for headings outside that order.
pub(crate) fn rank(kind: HeadingKind) -> Option<u8> {
    Some(match kind {
        HeadingKind::Book => 0,
        HeadingKind::SubBook => 1,
        HeadingKind::Chapter => 2,
        HeadingKind::Part => 3,
        HeadingKind::Article => 4,
        HeadingKind::CnNumber => 5,
        HeadingKind::CnParen => 6,
        HeadingKind::Arabic => 7,
        HeadingKind::ArabicParen => 8,
        HeadingKind::Preamble | HeadingKind::Annex | HeadingKind::Titled | HeadingKind::Paragraph => return None,
    })
}

/// The rank of one heading: its kind's, or a chapter's for numbering used as chapters.
fn heading_rank(heading: &Heading) -> Option<u8> {
    if heading.as_chapter { rank(HeadingKind::Chapter) } else { rank(heading.kind) }
}

/// Builds the section list from lines, in order.
#[derive(Default)]
pub(crate) struct Builder {
    sections: Vec<DraftSection>,
    stack: Vec<Open>,
    /// Text before the first heading.
    pending: String,
    top_count: u32,
    child_counts: Vec<u32>,
    /// The table of contents, kept apart from the sections.
    toc: Option<String>,
    /// Whether a heading came after [`MAX_SECTIONS`] were made.
    overflowed: bool,
}

impl Builder {
    /// Adds one line (with its line break, if any).
    pub(crate) fn push(&mut self, line: Line<'_>) {
        match line {
            Line::Body(text) => {
                let before_headings = self.sections.last().is_none_or(|s| s.kind == HeadingKind::Preamble);
                match (self.toc.as_mut(), self.sections.last_mut()) {
                    // Between a table of contents and the first heading: the table's tail.
                    (Some(toc), _) if before_headings => toc.push_str(text),
                    (_, Some(last)) => last.text.push_str(text),
                    (_, None) => self.pending.push_str(text),
                }
            }
            Line::Numbered(text, _) | Line::Explicit(text, _, _) if self.sections.len() >= MAX_SECTIONS => {
                self.overflowed = true;
                self.push(Line::Body(text));
            }
            Line::Numbered(text, heading) => {
                let parent = self.close_for_numbered(&heading);
                self.open(text, heading, parent, None);
            }
            Line::Explicit(text, level, heading) => {
                let level = level.max(1);
                while self.stack.last().is_some_and(|top| top.level >= level) {
                    self.stack.pop();
                }
                let parent = self.stack.last().map(|top| top.index);
                self.open(text, heading, parent, Some(level));
            }
        }
    }

    /// Adds one line of the table of contents. It must come before the first heading: text
    /// before it makes the preamble, unless that text is only whitespace, which the table of
    /// contents takes.
    pub(crate) fn push_toc(&mut self, text: &str) {
        debug_assert!(self.sections.iter().all(|s| s.kind == HeadingKind::Preamble));
        self.flush_preamble();
        let toc = self.toc.get_or_insert_with(|| std::mem::take(&mut self.pending));
        toc.push_str(text);
    }

    /// Whether more headings came than [`MAX_SECTIONS`] (they were kept as body text).
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The sections in document order and the table of contents. Text that is only whitespace
    /// and comes before the first heading is kept at the start of that heading's text instead of
    /// making a preamble.
    pub(crate) fn finish(mut self) -> (Vec<DraftSection>, Option<String>) {
        if self.sections.is_empty() && !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            self.sections.push(preamble(text));
        }
        (self.sections, self.toc)
    }

    /// Closes what `heading` ends and returns the index of its parent.
    fn close_for_numbered(&mut self, heading: &Heading) -> Option<usize> {
        let Some(rank) = heading_rank(heading) else {
            self.stack.clear();
            return None;
        };
        while self.stack.last().is_some_and(|top| top.rank.is_some_and(|r| r > rank)) {
            self.stack.pop();
        }
        let same_rank = self.stack.iter().rev().take_while(|open| open.rank == Some(rank)).count();
        let first_same = self.stack.len() - same_rank;
        let sibling = self.stack[first_same..].iter().rposition(|open| open.variant == heading.variant);
        if let Some(pos) = sibling {
            self.stack.truncate(first_same + pos);
        } else if same_rank > 0 && heading.value != 1 {
            self.stack.pop();
        }
        self.stack.last().map(|top| top.index)
    }

    fn open(&mut self, text: &str, heading: Heading, parent: Option<usize>, level: Option<u8>) {
        self.flush_preamble();
        let index = self.sections.len();
        let parent_level = parent.map_or(0, |p| self.sections[p].level);
        let level = level.unwrap_or_else(|| parent_level.saturating_add(1));
        let ordinal = match parent {
            Some(p) => {
                self.child_counts[p] += 1;
                self.child_counts[p]
            }
            None => {
                self.top_count += 1;
                self.top_count
            }
        };
        let anchor = match parent {
            Some(p) => format!("{}-{ordinal}", self.sections[p].anchor),
            None => ordinal.to_string(),
        };
        let mut own_text = std::mem::take(&mut self.pending);
        own_text.push_str(text);
        self.stack.push(Open { index, level, rank: heading_rank(&heading), variant: heading.variant });
        self.child_counts.push(0);
        self.sections.push(DraftSection {
            level,
            kind: heading.kind,
            number: heading.number,
            heading: heading.heading,
            text: own_text,
            anchor,
            parent,
        });
    }

    /// Turns text before the first heading into a preamble, unless it is only whitespace.
    fn flush_preamble(&mut self) {
        if self.sections.is_empty() && !self.pending.is_empty() && self.pending.chars().any(|c| !is_ws(c)) {
            let text = std::mem::take(&mut self.pending);
            self.sections.push(preamble(text));
            self.child_counts.push(0);
        }
    }
}

fn preamble(text: String) -> DraftSection {
    DraftSection {
        level: 1,
        kind: HeadingKind::Preamble,
        number: String::new(),
        heading: String::new(),
        text,
        anchor: "0".to_string(),
        parent: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::split_text;

    fn outline(text: &str) -> Vec<(u8, String, String)> {
        split_text(text).into_iter().map(|s| (s.level, s.number, s.anchor)).collect()
    }

    fn row(level: u8, number: &str, anchor: &str) -> (u8, String, String) {
        (level, number.to_string(), anchor.to_string())
    }

    #[test]
    fn official_document_numbering_nests_four_deep() {
        let text = "一、总则\n（一）目的\n1.范围\n（1）细则\n（2）细则\n2.适用\n（二）原则\n二、附则\n";
        assert_eq!(
            outline(text),
            vec![
                row(1, "一、", "1"),
                row(2, "（一）", "1-1"),
                row(3, "1.", "1-1-1"),
                row(4, "（1）", "1-1-1-1"),
                row(4, "（2）", "1-1-1-2"),
                row(3, "2.", "1-1-2"),
                row(2, "（二）", "1-2"),
                row(1, "二、", "2"),
            ]
        );
    }

    #[test]
    fn regulations_nest_articles_under_chapters_and_items_under_articles() {
        let text =
            "总则说明\n第一章 总则\n第一条 为了规范。\n（一）甲；\n第二条 本办法。\n第二章 附则\n第三条 施行。\n";
        assert_eq!(
            outline(text),
            vec![
                row(1, "", "0"),
                row(1, "第一章", "1"),
                row(2, "第一条", "1-1"),
                row(3, "（一）", "1-1-1"),
                row(2, "第二条", "1-2"),
                row(1, "第二章", "2"),
                row(2, "第三条", "2-1"),
            ]
        );
    }

    #[test]
    fn a_list_restarting_at_one_in_other_punctuation_nests_under_the_item_before_it() {
        let text = "一、要求\n1、思想\n2、目标\n1.到2020年\n2.2035年\n3.本世纪\n(三)战略\n1.科教\n二、行动\n1. 深化\n";
        assert_eq!(
            outline(text),
            vec![
                row(1, "一、", "1"),
                row(2, "1、", "1-1"),
                row(2, "2、", "1-2"),
                row(3, "1.", "1-2-1"),
                row(3, "2.", "1-2-2"),
                row(3, "3.", "1-2-3"),
                row(2, "(三)", "1-3"),
                row(3, "1.", "1-3-1"),
                row(1, "二、", "2"),
                row(2, "1.", "2-1"),
            ]
        );
    }

    #[test]
    fn a_list_continuing_in_other_punctuation_stays_at_the_same_level() {
        let text = "1.甲\n2、乙\n3．丙\n";
        assert_eq!(outline(text), vec![row(1, "1.", "1"), row(1, "2、", "2"), row(1, "3．", "3")]);
    }

    #[test]
    fn annexes_are_always_top_level_and_hold_their_own_numbering() {
        let text = "一、正文\n1.条目\n附件1\n一、附件正文\n附件2：表格\n";
        assert_eq!(
            outline(text),
            vec![
                row(1, "一、", "1"),
                row(2, "1.", "1-1"),
                row(1, "附件1", "2"),
                row(2, "一、", "2-1"),
                row(1, "附件2", "3"),
            ]
        );
    }

    #[test]
    fn blank_lines_before_the_first_heading_do_not_make_a_preamble() {
        let sections = split_text("\n\n一、总则\n正文\n");
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0].text, "\n\n一、总则\n正文\n");
    }
}
