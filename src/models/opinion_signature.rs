//! Stored signatures of opinions' texts (format: `text::similar::signature`): what the groups page
//! needs of each opinion, computed once per text rather than on every view. A row is only ever
//! written for the body it was computed from, and goes when the body changes or the opinion goes.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{opinion_signatures, opinions};
use crate::db::{Conn, write_tx};
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::error::AppError;
use crate::text::similar::{SIGNATURE_VERSION, Signature, encode};

/// Ids per `IN (…)` list: well within SQLite's limit on bound parameters.
const IDS_PER_QUERY: usize = 1000;

/// Rows per INSERT statement (seven parameters each).
const ROWS_PER_INSERT: usize = 500;

/// The consultation's opinions without a stored signature of [`SIGNATURE_VERSION`], by id.
pub fn unsigned(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<Vec<OpinionId>> {
    let signed = opinion_signatures::table
        .filter(opinion_signatures::opinion_id.eq(opinions::id))
        .filter(opinion_signatures::version.eq(SIGNATURE_VERSION));
    opinions::table
        .filter(opinions::consultation_id.eq(consultation))
        .filter(diesel::dsl::not(diesel::dsl::exists(signed)))
        .order(opinions::id.asc())
        .select(opinions::id)
        .load(conn)
}

/// How many stored signatures of [`SIGNATURE_VERSION`] the consultation has (read from an index).
pub fn count(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<usize> {
    let n: i64 = opinion_signatures::table
        .filter(opinion_signatures::consultation_id.eq(consultation))
        .filter(opinion_signatures::version.eq(SIGNATURE_VERSION))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(n).unwrap_or_default())
}

/// A stored signature without its bag: opinion, copy hash, band keys as stored, digest.
pub type KeyedRow = (OpinionId, i64, Vec<u8>, i64);

/// Calls `each` with the consultation's stored signatures of [`SIGNATURE_VERSION`] without their
/// bags, by opinion id, one row at a time (a million of them are never held as rows).
pub fn for_each_keyed<E: From<diesel::result::Error>>(
    conn: &mut Conn,
    consultation: ConsultationId,
    mut each: impl FnMut(KeyedRow) -> Result<(), E>,
) -> Result<(), E> {
    let query = opinion_signatures::table
        .filter(opinion_signatures::consultation_id.eq(consultation))
        .filter(opinion_signatures::version.eq(SIGNATURE_VERSION))
        .order(opinion_signatures::opinion_id.asc())
        .select((
            opinion_signatures::opinion_id,
            opinion_signatures::copy_hash,
            opinion_signatures::band_keys,
            opinion_signatures::digest,
        ));
    match conn {
        Conn::Sqlite(c) => {
            for row in query.load_iter::<KeyedRow, diesel::connection::DefaultLoadingMode>(c)? {
                each(row?)?;
            }
        }
        Conn::Postgres(c) => {
            for row in query.load_iter::<KeyedRow, diesel::pg::PgRowByRowLoadingMode>(c)? {
                each(row?)?;
            }
        }
    }
    Ok(())
}

/// A stored bag and the band keys stored with it, as stored.
pub type StoredBag = (Vec<u8>, Vec<u8>);

/// The stored bags and band keys of these opinions' signatures of [`SIGNATURE_VERSION`].
pub fn bags(conn: &mut Conn, ids: &[OpinionId]) -> QueryResult<HashMap<OpinionId, StoredBag>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(OpinionId, Vec<u8>, Vec<u8>)> = opinion_signatures::table
            .filter(opinion_signatures::opinion_id.eq_any(chunk))
            .filter(opinion_signatures::version.eq(SIGNATURE_VERSION))
            .select((opinion_signatures::opinion_id, opinion_signatures::bag, opinion_signatures::band_keys))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, bag, keys)| (id, (bag, keys))));
    }
    Ok(out)
}

/// The decision code of each of these opinions (`None`: undecided); opinions gone are left out.
pub fn decisions(conn: &mut Conn, ids: &[OpinionId]) -> QueryResult<HashMap<OpinionId, Option<String>>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(OpinionId, Option<String>)> =
            opinions::table.filter(opinions::id.eq_any(chunk)).select((opinions::id, opinions::decision)).load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The bodies of these opinions (those that still exist).
