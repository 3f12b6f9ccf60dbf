//! Creating accounts (command line, demo data, the accounts page) and checking a login.

use std::fmt;

use actix_web::web;
use chrono::NaiveDateTime;

use super::password;
use crate::db::{self, Conn, Pool};
use crate::domain::account::{DisplayName, NewPassword, Role, Username};
use crate::error::AppError;
use crate::models::user::NewUserError;
use crate::models::{NewUser, User};

/// Hashes `password` and stores a new active account. Blocking: the hash takes a while.
pub fn create(
    conn: &mut Conn,
    username: &Username,
    display_name: &DisplayName,
    role: Role,
    password: &NewPassword,
    now: NaiveDateTime,
) -> Result<User, NewUserError> {
    let hash = password::hash(password)?;
    let id = NewUser::new(username, display_name, role, &hash, now).insert(conn)?;
    Ok(User::find(conn, id).map_err(AppError::from)?)
}

/// [`password::hash`] on the blocking thread pool, for handlers.
pub async fn hash_off_thread(password: NewPassword) -> Result<String, AppError> {
    web::block(move || password::hash(&password)).await.map_err(AppError::internal)?
}

/// An account made by [`add_user`], with the password it was given if that was generated.
#[derive(Debug)]
pub struct AddedUser {
    pub user: User,
    /// Set when no password was supplied: shown once, never stored in clear.
    pub generated_password: Option<NewPassword>,
}

/// `zhengqiu user add`: parses the details (the messages are the ones the forms show),
/// takes `password` or generates one, and stores the account.
pub fn add_user(
    conn: &mut Conn,
    username: &str,
    display_name: &str,
    role: &str,
    password: Option<&str>,
    now: NaiveDateTime,
) -> anyhow::Result<AddedUser> {
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("--username：{e}"))?;
    let display_name = DisplayName::parse(display_name).map_err(|e| anyhow::anyhow!("--display-name：{e}"))?;
    let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role：{e}"))?;
    let (password, generated) = match password {
        Some(given) => (NewPassword::parse(given).map_err(|e| anyhow::anyhow!("{e}"))?, false),
        None => (NewPassword::generate(&mut rand::rng()), true),
    };
    let user = create(conn, &username, &display_name, role, &password, now).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    Ok(AddedUser { user, generated_password: generated.then_some(password) })
}

/// The account `username` names, if `password` is its password (active or not: the
/// caller decides what a deactivated account may do). An unknown name takes as long to
/// refuse as a wrong password.
pub async fn check_login(pool: &Pool, username: &str, password: String) -> Result<Option<User>, AppError> {
    let user = match Username::parse(username) {
        Ok(username) => db::run(pool, move |conn| Ok(User::find_by_username(conn, &username)?)).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = web::block(move || password::verify_or_waste_time(stored.as_deref(), &password))
        .await
        .map_err(AppError::internal)?;
    Ok(user.filter(|_| matches))
}

/// The demo accounts made at first start, to be shown once on the operator's console.
#[derive(Clone)]
pub struct DemoLogins {
    pub admin_password: NewPassword,
    pub drafter_password: NewPassword,
}

pub const DEMO_ADMIN: &str = "admin";
pub const DEMO_DRAFTER: &str = "drafter";

impl fmt::Display for DemoLogins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "演示账号：{DEMO_ADMIN} / {}（管理员），{DEMO_DRAFTER} / {}（起草人员）",
            self.admin_password.expose(),
            self.drafter_password.expose()
        )
    }
}

impl fmt::Debug for DemoLogins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DemoLogins([redacted])")
    }
}
