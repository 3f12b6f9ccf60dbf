//! The open-data read model: consultations whose feedback is published, each with its
//! agency's name and its counts. The whole index takes three queries however many there are.

use std::collections::HashMap;

use diesel::dsl::{count, count_star};
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::{agencies, consultations, decision_counts, invitations};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::ConsultationId;
use crate::error::AppError;
use crate::models::Consultation;
use crate::models::agency::Agency;
use crate::models::feedback::FeedbackCounts;

/// A consultation with published feedback, as open data describes it.
pub struct PublishedFeedback {
    pub consultation: Consultation,
    pub agency: String,
    pub counts: FeedbackCounts,
}

/// Every published consultation with published feedback, the latest feedback first.
pub fn index(conn: &mut Conn) -> QueryResult<Vec<PublishedFeedback>> {
    let with_feedback =
        consultations::published_at.is_not_null().and(consultations::feedback_published_at.is_not_null());
    let rows: Vec<(Consultation, String)> = consultations::table
        .inner_join(agencies::table)
        .filter(with_feedback)
        .order((consultations::feedback_published_at.desc(), consultations::id.desc()))
        .select((Consultation::as_select(), agencies::name))
        .load(conn)?;
    let decided: Vec<(ConsultationId, String, i32)> = decision_counts::table
        .inner_join(consultations::table)
        .filter(with_feedback)
        .filter(decision_counts::count.gt(0))
        .select((decision_counts::consultation_id, decision_counts::decision, decision_counts::count))
        .load(conn)?;
    let invited: Vec<(ConsultationId, i64, i64)> = invitations::table
        .inner_join(consultations::table)
        .filter(with_feedback)
        .group_by(invitations::consultation_id)
        .select((invitations::consultation_id, count_star(), count(invitations::reply)))
        .load(conn)?;
    let mut counts: HashMap<ConsultationId, FeedbackCounts> = HashMap::with_capacity(rows.len());
    for (id, code, n) in decided {
        counts.entry(id).or_default().add_opinions(AdoptionStatus::from_code(&code), i64::from(n));
    }
    for (id, consulted, answered) in invited {
        let c = counts.entry(id).or_default();
        c.departments_consulted = consulted;
        c.departments_answered = answered;
    }
    Ok(rows
        .into_iter()
        .map(|(consultation, agency)| {
            let counts = counts.remove(&consultation.id).unwrap_or_default();
            PublishedFeedback { consultation, agency, counts }
        })
        .collect())
}

/// One consultation's entry: not found unless it and its feedback are published.
pub fn one(conn: &mut Conn, id: ConsultationId) -> Result<PublishedFeedback, AppError> {
    let consultation = Consultation::find_published(conn, id)?;
    if consultation.feedback_published_at.is_none() {
        return Err(AppError::NotFound);
    }
    let agency = Agency::find(conn, consultation.agency_id)?.name;
    let counts = FeedbackCounts::load(conn, id)?;
    Ok(PublishedFeedback { consultation, agency, counts })
}
