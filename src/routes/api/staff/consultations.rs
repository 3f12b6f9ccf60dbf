//! The staff API's consultations: create one, read it, upload its draft, its 起草说明 and its
//! materials, and publish it.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::invalid;
use crate::auth::bearer::{ApiCaller, ApiJson, ApiUpload};
use crate::db;
use crate::domain::consultation::{ConsultationDetails, ConsultationFields, VersionLabel};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::ConsultationId;
use crate::domain::material::{MaterialKind, NOT_A_MATERIAL};
use crate::domain::window::{Status, format_china};
use crate::error::{ApiError, AppError};
use crate::models::audit::AuditAction;
use crate::models::material::Material;
use crate::models::{Consultation, Draft};
use crate::routes::api::Problem;
use crate::services::drafts::{self, DraftRefused, UploadDraft, base_name};
use crate::services::versions;
use crate::state::AppState;

/// A new consultation, as the staff form takes it.
#[derive(Deserialize, ToSchema)]
pub struct ConsultationRequest {
    /// 标题
    pub title: String,
    /// 发布单位
    pub issuer: String,
    /// 公告 (may be empty)
    #[serde(default)]
    pub notice: String,
    /// 意见提交方式 (may be empty)
    #[serde(default)]
    pub how_to_comment: String,
    /// First day of the window, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Last day of the window, inclusive.
    pub ends_on: String,
    /// Required when the window is shorter than 30 days.
    #[serde(default)]
    pub short_period_reason: String,
}

/// The current version of a consultation's draft.
#[derive(Serialize, ToSchema)]
pub struct DraftSummary {
    pub version_no: i32,
    /// 征求意见稿, 修订稿 …
    pub version_label: String,
    pub title: String,
    pub file_name: String,
    /// China time.
    pub uploaded_at: String,
}

/// A consultation as its agency's systems list it, published or not.
#[derive(Serialize, ToSchema)]
pub struct StaffConsultationSummary {
    pub id: i32,
    pub title: String,
    pub issuer: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status: Status,
    /// 未开始 / 征集中 / 已结束 / 已反馈
    pub status_label: String,
    /// Whether the public can see it.
    pub published: bool,
    pub opinion_count: i32,
    /// The staff API's address of it.
    pub api_url: String,
    /// Its public page (once published).
    pub url: String,
}

impl StaffConsultationSummary {
    fn new(c: &Consultation) -> StaffConsultationSummary {
        let status = c.status(Utc::now());
        StaffConsultationSummary {
            id: c.id.0,
            title: c.title.clone(),
            issuer: c.issuer.clone(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            status,
            status_label: status.label().to_owned(),
            published: c.is_published(),
            opinion_count: c.opinion_count,
            api_url: format!("/api/v1/staff/consultations/{}", c.id),
            url: format!("/consultations/{}", c.id),
        }
    }
}

/// A consultation with its current draft.
#[derive(Serialize, ToSchema)]
pub struct StaffConsultationDoc {
    #[serde(flatten)]
    pub summary: StaffConsultationSummary,
    pub draft: Option<DraftSummary>,
    /// When the 意见反馈 was published (China time), if it was.
    pub feedback_published_at: Option<String>,
}

impl StaffConsultationDoc {
    fn new(c: &Consultation, draft: Option<&Draft>) -> StaffConsultationDoc {
        StaffConsultationDoc {
            summary: StaffConsultationSummary::new(c),
            draft: draft.map(|d| DraftSummary {
                version_no: d.version_no,
                version_label: d.version_label.clone(),
                title: d.title.clone(),
                file_name: d.source_name.clone(),
                uploaded_at: format_china(d.created_at),
            }),
            feedback_published_at: c.feedback_published_at.map(format_china),
        }
    }

