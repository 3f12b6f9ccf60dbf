//! When the database goes away while a form is sent: the person gets their form back, with
//! everything they typed and a clear message, instead of a bare 503 page that loses it.
//!
//! A middleware keeps the body of every HTML form POST (urlencoded, up to the opinion
//! form's limit) and, when the answer is a 503 (from the handler, an extractor, or the
//! database circuit), answers a page that holds every field as it was sent: the text
//! fields in labelled boxes, the rest hidden, posting back to the same address.

use actix_web::HttpMessage;
use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use askama::Template;
use futures_util::StreamExt;

use crate::routes::opinions::OPINION_FORM_LIMIT;

/// Seconds a client is asked to wait before sending again.
const RETRY_AFTER_SECS: &str = "30";

/// Fields never sent back: a used-up captcha and passwords.
const DROPPED: &[&str] = &["captcha_id", "captcha_answer", "password", "password_again", "new_password"];

/// Fields the person did not type: kept as hidden fields.
const HIDDEN: &[&str] = &[
    "csrf",
    "back",
    "action",
    "section",
    "anchor",
    "ids",
    "status",
    "format",
    "role",
    "source",
    "channel",
    "owner",
    "parent",
    "next",
    "to",
    "from",
    "all",
    "active",
    "audience",
    "flagged",
    "grouping",
    "split",
    "layout",
    "year",
    "version_no",
    "announce",
    "code",
    "captcha_kind",
    "website",
    "department",
    "agency",
    "decision",
    "line",
    "op",
    "deliver",
    "consent",
    "q",
];

/// Labels of the fields people type into, by field name.
const LABELS: &[(&str, &str)] = &[
    ("name", "姓名或名称"),
    ("contact", "联系方式"),
    ("body", "意见内容"),
    ("original_text", "原文"),
    ("proposed_text", "建议修改为"),
    ("reason", "理由"),
    ("explanation", "说明"),
    ("title", "标题"),
    ("text", "正文"),
    ("contact_person", "联系人"),
    ("contact_phone", "联系电话"),
    ("table_title", "表格标题"),
    ("version_label", "版本说明"),
    ("username", "登录名"),
    ("received_on", "收到日期"),
    ("note", "说明"),
    ("issuer", "发布机关"),
    ("notice", "公告"),
    ("how_to_comment", "提出意见的方式"),
    ("short_period_reason", "征求意见期限少于三十日的理由"),
    ("starts_on", "开始日期"),
    ("ends_on", "截止日期"),
];

/// One field of the kept form.
pub struct KeptField {
    pub name: String,
    pub value: String,
    /// `None` for a hidden field.
    pub label: Option<String>,
    pub id: String,
}

#[derive(Template)]
#[template(path = "errors/unsaved.html")]
struct UnsavedPage {
    message: &'static str,
    action: String,
    fields: Vec<KeptField>,
    /// The button's name and value, when the form needs one to do the right thing.
    button: Option<(String, String)>,
}

/// What the person is told, by the form they sent.
pub fn message_for(path: &str) -> &'static str {
    if path.starts_with("/consultations/") && path.ends_with("/opinions") {
        "系统暂时无法保存您的意见，您填写的内容仍在下方，请稍后再次提交。"
    } else if path.starts_with("/replies/") {
        "系统暂时无法保存你单位的反馈，填写的内容仍在下方，请稍后再次提交。"
    } else {
        "系统暂时无法保存，您填写的内容仍在下方，请稍后再次提交。"
    }
}

