//! The draft's title set as a heading (`# 中华人民共和国民法典`, a Heading 1 paragraph) is its
//! title, not a section; the headings the source styles then count their levels from the
//! shallowest one left, so `## 第一章` under `# 标题` is a top-level chapter.

use super::super::HeadingKind;
use super::super::lines::title_like;
use super::{Line, content, demote_any, next_filled};

/// Demotes an unnumbered styled heading that opens the draft (at line `from`) and reads like a
/// title, then shifts every styled level so the shallowest is 1.
pub(super) fn title_heading_is_no_section(lines: &mut [Line<'_>], from: usize) {
    if let Some(first) = next_filled(lines, from) {
        let titled =
            lines[first].is_explicit() && lines[first].heading().is_some_and(|h| h.kind == HeadingKind::Titled);
        if titled && title_like(content(lines[first].text())) {
            demote_any(&mut lines[first]);
        }
    }
    let shallowest =
        lines.iter().filter_map(|l| if let Line::Explicit(_, level, _) = l { Some(*level) } else { None }).min();
    let shift = shallowest.unwrap_or(1).saturating_sub(1);
    if shift == 0 {
        return;
    }
    for line in lines.iter_mut() {
        if let Line::Explicit(_, level, _) = line {
            *level -= shift;
        }
    }
}
