//! Opinions per consultation and decision: counters written with the opinions and their
//! decisions, so that the review page, the exports and the feedback page read a handful
//! of rows however many opinions there are.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::{decision_counts, opinions};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::ConsultationId;

/// The counter of opinions without a decision.
pub const UNDECIDED: &str = "undecided";

fn key(decision: Option<AdoptionStatus>) -> &'static str {
    decision.map_or(UNDECIDED, AdoptionStatus::code)
}

/// Adds `delta` to the count of `decision` (`None`: undecided), in the caller's transaction.
pub fn add(
    conn: &mut Conn,
    consultation: ConsultationId,
    decision: Option<AdoptionStatus>,
    delta: i32,
) -> QueryResult<()> {
    if delta == 0 {
        return Ok(());
    }
    conn.batch_execute(&add_sql(consultation, decision, delta))
}

/// The statement [`add`] runs, for sending with others in one round trip. An upsert, so
/// that two writers counting a consultation's first opinions both count. Its values are a
/// number, an id and one of our own decision codes, written into the SQL.
pub fn add_sql(consultation: ConsultationId, decision: Option<AdoptionStatus>, delta: i32) -> String {
    format!(
        "INSERT INTO decision_counts (consultation_id, decision, \"count\") VALUES ({}, '{}', {delta}) \
         ON CONFLICT (consultation_id, decision) DO UPDATE SET \"count\" = decision_counts.\"count\" + excluded.\"count\";\n",
        consultation.0,
        key(decision),
    )
}

/// Moves one opinion's count from one decision to another.
pub fn change(
    conn: &mut Conn,
    consultation: ConsultationId,
    from: Option<AdoptionStatus>,
    to: Option<AdoptionStatus>,
) -> QueryResult<()> {
    if key(from) != key(to) {
        add(conn, consultation, from, -1)?;
        add(conn, consultation, to, 1)?;
    }
    Ok(())
}

/// How many opinions have each decision (`None`: undecided); only counts above zero.
pub fn for_consultation(
    conn: &mut Conn,
    consultation: ConsultationId,
) -> QueryResult<Vec<(Option<AdoptionStatus>, i64)>> {
    let rows: Vec<(String, i32)> = decision_counts::table
        .filter(decision_counts::consultation_id.eq(consultation))
        .filter(decision_counts::count.gt(0))
        .select((decision_counts::decision, decision_counts::count))
        .load(conn)?;
    Ok(rows.into_iter().map(|(code, n)| (AdoptionStatus::from_code(&code), i64::from(n))).collect())
}

/// Counts the consultation's opinions afresh, e.g. after a bulk load that went around the
/// counters.
pub fn recount(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<()> {
    let counted: Vec<(Option<AdoptionStatus>, i64)> = opinions::table
        .filter(opinions::consultation_id.eq(consultation))
        .group_by(opinions::decision)
        .select((opinions::decision, diesel::dsl::count_star()))
        .load(conn)?;
    diesel::delete(decision_counts::table.filter(decision_counts::consultation_id.eq(consultation))).execute(conn)?;
    for (decision, n) in counted {
        add(conn, consultation, decision, n as i32)?;
    }
    Ok(())
}
