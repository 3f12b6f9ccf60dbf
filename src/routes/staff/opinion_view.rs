//! How staff pages show an opinion: its facts, its suggested wording as a diff against
//! the section, and its decision.

use std::collections::HashMap;

use diesel::QueryResult;

use super::review::Choice;
use crate::db::Conn;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::contact::Contact;
use crate::domain::ids::{ConsultationId, SectionId};
use crate::domain::window::format_china;
use crate::models::{Opinion, Section};
use crate::routes::views::{escape_html, paragraphs};
use crate::text::wording_diff::{diff_chars, locate, to_html};

/// The sections of every version of a consultation's draft, by id and anchor.
pub struct SectionTitles {
    current: Vec<Section>,
    paths: HashMap<SectionId, String>,
    texts: HashMap<SectionId, String>,
}

impl SectionTitles {
    pub fn load(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<SectionTitles> {
        let paths = crate::models::adoption_table::section_paths(conn, consultation)?;
        let current = match crate::models::Draft::current_for(conn, consultation)? {
            Some(draft) => Section::for_draft(conn, draft.id)?,
            None => Vec::new(),
        };
        let texts = current.iter().map(|s| (s.id, s.body.clone())).collect();
        Ok(SectionTitles { current, paths, texts })
    }

    pub fn by_anchor(&self, anchor: &str) -> Option<SectionId> {
        self.current.iter().find(|s| s.anchor == anchor).map(|s| s.id)
    }

    /// The anchor of a section of the current draft.
    pub fn anchor(&self, id: SectionId) -> Option<&str> {
        self.current.iter().find(|s| s.id == id).map(|s| s.anchor.as_str())
    }

    pub fn path(&self, id: Option<SectionId>) -> String {
        id.and_then(|id| self.paths.get(&id).cloned()).unwrap_or_else(|| "全文".to_owned())
    }

    fn text(&self, id: Option<SectionId>) -> Option<&str> {
        id.and_then(|id| self.texts.get(&id)).map(String::as_str)
    }

    /// The current draft's sections for a drop-down, indented by depth.
    pub fn choices(&self) -> Vec<Choice> {
        let views = crate::routes::views::section_views("", &self.current);
        views
            .into_iter()
            .map(|s| Choice { value: s.anchor, label: format!("{}{}", "　".repeat(s.depth - 1), s.title) })
            .collect()
    }
}

/// An opinion as a staff list shows it.
pub struct OpinionRow {
    pub id: i32,
    pub url: String,
    pub source: &'static str,
    pub channel: &'static str,
    pub author: String,
    pub contact: Option<String>,
    pub section: String,
    pub received_at: String,
    pub paragraphs: Vec<String>,
    /// Trusted markup built from escaped text: the change against the section.
    pub wording_html: Option<String>,
    pub decision_code: &'static str,
    pub decision_label: &'static str,
    pub reason: Option<String>,
    pub flag_reason: Option<String>,
    pub attachment_url: Option<String>,
    pub seq: Option<i32>,
}

impl OpinionRow {
    pub fn new(o: &Opinion, titles: &SectionTitles, filter_string: &str) -> OpinionRow {
        let decision = o.decision;
        OpinionRow {
            id: o.id.0,
            url: format!("/staff/consultations/{}/opinions/{}?{filter_string}", o.consultation_id, o.id),
            source: o.source.label(),
            channel: o.channel.label(),
            author: o.author_name.clone(),
            // Lists show contacts partly hidden; the opinion's own page shows them whole.
            contact: o.contact.as_deref().and_then(|c| Contact::parse(c).ok()).map(|c| c.masked()),
            section: titles.path(o.section_id),
            received_at: format_china(o.received_at),
            paragraphs: paragraphs(&o.body),
            wording_html: wording_html(o, titles.text(o.section_id)),
            decision_code: decision.map_or("undecided", AdoptionStatus::code),
            decision_label: decision.map_or("未处理", AdoptionStatus::label),
            reason: o.decision_reason.clone(),
            flag_reason: o.flag_reason.clone().filter(|_| o.flagged),
            attachment_url: o.attachment_id.map(|a| format!("/staff/attachments/{a}")),
            seq: o.seq,
        }
    }
}

/// The suggested change, shown where it applies in the section when the original
/// wording can be found there: the surrounding text, then the change as a diff.
fn wording_html(o: &Opinion, section_text: Option<&str>) -> Option<String> {
    const CONTEXT: usize = 30;
    let original = o.original_text.as_deref().unwrap_or_default();
    let proposed = o.proposed_text.as_deref().unwrap_or_default();
    if original.is_empty() && proposed.is_empty() {
        return None;
    }
    let diff = to_html(&diff_chars(original, proposed));
    let found =
        section_text.filter(|_| !original.is_empty()).and_then(|text| locate(text, original).map(|r| (text, r)));
    Some(match found {
        Some((text, range)) => {
            let before: String =
                text[..range.start].chars().rev().take(CONTEXT).collect::<Vec<_>>().into_iter().rev().collect();
            let after: String = text[range.end..].chars().take(CONTEXT).collect();
            format!(
                "<span class=\"context\">…{}</span>{diff}<span class=\"context\">{}…</span>",
                escape_html(&before),
                escape_html(&after)
            )
        }
        None if !original.is_empty() && section_text.is_some() => {
            format!("{diff}<span class=\"muted\">（原文未在该部分中找到）</span>")
        }
        None => diff,
    })
}

/// A line of the decision history.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub from: &'static str,
    pub to: &'static str,
    pub reason: Option<String>,
}

