//! Publishing the 意见反馈: the consultation's feedback text, its status 已反馈, and a
//! notice to every citizen who left an e-mail address, in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{consultations, opinions};
use crate::db::{Conn, write_tx};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::contact::ContactKind;
use crate::domain::receipt::ReceiptCode;
use crate::domain::source::Source;
use crate::domain::window::Status;
use crate::emails::{FeedbackNotice, NoticeItem, summary};
use crate::error::AppError;
use crate::exports::default_layout;
use crate::models::{Consultation, adoption_table};

/// E-mail, name, receipt code, text, decision, reason of a citizen's opinion.
type NoticeRow = (String, String, Option<String>, String, Option<AdoptionStatus>, Option<String>);

/// Why feedback cannot be published now.
fn refusal(consultation: &Consultation, now: DateTime<Utc>) -> Option<String> {
    match consultation.status(now) {
        Status::Scheduled | Status::Open => {
            Some(format!("征集期至 {} 结束，结束后方可公布意见反馈。", consultation.ends_on))
        }
        Status::Closed | Status::FeedbackPublished => None,
    }
}

/// Publishes (or, once published, updates the text of) a consultation's feedback, with
/// the table's heading when the drafter gave one (`None`: the layout's own). The first
/// publication queues one notice per citizen e-mail address. Returns the number of
/// notices queued.
pub fn publish(
    conn: &mut Conn,
    consultation: &Consultation,
    text: &str,
    table_title: Option<&str>,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    // The heading the layout would make anyway is not stored: it follows a new draft title.
    let auto = default_layout().title_for(&adoption_table::head(conn, consultation)?);
    let table_title = table_title.filter(|t| *t != auto);
    if let Some(message) = refusal(consultation, now) {
        return Err(AppError::Closed(message));
    }
    let first_time = consultation.feedback_published_at.is_none();
    let naive_now = now.naive_utc();
    write_tx(conn, |conn| {
        diesel::update(consultations::table.find(consultation.id))
            .set((
                consultations::feedback_text.eq(text),
                consultations::feedback_table_title.eq(table_title),
                consultations::feedback_published_at.eq(consultation.feedback_published_at.unwrap_or(naive_now)),
                consultations::updated_at.eq(naive_now),
            ))
            .execute(conn)?;
        if !first_time {
            return Ok(0);
        }
        let rows: Vec<NoticeRow> = opinions::table
            .filter(opinions::consultation_id.eq(consultation.id))
            .filter(opinions::source.eq(Source::Public))
            .filter(opinions::contact_kind.eq(ContactKind::Email))
            .order(opinions::id.asc())
            .select((
                opinions::contact.assume_not_null(),
                opinions::author_name,
                opinions::receipt_code,
                opinions::body,
                opinions::decision,
                opinions::decision_reason,
            ))
            .load(conn)?;
        let mut by_address: BTreeMap<String, (String, Vec<NoticeItem>)> = BTreeMap::new();
        for (email, name, receipt, body, status, reason) in rows {
            let item = NoticeItem {
                receipt: receipt
                    .as_deref()
                    .and_then(|r| ReceiptCode::parse(r).ok())
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
                summary: summary(&body, 80),
                status: status.map_or("未作处理", AdoptionStatus::label),
                reason: reason.filter(|r| !r.trim().is_empty()),
            };
            by_address.entry(email).or_insert_with(|| (name, Vec::new())).1.push(item);
        }
        let feedback_url = crate::links::feedback_url(public_url, consultation.id);
        let draft = crate::models::Draft::name_for(conn, consultation)?;
        let count = by_address.len();
        for (email, (name, items)) in by_address {
            let notice = FeedbackNotice {
                name: &name,
                draft: &draft,
                issuer: &consultation.issuer,
                feedback_url: &feedback_url,
                items,
            };
            notice.to_mail(&email)?.enqueue(conn, naive_now)?;
        }
        Ok(count)
    })
}
