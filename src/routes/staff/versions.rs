//! Revising a draft: upload a revised version, check and correct how its sections match the current
//! version's, then save it as the current version.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::drafts::base_name;
use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfForm, CsrfUpload, StaffUser};
use crate::db;
use crate::domain::consultation::VersionLabel;
use crate::domain::ids::MaterialId;
use crate::domain::ids::{ConsultationId, SectionId};
use crate::domain::material::{MaterialKind, NOT_A_MATERIAL};
use crate::domain::window::format_china;
use crate::drafts;
use crate::drafts::versions::Change;
use crate::error::AppError;
use crate::models::draft::{DraftSource, Section};
use crate::models::material::Material;
use crate::models::{Consultation, Draft};
use crate::routes::render;
use crate::routes::versions::MaterialLink;
use crate::services::versions::{self, Comparison};
use crate::state::AppState;
use crate::text::similar::Grouper;
use crate::text::wording_diff::{diff_chars, to_html};

/// A version in the list.
pub struct VersionRow {
    pub no: i32,
    pub label: String,
    pub public_url: String,
    pub current: bool,
    pub materials: Vec<MaterialLink>,
}

#[derive(Template)]
#[template(path = "staff/versions.html")]
struct VersionsPage {
    staff: StaffChrome,
    title: String,
    manage_url: String,
    versions: Vec<VersionRow>,
    has_pending: bool,
    /// The current version's 起草说明, to edit.
    explanation: String,
    /// Why the 起草说明 sent was not saved (it is then shown as typed).
    explanation_error: Option<String>,
    refusal: Option<String>,
    error: Option<String>,
    max_mb: usize,
}

fn grouper(state: &AppState) -> Arc<Grouper> {
    state.groups.grouper()
}

async fn versions_page(
    state: &AppState,
    staff: &StaffUser,
    c: &Consultation,
    error: Option<String>,
) -> Result<VersionsPage, AppError> {
    let id = c.id;
    let (saved, pending, materials) = db::run(&state.pool, move |conn| {
        let saved = Draft::versions(conn, id)?;
        let materials = saved.iter().map(|d| Material::for_draft(conn, d.id)).collect::<Result<Vec<_>, _>>()?;
        Ok((saved, Draft::pending_for(conn, id)?, materials))
    })
    .await?;
    Ok(VersionsPage {
        staff: StaffChrome::new(staff),
        title: c.title.clone(),
        manage_url: format!("/staff/consultations/{id}"),
        versions: saved
            .iter()
            .zip(&materials)
            .map(|(d, materials)| VersionRow {
                no: d.version_no,
                current: d.is_current,
                materials: MaterialLink::list(id, materials),
                label: format!(
                    "第{}版 {} · {} · {}{}",
                    d.version_no,
                    d.version_label,
                    d.source_name,
                    format_china(d.created_at),
                    if d.is_current { "（当前版本）" } else { "" }
                ),
                public_url: format!("/consultations/{id}/versions/{}", d.version_no),
            })
            .collect(),
        has_pending: pending.is_some(),
        explanation: saved.iter().find(|d| d.is_current).and_then(|d| d.explanation.clone()).unwrap_or_default(),
        explanation_error: None,
        refusal: versions::refusal(c, Utc::now()),
        error,
        max_mb: state.settings.upload_max_bytes.div_ceil(1024 * 1024),
    })
}

#[get("/consultations/{id}/versions")]
pub async fn list(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    let c = staff.consultation(&state, id.into_inner()).await?;
    render(&versions_page(&state, &staff, &c, None).await?)
}

