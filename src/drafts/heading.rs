//! Recognising the numbering that opens a Chinese heading line: 第X编/分编/章/节/条, 一、, （一）, 1.,
//! （1）, 附件1.
//!
//! Rules (all at line start, after any whitespace incl. U+3000 and nbsp):
//! - `第` + numeral + `编|分编|章|节|条`, followed by anything; spaces may separate the parts
//!   (第 一 章). An article's title in brackets (第一条【目的】) is its table-of-contents title.
//! - Chinese numeral (a real ordinal like 十二, not a word like 一二) + `、|.|．`.
//! - `(`/`（` + Chinese numeral + `)`/`）`, brackets may be mixed.
//! - 1–3 digits + `、|.|．`. After `.`/`．` a digit means a decimal (2.5亿, 3.53%), not a heading,
//!   except for the year rule: 1–2 digits, a dot, then a 4-digit year 19xx/20xx followed by
//!   年, 至, 到 or a dash (2.2035年 is item 2 about the year 2035).
//! - `(`/`（` + 1–3 digits + `)`/`）`.
//! - `附件` + optional spaces + a number, then end of line, whitespace or punctuation
//!   (附件1：… is an annex; 附件1所列… is a sentence); or `附件` alone on its line.
//!
//! Zero is never a heading number, and a number directly followed by `%`, a closing bracket or
//! more list punctuation is not one either.

use super::HeadingKind;
use super::numeral::{arabic_value, cn_value, is_arabic_digit, is_cn_numeral};

/// How a number is punctuated. A different variant of the same rank may open a nested list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// 1、 一、
    Comma,
    /// 1. 1． 一.
    Dot,
    /// （一） (1)
    Paren,
    /// 第X章 附件1
    Word,
}

/// A heading found at the start of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heading {
    pub kind: HeadingKind,
    /// The number exactly as written, e.g. "（三）", "11.", "第十五条".
    pub number: String,
    /// Short title for a table of contents.
    pub heading: String,
    pub value: u32,
    pub variant: Variant,
    /// Whether this document uses the numbering in place of chapters (一、总则 above 第一条).
    pub as_chapter: bool,
}

/// The most characters a table-of-contents heading keeps before it is cut.
pub(crate) const MAX_HEADING_CHARS: usize = 40;