pub fn bodies(conn: &mut Conn, ids: &[OpinionId]) -> QueryResult<HashMap<OpinionId, String>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(OpinionId, String)> =
            opinions::table.filter(opinions::id.eq_any(chunk)).select((opinions::id, opinions::body)).load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// A signature computed from an opinion's body, to be stored.
pub struct Computed {
    pub id: OpinionId,
    /// The body it was computed from.
    pub body: String,
    pub signature: Signature,
}

/// Stores signatures computed outside any transaction, in one write transaction; returns how many
/// were stored. A signature is only stored if its opinion still has the body it was computed from:
/// the bodies are read again in the transaction, on PostgreSQL `FOR SHARE`, so an edit either
/// happened before (the body differs, the signature is dropped) or waits and then deletes the row
/// (see [`forget`]). Rows already there for those opinions (another version, unreadable, or stored
/// by another view meanwhile) are replaced; should another view store one between, it is kept.
pub fn store(conn: &mut Conn, consultation: ConsultationId, computed: &[Computed]) -> Result<usize, AppError> {
    if computed.is_empty() {
        return Ok(0);
    }
    write_tx(conn, |conn| {
        let mut stored = 0;
        for chunk in computed.chunks(IDS_PER_QUERY) {
            let ids: Vec<OpinionId> = chunk.iter().map(|c| c.id).collect();
            let now = current_bodies(conn, &ids)?;
            let unchanged: Vec<&Computed> =
                chunk.iter().filter(|c| now.get(&c.id).is_some_and(|body| *body == c.body)).collect();
            // What is there is of another version, unreadable, or as good as ours (stored meanwhile).
            let replaced: Vec<OpinionId> = unchanged.iter().map(|c| c.id).collect();
            diesel::delete(opinion_signatures::table.filter(opinion_signatures::opinion_id.eq_any(&replaced)))
                .execute(conn)?;
            for rows in unchanged.chunks(ROWS_PER_INSERT) {
                stored += insert(conn, consultation, rows)?;
            }
        }
        Ok(stored)
    })
}

/// The bodies of these opinions, locked against change until the transaction ends (PostgreSQL; on
/// SQLite the write transaction already keeps every other writer out).
fn current_bodies(conn: &mut Conn, ids: &[OpinionId]) -> QueryResult<HashMap<OpinionId, String>> {
    let query = opinions::table.filter(opinions::id.eq_any(ids)).select((opinions::id, opinions::body));
    let rows: Vec<(OpinionId, String)> = match conn {
        Conn::Postgres(c) => query.for_share().load(c)?,
        Conn::Sqlite(c) => query.load(c)?,
    };
    Ok(rows.into_iter().collect())
}

fn insert(conn: &mut Conn, consultation: ConsultationId, rows: &[&Computed]) -> QueryResult<usize> {
    use opinion_signatures::dsl;
    let values: Vec<_> = rows
        .iter()
        .map(|c| {
            (
                dsl::opinion_id.eq(c.id),
                dsl::consultation_id.eq(consultation),
                dsl::version.eq(SIGNATURE_VERSION),
                dsl::copy_hash.eq(c.signature.stored_copy_hash()),
                dsl::bag.eq(encode(&c.signature.bag)),
                dsl::band_keys.eq(encode(&c.signature.band_keys)),
                dsl::digest.eq(c.signature.stored_digest()),
            )
        })
        .collect();
    // Another view of the same page may have stored the same signatures first: theirs are as good.
    crate::on_inner!(conn, c => diesel::insert_into(dsl::opinion_signatures).values(&values).on_conflict_do_nothing().execute(c))
}

/// Forgets an opinion's signature because its text changed, in the caller's transaction.
pub fn forget(conn: &mut Conn, opinion: OpinionId) -> QueryResult<()> {
    diesel::delete(opinion_signatures::table.find(opinion)).execute(conn).map(|_| ())
}

/// Forgets signatures found damaged (they are computed again from the bodies).
pub fn forget_damaged(conn: &mut Conn, ids: &[OpinionId]) -> QueryResult<()> {
    for chunk in ids.chunks(IDS_PER_QUERY) {
        diesel::delete(opinion_signatures::table.filter(opinion_signatures::opinion_id.eq_any(chunk))).execute(conn)?;
    }
    Ok(())
}