/// Another opinion with the same text.
pub struct CopyLine {
    pub id: i32,
    pub decision_code: &'static str,
    pub decision_label: &'static str,
}

/// A later version's sections, offered as where a decision was taken up.
#[derive(Clone)]
pub struct TakenUpGroup {
    pub label: String,
    pub sections: Vec<Choice>,
}

/// Copies listed beside an opinion; the groups page has them all.
const COPIES_SHOWN: i64 = 20;

/// Everything a drafter reads about one opinion before deciding it: on its own page and in
/// the review page's workbench.
pub struct OpinionDetail {
    pub row: OpinionRow,
    /// Whole: staff read it to answer the person.
    pub full_contact: Option<String>,
    pub receipt: Option<String>,
    /// The section's text, paragraph by paragraph; empty for an opinion on the whole draft.
    pub section_text: Vec<String>,
    pub copies: Vec<CopyLine>,
    /// How many other opinions have the same text (more than `copies` may show).
    pub copies_total: i64,
    pub history: Vec<HistoryLine>,
    /// The status and reason recorded now, as the decision form starts.
    pub status: String,
    pub reason: String,
    /// Where a later version took it up (a section id), or, until one is chosen, where its
    /// section went in the next version (unless the decision refuses it); "" for none.
    pub taken_up: String,
    pub taken_up_groups: Vec<TakenUpGroup>,
}

impl OpinionDetail {
    pub fn load(
        conn: &mut Conn,
        opinion: &Opinion,
        titles: &SectionTitles,
        filter_string: &str,
    ) -> QueryResult<OpinionDetail> {
        let (copies, copies_total) = crate::models::review::copies_with_decisions(conn, opinion, COPIES_SHOWN)?;
        let history = crate::models::decision::DecisionChange::for_opinions(conn, &[opinion.id])?;
        let later = crate::models::taken_up::later_versions(conn, opinion)?;
        let matched = crate::models::taken_up::matched_in_next(conn, opinion, &later)?;
        let refused =
            opinion.decision.is_some_and(|d| !matches!(d, AdoptionStatus::Adopted | AdoptionStatus::PartlyAdopted));
        Ok(OpinionDetail {
            taken_up: opinion
                .taken_up_section_id
                .or(matched.filter(|_| !refused))
                .map(|s| s.to_string())
                .unwrap_or_default(),
            taken_up_groups: later
                .iter()
                .map(|(draft, sections)| TakenUpGroup {
                    label: format!("第{}版（{}）", draft.version_no, draft.version_label),
                    sections: sections.iter().map(|s| Choice { value: s.id.to_string(), label: s.title() }).collect(),
                })
                .collect(),
            row: OpinionRow::new(opinion, titles, filter_string),
            full_contact: opinion.contact.clone(),
            receipt: opinion
                .receipt_code
                .as_deref()
                .and_then(|c| crate::domain::receipt::ReceiptCode::parse(c).ok())
                .map(|c| c.to_string()),
            section_text: titles.text(opinion.section_id).map(paragraphs).unwrap_or_default(),
            copies: copies
                .into_iter()
                .map(|(id, decision)| CopyLine {
                    id: id.0,
                    decision_code: decision.map_or("undecided", AdoptionStatus::code),
                    decision_label: decision.map_or("未处理", AdoptionStatus::label),
                })
                .collect(),
            copies_total,
            history: history
                .iter()
                .map(|h| HistoryLine {
                    at: format_china(h.created_at),
                    actor: h.actor_name.clone(),
                    from: h.from_label(),
                    to: h.to_label(),
                    reason: h.to_reason.clone(),
                })
                .collect(),
            status: opinion.decision.map_or("undecided", AdoptionStatus::code).to_owned(),
            reason: opinion.decision_reason.clone().unwrap_or_default(),
        })
    }
}
