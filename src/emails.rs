//! The e-mails the service sends, as plain-text askama templates under `templates/emails/`.

use askama::Template;

use crate::domain::wording::DraftName;
use crate::models::outbox::{MailKind, NewMail};

/// The receipt a citizen gets when the contact they left is an e-mail address.
#[derive(Template)]
#[template(path = "emails/receipt.txt", escape = "none")]
pub struct ReceiptMail<'a> {
    pub name: &'a str,
    pub draft: &'a DraftName,
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
            kind: MailKind::Receipt,
            recipient: recipient.to_owned(),
            subject: format!("【意见征集】您的意见已收到（回执编号 {}）", self.receipt),
            body: self.render()?,
        })
    }
}

/// 征求意见函: the letter inviting a department to comment.
#[derive(Template)]
#[template(path = "emails/invitation.txt", escape = "none")]
pub struct InvitationMail<'a> {
    pub department: &'a str,
    pub draft: &'a DraftName,
    /// The letter's opening, as the drafter wrote it (or [`DraftName::letter_opening`]).
    pub opening: &'a str,
    pub issuer: &'a str,
    pub deadline: &'a str,
    pub link: &'a str,
    pub date: &'a str,
}

/// The one reminder sent before the deadline to departments that have not answered.
#[derive(Template)]
#[template(path = "emails/reminder.txt", escape = "none")]
pub struct ReminderMail<'a> {
    pub department: &'a str,
    pub draft: &'a DraftName,
    pub issuer: &'a str,
    pub deadline: &'a str,
    pub link: &'a str,
    pub date: &'a str,
}

/// One mail per address of the department.
fn to_each(kind: MailKind, recipients: &[&str], subject: String, body: String) -> Vec<NewMail> {
    recipients
        .iter()
        .map(|r| NewMail { kind, recipient: (*r).to_owned(), subject: subject.clone(), body: body.clone() })
        .collect()
}

impl InvitationMail<'_> {
    pub fn to_mails(&self, recipients: &[&str]) -> Result<Vec<NewMail>, askama::Error> {
        let subject = format!("【征求意见函】{}", self.draft.letter_title());
        Ok(to_each(MailKind::Invitation, recipients, subject, self.render()?))
    }
}

impl ReminderMail<'_> {
    pub fn to_mails(&self, recipients: &[&str]) -> Result<Vec<NewMail>, askama::Error> {
        let subject = format!("【提醒】请于{}前反馈对{}的意见", self.deadline, self.draft.quoted());
        Ok(to_each(MailKind::Reminder, recipients, subject, self.render()?))
    }
}

/// One opinion in a feedback notice.
pub struct NoticeItem {
    pub receipt: String,
    pub summary: String,
    pub status: &'static str,
    pub reason: Option<String>,
}

/// Tells a citizen what became of their opinions once the feedback is published.
#[derive(Template)]
#[template(path = "emails/feedback_notice.txt", escape = "none")]
pub struct FeedbackNotice<'a> {
    pub name: &'a str,
    pub draft: &'a DraftName,
    pub issuer: &'a str,
    pub feedback_url: &'a str,
    pub items: Vec<NoticeItem>,
}

impl FeedbackNotice<'_> {
    pub fn to_mail(&self, recipient: &str) -> Result<NewMail, askama::Error> {
        Ok(NewMail {
            kind: MailKind::FeedbackNotice,
            recipient: recipient.to_owned(),
            subject: format!("【意见反馈】{}的意见采纳情况已公布", self.draft.quoted()),
            body: self.render()?,
        })
    }
}

/// Composes the 征求意见函 for each department of an invitation round.
pub fn invitation_letters<'a>(
    draft: &'a DraftName,
    opening: &'a str,
    issuer: &'a str,
    deadline: chrono::NaiveDate,
    public_url: &'a str,
    today: chrono::NaiveDate,
) -> impl Fn(&crate::models::department::Department, &str) -> Vec<NewMail> + 'a {
    move |department, token| {
        let letter = InvitationMail {
            department: &department.name,
            draft,
            opening,
            issuer,
            deadline: &deadline.to_string(),
            link: &crate::links::reply_url(public_url, token),
            date: &today.to_string(),
        };
        letter.to_mails(&department.email_list()).unwrap_or_else(|err| {
            tracing::error!(error = %err, "an invitation letter could not be rendered");
            Vec::new()
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
