//! What the service writes in the agency's name — the 征求意见函's title, the default
//! feedback text, the names of downloaded files — made from the draft's own title (and its
//! version), never from the notice's: no 《《, no 「征求意见意见」.

use chrono::NaiveDate;

/// A draft's name as official writing quotes it between 《》, e.g.
/// 「2021年黄江镇政府工作计划（征求意见稿）」: the draft's title without its own outer 《》,
/// inner 《》 turned into 〈〉 (GB/T 15834: a book title inside a book title), and the
/// version in brackets unless the title already ends with one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftName(String);

/// Words that end a notice's title, not a draft's (a title typed as the notice's is cut).
const NOTICE_ENDINGS: [&str; 7] = [
    "公开征求意见的公告",
    "公开征求意见的通知",
    "征求意见的公告",
    "征求意见的通知",
    "公开征求意见",
    "征求意见",
    "意见征集",
];

/// Words that make a trailing bracket a version mark: (征求意见稿), (草案), (修正草案·二审稿).
const VERSION_WORDS: [&str; 3] = ["稿", "草案", "征求意见"];

impl DraftName {
    /// The name of a draft titled `title`, in version `version` (征求意见稿, 修订稿 …).
    pub fn new(title: &str, version: &str) -> DraftName {
        let mut name = title.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut was_notice = false;
        while let Some(rest) = NOTICE_ENDINGS.iter().find_map(|e| name.strip_suffix(e)).map(str::trim_end)
            && !rest.is_empty()
        {
            name = rest.to_owned();
            was_notice = true;
        }
        // 「关于《X》公开征求意见」, 「关于X公开征求意见」: 关于 belongs to the notice. It stays
        // in a document's own 关于…的 title (「关于加强管理的实施意见」).
        if was_notice
            && let Some(rest) = name.strip_prefix("关于")
            && (rest.starts_with('《') || !rest.contains('的'))
            && !rest.is_empty()
        {
            name = rest.to_owned();
        }
        name = without_outer_marks(&name);
        name = name.replace('《', "〈").replace('》', "〉");
        let version = version.trim();
        if !version.is_empty() && !ends_with_version(&name) {
            name = if name.ends_with(')') { format!("{name}({version})") } else { format!("{name}（{version}）") };
        }
        DraftName(name)
    }

    /// The name without 《》.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 《…》
    pub fn quoted(&self) -> String {
        format!("《{}》", self.0)
    }

    /// The 征求意见函's title: 「关于征求《…》意见的函」.
    pub fn letter_title(&self) -> String {
        format!("关于征求{}意见的函", self.quoted())
    }

    /// The 征求意见函's opening paragraph before the drafter edits it; the deadline, the
    /// link and 「逾期未反馈的，视为无意见」 follow it in every letter.
    pub fn letter_opening(&self) -> String {
        format!("现将{}送你单位征求意见。", self.quoted())
    }

    /// The name of a downloaded adoption table (without extension): 「《…》意见采纳情况」,
    /// with characters no file system takes replaced.
    pub fn table_file_name(&self) -> String {
        format!("{}意见采纳情况", self.quoted()).replace(['/', '\\', ':', '*', '?', '"', '<', '>', '|'], "_")
    }

    /// The first text of the published 意见反馈, from the window and the counts; the
    /// drafter edits it before publishing.
    pub fn feedback_text(&self, starts_on: NaiveDate, ends_on: NaiveDate, tally: &Tally) -> String {
        let opening = format!("{starts_on}至{ends_on}，我们就{}公开征求意见", self.quoted());
        if tally.received == 0 {
            return format!("{opening}，征求意见期间未收到意见。");
        }
        let mut text = format!(
            "{opening}，共收到意见{}条。经认真研究，采纳{}条，部分采纳{}条，不予采纳{}条",
            tally.received, tally.adopted, tally.partly_adopted, tally.not_adopted
        );
        if tally.explained > 0 {
            text.push_str(&format!("，解释说明{}条", tally.explained));
        }
        if tally.undecided > 0 {
            text.push_str(&format!("，未作处理{}条", tally.undecided));
        }
        text.push_str("。未采纳的意见，理由见下表。感谢社会各界的关心和支持。");
        text
    }
}

