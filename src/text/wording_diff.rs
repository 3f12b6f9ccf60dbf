//! A suggested change of wording (原文 → 建议修改为), shown to drafters as a diff, and found in its section.

use std::mem::take;
use std::ops::Range;
use std::time::Duration;

use similar::{Algorithm, ChangeTag, TextDiff};
use unicode_normalization::UnicodeNormalization;

use crate::text::normalise::fold_char;

/// Past this time the diff settles for a coarser (still correct) result instead of the minimal one.
const DIFF_TIMEOUT: Duration = Duration::from_millis(200);

/// One stretch of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text in both versions.
    Same(String),
    /// Text only in the original.
    Removed(String),
    /// Text only in the proposal.
    Added(String),
}

/// Character-level diff, since Chinese has no spaces to split words on. Adjacent pieces of one kind are
/// merged, and within each change the removal comes before the addition.
///
/// A common character stranded between changes (the 的 in two rewritten clauses) is folded into the
/// change, so a drafter reads "removed A, added B" rather than a comb of single characters.
pub fn diff_chars(original: &str, proposed: &str) -> Vec<Piece> {
    let diff = TextDiff::configure().algorithm(Algorithm::Myers).timeout(DIFF_TIMEOUT).diff_chars(original, proposed);
    let mut hunks: Vec<Hunk> = Vec::new();
    let (mut same, mut removed, mut added) = (String::new(), String::new(), String::new());
    for change in diff.iter_all_changes() {
        if change.tag() == ChangeTag::Equal {
            if !removed.is_empty() || !added.is_empty() {
                hunks.push(Hunk::Edit(take(&mut removed), take(&mut added)));
            }
            same.push_str(change.value());
            continue;
        }
        if !same.is_empty() {
            hunks.push(Hunk::Same(take(&mut same)));
        }
        match change.tag() {
            ChangeTag::Delete => removed.push_str(change.value()),
            _ => added.push_str(change.value()),
        }
    }
    if !same.is_empty() {
        hunks.push(Hunk::Same(same));
    }
    if !removed.is_empty() || !added.is_empty() {
        hunks.push(Hunk::Edit(removed, added));
    }
    absorb_stranded_equalities(hunks).into_iter().flat_map(Hunk::into_pieces).collect()
}

/// An equal run, or a change holding (removed, added).
enum Hunk {
    Same(String),
    Edit(String, String),
}

impl Hunk {
    fn into_pieces(self) -> Vec<Piece> {
        match self {
            Hunk::Same(s) => vec![Piece::Same(s)],
            Hunk::Edit(r, a) => [(r, true), (a, false)]
                .into_iter()
                .filter(|(s, _)| !s.is_empty())
                .map(|(s, removed)| if removed { Piece::Removed(s) } else { Piece::Added(s) })
                .collect(),
        }
    }
}

/// Folds an equal run of at most two characters, no longer than the changes on both sides, into them.
fn absorb_stranded_equalities(hunks: Vec<Hunk>) -> Vec<Hunk> {
    let mut out: Vec<Hunk> = Vec::with_capacity(hunks.len());
    let mut iter = hunks.into_iter().peekable();
    while let Some(hunk) = iter.next() {
        match hunk {
            Hunk::Same(s) => {
                let len = s.chars().count();
                let before = match out.last() {
                    Some(Hunk::Edit(r, a)) => r.chars().count().max(a.chars().count()),
                    _ => 0,
                };
                let after = match iter.peek() {
                    Some(Hunk::Edit(r, a)) => r.chars().count().max(a.chars().count()),
                    _ => 0,
                };
                if len <= 2 && len <= before && len <= after {
                    if let Some(Hunk::Edit(r, a)) = out.last_mut() {
                        r.push_str(&s);
                        a.push_str(&s);
                    }
                } else {
                    out.push(Hunk::Same(s));
                }
            }
            Hunk::Edit(r, a) => match out.last_mut() {
                Some(Hunk::Edit(pr, pa)) => {
                    pr.push_str(&r);
                    pa.push_str(&a);
                }
                _ => out.push(Hunk::Edit(r, a)),
            },
        }
    }
    out
}

