//! The staff API's caller: an agency's API token sent as `Authorization: Bearer …`.
//!
//! Only the header counts: a staff session cookie opens nothing under `/api/v1/staff/`, so a page
//! on another site cannot make a logged-in browser call the API (and the API needs no CSRF token).

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::extract::UploadedFile;
use super::read_upload;
use crate::db;
use crate::domain::decision::Actor;
use crate::domain::ids::ConsultationId;
use crate::error::{ApiError, AppError};
use crate::models::Consultation;
use crate::models::api_token::ApiToken;
use crate::models::audit::{AuditAction, AuditEntry};
use crate::state::AppState;

/// Sent without a token.
pub const TOKEN_MISSING: &str =
    "请在请求头 Authorization 中以“Bearer 令牌”的形式提供 API 令牌（由单位管理员在单位页面的“API 令牌”中创建）。";
/// Sent with a token that opens nothing: mistyped, made up, or revoked.
pub const TOKEN_REFUSED: &str = "API 令牌无效或已被撤销，请向本单位管理员申请新的令牌。";

/// Longer than any token we issue: refused without asking the database.
const MAX_TOKEN_CHARS: usize = 200;

/// The token in an `Authorization: Bearer <token>` header, if there is one.
fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A request of the staff API, authenticated by a live API token of one agency.
pub struct ApiCaller {
    pub token: ApiToken,
}

impl ApiCaller {
    async fn authenticate(req: &HttpRequest) -> Result<ApiCaller, AppError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no AppState")))?;
        let token = bearer_token(req).ok_or_else(|| AppError::Unauthorized(TOKEN_MISSING.to_owned()))?.to_owned();
        if token.chars().count() > MAX_TOKEN_CHARS {
            return Err(AppError::Unauthorized(TOKEN_REFUSED.to_owned()));
        }
        let now = Utc::now().naive_utc();
        let found = db::run(&state.pool, move |conn| {
            let Some(found) = ApiToken::find_live(conn, &token)? else { return Ok(None) };
            if !found.use_is_fresh(now) {
                ApiToken::record_use(conn, found.id, now)?;
            }
            Ok(Some(found))
        })
        .await?;
        found.map(|token| ApiCaller { token }).ok_or_else(|| AppError::Unauthorized(TOKEN_REFUSED.to_owned()))
    }

    /// Who the audit log and the decision log name: the token, by its name.
    pub fn name(&self) -> String {
        format!("API令牌“{}”", self.token.name)
    }

    pub fn actor(&self) -> Actor {
        Actor { id: None, name: self.name() }
    }

    /// Consultation `id`, if it belongs to the token's agency. Another agency's is a 404 like
    /// one that does not exist: a token learns nothing of what is not its agency's.
    pub async fn consultation(&self, state: &AppState, id: ConsultationId) -> Result<Consultation, AppError> {
        let agency = self.token.agency_id;
        db::run(&state.pool, move |conn| {
            let found = Consultation::find(conn, id)?;
            if found.agency_id == agency { Ok(found) } else { Err(AppError::NotFound) }
        })
        .await
    }

    /// Records in the staff audit log that this token did `action` to `subject`.
    pub async fn audit(&self, state: &AppState, action: AuditAction, subject: String) -> Result<(), AppError> {
        let name = self.name();
        let now = Utc::now().naive_utc();
        db::run(&state.pool, move |conn| Ok(AuditEntry::record(conn, None, &name, action, &subject, now)?)).await
    }
}

impl FromRequest for ApiCaller {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { ApiCaller::authenticate(&req).await.map_err(|e| ApiError(e).into()) })
    }
}

/// A JSON body sent to the staff API by an authenticated caller: the token is checked before
/// the body is read, so a request without a valid token is a 401 whatever its body.
pub struct ApiJson<T> {
    pub caller: ApiCaller,
    pub body: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Read only when awaited: after the token has been checked.
        let json = web::Json::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let caller = ApiCaller::authenticate(&req).await.map_err(ApiError)?;
            let body = json.await?.into_inner();
            Ok(ApiJson { caller, body })
        })
    }
}

/// A multipart upload to the staff API: the caller is authenticated before the body is read,
/// which is then read with the same size limit as the staff forms' uploads.
pub struct ApiUpload {
    pub caller: ApiCaller,
    fields: Vec<(String, String)>,
    /// The first file sent.
    pub file: Option<UploadedFile>,
}

impl ApiUpload {
    /// A text field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl FromRequest for ApiUpload {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let multipart = Multipart::new(req.headers(), payload.take());
        let req = req.clone();
        Box::pin(async move {
            let read = async {
                let caller = ApiCaller::authenticate(&req).await?;
                let (fields, file) = read_upload(&req, multipart).await?;
                Ok::<_, AppError>(ApiUpload { caller, fields, file })
            };
            read.await.map_err(|e| ApiError(e).into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_a_bearer_authorization_header_carries_a_token() {
        let with = |value: &str| TestRequest::default().insert_header((header::AUTHORIZATION, value)).to_http_request();
        assert_eq!(bearer_token(&with("Bearer zqs_abc")), Some("zqs_abc"));
        assert_eq!(bearer_token(&with("bearer   zqs_abc ")), Some("zqs_abc"));
        assert_eq!(bearer_token(&with("Basic dXNlcjpwYXNz")), None);
        assert_eq!(bearer_token(&with("Bearer ")), None);
        assert_eq!(bearer_token(&with("zqs_abc")), None);
        assert_eq!(bearer_token(&TestRequest::default().to_http_request()), None);
    }
}
