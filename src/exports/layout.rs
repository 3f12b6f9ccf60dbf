//! Named export layouts: which columns, which words, which masking. Adding one is adding an entry here.

use serde::Serialize;

use crate::domain::adoption::AdoptionStatus;
use crate::domain::masking::MaskStyle;

/// A table title with a `{title}` placeholder for what the table is about (see
/// [`document_subject`]), e.g. `关于{title}征求意见部门反馈情况`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TitleTemplate(pub &'static str);

impl TitleTemplate {
    /// The title for a draft titled `draft_title`. A subject that is itself a 关于… title
    /// does not get a second 关于; any other name is a document's name, in 《》.
    pub fn render(&self, draft_title: &str) -> String {
        let subject = document_subject(draft_title);
        let subject = match subject.strip_prefix("关于") {
            Some(rest) if self.0.contains("关于{title}") => rest.to_owned(),
            Some(_) => subject,
            None if subject.starts_with('《') || subject.is_empty() => subject,
            None => format!("《{subject}》"),
        };
        self.0.replace("{title}", &subject)
    }
}

/// Bracketed words after a title that name a version, not the document.
const VERSION_MARKS: [&str; 11] = [
    "征求意见稿",
    "公开征求意见稿",
    "修订版",
    "修订稿",
    "修改稿",
    "送审稿",
    "讨论稿",
    "代拟稿",
    "草稿",
    "草案",
    "公开",
];
/// Words after a title that say it is being consulted on.
const CONSULTING_SUFFIXES: [&str; 5] = ["的公告", "公开征求意见", "征求意见稿", "征求意见", "意见征集"];

/// What a draft is, as a table heading names it: 「中共铜官区委 铜官区人民政府关于贯彻…的实施意见
/// (修订版)(征求意见稿)」 → 「关于贯彻…的实施意见」. The issuer before 关于 goes, and so do
/// version marks in brackets and 公开征求意见 at the end.
pub fn document_subject(title: &str) -> String {
    let mut s = title.trim();
    loop {
        let before = s;
        if let Some((open, inner)) = trailing_bracket(s) {
            let mark: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
            if VERSION_MARKS.contains(&mark.as_str()) {
                s = s[..open].trim_end();
            }
        }
        for suffix in CONSULTING_SUFFIXES {
            if let Some(rest) = s.strip_suffix(suffix).map(str::trim_end).filter(|r| !r.is_empty()) {
                s = rest;
                break;
            }
        }
        if s == before {
            break;
        }
    }
    // The issuer before 关于 (发文机关), unless 关于 is inside a document's name in 《》.
    if let Some(at) = s.find("关于")
        && at > 0
        && s[..at].matches('《').count() == s[..at].matches('》').count()
    {
        s = &s[at..];
    }
    s.trim().to_owned()
}

/// Where the bracket pair that ends `s` opens, and the text inside it ("…(修订版)" →
/// "修订版"); half- and full-width brackets mix freely in real titles.
fn trailing_bracket(s: &str) -> Option<(usize, &str)> {
    let body = s.strip_suffix([')', '）'])?;
    let open = body.rfind(['(', '（'])?;
    let inner = &body[open + body[open..].chars().next()?.len_utf8()..];
    (!inner.contains([')', '）'])).then_some((open, inner))
}

/// One row per opinion, or one row per author with the author's opinions joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    PerOpinion,
    PerAuthor,
}

/// What a column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// 序号, 1-based row number.
    Seq,
    /// Department name, or a person's name (masked for the public).
    Author,
    Body,
    /// The decision label; empty while undecided.
    Decision,
    Reason,
    /// "不予采纳。理由：…" / "采纳"; empty while undecided.
    DecisionAndReason,
    Channel,
    Section,
    ReceivedAt,
    /// Staff only: the column is dropped from public exports.
    Contact,
}

/// A column: its header, what it shows, and its width in Chinese characters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub header: &'static str,
    pub field: Field,
    pub width_chars: f64,
}

/// The words a layout prints for each decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusLabels {
    pub adopted: &'static str,
    pub partly_adopted: &'static str,
    pub not_adopted: &'static str,
    pub explained: &'static str,
    /// Printed while no decision is recorded (empty in every built-in layout).
    pub undecided: &'static str,
    /// Between decision and reason in [`Field::DecisionAndReason`].
    pub reason_prefix: &'static str,
}

impl StatusLabels {
    /// 采纳 / 部分采纳 / 不予采纳 / 解释说明.
    pub const STANDARD: StatusLabels = StatusLabels {
        adopted: "采纳",
        partly_adopted: "部分采纳",
        not_adopted: "不予采纳",
        explained: "解释说明",
        undecided: "",
        reason_prefix: "。理由：",
    };

