//! A consultation's versions of its draft, each version's sections and materials, and the
//! 修改对照表 between two versions, as JSON (published consultations only).

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db;
use crate::domain::ids::ConsultationId;
use crate::domain::window::format_china;
use crate::error::{ApiError, AppError};
use crate::exports::changes::COLUMNS;
use crate::models::material::Material;
use crate::models::{Consultation, Draft, Section};
use crate::routes::api::consultations::{SectionDoc, section_docs};
use crate::routes::views::section_views;
use crate::services::versions;
use crate::state::AppState;

/// A confirmed version of the draft.
#[derive(Serialize, ToSchema)]
pub struct VersionDoc {
    /// 1 for the first version, then 2, 3 …
    pub no: i32,
    /// 征求意见稿, 修订稿 …
    pub version_label: String,
    pub title: String,
    /// The version the consultation page shows.
    pub current: bool,
    /// When it was stored (China time).
    pub created_at: String,
    /// The version's public page (a stable address).
    pub url: String,
    /// Its sections, as JSON.
    pub api_url: String,
}

impl VersionDoc {
    fn new(d: &Draft) -> VersionDoc {
        let id = d.consultation_id;
        VersionDoc {
            no: d.version_no,
            version_label: d.version_label.clone(),
            title: d.title.clone(),
            current: d.is_current,
            created_at: format_china(d.created_at),
            url: format!("/consultations/{id}/versions/{}", d.version_no),
            api_url: format!("/api/v1/consultations/{id}/versions/{}", d.version_no),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    /// Oldest first.
    pub items: Vec<VersionDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub version: VersionDoc,
    /// The 起草说明 published with the version.
    pub explanation: Option<String>,
    pub sections: Vec<SectionDoc>,
    /// Its materials, as JSON.
    pub materials_url: String,
}

/// A file published with a version.
#[derive(Serialize, ToSchema)]
pub struct MaterialDoc {
    pub id: i32,
    /// The name it was uploaded with.
    pub file_name: String,
    /// Recognised by its content: application/pdf, …
    pub content_type: String,
    /// PDF, Word 文档, Excel 表格, 图片 …
    pub kind_label: String,
    pub size_bytes: i32,
    /// When it was uploaded (China time).
    pub created_at: String,
    /// The download (always an attachment).
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct MaterialList {
    pub items: Vec<MaterialDoc>,
}

/// One row of the 修改对照表.
#[derive(Serialize, ToSchema)]
pub struct ChangeRowDoc {
    /// 序号, from 1.
    pub seq: usize,
    /// 原条文 (empty for a new article).
    pub before: String,
    /// 修改后条文 (empty for a deleted one).
    pub after: String,
    /// 修改说明: the decisions that led to the change (「采纳第12号意见（区科技局）」), 新增 or 删除.
    pub note: String,
    /// `kept`, `changed`, `moved`, `new` or `deleted`.
    pub kind: String,
    /// 未修改 / 修改 / 移动 / 新增 / 删除
    pub kind_label: String,
}

/// The 修改对照表 between two versions.
#[derive(Serialize, ToSchema)]
pub struct ChangeTableDoc {
    pub from: i32,
    pub to: i32,
    /// The table's column headers: 序号, 原条文, 修改后条文, 修改说明.
    pub columns: Vec<String>,
    pub rows: Vec<ChangeRowDoc>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The earlier version's number (default: the one before `to`).
    from: Option<i32>,
    /// The later version's number (default: the current one).
    to: Option<i32>,
    /// `1`: unchanged articles are listed too.
    all: Option<String>,
}

/// The versions of a consultation's draft that the public may read.
#[utoipa::path(
    get,
    path = "/api/v1/consultations/{id}/versions",
    params(("id" = i32, Path, description = "The consultation's id")),
    responses((status = 200, body = VersionList), (status = 404, body = crate::routes::api::Problem))
)]
#[get("/consultations/{id}/versions")]
pub async fn list(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
) -> Result<web::Json<VersionList>, ApiError> {
    let id = id.into_inner();
    let versions = db::run(&state.pool, move |conn| {
        Consultation::find_published(conn, id)?;
        Ok(Draft::versions(conn, id)?)
    })
    .await?;
    Ok(web::Json(VersionList { items: versions.iter().map(VersionDoc::new).collect() }))
}

/// One version: its 起草说明 and its sections.
#[utoipa::path(
    get,
    path = "/api/v1/consultations/{id}/versions/{no}",
    params(
        ("id" = i32, Path, description = "The consultation's id"),
        ("no" = i32, Path, description = "The version's number, from 1"),
    ),
    responses((status = 200, body = VersionDetail), (status = 404, body = crate::routes::api::Problem))
)]
#[get("/consultations/{id}/versions/{no}")]
pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, i32)>,
) -> Result<web::Json<VersionDetail>, ApiError> {
    let (id, no) = path.into_inner();
    let (draft, sections) = db::run(&state.pool, move |conn| {
        Consultation::find_published(conn, id)?;
        let draft = Draft::version(conn, id, no)?;
        let sections = Section::for_draft(conn, draft.id)?;
        Ok((draft, sections))
    })
    .await?;
    let version = VersionDoc::new(&draft);
    let views = section_views(&format!("/consultations/{id}"), &sections);
    let sections = section_docs(&sections, views, |anchor, _| format!("{}#s-{anchor}", version.url));
    Ok(web::Json(VersionDetail {
        materials_url: format!("{}/materials", version.api_url),
        version,
        explanation: draft.explanation,
        sections,
    }))
}