#[post("/consultations/{id}/versions")]
pub async fn upload(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    upload: CsrfUpload,
) -> Result<HttpResponse, AppError> {
    let staff = &upload.user;
    let c = staff.consultation(&state, id.into_inner()).await?;
    let Some(file) = upload.file.as_ref() else {
        let message = "请选择修改稿文件（.txt、.md 或 .docx）。".to_owned();
        return render_invalid(&versions_page(&state, staff, &c, Some(message)).await?);
    };
    let version = upload.field("version_label").and_then(VersionLabel::parse).unwrap_or(VersionLabel::Revised);
    let file_name = base_name(&file.file_name);
    let (bytes, name) = (file.bytes.clone(), file_name.clone());
    let imported = match web::block(move || drafts::import(&bytes, &name)).await.map_err(AppError::internal)? {
        Ok(imported) => imported,
        Err(err) => {
            let message = format!("无法导入“{file_name}”：{err}");
            return render_invalid(&versions_page(&state, staff, &c, Some(message)).await?);
        }
    };
    let (grouper, consultation) = (grouper(&state), c.clone());
    let title = imported.title.clone().unwrap_or_else(|| c.title.clone());
    let result = db::run(&state.pool, move |conn| {
        let source = DraftSource {
            version_label: version.label(),
            title: &title,
            file_name: &file_name,
            announce_notice: false,
        };
        versions::propose(conn, &grouper, &consultation, &source, &imported, Utc::now())
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/consultations/{}/versions/pending", c.id))),
        Err(AppError::Closed(message) | AppError::BadRequest(message)) => {
            render_invalid(&versions_page(&state, staff, &c, Some(message)).await?)
        }
        Err(err) => Err(err),
    }
}

/// A previous section offered as the origin of a revised one.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A row of the matching page.
pub struct MatchRow {
    /// The field name of the row's choice, "" for a deleted section (nothing to choose).
    pub field: String,
    /// The field where another original section may be named by its number, and what
    /// was typed there.
    pub number_field: String,
    pub number: String,
    pub new_title: String,
    pub old_titles: String,
    pub change: &'static str,
    pub change_code: &'static str,
    /// The change in wording, as HTML with <ins>/<del> and labels.
    pub diff_html: String,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "staff/version_matching.html")]
