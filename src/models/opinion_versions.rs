//! Two counters per consultation that say when its opinions changed: `texts_version` when a
//! text comes, changes or goes, `decisions_version` when a decision changes. Each is bumped in
//! the transaction that makes the change, so a reader that finds them as they were finds the
//! opinions as they were, on whichever instance the change was made. The groups page keeps what
//! it found under them and reads nothing per opinion while they stay.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::consultations;
use crate::domain::ids::ConsultationId;

/// The consultation's counters as last committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Versions {
    pub texts: i64,
    pub decisions: i64,
}

/// The counters of a consultation (`None`: no such consultation).
pub fn read(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<Option<Versions>> {
    consultations::table
        .find(consultation)
        .select((consultations::texts_version, consultations::decisions_version))
        .first::<(i64, i64)>(conn)
        .optional()
        .map(|found| found.map(|(texts, decisions)| Versions { texts, decisions }))
}

/// What changed in a consultation's opinions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Texts,
    Decisions,
    Both,
}

/// The statement that bumps the counters for `change`, for sending with others in one round trip
/// (only an id is written into the SQL).
pub fn bump_sql(consultation: ConsultationId, change: Change) -> String {
    let set = match change {
        Change::Texts => "texts_version = texts_version + 1",
        Change::Decisions => "decisions_version = decisions_version + 1",
        Change::Both => "texts_version = texts_version + 1, decisions_version = decisions_version + 1",
    };
    format!("UPDATE consultations SET {set} WHERE id = {};\n", consultation.0)
}

/// Bumps the counters for `change`, in the caller's transaction.
pub fn bump(conn: &mut Conn, consultation: ConsultationId, change: Change) -> QueryResult<()> {
    conn.batch_execute(&bump_sql(consultation, change))
}
