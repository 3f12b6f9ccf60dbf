//! 「再次征求意见」: the rounds of a consultation and the form that opens the next one.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{Days, Utc};

use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfForm, StaffUser};
use crate::db;
use crate::domain::consultation::{RoundFields, RoundWindow};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::ConsultationId;
use crate::domain::window::{ConsultationWindow, STANDARD_PERIOD_DAYS, china_today};
use crate::error::AppError;
use crate::models::Consultation;
use crate::models::round::{RoundSummary, ordinal};
use crate::routes::render;
use crate::services::rounds;
use crate::state::AppState;

/// A round in the list.
pub struct RoundRow {
    pub name: String,
    pub window: String,
    pub version: String,
    pub version_url: String,
    pub opinions: i64,
    pub review_url: String,
}

#[derive(Template)]
#[template(path = "staff/rounds.html")]
struct RoundsPage {
    staff: StaffChrome,
    title: String,
    manage_url: String,
    rounds: Vec<RoundRow>,
    /// Why the next round cannot open now, if it cannot.
    refusal: Option<String>,
    next_name: String,
    fields: RoundFields,
    errors: FieldErrors,
    standard_days: i64,
}

async fn rounds_page(
    state: &AppState,
    staff: &StaffUser,
    c: &Consultation,
    fields: RoundFields,
    errors: FieldErrors,
) -> Result<RoundsPage, AppError> {
    let consultation = c.clone();
    let (rows, refusal) = db::run(&state.pool, move |conn| {
        let refusal = rounds::refusal(conn, &consultation, Utc::now())?;
        Ok((RoundSummary::history(conn, &consultation)?, refusal))
    })
    .await?;
    let id = c.id;
    let next = rows.len() as i32 + 1;
    Ok(RoundsPage {
        staff: StaffChrome::new(staff),
        title: c.title.clone(),
        manage_url: format!("/staff/consultations/{id}"),
        rounds: rows
            .into_iter()
            .map(|r| RoundRow {
                review_url: format!("/staff/consultations/{id}/review?round={}", r.number),
                name: ordinal(r.number),
                window: format!("{} 至 {}", r.starts_on, r.ends_on),
                version: r.version_name(),
                version_url: format!("/consultations/{id}/versions/{}", r.version_no),
                opinions: r.opinions,
            })
            .collect(),
        refusal,
        next_name: ordinal(next),
        fields,
        errors,
        standard_days: STANDARD_PERIOD_DAYS,
    })
}

#[get("/consultations/{id}/rounds")]
pub async fn list(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    let c = staff.consultation(&state, id.into_inner()).await?;
    // The default: a standard window from tomorrow, or from the day after the last round ended.
    let start = (china_today(Utc::now()) + Days::new(1)).max(c.ends_on + Days::new(1));
    let window = ConsultationWindow::standard_from(start);
    let fields = RoundFields {
        starts_on: window.starts_on().to_string(),
        ends_on: window.ends_on().to_string(),
        short_period_reason: String::new(),
    };
    render(&rounds_page(&state, &staff, &c, fields, FieldErrors::new()).await?)
}

#[post("/consultations/{id}/rounds")]
pub async fn open(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: CsrfForm<RoundFields>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form: fields } = posted;
    let c = staff.consultation(&state, id.into_inner()).await?;
    let window = match RoundWindow::try_from(&fields) {
        Ok(window) => window,
        Err(errors) => return render_invalid(&rounds_page(&state, &staff, &c, fields, errors).await?),
    };
    let id = c.id;
    let opened = db::run(&state.pool, move |conn| rounds::open_next(conn, id, &window, Utc::now())).await;
    match opened {
        Ok(Ok(number)) => {
            state.pages.forget_consultation(id);
            staff.session.flash(false, format!("已开始{}。", ordinal(number)))?;
            Ok(see_other(&format!("/staff/consultations/{id}/rounds")))
        }
        Ok(Err(errors)) => render_invalid(&rounds_page(&state, &staff, &c, fields, errors).await?),
        Err(AppError::Closed(message) | AppError::BadRequest(message)) => {
            render_invalid(&rounds_page(&state, &staff, &c, fields, FieldErrors::one("rounds", message)).await?)
        }
        Err(err) => Err(err),
    }
}
