//! Serving a scanned letter to the staff who manage its consultation, and to nobody else.

use actix_web::http::header::{
    CacheControl, CacheDirective, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpResponse, get, web};

use crate::auth::{StaffUser, ensure_can_manage};
use crate::db;
use crate::domain::ids::AttachmentId;
use crate::error::AppError;
use crate::models::Consultation;
use crate::models::attachment::Attachment;
use crate::state::AppState;

/// Shown inline (PDF or image; the stored type comes from the file's content, and the
/// browser is told not to guess another), named as uploaded, never cached.
fn disposition(a: &Attachment) -> ContentDisposition {
    let fallback = format!("attachment-{}.{}", a.id, a.kind().map_or("bin", |k| k.extension()));
    ContentDisposition {
        disposition: if a.kind().is_some() { DispositionType::Inline } else { DispositionType::Attachment },
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: a.file_name.clone().into_bytes(),
            }),
        ],
    }
}

#[get("/attachments/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<AttachmentId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (attachment, consultation) = db::run(&state.pool, move |conn| {
        let attachment = Attachment::find(conn, id)?;
        let consultation = Consultation::find(conn, attachment.consultation_id)?;
        Ok((attachment, consultation))
    })
    .await?;
    ensure_can_manage(&staff.access, &consultation)?;
    let path = attachment.path(&state.settings.upload_dir);
    let bytes = web::block(move || std::fs::read(path)).await.map_err(AppError::internal)?.map_err(|e| {
        tracing::error!(attachment = %id, error = %e, "a recorded attachment cannot be read");
        AppError::NotFound
    })?;
    Ok(HttpResponse::Ok()
        .content_type(attachment.content_type.as_str())
        .insert_header(disposition(&attachment))
        .insert_header(CacheControl(vec![CacheDirective::Private, CacheDirective::NoStore]))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}
