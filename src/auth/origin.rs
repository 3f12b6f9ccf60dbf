//! Where a state-changing request came from: a form POST must come from the site's own pages.
//!
//! Checked before any handler runs, in addition to the staff CSRF token. The browser's `Origin`
//! header is used, falling back to `Referer`. Staff POSTs must name the site; the public forms
//! (an opinion, a department's reply) are also accepted with neither header, because some browsers
//! and privacy tools strip them, but never with another site's.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;

use crate::error::AppError;

/// Shown on the 403 page when a form was sent from another site.
pub const FOREIGN_ORIGIN: &str = "此请求并非来自本站页面，未作任何处理。请在本站页面上重新操作。";

/// What a path requires of the request's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Staff forms: the origin must be shown and be the site's own.
    Strict,
    /// Public forms: the site's own, or not shown at all.
    Lenient,
    /// GET, HEAD, OPTIONS, and the JSON API (which browsers cannot post across sites without CORS).
    None,
}

/// The guard for `method` on `path`.
pub fn guard_for(method: &Method, path: &str) -> Guard {
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if reads || path.starts_with("/api/") {
        Guard::None
    } else if path == "/staff" || path.starts_with("/staff/") {
        Guard::Strict
    } else {
        Guard::Lenient
    }
}

/// `scheme://host[:port]` of a URL, lower-cased; `None` for anything else (including `null`).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") || host.is_empty() || host.contains('@') {
        return None;
    }
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// Whether a request with these `Origin` and `Referer` headers may go on, under `guard`, when the
/// site answers at any of `own` (`scheme://host[:port]`).
pub fn allowed(guard: Guard, origin: Option<&str>, referer: Option<&str>, own: &[String]) -> bool {
    if guard == Guard::None {
        return true;
    }
    let shown = match (origin.map(str::trim), referer.map(str::trim)) {
        (Some(o), _) if !o.is_empty() && o != "null" => Some(o),
        (_, Some(r)) if !r.is_empty() => Some(r),
        _ => None,
    };
    match shown {
        Some(url) => origin_of(url).is_some_and(|o| own.iter().any(|own| own.eq_ignore_ascii_case(&o))),
        None => guard == Guard::Lenient,
    }
}

/// Refuses, with the 403 page and before any handler or body is read, a form POST from elsewhere.
pub async fn check(
    public_url: String,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let guard = guard_for(req.method(), req.path());
    if guard != Guard::None {
        let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
        let info = req.connection_info();
        let mut own = vec![format!("{}://{}", info.scheme(), info.host()).to_ascii_lowercase()];
        own.extend(origin_of(&public_url));
        drop(info);
        if !allowed(guard, header(header::ORIGIN), header(header::REFERER), &own) {
            return Err(AppError::Forbidden(FOREIGN_ORIGIN.to_owned()).into());
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> Vec<String> {
        vec!["http://127.0.0.1:8080".to_owned(), "https://zhengqiu.example.gov.cn".to_owned()]
    }

    #[test]
    fn staff_posts_need_the_sites_own_origin_or_referer() {
        let ok = |o, r| allowed(Guard::Strict, o, r, &own());
        assert!(ok(Some("http://127.0.0.1:8080"), None));
        assert!(ok(Some("https://ZHENGQIU.example.gov.cn"), None));
        assert!(ok(None, Some("https://zhengqiu.example.gov.cn/staff/users/3?x=1")));
        assert!(!ok(Some("https://evil.example"), Some("https://zhengqiu.example.gov.cn/staff")));
        assert!(!ok(Some("http://127.0.0.1:8081"), None));
        assert!(!ok(Some("http://zhengqiu.example.gov.cn"), None), "another scheme is another origin");
        assert!(!ok(Some("https://zhengqiu.example.gov.cn.evil.example"), None));
        assert!(!ok(None, Some("https://evil.example/?https://zhengqiu.example.gov.cn")));
        assert!(!ok(None, None), "staff browsers always send one of them");
        assert!(!ok(Some("null"), None));
    }

    #[test]
    fn public_forms_accept_a_missing_origin_but_not_a_foreign_one() {
        let ok = |o, r| allowed(Guard::Lenient, o, r, &own());
        assert!(ok(None, None));
        assert!(ok(Some("null"), None));
        assert!(ok(Some("http://127.0.0.1:8080"), None));
        assert!(!ok(Some("https://evil.example"), None));
        assert!(!ok(None, Some("https://evil.example/page")));
    }

    #[test]
    fn only_state_changing_page_requests_are_guarded() {
        assert_eq!(guard_for(&Method::GET, "/staff/users"), Guard::None);
        assert_eq!(guard_for(&Method::POST, "/staff/logout"), Guard::Strict);
        assert_eq!(guard_for(&Method::POST, "/staff"), Guard::Strict);
        assert_eq!(guard_for(&Method::POST, "/consultations/3/opinions"), Guard::Lenient);
        assert_eq!(guard_for(&Method::POST, "/replies/abc"), Guard::Lenient);
        assert_eq!(guard_for(&Method::POST, "/api/v1/captchas"), Guard::None);
        assert_eq!(guard_for(&Method::POST, "/staffing"), Guard::Lenient);
    }
}
