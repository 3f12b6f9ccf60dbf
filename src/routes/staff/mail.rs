//! Mail that has not gone out: administrators see why and send failed mail again.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;

use super::{StaffChrome, see_other};
use crate::auth::{AdminUser, CsrfForm, NoFields};
use crate::db;
use crate::domain::ids::OutboxId;
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::mail::delivery_description;
use crate::models::outbox::{MailStatus, OutboxMail};
use crate::routes::render;
use crate::state::AppState;

/// The page lists at most this many mails, newest first.
const LISTED: i64 = 200;

/// One undelivered mail as the page shows it.
pub struct MailRow {
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub status_label: &'static str,
    pub failed: bool,
    pub attempts: i32,
    pub next_attempt: String,
    pub last_error: String,
    pub created_at: String,
    pub retry_url: String,
}

/// What a mail is, in the words of the people who read this page.
impl MailRow {
    fn new(m: &OutboxMail) -> MailRow {
        let status = m.status;
        MailRow {
            kind: m.kind.label(),
            recipient: m.recipient.clone(),
            subject: m.subject.clone(),
            status_label: status.label(),
            failed: status == MailStatus::Failed,
            attempts: m.attempts,
            next_attempt: if status == MailStatus::Failed { String::new() } else { format_china(m.next_attempt_at) },
            last_error: m.last_error.clone().unwrap_or_default(),
            created_at: format_china(m.created_at),
            retry_url: format!("/staff/mail/{}/retry", m.id),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/mail.html")]
struct MailPage {
    staff: StaffChrome,
    delivery: String,
    max_attempts: i32,
    rows: Vec<MailRow>,
}

#[get("/mail")]
pub async fn index(state: web::Data<AppState>, admin: AdminUser) -> Result<HttpResponse, AppError> {
    let mails = db::run(&state.pool, |conn| Ok(OutboxMail::undelivered(conn, LISTED)?)).await?;
    render(&MailPage {
        staff: StaffChrome::new(&admin.0),
        delivery: delivery_description(&state.settings),
        max_attempts: state.settings.mail_max_attempts,
        rows: mails.iter().map(MailRow::new).collect(),
    })
}

#[post("/mail/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    id: web::Path<OutboxId>,
    posted: CsrfForm<NoFields, AdminUser>,
) -> Result<HttpResponse, AppError> {
    let AdminUser(admin) = posted.user;
    let id = id.into_inner();
    let now = Utc::now().naive_utc();
    let queued = db::run(&state.pool, move |conn| Ok(OutboxMail::retry(conn, id, now)?)).await?;
    if queued == 1 {
        state.mail_wakeup.notify_one();
        admin.session.flash(false, "已重新排入发送队列，系统将立即尝试发送。")?;
    } else {
        admin.session.flash(true, "这封邮件不在“发送失败”状态（可能已在发送或已发出），无需重新发送。")?;
    }
    Ok(see_other("/staff/mail"))
}
