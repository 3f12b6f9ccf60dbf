//! The e-mails the service sends, as plain-text askama templates under `templates/emails/`.

use askama::Template;

use crate::models::outbox::NewMail;

/// The receipt a citizen gets when the contact they left is an e-mail address.
#[derive(Template)]
#[template(path = "emails/receipt.txt", escape = "none")]
pub struct ReceiptMail<'a> {
    pub name: &'a str,
    pub consultation_title: &'a str,
    pub issuer: &'a str,
    pub section_title: &'a str,
    pub received_at: &'a str,
    pub receipt: &'a str,
    pub summary: &'a str,
    pub lookup_url: &'a str,
}

impl ReceiptMail<'_> {
    pub fn to_mail(&self, recipient: &str) -> Result<NewMail, askama::Error> {
        Ok(NewMail {
            kind: "receipt",
            recipient: recipient.to_owned(),
            subject: format!("【意见征集】您的意见已收到（回执编号 {}）", self.receipt),
            body: self.render()?,
        })
    }
}

/// The first `max` characters of a text, with "……" when cut.
pub fn summary(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push_str("……");
    }
    out
}
