//! Finding a consultation's groups of opinions that say the same thing, from the stored signatures of
//! their texts: only opinions without one (new, or changed since) are segmented, and stored for the
//! next view. While the signatures stay as they were, the groups found last are reused.

use std::collections::HashMap;
use std::sync::Arc;

use crate::db::Conn;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::error::AppError;
use crate::models::opinion_signature::{self, Computed, Signed};
use crate::text::similar::{DEFAULT_THRESHOLD, Group, Grouper, GroupsMemo, Signature};

/// A consultation's groups, with what the page shows of them.
#[derive(Debug)]
pub struct Found {
    /// Every group, largest first.
    pub groups: Arc<Vec<Group>>,
    /// The adoption status code of each grouped opinion (`None`: undecided).
    pub decisions: HashMap<i64, Option<String>>,
    /// The body of the first member of each of the first `shown` groups.
    pub samples: HashMap<i64, String>,
}

/// The groups of the consultation's opinions at [`DEFAULT_THRESHOLD`], with the sample bodies of the
/// first `shown`. Blocking: call it off the async workers. Signatures computed here are stored (see
/// [`opinion_signature::store`]) before grouping; groups found before from the same signatures are
/// taken from `memo`.
pub fn find(
    conn: &mut Conn,
    grouper: &Grouper,
    memo: &GroupsMemo,
    consultation: ConsultationId,
    shown: usize,
) -> Result<Found, AppError> {
    let mut opinions = opinion_signature::load(conn, consultation)?;
    sign_missing(conn, grouper, consultation, &mut opinions)?;
    let signed: Vec<(i64, &Signature)> =
        opinions.iter().filter_map(|o| Some((i64::from(o.id.0), o.signature.as_ref()?))).collect();
    let groups = memo.groups_of(i64::from(consultation.0), &signed, DEFAULT_THRESHOLD);
    let decisions: HashMap<i64, Option<String>> = {
        let by_id: HashMap<i64, &Option<String>> = opinions.iter().map(|o| (i64::from(o.id.0), &o.decision)).collect();
        groups.iter().flat_map(|g| &g.ids).map(|id| (*id, by_id.get(id).and_then(|d| (*d).clone()))).collect()
    };
    let firsts: Vec<OpinionId> = groups.iter().take(shown).map(|g| OpinionId(g.ids[0] as i32)).collect();
    let samples = opinion_signature::bodies(conn, &firsts)?.into_iter().map(|(id, b)| (i64::from(id.0), b)).collect();
    Ok(Found { groups, decisions, samples })
}

/// Computes and stores the signatures the opinions lack. An opinion deleted meanwhile stays without
/// one and is left out of the groups.
fn sign_missing(
    conn: &mut Conn,
    grouper: &Grouper,
    consultation: ConsultationId,
    opinions: &mut [Signed],
) -> Result<(), AppError> {
    let missing: Vec<OpinionId> = opinions.iter().filter(|o| o.signature.is_none()).map(|o| o.id).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut bodies = opinion_signature::bodies(conn, &missing)?;
    let computed: Vec<Computed> = missing
        .iter()
        .filter_map(|id| {
            let body = bodies.remove(id)?;
            Some(Computed { id: *id, signature: grouper.signature(&body), body })
        })
        .collect();
    opinion_signature::store(conn, consultation, &computed)?;
    let mut by_id: HashMap<OpinionId, Signature> = computed.into_iter().map(|c| (c.id, c.signature)).collect();
    for opinion in opinions.iter_mut().filter(|o| o.signature.is_none()) {
        opinion.signature = by_id.remove(&opinion.id);
    }
    Ok(())
}