    /// Consultation `id` as it is now, with its current draft.
    async fn load(state: &AppState, id: ConsultationId) -> Result<StaffConsultationDoc, AppError> {
        let (c, draft) =
            db::run(&state.pool, move |conn| Ok((Consultation::find(conn, id)?, Draft::current_for(conn, id)?)))
                .await?;
        Ok(StaffConsultationDoc::new(&c, draft.as_ref()))
    }
}

/// The audit log's name for a consultation.
fn subject(c: &Consultation) -> String {
    format!("第 {} 号（{}）", c.id, c.title)
}

/// Creates an unpublished consultation for the token's agency, unassigned (its agency's
/// administrators manage it, and may assign it to a drafter on the staff pages).
#[utoipa::path(
    post,
    path = "/api/v1/staff/consultations",
    request_body = ConsultationRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = StaffConsultationDoc),
        (status = 401, body = Problem),
        (status = 422, description = "Fields are wrong; `errors` says which", body = Problem)
    )
)]
#[post("/consultations")]
pub async fn create(
    state: web::Data<AppState>,
    posted: ApiJson<ConsultationRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson { caller, body: r } = posted;
    let fields = ConsultationFields {
        title: r.title,
        issuer: r.issuer,
        notice: r.notice,
        how_to_comment: r.how_to_comment,
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        short_period_reason: r.short_period_reason,
        owner: String::new(),
    };
    let details = match ConsultationDetails::try_from(&fields) {
        Ok(details) => details,
        Err(errors) => return Ok(invalid(&errors)),
    };
    let (agency, now) = (caller.token.agency_id, Utc::now().naive_utc());
    let id = db::run(&state.pool, move |conn| Consultation::create(conn, &details, None, agency, now)).await?;
    let doc = StaffConsultationDoc::load(&state, id).await?;
    caller.audit(&state, AuditAction::ConsultationCreated, format!("第 {id} 号（{}）", doc.summary.title)).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/staff/consultations/{id}"))).json(doc))
}

/// How many consultations a page of the list holds.
const PER_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// A page of the token's agency's consultations.
#[derive(Serialize, ToSchema)]
pub struct StaffConsultationPage {
    pub items: Vec<StaffConsultationSummary>,
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    /// The next page's address, if there is one.
    pub next: Option<String>,
}

/// The token's agency's consultations, published or not, newest first, 50 a page.
#[utoipa::path(
    get,
    path = "/api/v1/staff/consultations",
    params(("page" = Option<i64>, Query, description = "Page number, from 1")),
    security(("bearer" = [])),
    responses((status = 200, body = StaffConsultationPage), (status = 401, body = Problem))
)]
#[get("/consultations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    query: web::Query<PageQuery>,
) -> Result<web::Json<StaffConsultationPage>, ApiError> {
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let agency = caller.token.agency_id;
    let (items, total) = db::run(&state.pool, move |conn| {
        Ok(Consultation::page_of_agency(conn, agency, (page - 1) * PER_PAGE, PER_PAGE)?)
    })
    .await?;
    Ok(web::Json(StaffConsultationPage {
        items: items.iter().map(StaffConsultationSummary::new).collect(),
        page,
        per_page: PER_PAGE,
        total,
        next: (page * PER_PAGE < total).then(|| format!("/api/v1/staff/consultations?page={}", page + 1)),
    }))
}

/// A consultation of the token's agency, published or not.
#[utoipa::path(
    get,
    path = "/api/v1/staff/consultations/{id}",
    params(("id" = i32, Path, description = "The consultation's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffConsultationDoc),
        (status = 401, body = Problem),
        (status = 404, description = "No such consultation in the token's agency", body = Problem)
    )
)]
#[get("/consultations/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<ConsultationId>,
) -> Result<web::Json<StaffConsultationDoc>, ApiError> {
    let c = caller.consultation(&state, id.into_inner()).await?;
    Ok(web::Json(StaffConsultationDoc::load(&state, c.id).await?))
}

