//! Inviting departments to comment (书面征求意见): the invitation, its link token and the
//! 征求意见函 to every address of the department, in one transaction; and new links later.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::invitations;
use crate::db::{Conn, write_tx};
use crate::domain::ids::{ConsultationId, DepartmentId, InvitationId};
use crate::error::AppError;
use crate::models::department::Department;
use crate::models::invitation::{Invitation, Letter, TokenPurpose};
use crate::models::outbox::NewMail;

/// Invites each department not yet invited to the consultation's latest round: an
/// invitation, a link token and the letter to every address of the department, all in one
/// transaction. `letter` composes the mail for a department and its link. Returns the new
/// invitations.
pub fn invite(
    conn: &mut Conn,
    consultation_id: ConsultationId,
    departments: &[Department],
    deadline: NaiveDate,
    now: NaiveDateTime,
    letter: impl Fn(&Department, &str) -> Vec<NewMail>,
) -> Result<Vec<InvitationId>, AppError> {
    write_tx(conn, |conn| {
        let round_no = crate::models::round::Round::current_number(conn, consultation_id)?;
        let already: Vec<DepartmentId> = invitations::table
            .filter(invitations::consultation_id.eq(consultation_id))
            .filter(invitations::round_no.eq(round_no))
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
                    invitations::round_no.eq(round_no),
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
