//! The staff API's opinions: read them (with contacts: this is staff) with the review page's
//! filters, record a decision, export the adoption table, publish the 意见反馈.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::invalid;
use crate::auth::bearer::{ApiCaller, ApiJson};
use crate::db;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::decision::Decision;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::domain::opinion::clean_text;
use crate::domain::window::format_china;
use crate::error::{ApiError, AppError};
use crate::exports::Audience;
use crate::models::audit::AuditAction;
use crate::models::{Consultation, Draft, Opinion, adoption_table};
use crate::routes::api::Problem;
use crate::routes::download::streamed;
use crate::routes::staff::feedback::{ExportQuery, export_round, own_title};
use crate::routes::staff::opinion_view::SectionTitles;
use crate::routes::staff::review::{PAGE_SIZE, ReviewQuery};
use crate::services::decisions::decide;
use crate::services::feedback;
use crate::state::AppState;

/// The longest 意见反馈 text accepted (as on the staff page).
const MAX_FEEDBACK_CHARS: usize = 20_000;

/// An opinion, whole: the author's contact included.
#[derive(Serialize, ToSchema)]
pub struct StaffOpinionDoc {
    pub id: i32,
    /// `public`, `department` or `offline`.
    pub source: String,
    /// 公众 / 部门 / 线下
    pub source_label: String,
    /// 平台反馈, 书面反馈 …
    pub channel: String,
    pub author: String,
    /// As given: a mobile number, landline or e-mail address (none for some departments and letters).
    pub contact: Option<String>,
    /// The section's anchor in the current draft; none for the whole draft or a deleted section.
    pub section: Option<String>,
    /// 「二、实施创新发展行动」 or 「全文」.
    pub section_title: String,
    pub body: String,
    pub original_text: Option<String>,
    pub proposed_text: Option<String>,
    /// China time.
    pub received_at: String,
    /// `adopted`, `partly_adopted`, `not_adopted`, `explained`; none while undecided.
    pub decision: Option<String>,
    /// 采纳 / 部分采纳 / 不予采纳 / 解释说明 / 未处理
    pub decision_label: String,
    pub reason: Option<String>,
    /// Held back by the sensitive-word check.
    pub flagged: bool,
}

impl StaffOpinionDoc {
    fn new(o: &Opinion, titles: &SectionTitles) -> StaffOpinionDoc {
        StaffOpinionDoc {
            id: o.id.0,
            source: o.source.code().to_owned(),
            source_label: o.source.label().to_owned(),
            channel: o.channel.label().to_owned(),
            author: o.author_name.clone(),
            contact: o.contact.clone(),
            section: o.section_id.and_then(|s| titles.anchor(s)).map(str::to_owned),
            section_title: titles.path(o.section_id),
            body: o.body.clone(),
            original_text: o.original_text.clone(),
            proposed_text: o.proposed_text.clone(),
            received_at: format_china(o.received_at),
            decision: o.decision.map(|d| d.code().to_owned()),
            decision_label: o.decision.map_or("未处理", AdoptionStatus::label).to_owned(),
            reason: o.decision_reason.clone(),
            flagged: o.flagged,
        }
    }
}

/// A page of opinions, oldest first.
#[derive(Serialize, ToSchema)]
pub struct OpinionPage {
    pub items: Vec<StaffOpinionDoc>,
    /// Pass as `after` for the next page; none on the last page.
    pub next_after: Option<i32>,
    /// The next page's address with the same filters.
    pub next: Option<String>,
}

