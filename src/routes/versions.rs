//! Public pages of a draft's versions: any version at its own stable address, and two versions
//! compared section by section with the changes marked.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::db;
use crate::domain::ids::ConsultationId;
use crate::domain::window::format_china;
use crate::drafts::versions::Change;
use crate::error::AppError;
use crate::models::{Consultation, Draft, Section};
use crate::routes::views::{ConsultationView, paragraphs};
use crate::services::versions::Comparison;
use crate::state::AppState;
use crate::text::wording_diff::{diff_chars, to_html};

/// A version in a list of links.
pub struct VersionLink {
    pub no: i32,
    pub label: String,
    pub url: String,
    pub current: bool,
}

impl VersionLink {
    pub fn list(consultation_url: &str, versions: &[Draft]) -> Vec<VersionLink> {
        versions
            .iter()
            .map(|d| VersionLink {
                no: d.version_no,
                label: format!("第{}版 {}（{}）", d.version_no, d.version_label, format_china(d.created_at)),
                url: format!("{consultation_url}/versions/{}", d.version_no),
                current: d.is_current,
            })
            .collect()
    }
}

/// A section of a version as the version page shows it.
pub struct VersionSection {
    pub anchor: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    /// The comparison with the version before, at this section, if there is one.
    pub history_url: Option<String>,
}

#[derive(Template)]
#[template(path = "consultations/version.html")]
struct VersionPage {
    c: ConsultationView,
    label: String,
    current: bool,
    explanation: Vec<String>,
    sections: Vec<VersionSection>,
    versions: Vec<VersionLink>,
}

#[get("/consultations/{id}/versions/{no}")]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(ConsultationId, i32)>,
) -> Result<HttpResponse, AppError> {
    if let Some(hit) = state.pages.get(req.path()) {
        return Ok(hit.respond(&req));
    }
    let (id, no) = path.into_inner();
    let (consultation, versions, sections) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find_published(conn, id)?;
        let versions = Draft::versions(conn, id)?;
        let draft = versions.iter().find(|d| d.version_no == no).ok_or(AppError::NotFound)?;
        let sections = Section::for_draft(conn, draft.id)?;
        Ok((consultation, versions, sections))
    })
    .await?;
    let c = ConsultationView::new(&consultation, Utc::now());
    let draft = versions.iter().find(|d| d.version_no == no).ok_or(AppError::NotFound)?;
    let sections = sections
        .iter()
        .map(|s| VersionSection {
            anchor: s.anchor.clone(),
            title: s.title(),
            paragraphs: paragraphs(&s.body),
            history_url: (no > 1).then(|| format!("{}/compare?from={}&to={no}#new-{}", c.url, no - 1, s.anchor)),
        })
        .collect();
    let page = VersionPage {
        label: format!("第{}版 {}", draft.version_no, draft.version_label),
        current: draft.is_current,
        explanation: draft.explanation.as_deref().map(paragraphs).unwrap_or_default(),
        versions: VersionLink::list(&c.url, &versions),
        c,
        sections,
    };
    Ok(state.pages.put(req.path(), page.render()?).respond(&req))
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: Option<i32>,
    to: Option<i32>,
    /// "1": unchanged sections shown too.
    all: Option<String>,
}

/// A row of the comparison.
pub struct CompareRow {
    pub old_anchor: Option<String>,
    pub new_anchor: Option<String>,
    pub old_title: String,
    pub new_title: String,
    pub change: &'static str,
    pub change_code: &'static str,
    /// The old text and the new one in one, with `<del>` and `<ins>` (and their labels).
    pub diff_html: String,
}

#[derive(Template)]
#[template(path = "consultations/compare.html")]
struct ComparePage {
    c: ConsultationView,
    from: i32,
    to: i32,
    older: String,
    newer: String,
    show_all: bool,
    rows: Vec<CompareRow>,
    versions: Vec<VersionLink>,
}

#[get("/consultations/{id}/compare")]
pub async fn compare(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    query: web::Query<CompareQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let show_all = query.all.as_deref() == Some("1");
    let (consultation, versions, comparison) = db::run(&state.pool, {
        let (from, to) = (query.from, query.to);
        move |conn| {
            let consultation = Consultation::find_published(conn, id)?;
            let versions = Draft::versions(conn, id)?;
            let last = versions.last().map_or(1, |d| d.version_no);
            let to = to.unwrap_or(last);
            let from = from.unwrap_or(to - 1);
            let comparison = Comparison::between(conn, id, from, to)?;
            Ok((consultation, versions, comparison))
        }
    })
    .await?;
    let c = ConsultationView::new(&consultation, Utc::now());
    let rows = comparison
        .rows()
        .into_iter()
        .filter(|r| show_all || r.change != Change::Kept)
        .map(|r| {
            let old_text: String = r.old.iter().map(|s| s.body.trim()).collect::<Vec<_>>().join("\n");
            let new_text = r.new.map(|s| s.body.trim()).unwrap_or_default();
            CompareRow {
                old_anchor: r.old.first().map(|s| s.anchor.clone()),
                new_anchor: r.new.map(|s| s.anchor.clone()),
                old_title: r.old.iter().map(|s| s.title()).collect::<Vec<_>>().join("、"),
                new_title: r.new.map(|s| s.title()).unwrap_or_default(),
                change: r.change.label(),
                change_code: r.change.code(),
                diff_html: to_html(&diff_chars(&old_text, new_text)),
            }
        })
        .collect();
    let page = ComparePage {
        from: comparison.older.version_no,
        to: comparison.newer.version_no,
        older: format!("第{}版 {}", comparison.older.version_no, comparison.older.version_label),
        newer: format!("第{}版 {}", comparison.newer.version_no, comparison.newer.version_label),
        show_all,
        rows,
        versions: VersionLink::list(&c.url, &versions),
        c,
    };
    crate::routes::render(&page)
}
