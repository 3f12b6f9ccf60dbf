//! Staff sessions kept on the server (staff_sessions): the cookie carries a random id, the
//! table its SHA-256 and whether the session has ended, so that ending it ends every copy.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::Conn;
use crate::db::schema::staff_sessions;
use crate::domain::ids::UserId;

/// The key a session id is stored under: its SHA-256, so that the table alone opens no session.
pub fn id_hash(session_id: &str) -> String {
    hex::encode(Sha256::digest(session_id.as_bytes()))
}

/// A staff session on the server.
pub struct StaffSessionRecord;

impl StaffSessionRecord {
    /// Records a new session for `user`; returns the id to put in the cookie.
    pub fn open(conn: &mut Conn, user: UserId, now: NaiveDateTime) -> QueryResult<String> {
        let session_id = hex::encode(rand::random::<[u8; 32]>());
        diesel::insert_into(staff_sessions::table)
            .values((
                staff_sessions::id_hash.eq(id_hash(&session_id)),
                staff_sessions::user_id.eq(user),
                staff_sessions::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(session_id)
    }

    /// Whether the session `session_id` of `user` exists and has not ended.
    pub fn is_live(conn: &mut Conn, session_id: &str, user: UserId) -> QueryResult<bool> {
        let found: i64 = staff_sessions::table
            .filter(staff_sessions::id_hash.eq(id_hash(session_id)))
            .filter(staff_sessions::user_id.eq(user))
            .filter(staff_sessions::ended_at.is_null())
            .count()
            .get_result(conn)?;
        Ok(found > 0)
    }

    /// Ends one session (logout): every copy of its cookie stops working.
    pub fn end(conn: &mut Conn, session_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(staff_sessions::table.find(id_hash(session_id)))
            .filter(staff_sessions::ended_at.is_null())
            .set(staff_sessions::ended_at.eq(now))
            .execute(conn)
    }

    /// Ends every session of `user` (退出所有设备, a password reset, a deactivation); returns how many.
    pub fn end_all(conn: &mut Conn, user: UserId, now: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(staff_sessions::table)
            .filter(staff_sessions::user_id.eq(user))
            .filter(staff_sessions::ended_at.is_null())
            .set(staff_sessions::ended_at.eq(now))
            .execute(conn)
    }
}
