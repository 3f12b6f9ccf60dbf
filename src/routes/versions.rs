//! Public pages of a draft's versions: any version at its own stable address, and two versions
//! compared section by section with the changes marked.

use std::io::Read;

use actix_web::http::header::{
    CacheControl, CacheDirective, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::db;
use crate::domain::ids::ConsultationId;
use crate::domain::ids::MaterialId;
use crate::domain::material::human_size;
use crate::domain::window::format_china;
use crate::drafts::versions::Change;
use crate::error::AppError;
use crate::models::material::Material;
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

/// A material in a list of downloads.
pub struct MaterialLink {
    pub name: String,
    /// "PDF，820 KB，2026-12-06 14:05"
    pub details: String,
    pub url: String,
    /// Where staff remove it.
    pub delete_url: String,
}

impl MaterialLink {
    pub fn list(consultation: ConsultationId, materials: &[Material]) -> Vec<MaterialLink> {
        materials
            .iter()
            .map(|m| MaterialLink {
                name: m.file_name.clone(),
                details: format!(
                    "{}，{}，{}",
                    m.kind().map_or("文件", |k| k.label()),
                    human_size(i64::from(m.size_bytes)),
                    format_china(m.created_at)
                ),
                url: Material::url(consultation, m.id),
                delete_url: format!("/staff/consultations/{consultation}/versions/materials/{}/delete", m.id),
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
    materials: Vec<MaterialLink>,
    sections: Vec<VersionSection>,
    versions: Vec<VersionLink>,
}

#[get("/{id}/versions/{no}")]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(ConsultationId, i32)>,
) -> Result<HttpResponse, AppError> {
    if let Some(hit) = state.pages.get(req.path()) {
        return Ok(hit.respond(&req));
    }
    let (id, no) = path.into_inner();
    let (consultation, versions, sections, materials) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find_published(conn, id)?;
        let versions = Draft::versions(conn, id)?;
        let draft = versions.iter().find(|d| d.version_no == no).ok_or(AppError::NotFound)?;
        let sections = Section::for_draft(conn, draft.id)?;
        let materials = Material::for_draft(conn, draft.id)?;
        Ok((consultation, versions, sections, materials))
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
        materials: MaterialLink::list(id, &materials),
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

#[get("/{id}/compare")]
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

/// Always a download, never shown in the site's origin: named as uploaded (RFC 6266 `filename*`,
/// with a plain ASCII name for old browsers).
fn disposition(m: &Material) -> ContentDisposition {
    let fallback = format!("material-{}.{}", m.id, m.kind().map_or("bin", |k| k.extension()));
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: m.file_name.clone().into_bytes(),
            }),
        ],
    }
}

/// The size of the pieces a material is sent in.
const CHUNK: usize = 64 * 1024;

/// A material of a published consultation's version, streamed as a download with the type it
/// was recognised as; the browser is told not to guess another and to run nothing in it.
#[get("/{id}/materials/{material}")]
pub async fn material(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, MaterialId)>,
) -> Result<HttpResponse, AppError> {
    let (id, material_id) = path.into_inner();
    let material = db::run(&state.pool, move |conn| {
        Consultation::find_published(conn, id)?;
        Ok(Material::find_in(conn, id, material_id)?)
    })
    .await?;
    let path = material.path(&state.settings.upload_dir);
    let file = web::block(move || std::fs::File::open(path)).await.map_err(AppError::internal)?.map_err(|e| {
        tracing::error!(material = %material_id, error = %e, "a recorded material cannot be read");
        AppError::NotFound
    })?;
    let stream = futures_util::stream::try_unfold(file, |mut file| async move {
        let (file, chunk) = web::block(move || {
            let mut buf = vec![0; CHUNK];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok::<_, std::io::Error>((!chunk.is_empty()).then(|| (web::Bytes::from(chunk), file)))
    });
    Ok(HttpResponse::Ok()
        .content_type(material.content_type.as_str())
        .insert_header(disposition(&material))
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox; default-src 'none'"))
        .no_chunking(u64::try_from(material.size_bytes).unwrap_or(0))
        .streaming(stream))
}
