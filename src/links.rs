//! The addresses the service writes into mail and pages for things people reach from
//! outside (a department's reply link, a receipt, the feedback page), and the removal of
//! the secret ones from mail once it is delivered.

use crate::domain::ids::ConsultationId;
use crate::domain::receipt::ReceiptCode;

/// The link a department uses to reply; the token is its only credential.
pub fn reply_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/replies/{token}")
}

/// A citizen's receipt page.
pub fn receipt_url(public_url: &str, code: &ReceiptCode) -> String {
    format!("{public_url}/receipts/{}", code.as_str())
}

/// A consultation's public page: what shared links, feeds and printed QR codes lead to.
pub fn consultation_url(public_url: &str, id: ConsultationId) -> String {
    format!("{}/consultations/{id}", public_url.trim_end_matches('/'))
}

/// A consultation's published feedback.
pub fn feedback_url(public_url: &str, id: ConsultationId) -> String {
    format!("{public_url}/consultations/{id}/feedback")
}

/// Replaces the capability links a delivered mail held (department reply links and
/// receipt codes), so the outbox does not keep working links once they are sent.
pub fn redact_links(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = ["/replies/", "/receipts/"].iter().filter_map(|p| rest.find(p).map(|i| (i, *p))).min() {
        let (index, prefix) = at;
        out.push_str(&rest[..index + prefix.len()]);
        rest = &rest[index + prefix.len()..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
        if end > 0 {
            out.push_str("（已隐去）");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_mail_keeps_no_working_link() {
        let code = ReceiptCode::parse("ABCDEFGHJK").unwrap();
        let body = format!(
            "链接：{}\n回执：{}。谢谢",
            reply_url("http://x.cn", "AbC-123_x"),
            receipt_url("http://x.cn", &code)
        );
        assert_eq!(
            redact_links(&body),
            "链接：http://x.cn/replies/（已隐去）\n回执：http://x.cn/receipts/（已隐去）。谢谢"
        );
        assert_eq!(redact_links("no links"), "no links");
    }
}
