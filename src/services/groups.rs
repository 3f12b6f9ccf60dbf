//! Finding a consultation's groups of opinions that say the same thing, from the stored signatures of
//! their texts: only opinions without one (new, or changed since) are segmented, and stored for the
//! next view. While the signatures stay as they were, the groups found last are reused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::db::Conn;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::error::AppError;
use crate::models::opinion_signature::{self, Computed, Signed};
use crate::text::similar::{DEFAULT_THRESHOLD, Group, Grouper, Signature, groups_of};

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
    let digest = digest(&signed);
    let groups = match memo.get(consultation, digest) {
        Some(groups) => groups,
        None => {
            let groups = Arc::new(groups_of(&signed, DEFAULT_THRESHOLD));
            memo.put(consultation, digest, groups.clone());
            groups
        }
    };
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

/// The groups last found for a few consultations in this process, each with the [`digest`] of the
/// signatures it was found from. Grouping is a function of those signatures (in id order), so groups
/// found from the same digest are the same groups: a drafter deciding group after group changes
/// decisions, not texts, and each view after the first skips the grouping. Any new, changed or
/// deleted opinion changes the digest, on whichever instance it happened.
#[derive(Debug, Default)]
pub struct GroupsMemo {
    found: Mutex<HashMap<ConsultationId, (u64, Arc<Vec<Group>>)>>,
}

/// Consultations whose groups are kept; the oldest entry is not tracked, any one makes room.
const MEMO_CONSULTATIONS: usize = 16;

impl GroupsMemo {
    fn get(&self, consultation: ConsultationId, digest: u64) -> Option<Arc<Vec<Group>>> {
        let found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        found.get(&consultation).filter(|(d, _)| *d == digest).map(|(_, groups)| groups.clone())
    }

    fn put(&self, consultation: ConsultationId, digest: u64, groups: Arc<Vec<Group>>) {
        let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        if found.len() >= MEMO_CONSULTATIONS && !found.contains_key(&consultation) {
            let any = found.keys().next().copied();
            any.map(|key| found.remove(&key));
        }
        found.insert(consultation, (digest, groups));
    }
}

/// A 64-bit digest of everything grouping reads: each opinion's id, copy hash, bag and band keys, in
/// order. For noticing change, not for security: a collision would only show groups one change old.
fn digest(signed: &[(i64, &Signature)]) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3;
    let mut eat = |v: u64| h = (h.rotate_left(5) ^ v).wrapping_mul(0x517C_C1B7_2722_0A95);
    for (id, s) in signed {
        eat(*id as u64);
        eat(s.copy_hash);
        eat(s.bag.len() as u64);
        s.bag.iter().chain(&s.band_keys).for_each(|&v| eat(v));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_changes_with_any_bag_even_when_the_copy_hash_and_band_keys_stay() {
        let a = Signature { copy_hash: 1, bag: vec![1, 2, 3], band_keys: vec![9] };
        let mut b = a.clone();
        b.bag[2] = 4;
        assert_ne!(digest(&[(1, &a)]), digest(&[(1, &b)]));
        assert_ne!(digest(&[(1, &a)]), digest(&[(2, &a)]), "another opinion");
        assert_ne!(digest(&[(1, &a), (2, &b)]), digest(&[(1, &b), (2, &a)]), "the same texts, swapped");
        assert_eq!(digest(&[(1, &a)]), digest(&[(1, &a.clone())]));
    }

    #[test]
    fn the_memo_gives_groups_back_only_for_the_digest_they_were_found_from() {
        let memo = GroupsMemo::default();
        let groups = Arc::new(vec![Group { ids: vec![1, 2], exact: true, similarity: 1.0 }]);
        memo.put(ConsultationId(7), 42, groups.clone());
        assert_eq!(memo.get(ConsultationId(7), 42), Some(groups));
        assert_eq!(memo.get(ConsultationId(7), 43), None);
        assert_eq!(memo.get(ConsultationId(8), 42), None);
        for c in 0..100 {
            memo.put(ConsultationId(c), 1, Arc::default());
        }
        assert!(memo.found.lock().unwrap().len() <= MEMO_CONSULTATIONS);
    }
}
