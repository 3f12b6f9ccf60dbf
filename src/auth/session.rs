//! The staff session: a private (encrypted and signed) cookie that holds who is logged in,
//! since when, the CSRF token, and a one-time message for the next page.

use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::HttpRequest;
use actix_web::cookie::{Key, SameSite};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::config::Settings;
use crate::domain::ids::UserId;
use crate::error::AppError;
use crate::models::User;

pub const COOKIE_NAME: &str = "zq_staff";
/// Only staff pages need the cookie, so only they receive it.
pub const COOKIE_PATH: &str = "/staff";
/// A session unused for this long is over.
pub const IDLE_TIMEOUT_SECS: i64 = 4 * 3600;
/// However busy, a login lasts at most this long.
pub const MAX_SESSION_SECS: i64 = 12 * 3600;
/// The last-seen time is rewritten at most this often, so not every page sets a cookie.
const TOUCH_EVERY_SECS: i64 = 60;

const UID: &str = "uid";
/// The random id of the session's record on the server (see `models::staff_session`).
const SID: &str = "sid";
const PASSWORD_VERSION: &str = "pwv";
const LOGIN_AT: &str = "login_at";
const SEEN_AT: &str = "seen_at";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// The 64-byte cookie key (32 to sign, 32 to encrypt) derived from the service's secret,
/// with a label so that the same secret used elsewhere yields unrelated keys.
pub fn cookie_key(secret: &[u8]) -> Key {
    let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(b"zhengqiu staff session cookie v1");
    Key::from(mac.finalize().into_bytes().as_slice())
}

/// The session middleware: cookie `zq_staff`, HttpOnly, SameSite=Lax, Secure when the
/// site is served over https, gone when the browser closes; idle and absolute expiry are
/// enforced from the times stored inside it (see [`StaffSession::user`]).
pub fn middleware(settings: &Settings) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), cookie_key(settings.secret_key.expose()))
        .cookie_name(COOKIE_NAME.to_owned())
        .cookie_path(COOKIE_PATH.to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(settings.public_url.starts_with("https://"))
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default())
        .build()
}

/// A short fingerprint of the password hash: changing the password ends every session
/// opened with the old one, although the sessions themselves live only in cookies.
pub fn password_version(hash: &str) -> String {
    hex::encode(&Sha256::digest(hash.as_bytes())[..8])
}

/// Who the session says is logged in (still to be checked against the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub id: UserId,
    pub password_version: String,
    /// The server-side record this cookie names; a cookie without one is from before sessions
    /// were kept on the server and is not a login.
    pub session_id: Option<String>,
}

/// A one-time message shown on the next staff page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub error: bool,
    pub text: String,
}

/// The request's session, with what staff pages do with it.
#[derive(Clone)]
pub struct StaffSession(Session);

fn stored<T: serde::de::DeserializeOwned>(session: &Session, key: &str) -> Option<T> {
    session.get::<T>(key).ok().flatten()
}

impl StaffSession {
    pub fn of(req: &HttpRequest) -> StaffSession {
        StaffSession(req.get_session())
    }

    fn insert<T: Serialize>(&self, key: &str, value: T) -> Result<(), AppError> {
        self.0.insert(key, value).map_err(AppError::internal)
    }

    /// The CSRF token of this session, created on first use.
    pub fn csrf_token(&self) -> Result<String, AppError> {
        if let Some(token) = stored::<String>(&self.0, CSRF) {
            return Ok(token);
        }
        let token = hex::encode(rand::random::<[u8; 32]>());
        self.insert(CSRF, &token)?;
        Ok(token)
    }

    /// Whether `submitted` is this session's token, compared in constant time.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        match stored::<String>(&self.0, CSRF) {
            Some(expected) if !submitted.is_empty() => expected.as_bytes().ct_eq(submitted.as_bytes()).into(),
            _ => false,
        }
    }

    /// Logs `user` in: a new session (nothing from before the login survives, against
    /// session fixation) with a new CSRF token.
    /// `session_id` names the session's record on the server, already stored.
    pub fn begin(&self, user: &User, session_id: &str, now: DateTime<Utc>) -> Result<(), AppError> {
        self.0.renew();
        self.0.clear();
        self.insert(UID, user.id.0)?;
        self.insert(SID, session_id)?;
        self.insert(PASSWORD_VERSION, password_version(&user.password_hash))?;
        self.insert(LOGIN_AT, now.timestamp())?;
        self.insert(SEEN_AT, now.timestamp())?;
        self.csrf_token()?;
        Ok(())
    }

    /// Logs out: the cookie is removed.
    pub fn end(&self) {
        self.0.purge();
    }

    /// Who is logged in, unless the session has been idle too long or is too old (then
    /// the login is forgotten). Marks the session as used.
    pub fn user(&self, now: DateTime<Utc>) -> Result<Option<SessionUser>, AppError> {
        let Some(id) = stored::<i32>(&self.0, UID) else { return Ok(None) };
        let login_at = stored::<i64>(&self.0, LOGIN_AT).unwrap_or(0);
        let seen_at = stored::<i64>(&self.0, SEEN_AT).unwrap_or(0);
        let now_ts = now.timestamp();
        let expired = now_ts - seen_at > IDLE_TIMEOUT_SECS
            || now_ts - login_at > MAX_SESSION_SECS
            || login_at > now_ts + TOUCH_EVERY_SECS;
        if expired {
            self.forget_user();
            return Ok(None);
        }
        if now_ts - seen_at >= TOUCH_EVERY_SECS {
            self.insert(SEEN_AT, now_ts)?;
        }
        let password_version = stored::<String>(&self.0, PASSWORD_VERSION).unwrap_or_default();
        let session_id = stored::<String>(&self.0, SID);
        Ok(Some(SessionUser { id: UserId(id), password_version, session_id }))
    }

    /// The id of the server-side session record this cookie names, if any.
    pub fn session_id(&self) -> Option<String> {
        stored::<String>(&self.0, SID)
    }

    /// Forgets the login but keeps the CSRF token, so that a page still open in the
    /// browser can log out or log in again.
    pub fn forget_user(&self) {
        for key in [UID, SID, PASSWORD_VERSION, LOGIN_AT, SEEN_AT] {
            self.0.remove(key);
        }
    }

    pub fn flash(&self, error: bool, text: impl Into<String>) -> Result<(), AppError> {
        self.insert(FLASH, Flash { error, text: text.into() })
    }

    pub fn take_flash(&self) -> Option<Flash> {
        // `remove` marks the session changed even for a missing key: look first, so
        // that pages without a message do not set a new cookie.
        if !self.0.contains_key(FLASH) {
            return None;
        }
        self.0.remove_as::<Flash>(FLASH).and_then(Result::ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_key_depends_on_the_secret() {
        let a = cookie_key(&[7u8; 32]);
        let b = cookie_key(&[8u8; 32]);
        assert_eq!(a.master().len(), 64);
        assert_ne!(a.master(), b.master());
        assert_eq!(a.master(), cookie_key(&[7u8; 32]).master());
    }

    #[test]
    fn the_password_version_changes_with_the_hash() {
        assert_ne!(password_version("$argon2id$a"), password_version("$argon2id$b"));
        assert_eq!(password_version("$argon2id$a").len(), 16);
    }
}
