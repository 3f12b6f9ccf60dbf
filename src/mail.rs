//! Delivering the outbox: SMTP when configured, otherwise `.eml` files; a background
//! worker sends due mail with retries, and tidies expired captchas and rate counters.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, MIME_VERSION_1_0};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use tokio::sync::Notify;

use crate::config::{Settings, SmtpSecurity};
use crate::db::{self, Pool};
use crate::models::outbox::{MailStatus, OutboxMail};

enum Delivery {
    Smtp(Box<SmtpTransport>),
    Files(FileTransport),
}

/// Sends one message at a time, blocking; run it off the async threads.
pub struct Mailer {
    delivery: Delivery,
    from: Mailbox,
    /// The right-hand side of every Message-ID: the site's own host name.
    domain: String,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("ZHENGQIU_MAIL_FROM={:?} is not a mail address: {e}", settings.mail_from))?;
        let delivery = match &settings.smtp {
            Some(smtp) => {
                let builder = match smtp.security {
                    SmtpSecurity::None => SmtpTransport::builder_dangerous(&smtp.host),
                    SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&smtp.host)?,
                    SmtpSecurity::Tls => SmtpTransport::relay(&smtp.host)?,
                };
                let mut builder = builder.port(smtp.port).timeout(Some(Duration::from_secs(20)));
                if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.expose().clone()));
                }
                Delivery::Smtp(Box::new(builder.build()))
            }
            None => {
                std::fs::create_dir_all(&settings.outbox_dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", settings.outbox_dir.display()))?;
                Delivery::Files(FileTransport::new(&settings.outbox_dir))
            }
        };
        Ok(Mailer { delivery, from, domain: site_domain(&settings.public_url) })
    }

    /// One line for the start-up message.
    pub fn describe(&self, settings: &Settings) -> String {
        delivery_description(settings)
    }

    /// Sends one queued mail. The error text is kept on the outbox row for staff to read.
    pub fn send(&self, mail: &OutboxMail) -> Result<(), String> {
        let to: Mailbox = mail.recipient.parse().map_err(|e| format!("收件地址无效：{e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(message_id(mail, &self.domain)))
            .header(MIME_VERSION_1_0)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| format!("邮件无法生成：{e}"))?;
        match &self.delivery {
            Delivery::Smtp(smtp) => smtp.send(&message).map(|_| ()).map_err(|e| format!("SMTP：{e}")),
            Delivery::Files(files) => files.send(&message).map(|_| ()).map_err(|e| format!("写入文件失败：{e}")),
        }
    }
}

/// The host name of the site's public address (`https://zhengqiu.example.gov.cn:8443/x`
/// gives `zhengqiu.example.gov.cn`), for Message-IDs; `localhost` if there is none.
pub fn site_domain(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    // An IPv6 literal is no dot-atom: such a site gets `localhost`.
    let host = if authority.starts_with('[') { "" } else { authority.split(':').next().unwrap_or_default() };
    let host: String = host.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')).collect();
    let host = host.trim_matches('.').to_ascii_lowercase();
    if host.is_empty() { "localhost".to_owned() } else { host }
}

/// The Message-ID of an outbox row: made from the row alone (its id and the moment it was
/// queued), so a redelivery after a crash is recognisably the same message, and distinct
/// from every other row's, also across a database that was set up again.
pub fn message_id(mail: &OutboxMail, domain: &str) -> String {
    format!("<zhengqiu.{}.{}@{domain}>", mail.id, mail.created_at.and_utc().timestamp_micros())
}

/// How mail is delivered with these settings, in Chinese, for the start-up message and
/// the staff mail page.
pub fn delivery_description(settings: &Settings) -> String {
    match &settings.smtp {
        Some(smtp) => format!("邮件经 SMTP 服务器 {}:{} 发送", smtp.host, smtp.port),
        None => format!(
            "未配置 SMTP（ZHENGQIU_SMTP_HOST）：邮件不会发出，而是写入 {} 目录下的 .eml 文件",
            settings.outbox_dir.display()
        ),
    }
}

/// Background work of one instance: mail delivery, and cleaning up expired rows.
pub struct Worker {
    pub pool: Pool,
    pub mailer: Arc<Mailer>,
    pub settings: Arc<Settings>,
    /// Woken when mail is queued, so that it goes out without waiting for the next poll.
    pub wakeup: Arc<Notify>,
}