/// A consultation's opinions, 50 at a time, with the filters of the staff review page.
#[utoipa::path(
    get,
    path = "/api/v1/staff/consultations/{id}/opinions",
    params(
        ("id" = i32, Path, description = "The consultation's id"),
        ("section" = Option<String>, Query, description = "A section's anchor, or `whole` for opinions on the whole draft"),
        ("source" = Option<String>, Query, description = "public, department or offline"),
        ("decision" = Option<String>, Query, description = "undecided, adopted, partly_adopted, not_adopted or explained"),
        ("flagged" = Option<String>, Query, description = "1: only opinions held back by the sensitive-word check"),
        ("q" = Option<String>, Query, description = "Text in the opinion"),
        ("after" = Option<i32>, Query, description = "The `next_after` of the previous page"),
    ),
    security(("bearer" = [])),
    responses((status = 200, body = OpinionPage), (status = 401, body = Problem), (status = 404, body = Problem))
)]
#[get("/consultations/{id}/opinions")]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<ConsultationId>,
    query: web::Query<ReviewQuery>,
) -> Result<web::Json<OpinionPage>, ApiError> {
    let id = caller.consultation(&state, id.into_inner()).await?.id;
    let query = query.into_inner();
    let for_list = query.clone();
    let (titles, page) = db::run(&state.pool, move |conn| {
        let titles = SectionTitles::load(conn, id)?;
        let page = for_list.filter(&titles).page(conn, id, for_list.after.map(OpinionId), PAGE_SIZE)?;
        Ok((titles, page))
    })
    .await?;
    let next = page
        .next_after
        .map(|after| format!("/api/v1/staff/consultations/{id}/opinions?{}&after={after}", query.filter_string()));
    Ok(web::Json(OpinionPage {
        items: page.opinions.iter().map(|o| StaffOpinionDoc::new(o, &titles)).collect(),
        next_after: page.next_after.map(|a| a.0),
        next,
    }))
}

/// Opinion `opinion` of consultation `id`, with the section titles to describe it.
async fn load_opinion(state: &AppState, id: ConsultationId, opinion: OpinionId) -> Result<StaffOpinionDoc, AppError> {
    let (o, titles) = db::run(&state.pool, move |conn| {
        let o = Opinion::find(conn, opinion)?;
        if o.consultation_id != id {
            return Err(AppError::NotFound);
        }
        Ok((o, SectionTitles::load(conn, id)?))
    })
    .await?;
    Ok(StaffOpinionDoc::new(&o, &titles))
}

/// One opinion of the consultation.
#[utoipa::path(
    get,
    path = "/api/v1/staff/consultations/{id}/opinions/{opinion}",
    params(
        ("id" = i32, Path, description = "The consultation's id"),
        ("opinion" = i32, Path, description = "The opinion's id"),
    ),
    security(("bearer" = [])),
    responses((status = 200, body = StaffOpinionDoc), (status = 401, body = Problem), (status = 404, body = Problem))
)]
#[get("/consultations/{id}/opinions/{opinion}")]
pub async fn show(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(ConsultationId, OpinionId)>,
) -> Result<web::Json<StaffOpinionDoc>, ApiError> {
    let (id, opinion) = path.into_inner();
    let id = caller.consultation(&state, id).await?.id;
    Ok(web::Json(load_opinion(&state, id, opinion).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `adopted` (采纳), `partly_adopted` (部分采纳), `not_adopted` (不予采纳), `explained`
    /// (解释说明), or empty to take the decision back.
    pub status: String,
    /// 理由: required for partly_adopted and not_adopted.
    #[serde(default)]
    pub reason: String,
}

/// Records the adoption decision on one opinion (and its reason), as the review page does.
#[utoipa::path(
    put,
    path = "/api/v1/staff/consultations/{id}/opinions/{opinion}/decision",
    params(
        ("id" = i32, Path, description = "The consultation's id"),
        ("opinion" = i32, Path, description = "The opinion's id"),
    ),
    request_body = DecisionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The opinion with its decision", body = StaffOpinionDoc),
        (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 422, description = "Unknown status, or a reason missing or too long", body = Problem)
    )
)]
#[put("/consultations/{id}/opinions/{opinion}/decision")]
pub async fn decide_one(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, OpinionId)>,
    posted: ApiJson<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson { caller, body } = posted;
    let (id, opinion) = path.into_inner();
    let c = caller.consultation(&state, id).await?;
    let decision = match Decision::parse(&body.status, &body.reason) {
        Ok(decision) => decision,
        Err(errors) => return Ok(invalid(&errors)),
    };
    // The opinion must be this consultation's before anything is written.
    load_opinion(&state, c.id, opinion).await?;
    let label = decision.as_ref().map_or("未处理", |d| d.status.label());
    let actor = caller.actor();
    db::run(&state.pool, move |conn| decide(conn, id, &[opinion], decision.as_ref(), &actor, Utc::now().naive_utc()))
        .await?;
    state.pages.forget_all();
    let what = format!("第 {} 号（{}）第 {opinion} 条意见：{label}", c.id, c.title);
    caller.audit(&state, AuditAction::DecisionRecorded, what).await?;
    Ok(HttpResponse::Ok().json(load_opinion(&state, c.id, opinion).await?))
}

