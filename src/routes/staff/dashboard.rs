//! The staff dashboard: the consultations this user manages (an administrator: all).

use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::{DateTime, Days, Utc};

use super::StaffChrome;
use crate::auth::StaffUser;
use crate::db;
use crate::domain::window::{Status, china_today};
use crate::error::AppError;
use crate::models::Consultation;
use crate::models::invitation::Invitation;
use crate::routes::render;
use crate::state::AppState;

/// One consultation as the dashboard lists it.
pub struct DashboardRow {
    pub manage_url: String,
    pub public_url: Option<String>,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status_label: &'static str,
    pub status_css: &'static str,
    pub published: bool,
    pub opinion_count: i32,
    pub owner_name: Option<String>,
    /// Closed for longer than the allowed delay without published feedback.
    pub feedback_overdue: bool,
    /// Invited departments that have not answered yet (their deadline not passed).
    pub departments_pending: i64,
}

impl DashboardRow {
    fn new(c: &Consultation, owner_name: Option<String>, now: DateTime<Utc>, overdue_days: i64) -> DashboardRow {
        let status = c.status(now);
        let due = c.ends_on.checked_add_days(Days::new(overdue_days.max(0) as u64)).unwrap_or(c.ends_on);
        DashboardRow {
            manage_url: format!("/staff/consultations/{}", c.id),
            public_url: c.is_published().then(|| format!("/consultations/{}", c.id)),
            title: c.title.clone(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            status_label: status.label(),
            status_css: status.css(),
            published: c.is_published(),
            opinion_count: c.opinion_count,
            owner_name,
            feedback_overdue: status == Status::Closed && c.is_published() && china_today(now) > due,
            departments_pending: 0,
        }
    }
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    staff: StaffChrome,
    rows: Vec<DashboardRow>,
    overdue_days: i64,
}

#[get("")]
pub async fn index(state: web::Data<AppState>, staff: StaffUser) -> Result<HttpResponse, AppError> {
    let access = staff.access.clone();
    let (listed, pending) = db::run(&state.pool, move |conn| {
        Ok((Consultation::list_managed_by(conn, &access)?, Invitation::pending_counts(conn)?))
    })
    .await?;
    let now = Utc::now();
    let overdue_days = state.settings.feedback_overdue_days;
    let rows = listed
        .into_iter()
        .map(|(c, owner)| DashboardRow {
            departments_pending: pending.iter().find(|(id, _)| *id == c.id).map_or(0, |(_, n)| *n),
            ..DashboardRow::new(&c, owner, now, overdue_days)
        })
        .collect();
    render(&DashboardPage { staff: StaffChrome::new(&staff), rows, overdue_days })
}