impl Worker {
    pub async fn run(self, poll: Duration) {
        let mut last_cleanup = std::time::Instant::now() - Duration::from_secs(3600);
        loop {
            if let Err(err) = self.deliver_due().await {
                tracing::warn!(error = format!("{err:#}"), "mail delivery round failed; will retry");
            }
            if last_cleanup.elapsed() >= Duration::from_secs(60) {
                last_cleanup = std::time::Instant::now();
                if let Err(err) = self.clean_up().await {
                    tracing::warn!(error = format!("{err:#}"), "clean-up failed; will retry");
                }
            }
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Sends every due mail once; returns how many were sent.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let mut sent = 0;
        loop {
            // One mail at a time, so that its short lease covers only its own delivery.
            let batch = db::run(&self.pool, |conn| Ok(OutboxMail::claim_due(conn, Utc::now().naive_utc(), 1)?)).await?;
            if batch.is_empty() {
                return Ok(sent);
            }
            for mail in batch {
                let mailer = self.mailer.clone();
                let to_send = mail.clone();
                let outcome = actix_web::web::block(move || mailer.send(&to_send)).await?;
                let max_attempts = self.settings.mail_max_attempts;
                match outcome {
                    Ok(()) => {
                        sent += 1;
                        db::run(&self.pool, move |conn| {
                            Ok(OutboxMail::mark_sent(conn, &mail, Utc::now().naive_utc())?)
                        })
                        .await?;
                    }
                    Err(error) => {
                        // The recipient is personal data: log the mail's id and kind only.
                        let logged = redact_addresses(&error);
                        tracing::warn!(mail_id = %mail.id, kind = mail.kind.code(), attempt = mail.attempts + 1, error = %logged, "mail not delivered");
                        let status = db::run(&self.pool, move |conn| {
                            Ok(OutboxMail::mark_attempt_failed(
                                conn,
                                &mail,
                                &error,
                                Utc::now().naive_utc(),
                                max_attempts,
                            )?)
                        })
                        .await?;
                        if status == MailStatus::Failed {
                            tracing::error!(
                                "a mail failed for good after {max_attempts} attempts; staff can resend it"
                            );
                        }
                    }
                }
            }
        }
    }

    async fn clean_up(&self) -> anyhow::Result<()> {
        let reminder_days = self.settings.reminder_days_before;
        let public_url = self.settings.public_url.clone();
        let report =
            db::run(&self.pool, move |conn| crate::jobs::run_due(conn, Utc::now(), reminder_days, &public_url)).await?;
        if report.reminders + report.overdue > 0 {
            tracing::info!(
                reminders = report.reminders,
                overdue = report.overdue,
                "review round: reminders queued, silence recorded"
            );
            self.wakeup.notify_one();
        }
        let retention = self.settings.contact_retention_days;
        let (captchas, counters, contacts, mails) = db::run(&self.pool, move |conn| {
            let now = Utc::now();
            Ok((
                crate::captcha::purge_expired(conn, now.naive_utc())?,
                crate::rate_limit::purge_expired(conn, now)?
                    + crate::models::question_answer::purge_old(conn, now.naive_utc())?,
                crate::models::Opinion::erase_expired_contacts(conn, now.naive_utc(), retention)?,
                OutboxMail::purge_delivered(conn, now.naive_utc(), retention)?,
            ))
        })
        .await?;
        if captchas + counters > 0 {
            tracing::debug!(captchas, counters, "removed expired captchas and rate counters");
        }
        if contacts + mails > 0 {
            tracing::info!(contacts, mails, "erased contacts and delivered mail past the retention period");
        }
        db::run(&self.pool, |conn| Ok(crate::models::consultation_index::optimise(conn)?)).await?;
        Ok(())
    }
}

/// The text with every word that holds an `@` replaced: servers quote the recipient in
/// their errors, and addresses are personal data that logs must not hold.
pub fn redact_addresses(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            if word.contains('@') {
                let trailing: String = word.chars().rev().take_while(|c| c.is_whitespace()).collect();
                format!("<地址已隐去>{trailing}")
            } else {
                word.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_domain_is_the_public_address_host() {
        assert_eq!(site_domain("https://zhengqiu.example.gov.cn"), "zhengqiu.example.gov.cn");
        assert_eq!(site_domain("https://Yijian.Example.GOV.cn:8443/zq/"), "yijian.example.gov.cn");
        assert_eq!(site_domain("http://127.0.0.1:9000"), "127.0.0.1");
        assert_eq!(site_domain("http://[::1]:9000"), "localhost");
        assert_eq!(site_domain(""), "localhost");
    }

    #[test]
    fn server_errors_lose_the_addresses_they_quote() {
        let error = "SMTP：permanent error (550): <zhang@example.com>: Recipient address rejected";
        let logged = redact_addresses(error);
        assert!(!logged.contains("zhang"), "{logged}");
        assert!(logged.contains("Recipient address rejected") && logged.contains("550"));
    }
}