/// How many opinions a consultation received and what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub received: i64,
    pub adopted: i64,
    pub partly_adopted: i64,
    pub not_adopted: i64,
    pub explained: i64,
    pub undecided: i64,
}

/// 「《X》(修正草案)」 → 「X(修正草案)」: the title's own marks around the whole name go
/// (a bracketed version after them may stay); marks around a part of it stay.
fn without_outer_marks(name: &str) -> String {
    let Some(inner) = name.strip_prefix('《') else {
        return name.to_owned();
    };
    let mut depth = 1;
    for (at, c) in inner.char_indices() {
        match c {
            '《' => depth += 1,
            '》' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            let (head, tail) = (&inner[..at], &inner[at + '》'.len_utf8()..]);
            let tail_is_brackets = tail.trim().is_empty() || is_bracketed(tail.trim());
            return if tail_is_brackets { format!("{head}{}", tail.trim()) } else { name.to_owned() };
        }
    }
    name.to_owned()
}

/// Whether `s` is one or more bracket groups: 「(修正草案·二审稿)」, 「（试行）（征求意见稿）」.
fn is_bracketed(s: &str) -> bool {
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth -= 1,
            _ if depth == 0 => return false,
            _ => {}
        }
    }
    depth == 0
}

/// Whether the name ends with a bracketed version mark.
fn ends_with_version(name: &str) -> bool {
    let Some(body) = name.strip_suffix([')', '）']) else {
        return false;
    };
    let Some(open) = body.rfind(['(', '（']) else {
        return false;
    };
    let inner = &body[open..];
    VERSION_WORDS.iter().any(|w| inner.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOR_COMMENT: &str = "征求意见稿";

    #[test]
    fn the_letter_to_departments_quotes_the_drafts_title_with_its_version() {
        // seeds/consultations.toml, huangjiang-2021: draft_title and version_label.
        let name = DraftName::new("2021年黄江镇政府工作计划", FOR_COMMENT);
        assert_eq!(name.letter_title(), "关于征求《2021年黄江镇政府工作计划（征求意见稿）》意见的函");
        assert_eq!(name.letter_opening(), "现将《2021年黄江镇政府工作计划（征求意见稿）》送你单位征求意见。");
    }

    #[test]
    fn a_title_inside_the_drafts_title_gets_single_marks_in_the_letter() {
        // seeds/consultations.toml, tongguan-2018: the raw page prints the draft as
        // 「…的实施意见(修订版)(征求意见稿)」, half-width brackets.
        let name = DraftName::new(
            "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见(修订版)",
            FOR_COMMENT,
        );
        assert_eq!(
            name.letter_title(),
            "关于征求《中共铜官区委 铜官区人民政府关于贯彻省市〈五大发展行动计划〉的实施意见(修订版)(征求意见稿)》意见的函"
        );
    }

    #[test]
    fn a_trailing_version_mark_is_kept_as_the_draft_prints_it_and_not_repeated() {
        // src/drafts/docx/tests.rs: a .docx draft whose title carries its version.
        let name = DraftName::new("关于加强管理的实施意见（征求意见稿）", FOR_COMMENT);
        assert_eq!(name.quoted(), "《关于加强管理的实施意见（征求意见稿）》");
        // tests/fixtures/drafts/01: 《沈阳市社会信用条例(草案)》.
        assert_eq!(DraftName::new("沈阳市社会信用条例(草案)", FOR_COMMENT).as_str(), "沈阳市社会信用条例(草案)");
        // tests/fixtures/drafts/03: the title line, then 「(征求意见稿)」 on the next one.
        assert_eq!(
            DraftName::new("商业银行理财业务监督管理办法", FOR_COMMENT).as_str(),
            "商业银行理财业务监督管理办法（征求意见稿）"
        );
    }

    #[test]
    fn a_drafts_own_marks_are_taken_off_before_quoting() {
        // tests/fixtures/drafts/02: 关于《湘西土家族苗族自治州自治条例》(修正草案·二审稿)
        let name = DraftName::new("《湘西土家族苗族自治州自治条例》(修正草案·二审稿)", FOR_COMMENT);
        assert_eq!(name.letter_title(), "关于征求《湘西土家族苗族自治州自治条例(修正草案·二审稿)》意见的函");
        // tests/fixtures/drafts outlines: a name with a title in the middle keeps it, as 〈〉.
        let name = DraftName::new("宁夏回族自治区《地方志工作条例》实施办法", FOR_COMMENT);
        assert_eq!(name.quoted(), "《宁夏回族自治区〈地方志工作条例〉实施办法（征求意见稿）》");
    }

    #[test]
    fn a_notices_title_given_as_the_drafts_becomes_the_drafts_name() {
        // seeds/consultations.toml notice titles (a draft uploaded without a title line
        // falls back to the consultation's title).
        for (notice, name) in [
            ("关于《2021年黄江镇政府工作计划》公开征求意见", "2021年黄江镇政府工作计划（征求意见稿）"),
            ("关于2024年东莞市政府工作重点任务公开征求意见", "2024年东莞市政府工作重点任务（征求意见稿）"),
            (
                "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见征求意见",
                "中共铜官区委 铜官区人民政府关于贯彻省市〈五大发展行动计划〉的实施意见（征求意见稿）",
            ),
            // tests/fixtures/drafts/04, the notice's heading.
            (
                "关于《厦门经济特区社会信用条例(草案修改二稿 征求意见稿)》公开征求意见的公告",
                "厦门经济特区社会信用条例(草案修改二稿 征求意见稿)",
            ),
        ] {
            let made = DraftName::new(notice, FOR_COMMENT);
            assert_eq!(made.as_str(), name, "{notice}");
            assert!(!made.letter_title().contains("征求意见意见"), "{notice}");
            assert!(!made.letter_title().contains("《《"), "{notice}");
        }
    }

    #[test]
    fn a_revised_version_is_named_as_such() {
        let name = DraftName::new("铜陵市物业管理办法（试行）", "修订稿");
        assert_eq!(name.as_str(), "铜陵市物业管理办法（试行）（修订稿）");
    }

    #[test]
    fn the_download_is_named_after_the_draft() {
        let name = DraftName::new("2021年黄江镇政府工作计划", FOR_COMMENT);
        assert_eq!(name.table_file_name(), "《2021年黄江镇政府工作计划（征求意见稿）》意见采纳情况");
        let name = DraftName::new("关于2024/2025年工作要点", FOR_COMMENT);
        assert_eq!(name.table_file_name(), "《关于2024_2025年工作要点（征求意见稿）》意见采纳情况");
    }

    #[test]
    fn the_default_feedback_text_names_the_draft_and_the_counts() {
        let name = DraftName::new("2021年黄江镇政府工作计划", FOR_COMMENT);
        let (from, to) = (NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(), NaiveDate::from_ymd_opt(2021, 3, 30).unwrap());
        assert_eq!(
            name.feedback_text(from, to, &Tally::default()),
            "2021-03-01至2021-03-30，我们就《2021年黄江镇政府工作计划（征求意见稿）》公开征求意见，征求意见期间未收到意见。"
        );
        let tally = Tally { received: 7, adopted: 2, partly_adopted: 1, not_adopted: 1, explained: 1, undecided: 2 };
        assert_eq!(
            name.feedback_text(from, to, &tally),
            "2021-03-01至2021-03-30，我们就《2021年黄江镇政府工作计划（征求意见稿）》公开征求意见，共收到意见7条。\
             经认真研究，采纳2条，部分采纳1条，不予采纳1条，解释说明1条，未作处理2条。未采纳的意见，理由见下表。感谢社会各界的关心和支持。"
        );
    }
}
