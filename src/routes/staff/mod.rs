//! Staff pages (工作人员): login, the dashboard, consultations and their drafts, accounts,
//! the department directory, the review round, offline intake and the mail outbox.

pub mod accounts;
pub mod agencies;
pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod change_table;
pub mod consultations;
pub mod dashboard;
pub mod departments;
pub mod drafts;
pub mod feedback;
pub mod groups;
pub mod intake;
pub mod invitations;
pub mod login;
pub mod mail;
pub mod opinion;
pub mod opinion_view;
pub mod outline;
pub mod review;
pub mod review_charts;
pub mod versions;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

use crate::auth::{Flash, StaffUser};
use crate::error::AppError;

/// What every staff page shows around its content: who is logged in, the staff
/// navigation, a one-time message, and the CSRF token for its forms.
pub struct StaffChrome {
    pub display_name: String,
    pub role_label: &'static str,
    pub is_admin: bool,
    pub csrf: String,
    pub flash: Option<Flash>,
}

impl StaffChrome {
    /// Takes the session's one-time message, if any: it is shown on this page only.
    pub fn new(staff: &StaffUser) -> StaffChrome {
        StaffChrome {
            display_name: staff.user.display_name.clone(),
            role_label: staff.user.role.label(),
            is_admin: staff.user.is_admin(),
            csrf: staff.csrf.clone(),
            flash: staff.session.take_flash(),
        }
    }
}

/// Adds a line to the staff audit log: `actor` (`None` for a failed login, with the name as typed)
/// did `action` to `subject`.
pub async fn audit(
    state: &crate::state::AppState,
    actor: Option<(crate::domain::ids::UserId, String)>,
    typed_name: &str,
    action: crate::models::audit::AuditAction,
    subject: String,
) -> Result<(), AppError> {
    let (id, name) = match actor {
        Some((id, name)) => (Some(id), name),
        None => (None, typed_name.to_owned()),
    };
    let now = chrono::Utc::now().naive_utc();
    crate::db::run(&state.pool, move |conn| {
        Ok(crate::models::audit::AuditEntry::record(conn, id, &name, action, &subject, now)?)
    })
    .await
}

/// 303 See Other: where a form submission goes next (post/redirect/get).
///
/// A location that is not a plain staff path (see [`crate::auth::staff_return_path`]) becomes the
/// dashboard: never an open redirect, and never a header that cannot be written (a 500).
pub fn see_other(location: &str) -> HttpResponse {
    let location = crate::auth::staff_return_path(location).unwrap_or("/staff");
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// A form shown again with its errors (422), the typed values kept.
pub fn render_invalid<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}