/// The diff as HTML: escaped text, `<del>` and `<ins>` with a visually hidden label for screen readers
/// (the page's CSS must define `.visually-hidden`).
pub fn to_html(pieces: &[Piece]) -> String {
    let mut html = String::new();
    for piece in pieces {
        match piece {
            Piece::Same(s) => escape_into(&mut html, s),
            Piece::Removed(s) => {
                html.push_str(r#"<del><span class="visually-hidden">删除：</span>"#);
                escape_into(&mut html, s);
                html.push_str("</del>");
            }
            Piece::Added(s) => {
                html.push_str(r#"<ins><span class="visually-hidden">增加：</span>"#);
                escape_into(&mut html, s);
                html.push_str("</ins>");
            }
        }
    }
    html
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// Where the quoted original occurs in the section, as a byte range into `section_text`.
///
/// Tries an exact match of the trimmed quote first, then one ignoring whitespace and full-width/half-width
/// differences, then one also ignoring punctuation and case (citizens retype quotes with other commas).
pub fn locate(section_text: &str, original: &str) -> Option<Range<usize>> {
    let quote = original.trim();
    if quote.is_empty() {
        return None;
    }
    if let Some(start) = section_text.find(quote) {
        return Some(start..start + quote.len());
    }
    locate_folded(section_text, quote, false).or_else(|| locate_folded(section_text, quote, true))
}

/// Matches after folding both texts; each folded character remembers the byte range it came from.
fn locate_folded(section: &str, quote: &str, drop_punctuation: bool) -> Option<Range<usize>> {
    let (hay, spans) = fold_with_spans(section, drop_punctuation);
    let (needle, _) = fold_with_spans(quote, drop_punctuation);
    if needle.is_empty() {
        return None;
    }
    let start = hay.find(&needle)?;
    let end = start + needle.len();
    // `spans` holds, for each folded character, its byte offset in `hay` and its source range.
    let first = spans.partition_point(|(at, _)| *at < start);
    let last = spans.partition_point(|(at, _)| *at < end).checked_sub(1)?;
    Some(spans.get(first)?.1.start..spans.get(last)?.1.end)
}

fn fold_with_spans(text: &str, drop_punctuation: bool) -> (String, Vec<(usize, Range<usize>)>) {
    let mut folded = String::with_capacity(text.len());
    let mut spans = Vec::new();
    for (i, c) in text.char_indices() {
        let push = |k: char| {
            spans.push((folded.len(), i..i + c.len_utf8()));
            folded.push(k);
        };
        if drop_punctuation {
            fold_char(c, push);
        } else {
            fold_width_and_space(c, push);
        }
    }
    (folded, spans)
}

/// NFKC of one character without whitespace and invisible characters; punctuation and case are kept.
fn fold_width_and_space(c: char, mut emit: impl FnMut(char)) {
    for k in std::iter::once(c).nfkc() {
        let invisible = k.is_control() || matches!(k, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}');
        if !k.is_whitespace() && !invisible {
            emit(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(s: &str) -> Piece {
        Piece::Same(s.into())
    }
    fn removed(s: &str) -> Piece {
        Piece::Removed(s.into())
    }
    fn added(s: &str) -> Piece {
        Piece::Added(s.into())
    }

    #[test]
    fn the_tongguan_suggestion_shows_the_replaced_words_only() {
        let pieces = diff_chars("开展机关事业单位养老保险制度改革", "基本完成机关事业单位养老保险制度改革");
        assert_eq!(pieces, vec![removed("开展"), added("基本完成"), same("机关事业单位养老保险制度改革")]);
    }

    #[test]
    fn an_insertion_in_the_middle_is_one_added_piece() {
        let pieces = diff_chars("由区科技局负责", "由区科技局牵头、高新区配合负责");
        assert_eq!(pieces, vec![same("由区科技局"), added("牵头、高新区配合"), same("负责")]);
    }

    #[test]
    fn a_single_shared_character_between_rewrites_is_folded_into_the_change() {
        let pieces = diff_chars("加快推进的工作", "全面落实的任务");
        assert_eq!(pieces, vec![removed("加快推进的工作"), added("全面落实的任务")]);
    }

    #[test]
    fn identical_texts_are_one_same_piece_and_empty_texts_no_piece() {
        assert_eq!(diff_chars("不变", "不变"), vec![same("不变")]);
        assert_eq!(diff_chars("", ""), vec![]);
        assert_eq!(diff_chars("", "新增"), vec![added("新增")]);
    }

    #[test]
    fn html_escapes_text_and_labels_changes_for_screen_readers() {
        let html = to_html(&diff_chars("原文", "原文<script>alert('x')</script>&"));
        assert_eq!(
            html,
            "原文<ins><span class=\"visually-hidden\">增加：</span>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</ins>"
        );
        let html = to_html(&[removed("<b>"), same("\"")]);
        assert_eq!(html, "<del><span class=\"visually-hidden\">删除：</span>&lt;b&gt;</del>&quot;");
    }

    #[test]
    fn locate_finds_an_exact_quote() {
        let section = "（三）开展机关事业单位养老保险制度改革。";
        let range = locate(section, "开展机关事业单位养老保险制度改革").unwrap();
        assert_eq!(&section[range], "开展机关事业单位养老保险制度改革");
    }

    #[test]
    fn locate_ignores_spacing_and_full_width_differences() {
        let section = "第五条　全面推行ＰＰＰ模式，\n加快项目落地。";
        let range = locate(section, "全面推行PPP模式，加快项目落地").unwrap();
        assert_eq!(&section[range], "全面推行ＰＰＰ模式，\n加快项目落地");
    }

    #[test]
    fn locate_falls_back_to_ignoring_punctuation() {
        let section = "建立健全“河长制”，落实责任。";
        let range = locate(section, "建立健全河长制 落实责任").unwrap();
        assert_eq!(&section[range], "建立健全“河长制”，落实责任");
    }

    #[test]
    fn locate_returns_none_for_absent_or_empty_quotes() {
        assert_eq!(locate("开展改革", "完成改革"), None);
        assert_eq!(locate("开展改革", "  "), None);
        assert_eq!(locate("开展改革", "。"), None);
    }

    fn rebuild(pieces: &[Piece], keep_removed: bool) -> String {
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Same(s) => Some(s.as_str()),
                Piece::Removed(s) if keep_removed => Some(s.as_str()),
                Piece::Added(s) if !keep_removed => Some(s.as_str()),
                _ => None,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn a_diff_rebuilds_both_texts_and_never_repeats_a_kind(a in any::<String>(), b in any::<String>()) {
            let pieces = diff_chars(&a, &b);
            prop_assert_eq!(rebuild(&pieces, true), a);
            prop_assert_eq!(rebuild(&pieces, false), b);
            for w in pieces.windows(2) {
                prop_assert!(std::mem::discriminant(&w[0]) != std::mem::discriminant(&w[1]));
            }
            let _ = to_html(&pieces);
        }

        #[test]
        fn chinese_diffs_rebuild_both_texts(a in "[开展完成基本改革的了，。 ]{0,30}", b in "[开展完成基本改革的了，。 ]{0,30}") {
            let pieces = diff_chars(&a, &b);
            prop_assert_eq!(rebuild(&pieces, true), a);
            prop_assert_eq!(rebuild(&pieces, false), b);
        }

        #[test]
        fn locate_returns_a_char_boundary_range_or_none(section in any::<String>(), quote in any::<String>()) {
            if let Some(r) = locate(&section, &quote) {
                prop_assert!(section.get(r.clone()).is_some());
                prop_assert!(!r.is_empty());
            }
        }

        #[test]
        fn locate_finds_any_slice_of_the_section(section in "[一-龥，。 a-zＡ-Ｚ]{1,40}", start in 0usize..40, len in 1usize..10) {
            let chars: Vec<char> = section.chars().collect();
            let start = start % chars.len();
            let end = (start + len).min(chars.len());
            let quote: String = chars[start..end].iter().collect();
            prop_assume!(!quote.trim().is_empty());
            prop_assert!(locate(&section, &quote).is_some());
        }
    }
}
