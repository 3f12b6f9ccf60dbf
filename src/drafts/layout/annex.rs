//! Annexes: a list that names them (附件1：《…》 附件2：…) is text; the 附件 lines that open
//! the annexes themselves come later, and only those are headings.

use super::super::HeadingKind;
use super::{Line, demote};
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
    for i in from..lines.len() {
        let listed = lines[i]
            .heading()
            .filter(|h| h.kind == HeadingKind::Annex)
            .is_some_and(|h| last.get(&h.value).is_some_and(|&l| l > i));
        if listed {
            demote(&mut lines[i]);
        }
    }
}