struct MatchingPage {
    staff: StaffChrome,
    title: String,
    manage_url: String,
    older: String,
    newer: String,
    rows: Vec<MatchRow>,
    counts: Vec<(&'static str, usize)>,
    error: Option<String>,
}

/// Each row offers the previous version's sections this far on either side of its match
/// (and of where a new section stands); any other is named by its number in the field
/// beside. Offering them all would put 90,000 options on the page of a 300-article draft.
const NEARBY: usize = 3;

/// The rows of the matching page; `sent`: a form sent back with an error, whose choices and
/// typed numbers are shown again instead of the stored ones.
fn matching_rows(comparison: &Comparison, sent: &HashMap<String, String>) -> Vec<MatchRow> {
    let position: HashMap<SectionId, usize> = comparison.old.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    // Where the last matched section stood in the previous version: a new section is
    // offered the ones around it.
    let mut next = 0;
    comparison
        .rows()
        .into_iter()
        .map(|row| {
            let chosen = row.old.first().map(|s| s.id);
            let centre = chosen.and_then(|id| position.get(&id).copied()).unwrap_or(next);
            if let Some(at) = chosen.and_then(|id| position.get(&id)) {
                next = at + 1;
            }
            let diff_html = match (row.old.as_slice(), row.new) {
                ([old], Some(new)) if row.change != Change::Kept => to_html(&diff_chars(&old.body, &new.body)),
                _ => String::new(),
            };
            let nearby = centre.saturating_sub(NEARBY)..(centre + NEARBY + 1).min(comparison.old.len());
            let choices = match row.new {
                None => Vec::new(),
                Some(_) => std::iter::once(Choice {
                    value: "new".to_owned(),
                    label: "新增（无对应原条文）".to_owned(),
                    selected: chosen.is_none(),
                })
                .chain(
                    comparison
                        .old
                        .iter()
                        .enumerate()
                        .filter(|(i, s)| nearby.contains(i) || row.old.iter().any(|o| o.id == s.id))
                        .map(|(_, s)| Choice {
                            value: s.id.to_string(),
                            label: s.title(),
                            selected: Some(s.id) == chosen,
                        }),
                )
                .collect(),
            };
            let field = row.new.map(|s| format!("from_{}", s.id)).unwrap_or_default();
            let number_field = row.new.map(|s| format!("number_{}", s.id)).unwrap_or_default();
            let mut choices = choices;
            if let Some(value) = sent.get(&field)
                && choices.iter().any(|c| &c.value == value)
            {
                choices.iter_mut().for_each(|c| c.selected = &c.value == value);
            }
            MatchRow {
                number: sent.get(&number_field).cloned().unwrap_or_default(),
                field,
                number_field,
                new_title: row.new.map(|s| s.title()).unwrap_or_else(|| "（已删除）".to_owned()),
                old_titles: row.old.iter().map(|s| s.title()).collect::<Vec<_>>().join("、"),
                change: row.change.label(),
                change_code: row.change.code(),
                diff_html,
                choices,
            }
        })
        .collect()
}

#[get("/consultations/{id}/versions/pending")]
pub async fn matching(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    let c = staff.consultation(&state, id.into_inner()).await?;
    render(&matching_page(&state, &staff, &c, None, &HashMap::new()).await?)
}

async fn matching_page(
    state: &AppState,
    staff: &StaffUser,
    c: &Consultation,
    error: Option<String>,
    sent: &HashMap<String, String>,
) -> Result<MatchingPage, AppError> {
    let id = c.id;
    let comparison = db::run(&state.pool, move |conn| {
        let pending = Draft::pending_for(conn, id)?.ok_or(AppError::NotFound)?;
        Comparison::load_pending(conn, id, pending.id)
    })
    .await?;
    let rows = matching_rows(&comparison, sent);
    let counts = Change::ALL
        .into_iter()
        .map(|c| (c.label(), rows.iter().filter(|r| r.change_code == c.code()).count()))
        .collect();
    Ok(MatchingPage {
        staff: StaffChrome::new(staff),
        title: c.title.clone(),
        manage_url: format!("/staff/consultations/{id}"),
        older: format!("第{}版 {}", comparison.older.version_no, comparison.older.version_label),
        newer: format!("{}（{}）", comparison.newer.version_label, comparison.newer.source_name),
        rows,
        counts,
        error,
    })
}

#[derive(Deserialize)]
pub struct MatchingForm {
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

#[post("/consultations/{id}/versions/pending")]
pub async fn save_matching(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    form: CsrfForm<MatchingForm>,
) -> Result<HttpResponse, AppError> {
    let staff = &form.user;
    let c = staff.consultation(&state, id.into_inner()).await?;
    let fields = &form.form.fields;
    let action = fields.get("action").map(String::as_str).unwrap_or("save").to_owned();
    let mut choices: HashMap<SectionId, Option<SectionId>> = HashMap::new();
    let mut typed: Vec<(SectionId, String)> = Vec::new();
    for (name, value) in fields {
        if let Some(section) = name.strip_prefix("number_").and_then(|n| n.parse().ok()).map(SectionId) {
            if !value.trim().is_empty() {
                typed.push((section, value.trim().to_owned()));
            }
            continue;
        }
        let Some(section) = name.strip_prefix("from_").and_then(|n| n.parse().ok()).map(SectionId) else { continue };
        let from = if value == "new" { None } else { Some(value.parse().map(SectionId).map_err(|_| bad_choice())?) };
        choices.insert(section, from);
    }
    let id = c.id;
    let done = db::run(&state.pool, move |conn| {
        let pending = Draft::pending_for(conn, id)?.ok_or(AppError::NotFound)?;
        // A number typed beside a row names its original section, whatever the list says.
        if !typed.is_empty() {
            let older = Draft::current_for(conn, id)?.ok_or(AppError::NotFound)?;
            let old = Section::for_draft(conn, older.id)?;
            for (section, number) in &typed {
                let named: Vec<&Section> = old.iter().filter(|s| drafts::names_number(&s.number, number)).collect();
                match named.as_slice() {
                    [one] => {
                        choices.insert(*section, Some(one.id));
                    }
                    [] => {
                        return Err(AppError::BadRequest(format!(
                            "原条文中没有编号为“{number}”的条文，请核对后重新填写。"
                        )));
                    }
                    _ => {
                        return Err(AppError::BadRequest(format!(
                            "原条文中有多处编号为“{number}”，请从列表中选择，或写出完整编号（如“第十八条”）。"
                        )));
                    }
                }
            }
        }
        match action.as_str() {
            "discard" => Draft::discard_pending(conn, id).map(|_| "已放弃这份修改稿，当前版本不变。"),
            _ => {
                versions::correct(conn, id, pending.id, &choices)?;
                if action == "confirm" {
                    versions::confirm(conn, id, pending.id)?;
                    Ok("修改稿已保存为当前版本；各条意见仍对应其原条文，并显示在修改稿中的位置。")
                } else {
                    Ok("对应关系已保存，请核对后确认。")
                }
            }
        }
    })
    .await;
    let done = match done {
        Ok(done) => done,
        Err(AppError::BadRequest(message)) => {
            return render_invalid(&matching_page(&state, staff, &c, Some(message), fields).await?);
        }
        Err(err) => return Err(err),
    };
    state.pages.forget_all();
    staff.session.flash(false, done.to_owned())?;
    let to = if done.starts_with("对应关系") {
        format!("/staff/consultations/{id}/versions/pending")
    } else {
        format!("/staff/consultations/{id}/versions")
    };
    Ok(see_other(&to))
}

fn bad_choice() -> AppError {
    AppError::BadRequest("所选的原条文无效，请返回重新选择。".to_owned())
}

#[derive(Deserialize)]
pub struct ExplanationForm {
    explanation: String,
}

/// The 起草说明 form's body limit: a Chinese character takes nine bytes once
/// percent-encoded, so the general 256 KB form limit would cut a long explanation off at
/// about 29,000 字 with a bare error page, far below the 100,000 字 the field accepts.
pub const EXPLANATION_FORM_LIMIT: usize = 2 * 1024 * 1024;

/// The 起草说明 route, with its own body limit (see [`EXPLANATION_FORM_LIMIT`]).
pub fn save_explanation_service() -> actix_web::Resource {
    web::resource("/consultations/{id}/versions/explanation")
        .app_data(web::PayloadConfig::new(EXPLANATION_FORM_LIMIT))
        .route(web::post().to(save_explanation))
}

async fn save_explanation(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    form: CsrfForm<ExplanationForm>,
) -> Result<HttpResponse, AppError> {
    let staff = &form.user;
    let c = staff.consultation(&state, id.into_inner()).await?;
    if let Err(message) = versions::save_explanation(&state, c.id, &form.form.explanation).await? {
        let page = versions_page(&state, staff, &c, None).await?;
        let typed = form.form.explanation.clone();
        return render_invalid(&VersionsPage { explanation: typed, explanation_error: Some(message), ..page });
    }
    let id = c.id;
    staff.session.flash(false, "起草说明已保存，并在公开页面上显示。".to_owned())?;
    Ok(see_other(&format!("/staff/consultations/{id}/versions")))
}

/// Attaches a file (材料) to a saved version: PDF, Word, Excel or an image, recognised by its
/// content; the size limit is the upload limit of the settings.
#[post("/consultations/{id}/versions/materials")]
pub async fn upload_material(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    sent: CsrfUpload,
) -> Result<HttpResponse, AppError> {
    let staff = &sent.user;
    let c = staff.consultation(&state, id.into_inner()).await?;
    let refuse = |message: String| async { render_invalid(&versions_page(&state, staff, &c, Some(message)).await?) };
    let Some(file) = sent.file.as_ref().filter(|f| !f.bytes.is_empty()) else {
        return refuse("请选择要上传的材料文件。".to_owned()).await;
    };
    let file_name = base_name(&file.file_name);
    let Some(kind) = MaterialKind::sniff(&file.bytes) else {
        return refuse(format!("“{file_name}”不是可接受的文件：{NOT_A_MATERIAL}")).await;
    };
    let no = sent.field("version_no").and_then(|v| v.trim().parse::<i32>().ok());
    let (id, bytes, dir) = (c.id, file.bytes.clone(), state.settings.upload_dir.clone());
    let name = file_name.clone();
    let stored = db::run(&state.pool, move |conn| {
        let versions = Draft::versions(conn, id)?;
        let draft = match no {
            Some(no) => versions.iter().find(|d| d.version_no == no),
            None => versions.iter().find(|d| d.is_current),
        };
        let Some(draft) = draft else {
            return Err(AppError::BadRequest("所选的版本不存在，请先上传草案。".to_owned()));
        };
        Material::store(conn, &dir, draft.id, &name, kind, &bytes, Utc::now().naive_utc())
    })
    .await;
    match stored {
        Ok(_) => {}
        Err(AppError::BadRequest(message)) => return refuse(message).await,
        Err(err) => return Err(err),
    }
    state.pages.forget_all();
    staff.session.flash(false, format!("材料“{file_name}”已上传，并在公开页面上列出。"))?;
    Ok(see_other(&format!("/staff/consultations/{id}/versions")))
}

#[derive(Deserialize)]
pub struct NoFields {}

/// Removes a material: its row, then its file.
#[post("/consultations/{id}/versions/materials/{material}/delete")]
pub async fn delete_material(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, MaterialId)>,
    form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let staff = &form.user;
    let (id, material_id) = path.into_inner();
    let c = staff.consultation(&state, id).await?;
    let id = c.id;
    let material = db::run(&state.pool, move |conn| {
        let material = Material::find_in(conn, id, material_id)?;
        Material::delete(conn, material.id)?;
        Ok(material)
    })
    .await?;
    if let Err(err) = std::fs::remove_file(material.path(&state.settings.upload_dir)) {
        tracing::warn!(material = %material_id, error = %err, "could not remove a deleted material's file");
    }
    state.pages.forget_all();
    staff.session.flash(false, format!("材料“{}”已删除。", material.file_name))?;
    Ok(see_other(&format!("/staff/consultations/{id}/versions")))
}
