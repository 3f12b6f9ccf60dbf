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

/// An opinion as the groups page reads it first: without the bag and band keys, which only
/// grouping needs, and only when the digests show that something changed.
#[derive(Debug)]
pub struct Signed {
    pub id: OpinionId,
    /// The adoption status code, if decided.
    pub decision: Option<String>,
    /// The stored signature's copy hash and digest, if there is one of [`SIGNATURE_VERSION`].
    pub stored: Option<(u64, u64)>,
}

/// Every opinion of the consultation, by id, with its decision and stored copy hash and digest.
/// Two reads that indexes answer alone (`opinions_review_decision` holds the decisions,
/// `opinion_signatures_digests` the hashes and digests): the rows themselves, with the
/// opinions' texts and the signatures' bags, are not read, which at 100,000 opinions is most
/// of the time a joined read took.
pub fn load(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<Vec<Signed>> {
    let mut decided: Vec<(OpinionId, Option<String>)> = opinions::table
        .filter(opinions::consultation_id.eq(consultation))
        .select((opinions::id, opinions::decision))
        .load(conn)?;
    decided.sort_unstable_by_key(|(id, _)| *id);
    let stored: Vec<(OpinionId, i64, i64)> = opinion_signatures::table
        .filter(opinion_signatures::consultation_id.eq(consultation))
        .filter(opinion_signatures::version.eq(SIGNATURE_VERSION))
        .order(opinion_signatures::opinion_id.asc())
        .select((opinion_signatures::opinion_id, opinion_signatures::copy_hash, opinion_signatures::digest))
        .load(conn)?;
    let mut stored = stored.into_iter().peekable();
    Ok(decided
        .into_iter()
        .map(|(id, decision)| {
            // Both by id: a signature of an opinion read after the opinions were is skipped.
            while stored.next_if(|(of, _, _)| *of < id).is_some() {}
            let signature =
                stored.next_if(|(of, _, _)| *of == id).map(|(_, hash, digest)| (hash as u64, digest as u64));
            Signed { id, decision, stored: signature }
        })
        .collect())
}

/// The stored band keys of the consultation's signatures of [`SIGNATURE_VERSION`], as stored.
pub fn band_keys(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<HashMap<OpinionId, Vec<u8>>> {
    let rows: Vec<(OpinionId, Vec<u8>)> = opinion_signatures::table
        .filter(opinion_signatures::consultation_id.eq(consultation))
        .filter(opinion_signatures::version.eq(SIGNATURE_VERSION))
        .select((opinion_signatures::opinion_id, opinion_signatures::band_keys))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The stored bags of these opinions' signatures of [`SIGNATURE_VERSION`], as stored.
pub fn bags(conn: &mut Conn, ids: &[OpinionId]) -> QueryResult<HashMap<OpinionId, Vec<u8>>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(OpinionId, Vec<u8>)> = opinion_signatures::table
            .filter(opinion_signatures::opinion_id.eq_any(chunk))
            .filter(opinion_signatures::version.eq(SIGNATURE_VERSION))
            .select((opinion_signatures::opinion_id, opinion_signatures::bag))
            .load(conn)?;
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
