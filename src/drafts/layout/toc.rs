//! The 目录: labelled (目录, 目 录), or a bare run of chapter headings with no text between them
//! that the draft repeats, each with its text, right after. It ends where a heading it lists
//! comes again; everything from its label (or first entry) to there is the 目录.

use super::super::HeadingKind;
use super::super::tree::rank;
use super::{Line, content, kind_of, next_filled, squeezed};
use std::collections::HashSet;
use std::ops::Range;

/// How many lines with text a 目录 may have.
const MAX_TOC_LINES: usize = 400;

/// The lines of the 目录, if the draft (starting at line `from`) has one before its text.
pub(super) fn find(lines: &[Line<'_>], from: usize) -> Option<Range<usize>> {
    let text_start = first_heading_with_text(lines, from);
    // A 目录 comes before every heading of the draft, or it would fall between its sections.
    let first_heading = (from..lines.len()).find(|&i| lines[i].heading().is_some())?;
    let labelled =
        (from..first_heading).find(|&i| matches!(squeezed(content(lines[i].text())).as_str(), "目录" | "目次"));
    let range = match labelled {
        Some(label) => {
            let first = next_filled(lines, label + 1)?;
            let end = repeat_of_an_entry(lines, first, text_start).unwrap_or(text_start);
            Some(label..end)
        }
        None => {
            let first = Some(first_heading).filter(|&i| i < text_start && is_chapter_entry(&lines[i]))?;
            let end = repeat_of_an_entry(lines, first, text_start + 1)?;
            let entries = (first..end).filter(|&i| lines[i].heading().is_some()).count();
            let only_entries = (first..end).all(|i| content(lines[i].text()).is_empty() || is_chapter_entry(&lines[i]));
            (entries >= 2 && only_entries).then_some(first..end)
        }
    }?;
    // A 目录 comes before the draft's text; a document that is only a list has none.
    lines[range.end..].iter().any(|l| l.heading().is_some()).then_some(range)
}

/// The first heading followed by a sentence (not another heading, nor a short line such as a
/// page number or a title on a line of its own): where the draft's text starts at the latest.
fn first_heading_with_text(lines: &[Line<'_>], from: usize) -> usize {
    let mut previous_heading = None;
    for (i, line) in lines.iter().enumerate().skip(from) {
        let words = content(line.text());
        if words.is_empty() {
            continue;
        }
        if line.heading().is_some() {
            if words.contains(['。', '；', '，', ',', ';']) {
                return i;
            }
            previous_heading = Some(i);
        } else if let Some(heading) = previous_heading.filter(|_| is_sentence(words)) {
            return heading;
        }
    }
    lines.len()
}

fn is_sentence(words: &str) -> bool {
    words.chars().count() > 24 || words.contains(['。', '；', '，', ',', ';'])
}

/// A line a bare 目录 may list: 第X编/分编/章/节 (with a title or not).
fn is_chapter_entry(line: &Line<'_>) -> bool {
    matches!(kind_of(line), Some(HeadingKind::Book | HeadingKind::SubBook | HeadingKind::Chapter | HeadingKind::Part))
}

/// The first line from `first` on (before `limit`) that repeats a heading listed since `first`:
/// the same number under the same 编/章 (节 numbers start again in every chapter).
fn repeat_of_an_entry(lines: &[Line<'_>], first: usize, limit: usize) -> Option<usize> {
    let mut seen: HashSet<Vec<(u8, u32)>> = HashSet::new();
    let mut path: Vec<(u8, u32)> = Vec::new();
    let mut filled = 0;
    for (i, line) in lines.iter().enumerate().take(limit.min(lines.len())).skip(first) {
        let Some(heading) = line.heading() else {
            filled += usize::from(!content(line.text()).is_empty());
            continue;
        };
        filled += 1;
        if filled > MAX_TOC_LINES {
            return None;
        }
        let Some(r) = rank(heading.kind) else { continue };
        path.retain(|&(pr, _)| pr < r);
        path.push((r, heading.value));
        if !seen.insert(path.clone()) {
            return Some(i);
        }
    }
    None
}