/// The multipart form of a draft upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DraftUploadForm {
    /// The draft: .txt (UTF-8, GB18030 or UTF-16), .md or .docx; at most the configured upload size.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// 征求意见稿 (default), 修订稿, 送审稿 …
    version_label: Option<String>,
    /// `paragraphs`: one section per paragraph, for a draft without numbered headings.
    split: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DraftUploadDoc {
    pub version_label: String,
    pub file_name: String,
    /// How many sections it was split into (the notice and the 目录 are not sections).
    pub sections: usize,
    /// A notice was found in front of the draft.
    pub notice_found: bool,
    /// The draft has a 目录.
    pub toc_found: bool,
}

/// Uploads the consultation's draft, split into numbered sections as on the staff upload page;
/// it becomes the current version.
#[utoipa::path(
    post,
    path = "/api/v1/staff/consultations/{id}/draft",
    params(("id" = i32, Path, description = "The consultation's id")),
    request_body(content = DraftUploadForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = DraftUploadDoc),
        (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 413, description = "The file is larger than the upload limit", body = Problem),
        (status = 422, description = "No file, or a file that cannot be read as a draft", body = Problem)
    )
)]
#[post("/consultations/{id}/draft")]
pub async fn upload_draft(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    upload: ApiUpload,
) -> Result<HttpResponse, ApiError> {
    let c = upload.caller.consultation(&state, id.into_inner()).await?;
    let Some(file) = upload.file.as_ref() else {
        return Ok(invalid(&FieldErrors::one("file", "请在 file 字段中上传草案文件（.txt、.md 或 .docx）")));
    };
    let version = match upload.field("version_label").map(str::trim).filter(|v| !v.is_empty()) {
        None => VersionLabel::ForComment,
        Some(label) => match VersionLabel::parse(label) {
            Some(version) => version,
            None => return Ok(invalid(&FieldErrors::one("version_label", version_choices()))),
        },
    };
    let command = UploadDraft {
        file_name: file.file_name.clone(),
        bytes: file.bytes.clone(),
        version,
        by_paragraphs: upload.field("split") == Some("paragraphs"),
    };
    let uploaded = match drafts::upload(&state, &c, command).await {
        Ok(uploaded) => uploaded,
        Err(DraftRefused::Unreadable(message)) => return Ok(invalid(&FieldErrors::one("file", message))),
        Err(DraftRefused::Error(err)) => return Err(err.into()),
    };
    let what = format!("{}，{}“{}”", subject(&c), version.label(), uploaded.file_name);
    upload.caller.audit(&state, AuditAction::DraftUploaded, what).await?;
    Ok(HttpResponse::Created().json(DraftUploadDoc {
        version_label: version.label().to_owned(),
        file_name: uploaded.file_name,
        sections: uploaded.sections,
        notice_found: uploaded.notice,
        toc_found: uploaded.toc,
    }))
}

fn version_choices() -> String {
    let labels: Vec<&str> = VersionLabel::ALL.iter().map(|v| v.label()).collect();
    format!("版本名称应为以下之一：{}", labels.join("、"))
}

/// The multipart form of a material upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MaterialUploadForm {
    /// PDF, Word (.docx), Excel (.xlsx), PNG or JPEG, recognised by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The version it belongs to (its `version_no`); the current version when omitted.
    version_no: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct MaterialDoc {
    pub id: i32,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i32,
    /// Where the public downloads it.
    pub url: String,
}

