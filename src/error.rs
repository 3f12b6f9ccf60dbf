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
    /// No credentials, or credentials that open nothing (the staff API's bearer token).
    #[error("{0}")]
    Unauthorized(String),
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
    /// The database cannot be reached or did not answer in time: worth retrying.
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else that went wrong (a constraint, a bad query, a bug): retrying will not
    /// help. The page shows a reference number; the log has the cause under it.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// A short random number that ties an error page to its line in the log.
fn reference() -> String {
    let n: u32 = rand::random();
    format!("{:04X}-{:04X}", n >> 16, n & 0xFFFF)
}

/// Whether a database error means the database is out of reach or overloaded (retry
/// later) rather than that this request cannot succeed.
fn is_outage(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match err {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => {
            // SQLite reports a busy or full database, PostgreSQL a server going away, only in words.
            let message = info.message().to_ascii_lowercase();
            [
                "database is locked",
                "database is busy",
                "disk is full",
                "disk i/o error",
                "terminating connection",
                "server closed the connection",
                "could not receive data",
                "no connection to the server",
            ]
            .iter()
            .any(|m| message.contains(m))
        }
        Error::BrokenTransactionManager => true,
        _ => false,
    }
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
            AppError::Unauthorized(msg) => ("未通过身份验证", msg.clone()),
            AppError::Forbidden(msg) => ("无权访问", msg.clone()),
            AppError::Closed(msg) => ("当前不可操作", msg.clone()),
            AppError::TooManyRequests(msg) => ("操作过于频繁", msg.clone()),
            AppError::PayloadTooLarge(msg) => ("提交内容过大", msg.clone()),
            AppError::Unavailable(_) => {
                ("服务暂时不可用", "系统暂时无法访问数据，请稍后再试。您此前已成功提交的内容不会丢失。".to_owned())
            }
            AppError::Internal(_) => {
                ("系统出错", "系统处理请求时出错。如需帮助，请将下面的错误编号告知网站管理员。".to_owned())
            }
        }
    }

    /// Logs the cause of a 503 or 500; returns the reference number shown with a 500.
    fn log(&self) -> Option<String> {
        match self {
            AppError::Unavailable(cause) => {
                tracing::error!(error = format!("{cause:#}"), "database unavailable");
                None
            }
            AppError::Internal(cause) => {
                let reference = reference();
                tracing::error!(reference = %reference, error = format!("{cause:#}"), "internal error");
                Some(reference)
            }
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> AppError {
        match err {
            diesel::result::Error::NotFound => AppError::NotFound,
            other if is_outage(&other) => {
                AppError::Unavailable(anyhow::Error::new(other).context("database query failed"))
            }
            other => AppError::Internal(anyhow::Error::new(other).context("database query failed")),
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
    /// For a 500: quoted to the operator, it finds the cause in the log.
    reference: Option<String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Closed(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let reference = self.log();
        let status = self.status_code();
        let (title, message) = self.title_and_message();
        let page = ErrorPage { status: status.as_u16(), title, message: &message, reference };
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
        let reference = self.0.log();
        let status = self.status_code();
        let (title, detail) = self.0.title_and_message();
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if matches!(self.0, AppError::TooManyRequests(_) | AppError::Unavailable(_)) {
            response.insert_header(("Retry-After", "30"));
        }
        if matches!(self.0, AppError::Unauthorized(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer realm=\"zhengqiu\""));
        }
        let mut problem = serde_json::json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
        });
        if let Some(reference) = reference {
            problem["reference"] = serde_json::Value::String(reference);
        }
        response.json(problem)
    }
}

/// A JSON request body the API could not read: a Chinese message in `detail`, and where the
/// parser stopped in `line` and `column` (1-based), so that no parser wording reaches the client.
#[derive(Debug, thiserror::Error)]
#[error("unreadable JSON body ({kind:?} at {line}:{column})")]
pub struct MalformedJson {
    pub kind: MalformedKind,
    pub line: usize,
    pub column: usize,
}

/// What was wrong with a JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedKind {
    /// Not JSON at all, or broken syntax.
    Syntax,
    /// The body ended in the middle of a value.
    Truncated,
    /// Valid JSON, but a field has the wrong type or a required one is missing.
    Fields,
    /// Not sent as `application/json`.
    ContentType,
    /// The body could not be read.
    Body,
}

