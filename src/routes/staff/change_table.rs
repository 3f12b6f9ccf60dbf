//! The 修改对照表 between two versions: shown with each 修改说明 editable, then downloaded as DOCX,
//! XLSX or CSV.

use std::collections::HashMap;

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::StaffChrome;
use crate::auth::{CsrfForm, StaffUser};
use crate::db;
use crate::domain::ids::ConsultationId;
use crate::error::AppError;
use crate::exports::Format;
use crate::exports::changes::{self, ChangeRow};
use crate::models::Draft;
use crate::routes::render;
use crate::services::versions;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Choice {
    from: Option<i32>,
    to: Option<i32>,
    all: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/change_table.html")]
struct ChangeTablePage {
    staff: StaffChrome,
    title: String,
    manage_url: String,
    from: i32,
    to: i32,
    all: bool,
    rows: Vec<ChangeRow>,
}

/// The versions compared: by default the current one and the one before it.
async fn load(
    state: &AppState,
    id: ConsultationId,
    from: Option<i32>,
    to: Option<i32>,
    all: bool,
) -> Result<(i32, i32, Vec<ChangeRow>), AppError> {
    db::run(&state.pool, move |conn| {
        let last = Draft::versions(conn, id)?.last().map_or(1, |d| d.version_no);
        let to = to.unwrap_or(last);
        let from = from.unwrap_or(to - 1);
        Ok((from, to, versions::change_table(conn, id, from, to, all)?))
    })
    .await
}

#[get("/consultations/{id}/versions/changes")]
pub async fn show(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
    query: web::Query<Choice>,
) -> Result<HttpResponse, AppError> {
    let c = staff.consultation(&state, id.into_inner()).await?;
    let all = query.all.as_deref() == Some("1");
    let (from, to, rows) = load(&state, c.id, query.from, query.to, all).await?;
    render(&ChangeTablePage {
        staff: StaffChrome::new(&staff),
        title: c.title.clone(),
        manage_url: format!("/staff/consultations/{}", c.id),
        from,
        to,
        all,
        rows,
    })
}

#[derive(Deserialize)]
pub struct DownloadForm {
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

#[post("/consultations/{id}/versions/changes")]
pub async fn download(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    form: CsrfForm<DownloadForm>,
) -> Result<HttpResponse, AppError> {
    let c = form.user.consultation(&state, id.into_inner()).await?;
    let fields = &form.form.fields;
    let number = |name: &str| fields.get(name).and_then(|v| v.parse::<i32>().ok());
    let format = match fields.get("format").map(String::as_str) {
        Some("xlsx") => Format::Xlsx,
        Some("csv") => Format::Csv,
        _ => Format::Docx,
    };
    let all = fields.get("all").map(String::as_str) == Some("1");
    let (_, _, mut rows) = load(&state, c.id, number("from"), number("to"), all).await?;
    for (k, row) in rows.iter_mut().enumerate() {
        if let Some(note) = fields.get(&format!("note_{}", k + 1)) {
            row.note = note.trim().to_owned();
        }
    }
    let title = format!("《{}》修改对照表", c.title.trim_matches(['《', '》']));
    let mut bytes: Vec<u8> = Vec::new();
    changes::write(&title, &rows, format, &mut bytes).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(format.mime_type())
        .insert_header(disposition(&title, format))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// `attachment`, an ASCII name for old browsers and the Chinese one as RFC 6266 `filename*`.
fn disposition(title: &str, format: Format) -> ContentDisposition {
    let name = format!("{}.{}", title.replace(['/', '\\', '"'], "_"), format.extension());
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(format!("change-table.{}", format.extension())),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: actix_web::http::header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.into_bytes(),
            }),
        ],
    }
}