/// Attaches a material (材料) to a version of the draft, published with it.
#[utoipa::path(
    post,
    path = "/api/v1/staff/consultations/{id}/materials",
    params(("id" = i32, Path, description = "The consultation's id")),
    request_body(content = MaterialUploadForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = MaterialDoc),
        (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 413, body = Problem),
        (status = 422, description = "No file, a file of another kind, or no such version", body = Problem)
    )
)]
#[post("/consultations/{id}/materials")]
pub async fn upload_material(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    upload: ApiUpload,
) -> Result<HttpResponse, ApiError> {
    let c = upload.caller.consultation(&state, id.into_inner()).await?;
    let Some(file) = upload.file.as_ref().filter(|f| !f.bytes.is_empty()) else {
        return Ok(invalid(&FieldErrors::one("file", "请在 file 字段中上传材料文件")));
    };
    let file_name = base_name(&file.file_name);
    let Some(kind) = MaterialKind::sniff(&file.bytes) else {
        return Ok(invalid(&FieldErrors::one("file", format!("“{file_name}”不是可接受的文件：{NOT_A_MATERIAL}"))));
    };
    let no = match upload.field("version_no").map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match v.parse::<i32>() {
            Ok(no) => Some(no),
            Err(_) => return Ok(invalid(&FieldErrors::one("version_no", "版本号应为数字，例如 1"))),
        },
    };
    let (id, bytes, dir, name) = (c.id, file.bytes.clone(), state.settings.upload_dir.clone(), file_name.clone());
    let stored = db::run(&state.pool, move |conn| {
        let versions = Draft::versions(conn, id)?;
        let draft = match no {
            Some(no) => versions.iter().find(|d| d.version_no == no),
            None => versions.iter().find(|d| d.is_current),
        };
        let Some(draft) = draft else { return Ok(None) };
        let material = Material::store(conn, &dir, draft.id, &name, kind, &bytes, Utc::now().naive_utc())?;
        Ok(Some(material))
    })
    .await?;
    let Some(material) = stored else {
        return Ok(invalid(&FieldErrors::one("version_no", "所选的版本不存在，请先上传草案")));
    };
    state.pages.forget_all();
    upload.caller.audit(&state, AuditAction::MaterialUploaded, format!("{}，{file_name}", subject(&c))).await?;
    Ok(HttpResponse::Created().json(MaterialDoc {
        id: material.0,
        file_name,
        content_type: kind.content_type().to_owned(),
        size_bytes: file.bytes.len() as i32,
        url: Material::url(c.id, material),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ExplanationRequest {
    /// 起草说明 of the current version; empty to remove it.
    pub text: String,
}

/// Sets the 起草说明 of the current version, shown with the draft on the public page.
#[utoipa::path(
    put,
    path = "/api/v1/staff/consultations/{id}/explanation",
    params(("id" = i32, Path, description = "The consultation's id")),
    request_body = ExplanationRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Saved"),
        (status = 401, body = Problem),
        (status = 404, description = "No such consultation, or it has no draft yet", body = Problem),
        (status = 422, body = Problem)
    )
)]
#[put("/consultations/{id}/explanation")]
pub async fn save_explanation(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: ApiJson<ExplanationRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson { caller, body } = posted;
    let c = caller.consultation(&state, id.into_inner()).await?;
    if let Err(message) = versions::save_explanation(&state, c.id, &body.text).await? {
        return Ok(invalid(&FieldErrors::one("text", message)));
    }
    caller.audit(&state, AuditAction::ExplanationSaved, subject(&c)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publishes the consultation: the public sees it from the start of its window.
#[utoipa::path(
    post,
    path = "/api/v1/staff/consultations/{id}/publish",
    params(("id" = i32, Path, description = "The consultation's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffConsultationDoc),
        (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "No draft has been uploaded yet", body = Problem)
    )
)]
#[post("/consultations/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<ConsultationId>,
) -> Result<web::Json<StaffConsultationDoc>, ApiError> {
    let c = caller.consultation(&state, id.into_inner()).await?;
    let (id, now) = (c.id, Utc::now().naive_utc());
    let published = db::run(&state.pool, move |conn| Consultation::publish(conn, id, now)).await?;
    if !published {
        return Err(AppError::Closed("尚未上传征求意见稿，不能发布。请先上传征求意见稿。".to_owned()).into());
    }
    state.pages.forget_all();
    caller.audit(&state, AuditAction::Published, subject(&c)).await?;
    Ok(web::Json(StaffConsultationDoc::load(&state, id).await?))
}
