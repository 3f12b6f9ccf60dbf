//! Opinions per consultation and day (China time): counters written with the opinions
//! themselves, so that a per-day chart reads a few rows however many opinions there are.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;

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
    let row =
        (opinion_days::consultation_id.eq(consultation), opinion_days::day.eq(day), opinion_days::count.eq(delta));
    let target = (opinion_days::consultation_id, opinion_days::day);
    let add = opinion_days::count.eq(opinion_days::count + excluded(opinion_days::count));
    crate::on_inner!(conn, c => {
        diesel::insert_into(opinion_days::table).values(row).on_conflict(target).do_update().set(add).execute(c)
    })
    .map(|_| ())
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
