//! One error type: users get a clear page in Chinese, logs get the cause chain, nobody gets SQL.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

/// Everything a handler can fail with. Messages in `BadRequest`, `Forbidden`,
/// `Closed` and `TooManyRequests` are shown to the user and must be Chinese.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    /// The thing exists but does not accept this now (e.g. a consultation not open).
    #[error("{0}")]
    Closed(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn unavailable(err: impl Into<anyhow::Error>) -> AppError {
        AppError::Unavailable(err.into())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(err.into())
    }

    /// Title and explanation for the error page.
    fn title_and_message(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => ("页面不存在", "您要找的页面不存在，可能已被移除或地址有误。".to_owned()),
            AppError::BadRequest(msg) => ("请求有误", msg.clone()),
            AppError::Forbidden(msg) => ("无权访问", msg.clone()),
            AppError::Closed(msg) => ("当前不可操作", msg.clone()),
            AppError::TooManyRequests(msg) => ("操作过于频繁", msg.clone()),
            AppError::PayloadTooLarge(msg) => ("提交内容过大", msg.clone()),
            AppError::Unavailable(_) => {
                ("服务暂时不可用", "系统暂时无法访问数据，请稍后再试。您此前已成功提交的内容不会丢失。".to_owned())
            }
            AppError::Internal(_) => ("系统出错", "系统处理请求时出错，请稍后再试。".to_owned()),
        }
    }

    fn log(&self) {
        match self {
            AppError::Unavailable(cause) => tracing::error!(error = format!("{cause:#}"), "database unavailable"),
            AppError::Internal(cause) => tracing::error!(error = format!("{cause:#}"), "internal error"),
            _ => {}
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> AppError {
        match err {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Unavailable(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> AppError {
        AppError::Internal(anyhow::Error::new(err).context("rendering a template"))
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Closed(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let status = self.status_code();
        let (title, message) = self.title_and_message();
        let page = ErrorPage { status: status.as_u16(), title, message: &message };
        let body = page.render().unwrap_or_else(|_| format!("{title}：{message}"));
        let mut response = HttpResponse::build(status);
        response.content_type("text/html; charset=utf-8");
        if matches!(self, AppError::TooManyRequests(_) | AppError::Unavailable(_)) {
            response.insert_header(("Retry-After", "30"));
        }
        if matches!(self, AppError::PayloadTooLarge(_)) {
            // The rest of the body is left unread: the connection cannot carry another request.
            response.force_close();
        }
        response.body(body)
    }
}

/// The same errors for the JSON API, as `application/problem+json`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> ApiError {
        ApiError(err.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        let status = self.status_code();
        let (title, detail) = self.0.title_and_message();
        HttpResponse::build(status).content_type("application/problem+json").json(serde_json::json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
        }))
    }
}
