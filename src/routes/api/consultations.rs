//! Consultations, their drafts by section, and their published feedback, as JSON.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::domain::ids::AgencyId;
use crate::domain::ids::ConsultationId;
use crate::domain::listing::{ListFilter, ListQuery, PAGE_SIZE, page_count};
use crate::domain::window::{Status, china_today, format_china};
use crate::error::{ApiError, AppError};
use crate::models::agency::Agency;
use crate::models::feedback::FeedbackCounts;
use crate::models::listing::Listing;
use crate::models::{Consultation, Draft, Section};
use crate::page_cache;
use crate::routes::views::section_views;
use crate::state::AppState;

/// A consultation as the list shows it.
#[derive(Serialize, ToSchema)]
pub struct ConsultationSummary {
    pub id: i32,
    pub title: String,
    /// The issuing body as the notice names it (发布单位).
    pub issuer: String,
    /// The agency (单位) the consultation belongs to on this platform: its id and name.
    pub agency_id: i32,
    pub agency: String,
    /// First day of the window (China time), `YYYY-MM-DD`.
    pub starts_on: String,
    /// Last day of the window, inclusive.
    pub ends_on: String,
    /// `scheduled`, `open`, `closed` or `feedback_published`.
    pub status: Status,
    /// 未开始 / 征集中 / 已结束 / 已反馈
    pub status_label: String,
    pub opinion_count: i32,
    pub url: String,
}

impl ConsultationSummary {
    fn new(c: &Consultation, agency: String) -> ConsultationSummary {
        let status = c.status(Utc::now());
        ConsultationSummary {
            id: c.id.0,
            title: c.title.clone(),
            issuer: c.issuer.clone(),
            agency_id: c.agency_id.0,
            agency,
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            status,
            status_label: status.label().to_owned(),
            opinion_count: c.opinion_count,
            url: format!("/consultations/{}", c.id),
        }
    }
}

/// One section of a draft.
#[derive(Serialize, ToSchema)]
pub struct SectionDoc {
    /// Stable within the draft version; the section's page is `url`.
    pub anchor: String,
    pub parent: Option<String>,
    /// 1 for top-level sections.
    pub depth: usize,
    /// "二、实施创新发展行动"
    pub title: String,
    /// The section's own text (its heading line included), without its subsections.
    pub text: String,
    pub opinion_count: i32,
    pub url: String,
}

