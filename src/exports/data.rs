//! The data an export is made from: one consultation's opinions with their decisions.

use serde::Serialize;

use crate::domain::adoption::AdoptionStatus;

/// Who sent an opinion. Organisations are never masked; persons are masked in public exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthorKind {
    /// A department (单位/部门) consulted in writing.
    Department,
    /// A member of the public.
    Person,
}

/// Who the export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Audience {
    /// Published: persons' names masked by the layout's style, contacts never present.
    #[default]
    Public,
    /// Internal: full names and contacts.
    Staff,
}

/// One opinion as the exports see it; every text is already a display string.
#[derive(Debug, Clone, PartialEq)]
pub struct OpinionRecord {
    pub id: i64,
    pub author_kind: AuthorKind,
    /// Department name ("区人社局") or a person's name ("张三丰").
    pub author: String,
    /// Grouping key: same department / same person => same key.
    pub author_key: String,
    /// Part of the reply of a department consulted in writing (its invitation).
    pub invited: bool,
    /// Phone or e-mail; only ever output for [`Audience::Staff`].
    pub contact: Option<String>,
    /// "平台反馈", "书面反馈", "信函" … (already a label).
    pub channel: String,
    /// e.g. "二、实施创新发展行动 › 1. 深化供给侧结构性改革"; `None` = the whole draft.
    pub section: Option<String>,
    /// The opinion text.
    pub body: String,
    /// "2018-01-12 09:30", already formatted in China time (so it also sorts as text).
    pub received_at: String,
    /// `None` = not decided yet: printed as an empty cell.
    pub decision: Option<AdoptionStatus>,
    pub reason: Option<String>,
}

/// A whole consultation's export input.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportData {
    /// The draft's title, which the table's title is made from, e.g.
    /// "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见(修订版)".
    pub document_title: String,
    pub issuer: String,
    /// In the drafter's order (departments in invitation order, then others by time).
    pub opinions: Vec<OpinionRecord>,
    /// Departments consulted in writing that sent no opinion, in invitation order.
    pub quiet: Vec<QuietDepartment>,
}

/// A department consulted in writing that sent no opinion: it answered 无意见, or let its
/// deadline pass (逾期未反馈视为无意见). Tables list it, so that every department consulted
/// is accounted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietDepartment {
    pub name: String,
    /// Silent past the deadline, rather than 无意见 in so many words.
    pub overdue: bool,
}

impl QuietDepartment {
    /// What the table says for it.
    pub fn remark(&self) -> &'static str {
        if self.overdue { "逾期未反馈（视为无意见）" } else { "无意见" }
    }
}

/// What an export needs besides the rows, so that rows can be streamed from an iterator.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportHead {
    /// The draft's title (see [`ExportData::document_title`]).
    pub document_title: String,
    pub issuer: String,
    /// Counted over all opinions before the rows are written (e.g. by one SQL query).
    pub summary: Summary,
    /// See [`ExportData::quiet`].
    pub quiet: Vec<QuietDepartment>,
    /// Departments were consulted in writing or sent opinions.
    pub departments: bool,
}

impl ExportHead {
    /// The head of an in-memory data set.
    pub fn of(data: &ExportData) -> Self {
        ExportHead {
            document_title: data.document_title.clone(),
            issuer: data.issuer.clone(),
            summary: Summary::count(&data.opinions),
            quiet: data.quiet.clone(),
            departments: !data.quiet.is_empty()
                || data.opinions.iter().any(|o| o.author_kind == AuthorKind::Department),
        }
    }
}

/// Opinion counts per decision. Counts opinions, not table rows (a department row may hold several).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub total: usize,
    pub adopted: usize,
    pub partly_adopted: usize,
    pub not_adopted: usize,
    pub explained: usize,
    pub undecided: usize,
}

impl Summary {
    /// Counts the decisions of `opinions`.
    pub fn count<'a>(opinions: impl IntoIterator<Item = &'a OpinionRecord>) -> Self {
        let mut s = Summary::default();
        for o in opinions {
            s.add(o.decision);
        }
        s
    }

    /// Adds one opinion with this decision.
    pub fn add(&mut self, decision: Option<AdoptionStatus>) {
        self.total += 1;
        match decision {
            Some(AdoptionStatus::Adopted) => self.adopted += 1,
            Some(AdoptionStatus::PartlyAdopted) => self.partly_adopted += 1,
            Some(AdoptionStatus::NotAdopted) => self.not_adopted += 1,
            Some(AdoptionStatus::Explained) => self.explained += 1,
            None => self.undecided += 1,
        }
    }

    /// The sentence printed above the table in `summary_first` layouts.
    ///
    /// 采纳, 部分采纳 and 不予采纳 are always named (a zero there is information);
    /// 解释说明 and 未处理 only when non-zero. No opinions at all reads 本次征求意见未收到意见。
    pub fn text(&self) -> String {
        if self.total == 0 {
            return "本次征求意见未收到意见。".to_owned();
        }
        let mut s = format!(
            "共收到意见{}条，其中采纳{}条，部分采纳{}条，不予采纳{}条",
            self.total, self.adopted, self.partly_adopted, self.not_adopted
        );
        if self.explained > 0 {
            s.push_str(&format!("，解释说明{}条", self.explained));
        }
        if self.undecided > 0 {
            s.push_str(&format!("，未处理{}条", self.undecided));
        }
        s.push('。');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_the_three_main_outcomes_even_when_zero() {
        let mut s = Summary::default();
        s.add(Some(AdoptionStatus::Adopted));
        s.add(Some(AdoptionStatus::Adopted));
        assert_eq!(s.text(), "共收到意见2条，其中采纳2条，部分采纳0条，不予采纳0条。");
    }

    #[test]
    fn summary_mentions_explained_and_undecided_only_when_present() {
        let mut s = Summary::default();
        s.add(Some(AdoptionStatus::NotAdopted));
        s.add(Some(AdoptionStatus::Explained));
        s.add(None);
        assert_eq!(s.text(), "共收到意见3条，其中采纳0条，部分采纳0条，不予采纳1条，解释说明1条，未处理1条。");
    }

    #[test]
    fn summary_says_when_no_opinion_was_received() {
        assert_eq!(Summary::default().text(), "本次征求意见未收到意见。");
    }
}
