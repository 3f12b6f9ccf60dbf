//! Uploading a consultation's draft: .txt, .md or .docx, split into numbered sections.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfUpload, StaffUser};
use crate::db;
use crate::domain::consultation::VersionLabel;
use crate::domain::ids::ConsultationId;
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::models::{Consultation, Draft};
use crate::routes::render;
pub(super) use crate::services::drafts::base_name;
use crate::services::drafts::{self, DraftRefused, UploadDraft};
use crate::state::AppState;

pub struct VersionOption {
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "staff/draft.html")]
struct DraftPage {
    staff: StaffChrome,
    title: String,
    manage_url: String,
    /// "修订稿 · draft.docx · 2026-11-22 10:00"
    current: Option<String>,
    versions: Vec<VersionOption>,
    error: Option<String>,
    max_mb: usize,
}

impl DraftPage {
    fn new(
        staff: &StaffUser,
        c: &Consultation,
        current: Option<&Draft>,
        chosen: VersionLabel,
        error: Option<String>,
        max_bytes: usize,
    ) -> DraftPage {
        DraftPage {
            staff: StaffChrome::new(staff),
            title: c.title.clone(),
            manage_url: format!("/staff/consultations/{}", c.id),
            current: current
                .map(|d| format!("{} · {} · {}", d.version_label, d.source_name, format_china(d.created_at))),
            versions: VersionLabel::ALL
                .into_iter()
                .map(|v| VersionOption { label: v.label(), selected: v == chosen })
                .collect(),
            error,
            max_mb: max_bytes.div_ceil(1024 * 1024),
        }
    }
}

async fn current_draft(state: &AppState, c: &Consultation) -> Result<Option<Draft>, AppError> {
    let id = c.id;
    db::run(&state.pool, move |conn| Ok(Draft::current_for(conn, id)?)).await
}

#[get("/consultations/{id}/draft")]
pub async fn upload_form(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    let c = staff.consultation(&state, id.into_inner()).await?;
    let current = current_draft(&state, &c).await?;
    // A first upload is the version for comment; later ones are usually revisions.
    let chosen = if current.is_some() { VersionLabel::Revised } else { VersionLabel::ForComment };
    render(&DraftPage::new(&staff, &c, current.as_ref(), chosen, None, state.settings.upload_max_bytes))
}

#[post("/consultations/{id}/draft")]
pub async fn upload(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    upload: CsrfUpload,
) -> Result<HttpResponse, AppError> {
    let staff = &upload.user;
    let c = staff.consultation(&state, id.into_inner()).await?;
    let version = upload.field("version_label").and_then(VersionLabel::parse).unwrap_or(VersionLabel::ForComment);
    let refuse = |message: String, current: Option<Draft>| {
        let max = state.settings.upload_max_bytes;
        render_invalid(&DraftPage::new(staff, &c, current.as_ref(), version, Some(message), max))
    };
    let Some(file) = upload.file.as_ref() else {
        return refuse("请选择要上传的文件（.txt、.md 或 .docx）。".to_owned(), current_draft(&state, &c).await?);
    };
    let command = UploadDraft {
        file_name: file.file_name.clone(),
        bytes: file.bytes.clone(),
        version,
        by_paragraphs: upload.field("split") == Some("paragraphs"),
    };
    let uploaded = match drafts::upload(&state, &c, command).await {
        Ok(uploaded) => uploaded,
        Err(DraftRefused::Unreadable(message)) => return refuse(message, current_draft(&state, &c).await?),
        Err(DraftRefused::Error(err)) => return Err(err),
    };
    let found = match (uploaded.notice, uploaded.toc) {
        (true, true) => "文件在正文前有一段公告，正文带有目录，均未作为条目。",
        (true, false) => "文件在正文前有一段公告，未作为条目。",
        (false, true) => "正文带有目录，未作为条目。",
        (false, false) => "",
    };
    let parts = uploaded.sections;
    staff.session.flash(
        false,
        format!("已上传{}，共 {parts} 个部分。{found}请核对下面的大纲，分错的地方可以直接改正。", version.label()),
    )?;
    Ok(see_other(&format!("/staff/consultations/{}/outline", c.id)))
}
