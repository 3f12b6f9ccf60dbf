//! The access log: a line per request that says what was asked and how it went, without
//! anything that could identify a person or act for one.

use actix_web::HttpRequest;
use actix_web::middleware::Logger;

/// Route parameters that work like passwords: a receipt code opens a citizen's opinion,
/// a reply token answers for a department.
const SECRET_PARAMETERS: [&str; 2] = ["code", "token"];

/// `"GET /consultations/3" 200 4711 1.2ms`: no query string (a lookup or a search may hold
/// personal data), no client address (personal data), no secret route parameter.
pub fn logger() -> Logger {
    Logger::new("\"%{method}xi %{route}xo\" %s %b %Dms")
        .custom_request_replace("method", |req| req.method().to_string())
        .custom_response_replace("route", |res| loggable_path(res.request()))
}

/// The route that answered, its parameters filled in except the secret ones; a path no
/// route knows keeps only its first segment, since it could hold anything.
fn loggable_path(req: &HttpRequest) -> String {
    match req.match_pattern() {
        Some(pattern) => fill(&pattern, |name| req.match_info().get(name)),
        None => first_segment(req.path()),
    }
}

/// `/receipts/{code}` → `/receipts/…`, `/consultations/{id}` → `/consultations/3`.
fn fill<'a>(pattern: &str, value: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        out.push_str(&rest[..open]);
        let name = rest[open + 1..close].split(':').next().unwrap_or_default();
        match value(name) {
            _ if SECRET_PARAMETERS.contains(&name) => out.push('…'),
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn first_segment(path: &str) -> String {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    match trimmed.split_once('/') {
        Some((first, rest)) if !rest.is_empty() => format!("/{first}/…"),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parameters_are_hidden_and_the_others_filled_in() {
        let params = |name: &str| match name {
            "id" => Some("3"),
            "code" => Some("ABCDE23456"),
            "token" => Some("t0k3n"),
            "ext" => Some("csv"),
            _ => None,
        };
        assert_eq!(fill("/consultations/{id}/feedback/table.{ext}", params), "/consultations/3/feedback/table.csv");
        assert_eq!(fill("/receipts/{code}", params), "/receipts/…");
        assert_eq!(fill("/api/v1/receipts/{code}", params), "/api/v1/receipts/…");
        assert_eq!(fill("/replies/{token}", params), "/replies/…");
        assert_eq!(fill("/staff/attachments/{id:\\d+}", params), "/staff/attachments/3");
    }

    #[test]
    fn an_unknown_path_keeps_only_its_first_segment() {
        assert_eq!(first_segment("/receipts/ABCDE23456/x"), "/receipts/…");
        assert_eq!(first_segment("/wp-login.php"), "/wp-login.php");
        assert_eq!(first_segment("/"), "/");
    }
}
