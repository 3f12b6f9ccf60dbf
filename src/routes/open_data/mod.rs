//! Open data: published feedback and adoption decisions as JSON and CSV under stable
//! addresses, for the 政务公开 platform and researchers. The schema is docs/open-data.md and
//! the OpenAPI document; the masking is the public feedback page's.

pub mod schema;

use std::io::Write;

use actix_web::http::header::{CacheControl, CacheDirective, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, HttpResponseBuilder, get, web};

use crate::db::{self, Conn};
use crate::domain::ids::ConsultationId;
use crate::error::{ApiError, AppError};
use crate::exports::{Audience, Grouping, default_layout};
use crate::models::adoption_table;
use crate::models::invitation::Invitation;
use crate::models::open_data::{self, PublishedFeedback};
use crate::routes::download::streamed_with;
use crate::state::AppState;

use schema::{FeedbackEntry, FeedbackIndex, OpenOpinion, QuietDepartmentDoc};

/// Five minutes: decisions may still be corrected after publication; aggregators poll.
const MAX_AGE: u32 = 300;

/// Public data: cacheable by anyone, readable from any site's scripts.
fn response(content_type: &str, download: Option<String>) -> HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder
        .content_type(content_type)
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(MAX_AGE)]))
        .insert_header(("Access-Control-Allow-Origin", "*"));
    if let Some(name) = download {
        builder.insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        });
    }
    builder
}

const CSV: &str = "text/csv; charset=utf-8";
const JSON: &str = "application/json";

async fn index_entries(state: &AppState) -> Result<Vec<FeedbackEntry>, AppError> {
    let rows = db::run(&state.pool, |conn| Ok(open_data::index(conn)?)).await?;
    Ok(rows.iter().map(|f| FeedbackEntry::new(&state.settings.public_url, f)).collect())
}

/// Every consultation with published feedback, the latest first, with its counts and the
/// addresses of its opinions as JSON and CSV.
#[utoipa::path(
    get,
    path = "/open-data/feedback.json",
    responses((status = 200, body = FeedbackIndex, description = "The open-data index (docs/open-data.md)"))
)]
#[get("/open-data/feedback.json")]
pub async fn index_json(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let consultations = index_entries(&state).await?;
    Ok(response(JSON, None).json(FeedbackIndex { consultations }))
}

/// The index as CSV (UTF-8 with BOM, CRLF): one row per consultation, columns as in
/// docs/open-data.md.
#[utoipa::path(
    get,
    path = "/open-data/feedback.csv",
    responses((status = 200, content_type = "text/csv", body = String, description = "The index as CSV"))
)]
#[get("/open-data/feedback.csv")]
pub async fn index_csv(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let entries = index_entries(&state).await?;
    let mut out = Vec::new();
    crate::exports::csv::write_table(&FeedbackEntry::HEADERS, entries.iter().map(FeedbackEntry::cells), &mut out)
        .map_err(AppError::internal)?;
    Ok(response(CSV, Some("feedback.csv".to_owned())).body(out))
}

/// The consultation's entry, or 404 unless it and its feedback are published.
async fn published(state: &AppState, id: ConsultationId) -> Result<PublishedFeedback, ApiError> {
    Ok(db::run(&state.pool, move |conn| open_data::one(conn, id)).await?)
}

/// Every opinion of the consultation, masked for the public, in the drafter's order.
fn for_each_opinion(
    conn: &mut Conn,
    id: ConsultationId,
    mut each: impl FnMut(OpenOpinion) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mask = default_layout().mask;
    let records = adoption_table::records(conn, id, None, Audience::Public, Grouping::PerOpinion, None)?;
    for (i, record) in records.enumerate() {
        each(OpenOpinion::new(i + 1, &record?, mask))?;
    }
    Ok(())
}

