//! Receipts: the page a citizen gets after sending an opinion, and the lookup by code.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::db;
use crate::domain::contact::ContactKind;
use crate::domain::masking::{MaskStyle, mask_name};
use crate::domain::receipt::ReceiptCode;
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::models::taken_up::SectionPlace;
use crate::models::{Consultation, Opinion, Section};
use crate::rate_limit::{self, ClientKey, Scope};
use crate::routes::views::paragraphs;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "opinions/receipt.html")]
struct ReceiptPage {
    code: String,
    submitted: bool,
    duplicate: bool,
    consultation_title: String,
    consultation_url: String,
    section_title: String,
    masked_name: String,
    received_at: String,
    status_label: &'static str,
    status_css: &'static str,
    reason: Option<String>,
    /// Where a later version took the opinion up: (「第2版（修订稿）第五条」, its address).
    taken_up: Option<(String, String)>,
    feedback_published: bool,
    mailed: bool,
    summary: Vec<String>,
    /// The wording the citizen suggested changing, and to what.
    original: Option<String>,
    proposed: Option<String>,
}

#[derive(Template)]
#[template(path = "opinions/lookup.html")]
struct LookupPage {
    code: String,
    error: Option<String>,
}

fn html(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(page.render()?))
}

#[derive(Deserialize)]
pub struct LookupQuery {
    code: Option<String>,
}

/// The lookup form; with `?code=` it checks the code and goes to its receipt.
#[get("/receipts")]
pub async fn lookup(query: web::Query<LookupQuery>) -> Result<HttpResponse, AppError> {
    let Some(typed) = query.into_inner().code else {
        return html(StatusCode::OK, &LookupPage { code: String::new(), error: None });
    };
    match ReceiptCode::parse(&typed) {
        Ok(code) => {
            Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/receipts/{}", code.as_str()))).finish())
        }
        Err(err) => html(StatusCode::UNPROCESSABLE_ENTITY, &LookupPage { code: typed, error: Some(err.to_string()) }),
    }
}

/// An opinion with its consultation, its section, and where a later version took it up, by
/// receipt code (rate limited per client).
pub type Found = Option<(Opinion, Consultation, Option<Section>, Option<SectionPlace>)>;

pub async fn find(state: &AppState, client: ClientKey, code: ReceiptCode) -> Result<Found, AppError> {
    let limit = state.settings.rate_submit_per_minute.saturating_mul(3);
    let limits = state.limits.clone();
    db::run(&state.pool, move |conn| {
        let counting = rate_limit::Counting::new(&[(Scope::Lookup, limit)], &client, Utc::now());
        if let Err(scope) = rate_limit::count(conn, &limits, &counting)? {
            return Err(AppError::TooManyRequests(scope.message().to_owned()));
        }
        let Some(opinion) = Opinion::find_by_receipt(conn, &code)? else { return Ok(None) };
        let consultation = Consultation::find(conn, opinion.consultation_id)?;
        let section = match opinion.section_id {
            Some(id) => Some(Section::find(conn, id)?),
            None => None,
        };
        let taken_up = match opinion.taken_up_section_id {
            Some(id) => SectionPlace::load(conn, &[id])?.remove(&id),
            None => None,
        };
        Ok(Some((opinion, consultation, section, taken_up)))
    })
    .await
}

/// Decisions become visible to the citizen only once the feedback is published.
pub fn visible_decision(
    opinion: &Opinion,
    consultation: &Consultation,
) -> Option<crate::domain::adoption::AdoptionStatus> {
    opinion.decision.filter(|_| consultation.feedback_published_at.is_some())
}

#[derive(Deserialize)]
pub struct ReceiptQuery {
    #[serde(default)]
    submitted: Option<String>,
    #[serde(default)]
    duplicate: Option<String>,
}

#[get("/receipts/{code}")]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<ReceiptQuery>,
) -> Result<HttpResponse, AppError> {
    let typed = code.into_inner();
    let not_found =
        |typed: String, error: String| html(StatusCode::NOT_FOUND, &LookupPage { code: typed, error: Some(error) });
    let code = match ReceiptCode::parse(&typed) {
        Ok(code) => code,
        Err(err) => return not_found(typed, err.to_string()),
    };
    let client = ClientKey::from_request(&req, &state.settings);
    let found = find(&state, client, code).await?;
    let Some((opinion, consultation, section, taken_up)) = found else {
        return not_found(typed, "未找到该回执编号对应的意见，请核对后重新输入。".to_owned());
    };
    let feedback_published = consultation.feedback_published_at.is_some();
    let decision = visible_decision(&opinion, &consultation);
    let page = ReceiptPage {
        code: ReceiptCode::parse(opinion.receipt_code.as_deref().unwrap_or_default())
            .map(|c| c.to_string())
            .unwrap_or_default(),
        submitted: query.submitted.is_some(),
        duplicate: query.duplicate.is_some(),
        consultation_url: format!("/consultations/{}", consultation.id),
        consultation_title: consultation.title,
        section_title: section.as_ref().map(Section::title).unwrap_or_else(|| "全文".to_owned()),
        masked_name: mask_name(&opinion.author_name, MaskStyle::KeepEnds),
        received_at: format_china(opinion.received_at),
        status_label: decision.map_or("已收到", |d| d.label()),
        status_css: decision.map_or("received", |d| d.code()),
        reason: decision.and(opinion.decision_reason.clone()).filter(|r| !r.trim().is_empty()),
        taken_up: decision.and(taken_up).map(|p| (p.name(), p.url())),
        feedback_published,
        mailed: opinion.contact_kind == Some(ContactKind::Email),
        summary: paragraphs(&opinion.body),
        original: opinion.original_text.clone().filter(|t| !t.trim().is_empty()),
        proposed: opinion.proposed_text.clone().filter(|t| !t.trim().is_empty()),
    };
    html(StatusCode::OK, &page)
}