/// Whitespace as it appears in drafts: Unicode white space (incl. U+3000, nbsp) and a stray BOM.
pub(crate) fn is_ws(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// The heading that opens `line`, if any.
pub(crate) fn detect(line: &str) -> Option<Heading> {
    let s = line.trim_start_matches(is_ws);
    let (kind, len, value, variant) =
        chapter(s).or_else(|| cn_number(s)).or_else(|| paren(s)).or_else(|| arabic(s)).or_else(|| annex(s))?;
    if value == 0 {
        return None;
    }
    let (number, rest) = s.split_at(len);
    let heading = match kind {
        HeadingKind::Article => bracketed_title(rest).unwrap_or_else(|| toc_heading(rest)),
        _ => toc_heading(rest),
    };
    Some(Heading { kind, number: number.to_string(), heading, value, variant, as_chapter: false })
}

type Found = (HeadingKind, usize, u32, Variant);

/// Splits `s` after the longest prefix (at most `max` chars) whose chars satisfy `pred`.
fn take(s: &str, max: usize, pred: impl Fn(char) -> bool) -> (&str, &str) {
    let end = s.char_indices().enumerate().find(|&(n, (_, c))| n == max || !pred(c)).map_or(s.len(), |(_, (i, _))| i);
    s.split_at(end)
}

fn numeral_value(digits: &str) -> Option<u32> {
    arabic_value(digits).or_else(|| cn_value(digits))
}

/// 第X编, 第X分编, 第X章, 第X节, 第X条; spaces may stand between the parts (第 一 章).
fn chapter(s: &str) -> Option<Found> {
    let after = s.strip_prefix('第')?.trim_start_matches(is_inline_space);
    let (spaced, rest) = take(after, 12, |c| is_cn_numeral(c) || is_arabic_digit(c) || is_inline_space(c));
    let digits: String = spaced.chars().filter(|&c| !is_inline_space(c)).collect();
    if digits.chars().count() > 6 {
        return None;
    }
    let value = numeral_value(&digits)?;
    let (kind, marker) = if let Some(tail) = rest.strip_prefix("分编") {
        (HeadingKind::SubBook, &rest[..rest.len() - tail.len()])
    } else {
        let marker = rest.chars().next()?;
        let kind = match marker {
            '编' => HeadingKind::Book,
            '章' => HeadingKind::Chapter,
            '节' => HeadingKind::Part,
            '条' => HeadingKind::Article,
            _ => return None,
        };
        (kind, &rest[..marker.len_utf8()])
    };
    let len = s.len() - rest.len() + marker.len();
    Some((kind, len, value, Variant::Word))
}

/// Spaces inside one line (not line breaks).
fn is_inline_space(c: char) -> bool {
    is_ws(c) && c != '\n' && c != '\r'
}

fn cn_number(s: &str) -> Option<Found> {
    let (digits, rest) = take(s, 4, is_cn_numeral);
    let value = cn_value(digits)?;
    let mark = rest.chars().next()?;
    let variant = match mark {
        '、' => Variant::Comma,
        '.' | '．' => Variant::Dot,
        _ => return None,
    };
    let after = &rest[mark.len_utf8()..];
    if !plausible_after(after) {
        return None;
    }
    let len = s.len() - after.len();
    Some((HeadingKind::CnNumber, len, value, variant))
}

fn paren(s: &str) -> Option<Found> {
    let open = s.chars().next().filter(|c| matches!(c, '(' | '（'))?;
    let inner = &s[open.len_utf8()..];
    let (digits, rest) = take(inner, 4, |c| is_cn_numeral(c) || is_arabic_digit(c));
    let close = rest.chars().next().filter(|c| matches!(c, ')' | '）'))?;
    let (kind, value) = match arabic_value(digits) {
        Some(v) if digits.chars().count() <= 3 => (HeadingKind::ArabicParen, v),
        Some(_) => return None,
        None => (HeadingKind::CnParen, cn_value(digits)?),
    };
    let after = &rest[close.len_utf8()..];
    if !plausible_after(after) {
        return None;
    }
    Some((kind, s.len() - after.len(), value, Variant::Paren))
}

fn arabic(s: &str) -> Option<Found> {
    let (digits, rest) = take(s, 4, is_arabic_digit);
    if digits.is_empty() || digits.chars().count() > 3 {
        return None;
    }
    let value = arabic_value(digits)?;
    let mark = rest.chars().next()?;
    let variant = match mark {
        '、' => Variant::Comma,
        '.' | '．' => Variant::Dot,
        _ => return None,
    };
    let after = &rest[mark.len_utf8()..];
    let decimal = after.chars().next().is_some_and(is_arabic_digit);
    if variant == Variant::Dot && decimal && !(digits.chars().count() <= 2 && starts_with_year(after)) {
        return None;
    }
    if !plausible_after(after) {
        return None;
    }
    Some((HeadingKind::Arabic, s.len() - after.len(), value, variant))
}

/// `2035年…`, `2020-2025…`: a year that an item text may start with.
fn starts_with_year(s: &str) -> bool {
    let (digits, rest) = take(s, 5, is_arabic_digit);
    let year_like = digits.chars().count() == 4 && arabic_value(digits).is_some_and(|y| (1900..2100).contains(&y));
    year_like && rest.chars().next().is_some_and(|c| matches!(c, '年' | '至' | '到' | '-' | '－' | '—' | '～' | '~'))
}

/// 附件N, 附件N：title, or 附件 alone on its line.
fn annex(s: &str) -> Option<Found> {
    let after = s.strip_prefix("附件")?;
    let spaced = after.trim_start_matches(is_ws);
    if spaced.is_empty() {
        return Some((HeadingKind::Annex, "附件".len(), 1, Variant::Word));
    }
    let (digits, rest) = take(spaced, 4, |c| is_arabic_digit(c) || is_cn_numeral(c));
    let value = numeral_value(digits)?;
    let ends_cleanly = rest.chars().next().is_none_or(|c| is_ws(c) || "：:、.．-－—（(《".contains(c));
    if !ends_cleanly {
        return None;
    }
    Some((HeadingKind::Annex, s.len() - rest.len(), value, Variant::Word))
}

/// A number directly followed by these is a fragment of something else, not a heading.
fn plausible_after(after: &str) -> bool {
    !after.chars().next().is_some_and(|c| "%％)）]】.．、,，".contains(c))
}

/// An unnumbered heading whose title is the whole (trimmed) `content`.
pub(crate) fn titled(content: &str) -> Heading {
    Heading {
        kind: HeadingKind::Titled,
        number: String::new(),
        heading: toc_heading(content.trim_matches(|c: char| is_ws(c) || c == '*' || c == '_')),
        value: 0,
        variant: Variant::Word,
        as_chapter: false,
    }
}

/// An article's own title in brackets right after its number: 第一条【目的】, 第一条〖目的依据〗,
/// 第一条（立法目的）, 第一条 [定义].
fn bracketed_title(rest: &str) -> Option<String> {
    let rest = rest.trim_start_matches(is_ws);
    let open = rest.chars().next()?;
    let close = match open {
        '【' => '】',
        '〖' => '〗',
        '（' => '）',
        '(' => ')',
        '［' => '］',
        '[' => ']',
        '〔' => '〕',
        _ => return None,
    };
    let inner = &rest[open.len_utf8()..];
    let end = inner.find(close)?;
    let title = inner[..end].trim_matches(is_ws);
    let short = title.chars().count() <= 20 && !title.contains(['。', '；', '，']);
    // （一） after the number is an item, not a title.
    let numeral = title.chars().all(|c| is_cn_numeral(c) || is_arabic_digit(c));
    (short && !numeral).then(|| title.to_string())
}

/// The table-of-contents title in `rest` (the line after its number): up to the first sentence
/// or clause end (。；;：:！!？?) or the end of the line, cut to about 40 characters.
pub(crate) fn toc_heading(rest: &str) -> String {
    let rest = rest.trim_start_matches(|c: char| is_ws(c) || "：:、.．-－—".contains(c));
    let end = rest.find(|c: char| "。；;：:！!？?\r\n".contains(c)).unwrap_or(rest.len());
    let title = rest[..end].trim_matches(is_ws);
    shorten(&unspaced(title))
}

/// A short title spaced out one character at a time (总　则, 附 则) without its spaces.
fn unspaced(title: &str) -> String {
    let pieces: Vec<&str> = title.split(is_ws).filter(|p| !p.is_empty()).collect();
    if pieces.len() > 1 && pieces.len() <= 8 && pieces.iter().all(|p| p.chars().count() == 1) {
        pieces.concat()
    } else {
        title.to_string()
    }
}

/// Cuts `title` to at most [`MAX_HEADING_CHARS`] characters, preferring a clause boundary, and
/// marks a cut with "…".
pub(crate) fn shorten(title: &str) -> String {
    if title.chars().count() <= MAX_HEADING_CHARS {
        return title.to_string();
    }
    let hard = title.char_indices().nth(MAX_HEADING_CHARS).map_or(title.len(), |(i, _)| i);
    let head = &title[..hard];
    let clause = head
        .char_indices()
        .filter(|&(i, c)| "，,、".contains(c) && head[..i].chars().count() >= 8)
        .map(|(i, _)| i)
        .next_back();
    let cut = head[..clause.unwrap_or(hard)].trim_end_matches(|c: char| is_ws(c) || "，,、".contains(c));
    format!("{cut}…")
}

#[cfg(test)]
mod tests;
