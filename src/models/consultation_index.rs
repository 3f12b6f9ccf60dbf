//! The text index behind the public list's search: the hashed bigrams (see
//! [`search::grams`]) of a consultation's title, issuer, notice and current draft, one
//! entry per consultation, rewritten whenever one of them changes. SQLite keeps it in an
//! FTS5 table; PostgreSQL in an integer array in the consultation's own row, with a GIN index
//! of the published consultations (a search then reads its matches straight from the table).

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Text};

use crate::config::Backend;
use crate::db::Conn;
use crate::db::schema::{consultations, drafts, sections};
use crate::domain::ids::ConsultationId;
use crate::models::search::{grams, sqlite_document};

/// Bigrams of all consultations share one namespace (opinions use their consultation's id,
/// which is never 0).
const NAMESPACE: ConsultationId = ConsultationId(0);

/// The hashed bigrams of a search text; empty when it has fewer than two characters.
pub fn query_grams(text: &str) -> Vec<i32> {
    grams(NAMESPACE, &[text])
}

/// (Re)indexes one consultation's text, in the caller's transaction.
pub fn index(conn: &mut Conn, id: ConsultationId) -> QueryResult<()> {
    let (title, issuer, notice): (String, String, String) = consultations::table
        .find(id)
        .select((consultations::title, consultations::issuer, consultations::notice))
        .first(conn)?;
    let bodies: Vec<String> = sections::table
        .inner_join(drafts::table)
        .filter(drafts::consultation_id.eq(id))
        .filter(drafts::is_current.eq(true))
        .select(sections::body)
        .load(conn)?;
    let mut texts: Vec<&str> = vec![&title, &issuer, &notice];
    texts.extend(bodies.iter().map(String::as_str));
    let grams = grams(NAMESPACE, &texts);
    match conn {
        Conn::Sqlite(c) => {
            diesel::sql_query("DELETE FROM consultation_grams WHERE rowid = ?").bind::<Integer, _>(id.0).execute(c)?;
            diesel::sql_query("INSERT INTO consultation_grams (rowid, grams) VALUES (?, ?)")
                .bind::<Integer, _>(id.0)
                .bind::<Text, _>(sqlite_document(&grams))
                .execute(c)?;
        }
        Conn::Postgres(c) => {
            diesel::sql_query("UPDATE consultations SET grams = $2 WHERE id = $1")
                .bind::<Integer, _>(id.0)
                .bind::<Array<Integer>, _>(grams)
                .execute(c)?;
        }
    }
    Ok(())
}

/// An SQL condition on `consultations` that holds for every consultation whose text holds
/// all of `grams` (hash collisions may let a few more through). The hashes are our own
/// integers, so writing them into the SQL is safe. On PostgreSQL the index covers the
/// published consultations only, as the public list does.
pub fn condition(backend: Backend, grams: &[i32]) -> String {
    match backend {
        Backend::Sqlite => format!(
            "consultations.id IN (SELECT rowid FROM consultation_grams WHERE consultation_grams MATCH '{}')",
            sqlite_document(grams)
        ),
        Backend::Postgres => {
            let list: Vec<String> = grams.iter().map(i32::to_string).collect();
            format!("consultations.grams @> ARRAY[{}]::integer[]", list.join(","))
        }
    }
}

/// Merges the SQLite index into one segment. Indexing many consultations in one transaction
/// (the backfill below, a bulk import) leaves the entries spread over many segments, and every
/// re-indexing adds a segment and a tombstone for the entry it replaces; a search walks every
/// segment and checks every tombstone (10,000 consultations loaded in bulk: a search took twice
/// as long). Cheap when nothing changed since the last time (a few milliseconds); holds the
/// write lock while it merges (tens of milliseconds at 10,000 consultations). The service runs
/// it with its clean-up, once a minute. PostgreSQL's GIN index is kept by autovacuum.
pub fn optimise(conn: &mut Conn) -> QueryResult<()> {
    match conn {
        Conn::Sqlite(c) => {
            diesel::sql_query("INSERT INTO consultation_grams (consultation_grams) VALUES ('optimize')").execute(c)?;
        }
        Conn::Postgres(_) => {}
    }
    Ok(())
}

const BACKFILL_TASK: &str = "index consultation text";

/// Indexes every consultation if the migration that made the index asked for it;
/// returns how many. One small query when there is nothing to do.
pub fn backfill_if_pending(conn: &mut Conn) -> QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Pending {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let pending: Pending =
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM pending_tasks WHERE name = '{BACKFILL_TASK}'"))
            .get_result(conn)?;
    if pending.n == 0 {
        return Ok(0);
    }
    let ids: Vec<ConsultationId> =
        consultations::table.select(consultations::id).order(consultations::id).load(conn)?;
    conn.transaction(|conn| {
        for id in &ids {
            index(conn, *id)?;
        }
        diesel::sql_query(format!("DELETE FROM pending_tasks WHERE name = '{BACKFILL_TASK}'")).execute(conn)?;
        QueryResult::Ok(ids.len())
    })
    .and_then(|n| optimise(conn).map(|()| n))
}
