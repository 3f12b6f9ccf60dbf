//! A department's invitation to comment on a consultation (征求意见函), its link tokens
//! (stored only as hashes) and its reply: opinions, 无意见, or silence past the deadline.

use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::{departments, invitation_tokens, invitations, opinions};
use crate::db::{Conn, write_tx};
use crate::domain::department_reply::{DepartmentReply, ReplyContent};
use crate::domain::ids::{ConsultationId, DepartmentId, InvitationId};
use crate::domain::source::{Channel, Source};
use crate::domain::window::china_today;
use crate::error::AppError;
use crate::exports::QuietDepartment;
use crate::models::department::Department;
use crate::models::opinion::{NewOpinion, Opinion};
use crate::models::outbox::NewMail;
use crate::text::normalise::fingerprint;

/// Where a department's reply stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyState {
    /// 未反馈 (the deadline has not passed).
    Pending,
    /// 已反馈意见
    Opinions,
    /// 无意见
    NoOpinion,
    /// 逾期未反馈（视为无意见）
    Overdue,
}

impl ReplyState {
    pub fn label(self) -> &'static str {
        match self {
            ReplyState::Pending => "未反馈",
            ReplyState::Opinions => "已反馈意见",
            ReplyState::NoOpinion => "无意见",
            ReplyState::Overdue => "逾期未反馈（视为无意见）",
        }
    }

    pub fn css(self) -> &'static str {
        match self {
            ReplyState::Pending => "scheduled",
            ReplyState::Opinions => "open",
            ReplyState::NoOpinion => "feedback",
            ReplyState::Overdue => "closed",
        }
    }

    /// Whether this counts as an answer (无意见 and silence count as no comment).
    pub fn answered(self) -> bool {
        matches!(self, ReplyState::Opinions | ReplyState::NoOpinion)
    }
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: InvitationId,
    pub consultation_id: ConsultationId,
    pub department_id: DepartmentId,
    pub position: i32,
    pub deadline: NaiveDate,
    pub invited_at: NaiveDateTime,
    pub reminded_at: Option<NaiveDateTime>,
    pub responded_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub reply: Option<Reply>,
    pub reply_contact_person: Option<String>,
    pub reply_contact_phone: Option<String>,
    pub overdue_at: Option<NaiveDateTime>,
}

/// Why a token was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum TokenPurpose {
    Invitation,
    Reminder,
    Resend,
}

crate::stored_as_text!(TokenPurpose { Invitation => "invitation", Reminder => "reminder", Resend => "resend" });

/// What a department answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Reply {
    /// 已反馈意见
    Opinions,
    /// 无意见
    NoOpinion,
}

crate::stored_as_text!(Reply { Opinions => "opinions", NoOpinion => "no_opinion" });

