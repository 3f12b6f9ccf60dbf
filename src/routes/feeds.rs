//! Feeds and discovery: Atom feeds of new consultations and of published feedback (for the
//! platform and per agency), and `sitemap.xml`. Addresses are absolute, from the public URL.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::NaiveDateTime;

use crate::db;
use crate::domain::ids::AgencyId;
use crate::error::AppError;
use crate::models::Consultation;
use crate::models::agency::Agency;
use crate::models::listing::recent;
use crate::state::AppState;

/// Entries per feed.
const FEED_SIZE: i64 = 50;
/// The sitemap protocol's limit per file.
const SITEMAP_SIZE: i64 = 50_000;

pub struct Entry {
    pub url: String,
    pub title: String,
    pub updated: String,
    pub author: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "feeds/atom.xml")]
struct Feed {
    self_url: String,
    page_url: String,
    title: String,
    subtitle: String,
    updated: String,
    entries: Vec<Entry>,
}

/// RFC 3339 in UTC, as Atom wants it.
fn rfc3339(utc: NaiveDateTime) -> String {
    utc.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// What a feed is of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Consultations,
    Feedback,
}

fn entry(base: &str, c: &Consultation, kind: Kind) -> Entry {
    let window = format!("征集时间：{} 至 {}", c.starts_on, c.ends_on);
    match kind {
        Kind::Consultations => Entry {
            url: format!("{base}/consultations/{}", c.id),
            title: c.title.clone(),
            updated: rfc3339(c.published_at.unwrap_or(c.updated_at)),
            author: c.issuer.clone(),
            summary: format!("{}公开征求意见。{window}。", c.issuer),
        },
        Kind::Feedback => Entry {
            url: format!("{base}/consultations/{}/feedback", c.id),
            title: format!("意见反馈：{}", c.title),
            updated: rfc3339(c.feedback_published_at.unwrap_or(c.updated_at)),
            author: c.issuer.clone(),
            summary: format!("{}公布了意见采纳情况，共收到意见 {} 条。{window}。", c.issuer, c.opinion_count),
        },
    }
}

async fn feed(state: &AppState, agency: Option<AgencyId>, kind: Kind) -> Result<HttpResponse, AppError> {
    let (rows, agency_row) = db::run(&state.pool, move |conn| {
        let agency_row = match agency {
            Some(id) => Some(Agency::find(conn, id)?),
            None => None,
        };
        let rows = match kind {
            Kind::Consultations => recent::published(conn, agency, FEED_SIZE)?,
            Kind::Feedback => recent::feedback(conn, agency, FEED_SIZE)?,
        };
        Ok((rows, agency_row))
    })
    .await?;
    let base = state.settings.public_url.trim_end_matches('/').to_owned();
    let (scope, page) = match &agency_row {
        Some(a) => (a.name.clone(), format!("{base}/agencies/{}", a.id)),
        None => ("全部单位".to_owned(), format!("{base}/")),
    };
    let (what, file) = match kind {
        Kind::Consultations => ("意见征集", "consultations.atom"),
        Kind::Feedback => ("意见反馈", "feedback.atom"),
    };
    let self_url = match &agency_row {
        Some(a) => format!("{base}/agencies/{}/{file}", a.id),
        None => format!("{base}/feeds/{file}"),
    };
    let entries: Vec<Entry> = rows.iter().map(|c| entry(&base, c, kind)).collect();
    let updated = entries.first().map(|e| e.updated.clone()).unwrap_or_else(|| "2000-01-01T00:00:00Z".to_owned());
    let body = Feed {
        self_url,
        page_url: page,
        title: format!("{what} - {scope}"),
        subtitle: format!("{scope}最新的{what}"),
        updated,
        entries,
    }
    .render()?;
    Ok(HttpResponse::Ok().content_type("application/atom+xml; charset=utf-8").body(body))
}

#[get("/feeds/consultations.atom")]
pub async fn consultations(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    feed(&state, None, Kind::Consultations).await
}

#[get("/feeds/feedback.atom")]
pub async fn feedback(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    feed(&state, None, Kind::Feedback).await
}

#[get("/agencies/{id}/consultations.atom")]
pub async fn agency_consultations(
    state: web::Data<AppState>,
    id: web::Path<AgencyId>,
) -> Result<HttpResponse, AppError> {
    feed(&state, Some(id.into_inner()), Kind::Consultations).await
}

#[get("/agencies/{id}/feedback.atom")]
pub async fn agency_feedback(state: web::Data<AppState>, id: web::Path<AgencyId>) -> Result<HttpResponse, AppError> {
    feed(&state, Some(id.into_inner()), Kind::Feedback).await
}

#[derive(Template)]
#[template(path = "feeds/sitemap.xml")]
struct Sitemap {
    urls: Vec<(String, Option<String>)>,
}

/// The home page, the agencies' pages, and each published consultation with its feedback.
#[get("/sitemap.xml")]
pub async fn sitemap(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (rows, agencies) =
        db::run(&state.pool, |conn| Ok((recent::sitemap(conn, SITEMAP_SIZE)?, Agency::list(conn)?))).await?;
    let base = state.settings.public_url.trim_end_matches('/').to_owned();
    let mut urls = vec![(format!("{base}/"), None)];
    urls.extend(agencies.iter().map(|a| (format!("{base}/agencies/{}", a.id), None)));
    for (id, modified, has_feedback) in rows {
        let day = modified.format("%Y-%m-%d").to_string();
        urls.push((format!("{base}/consultations/{id}"), Some(day.clone())));
        if has_feedback {
            urls.push((format!("{base}/consultations/{id}/feedback"), Some(day)));
        }
    }
    urls.truncate(SITEMAP_SIZE as usize);
    let body = Sitemap { urls }.render()?;
    Ok(HttpResponse::Ok().content_type("application/xml; charset=utf-8").body(body))
}