/// The fields of a sent form as the kept page shows them.
pub fn kept_fields(path: &str, pairs: Vec<(String, String)>) -> (Vec<KeptField>, Option<(String, String)>) {
    let opinion = path.starts_with("/consultations/") && path.ends_with("/opinions");
    // The opinion form checks a captcha that this attempt used up: sending it back asks for
    // a new one of the same kind, and the form comes back whole with it.
    let button = opinion.then(|| {
        let question = pairs.iter().any(|(n, v)| n == "captcha_kind" && v == "question");
        ("action".to_owned(), if question { "question_captcha" } else { "new_captcha" }.to_owned())
    });
    let fields = pairs
        .into_iter()
        .filter(|(name, _)| !DROPPED.contains(&name.as_str()))
        .filter(|(name, _)| !(button.is_some() && name == "action"))
        .enumerate()
        .map(|(n, (name, value))| {
            let label = if HIDDEN.contains(&name.as_str()) || value.trim().is_empty() {
                None
            } else {
                let known = LABELS.iter().find(|(field, _)| name == *field || name.starts_with(&format!("{field}_")));
                Some(known.map_or_else(|| "填写的内容".to_owned(), |(_, label)| (*label).to_owned()))
            };
            KeptField { name, value, label, id: format!("kept-{n}") }
        })
        .collect();
    (fields, button)
}

/// The kept form as a 503 page.
fn unsaved_response(path: &str, query: &str, body: &Bytes) -> Option<HttpResponse> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let (fields, button) = kept_fields(path, pairs);
    let action = if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") };
    let page = UnsavedPage { message: message_for(path), action, fields, button };
    let html = page.render().ok()?;
    Some(
        HttpResponse::ServiceUnavailable()
            .content_type("text/html; charset=utf-8")
            .insert_header((RETRY_AFTER, RETRY_AFTER_SECS))
            .insert_header(("Cache-Control", "no-store"))
            .body(html),
    )
}

/// Whether the request is an HTML form POST small enough to keep.
fn is_kept_form(req: &ServiceRequest) -> bool {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    req.method() == actix_web::http::Method::POST
        && !req.path().starts_with("/api/")
        && header(CONTENT_TYPE).is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
        && header(CONTENT_LENGTH).and_then(|l| l.parse::<usize>().ok()).is_some_and(|l| l <= OPINION_FORM_LIMIT)
}

/// The middleware (see the module's comment).
pub async fn keep_typed_form<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !is_kept_form(&req) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk: Bytes = chunk?;
        body.extend_from_slice(&chunk);
        if body.len() > OPINION_FORM_LIMIT {
            break;
        }
    }
    let body = body.freeze();
    req.set_payload(Payload::from(body.clone()));
    let (path, query) = (req.path().to_owned(), req.query_string().to_owned());
    let response = next.call(req).await?;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && let Some(page) = unsaved_response(&path, &query, &body)
    {
        let (request, _) = response.into_parts();
        return Ok(ServiceResponse::new(request, page));
    }
    Ok(response.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn an_opinion_comes_back_without_its_captcha_and_asks_for_a_new_one() {
        let sent = pairs(&[
            ("section", "s-3"),
            ("name", "张三"),
            ("body", "第三条应当写明期限。"),
            ("captcha_id", "abc"),
            ("captcha_answer", "8"),
            ("captcha_kind", "question"),
            ("action", "send"),
        ]);
        let (fields, button) = kept_fields("/consultations/7/opinions", sent);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["section", "name", "body", "captcha_kind"]);
        assert_eq!(button, Some(("action".to_owned(), "question_captcha".to_owned())));
        assert_eq!(fields[1].label.as_deref(), Some("姓名或名称"));
        assert_eq!(fields[2].label.as_deref(), Some("意见内容"));
        assert_eq!(fields[0].label, None, "the section is not something the person typed");
    }

    #[test]
    fn a_staff_form_keeps_its_token_and_never_echoes_a_password() {
        let sent = pairs(&[("csrf", "t0k"), ("username", "wang"), ("password", "secret"), ("note_2", "改为三十日")]);
        let (fields, button) = kept_fields("/staff/accounts", sent);
        assert_eq!(button, None);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["csrf", "username", "note_2"]);
        assert_eq!(fields[0].label, None);
        assert_eq!(fields[2].label.as_deref(), Some("说明"));
    }
}
