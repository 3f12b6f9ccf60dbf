//! Opinions per consultation and day (China time): counters written with the opinions
//! themselves, so that a per-day chart reads a few rows however many opinions there are.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::opinion_days;
use crate::domain::ids::ConsultationId;
use crate::domain::window::china_date;

/// Adds `delta` to the count of the day `received_at` falls on, in the caller's transaction.
/// An upsert, so that two opinions stored at once on a new day both count.
pub fn count(conn: &mut Conn, consultation: ConsultationId, received_at: NaiveDateTime, delta: i32) -> QueryResult<()> {
    add(conn, consultation, china_date(received_at), delta)
}

/// Adds `delta` to the count of `day` (China time), in the caller's transaction.
pub fn add(conn: &mut Conn, consultation: ConsultationId, day: NaiveDate, delta: i32) -> QueryResult<()> {
    conn.batch_execute(&add_sql(consultation, day, delta))
}

/// The statement [`add`] runs, for sending with others in one round trip. An upsert, so
/// that two opinions stored at once on a new day both count. Its values are numbers and a
/// date, written into the SQL (`YYYY-MM-DD`, as both databases store a date).
pub fn add_sql(consultation: ConsultationId, day: NaiveDate, delta: i32) -> String {
    format!(
        "INSERT INTO opinion_days (consultation_id, day, \"count\") VALUES ({}, '{}', {delta}) \
         ON CONFLICT (consultation_id, day) DO UPDATE SET \"count\" = opinion_days.\"count\" + excluded.\"count\";\n",
        consultation.0,
        day.format("%Y-%m-%d"),
    )
}

/// Moves an opinion's count from one day to another when its received time changes days.
pub fn recount(
    conn: &mut Conn,
    consultation: ConsultationId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<()> {
    if china_date(from) != china_date(to) {
        count(conn, consultation, from, -1)?;
        count(conn, consultation, to, 1)?;
    }
    Ok(())
}

/// The days with opinions, in order, and how many each received.
pub fn for_consultation(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<Vec<(NaiveDate, i32)>> {
    opinion_days::table
        .filter(opinion_days::consultation_id.eq(consultation))
        .filter(opinion_days::count.gt(0))
        .order(opinion_days::day.asc())
        .select((opinion_days::day, opinion_days::count))
        .load(conn)
}
