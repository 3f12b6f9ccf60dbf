//! Annexes: a list that names them (附件1：《…》 附件2：…, or 附件： then 1.… 2.…) is text; the
//! 附件 lines that open the annexes themselves come later, and only those are headings.

use super::super::HeadingKind;
use super::{Line, content, demote, next_filled, squeezed};
use std::collections::HashMap;

/// Demotes, from line `from` on, every 附件N heading whose number opens another 附件 heading
/// later: the earlier one only lists it.
pub(super) fn lists_are_not_annexes(lines: &mut [Line<'_>], from: usize) {
    let mut last: HashMap<u32, usize> = HashMap::new();
    for (i, line) in lines.iter().enumerate().skip(from) {
        if let Some(heading) = line.heading().filter(|h| h.kind == HeadingKind::Annex) {
            last.insert(heading.value, i);
        }
    }
    for (i, line) in lines.iter_mut().enumerate().skip(from) {
        let listed = line
            .heading()
            .filter(|h| h.kind == HeadingKind::Annex)
            .is_some_and(|h| last.get(&h.value).is_some_and(|&l| l > i));
        if listed {
            demote(line);
        }
    }
    labelled_lists_are_text(lines, from);
}

/// 「附件：」 (alone, or with the first item after it) and the numbered lines right below it:
/// a list of what is attached, not sections.
fn labelled_lists_are_text(lines: &mut [Line<'_>], from: usize) {
    for i in from..lines.len() {
        let words = squeezed(content(lines[i].text()));
        let Some(rest) = words.strip_prefix("附件").and_then(|r| r.strip_prefix([':', '：'])) else { continue };
        let Some(mut next) = next_filled(lines, i + 1) else { return };
        let Some(kind) = lines[next].heading().map(|h| h.kind) else { continue };
        let listed = |line: &Line<'_>| {
            let words = content(line.text());
            line.heading().is_some_and(|h| h.kind == kind) && !words.contains('。') && words.chars().count() <= 60
        };
        if rest.is_empty() && kind == HeadingKind::Annex {
            continue;
        }
        while listed(&lines[next]) {
            demote(&mut lines[next]);
            match next_filled(lines, next + 1) {
                Some(n) => next = n,
                None => return,
            }
        }
    }
}
