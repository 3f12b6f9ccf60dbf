//! Notices on paper: a published consultation's QR code (SVG and PNG) and a printable A4
//! notice with the title, issuer, window, how to comment and the QR code, for notice boards
//! in communities and service halls. Every address is absolute, from the public URL.

use actix_web::http::header::{CacheControl, CacheDirective, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::Utc;

use crate::db;
use crate::domain::ids::ConsultationId;
use crate::domain::window::Status;
use crate::error::AppError;
use crate::links::consultation_url;
use crate::models::Consultation;
use crate::models::agency::Agency;
use crate::qr::Qr;
use crate::routes::views::{ConsultationView, paragraphs};
use crate::state::AppState;

/// A day: the code only changes with the public URL, which changes with a redeployment.
const QR_MAX_AGE: u32 = 86_400;

/// The published consultation's absolute address (404 for an unpublished one).
async fn published(state: &AppState, id: ConsultationId) -> Result<(Consultation, Agency, String), AppError> {
    let (consultation, agency) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find_published(conn, id)?;
        let agency = Agency::find(conn, consultation.agency_id)?;
        Ok((consultation, agency))
    })
    .await?;
    let url = consultation_url(&state.settings.public_url, id);
    Ok((consultation, agency, url))
}

/// What a screen reader says for the code.
fn qr_label(url: &str) -> String {
    format!("二维码：{url}")
}

fn qr_response(content_type: &str, file_name: String) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder
        .content_type(content_type)
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(QR_MAX_AGE)]))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Inline,
            parameters: vec![DispositionParam::Filename(file_name)],
        });
    builder
}

#[get("/{id}/qr.svg")]
pub async fn qr_svg(state: web::Data<AppState>, id: web::Path<ConsultationId>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (_, _, url) = published(&state, id).await?;
    let svg = Qr::encode(&url).map_err(AppError::Internal)?.svg(&qr_label(&url));
    Ok(qr_response("image/svg+xml", format!("consultation-{id}-qr.svg")).body(svg))
}

#[get("/{id}/qr.png")]
pub async fn qr_png(state: web::Data<AppState>, id: web::Path<ConsultationId>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (_, _, url) = published(&state, id).await?;
    let png = Qr::encode(&url).and_then(|qr| qr.png()).map_err(AppError::Internal)?;
    Ok(qr_response("image/png", format!("consultation-{id}-qr.png")).body(png))
}

#[derive(Template)]
#[template(path = "consultations/notice.html")]
struct NoticePage {
    c: ConsultationView,
    /// The window's length in days.
    days: i64,
    /// The agency the consultation belongs to, when its name is not the issuer's.
    agency: Option<String>,
    /// The agency's public contact details (address, telephone …), if it gave any.
    contact: Vec<String>,
    /// The drafter's own words on how to comment (letters, e-mail …), if any.
    how_to: Vec<String>,
    /// The absolute address of the consultation's page, which the code holds.
    page_url: String,
    /// The code, inline: it prints as sharp as the text.
    code_svg: String,
    closed: bool,
}

/// The printable notice: one A4 sheet.
#[get("/{id}/notice")]
pub async fn notice(state: web::Data<AppState>, id: web::Path<ConsultationId>) -> Result<HttpResponse, AppError> {
    let (consultation, agency, page_url) = published(&state, id.into_inner()).await?;
    let code_svg = Qr::encode(&page_url).map_err(AppError::Internal)?.svg(&qr_label(&page_url));
    let c = ConsultationView::new(&consultation, Utc::now());
    let page = NoticePage {
        days: consultation.window().days(),
        agency: Some(agency.name).filter(|name| name.trim() != consultation.issuer.trim()),
        contact: paragraphs(&agency.contact),
        how_to: paragraphs(&consultation.how_to_comment),
        closed: matches!(c.status, Status::Closed | Status::FeedbackPublished),
        page_url,
        code_svg,
        c,
    };
    crate::routes::render(&page)
}