    /// The label for a decision, or [`StatusLabels::undecided`].
    pub fn label(&self, decision: Option<AdoptionStatus>) -> &'static str {
        match decision {
            Some(AdoptionStatus::Adopted) => self.adopted,
            Some(AdoptionStatus::PartlyAdopted) => self.partly_adopted,
            Some(AdoptionStatus::NotAdopted) => self.not_adopted,
            Some(AdoptionStatus::Explained) => self.explained,
            None => self.undecided,
        }
    }
}

/// A named table layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub key: &'static str,
    /// Shown in the UI, and the XLSX sheet name.
    pub name: &'static str,
    pub description: &'static str,
    pub title: TitleTemplate,
    /// The title when no department was consulted or wrote: a 部门反馈情况 heading over
    /// citizens' opinions only would misname the table.
    pub citizens_title: Option<TitleTemplate>,
    /// The default; [`crate::exports::ExportOptions::grouping`] overrides it.
    pub grouping: Grouping,
    /// Print [`crate::exports::Summary::text`] between the title and the table.
    pub summary_first: bool,
    pub columns: Vec<Column>,
    pub labels: StatusLabels,
    /// How persons' names are masked in public exports.
    pub mask: MaskStyle,
    /// Joins an author's points, reasons, channels … in [`Grouping::PerAuthor`] rows.
    pub joiner: &'static str,
}

impl Layout {
    /// The table's title for the consultation `head` describes.
    pub fn title_for(&self, head: &crate::exports::ExportHead) -> String {
        let template = if head.departments { self.title } else { self.citizens_title.unwrap_or(self.title) };
        template.render(&head.document_title)
    }
}

/// What the UI lists to choose a layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayoutInfo {
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

const fn col(header: &'static str, field: Field, width_chars: f64) -> Column {
    Column { header, field, width_chars }
}

/// Every built-in layout; the first is the default.
pub fn builtin_layouts() -> Vec<Layout> {
    use Field::*;
    vec![
        Layout {
            key: "tongguan",
            name: "部门反馈情况表",
            description: "序号、单位、主要意见、意见采纳情况、未采纳原因；默认每个单位一行（铜官区样式）",
            title: TitleTemplate("关于{title}征求意见部门反馈情况"),
            citizens_title: Some(TitleTemplate("关于{title}征求意见采纳情况")),
            grouping: Grouping::PerAuthor,
            summary_first: false,
            columns: vec![
                col("序号", Seq, 4.0),
                col("单位", Author, 7.0),
                col("主要意见", Body, 34.0),
                col("意见采纳情况", Decision, 7.0),
                col("未采纳原因", Reason, 20.0),
            ],
            labels: StatusLabels::STANDARD,
            mask: MaskStyle::KeepEnds,
            joiner: ";",
        },
        Layout {
            key: "feedback_person",
            name: "反馈人意见采纳表",
            description: "序号、反馈人、意见内容、是否采纳（是/部分/否/解释说明）、采纳理由；姓名保留首尾字（张*祥）",
            title: TitleTemplate("关于{title}征求意见采纳情况"),
            citizens_title: None,
            grouping: Grouping::PerOpinion,
            summary_first: false,
            columns: vec![
                col("序号", Seq, 4.0),
                col("反馈人", Author, 6.0),
                col("意见内容", Body, 36.0),
                col("是否采纳", Decision, 6.0),
                col("采纳理由", Reason, 22.0),
            ],
            labels: StatusLabels {
                adopted: "是", partly_adopted: "部分", not_adopted: "否", ..StatusLabels::STANDARD
            },
            mask: MaskStyle::KeepEnds,
            joiner: ";",
        },
        Layout {
            key: "channel_remark",
            name: "意见采纳情况及备注表",
            description: "序号、单位/个人、意见、反馈意见采纳情况、备注（反馈渠道）；姓名只留姓（朱**）",
            title: TitleTemplate("关于{title}征求意见反馈情况"),
            citizens_title: None,
            grouping: Grouping::PerOpinion,
            summary_first: false,
            columns: vec![
                col("序号", Seq, 4.0),
                col("单位/个人", Author, 7.0),
                col("意见", Body, 34.0),
                col("反馈意见采纳情况", DecisionAndReason, 22.0),
                col("备注", Channel, 6.0),
            ],
            labels: StatusLabels::STANDARD,
            mask: MaskStyle::FirstOnly,
            joiner: ";",
        },
        Layout {
            key: "summary_first",
            name: "采纳情况说明",
            description: "先写汇总（共收到意见N条，其中采纳N条……），再列序号、意见内容、采纳情况及理由",
            title: TitleTemplate("关于{title}征求意见采纳情况的说明"),
            citizens_title: None,
            grouping: Grouping::PerOpinion,
            summary_first: true,
            columns: vec![
                col("序号", Seq, 4.0),
                col("意见内容", Body, 40.0),
                col("采纳情况及理由", DecisionAndReason, 28.0),
            ],
            labels: StatusLabels::STANDARD,
            mask: MaskStyle::KeepEnds,
            joiner: ";",
        },
        Layout {
            key: "ledger",
            name: "意见登记表",
            description: "内部工作底稿：提出人、联系方式、渠道、章节、收到时间、意见、采纳情况、理由；公开导出时不含联系方式",
            title: TitleTemplate("关于{title}征求意见登记表"),
            citizens_title: None,
            grouping: Grouping::PerOpinion,
            summary_first: true,
            columns: vec![
                col("序号", Seq, 4.0),
                col("提出人", Author, 6.0),
                col("联系方式", Contact, 8.0),
                col("渠道", Channel, 5.0),
                col("所涉章节", Section, 10.0),
                col("收到时间", ReceivedAt, 8.0),
                col("意见内容", Body, 28.0),
                col("采纳情况", Decision, 6.0),
                col("理由", Reason, 14.0),
            ],
            labels: StatusLabels::STANDARD,
            mask: MaskStyle::KeepEnds,
            joiner: ";",
        },
    ]
}

