//! A consultation (意见征集): title, issuer, notice, window and feedback.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::consultations;
use crate::domain::window::{ConsultationWindow, Status};
use crate::models::{ConsultationId, UserId};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = consultations)]
pub struct Consultation {
    pub id: ConsultationId,
    pub seed_key: Option<String>,
    pub title: String,
    pub issuer: String,
    pub notice: String,
    pub how_to_comment: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub short_period_reason: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub feedback_text: Option<String>,
    pub feedback_published_at: Option<NaiveDateTime>,
    pub opinion_count: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The drafter who manages it; `None` until an administrator assigns one.
    pub owner_id: Option<UserId>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = consultations)]
pub struct NewConsultation<'a> {
    pub seed_key: Option<&'a str>,
    pub title: &'a str,
    pub issuer: &'a str,
    pub notice: &'a str,
    pub how_to_comment: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub short_period_reason: Option<&'a str>,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub owner_id: Option<UserId>,
}

impl NewConsultation<'_> {
    pub fn insert(&self, conn: &mut Conn) -> QueryResult<ConsultationId> {
        crate::insert_returning!(conn, consultations::table, self, consultations::id)
    }
}

impl Consultation {
    pub fn window(&self) -> ConsultationWindow {
        // Rows are only written through `ConsultationWindow`, so the dates are ordered;
        // should one be edited by hand into disorder, treat it as a one-day window.
        ConsultationWindow::new(self.starts_on, self.ends_on)
            .unwrap_or_else(|_| ConsultationWindow::standard_from(self.starts_on))
    }

    pub fn status(&self, now: DateTime<Utc>) -> Status {
        self.window().status(now, self.feedback_published_at.is_some())
    }

    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }

    /// Published consultations, newest window first.
    pub fn list_published(conn: &mut Conn) -> QueryResult<Vec<Consultation>> {
        consultations::table
            .filter(consultations::published_at.is_not_null())
            .order((consultations::starts_on.desc(), consultations::id.desc()))
            .select(Consultation::as_select())
            .load(conn)
    }

    /// A consultation the public may see (404 while unpublished).
    pub fn find_published(conn: &mut Conn, id: ConsultationId) -> QueryResult<Consultation> {
        consultations::table
            .filter(consultations::id.eq(id))
            .filter(consultations::published_at.is_not_null())
            .select(Consultation::as_select())
            .first(conn)
    }

    pub fn find(conn: &mut Conn, id: ConsultationId) -> QueryResult<Consultation> {
        consultations::table.find(id).select(Consultation::as_select()).first(conn)
    }

    pub fn find_by_seed_key(conn: &mut Conn, key: &str) -> QueryResult<Option<Consultation>> {
        consultations::table
            .filter(consultations::seed_key.eq(key))
            .select(Consultation::as_select())
            .first(conn)
            .optional()
    }

    pub fn count(conn: &mut Conn) -> QueryResult<i64> {
        consultations::table.count().get_result(conn)
    }
}
