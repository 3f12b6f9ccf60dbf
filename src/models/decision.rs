//! The audit log of adoption decisions: every change, who made it, when, from what to what.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::decision_log;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::OpinionId;

/// One change in an opinion's history.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = decision_log)]
pub struct DecisionChange {
    pub opinion_id: OpinionId,
    pub actor_name: String,
    pub from_decision: Option<AdoptionStatus>,
    pub from_reason: Option<String>,
    pub to_decision: Option<AdoptionStatus>,
    pub to_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

impl DecisionChange {
    pub fn from_label(&self) -> &'static str {
        label(self.from_decision)
    }

    pub fn to_label(&self) -> &'static str {
        label(self.to_decision)
    }

    /// The history of these opinions, oldest change first.
    pub fn for_opinions(conn: &mut Conn, ids: &[OpinionId]) -> QueryResult<Vec<DecisionChange>> {
        decision_log::table
            .filter(decision_log::opinion_id.eq_any(ids))
            .order(decision_log::id.asc())
            .select(DecisionChange::as_select())
            .load(conn)
    }
}

fn label(decision: Option<AdoptionStatus>) -> &'static str {
    decision.map_or("未处理", AdoptionStatus::label)
}