impl MalformedJson {
    /// Sorts the error actix gives for a JSON body that could not be extracted.
    pub fn from_payload(err: &actix_web::error::JsonPayloadError) -> MalformedJson {
        use actix_web::error::JsonPayloadError as E;
        match err {
            E::Deserialize(e) => {
                let kind = match e.classify() {
                    serde_json::error::Category::Eof => MalformedKind::Truncated,
                    serde_json::error::Category::Data => MalformedKind::Fields,
                    _ => MalformedKind::Syntax,
                };
                MalformedJson { kind, line: e.line(), column: e.column() }
            }
            E::ContentType => MalformedJson { kind: MalformedKind::ContentType, line: 0, column: 0 },
            _ => MalformedJson { kind: MalformedKind::Body, line: 0, column: 0 },
        }
    }

    /// The message for the client, in Chinese.
    pub fn detail(&self) -> String {
        let at = if self.line > 0 {
            format!("（第 {} 行第 {} 列附近）", self.line, self.column)
        } else {
            String::new()
        };
        match self.kind {
            MalformedKind::Syntax => format!("请求内容不是有效的 JSON{at}，请检查括号、引号和逗号。"),
            MalformedKind::Truncated => format!("请求内容不完整：JSON 在结尾前中断{at}。"),
            MalformedKind::Fields => format!("请求内容的 JSON 中有字段缺失或类型不符{at}，请对照接口说明填写。"),
            MalformedKind::ContentType => {
                "请以 application/json 格式（Content-Type: application/json）发送请求内容。".to_owned()
            }
            MalformedKind::Body => "未能读取请求内容，请重新发送。".to_owned(),
        }
    }
}

impl ResponseError for MalformedJson {
    fn status_code(&self) -> StatusCode {
        match self.kind {
            MalformedKind::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut problem = serde_json::json!({
            "type": "about:blank",
            "title": "请求有误",
            "status": status.as_u16(),
            "detail": self.detail(),
        });
        if self.line > 0 {
            problem["line"] = self.line.into();
            problem["column"] = self.column.into();
        }
        HttpResponse::build(status).content_type("application/problem+json").json(problem)
    }
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error};

    use super::*;

    fn db_error(kind: DatabaseErrorKind, message: &str) -> AppError {
        AppError::from(Error::DatabaseError(kind, Box::new(message.to_owned())))
    }

    #[test]
    fn a_json_syntax_error_is_explained_in_chinese_with_its_position_apart() {
        let parse = serde_json::from_str::<serde_json::Value>("{\n  \"name\": \"张三\",\n  oops\n}").unwrap_err();
        let err = MalformedJson::from_payload(&actix_web::error::JsonPayloadError::Deserialize(parse));
        assert_eq!((err.kind, err.line, err.column), (MalformedKind::Syntax, 3, 3));
        assert_eq!(err.detail(), "请求内容不是有效的 JSON（第 3 行第 3 列附近），请检查括号、引号和逗号。");
        assert!(!err.detail().is_ascii() && !err.detail().contains("error"));
    }

    #[test]
    fn a_lost_or_busy_database_is_a_503_and_a_refused_statement_a_500() {
        assert!(matches!(db_error(DatabaseErrorKind::ClosedConnection, "gone"), AppError::Unavailable(_)));
        assert!(matches!(db_error(DatabaseErrorKind::Unknown, "database is locked"), AppError::Unavailable(_)));
        assert!(matches!(db_error(DatabaseErrorKind::Unknown, "database or disk is full"), AppError::Unavailable(_)));
        assert!(matches!(
            db_error(DatabaseErrorKind::UniqueViolation, "duplicate key value violates unique constraint"),
            AppError::Internal(_)
        ));
        assert!(matches!(db_error(DatabaseErrorKind::Unknown, "no such table: sections"), AppError::Internal(_)));
        assert!(matches!(AppError::from(Error::NotFound), AppError::NotFound));
    }

    #[test]
    fn an_internal_error_page_shows_a_reference_and_a_503_asks_to_retry_later() {
        let internal = AppError::internal(anyhow::anyhow!("secret cause")).error_response();
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(internal.headers().get("Retry-After").is_none());
        let unavailable = AppError::unavailable(anyhow::anyhow!("pool timed out")).error_response();
        assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.headers().get("Retry-After").unwrap(), "30");
        let api = ApiError(AppError::unavailable(anyhow::anyhow!("pool timed out"))).error_response();
        assert_eq!(api.headers().get("Retry-After").unwrap(), "30");
    }
}