/// The files published with one version.
#[utoipa::path(
    get,
    path = "/api/v1/consultations/{id}/versions/{no}/materials",
    params(
        ("id" = i32, Path, description = "The consultation's id"),
        ("no" = i32, Path, description = "The version's number, from 1"),
    ),
    responses((status = 200, body = MaterialList), (status = 404, body = crate::routes::api::Problem))
)]
#[get("/consultations/{id}/versions/{no}/materials")]
pub async fn materials(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, i32)>,
) -> Result<web::Json<MaterialList>, ApiError> {
    let (id, no) = path.into_inner();
    let materials = db::run(&state.pool, move |conn| {
        Consultation::find_published(conn, id)?;
        let draft = Draft::version(conn, id, no)?;
        Ok(Material::for_draft(conn, draft.id)?)
    })
    .await?;
    Ok(web::Json(MaterialList {
        items: materials
            .iter()
            .map(|m| MaterialDoc {
                id: m.id.0,
                file_name: m.file_name.clone(),
                content_type: m.content_type.clone(),
                kind_label: m.kind().map_or("文件", |k| k.label()).to_owned(),
                size_bytes: m.size_bytes,
                created_at: format_china(m.created_at),
                url: Material::url(id, m.id),
            })
            .collect(),
    }))
}

/// The 修改对照表 between two versions: a row per changed, moved, new or deleted article (and
/// per unchanged one with `all=1`), its 修改说明 made from the adoption decisions.
#[utoipa::path(
    get,
    path = "/api/v1/consultations/{id}/compare",
    params(("id" = i32, Path, description = "The consultation's id"), CompareQuery),
    responses(
        (status = 200, body = ChangeTableDoc),
        (status = 400, body = crate::routes::api::Problem),
        (status = 404, body = crate::routes::api::Problem)
    )
)]
#[get("/consultations/{id}/compare")]
pub async fn compare(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    query: web::Query<CompareQuery>,
) -> Result<web::Json<ChangeTableDoc>, ApiError> {
    let id = id.into_inner();
    let CompareQuery { from, to, all } = query.into_inner();
    let all = all.as_deref() == Some("1");
    let (from, to, rows) = db::run(&state.pool, move |conn| {
        Consultation::find_published(conn, id)?;
        let last = Draft::versions(conn, id)?.last().map_or(1, |d| d.version_no);
        let to = to.unwrap_or(last);
        let from = from.unwrap_or(to - 1);
        if from < 1 {
            return Err(AppError::BadRequest("这项意见征集只有一个版本，没有可比较的修改。".to_owned()));
        }
        Ok((from, to, versions::change_table(conn, id, from, to, all)?))
    })
    .await?;
    Ok(web::Json(ChangeTableDoc {
        from,
        to,
        columns: COLUMNS.iter().map(|c| c.header.to_owned()).collect(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| ChangeRowDoc {
                seq: i + 1,
                before: r.before,
                after: r.after,
                note: r.note,
                kind: r.kind.code().to_owned(),
                kind_label: r.kind.label().to_owned(),
            })
            .collect(),
    }))
}