/// A new link token: the raw value goes into the mail, only its hash is stored.
pub fn new_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub fn hash_token(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

impl Invitation {
    pub fn state(&self) -> ReplyState {
        match self.reply {
            Some(Reply::Opinions) => ReplyState::Opinions,
            Some(Reply::NoOpinion) => ReplyState::NoOpinion,
            _ if self.overdue_at.is_some() => ReplyState::Overdue,
            _ => ReplyState::Pending,
        }
    }

    /// Replies are accepted until the end of the deadline day, China time.
    pub fn accepts_replies(&self, now: DateTime<Utc>) -> bool {
        china_today(now) <= self.deadline
    }

    pub fn find(conn: &mut Conn, id: InvitationId) -> QueryResult<Invitation> {
        invitations::table.find(id).select(Invitation::as_select()).first(conn)
    }

    /// The invitation a link token belongs to.
    pub fn find_by_token(conn: &mut Conn, raw: &str) -> QueryResult<Option<Invitation>> {
        invitations::table
            .inner_join(invitation_tokens::table)
            .filter(invitation_tokens::token_hash.eq(hash_token(raw)))
            .select(Invitation::as_select())
            .first(conn)
            .optional()
    }

    /// A consultation's invitations with their departments, in invitation order.
    pub fn with_departments(conn: &mut Conn, id: ConsultationId) -> QueryResult<Vec<(Invitation, Department)>> {
        invitations::table
            .inner_join(departments::table)
            .filter(invitations::consultation_id.eq(id))
            .order((invitations::position.asc(), invitations::id.asc()))
            .select((Invitation::as_select(), Department::as_select()))
            .load(conn)
    }

    /// The departments consulted on `id` that sent no opinion (无意见, or silent past the
    /// deadline), in invitation order: the tables account for them too.
    pub fn quiet_departments(conn: &mut Conn, id: ConsultationId) -> QueryResult<Vec<QuietDepartment>> {
        let all = Invitation::with_departments(conn, id)?;
        Ok(all
            .into_iter()
            .filter_map(|(invitation, department)| match invitation.state() {
                ReplyState::NoOpinion => Some(QuietDepartment { name: department.name, overdue: false }),
                ReplyState::Overdue => Some(QuietDepartment { name: department.name, overdue: true }),
                ReplyState::Pending | ReplyState::Opinions => None,
            })
            .collect())
    }

    /// The opinions of this reply, in their numbered order.
    pub fn opinions(&self, conn: &mut Conn) -> QueryResult<Vec<Opinion>> {
        opinions::table
            .filter(opinions::invitation_id.eq(self.id))
            .order((opinions::seq.asc(), opinions::id.asc()))
            .select(Opinion::as_select())
            .load(conn)
    }

    /// Stores a new link token for this invitation (in the caller's transaction).
    pub fn add_token(
        conn: &mut Conn,
        id: InvitationId,
        purpose: TokenPurpose,
        now: NaiveDateTime,
    ) -> QueryResult<String> {
        let raw = new_token();
        diesel::insert_into(invitation_tokens::table)
            .values((
                invitation_tokens::invitation_id.eq(id),
                invitation_tokens::token_hash.eq(hash_token(&raw)),
                invitation_tokens::purpose.eq(purpose),
                invitation_tokens::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(raw)
    }

    /// Invites each department not yet invited: an invitation, a link token and the
    /// letter to every address of the department, all in one transaction. `letter`
    /// composes the mail for a department and its link. Returns the new invitations.
    pub fn invite(
        conn: &mut Conn,
        consultation_id: ConsultationId,
        departments: &[Department],
        deadline: NaiveDate,
        now: NaiveDateTime,
        letter: impl Fn(&Department, &str) -> Vec<NewMail>,
    ) -> Result<Vec<InvitationId>, AppError> {
        write_tx(conn, |conn| {
            let already: Vec<DepartmentId> = invitations::table
                .filter(invitations::consultation_id.eq(consultation_id))
                .select(invitations::department_id)
                .load(conn)?;
            let mut created = Vec::new();
            let new = departments.iter().filter(|d| !already.contains(&d.id));
            for (position, department) in (already.len() as i32..).zip(new) {
                let id: InvitationId = crate::insert_returning!(
                    conn,
                    invitations::table,
                    (
                        invitations::consultation_id.eq(consultation_id),
                        invitations::department_id.eq(department.id),
                        invitations::position.eq(position),
                        invitations::deadline.eq(deadline),
                        invitations::invited_at.eq(now),
                        invitations::updated_at.eq(now),
                    ),
                    invitations::id
                )?;
                let token = Invitation::add_token(conn, id, TokenPurpose::Invitation, now)?;
                for mail in letter(department, &token) {
                    mail.enqueue(conn, now)?;
                }
                created.push(id);
            }
            Ok(created)
        })
    }

    /// Records a department's reply, replacing its earlier one. Opinions are kept by
    /// number: an unchanged one keeps its id and any decision already made on it; a
    /// changed one loses its decision; surplus ones are removed.
    pub fn record_reply(
        conn: &mut Conn,
        invitation: &Invitation,
        department: &Department,
        reply: &DepartmentReply,
        channel: Channel,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        write_tx(conn, |conn| {
            // The form manages the opinions sent through it; opinions staff entered from
            // the department's letters stay as they are, numbered after the others.
            let all = invitation.opinions(conn)?;
            let (existing, others): (Vec<Opinion>, Vec<Opinion>) =
                all.iter().cloned().partition(|o| o.channel == channel);
            let mut next_seq = all.iter().filter_map(|o| o.seq).max().unwrap_or(0) + 1;
            let points = match &reply.content {
                ReplyContent::Opinions(points) => points.as_slice(),
                ReplyContent::NoOpinion => &[],
            };
            for (index, point) in points.iter().enumerate() {
                let seq = match existing.get(index).and_then(|o| o.seq) {
                    Some(seq) => seq,
                    None => {
                        next_seq += 1;
                        next_seq - 1
                    }
                };
                let new = NewOpinion {
                    consultation_id: invitation.consultation_id,
                    section_id: point.section_id,
                    source: Source::Department,
                    channel,
                    author_name: &department.name,
                    contact: Some(reply.contact_phone.as_str()),
                    contact_kind: Some(reply.contact_phone.kind()),
                    body: &point.body,
                    original_text: point.original.as_deref(),
                    proposed_text: point.proposed.as_deref(),
                    receipt_code: None,
                    client_hash: None,
                    dedupe_key: None,
                    fingerprint: &fingerprint(&point.body),
                    flagged: false,
                    flag_reason: None,
                    received_at: now,
                    created_at: now,
                    department_id: Some(department.id),
                    invitation_id: Some(invitation.id),
                    seq: Some(seq),
                    attachment_id: None,
                };
                match existing.get(index) {
                    Some(old) if old.same_content(&new) => {}
                    Some(old) => old.replace_content(conn, &new)?,
                    None => {
                        new.insert_counted(conn)?;
                    }
                }
            }
            for surplus in existing.iter().skip(points.len()) {
                surplus.delete_counted(conn)?;
            }
            let kind = if points.is_empty() && others.is_empty() { Reply::NoOpinion } else { Reply::Opinions };
            diesel::update(invitations::table.find(invitation.id))
                .set((
                    invitations::reply.eq(kind),
                    invitations::reply_contact_person.eq(&reply.contact_person),
                    invitations::reply_contact_phone.eq(reply.contact_phone.as_str()),
                    invitations::responded_at.eq(invitation.responded_at.unwrap_or(now)),
                    invitations::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(())
        })
    }
}

/// A consultation's invitation as the staff dashboard shows it.
#[derive(Debug, Clone)]
pub struct InvitationStatus {
    pub invitation: Invitation,
    pub department: Department,
    /// Opinions on record for this department's reply, from every channel.
    pub opinions: i64,
}

/// The counts above the dashboard's table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundCounts {
    pub consulted: usize,
    pub opinions: usize,
    pub no_opinion: usize,
    pub pending: usize,
    pub overdue: usize,
}

impl RoundCounts {
    pub fn of(rows: &[InvitationStatus]) -> RoundCounts {
        let mut counts = RoundCounts { consulted: rows.len(), ..RoundCounts::default() };
        for row in rows {
            match row.invitation.state() {
                ReplyState::Opinions => counts.opinions += 1,
                ReplyState::NoOpinion => counts.no_opinion += 1,
                ReplyState::Pending => counts.pending += 1,
                ReplyState::Overdue => counts.overdue += 1,
            }
        }
        counts
    }
}

/// Composes the letter to a department for a link token.
pub type Letter<'a> = &'a dyn Fn(&str) -> Vec<NewMail>;

/// Staff-side queries and actions of the review round.
impl Invitation {
    /// Every invitation of a consultation with its department and its number of opinions.
    pub fn statuses(conn: &mut Conn, id: ConsultationId) -> QueryResult<Vec<InvitationStatus>> {
        let counts: Vec<(Option<InvitationId>, i64)> = opinions::table
            .filter(opinions::consultation_id.eq(id))
            .filter(opinions::invitation_id.is_not_null())
            .group_by(opinions::invitation_id)
            .select((opinions::invitation_id, diesel::dsl::count_star()))
            .load(conn)?;
        Ok(Invitation::with_departments(conn, id)?
            .into_iter()
            .map(|(invitation, department)| {
                let opinions = counts.iter().find(|(i, _)| *i == Some(invitation.id)).map_or(0, |(_, n)| *n);
                InvitationStatus { invitation, department, opinions }
            })
            .collect())
    }

    /// The department's invitation to this consultation, if it was invited.
    pub fn for_department(
        conn: &mut Conn,
        consultation: ConsultationId,
        department: DepartmentId,
    ) -> QueryResult<Option<Invitation>> {
        invitations::table
            .filter(invitations::consultation_id.eq(consultation))
            .filter(invitations::department_id.eq(department))
            .select(Invitation::as_select())
            .first(conn)
            .optional()
    }

    /// How many departments have not answered yet (and are not past their deadline),
    /// per consultation that has any.
    pub fn pending_counts(conn: &mut Conn) -> QueryResult<Vec<(ConsultationId, i64)>> {
        invitations::table
            .filter(invitations::responded_at.is_null())
            .filter(invitations::overdue_at.is_null())
            .group_by(invitations::consultation_id)
            .select((invitations::consultation_id, diesel::dsl::count_star()))
            .load(conn)
    }

    /// A new link for this invitation (earlier links keep working). With `letter`, the
    /// 征求意见函 is queued again to the department's addresses with the new link, in
    /// the same transaction. Returns the link's token, which is stored only as a hash.
    pub fn issue_link(
        conn: &mut Conn,
        invitation: &Invitation,
        letter: Option<Letter<'_>>,
        now: NaiveDateTime,
    ) -> Result<String, AppError> {
        write_tx(conn, |conn| {
            let token = Invitation::add_token(conn, invitation.id, TokenPurpose::Resend, now)?;
            if let Some(letter) = letter {
                for mail in letter(&token) {
                    mail.enqueue(conn, now)?;
                }
            }
            Ok(token)
        })
    }
}
