//! The counts a feedback page shows, and the consultations whose feedback is overdue.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::{consultations, invitations};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::ConsultationId;
use crate::models::Consultation;

/// The counts a feedback page and dashboard show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackCounts {
    pub received: i64,
    pub adopted: i64,
    pub partly_adopted: i64,
    pub not_adopted: i64,
    pub explained: i64,
    pub undecided: i64,
    pub departments_consulted: i64,
    /// Departments that replied with opinions or 无意见.
    pub departments_answered: i64,
}

impl FeedbackCounts {
    /// The opinions' part of the counts, as the feedback text words it.
    pub fn tally(&self) -> crate::domain::wording::Tally {
        crate::domain::wording::Tally {
            received: self.received,
            adopted: self.adopted,
            partly_adopted: self.partly_adopted,
            not_adopted: self.not_adopted,
            explained: self.explained,
            undecided: self.undecided,
        }
    }

    /// Counts `n` more opinions with this decision (`None`: undecided).
    pub fn add_opinions(&mut self, decision: Option<AdoptionStatus>, n: i64) {
        self.received += n;
        match decision {
            Some(AdoptionStatus::Adopted) => self.adopted += n,
            Some(AdoptionStatus::PartlyAdopted) => self.partly_adopted += n,
            Some(AdoptionStatus::NotAdopted) => self.not_adopted += n,
            Some(AdoptionStatus::Explained) => self.explained += n,
            None => self.undecided += n,
        }
    }

    pub fn load(conn: &mut Conn, id: ConsultationId) -> QueryResult<FeedbackCounts> {
        let by_decision = crate::models::decision_count::for_consultation(conn, id)?;
        let mut counts = FeedbackCounts::default();
        for (decision, n) in by_decision {
            counts.add_opinions(decision, n);
        }
        counts.departments_consulted =
            invitations::table.filter(invitations::consultation_id.eq(id)).count().get_result(conn)?;
        counts.departments_answered = invitations::table
            .filter(invitations::consultation_id.eq(id))
            .filter(invitations::reply.is_not_null())
            .count()
            .get_result(conn)?;
        Ok(counts)
    }
}

/// Consultations closed for more than `days` days without published feedback: a failure
/// under government-website inspection rules.
pub fn overdue(conn: &mut Conn, now: DateTime<Utc>, days: i64) -> QueryResult<Vec<Consultation>> {
    let cutoff = crate::domain::window::china_today(now - Duration::days(days));
    consultations::table
        .filter(consultations::published_at.is_not_null())
        .filter(consultations::feedback_published_at.is_null())
        .filter(consultations::ends_on.lt(cutoff))
        .order(consultations::ends_on.asc())
        .select(Consultation::as_select())
        .load(conn)
}
