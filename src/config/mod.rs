//! Typed settings from environment variables (and `.env`); every one is documented in `.env.example`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;

mod database_url;

pub use database_url::{Backend, DbUrl};

/// A value that must not appear in logs or debug output.
#[derive(Clone)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How to reach an SMTP server; without one, mail is written as `.eml` files.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    /// `none`, `starttls` or `tls`.
    pub security: SmtpSecurity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    None,
    StartTls,
    Tls,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DbUrl,
    pub addr: String,
    pub data_dir: PathBuf,
    /// The address people use to reach the site, for links in e-mails.
    pub public_url: String,
    /// Signs and encrypts staff session cookies and keys the client-address hash.
    pub secret_key: Secret<Vec<u8>>,
    pub pool_size: u32,
    /// Writer threads of the batch commit (PostgreSQL; SQLite has one). 0: chosen from the
    /// pool size.
    pub db_writers: usize,
    /// Load the demo consultations into an empty database at start-up.
    pub seed_on_start: bool,
    pub workers: usize,
    pub smtp: Option<SmtpSettings>,
    pub mail_from: String,
    pub outbox_dir: PathBuf,
    pub mail_max_attempts: i32,
    pub opinion_max_chars: usize,
    pub captcha_ttl_secs: i64,
    pub rate_captcha_per_minute: i32,
    /// Text questions (the captcha without an image) per client address in a minute: fewer
    /// than images, as a question is cheaper to answer by program.
    pub rate_question_per_minute: i32,
    /// `/readyz` answers 503 when the disk holding the SQLite database has less free space (MB).
    pub ready_min_free_mb: u64,
    pub rate_submit_per_minute: i32,
    /// Staff login attempts per client address, and per account name, in a minute.
    pub rate_login_per_minute: i32,
    pub sensitive_words_file: Option<PathBuf>,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    pub upload_dir: PathBuf,
    pub upload_max_bytes: usize,
    pub reminder_days_before: i64,
    pub feedback_overdue_days: i64,
    /// Contacts are erased this many days after a consultation's feedback is published.
    pub contact_retention_days: i64,
    /// How often the mail worker looks for due mail (it is also woken when mail is queued).
    pub mail_poll_ms: u64,
    /// How long a rendered public page may be served again (0 renders every request).
    pub page_cache_ms: u64,
    /// How long the groups page waits for a grouping under way before it shows how far it got.
    pub groups_wait_ms: u64,
    /// The site's name in every page's title and header.
    pub site_name: String,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn parsed<T: FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|e| anyhow::anyhow!("{name}={raw:?} is not valid: {e}")),
    }
}

fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => anyhow::bail!("{name}={other:?} is not valid: use true or false"),
    }
}

impl Settings {
    /// Settings with every default, for `database_url` and `data_dir`; nothing is read
    /// from the environment (tests build their instances from this).
    pub fn with_defaults(database_url: DbUrl, data_dir: PathBuf, secret_key: Vec<u8>) -> Settings {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let addr = "127.0.0.1:8080".to_owned();
        Settings {
            public_url: format!("http://{addr}"),
            addr,
            pool_size: (cores as u32 * 4).max(8),
            db_writers: 0,
            seed_on_start: true,
            workers: cores,
            smtp: None,
            mail_from: "征求意见系统 <noreply@zhengqiu.local>".to_owned(),
            outbox_dir: data_dir.join("outbox"),
            mail_max_attempts: 8,
            opinion_max_chars: 5000,
            captcha_ttl_secs: 300,
            rate_captcha_per_minute: 120,
            rate_question_per_minute: 10,
            ready_min_free_mb: 100,
            rate_submit_per_minute: 10,
            rate_login_per_minute: 20,
            sensitive_words_file: None,
            trust_proxy: false,
            upload_dir: data_dir.join("uploads"),
            upload_max_bytes: 20 * 1024 * 1024,
            reminder_days_before: 3,
            feedback_overdue_days: 15,
            contact_retention_days: 180,
            mail_poll_ms: 5000,
            groups_wait_ms: 3000,
            page_cache_ms: 1000,
            site_name: "意见征集".to_owned(),
            secret_key: Secret::new(secret_key),
            database_url,
            data_dir,
        }
    }

