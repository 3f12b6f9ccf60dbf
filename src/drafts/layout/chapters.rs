//! Chapter titles printed without their number (总 则, 附　则, 法律责任) in a draft of articles:
//! a short line of its own, followed by an article, is a chapter. A title every draft uses (总则,
//! 附则, …) may open the draft; any other short line must stand between two articles.

use super::super::HeadingKind;
use super::super::heading::{Heading, Variant, shorten};
use super::{Line, content, kind_of, next_filled, previous_filled, promote, squeezed};

/// Chapter titles common enough to be recognised anywhere in a draft of articles.
const KNOWN: [&str; 9] = ["总则", "附则", "罚则", "分则", "法律责任", "一般规定", "监督管理", "保障措施", "监督检查"];

/// The most characters an unnumbered chapter title has.
const MAX_TITLE_CHARS: usize = 12;

/// Promotes unnumbered chapter titles from line `from` on, in a draft that has articles.
pub(super) fn promote_bare_titles(lines: &mut [Line<'_>], from: usize) {
    let has_articles = lines[from..].iter().any(|l| kind_of(l) == Some(HeadingKind::Article));
    if !has_articles {
        return;
    }
    let mut seen_article = false;
    for i in from..lines.len() {
        match kind_of(&lines[i]) {
            Some(HeadingKind::Article) => seen_article = true,
            Some(_) => {}
            None if is_bare_title(lines, i, seen_article) => {
                let words = squeezed(content(lines[i].text()));
                let heading = Heading {
                    kind: HeadingKind::Chapter,
                    number: String::new(),
                    heading: shorten(&words),
                    value: 0,
                    variant: Variant::Word,
                    as_chapter: false,
                };
                promote(&mut lines[i], heading);
            }
            None => {}
        }
    }
}

fn is_bare_title(lines: &[Line<'_>], i: usize, seen_article: bool) -> bool {
    let words = squeezed(content(lines[i].text()));
    let chars = words.chars().count();
    if !(2..=MAX_TITLE_CHARS).contains(&chars) || words.chars().any(|c| !is_title_char(c)) {
        return false;
    }
    let before_article = next_filled(lines, i + 1)
        .is_some_and(|n| matches!(kind_of(&lines[n]), Some(HeadingKind::Article | HeadingKind::Part)));
    if !before_article {
        return false;
    }
    if KNOWN.contains(&words.as_str()) {
        return true;
    }
    // Between articles: the line before ends an article's text.
    let after_text = previous_filled(lines, i)
        .is_some_and(|p| lines[p].heading().is_none() || kind_of(&lines[p]) != Some(HeadingKind::Chapter));
    seen_article && after_text && !lines[i].is_explicit()
}

/// In a draft whose 一、 headings hold articles (一、总则 then 第一条), those 一、 headings (short
/// titles, numbered alike) are its chapters.
pub(super) fn numbered_chapters(lines: &mut [Line<'_>], from: usize) {
    let mut family = None;
    for i in from..lines.len() {
        let Some(heading) = lines[i].heading().filter(|h| h.kind == HeadingKind::CnNumber) else { continue };
        let next = next_filled(lines, i + 1);
        if is_short_title(&lines[i]) && next.is_some_and(|n| kind_of(&lines[n]) == Some(HeadingKind::Article)) {
            family = Some(heading.variant);
            break;
        }
    }
    let Some(variant) = family else { return };
    for line in &mut lines[from..] {
        let chapter = line.heading().is_some_and(|h| h.kind == HeadingKind::CnNumber && h.variant == variant);
        if chapter
            && is_short_title(line)
            && let Line::Numbered(_, heading) | Line::Explicit(_, _, heading) = line
        {
            heading.as_chapter = true;
        }
    }
}

/// A heading line that is only a short title: no sentence after its number.
fn is_short_title(line: &Line<'_>) -> bool {
    let words = content(line.text());
    words.chars().count() <= 24 && !words.contains(['。', '，', '；', ',', ';'])
}

/// Characters a chapter title is made of: letters and digits, no punctuation.
fn is_title_char(c: char) -> bool {
    c.is_alphanumeric() || c == '、'
}
