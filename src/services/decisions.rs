//! Recording adoption decisions: one decision applied to one opinion, a selection or a
//! group of copies, in one transaction with its audit log and the decision counters; and, for
//! one opinion, where a later version of the draft took it up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{decision_log, opinions};
use crate::db::{Conn, write_tx};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::decision::{Actor, Decision};
use crate::domain::ids::{ConsultationId, OpinionId, SectionId};
use crate::error::AppError;
use crate::models::Opinion;
use crate::models::taken_up::{SectionPlace, version_of};

/// Applies `decision` to one opinion and records where it was taken up (`taken_up`: a section of
/// a confirmed version later than the one the opinion was made on), in one transaction. A place
/// that is not such a section, or one named for a decision other than 采纳 / 部分采纳, is refused
/// with [`AppError::BadRequest`] and nothing is saved.
pub fn decide_one(
    conn: &mut Conn,
    consultation: ConsultationId,
    id: OpinionId,
    decision: Option<&Decision>,
    taken_up: Option<SectionId>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let opinion = Opinion::find(conn, id)?;
        if opinion.consultation_id != consultation {
            return Err(AppError::NotFound);
        }
        if let Some(section) = taken_up {
            check_taken_up(conn, &opinion, decision, section)?;
        }
        decide(conn, consultation, &[id], decision, actor, now)?;
        diesel::update(opinions::table.find(id)).set(opinions::taken_up_section_id.eq(taken_up)).execute(conn)?;
        Ok(())
    })
}

fn check_taken_up(
    conn: &mut Conn,
    opinion: &Opinion,
    decision: Option<&Decision>,
    section: SectionId,
) -> Result<(), AppError> {
    if !decision.is_some_and(|d| adopts(Some(d.status))) {
        return Err(AppError::BadRequest("只有“采纳”或“部分采纳”的意见可以指明在修改稿中的体现位置。".to_owned()));
    }
    let place = SectionPlace::load(conn, &[section])?.remove(&section);
    let after = version_of(conn, opinion)?;
    match place {
        Some(p) if p.consultation_id == opinion.consultation_id && !p.pending && p.version_no > after => Ok(()),
        _ => Err(AppError::BadRequest(format!(
            "所选条文不在本意见所针对的第{after}版之后的版本中，请从列表中重新选择。"
        ))),
    }
}

/// Whether a decision takes an opinion up in the text (and so may say where).
fn adopts(status: Option<AdoptionStatus>) -> bool {
    matches!(status, Some(AdoptionStatus::Adopted | AdoptionStatus::PartlyAdopted))
}

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
            if !adopts(to_decision) {
                // Nothing was taken up in the text: a place named before no longer holds.
                diesel::update(opinions::table.find(id))
                    .set(opinions::taken_up_section_id.eq(None::<SectionId>))
                    .execute(conn)?;
            }
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
        if changed > 0 {
            crate::models::opinion_versions::bump(
                conn,
                consultation,
                crate::models::opinion_versions::Change::Decisions,
            )?;
        }
        Ok(changed)
    })
}
