//! Extractors for staff handlers: who is logged in, and forms whose CSRF token has been checked.

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::error::{InternalError, PayloadError};
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::OptionalExtension;
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::session::{StaffSession, password_version};
use super::{CSRF_REFUSED, ensure_can_manage};
use crate::db;
use crate::domain::agency::StaffAccess;
use crate::domain::ids::ConsultationId;
use crate::error::AppError;
use crate::models::agency::access_of;
use crate::models::staff_session::StaffSessionRecord;
use crate::models::{Consultation, User};
use crate::state::AppState;

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| AppError::internal(anyhow::anyhow!("no AppState")))
}

/// The active account the session belongs to, if any. A session whose account has been
/// deactivated, removed, or given a new password is emptied.
pub(crate) async fn session_user(req: &HttpRequest) -> Result<(Option<(User, StaffAccess)>, StaffSession), AppError> {
    let session = StaffSession::of(req);
    let Some(who) = session.user(Utc::now())? else { return Ok((None, session)) };
    let Some(session_id) = who.session_id.clone() else {
        session.forget_user();
        return Ok((None, session));
    };
    let state = app_state(req)?;
    let id = who.id;
    let user = db::run(&state.pool, move |conn| {
        // The record on the server decides: a logged-out session is over for every copy of the cookie.
        if !StaffSessionRecord::is_live(conn, &session_id, id)? {
            return Ok(None);
        }
        let Some(user) = User::find(conn, id).optional()? else { return Ok(None) };
        let access = access_of(conn, &user)?;
        Ok(Some((user, access)))
    })
    .await?;
    match user {
        Some((user, access)) if user.active && password_version(&user.password_hash) == who.password_version => {
            Ok((Some((user, access)), session))
        }
        _ => {
            session.forget_user();
            Ok((None, session))
        }
    }
}

/// A 303 to the login page that comes back to this page afterwards.
fn login_redirect(req: &HttpRequest) -> actix_web::Error {
    let here = match req.uri().path_and_query() {
        Some(pq) => pq.as_str().to_owned(),
        None => req.path().to_owned(),
    };
    let query = serde_urlencoded::to_string([("next", here.as_str())]).unwrap_or_default();
    let response = HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/staff/login?{query}"))).finish();
    InternalError::from_response("login required", response).into()
}

fn not_logged_in() -> AppError {
    AppError::Forbidden("您尚未登录或登录已超时，请重新登录后再提交。".to_owned())
}

/// A logged-in staff member, for GET pages; without a valid session the visitor is sent
/// to the login page. It refuses other methods: POST handlers take [`CsrfForm`] or
/// [`CsrfUpload`], which check the CSRF token, so that the check cannot be forgotten.
pub struct StaffUser {
    pub user: User,
    /// What the access rules know of them: platform administrator, agency roles.
    pub access: StaffAccess,
    pub session: StaffSession,
    /// This session's CSRF token, for the forms on the page.
    pub csrf: String,
}

impl StaffUser {
    fn new((user, access): (User, StaffAccess), session: StaffSession) -> Result<StaffUser, AppError> {
        let csrf = session.csrf_token()?;
        Ok(StaffUser { user, access, session, csrf })
    }

    /// The consultation `id`, if this user may manage it (404 when there is none, 403
    /// when it is someone else's).
    pub async fn consultation(&self, state: &AppState, id: ConsultationId) -> Result<Consultation, AppError> {
        let consultation = db::run(&state.pool, move |conn| Ok(Consultation::find(conn, id)?)).await?;
        ensure_can_manage(&self.access, &consultation)?;
        Ok(consultation)
    }
}

impl FromRequest for StaffUser {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if !matches!(*req.method(), Method::GET | Method::HEAD) {
                let msg = format!(
                    "{} {} takes StaffUser: POST handlers take CsrfForm or CsrfUpload",
                    req.method(),
                    req.path()
                );
                return Err(AppError::internal(anyhow::anyhow!(msg)).into());
            }
            match session_user(&req).await? {
                (Some(user), session) => Ok(StaffUser::new(user, session)?),
                (None, _) => Err(login_redirect(&req)),
            }
        })
    }
}

fn admin_only() -> AppError {
    AppError::Forbidden("此页面仅限管理员使用。".to_owned())
}

/// A logged-in administrator; anyone else logged in gets a 403 page.
pub struct AdminUser(pub StaffUser);

impl FromRequest for AdminUser {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = StaffUser::from_request(req, payload);
        Box::pin(async move {
            let staff = staff.await?;
            if !staff.user.is_admin() {
                return Err(admin_only().into());
            }
            Ok(AdminUser(staff))
        })
    }
}

/// Someone who need not be logged in (the login form itself), with their session.
pub struct Anonymous(pub StaffSession);

/// Who may submit a form: [`StaffUser`], [`AdminUser`] or [`Anonymous`].
pub trait Authenticated: Sized + 'static {
    fn authenticate(req: HttpRequest) -> LocalBoxFuture<'static, Result<Self, AppError>>;
}

impl Authenticated for StaffUser {
    fn authenticate(req: HttpRequest) -> LocalBoxFuture<'static, Result<Self, AppError>> {
        Box::pin(async move {
            match session_user(&req).await? {
                (Some(user), session) => StaffUser::new(user, session),
                (None, _) => Err(not_logged_in()),
            }
        })
    }
}

impl Authenticated for AdminUser {
    fn authenticate(req: HttpRequest) -> LocalBoxFuture<'static, Result<Self, AppError>> {
        Box::pin(async move {
            let staff = StaffUser::authenticate(req).await?;
            if !staff.user.is_admin() {
                return Err(admin_only());
            }
            Ok(AdminUser(staff))
        })
    }
}

