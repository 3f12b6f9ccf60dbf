//! Time-driven work of the review round: one reminder before a department's deadline,
//! and silence past the deadline recorded as 逾期未反馈（视为无意见）. Safe to run on
//! several instances at once: each step is a conditional update that only one wins.

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{consultations, departments, invitations};
use crate::db::{Conn, write_tx};
use crate::domain::ids::InvitationId;
use crate::domain::window::{china_date, china_today};
use crate::emails::ReminderMail;
use crate::error::AppError;
use crate::links::reply_url;
use crate::models::Consultation;
use crate::models::department::Department;
use crate::models::invitation::{Invitation, TokenPurpose};

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JobReport {
    pub reminders: usize,
    pub overdue: usize,
}

/// Runs every job that is due at `now`.
pub fn run_due(
    conn: &mut Conn,
    now: DateTime<Utc>,
    reminder_days: i64,
    public_url: &str,
) -> Result<JobReport, AppError> {
    Ok(JobReport {
        reminders: send_reminders(conn, now, reminder_days, public_url)?,
        overdue: mark_overdue(conn, now)?,
    })
}

/// Queues one reminder to each unanswered department whose deadline is within
/// `days` days (and not past), with a fresh link. Each invitation is reminded once, and
/// only if it was sent before that stretch began: a department invited with less time
/// than that has just read its letter.
pub fn send_reminders(conn: &mut Conn, now: DateTime<Utc>, days: i64, public_url: &str) -> Result<usize, AppError> {
    let today = china_today(now);
    let days = Days::new(days.max(0) as u64);
    let horizon = today.checked_add_days(days).unwrap_or(today);
    let invited_before_reminding = |invited_at: NaiveDateTime, deadline: NaiveDate| {
        deadline.checked_sub_days(days).is_some_and(|starts| china_date(invited_at) < starts)
    };
    let due: Vec<(InvitationId, Department, Consultation, NaiveDate, NaiveDateTime)> = invitations::table
        .inner_join(departments::table)
        .inner_join(consultations::table)
        .filter(invitations::responded_at.is_null())
        .filter(invitations::reminded_at.is_null())
        .filter(invitations::overdue_at.is_null())
        .filter(invitations::deadline.ge(today))
        .filter(invitations::deadline.le(horizon))
        .filter(departments::emails.ne(""))
        .select((
            invitations::id,
            Department::as_select(),
            Consultation::as_select(),
            invitations::deadline,
            invitations::invited_at,
        ))
        .load(conn)?;
    let mut sent = 0;
    let naive_now = now.naive_utc();
    for (id, department, consultation, deadline, _) in
        due.into_iter().filter(|(.., deadline, invited_at)| invited_before_reminding(*invited_at, *deadline))
    {
        let reminded = write_tx(conn, |conn| {
            let won = diesel::update(invitations::table.find(id).filter(invitations::reminded_at.is_null()))
                .set(invitations::reminded_at.eq(naive_now))
                .execute(conn)?;
            if won == 0 {
                return Ok(false);
            }
            let token = Invitation::add_token(conn, id, TokenPurpose::Reminder, naive_now)?;
            let draft = crate::models::Draft::name_for(conn, &consultation)?;
            let mail = ReminderMail {
                department: &department.name,
                draft: &draft,
                issuer: &consultation.issuer,
                deadline: &deadline.to_string(),
                link: &reply_url(public_url, &token),
                date: &today.to_string(),
            };
            for message in mail.to_mails(&department.email_list())? {
                message.enqueue(conn, naive_now)?;
            }
            Ok(true)
        })?;
        sent += usize::from(reminded);
    }
    Ok(sent)
}

/// Records every invitation whose deadline has passed without an answer as overdue.
pub fn mark_overdue(conn: &mut Conn, now: DateTime<Utc>) -> Result<usize, AppError> {
    let today = china_today(now);
    Ok(diesel::update(
        invitations::table
            .filter(invitations::responded_at.is_null())
            .filter(invitations::overdue_at.is_null())
            .filter(invitations::deadline.lt(today)),
    )
    .set((invitations::overdue_at.eq(now.naive_utc()), invitations::updated_at.eq(now.naive_utc())))
    .execute(conn)?)
}
