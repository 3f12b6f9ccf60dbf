//! The text index behind the drafters' search: every pair of adjacent characters (bigram,
//! the usual unit for indexing Chinese) of an opinion's text and author, hashed together
//! with its consultation. A search asks the index for the opinions that hold all the
//! query's bigrams, and only those few get the exact substring test. The index is kept in
//! the same transaction as the opinion it describes.
//!
//! SQLite keeps it in an FTS5 table (`opinion_grams`, tokens like `g1a2b3c4d`); PostgreSQL
//! in an integer array per opinion with a GIN index.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Text};

use crate::config::Backend;
use crate::db::Conn;
use crate::db::schema::opinions;
use crate::domain::ids::{ConsultationId, OpinionId};

/// The hashed bigrams of `texts` (each on its own: no pair spans two of them), sorted and
/// without repeats. Letters are compared in lower case.
pub fn grams(consultation: ConsultationId, texts: &[&str]) -> Vec<i32> {
    let mut out = Vec::new();
    for text in texts {
        let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
        out.extend(chars.windows(2).map(|pair| hash(consultation, pair[0], pair[1])));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// FNV-1a of the consultation and the two characters. A collision only lets an opinion
/// through to the exact test, never keeps one out.
fn hash(consultation: ConsultationId, a: char, b: char) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |bytes: &[u8]| {
        for &byte in bytes {
            h ^= u32::from(byte);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    eat(&consultation.0.to_le_bytes());
    eat(&u32::from(a).to_le_bytes());
    eat(&u32::from(b).to_le_bytes());
    h as i32
}

/// An FTS5 token for a hash: a letter then hex digits, so no tokenizer splits or folds it.
fn token(h: i32) -> String {
    format!("g{:08x}", h as u32)
}

pub(crate) fn sqlite_document(grams: &[i32]) -> String {
    grams.iter().map(|&h| token(h)).collect::<Vec<_>>().join(" ")
}

/// Indexes a new opinion (or re-indexes a changed one), in the caller's transaction.
pub fn index(
    conn: &mut Conn,
    id: OpinionId,
    consultation: ConsultationId,
    author: &str,
    body: &str,
) -> QueryResult<()> {
    let grams = grams(consultation, &[author, body]);
    match conn {
        Conn::Sqlite(c) => {
            diesel::sql_query("DELETE FROM opinion_grams WHERE rowid = ?").bind::<Integer, _>(id.0).execute(c)?;
            diesel::sql_query("INSERT INTO opinion_grams (rowid, grams) VALUES (?, ?)")
                .bind::<Integer, _>(id.0)
                .bind::<Text, _>(sqlite_document(&grams))
                .execute(c)?;
        }
        Conn::Postgres(c) => {
            diesel::sql_query(
                "INSERT INTO opinion_grams (opinion_id, grams) VALUES ($1, $2) \
                 ON CONFLICT (opinion_id) DO UPDATE SET grams = EXCLUDED.grams",
            )
            .bind::<Integer, _>(id.0)
            .bind::<Array<Integer>, _>(grams)
            .execute(c)?;
        }
    }
    Ok(())
}

/// Indexes a new opinion, in the caller's transaction (in a group commit, at its end).
pub fn index_new(
    conn: &mut Conn,
    id: OpinionId,
    consultation: ConsultationId,
    author: &str,
    body: &str,
) -> QueryResult<()> {
    let grams = grams(consultation, &[author, body]);
    crate::db::write_at_commit(conn, move |new: &mut NewEntries| new.0.push((id, grams)), write_new_entries)
}

/// Whether index entries were written on PostgreSQL since its pending list was last merged
/// into the index: see [`merge_pending`]. True at start, so that what a bulk load or the
/// run before left pending is merged at the first look.
static UNMERGED: AtomicBool = AtomicBool::new(true);

/// How often [`merge_pending`] looks for new entries.
const MERGE_EVERY: Duration = Duration::from_millis(200);
/// How long [`merge_pending`] waits after a merge failed.
const RETRY_AFTER: Duration = Duration::from_secs(60);

/// Merges the GIN index's pending list into the index on PostgreSQL, every [`MERGE_EVERY`]
/// while opinions come in (for the life of the service; nothing to do on SQLite, whose FTS5
/// index merges its own segments).
///
/// PostgreSQL appends a new row's index entries to a pending list, which every search reads
/// whole; the list is merged into the index in one step when it outgrows
/// `gin_pending_list_limit`, by whichever insert finds it full. That insert is one of the
/// writer threads' batches, which then holds every opinion in it until the merge is done,
/// and the merge costs less per entry the more entries it takes at once. So the limit is
/// PostgreSQL's 4 MB and the merging is done here, off the writers' path. A search reads
/// what came in since the last merge began: nothing while opinions trickle in, and during
/// the benchmark's burst of 5,000 a second 167–515 pages (1.3–4 MB) when polled, the list
/// reaching PostgreSQL's limit now and then, when a batch merges it as before. With a
/// 256 kB limit and no merging here (before 2026-12-07), the benchmark's database time per
/// opinion POST was 10–14 % higher (0.205 / 0.167 / 0.235 ms against 0.183 / 0.146 / 0.213
/// ms with the 4 MB limit, alternating runs).
pub async fn merge_pending(pool: crate::db::Pool) {
    let mut tick = tokio::time::interval(MERGE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if !UNMERGED.swap(false, Ordering::Relaxed) {
            continue;
        }
        let merged = crate::db::run(&pool, |conn| {
            use diesel::connection::SimpleConnection;
            Ok(conn.batch_execute("SELECT gin_clean_pending_list('opinion_grams_search'::regclass)")?)
        })
        .await;
        if let Err(err) = merged {
            // Only the index's owner may merge it: a service whose database role did not run
            // the migrations is told once a minute, and PostgreSQL merges at 4 MB meanwhile.
            UNMERGED.store(true, Ordering::Relaxed);
            tracing::warn!(error = %err, "could not merge new entries into the opinions' text index; trying again in a minute");
            tokio::time::sleep(RETRY_AFTER).await;
        }
    }
}

/// The index entries of the opinions stored in one batch, written together.
#[derive(Default)]
struct NewEntries(Vec<(OpinionId, Vec<i32>)>);

fn write_new_entries(
    conn: &mut Conn,
    scratch: &mut crate::db::Scratch,
) -> QueryResult<Vec<crate::db::Prepared<'static>>> {
    let entries = std::mem::take(scratch.get::<NewEntries>()).0;
    let Conn::Sqlite(c) = conn else {
        // Marked before the batch commits: a merge that runs in between leaves this batch's
        // entries for the next one, or for PostgreSQL's own merge when none follows.
        UNMERGED.store(true, Ordering::Relaxed);
        // One statement text for any number of rows, kept prepared. `unnest` flattens an
        // array of arrays, so each entry's grams travel as the text of an array.
        let ids: Vec<i32> = entries.iter().map(|(id, _)| id.0).collect();
        let grams: Vec<String> = entries.iter().map(|(_, g)| array_text(g)).collect();
        let statement = crate::db::prepared(
            "INSERT INTO opinion_grams (opinion_id, grams) \
             SELECT id, grams::integer[] FROM unnest($1::integer[], $2::text[]) AS new (id, grams)",
        )
        .bind::<Array<Integer>, _>(ids)
        .bind::<Array<Text>, _>(grams);
        return Ok(vec![statement]);
    };
    // A few hundred rows per statement keeps within SQLite's limit on parameters.
    for chunk in entries.chunks(200) {
        use sqlite_index::opinion_grams::dsl;
        let rows: Vec<_> =
            chunk.iter().map(|(id, g)| (dsl::rowid.eq(id.0), dsl::grams.eq(sqlite_document(g)))).collect();
        diesel::insert_into(dsl::opinion_grams).values(&rows).execute(c)?;
    }
    Ok(Vec::new())
}

/// An array of numbers as PostgreSQL writes it: `{1,-2,3}`.
fn array_text(grams: &[i32]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(grams.len() * 12 + 2);
    text.push('{');
    for (n, g) in grams.iter().enumerate() {
        if n > 0 {
            text.push(',');
        }
        let _ = write!(text, "{g}");
    }
    text.push('}');
    text
}

/// The index table as diesel sees it on SQLite, so that inserts are prepared once per connection.
mod sqlite_index {
    diesel::table! {
        opinion_grams (rowid) {
            rowid -> Integer,
            grams -> Text,
        }
    }
}

/// Removes a deleted opinion from the index, in the caller's transaction.
pub fn unindex(conn: &mut Conn, id: OpinionId) -> QueryResult<()> {
    let sql = match conn {
        Conn::Sqlite(_) => "DELETE FROM opinion_grams WHERE rowid = ",
        Conn::Postgres(_) => "DELETE FROM opinion_grams WHERE opinion_id = ",
    };
    diesel::sql_query(format!("{sql}{}", id.0)).execute(conn).map(|_| ())
}

/// Above this many candidates the index saves nothing: reading the opinions in id order
/// finds a page of matches sooner than collecting every candidate first.
const SELECTIVE: i64 = 5_000;

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// An SQL condition on `opinions.id` that holds for every opinion of `consultation`
/// containing `text` (and for a few more), or `None` when the index would not help: the
/// text is too short to have a bigram, or so common that a scan is quicker (the index is
/// asked first how many it holds, up to [`SELECTIVE`]). The hashes are our own integers,
/// so writing them into the SQL is safe.
pub fn candidates(conn: &mut Conn, consultation: ConsultationId, text: &str) -> QueryResult<Option<String>> {
    let grams = grams(consultation, &[text]);
    if grams.is_empty() {
        return Ok(None);
    }
    let matching = match conn.backend() {
        Backend::Sqlite => {
            format!("SELECT rowid FROM opinion_grams WHERE opinion_grams MATCH '{}'", sqlite_document(&grams))
        }
        Backend::Postgres => {
            let list: Vec<String> = grams.iter().map(i32::to_string).collect();
            format!("SELECT opinion_id FROM opinion_grams WHERE grams @> ARRAY[{}]::integer[]", list.join(","))
        }
    };
    let found: Found =
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM ({matching} LIMIT {SELECTIVE}) AS candidates"))
            .get_result(conn)?;
    Ok((found.n < SELECTIVE).then(|| format!("opinions.id IN ({matching})")))
}

/// Indexes (again) every opinion of one consultation, e.g. after a bulk load that went
/// around [`NewOpinion`](crate::models::opinion::NewOpinion); returns how many.
pub fn index_consultation(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<usize> {
    let rows: Vec<(OpinionId, String, String)> = opinions::table
        .filter(opinions::consultation_id.eq(consultation))
        .select((opinions::id, opinions::author_name, opinions::body))
        .load(conn)?;
    conn.transaction(|conn| {
        for (id, author, body) in &rows {
            index(conn, *id, consultation, author, body)?;
        }
        QueryResult::Ok(rows.len())
    })
}

/// The one-time task of indexing opinions stored before the index existed.
const BACKFILL_TASK: &str = "index opinion text";

/// Indexes every opinion not yet indexed, if the migration that made the index asked for
/// it; returns how many. Cheap when there is nothing to do (one small query).
pub fn backfill_if_pending(conn: &mut Conn, mut progress: impl FnMut(usize, usize)) -> QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Pending {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let pending: Pending = diesel::sql_query("SELECT COUNT(*) AS n FROM pending_tasks WHERE name = ")
        .sql(format!("'{BACKFILL_TASK}'"))
        .get_result(conn)?;
    if pending.n == 0 {
        return Ok(0);
    }
    let total: i64 = opinions::table.count().get_result(conn)?;
    let mut done = 0usize;
    let mut after = 0;
    loop {
        let batch: Vec<(OpinionId, ConsultationId, String, String)> = opinions::table
            .filter(opinions::id.gt(after))
            .order(opinions::id.asc())
            .limit(1000)
            .select((opinions::id, opinions::consultation_id, opinions::author_name, opinions::body))
            .load(conn)?;
        let Some(last) = batch.last() else { break };
        after = last.0.0;
        conn.transaction(|conn| {
            for (id, consultation, author, body) in &batch {
                index(conn, *id, *consultation, author, body)?;
            }
            QueryResult::Ok(())
        })?;
        done += batch.len();
        progress(done, total as usize);
    }
    diesel::sql_query(format!("DELETE FROM pending_tasks WHERE name = '{BACKFILL_TASK}'")).execute(conn)?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_are_written_as_postgresql_writes_an_array() {
        assert_eq!(array_text(&[]), "{}");
        assert_eq!(array_text(&[7]), "{7}");
        assert_eq!(array_text(&[i32::MIN, -2, 0, i32::MAX]), "{-2147483648,-2,0,2147483647}");
    }

    #[test]
    fn every_bigram_of_a_substring_is_a_bigram_of_the_text() {
        let c = ConsultationId(7);
        let text = grams(c, &["张小祥", "建议将“开展”改为“基本完成”，并明确责任单位ABC。"]);
        for query in ["基本完成", "责任", "abc", "开展”改", "张小"] {
            let q = grams(c, &[query]);
            assert!(!q.is_empty());
            assert!(q.iter().all(|g| text.binary_search(g).is_ok()), "{query}");
        }
    }

    #[test]
    fn no_bigram_spans_the_author_and_the_text() {
        let c = ConsultationId(1);
        let text = grams(c, &["王五", "意见"]);
        assert!(grams(c, &["五意"]).iter().any(|g| text.binary_search(g).is_err()));
    }

    #[test]
    fn another_consultation_has_other_hashes() {
        assert_ne!(grams(ConsultationId(1), &["责任单位"]), grams(ConsultationId(2), &["责任单位"]));
    }

    #[test]
    fn a_single_character_has_no_bigram() {
        assert!(grams(ConsultationId(1), &["责"]).is_empty());
        assert_eq!(grams(ConsultationId(1), &["责任"]).len(), 1);
    }

    #[test]
    fn tokens_are_plain_ascii_words() {
        let doc = sqlite_document(&grams(ConsultationId(3), &["意见"]));
        assert!(doc.starts_with('g') && doc.chars().all(|c| c.is_ascii_alphanumeric() || c == ' '), "{doc}");
    }
}
