//! The open-data schema (docs/open-data.md): what each JSON field and CSV column holds, and
//! how a published consultation and an opinion become one. Nothing personal: persons' names
//! are masked as on the public feedback page, contacts are never read.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::adoption::AdoptionStatus;
use crate::domain::masking::{MaskStyle, mask_name};
use crate::domain::window::format_china;
use crate::exports::rows::tidy;
use crate::exports::{AuthorKind, OpinionRecord, QuietDepartment};
use crate::models::open_data::PublishedFeedback;

/// One consultation with published feedback, with its counts and the addresses of its data.
#[derive(Serialize, ToSchema)]
pub struct FeedbackEntry {
    pub id: i32,
    pub title: String,
    /// The agency (单位) the consultation belongs to on this platform.
    pub agency_id: i32,
    pub agency: String,
    /// The issuing body as the notice names it (发布单位).
    pub issuer: String,
    /// First day of the window (China time), `YYYY-MM-DD`.
    pub starts_on: String,
    /// Last day of the window, inclusive.
    pub ends_on: String,
    /// When the feedback was published, China time, `YYYY-MM-DD HH:MM`.
    pub feedback_published_at: String,
    /// Opinions received, of which adopted + partly_adopted + not_adopted + explained + undecided.
    pub received: i64,
    pub adopted: i64,
    pub partly_adopted: i64,
    pub not_adopted: i64,
    pub explained: i64,
    /// Opinions without a decision when the data was read (未作处理).
    pub undecided: i64,
    /// Departments consulted in writing (书面征求意见).
    pub departments_consulted: i64,
    /// Of those, the ones that replied with opinions or 无意见.
    pub departments_answered: i64,
    /// The consultation's page.
    pub page_url: String,
    /// The published 意见反馈 page.
    pub feedback_url: String,
    /// This consultation's opinions and decisions as JSON ([`ConsultationFeedback`]).
    pub json_url: String,
    /// The same opinions as CSV.
    pub csv_url: String,
}

impl FeedbackEntry {
    /// The entry, with absolute addresses under `public_url`.
    pub fn new(public_url: &str, f: &PublishedFeedback) -> FeedbackEntry {
        let c = &f.consultation;
        let base = public_url.trim_end_matches('/');
        let counts = &f.counts;
        FeedbackEntry {
            id: c.id.0,
            title: c.title.clone(),
            agency_id: c.agency_id.0,
            agency: f.agency.clone(),
            issuer: c.issuer.clone(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            feedback_published_at: c.feedback_published_at.map(format_china).unwrap_or_default(),
            received: counts.received,
            adopted: counts.adopted,
            partly_adopted: counts.partly_adopted,
            not_adopted: counts.not_adopted,
            explained: counts.explained,
            undecided: counts.undecided,
            departments_consulted: counts.departments_consulted,
            departments_answered: counts.departments_answered,
            page_url: crate::links::consultation_url(base, c.id),
            feedback_url: crate::links::feedback_url(base, c.id),
            json_url: format!("{base}/open-data/consultations/{}/feedback.json", c.id),
            csv_url: format!("{base}/open-data/consultations/{}/feedback.csv", c.id),
        }
    }

    /// The CSV columns of the index, in the order of [`FeedbackEntry::cells`].
    pub const HEADERS: [&'static str; 20] = [
        "编号",
        "标题",
        "单位编号",
        "单位",
        "发布单位",
        "征集开始日期",
        "征集截止日期",
        "反馈公布时间",
        "收到意见",
        "采纳",
        "部分采纳",
        "不予采纳",
        "解释说明",
        "未作处理",
        "书面征求意见单位",
        "已回复单位",
        "征集页面",
        "意见反馈页面",
        "JSON数据",
        "CSV数据",
    ];

    pub fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.title.clone(),
            self.agency_id.to_string(),
            self.agency.clone(),
            self.issuer.clone(),
            self.starts_on.clone(),
            self.ends_on.clone(),
            self.feedback_published_at.clone(),
            self.received.to_string(),
            self.adopted.to_string(),
            self.partly_adopted.to_string(),
            self.not_adopted.to_string(),
            self.explained.to_string(),
            self.undecided.to_string(),
            self.departments_consulted.to_string(),
            self.departments_answered.to_string(),
            self.page_url.clone(),
            self.feedback_url.clone(),
            self.json_url.clone(),
            self.csv_url.clone(),
        ]
    }
}

/// The open-data index: every consultation with published feedback, the latest first.
#[derive(Serialize, ToSchema)]
pub struct FeedbackIndex {
    pub consultations: Vec<FeedbackEntry>,
}

/// Who sent an opinion.
#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKindDoc {
    /// A department (单位) consulted in writing: its name is given in full.
    Department,
    /// A member of the public: the name is masked (张*丰).
    Person,
}

