//! Reading a draft as a whole before nesting it: where a notice in front of it ends, where its
//! 目录 is, and which lines change role in context (an amendment's quoted articles, a chapter
//! title printed without its number, a list of annexes that are not the annexes themselves).
//!
//! Every rule here looks at the sequence of classified lines, never at the file format, so
//! plain text, Markdown and Word documents are read alike. Every pass is a loop over the lines;
//! none recurses.

mod amend;
mod annex;
mod chapters;
mod notice;
mod titles;
mod toc;

use super::HeadingKind;
use super::heading::{Heading, is_ws};
use super::tree::Line;
use std::ops::Range;

/// Where the parts of a draft are, in line indices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Lines `0..draft_start` are a notice in front of the draft (none when 0).
    pub draft_start: usize,
    /// The lines of the 目录.
    pub toc: Option<Range<usize>>,
}

/// Finds the notice and the 目录 and gives lines their role in context, rewriting `lines`.
pub(crate) fn analyse(lines: &mut [Line<'_>]) -> Layout {
    let draft_start = notice::draft_start(lines).unwrap_or(0);
    titles::title_heading_is_no_section(lines, draft_start);
    amend::quoted_articles_are_content(lines, draft_start);
    let toc = toc::find(lines, draft_start);
    let body_start = toc.as_ref().map_or(draft_start, |toc| toc.end);
    chapters::promote_bare_titles(lines, body_start);
    chapters::numbered_chapters(lines, body_start);
    annex::lists_are_not_annexes(lines, body_start);
    Layout { draft_start, toc }
}

/// A line's words: without surrounding whitespace or Markdown marks (`#`, `>`, `*`, `_`).
pub(crate) fn content(text: &str) -> &str {
    text.trim_matches(|c: char| is_ws(c) || matches!(c, '#' | '>' | '*' | '_'))
}

/// `text` with all whitespace removed.
pub(crate) fn squeezed(text: &str) -> String {
    text.chars().filter(|&c| !is_ws(c)).collect()
}

fn is_blank(line: &Line<'_>) -> bool {
    content(line.text()).is_empty()
}

/// The index of the first line at or after `from` with text on it.
fn next_filled(lines: &[Line<'_>], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&i| !is_blank(&lines[i]))
}

/// The index of the last line before `before` with text on it.
fn previous_filled(lines: &[Line<'_>], before: usize) -> Option<usize> {
    (0..before.min(lines.len())).rev().find(|&i| !is_blank(&lines[i]))
}

fn kind_of(line: &Line<'_>) -> Option<HeadingKind> {
    line.heading().map(|h| h.kind)
}

/// Makes a numbered heading line body text (a heading the source styles as one stays).
fn demote(line: &mut Line<'_>) {
    if let Line::Numbered(text, _) = line {
        *line = Line::Body(text);
    }
}

/// Makes any heading line body text, even one the source styles as a heading.
fn demote_any(line: &mut Line<'_>) {
    if let Line::Numbered(text, _) | Line::Explicit(text, _, _) = line {
        *line = Line::Body(text);
    }
}

/// Makes a body line a heading.
fn promote<'a>(line: &mut Line<'a>, heading: Heading) {
    if let Line::Body(text) = line {
        *line = Line::Numbered(text, heading);
    }
}

#[cfg(test)]
mod tests;