/// One consultation's published feedback: its entry, the feedback text, the departments
/// that sent no opinion, and every opinion with its decision. Streamed: any size.
#[utoipa::path(
    get,
    path = "/open-data/consultations/{id}/feedback.json",
    params(("id" = i32, Path, description = "The consultation's id")),
    responses(
        (status = 200, body = schema::ConsultationFeedback),
        (status = 404, body = crate::routes::api::Problem, description = "No such published consultation, or no published feedback")
    )
)]
#[get("/open-data/consultations/{id}/feedback.json")]
pub async fn consultation_json(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let feedback = published(&state, id).await?;
    let entry = FeedbackEntry::new(&state.settings.public_url, &feedback);
    let text = feedback.consultation.feedback_text.clone().unwrap_or_default();
    Ok(streamed_with(&state.pool, response(JSON, None), move |conn, out| write_json(conn, &entry, &text, out)))
}

/// Writes the document in the field order of [`schema::ConsultationFeedback`], an opinion
/// as each is read.
fn write_json(
    conn: &mut Conn,
    entry: &FeedbackEntry,
    text: &str,
    out: &mut (dyn Write + Send),
) -> Result<(), AppError> {
    let id = ConsultationId(entry.id);
    let quiet: Vec<QuietDepartmentDoc> =
        Invitation::quiet_departments(conn, id)?.iter().map(QuietDepartmentDoc::from).collect();
    let mut out = std::io::BufWriter::new(out);
    write_head(&mut out, entry, text, &quiet).map_err(AppError::internal)?;
    for_each_opinion(conn, id, |opinion| {
        let separator: &[u8] = if opinion.seq == 1 { b"\n" } else { b",\n" };
        out.write_all(separator).map_err(AppError::internal)?;
        serde_json::to_writer(&mut out, &opinion).map_err(AppError::internal)
    })?;
    out.write_all(b"\n]}\n").and_then(|()| out.flush()).map_err(AppError::internal)
}

/// Everything before the opinions, up to the opening of their array.
fn write_head(
    out: &mut impl Write,
    entry: &FeedbackEntry,
    text: &str,
    quiet: &[QuietDepartmentDoc],
) -> anyhow::Result<()> {
    out.write_all(b"{\"consultation\":")?;
    serde_json::to_writer(&mut *out, entry)?;
    out.write_all(b",\"feedback_text\":")?;
    serde_json::to_writer(&mut *out, text)?;
    out.write_all(b",\"quiet_departments\":")?;
    serde_json::to_writer(&mut *out, quiet)?;
    out.write_all(b",\"opinions\":[")?;
    Ok(())
}

/// The consultation's opinions with their decisions as CSV (UTF-8 with BOM, CRLF, cells
/// that would start a formula shown as text): columns as in docs/open-data.md.
#[utoipa::path(
    get,
    path = "/open-data/consultations/{id}/feedback.csv",
    params(("id" = i32, Path, description = "The consultation's id")),
    responses(
        (status = 200, content_type = "text/csv", body = String, description = "One row per opinion"),
        (status = 404, body = crate::routes::api::Problem)
    )
)]
#[get("/open-data/consultations/{id}/feedback.csv")]
pub async fn consultation_csv(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    published(&state, id).await?;
    let download = Some(format!("consultation-{id}-feedback.csv"));
    Ok(streamed_with(&state.pool, response(CSV, download), move |conn, out| write_csv(conn, id, out)))
}

/// Writes the opinions as CSV, a row as each is read.
fn write_csv(conn: &mut Conn, id: ConsultationId, out: &mut (dyn Write + Send)) -> Result<(), AppError> {
    let mask = default_layout().mask;
    let mut failure = None;
    let rows = adoption_table::records(conn, id, None, Audience::Public, Grouping::PerOpinion, None)?
        .enumerate()
        .map_while(|(i, record)| match record {
            Ok(record) => Some(OpenOpinion::new(i + 1, &record, mask).cells()),
            Err(err) => {
                failure = Some(err);
                None
            }
        });
    crate::exports::csv::write_table(&OpenOpinion::HEADERS, rows, out).map_err(AppError::internal)?;
    match failure {
        Some(err) => Err(err),
        None => Ok(()),
    }
}
