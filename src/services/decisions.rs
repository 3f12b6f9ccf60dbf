//! Recording adoption decisions: one decision applied to one opinion, a selection or a
//! group of copies, in one transaction with its audit log and the decision counters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{decision_log, opinions};
use crate::db::{Conn, write_tx};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::decision::{Actor, Decision};
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::error::AppError;

/// Applies `decision` (or takes decisions back, with `None`) to the opinions of
/// `consultation` among `ids`, in one transaction. Opinions that already carry exactly
/// this decision are left alone. Returns how many changed.
pub fn decide(
    conn: &mut Conn,
    consultation: ConsultationId,
    ids: &[OpinionId],
    decision: Option<&Decision>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let to_decision = decision.map(|d| d.status);
    let to_reason = decision.and_then(|d| d.reason.as_deref());
    write_tx(conn, |conn| {
        let current: Vec<(OpinionId, Option<AdoptionStatus>, Option<String>)> = opinions::table
            .filter(opinions::consultation_id.eq(consultation))
            .filter(opinions::id.eq_any(ids))
            .select((opinions::id, opinions::decision, opinions::decision_reason))
            .load(conn)?;
        let mut changed = 0;
        for (id, from_decision, from_reason) in current {
            if from_decision == to_decision && from_reason.as_deref() == to_reason {
                continue;
            }
            crate::models::decision_count::change(conn, consultation, from_decision, to_decision)?;
            diesel::update(opinions::table.find(id))
                .set((
                    opinions::decision.eq(to_decision),
                    opinions::decision_reason.eq(to_reason),
                    opinions::decided_at.eq(decision.map(|_| now)),
                ))
                .execute(conn)?;
            diesel::insert_into(decision_log::table)
                .values((
                    decision_log::opinion_id.eq(id),
                    decision_log::actor_id.eq(actor.id),
                    decision_log::actor_name.eq(&actor.name),
                    decision_log::from_decision.eq(from_decision),
                    decision_log::from_reason.eq(from_reason),
                    decision_log::to_decision.eq(to_decision),
                    decision_log::to_reason.eq(to_reason),
                    decision_log::created_at.eq(now),
                ))
                .execute(conn)?;
            changed += 1;
        }
        Ok(changed)
    })
}
