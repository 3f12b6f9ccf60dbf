//! A staff account (users): administrators and drafters, with an argon2 password hash.

use std::fmt;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::Conn;
use crate::db::schema::users;
use crate::domain::account::{DisplayName, Role, Username};
use crate::domain::ids::UserId;
use crate::error::AppError;

#[derive(Queryable, Selectable, Identifiable, Clone)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    /// PHC string (`$argon2id$v=19$…`); see `auth::password`.
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

/// Leaves the password hash out, so that a logged `User` does not carry it.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// A new account, its password already hashed.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum NewUserError {
    #[error("用户名“{0}”已被使用")]
    UsernameTaken(String),
    #[error(transparent)]
    Db(#[from] AppError),
}

/// Inside a larger write (the demo accounts), a taken name is just a failure.
impl From<NewUserError> for AppError {
    fn from(err: NewUserError) -> AppError {
        match err {
            NewUserError::UsernameTaken(_) => AppError::BadRequest(err.to_string()),
            NewUserError::Db(err) => err,
        }
    }
}

impl<'a> NewUser<'a> {
    pub fn new(
        username: &'a Username,
        display_name: &'a DisplayName,
        role: Role,
        password_hash: &'a str,
        now: NaiveDateTime,
    ) -> NewUser<'a> {
        NewUser {
            username: username.as_str(),
            display_name: display_name.as_str(),
            password_hash,
            role,
            active: true,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn insert(&self, conn: &mut Conn) -> Result<UserId, NewUserError> {
        crate::insert_returning!(conn, users::table, self, users::id).map_err(|err| match err {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                NewUserError::UsernameTaken(self.username.to_owned())
            }
            other => NewUserError::Db(other.into()),
        })
    }
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn find(conn: &mut Conn, id: UserId) -> QueryResult<User> {
        users::table.find(id).select(User::as_select()).first(conn)
    }

    /// The account with this login name (active or not), if any.
    pub fn find_by_username(conn: &mut Conn, username: &Username) -> QueryResult<Option<User>> {
        users::table.filter(users::username.eq(username.as_str())).select(User::as_select()).first(conn).optional()
    }

    /// Every account: administrators first, then by login name.
    pub fn list(conn: &mut Conn) -> QueryResult<Vec<User>> {
        users::table.order((users::role.asc(), users::username.asc())).select(User::as_select()).load(conn)
    }

    /// Active drafters, by name: those a consultation can be assigned to.
    pub fn active_drafters(conn: &mut Conn) -> QueryResult<Vec<User>> {
        users::table
            .filter(users::role.eq(Role::Drafter))
            .filter(users::active.eq(true))
            .order(users::display_name.asc())
            .select(User::as_select())
            .load(conn)
    }

    pub fn count(conn: &mut Conn) -> QueryResult<i64> {
        users::table.count().get_result(conn)
    }

    pub fn set_active(conn: &mut Conn, id: UserId, active: bool, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((users::active.eq(active), users::updated_at.eq(now)))
            .execute(conn)
            .and_then(found_one)
    }

    /// Replaces the password; sessions opened with the old one stop working.
    pub fn set_password_hash(conn: &mut Conn, id: UserId, hash: &str, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
            .execute(conn)
            .and_then(found_one)
    }

    pub fn record_login(conn: &mut Conn, id: UserId, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(users::table.find(id)).set(users::last_login_at.eq(now)).execute(conn).map(|_| ())
    }
}

fn found_one(rows: usize) -> QueryResult<()> {
    if rows == 0 { Err(DieselError::NotFound) } else { Ok(()) }
}
