//! The mail outbox: rows written in the same transaction as the event they report, and
//! delivered later by the worker in `mail.rs`, with retries. Nothing is sent inline.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::outbox;
use crate::domain::ids::OutboxId;

/// A delivery attempt may take this long before another instance may try the same mail:
/// mail claimed by an instance that died is sent by another within about a minute. The
/// worker claims one mail at a time and the SMTP timeout is 20 s, so a live sender is
/// well inside its lease.
pub const LEASE_SECONDS: i64 = 60;

/// Where a mail is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum MailStatus {
    Pending,
    Sending,
    Sent,
    Failed,
}

crate::stored_as_text!(MailStatus { Pending => "pending", Sending => "sending", Sent => "sent", Failed => "failed" });

impl MailStatus {
    pub fn label(self) -> &'static str {
        match self {
            MailStatus::Pending => "待发送",
            MailStatus::Sending => "发送中",
            MailStatus::Sent => "已发送",
            MailStatus::Failed => "发送失败",
        }
    }
}

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum MailKind {
    /// 征求意见函
    Invitation,
    /// The reminder before a department's deadline.
    Reminder,
    /// A citizen's 回执.
    Receipt,
    /// Tells a citizen the feedback is published.
    FeedbackNotice,
}

crate::stored_as_text!(MailKind {
    Invitation => "invitation",
    Reminder => "reminder",
    Receipt => "receipt",
    FeedbackNotice => "feedback_notice",
});

impl MailKind {
    pub fn label(self) -> &'static str {
        match self {
            MailKind::Invitation => "征求意见函",
            MailKind::Reminder => "反馈提醒",
            MailKind::Receipt => "意见回执",
            MailKind::FeedbackNotice => "反馈结果通知",
        }
    }
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = outbox)]
pub struct OutboxMail {
    pub id: OutboxId,
    pub kind: MailKind,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub kind: MailKind,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

impl NewMail {
    /// Queues the mail in the caller's transaction.
    pub fn enqueue(&self, conn: &mut Conn, now: NaiveDateTime) -> QueryResult<()> {
        diesel::insert_into(outbox::table)
            .values((
                outbox::kind.eq(self.kind),
                outbox::recipient.eq(&self.recipient),
                outbox::subject.eq(&self.subject),
                outbox::body.eq(&self.body),
                outbox::status.eq(MailStatus::Pending),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
                outbox::created_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ())
    }
}

/// Waiting time before attempt `n + 1`: 30 s, 1 min, 2 min … at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 7) as u32;
    Duration::seconds((30 * 2i64.pow(exponent)).min(3600))
}

impl OutboxMail {
    /// Takes up to `limit` due mails for delivery. Each is leased with a conditional
    /// update, so two instances never send the same mail; a lease that expires (the
    /// instance died mid-send) makes the mail due again.
    pub fn claim_due(conn: &mut Conn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<OutboxMail>> {
        let due_statuses = [MailStatus::Pending, MailStatus::Sending];
        let candidates: Vec<OutboxId> = outbox::table
            .filter(outbox::status.eq_any(due_statuses))
            .filter(outbox::next_attempt_at.le(now))
            .order(outbox::next_attempt_at.asc())
            .limit(limit)
            .select(outbox::id)
            .load(conn)?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for id in candidates {
            let taken = diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::status.eq_any(due_statuses))
                    .filter(outbox::next_attempt_at.le(now)),
            )
            .set((
                outbox::status.eq(MailStatus::Sending),
                outbox::next_attempt_at.eq(now + Duration::seconds(LEASE_SECONDS)),
            ))
            .execute(conn)?;
            if taken == 1 {
                claimed.push(outbox::table.find(id).select(OutboxMail::as_select()).first(conn)?);
            }
        }
        Ok(claimed)
    }

    /// Marks a mail delivered; the working links it held are removed from the stored copy.
    pub fn mark_sent(conn: &mut Conn, mail: &OutboxMail, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(outbox::table.find(mail.id))
            .set((
                outbox::body.eq(crate::links::redact_links(&mail.body)),
                outbox::status.eq(MailStatus::Sent),
                outbox::sent_at.eq(now),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// Records a failed attempt: due again after a backoff, or `failed` after `max_attempts`.
    pub fn mark_attempt_failed(
        conn: &mut Conn,
        mail: &OutboxMail,
        error: &str,
        now: NaiveDateTime,
        max_attempts: i32,
    ) -> QueryResult<MailStatus> {
        let attempts = mail.attempts + 1;
        let status = if attempts >= max_attempts { MailStatus::Failed } else { MailStatus::Pending };
        diesel::update(outbox::table.find(mail.id))
            .set((
                outbox::status.eq(status),
                outbox::attempts.eq(attempts),
                outbox::next_attempt_at.eq(now + backoff(attempts - 1)),
                outbox::last_error.eq(error.chars().take(1000).collect::<String>()),
            ))
            .execute(conn)?;
        Ok(status)
    }

    /// Staff ask for a failed mail to be sent again: due now, with a fresh set of attempts.
    pub fn retry(conn: &mut Conn, id: OutboxId, now: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(outbox::table.find(id).filter(outbox::status.eq(MailStatus::Failed)))
            .set((outbox::status.eq(MailStatus::Pending), outbox::attempts.eq(0), outbox::next_attempt_at.eq(now)))
            .execute(conn)
    }

    /// Mails that are not (yet) delivered, newest first.
    pub fn undelivered(conn: &mut Conn, limit: i64) -> QueryResult<Vec<OutboxMail>> {
        outbox::table
            .filter(outbox::status.ne(MailStatus::Sent))
            .order(outbox::id.desc())
            .limit(limit)
            .select(OutboxMail::as_select())
            .load(conn)
    }

    /// Deletes delivered mail older than `days` (it holds addresses). Returns how many.
    pub fn purge_delivered(conn: &mut Conn, now: NaiveDateTime, days: i64) -> QueryResult<usize> {
        diesel::delete(
            outbox::table
                .filter(outbox::status.eq(MailStatus::Sent))
                .filter(outbox::sent_at.lt(now - Duration::days(days))),
        )
        .execute(conn)
    }

    pub fn all_to(conn: &mut Conn, recipient: &str) -> QueryResult<Vec<OutboxMail>> {
        outbox::table
            .filter(outbox::recipient.eq(recipient))
            .order(outbox::id.asc())
            .select(OutboxMail::as_select())
            .load(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(240));
        assert_eq!(backoff(20), Duration::seconds(3600));
    }
}