    /// Reads `.env` (if present) and the environment over the defaults.
    pub fn from_env() -> anyhow::Result<Settings> {
        // A missing .env is normal; a broken one should be said.
        if let Err(err) = dotenvy::dotenv()
            && !err.not_found()
        {
            return Err(err).context("reading .env");
        }
        let data_dir = PathBuf::from(var("ZHENGQIU_DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        let database_url = match var("DATABASE_URL") {
            Some(url) => DbUrl::parse(&url).context("DATABASE_URL")?,
            None => DbUrl::parse(&data_dir.join("zhengqiu.db").to_string_lossy())?,
        };
        let key = secret_key(&data_dir)?.0;
        let d = Settings::with_defaults(database_url, data_dir, key);
        let addr = var("ZHENGQIU_ADDR").unwrap_or(d.addr.clone());
        let public_url = public_url(var("ZHENGQIU_PUBLIC_URL"), &addr);
        let smtp = match var("ZHENGQIU_SMTP_HOST") {
            None => None,
            Some(host) => Some(SmtpSettings {
                host,
                port: parsed("ZHENGQIU_SMTP_PORT", 25)?,
                username: var("ZHENGQIU_SMTP_USERNAME"),
                password: var("ZHENGQIU_SMTP_PASSWORD").map(Secret::new),
                security: match var("ZHENGQIU_SMTP_SECURITY").as_deref() {
                    None | Some("none") => SmtpSecurity::None,
                    Some("starttls") => SmtpSecurity::StartTls,
                    Some("tls") => SmtpSecurity::Tls,
                    Some(other) => anyhow::bail!("ZHENGQIU_SMTP_SECURITY={other:?}: use none, starttls or tls"),
                },
            }),
        };
        Ok(Settings {
            pool_size: parsed("ZHENGQIU_DB_POOL_SIZE", d.pool_size)?,
            db_writers: parsed("ZHENGQIU_DB_WRITERS", d.db_writers)?,
            seed_on_start: flag("ZHENGQIU_SEED_ON_START", d.seed_on_start)?,
            workers: parsed("ZHENGQIU_WORKERS", d.workers)?,
            mail_from: var("ZHENGQIU_MAIL_FROM").unwrap_or(d.mail_from),
            outbox_dir: var("ZHENGQIU_OUTBOX_DIR").map(PathBuf::from).unwrap_or(d.outbox_dir),
            mail_max_attempts: parsed("ZHENGQIU_MAIL_MAX_ATTEMPTS", d.mail_max_attempts)?,
            opinion_max_chars: parsed("ZHENGQIU_OPINION_MAX_CHARS", d.opinion_max_chars)?,
            captcha_ttl_secs: parsed("ZHENGQIU_CAPTCHA_TTL_SECS", d.captcha_ttl_secs)?,
            rate_captcha_per_minute: parsed("ZHENGQIU_RATE_CAPTCHA_PER_MINUTE", d.rate_captcha_per_minute)?,
            rate_question_per_minute: parsed("ZHENGQIU_RATE_QUESTION_PER_MINUTE", d.rate_question_per_minute)?,
            ready_min_free_mb: parsed("ZHENGQIU_READY_MIN_FREE_MB", d.ready_min_free_mb)?,
            rate_submit_per_minute: parsed("ZHENGQIU_RATE_SUBMIT_PER_MINUTE", d.rate_submit_per_minute)?,
            rate_login_per_minute: parsed("ZHENGQIU_RATE_LOGIN_PER_MINUTE", d.rate_login_per_minute)?,
            sensitive_words_file: var("ZHENGQIU_SENSITIVE_WORDS_FILE").map(PathBuf::from),
            trust_proxy: flag("ZHENGQIU_TRUST_PROXY", d.trust_proxy)?,
            upload_dir: var("ZHENGQIU_UPLOAD_DIR").map(PathBuf::from).unwrap_or(d.upload_dir),
            upload_max_bytes: match var("ZHENGQIU_UPLOAD_MAX_MB") {
                None => d.upload_max_bytes,
                Some(_) => parsed::<usize>("ZHENGQIU_UPLOAD_MAX_MB", 0)? * 1024 * 1024,
            },
            reminder_days_before: parsed("ZHENGQIU_REMINDER_DAYS", d.reminder_days_before)?,
            feedback_overdue_days: parsed("ZHENGQIU_FEEDBACK_OVERDUE_DAYS", d.feedback_overdue_days)?,
            contact_retention_days: parsed("ZHENGQIU_CONTACT_RETENTION_DAYS", d.contact_retention_days)?,
            mail_poll_ms: parsed("ZHENGQIU_MAIL_POLL_MS", d.mail_poll_ms)?,
            groups_wait_ms: parsed("ZHENGQIU_GROUPS_WAIT_MS", d.groups_wait_ms)?,
            page_cache_ms: parsed("ZHENGQIU_PAGE_CACHE_MS", d.page_cache_ms)?,
            site_name: var("ZHENGQIU_SITE_NAME").unwrap_or(d.site_name),
            public_url,
            addr,
            smtp,
            ..d
        })
    }
}

impl Settings {
    /// Listens on `addr` instead (`zhengqiu serve --addr`). Links in e-mails follow it only
    /// when `ZHENGQIU_PUBLIC_URL` does not say where people reach the site.
    pub fn listen_on(&mut self, addr: String) {
        self.public_url = public_url(var("ZHENGQIU_PUBLIC_URL"), &addr);
        self.addr = addr;
    }
}

/// The address people use to reach the site: the configured one, else the listen address.
fn public_url(configured: Option<String>, addr: &str) -> String {
    configured.unwrap_or_else(|| format!("http://{addr}")).trim_end_matches('/').to_owned()
}

/// `ZHENGQIU_SECRET_KEY` (at least 64 hex characters), or a key kept in the data
/// directory so that a single instance keeps its sessions across restarts.
fn secret_key(data_dir: &std::path::Path) -> anyhow::Result<Secret<Vec<u8>>> {
    if let Some(hex_key) = var("ZHENGQIU_SECRET_KEY") {
        let key = hex::decode(&hex_key).context("ZHENGQIU_SECRET_KEY must be hexadecimal")?;
        anyhow::ensure!(key.len() >= 32, "ZHENGQIU_SECRET_KEY must be at least 64 hex characters (32 bytes)");
        return Ok(Secret::new(key));
    }
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && let Ok(key) = hex::decode(existing.trim())
        && key.len() >= 32
    {
        return Ok(Secret::new(key));
    }
    let key: [u8; 64] = rand::random();
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    std::fs::write(&path, hex::encode(key)).with_context(|| format!("writing {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "ZHENGQIU_SECRET_KEY is not set: generated a key in the data directory; \
         instances that share one database must share the same ZHENGQIU_SECRET_KEY"
    );
    Ok(Secret::new(key.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_is_the_configured_one_else_the_listen_address() {
        let configured = Some("https://zhengqiu.example.gov.cn/".to_owned());
        assert_eq!(public_url(configured, "127.0.0.1:9000"), "https://zhengqiu.example.gov.cn");
        assert_eq!(public_url(None, "127.0.0.1:9000"), "http://127.0.0.1:9000");
    }
}