/// One opinion with what became of it.
#[derive(Serialize, ToSchema, Debug, PartialEq)]
pub struct OpenOpinion {
    /// 1-based, in the drafter's order: departments in invitation order, then the rest by time.
    pub seq: usize,
    pub author_kind: AuthorKindDoc,
    /// The department's name, or the person's name masked as on the feedback page (张*丰).
    pub author: String,
    /// How it arrived: 平台反馈, 书面反馈, 信函, 传真, 电子邮件, 座谈会, 电话 or 其他.
    pub channel: String,
    /// The part of the draft it is about ("二、… › 1. …"); null for the draft as a whole.
    pub section: Option<String>,
    /// The day it was received, China time, `YYYY-MM-DD`.
    pub received_on: String,
    /// The opinion's text.
    pub opinion: String,
    /// `adopted`, `partly_adopted`, `not_adopted`, `explained`, or null while undecided.
    #[schema(value_type = Option<String>)]
    pub decision: Option<AdoptionStatus>,
    /// 采纳, 部分采纳, 不予采纳, 解释说明, or 未作处理 while undecided.
    pub decision_label: String,
    /// The reason given with the decision; null when none (or while undecided).
    pub reason: Option<String>,
}

/// What an undecided opinion's decision reads, as on the feedback page.
const UNDECIDED: &str = "未作处理";

impl OpenOpinion {
    /// The opinion as the public may see it: a person's name masked with `mask`.
    pub fn new(seq: usize, r: &OpinionRecord, mask: MaskStyle) -> OpenOpinion {
        let (author_kind, author) = match r.author_kind {
            AuthorKind::Department => (AuthorKindDoc::Department, r.author.trim().to_owned()),
            AuthorKind::Person => (AuthorKindDoc::Person, mask_name(&r.author, mask)),
        };
        let text = |t: &str| Some(tidy(t.trim().to_owned())).filter(|t| !t.is_empty());
        OpenOpinion {
            seq,
            author_kind,
            author: tidy(author),
            channel: r.channel.clone(),
            section: r.section.as_deref().and_then(text),
            received_on: r.received_at.chars().take(10).collect(),
            opinion: tidy(r.body.clone()),
            decision: r.decision,
            decision_label: r.decision.map_or(UNDECIDED, AdoptionStatus::label).to_owned(),
            // A reason written before any decision is still a draft: not published.
            reason: r.decision.and(r.reason.as_deref()).and_then(text),
        }
    }

    /// The CSV columns of a consultation's opinions, in the order of [`OpenOpinion::cells`].
    pub const HEADERS: [&'static str; 9] =
        ["序号", "提出者类型", "提出者", "渠道", "所涉章节", "收到日期", "意见内容", "采纳情况", "理由"];

    pub fn cells(&self) -> Vec<String> {
        let kind = match self.author_kind {
            AuthorKindDoc::Department => "单位",
            AuthorKindDoc::Person => "个人",
        };
        vec![
            self.seq.to_string(),
            kind.to_owned(),
            self.author.clone(),
            self.channel.clone(),
            self.section.clone().unwrap_or_default(),
            self.received_on.clone(),
            self.opinion.clone(),
            self.decision_label.clone(),
            self.reason.clone().unwrap_or_default(),
        ]
    }
}

/// A department consulted in writing that sent no opinion.
#[derive(Serialize, ToSchema)]
pub struct QuietDepartmentDoc {
    pub name: String,
    /// `no_opinion` (replied 无意见) or `overdue` (no reply by the deadline: 视为无意见).
    pub reply: &'static str,
}

impl From<&QuietDepartment> for QuietDepartmentDoc {
    fn from(q: &QuietDepartment) -> Self {
        QuietDepartmentDoc { name: q.name.clone(), reply: if q.overdue { "overdue" } else { "no_opinion" } }
    }
}

/// One consultation's published feedback in full. Written as a stream, in this field order.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ConsultationFeedback {
    pub consultation: FeedbackEntry,
    /// The published 意见反馈 text.
    pub feedback_text: String,
    pub quiet_departments: Vec<QuietDepartmentDoc>,
    pub opinions: Vec<OpenOpinion>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: AuthorKind, author: &str, decision: Option<AdoptionStatus>, reason: Option<&str>) -> OpinionRecord {
        OpinionRecord {
            id: 1,
            author_kind: kind,
            author: author.to_owned(),
            author_key: author.to_owned(),
            invited: false,
            contact: Some("13912345678".to_owned()),
            channel: "平台反馈".to_owned(),
            section: None,
            body: "建议\r\n增加条款".to_owned(),
            received_at: "2026-03-01 09:30".to_owned(),
            decision,
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn a_persons_name_is_masked_and_no_contact_is_carried() {
        let o = OpenOpinion::new(3, &record(AuthorKind::Person, "张三丰", None, None), MaskStyle::KeepEnds);
        assert_eq!(o.author, "张*丰");
        assert_eq!(o.cells(), ["3", "个人", "张*丰", "平台反馈", "", "2026-03-01", "建议\n增加条款", "未作处理", ""]);
        assert!(!serde_json::to_string(&o).unwrap().contains("13912345678"));
    }

    #[test]
    fn a_department_keeps_its_name_and_a_reason_shows_only_with_a_decision() {
        let draft_reason = record(AuthorKind::Department, " 区科技局 ", None, Some("草拟中"));
        let o = OpenOpinion::new(1, &draft_reason, MaskStyle::KeepEnds);
        assert_eq!((o.author.as_str(), o.reason), ("区科技局", None));
        let decided = record(AuthorKind::Department, "区科技局", Some(AdoptionStatus::NotAdopted), Some("已有规定"));
        let o = OpenOpinion::new(1, &decided, MaskStyle::KeepEnds);
        assert_eq!((o.decision_label.as_str(), o.reason.as_deref()), ("不予采纳", Some("已有规定")));
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["decision"], "not_adopted");
        assert_eq!(json["author_kind"], "department");
    }
}
