//! A notice in front of the draft: the 公告 or 通知 that says how and until when to comment, or
//! the 印发 notice that sends a plan out. It ends with its issuer and date (落款); the draft
//! starts at the first title line after that date, or at a line naming what the notice quoted
//! in 《》.

use super::super::HeadingKind;
use super::super::lines::title_like;
use super::{Line, content, kind_of, next_filled, squeezed};

/// How many lines with text a notice may have before the draft starts.
const MAX_NOTICE_LINES: usize = 80;

/// Words that only a notice about commenting (or about issuing a document) uses.
const MARKERS: [&str; 25] = [
    "征求意见",
    "公开征求",
    "意见建议",
    "修改意见",
    "反馈",
    "截止",
    "电子邮箱",
    "电子邮件",
    "传真",
    "通信地址",
    "通讯地址",
    "邮寄",
    "邮政编码",
    "联系电话",
    "印发给你们",
    "现印发",
    "请认真贯彻",
    "请结合实际",
    "公告如下",
    "特此公告",
    "特此通知",
    "予以公布",
    "现予公布",
    "现公布",
    "现予发布",
];

/// The most headings a notice has (its own 一、二、 paragraphs, its list of attachments); a
/// document with more before its date is itself the text, not a notice.
const MAX_NOTICE_HEADINGS: usize = 10;

/// The index of the draft's first line when the document opens with a notice.
pub(super) fn draft_start(lines: &[Line<'_>]) -> Option<usize> {
    let mut evidence = 0usize;
    let mut quoted: Vec<String> = Vec::new();
    let mut filled = 0usize;
    let mut headings = 0usize;
    let mut i = next_filled(lines, 0)?;
    loop {
        headings += usize::from(lines[i].heading().is_some());
        if headings > MAX_NOTICE_HEADINGS {
            return None;
        }
        let words = squeezed(content(lines[i].text()));
        filled += 1;
        if filled <= 4 && is_notice_heading(&words) {
            evidence += 3;
        }
        if filled > 1 && is_title_line(lines, i) && quoted.iter().any(|q| names(&words, q)) && evidence >= 3 {
            return Some(i);
        }
        evidence += MARKERS.iter().filter(|m| words.contains(*m)).count();
        if words.starts_with('各') && words.ends_with([':', '：']) {
            evidence += 2;
        }
        quoted.extend(quotations(&words));
        if is_date_line(&words)
            && evidence >= 2
            && let Some(start) = start_after_date(lines, i)
        {
            return Some(start);
        }
        let draft_heading = matches!(kind_of(&lines[i]), Some(HeadingKind::Article | HeadingKind::Chapter));
        if draft_heading || filled >= MAX_NOTICE_LINES {
            return None;
        }
        i = next_filled(lines, i + 1)?;
    }
}

/// 「…公告」, 「…公告(第7号)」, 「关于…公开征求意见的通知」, 「…的函」.
fn is_notice_heading(words: &str) -> bool {
    let bare = match words.strip_suffix([')', '）']) {
        Some(open) if open.contains('号') => open.rsplit_once(['(', '（']).map_or(words, |(head, _)| head),
        _ => words,
    };
    let kind = ["公告", "通知", "通告", "公示", "的函", "启事", "令"].iter().any(|k| bare.ends_with(k));
    let decree = words.contains("令第") && words.ends_with('号');
    let sending = ["关于印发", "关于转发", "关于发布", "关于公布"].iter().any(|k| words.starts_with(k));
    (kind || decree || sending) && words.chars().count() <= 100
}

/// A date on its own line, maybe after the issuer: 2022年12月5日, 二〇二二年十二月五日.
fn is_date_line(words: &str) -> bool {
    let Some(head) = words.strip_suffix('日') else { return false };
    let Some((year_month, day)) = head.rsplit_once('月') else { return false };
    let Some((year, month)) = year_month.rsplit_once('年') else { return false };
    let number = |s: &str, max: usize| {
        let n = s.chars().count();
        n >= 1 && n <= max && s.chars().all(|c| c.is_ascii_digit() || "〇○Ｏ零一二三四五六七八九十".contains(c))
    };
    let year_digits: String = year.chars().rev().take(4).collect();
    number(day, 3) && number(month, 2) && number(&year_digits, 4) && words.chars().count() <= 40
}

/// The draft's first line after the notice's date: the title, skipping a list of attachments
/// (附件, 附件1, 附件：…) and the items under it.
fn start_after_date(lines: &[Line<'_>], date: usize) -> Option<usize> {
    let mut i = next_filled(lines, date + 1)?;
    let mut in_list = false;
    for _ in 0..12 {
        let words = squeezed(content(lines[i].text()));
        let attachment = words.starts_with("附件") || words.starts_with('《') && words.ends_with('》') && in_list;
        let list_item = in_list && kind_of(&lines[i]).is_some_and(|k| k != HeadingKind::Chapter);
        if attachment || list_item {
            in_list = true;
        } else if is_bracketed(&words) {
            // （此件公开发布）, （第7号）: remarks of the notice.
        } else if is_title_line(lines, i) {
            return Some(i);
        } else {
            return None;
        }
        i = next_filled(lines, i + 1)?;
    }
    None
}

/// A title line that a draft follows: title-like, and some heading comes after it.
fn is_title_line(lines: &[Line<'_>], i: usize) -> bool {
    let words = content(lines[i].text());
    title_like(words) && !is_notice_heading(&squeezed(words)) && lines[i + 1..].iter().any(|l| l.heading().is_some())
}

/// A line wholly in brackets.
fn is_bracketed(words: &str) -> bool {
    (words.starts_with('（') && words.ends_with('）')) || (words.starts_with('(') && words.ends_with(')'))
}

/// The names quoted in 《》 in `words`.
fn quotations(words: &str) -> Vec<String> {
    words.split('《').skip(1).filter_map(|part| part.split_once('》')).map(|(name, _)| name.to_string()).collect()
}

/// Whether a title line `words` names the quoted `name` (with or without its 《》).
fn names(words: &str, name: &str) -> bool {
    let bare = words.trim_start_matches('《').trim_end_matches('》');
    !name.is_empty() && (bare == name || bare.starts_with(name) && bare.len() - name.len() <= 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_recognised_in_both_numeral_systems_and_with_stray_spaces() {
        for words in [
            "2022年12月5日",
            "二〇二二年十二月五日",
            "二○一○年四月七日",
            "2018年11月12日",
            "厦门市人大常委会办公厅2018年11月12日",
        ] {
            assert!(is_date_line(words), "{words}");
        }
        for words in
            ["2022年12月", "自2022年12月5日起施行的规定如下所述的各项内容包括很多的事项和要求等等日", "12月5日"]
        {
            assert!(!is_date_line(words), "{words}");
        }
    }

    #[test]
    fn notice_headings_end_in_the_kind_of_notice_even_before_their_number() {
        assert!(is_notice_heading("沈阳市人民代表大会常务委员会办公室公告(第7号)"));
        assert!(is_notice_heading("关于《厦门经济特区社会信用条例》公开征求意见的公告"));
        assert!(is_notice_heading("公开征求意见的通知"));
        assert!(is_notice_heading("中华人民共和国国务院令"));
        assert!(is_notice_heading("宁夏回族自治区人民政府令第103号"));
        assert!(is_notice_heading("关于印发金华市人民政府办理人大代表建议"));
        assert!(!is_notice_heading("沈阳市社会信用条例(草案)"));
        assert!(!is_notice_heading("关于加强管理的通知（征求意见稿）"));
    }
}
