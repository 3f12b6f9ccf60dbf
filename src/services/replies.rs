//! Recording a department's reply (its numbered opinions, or 无意见) in one transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::invitations;
use crate::db::{Conn, write_tx};
use crate::domain::department_reply::{DepartmentReply, ReplyContent};
use crate::domain::source::{Channel, Source};
use crate::error::AppError;
use crate::models::department::Department;
use crate::models::invitation::{Invitation, Reply};
use crate::models::opinion::{NewOpinion, Opinion};
use crate::text::normalise::fingerprint;

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
        let (existing, others): (Vec<Opinion>, Vec<Opinion>) = all.iter().cloned().partition(|o| o.channel == channel);
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
                author_name: (&department.name).into(),
                contact: Some(reply.contact_phone.as_str().into()),
                contact_kind: Some(reply.contact_phone.kind()),
                body: (&point.body).into(),
                original_text: point.original.as_deref().map(Into::into),
                proposed_text: point.proposed.as_deref().map(Into::into),
                receipt_code: None,
                client_hash: None,
                dedupe_key: None,
                fingerprint: fingerprint(&point.body).into(),
                flagged: false,
                flag_reason: None,
                received_at: now,
                created_at: now,
                department_id: Some(department.id),
                invitation_id: Some(invitation.id),
                seq: Some(seq),
                attachment_id: None,
                round_no: invitation.round_no,
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