impl Authenticated for Anonymous {
    fn authenticate(req: HttpRequest) -> LocalBoxFuture<'static, Result<Self, AppError>> {
        Box::pin(async move { Ok(Anonymous(StaffSession::of(&req))) })
    }
}

/// The token every staff form carries.
#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

fn check_csrf(session: &StaffSession, submitted: &str) -> Result<(), AppError> {
    if session.csrf_matches(submitted) { Ok(()) } else { Err(AppError::Forbidden(CSRF_REFUSED.to_owned())) }
}

/// A form with nothing in it but the CSRF token (publish, log out …).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// A URL-encoded form `T` from `U`, whose CSRF token matched the session's. The token is
/// checked before the handler runs; a mismatch is a 403 page.
pub struct CsrfForm<T, U = StaffUser> {
    pub user: U,
    pub form: T,
}

impl<T: DeserializeOwned + 'static, U: Authenticated> FromRequest for CsrfForm<T, U> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let body = body.await.map_err(|err| match err.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => {
                    AppError::PayloadTooLarge("提交的内容过长，请精简后再提交。".to_owned())
                }
                _ => AppError::BadRequest("提交的表单不完整，请返回重新填写。".to_owned()),
            })?;
            let user = U::authenticate(req.clone()).await?;
            let token = serde_urlencoded::from_bytes::<CsrfField>(&body).map(|f| f.csrf).unwrap_or_default();
            check_csrf(&StaffSession::of(&req), &token)?;
            let form = serde_urlencoded::from_bytes::<T>(&body)
                .map_err(|_| AppError::BadRequest("提交的表单格式有误，请返回重新填写。".to_owned()))?;
            Ok(CsrfForm { user, form })
        })
    }
}

/// A file sent with a multipart form.
pub struct UploadedFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form (a file upload) from `U`, read into memory up to the configured size,
/// whose CSRF token matched the session's.
pub struct CsrfUpload<U = StaffUser> {
    pub user: U,
    fields: Vec<(String, String)>,
    /// The first file sent; `None` when the file input was left empty.
    pub file: Option<UploadedFile>,
}

impl<U> CsrfUpload<U> {
    /// A text field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Room for the text fields and multipart headers around the file.
const TEXT_FIELDS_LIMIT: usize = 64 * 1024;

fn too_large(limit: usize) -> AppError {
    let mb = limit as f64 / (1024.0 * 1024.0);
    AppError::PayloadTooLarge(format!("上传的文件超过 {mb:.0} MB 的上限，请压缩或拆分后再上传。"))
}

fn malformed() -> AppError {
    AppError::BadRequest("上传的表单不完整，请返回重新选择文件后提交。".to_owned())
}

/// An upload up to this much over the limit is read to its end before it is refused:
/// a server that stops reading mid-upload looks to the browser like a broken connection,
/// and the person never sees why. Beyond this the connection is simply cut.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads every part of `multipart`. A file past `limit` bytes is not kept: the rest of
/// the body is read and thrown away (up to [`DRAIN_LIMIT`]), then the upload is refused.
async fn read_parts(
    mut multipart: Multipart,
    limit: usize,
) -> Result<(Vec<(String, String)>, Option<UploadedFile>), AppError> {
    let mut fields = Vec::new();
    let mut file = None;
    let mut text_bytes = 0usize;
    let mut discarded: Option<usize> = None;
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(|_| malformed())?;
        let name = part.name().unwrap_or_default().to_owned();
        let file_name = part.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| malformed())?;
            if let Some(thrown_away) = discarded.as_mut() {
                *thrown_away += chunk.len();
                if *thrown_away > DRAIN_LIMIT {
                    return Err(too_large(limit));
                }
                continue;
            }
            bytes.extend_from_slice(&chunk);
            if file_name.is_some() && bytes.len() > limit {
                discarded = Some(bytes.len());
                bytes = Vec::new();
            }
            if file_name.is_none() && text_bytes + bytes.len() > TEXT_FIELDS_LIMIT {
                return Err(malformed());
            }
        }
        match file_name {
            _ if discarded.is_some() => {}
            Some(file_name) if file.is_none() && !(file_name.is_empty() && bytes.is_empty()) => {
                file = Some(UploadedFile { file_name, bytes });
            }
            Some(_) => {}
            None => {
                text_bytes += bytes.len();
                fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    match discarded {
        Some(_) => Err(too_large(limit)),
        None => Ok((fields, file)),
    }
}

/// The text fields and the first file of a multipart upload, within the configured size limit
/// (the staff forms' uploads and the staff API's alike).
pub(crate) async fn read_upload(
    req: &HttpRequest,
    multipart: Multipart,
) -> Result<(Vec<(String, String)>, Option<UploadedFile>), AppError> {
    let limit = app_state(req)?.settings.upload_max_bytes;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit + TEXT_FIELDS_LIMIT + DRAIN_LIMIT) {
        return Err(too_large(limit));
    }
    read_parts(multipart, limit).await
}

impl<U: Authenticated> FromRequest for CsrfUpload<U> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let multipart = Multipart::new(req.headers(), payload.take());
        let req = req.clone();
        Box::pin(async move {
            let (fields, file) = read_upload(&req, multipart).await?;
            let user = U::authenticate(req.clone()).await?;
            let token = fields.iter().find(|(n, _)| n == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
            check_csrf(&StaffSession::of(&req), token)?;
            Ok(CsrfUpload { user, fields, file })
        })
    }
}