/// The built-in layout with this key.
pub fn layout(key: &str) -> Option<Layout> {
    builtin_layouts().into_iter().find(|l| l.key == key)
}

/// The default layout (`tongguan`).
pub fn default_layout() -> Layout {
    builtin_layouts().swap_remove(0)
}

/// Key, name and description of every built-in layout, for the UI.
pub fn layout_list() -> Vec<LayoutInfo> {
    builtin_layouts().iter().map(|l| LayoutInfo { key: l.key, name: l.name, description: l.description }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_keys_are_unique_and_found_by_key() {
        let layouts = builtin_layouts();
        for l in &layouts {
            assert_eq!(layouts.iter().filter(|o| o.key == l.key).count(), 1);
            assert_eq!(layout(l.key).as_ref(), Some(l));
        }
        assert!(layout("nope").is_none());
    }

    #[test]
    fn the_default_layout_is_tongguan_with_the_seed_headers() {
        let l = default_layout();
        assert_eq!(l.key, "tongguan");
        let headers: Vec<_> = l.columns.iter().map(|c| c.header).collect();
        assert_eq!(headers, ["序号", "单位", "主要意见", "意见采纳情况", "未采纳原因"]);
    }

    #[test]
    fn title_template_does_not_double_guanyu() {
        let t = TitleTemplate("关于{title}征求意见部门反馈情况");
        assert_eq!(
            t.render("关于贯彻省市《五大发展行动计划》的实施意见"),
            "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况"
        );
        assert_eq!(t.render("物业管理条例"), "关于《物业管理条例》征求意见部门反馈情况");
        assert_eq!(t.render("《物业管理条例》"), "关于《物业管理条例》征求意见部门反馈情况");
    }

    #[test]
    fn the_tongguan_draft_title_gives_the_seed_tables_heading() {
        let t = default_layout().title;
        let seed_heading = "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况";
        for title in [
            "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见(修订版)",
            "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见(修订版)(征求意见稿)",
            "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见征求意见",
            "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见征求意见的公告",
        ] {
            assert_eq!(t.render(title), seed_heading, "{title}");
        }
    }

    #[test]
    fn a_subject_loses_version_marks_and_consultation_words_but_keeps_its_own_brackets() {
        assert_eq!(
            document_subject("关于《2021年黄江镇政府工作计划》公开征求意见"),
            "关于《2021年黄江镇政府工作计划》"
        );
        assert_eq!(document_subject("铜陵市物业管理办法（试行）（征求意见稿）"), "铜陵市物业管理办法（试行）");
        assert_eq!(document_subject("物业管理条例（草案）（ 送审稿 ）"), "物业管理条例");
        assert_eq!(document_subject("《关于加强管理的意见》（征求意见稿）"), "《关于加强管理的意见》");
        assert_eq!(document_subject("征求意见"), "征求意见", "nothing left would be no title at all");
        assert_eq!(document_subject("  "), "");
    }

    #[test]
    fn layout_list_names_every_layout() {
        let list = layout_list();
        assert_eq!(list.len(), builtin_layouts().len());
        assert!(list.iter().all(|i| !i.name.is_empty() && !i.description.is_empty()));
    }
}
