//! Public pages: the list of consultations, a consultation with its draft, one section.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Utc;

use crate::db;
use crate::domain::ids::ConsultationId;
use crate::domain::listing::{ListFilter, ListQuery};
use crate::domain::window::china_today;
use crate::error::AppError;
use crate::models::round::{RoundSummary, ordinal};
use crate::models::{Consultation, Draft, Section, opinion_day};
use crate::routes::charts::DayChart;
use crate::routes::listing::ListView;
use crate::routes::versions::VersionLink;
use crate::routes::views::{ConsultationView, DraftView, SectionView, paragraphs, section_views};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "consultations/list.html")]
struct ListPage {
    list: ListView,
}

#[get("/")]
pub async fn index(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = ListFilter::from(query.into_inner());
    // Cached by the canonical address, so odd spellings of one list share an entry.
    let key = format!("/{}", filter.query_string());
    if let Some(hit) = state.pages.get(&key) {
        return Ok(hit.respond(&req));
    }
    let now = Utc::now();
    let list = ListView::load(&state, "/", filter, None, now).await?;
    Ok(state.pages.put(&key, ListPage { list }.render()?).respond(&req))
}

/// What a link shared in a chat shows (Open Graph, and the description search engines use).
pub struct ShareMeta {
    pub url: String,
    pub description: String,
}

impl ShareMeta {
    fn new(public_url: &str, c: &Consultation) -> ShareMeta {
        ShareMeta {
            url: crate::links::consultation_url(public_url, c.id),
            description: format!("{}公开征求意见，征集时间：{} 至 {}。", c.issuer, c.starts_on, c.ends_on),
        }
    }
}

#[derive(Template)]
#[template(path = "consultations/show.html")]
struct ShowPage {
    meta: ShareMeta,
    c: ConsultationView,
    draft: Option<DraftView>,
    days: Option<DayChart>,
    /// Every version of the draft, when there is more than one.
    versions: Vec<VersionLink>,
    /// The current version's 起草说明.
    explanation: Vec<String>,
    /// The current version's materials.
    materials: Vec<crate::routes::versions::MaterialLink>,
    /// The rounds (第一次、第二次征求意见), when there is more than one.
    rounds: Vec<PublicRound>,
}

/// A round in the public history.
pub struct PublicRound {
    /// 第一次征求意见
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub opinions: i64,
    pub version: String,
    pub version_url: String,
    /// The feedback page, once this round's feedback is published.
    pub feedback_url: Option<String>,
}

impl PublicRound {
    fn list(url: &str, rounds: &[RoundSummary]) -> Vec<PublicRound> {
        if rounds.len() < 2 {
            return Vec::new();
        }
        rounds
            .iter()
            .map(|r| PublicRound {
                name: ordinal(r.number),
                starts_on: r.starts_on.to_string(),
                ends_on: r.ends_on.to_string(),
                opinions: r.opinions,
                version: r.version_name(),
                version_url: format!("{url}/versions/{}", r.version_no),
                feedback_url: r.feedback_published.then(|| format!("{url}/feedback?round={}", r.number)),
            })
            .collect()
    }
}

/// A consultation's current draft with its sections in order.
type CurrentDraft = Option<(Draft, Vec<Section>)>;

/// A published consultation with its current draft. The cost does not depend on
/// how many opinions it has: counts come from counters kept on the rows.
fn load_published(conn: &mut db::Conn, id: ConsultationId) -> Result<(Consultation, CurrentDraft), AppError> {
    let consultation = Consultation::find_published(conn, id)?;
    let draft = match Draft::current_for(conn, id)? {
        Some(draft) => {
            let sections = Section::for_draft(conn, draft.id)?;
            Some((draft, sections))
        }
        None => None,
    };
    Ok((consultation, draft))
}

#[get("/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    if let Some(hit) = state.pages.get(req.path()) {
        return Ok(hit.respond(&req));
    }
    let id = id.into_inner();
    let ((consultation, draft), per_day, versions, materials, rounds) = db::run(&state.pool, move |conn| {
        // A row per day with opinions, like the counters on the other rows: no opinion is read.
        let published = load_published(conn, id)?;
        let materials = match &published.1 {
            Some((draft, _)) => crate::models::material::Material::for_draft(conn, draft.id)?,
            None => Vec::new(),
        };
        let rounds = RoundSummary::history(conn, &published.0)?;
        Ok((published, opinion_day::for_consultation(conn, id)?, Draft::versions(conn, id)?, materials, rounds))
    })
    .await?;
    let materials = crate::routes::versions::MaterialLink::list(id, &materials);
    let now = Utc::now();
    let mut c = ConsultationView::new(&consultation, now);
    if let Some(notice) = draft.as_ref().and_then(|(d, _)| d.announced_notice()) {
        c.notice = paragraphs(notice);
    }
    let explanation = draft.as_ref().and_then(|(d, _)| d.explanation.as_deref()).map(paragraphs).unwrap_or_default();
    let draft = draft.map(|(draft, sections)| DraftView::new(&c.url, &draft, &sections));
    let window = consultation.window();
    let days = DayChart::new("days", &per_day, window.starts_on(), window.ends_on().min(china_today(now)));
    let meta = ShareMeta::new(&state.settings.public_url, &consultation);
    let versions = VersionLink::list(&c.url, &versions);
    let rounds = PublicRound::list(&c.url, &rounds);
    let page = ShowPage { meta, c, draft, days, versions, explanation, materials, rounds };
    Ok(state.pages.put(req.path(), page.render()?).respond(&req))
}

#[derive(Template)]
#[template(path = "consultations/section.html")]
struct SectionPage {
    c: ConsultationView,
    section: SectionView,
    ancestors: Vec<SectionView>,
    children: Vec<SectionView>,
    prev: Option<SectionView>,
    next: Option<SectionView>,
}

#[get("/{id}/sections/{anchor}")]
pub async fn section(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(ConsultationId, String)>,
) -> Result<HttpResponse, AppError> {
    if let Some(hit) = state.pages.get(req.path()) {
        return Ok(hit.respond(&req));
    }
    let (id, anchor) = path.into_inner();
    let (consultation, draft) = db::run(&state.pool, move |conn| load_published(conn, id)).await?;
    let (_, sections) = draft.ok_or(AppError::NotFound)?;
    let c = ConsultationView::new(&consultation, Utc::now());
    let views = section_views(&c.url, &sections);
    let pos = views.iter().position(|s| s.anchor == anchor).ok_or(AppError::NotFound)?;
    let section = &views[pos];
    let mut ancestors = Vec::new();
    let mut parent = section.parent;
    while let Some(p) = parent {
        let Some(view) = views.iter().find(|s| s.id == p) else { break };
        parent = view.parent;
        ancestors.push(view.clone());
    }
    ancestors.reverse();
    let page = SectionPage {
        children: views.iter().filter(|s| s.parent == Some(section.id)).cloned().collect(),
        prev: pos.checked_sub(1).map(|i| views[i].clone()),
        next: views.get(pos + 1).cloned(),
        section: section.clone(),
        ancestors,
        c,
    };
    Ok(state.pages.put(req.path(), page.render()?).respond(&req))
}
