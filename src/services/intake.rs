//! Entering an opinion that arrived by letter, fax, e-mail, at a meeting or by phone, on
//! behalf of a department or a person, with the scanned letter when there is one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{invitations, opinions};
use crate::db::{Conn, write_tx};
use crate::domain::ids::{AttachmentId, ConsultationId, OpinionId, SectionId};
use crate::domain::intake::IntakeOpinion;
use crate::domain::source::Source;
use crate::error::AppError;
use crate::models::attachment::{Attachment, StoredFile};
use crate::models::department::Department;
use crate::models::invitation::{Invitation, Reply};
use crate::models::opinion::NewOpinion;
use crate::text::normalise::fingerprint;

/// An offline opinion with everything resolved against the database.
pub struct OfflineEntry<'a> {
    pub consultation_id: ConsultationId,
    pub opinion: &'a IntakeOpinion,
    /// The department it is entered for, when it is not a person's.
    pub department: Option<&'a Department>,
    pub section_id: Option<SectionId>,
    /// When it was received (the day, as a timestamp).
    pub received_at: NaiveDateTime,
    pub now: NaiveDateTime,
}

/// What was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub opinion: OpinionId,
    pub attachment: Option<AttachmentId>,
}

impl OfflineEntry<'_> {
    /// Stores the opinion, counted, with the new scanned letter (`file`) or the one the
    /// opinion refers to, all in one transaction. An opinion entered for an invited
    /// department joins that department's reply: it is numbered after the reply's
    /// opinions, and an invitation without an answer counts as answered with opinions.
    pub fn record(&self, conn: &mut Conn, file: Option<&StoredFile>) -> Result<Recorded, AppError> {
        write_tx(conn, |conn| {
            let attachment = match (file, self.opinion.attachment) {
                (Some(file), _) => Some(file.insert(conn, self.consultation_id, self.now)?),
                (None, Some(id)) => Some(Attachment::find_in(conn, self.consultation_id, id)?.id),
                (None, None) => None,
            };
            let invitation = match self.department {
                Some(d) => Invitation::for_department(conn, self.consultation_id, d.id)?,
                None => None,
            };
            // A letter belongs to the round its department was invited to, else to the latest.
            let round_no = match &invitation {
                Some(invitation) => invitation.round_no,
                None => crate::models::round::Round::current_number(conn, self.consultation_id)?,
            };
            let seq = match &invitation {
                Some(invitation) => Some(next_seq(conn, invitation)?),
                None => None,
            };
            let o = self.opinion;
            let author_name = self.department.map_or_else(
                || match &o.sender {
                    crate::domain::intake::Sender::Person(name) => name.as_str(),
                    crate::domain::intake::Sender::Department(_) => "",
                },
                |d| d.name.as_str(),
            );
            let source = if self.department.is_some() { Source::Department } else { Source::Offline };
            let opinion = NewOpinion {
                consultation_id: self.consultation_id,
                section_id: self.section_id,
                source,
                channel: o.channel,
                author_name: author_name.into(),
                contact: o.contact.as_ref().map(|c| c.as_str().into()),
                contact_kind: o.contact.as_ref().map(|c| c.kind()),
                body: (&o.body).into(),
                original_text: o.original.as_deref().map(Into::into),
                proposed_text: o.proposed.as_deref().map(Into::into),
                receipt_code: None,
                client_hash: None,
                dedupe_key: None,
                fingerprint: fingerprint(&o.body).into(),
                flagged: false,
                flag_reason: None,
                received_at: self.received_at,
                created_at: self.now,
                department_id: self.department.map(|d| d.id),
                invitation_id: invitation.as_ref().map(|i| i.id),
                seq,
                attachment_id: attachment,
                round_no,
            }
            .insert_counted(conn)?;
            if let Some(invitation) = &invitation {
                mark_answered(conn, invitation, self.received_at, self.now)?;
            }
            Ok(Recorded { opinion, attachment })
        })
    }
}

fn next_seq(conn: &mut Conn, invitation: &Invitation) -> QueryResult<i32> {
    let max: Option<i32> = opinions::table
        .filter(opinions::invitation_id.eq(invitation.id))
        .select(diesel::dsl::max(opinions::seq))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// A reply holding opinions now: 已反馈意见, first answered when the letter arrived.
fn mark_answered(
    conn: &mut Conn,
    invitation: &Invitation,
    received_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let responded_at = invitation.responded_at.map_or(received_at, |at| at.min(received_at));
    diesel::update(invitations::table.find(invitation.id))
        .set((
            invitations::reply.eq(Reply::Opinions),
            invitations::responded_at.eq(responded_at),
            invitations::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}
