//! A department's invitation to comment on a consultation (征求意见函), its link tokens
//! (stored only as hashes) and its reply: opinions, 无意见, or silence past the deadline.

use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::Conn;
use crate::db::schema::{departments, invitation_tokens, invitations, opinions};
use crate::domain::ids::{ConsultationId, DepartmentId, InvitationId};
use crate::domain::window::china_today;
use crate::exports::QuietDepartment;
use crate::models::department::Department;
use crate::models::opinion::Opinion;
use crate::models::outbox::NewMail;

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
    /// The round (第几次征求意见) the department was invited to.
    pub round_no: i32,
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

    /// The departments invited to a round of a consultation, in invitation order.
    pub fn departments_of_round(conn: &mut Conn, id: ConsultationId, round_no: i32) -> QueryResult<Vec<DepartmentId>> {
        invitations::table
            .filter(invitations::consultation_id.eq(id))
            .filter(invitations::round_no.eq(round_no))
            .order((invitations::position.asc(), invitations::id.asc()))
            .select(invitations::department_id)
            .load(conn)
    }

    /// A consultation's invitations with their departments, round by round in invitation order.
    pub fn with_departments(conn: &mut Conn, id: ConsultationId) -> QueryResult<Vec<(Invitation, Department)>> {
        invitations::table
            .inner_join(departments::table)
            .filter(invitations::consultation_id.eq(id))
            .order((invitations::round_no.asc(), invitations::position.asc(), invitations::id.asc()))
            .select((Invitation::as_select(), Department::as_select()))
            .load(conn)
    }

    /// The departments consulted on `id` that sent no opinion (无意见, or silent past the
    /// deadline), in invitation order: the tables account for them too.
    pub fn quiet_departments(conn: &mut Conn, id: ConsultationId) -> QueryResult<Vec<QuietDepartment>> {
        Invitation::quiet_departments_in(conn, id, None)
    }

    /// [`Invitation::quiet_departments`] of one round (`None`: every round).
    pub fn quiet_departments_in(
        conn: &mut Conn,
        id: ConsultationId,
        round: Option<i32>,
    ) -> QueryResult<Vec<QuietDepartment>> {
        let all = Invitation::with_departments(conn, id)?;
        Ok(all
            .into_iter()
            .filter(|(invitation, _)| round.is_none_or(|n| invitation.round_no == n))
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

    /// The department's invitation to this consultation's latest round it was invited to, if any.
    pub fn for_department(
        conn: &mut Conn,
        consultation: ConsultationId,
        department: DepartmentId,
    ) -> QueryResult<Option<Invitation>> {
        invitations::table
            .filter(invitations::consultation_id.eq(consultation))
            .filter(invitations::department_id.eq(department))
            .order(invitations::round_no.desc())
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
}