/// The adoption table, as the staff export page makes it: CSV, Excel, Word or JSON, in any
/// layout; `audience=staff` gives full names and contacts (and is written to the audit log).
#[utoipa::path(
    get,
    path = "/api/v1/staff/consultations/{id}/export",
    params(
        ("id" = i32, Path, description = "The consultation's id"),
        ("layout" = String, Query, description = "A layout key, e.g. `tongguan`"),
        ("format" = String, Query, description = "csv, xlsx, docx or json"),
        ("grouping" = Option<String>, Query, description = "per_author or per_opinion; the layout's own when omitted"),
        ("audience" = Option<String>, Query, description = "`staff`: full names and contacts; public (masked) otherwise"),
        ("title" = Option<String>, Query, description = "The table's heading; the layout's own when omitted"),
        ("round" = Option<String>, Query, description = "A round's number or `all`; the current round when omitted"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file, as an attachment", content_type = "application/octet-stream"),
        (status = 400, description = "Unknown layout, format or grouping", body = Problem),
        (status = 401, body = Problem),
        (status = 404, body = Problem)
    )
)]
#[get("/consultations/{id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<ConsultationId>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let consultation = caller.consultation(&state, id.into_inner()).await?;
    let (layout, format, opts) = query.options()?;
    let staff = opts.audience == Audience::Staff;
    let c = consultation.clone();
    let (draft, rounds) = db::run(&state.pool, move |conn| {
        Ok((Draft::name_for(conn, &c)?, crate::models::round::Round::current_number(conn, c.id)?))
    })
    .await?;
    let suffix = if staff { "（内部，含联系方式）" } else { "" };
    let (round, name) = export_round(&query.round, rounds, &draft.table_file_name(), suffix);
    let opts = crate::exports::ExportOptions { round, ..opts };
    if staff {
        let what = format!("第 {} 号（{}，{}）", consultation.id, query.layout, query.format);
        caller.audit(&state, AuditAction::ExportWithContacts, what).await?;
    }
    Ok(streamed(&state.pool, &name, format, move |conn, out| {
        adoption_table::export(conn, &consultation, &layout, &opts, format, out, |_| {}, || {})
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct FeedbackRequest {
    /// The 意见反馈 text (at most 20,000 characters).
    pub text: String,
    /// The adoption table's heading; the layout's own when omitted.
    #[serde(default)]
    pub table_title: String,
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackPublished {
    /// China time of the first publication.
    pub published_at: String,
    /// Notices queued to citizens who left an e-mail address (only at the first publication).
    pub notices_queued: usize,
    /// The public feedback page.
    pub url: String,
}

/// Publishes the 意见反馈 once the window has closed (again: updates its text), as the
/// staff page does; the first publication notifies citizens who left an e-mail address.
#[utoipa::path(
    post,
    path = "/api/v1/staff/consultations/{id}/feedback",
    params(("id" = i32, Path, description = "The consultation's id")),
    request_body = FeedbackRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = FeedbackPublished),
        (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "The window has not closed yet", body = Problem),
        (status = 422, body = Problem)
    )
)]
#[post("/consultations/{id}/feedback")]
pub async fn publish_feedback(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: ApiJson<FeedbackRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson { caller, body } = posted;
    let c = caller.consultation(&state, id.into_inner()).await?;
    let text = clean_text(&body.text);
    let mut errors = FieldErrors::new();
    if text.is_empty() || text.chars().count() > MAX_FEEDBACK_CHARS {
        errors.add("text", format!("请填写意见反馈说明（不超过{MAX_FEEDBACK_CHARS}字）"));
    }
    let table_title = own_title(&body.table_title).unwrap_or_else(|e| {
        errors.add("table_title", e);
        None
    });
    if !errors.is_empty() {
        return Ok(invalid(&errors));
    }
    let (id, public_url) = (c.id, state.settings.public_url.clone());
    let (notices, published) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        let notices = feedback::publish(conn, &consultation, &text, table_title.as_deref(), &public_url, Utc::now())?;
        Ok((notices, Consultation::find(conn, id)?.feedback_published_at))
    })
    .await?;
    state.pages.forget_all();
    state.mail_wakeup.notify_one();
    caller.audit(&state, AuditAction::FeedbackPublished, format!("第 {id} 号（{}）", c.title)).await?;
    Ok(HttpResponse::Ok().json(FeedbackPublished {
        published_at: published.map(format_china).unwrap_or_default(),
        notices_queued: notices,
        url: format!("/consultations/{id}/feedback"),
    }))
}