/// The sections as the API gives them; `url` makes a section's address from its anchor and
/// its own page's address.
pub(super) fn section_docs(
    sections: &[Section],
    views: Vec<crate::routes::views::SectionView>,
    url: impl Fn(&str, String) -> String,
) -> Vec<SectionDoc> {
    let anchor_of = |p| sections.iter().find(|x| x.id == p).map(|x| x.anchor.clone());
    sections
        .iter()
        .zip(views)
        .map(|(s, v)| SectionDoc {
            parent: s.parent_id.and_then(anchor_of),
            url: url(&v.anchor, v.url),
            anchor: v.anchor,
            depth: v.depth,
            title: v.title,
            text: s.body.clone(),
            opinion_count: s.opinion_count,
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct DraftDoc {
    pub title: String,
    /// 征求意见稿, 修订稿 …
    pub version_label: String,
    /// The draft's own 目录 as in its file, if it has one (never a section: no opinions on it).
    pub toc: Option<String>,
    pub sections: Vec<SectionDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsultationDetail {
    #[serde(flatten)]
    pub summary: ConsultationSummary,
    /// 公告
    pub notice: String,
    pub how_to_comment: String,
    pub draft: Option<DraftDoc>,
}

/// How many consultations match the filter (its status aside), per status.
#[derive(Serialize, ToSchema)]
pub struct StatusCountsDoc {
    pub scheduled: i64,
    pub open: i64,
    pub closed: i64,
    pub feedback_published: i64,
}

/// One page of the published consultations.
#[derive(Serialize, ToSchema)]
pub struct ConsultationPage {
    pub items: Vec<ConsultationSummary>,
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
    /// How many match the whole filter.
    pub total: i64,
    pub pages: i64,
    pub counts: StatusCountsDoc,
    /// The next page's address, if there is one.
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// Published consultations, a page at a time: open first, then scheduled, then the rest,
/// newest window first within each. Unknown filter values are ignored.
#[utoipa::path(
    get,
    path = "/api/v1/consultations",
    params(
        ("page" = Option<i64>, Query, description = "Page number, from 1; 20 per page"),
        ("status" = Option<String>, Query, description = "scheduled, open, closed or feedback_published"),
        ("year" = Option<i32>, Query, description = "The year the window starts in"),
        ("q" = Option<String>, Query, description = "Text in the title, issuer, notice or draft"),
        ("agency" = Option<i32>, Query, description = "An agency's id"),
    ),
    responses((status = 200, body = ConsultationPage))
)]
#[get("/consultations")]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = ListFilter::from(query.into_inner());
    // Cached like the public list, by the canonical query, and forgotten with it.
    let key = format!("{}{}", page_cache::JSON_LIST, filter.query_string());
    if let Some(hit) = state.pages.get(&key) {
        return Ok(hit.respond(&req));
    }
    let today = china_today(Utc::now());
    let for_query = filter.clone();
    let known = state.pages.list_counts(&filter, today);
    let (listing, mut agencies) = db::run(&state.pool, move |conn| {
        let listing = Listing::load_counted(conn, &for_query, today, known)?;
        let ids: Vec<AgencyId> = listing.items.iter().map(|c| c.agency_id).collect();
        let agencies = Agency::names(conn, &ids)?;
        Ok((listing, agencies))
    })
    .await?;
    state.pages.put_list_counts(&filter, today, listing.counts);
    let pages = page_count(listing.total);
    let url = |f: ListFilter| format!("{}{}", page_cache::JSON_LIST, f.query_string());
    let c = listing.counts;
    let page = ConsultationPage {
        items: listing
            .items
            .iter()
            .map(|c| ConsultationSummary::new(c, agencies.remove(&c.agency_id).unwrap_or_default()))
            .collect(),
        page: filter.page,
        per_page: PAGE_SIZE,
        total: listing.total,
        pages,
        counts: StatusCountsDoc {
            scheduled: c.scheduled,
            open: c.open,
            closed: c.closed,
            feedback_published: c.feedback_published,
        },
        next: (filter.page < pages).then(|| url(filter.on_page(filter.page + 1))),
        prev: (filter.page > 1).then(|| url(filter.on_page((filter.page - 1).min(pages)))),
    };
    let body = serde_json::to_string(&page).map_err(AppError::internal)?;
    Ok(state.pages.put_as(&key, body, page_cache::JSON).respond(&req))
}

/// A consultation with its notice and its current draft, section by section.
#[utoipa::path(
    get,
    path = "/api/v1/consultations/{id}",
    params(("id" = i32, Path, description = "The consultation's id")),
    responses((status = 200, body = ConsultationDetail), (status = 404, body = crate::routes::api::Problem))
)]
#[get("/consultations/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
) -> Result<web::Json<ConsultationDetail>, ApiError> {
    let id = id.into_inner();
    let (c, agency, draft) = db::run(&state.pool, move |conn| {
        let c = Consultation::find_published(conn, id)?;
        let agency = Agency::find(conn, c.agency_id)?.name;
        let draft = match Draft::current_for(conn, id)? {
            Some(d) => {
                let sections = Section::for_draft(conn, d.id)?;
                Some((d, sections))
            }
            None => None,
        };
        Ok((c, agency, draft))
    })
    .await?;
    let url = format!("/consultations/{id}");
    let notice = draft.as_ref().and_then(|(d, _)| d.announced_notice()).map_or(c.notice.clone(), str::to_owned);
    let draft = draft.map(|(d, sections)| {
        let views = section_views(&url, &sections);
        DraftDoc {
            title: d.title,
            version_label: d.version_label,
            toc: d.toc,
            sections: section_docs(&sections, views, |_, page| page),
        }
    });
    Ok(web::Json(ConsultationDetail {
        summary: ConsultationSummary::new(&c, agency),
        notice,
        how_to_comment: c.how_to_comment,
        draft,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackDoc {
    /// When the feedback was published (China time).
    pub published_at: String,
    pub text: String,
    pub received: i64,
    pub adopted: i64,
    pub partly_adopted: i64,
    pub not_adopted: i64,
    pub explained: i64,
    pub undecided: i64,
    pub departments_consulted: i64,
    pub departments_answered: i64,
    /// The adoption table (names masked, no contacts) as JSON; also `.csv`, `.xlsx`, `.docx`.
    pub table_url: String,
    /// Every opinion with its decision in the fixed open-data schema (docs/open-data.md), as JSON.
    pub open_data_json_url: String,
    /// The same as CSV (UTF-8 with BOM, for Excel and WPS).
    pub open_data_csv_url: String,
}

/// The published 意见反馈 of a consultation (404 until it is published).
#[utoipa::path(
    get,
    path = "/api/v1/consultations/{id}/feedback",
    params(("id" = i32, Path, description = "The consultation's id")),
    responses((status = 200, body = FeedbackDoc), (status = 404, body = crate::routes::api::Problem))
)]
#[get("/consultations/{id}/feedback")]
pub async fn feedback(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
) -> Result<web::Json<FeedbackDoc>, ApiError> {
    let id = id.into_inner();
    let (c, counts) = db::run(&state.pool, move |conn| {
        let c = Consultation::find_published(conn, id)?;
        Ok((c, FeedbackCounts::load(conn, id)?))
    })
    .await?;
    let published_at = c.feedback_published_at.ok_or(AppError::NotFound)?;
    Ok(web::Json(FeedbackDoc {
        published_at: format_china(published_at),
        text: c.feedback_text.unwrap_or_default(),
        received: counts.received,
        adopted: counts.adopted,
        partly_adopted: counts.partly_adopted,
        not_adopted: counts.not_adopted,
        explained: counts.explained,
        undecided: counts.undecided,
        departments_consulted: counts.departments_consulted,
        departments_answered: counts.departments_answered,
        table_url: format!("/consultations/{id}/feedback/table.json"),
        open_data_json_url: format!("/open-data/consultations/{id}/feedback.json"),
        open_data_csv_url: format!("/open-data/consultations/{id}/feedback.csv"),
    }))
}
