//! The public 意见反馈 page and the public downloads of the adoption table.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::db;
use crate::domain::ids::ConsultationId;
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::exports::{Audience, ExportOptions, ExportRound, Format, Layout, Sheet, default_layout, layout};
use crate::models::draft::Draft;
use crate::models::feedback::FeedbackCounts;
use crate::models::invitation::Invitation;
use crate::models::round::{Round, ordinal};
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

#[derive(Deserialize)]
pub struct FeedbackQuery {
    /// An earlier round whose feedback to show; the latest round's otherwise.
    round: Option<i32>,
}

#[get("/{id}/feedback")]
pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    query: web::Query<FeedbackQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let asked = query.round;
    let (consultation, counts, adoption, quiet, taken_up, scope) = db::run(&state.pool, move |conn| {
        let mut consultation = Consultation::find_published(conn, id)?;
        let scope = round_scope(conn, &mut consultation, asked)?;
        let counts = match scope {
            Some(n) => FeedbackCounts::load_round(conn, id, n)?,
            None => FeedbackCounts::load(conn, id)?,
        };
        let quiet = Invitation::quiet_departments_in(conn, id, scope)?;
        let layout = default_layout();
        // The publishing form promises undecided opinions read 未作处理 on this page.
        let opts = ExportOptions {
            undecided: Some("未作处理"),
            round: scope.map(|n| ExportRound { number: n, name: Some(ordinal(n)) }),
            ..public_options(&consultation, &layout)
        };
        let (adoption, taken_up) = match consultation.feedback_published_at {
            Some(_) => (
                Some(adoption_table::page_rows(conn, &consultation, &layout, &opts, PAGE_ROWS)?),
                TakenUpOpinion::for_consultation(conn, id)?,
            ),
            None => (None, Vec::new()),
        };
        Ok((consultation, counts, adoption, quiet, taken_up, scope))
    })
    .await?;
    let c = ConsultationView::new(&consultation, Utc::now());
    let base = format!("{}/feedback/table", c.url);
    let round = scope.map(|n| format!("?round={n}")).unwrap_or_default();
    let downloads = vec![
        (format!("{base}.xlsx{round}"), "Excel 表格（.xlsx）"),
        (format!("{base}.docx{round}"), "Word 文档（.docx）"),
        (format!("{base}.csv{round}"), "CSV 文件（.csv，Excel 与 WPS 可直接打开）"),
        (format!("{base}.json{round}"), "JSON 数据（.json）"),
    ];
    let empty = || {
        let head = crate::exports::ExportHead {
            document_title: consultation.title.clone(),
            issuer: consultation.issuer.clone(),
            summary: Default::default(),
            quiet: Vec::new(),
            departments: false,
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
    ExportOptions { grouping: None, audience: Audience::Public, title: own, undecided: None, round: None }
}

#[derive(Deserialize)]
pub struct TableQuery {
    layout: Option<String>,
    /// An earlier round whose published table to download; the latest round's otherwise.
    round: Option<i32>,
}

/// With several rounds, the round a feedback page or download is of (`asked`, else the latest);
/// an earlier round's published feedback replaces the consultation's. `None`: a single round.
fn round_scope(
    conn: &mut db::Conn,
    consultation: &mut Consultation,
    asked: Option<i32>,
) -> Result<Option<i32>, AppError> {
    let rounds = Round::for_consultation(conn, consultation.id)?;
    let latest = rounds.last().map_or(1, |r| r.number);
    let number = asked.unwrap_or(latest);
    let round = rounds.iter().find(|r| r.number == number).ok_or(AppError::NotFound)?;
    if number != latest {
        consultation.feedback_published_at = round.feedback_published_at;
        consultation.feedback_text = round.feedback_text.clone();
    }
    Ok((rounds.len() > 1).then_some(number))
}

/// The published adoption table as a file: names masked, no contacts.
#[get("/{id}/feedback/table.{ext}")]
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
    let asked = query.round;
    let (consultation, name, scope) = db::run(&state.pool, move |conn| {
        let mut consultation = Consultation::find_published(conn, id)?;
        let scope = round_scope(conn, &mut consultation, asked)?;
        if consultation.feedback_published_at.is_none() {
            return Err(AppError::NotFound);
        }
        let name = Draft::name_for(conn, &consultation)?.table_file_name();
        Ok((consultation, name, scope))
    })
    .await?;
    let name = match scope {
        Some(n) => format!("{name}（{}）", ordinal(n)),
        None => name,
    };
    Ok(streamed(&state.pool, &name, format, move |conn, out| {
        let round = scope.map(|n| ExportRound { number: n, name: Some(ordinal(n)) });
        let opts = ExportOptions { round, ..public_options(&consultation, &layout) };
        adoption_table::export(conn, &consultation, &layout, &opts, format, out, |_| {}, || {})
    }))
}
