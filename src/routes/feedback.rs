//! The public 意见反馈 page and the public downloads of the adoption table.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::db;
use crate::domain::ids::ConsultationId;
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::exports::{Audience, ExportOptions, Format, Layout, Sheet, default_layout, layout};
use crate::models::draft::Draft;
use crate::models::feedback::FeedbackCounts;
use crate::models::invitation::Invitation;
use crate::models::taken_up::TakenUpOpinion;
use crate::models::{Consultation, adoption_table};
use crate::routes::download::streamed;
use crate::routes::views::{ConsultationView, paragraphs};
use crate::state::AppState;

/// Rows a web page shows; the downloads hold all of them.
const PAGE_ROWS: usize = 1000;

#[derive(Template)]
#[template(path = "feedback/show.html")]
struct FeedbackPage {
    c: ConsultationView,
    published_at: Option<String>,
    counts: FeedbackCounts,
    text: Vec<String>,
    sheet: Sheet,
    rows: Vec<Vec<String>>,
    more: bool,
    downloads: Vec<(String, &'static str)>,
    /// Departments that answered 无意见, and those silent past the deadline, joined by 、.
    no_opinion: String,
    overdue: String,
    taken_up: Vec<TakenUpLine>,
}

/// An opinion a later version took up, with a link to the place.
pub struct TakenUpLine {
    /// The opinion's opening words.
    pub excerpt: String,
    pub decision: &'static str,
    /// 「第2版（修订稿）第五条」
    pub place: String,
    pub url: String,
}

/// How much of an opinion the list of places quotes.
const EXCERPT_CHARS: usize = 40;

impl TakenUpLine {
    fn new(t: &TakenUpOpinion) -> TakenUpLine {
        let text: String = t.body.split_whitespace().collect::<Vec<_>>().join(" ");
        let excerpt = match text.char_indices().nth(EXCERPT_CHARS) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        };
        TakenUpLine { excerpt, decision: t.decision.label(), place: t.place.name(), url: t.place.url() }
    }
}

#[get("/consultations/{id}/feedback")]
pub async fn show(state: web::Data<AppState>, id: web::Path<ConsultationId>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (consultation, counts, adoption, quiet, taken_up) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find_published(conn, id)?;
        let counts = FeedbackCounts::load(conn, id)?;
        let quiet = Invitation::quiet_departments(conn, id)?;
        let layout = default_layout();
        // The publishing form promises undecided opinions read 未作处理 on this page.
        let opts = ExportOptions { undecided: Some("未作处理"), ..public_options(&consultation, &layout) };
        let (adoption, taken_up) = match consultation.feedback_published_at {
            Some(_) => (
                Some(adoption_table::page_rows(conn, &consultation, &layout, &opts, PAGE_ROWS)?),
                TakenUpOpinion::for_consultation(conn, id)?,
            ),
            None => (None, Vec::new()),
        };
        Ok((consultation, counts, adoption, quiet, taken_up))
    })
    .await?;
    let c = ConsultationView::new(&consultation, Utc::now());
    let base = format!("{}/feedback/table", c.url);
    let downloads = vec![
        (format!("{base}.xlsx"), "Excel 表格（.xlsx）"),
        (format!("{base}.docx"), "Word 文档（.docx）"),
        (format!("{base}.csv"), "CSV 文件（.csv，Excel 与 WPS 可直接打开）"),
        (format!("{base}.json"), "JSON 数据（.json）"),
    ];
    let empty = || {
        let head = crate::exports::ExportHead {
            document_title: consultation.title.clone(),
            issuer: consultation.issuer.clone(),
            summary: Default::default(),
            quiet: Vec::new(),
        };
        Sheet::new(&head, &default_layout(), &ExportOptions::default())
    };
    let (sheet, rows, more) = adoption.unwrap_or_else(|| (empty(), Vec::new(), false));
    let names = |overdue: bool| {
        let names: Vec<&str> = quiet.iter().filter(|q| q.overdue == overdue).map(|q| q.name.as_str()).collect();
        names.join("、")
    };
    let page = FeedbackPage {
        no_opinion: names(false),
        overdue: names(true),
        published_at: consultation.feedback_published_at.map(format_china),
        counts,
        text: consultation.feedback_text.as_deref().map(paragraphs).unwrap_or_default(),
        sheet,
        rows,
        more,
        downloads,
        taken_up: taken_up.iter().map(TakenUpLine::new).collect(),
        c,
    };
    crate::routes::render(&page)
}

/// How the published table is exported: names masked, no contacts, and under the heading
/// the drafter gave it when the layout is the one the feedback page shows.
fn public_options(consultation: &Consultation, layout: &Layout) -> ExportOptions {
    let own = consultation.feedback_table_title.clone().filter(|_| layout.key == default_layout().key);
    ExportOptions { grouping: None, audience: Audience::Public, title: own, undecided: None }
}

#[derive(Deserialize)]
pub struct TableQuery {
    layout: Option<String>,
}

/// The published adoption table as a file: names masked, no contacts.
#[get("/consultations/{id}/feedback/table.{ext}")]
pub async fn table(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, String)>,
    query: web::Query<TableQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, ext) = path.into_inner();
    let format: Format = ext.parse().map_err(|_| AppError::NotFound)?;
    let layout = match &query.layout {
        Some(key) => layout(key).ok_or(AppError::NotFound)?,
        None => default_layout(),
    };
    let (consultation, name) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find_published(conn, id)?;
        if consultation.feedback_published_at.is_none() {
            return Err(AppError::NotFound);
        }
        let name = Draft::name_for(conn, &consultation)?.table_file_name();
        Ok((consultation, name))
    })
    .await?;
    Ok(streamed(&state.pool, &name, format, move |conn, out| {
        let opts = public_options(&consultation, &layout);
        adoption_table::export(conn, &consultation, &layout, &opts, format, out, |_| {}, || {})
    }))
}
