//! Finding a consultation's groups of opinions that say the same thing, from the stored signatures of
//! their texts: only opinions without one (new, or changed since) are segmented, and stored for the
//! next view. A view first reads each opinion's copy hash and signature digest (16 bytes); while they
//! stay as they were, the groups found last are reused. Otherwise it reads the band keys, and the bags
//! only of the opinions that share a bucket with another (the only ones compared).

use std::collections::HashMap;
use std::sync::Arc;

use crate::db::Conn;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::error::AppError;
use crate::models::opinion_signature::{self, Computed, Signed};
use crate::text::similar::{
    Group, Grouper, GroupsMemo, bag_is_whole, decode, groups_of_keyed, keys_are_whole, signatures_digest,
};

/// A consultation's groups, with what the page shows of them.
#[derive(Debug)]
pub struct Found {
    /// Every group, largest first.
    pub groups: Arc<Vec<Group>>,
    /// The adoption status code of each opinion of the first `shown` groups (`None`: undecided).
    pub decisions: HashMap<i64, Option<String>>,
    /// The body of the first member of each of the first `shown` groups.
    pub samples: HashMap<i64, String>,
}

/// Times a view reads the signatures again after finding some damaged (they are then computed
/// again from the bodies, so a second reading finds them whole unless the database keeps damaging them).
const READINGS: usize = 3;

/// Why grouping stopped: the database failed, or stored signatures did not read back.
enum Trouble {
    Failed(AppError),
    Damaged(Vec<OpinionId>),
}

impl From<diesel::result::Error> for Trouble {
    fn from(e: diesel::result::Error) -> Trouble {
        Trouble::Failed(e.into())
    }
}

/// The groups of the consultation's opinions at the default threshold, with the sample bodies of the
/// first `shown`. Blocking: call it off the async workers. Signatures computed here are stored (see
/// [`opinion_signature::store`]) before grouping; groups found before from the same signatures are
/// taken from `memo`. Stored signatures that do not read back are forgotten and computed again.
pub fn find(
    conn: &mut Conn,
    grouper: &Grouper,
    memo: &GroupsMemo,
    consultation: ConsultationId,
    shown: usize,
) -> Result<Found, AppError> {
    for _ in 0..READINGS {
        let opinions = opinion_signature::load(conn, consultation)?;
        let fresh = sign_missing(conn, grouper, consultation, &opinions)?;
        let signed: Vec<(OpinionId, u64, u64)> = opinions
            .iter()
            .filter_map(|o| {
                let (hash, digest) = o.stored.or_else(|| fresh.get(&o.id).copied())?;
                Some((o.id, hash, digest))
            })
            .collect();
        let digest = signatures_digest(signed.iter().map(|&(id, hash, digest)| (i64::from(id.0), hash, digest)));
        let found = memo.get_or_find(i64::from(consultation.0), digest, || group(conn, consultation, &signed));
        match found {
            Ok(groups) => return described(conn, groups, &opinions, shown),
            Err(Trouble::Failed(e)) => return Err(e),
            Err(Trouble::Damaged(ids)) => {
                tracing::warn!(
                    consultation = consultation.0,
                    damaged = ids.len(),
                    "stored signatures missing or damaged: signing them again"
                );
                opinion_signature::forget_damaged(conn, &ids)?;
            }
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "the signatures of consultation {} keep reading back damaged",
        consultation.0
    )))
}

/// Groups the signed opinions (id, copy hash, digest) from their stored band keys and the bags of
/// those compared. A row missing or not reading back as stored is damaged.
fn group(
    conn: &mut Conn,
    consultation: ConsultationId,
    signed: &[(OpinionId, u64, u64)],
) -> Result<Vec<Group>, Trouble> {
    let mut stored_keys = opinion_signature::band_keys(conn, consultation)?;
    let mut damaged = Vec::new();
    let keys: Vec<Vec<u64>> = signed
        .iter()
        .map(|(id, _, _)| {
            stored_keys.remove(id).and_then(|k| decode(&k)).filter(|k| keys_are_whole(k)).unwrap_or_else(|| {
                damaged.push(*id);
                Vec::new()
            })
        })
        .collect();
    drop(stored_keys);
    if !damaged.is_empty() {
        return Err(Trouble::Damaged(damaged));
    }
    let digests: HashMap<i64, (u64, &[u64])> =
        signed.iter().zip(&keys).map(|((id, _, digest), k)| (i64::from(id.0), (*digest, k.as_slice()))).collect();
    let items: Vec<(i64, u64, &[u64])> =
        signed.iter().zip(&keys).map(|((id, hash, _), k)| (i64::from(id.0), *hash, k.as_slice())).collect();
    groups_of_keyed(&items, |wanted| {
        let ids: Vec<OpinionId> = wanted.iter().map(|id| OpinionId(*id as i32)).collect();
        let mut bags = HashMap::with_capacity(ids.len());
        let mut damaged = Vec::new();
        let mut read = opinion_signature::bags(conn, &ids)?;
        for id in ids {
            let (digest, keys) = digests[&i64::from(id.0)];
            match read.remove(&id).and_then(|bytes| decode(&bytes)).filter(|bag| bag_is_whole(bag, keys, digest)) {
                Some(bag) => bags.insert(i64::from(id.0), bag),
                None => {
                    damaged.push(id);
                    None
                }
            };
        }
        if damaged.is_empty() { Ok(bags) } else { Err(Trouble::Damaged(damaged)) }
    })
}

/// The groups with the decisions of the first `shown` groups' members and the bodies of their first.
fn described(conn: &mut Conn, groups: Arc<Vec<Group>>, opinions: &[Signed], shown: usize) -> Result<Found, AppError> {
    // The opinions come by id: each member's decision is a binary search away.
    let decision = |id: i64| {
        let found = opinions.binary_search_by_key(&id, |o| i64::from(o.id.0)).ok();
        found.and_then(|i| opinions[i].decision.clone())
    };
    let decisions: HashMap<i64, Option<String>> =
        groups.iter().take(shown).flat_map(|g| &g.ids).map(|id| (*id, decision(*id))).collect();
    let firsts: Vec<OpinionId> = groups.iter().take(shown).map(|g| OpinionId(g.ids[0] as i32)).collect();
    let samples = opinion_signature::bodies(conn, &firsts)?.into_iter().map(|(id, b)| (i64::from(id.0), b)).collect();
    Ok(Found { groups, decisions, samples })
}

/// Opinions signed and stored at a time: what is held in memory for signing stays this size
/// however many opinions lack a signature.
const SIGNED_AT_A_TIME: usize = 2000;

/// Computes and stores the signatures the opinions lack, a few thousand at a time, and returns
/// the copy hash and digest of each. An opinion deleted meanwhile stays without one and is left
/// out of the groups; one edited meanwhile is not stored, and found missing when read.
fn sign_missing(
    conn: &mut Conn,
    grouper: &Grouper,
    consultation: ConsultationId,
    opinions: &[Signed],
) -> Result<HashMap<OpinionId, (u64, u64)>, AppError> {
    let missing: Vec<OpinionId> = opinions.iter().filter(|o| o.stored.is_none()).map(|o| o.id).collect();
    let mut signed = HashMap::with_capacity(missing.len());
    for chunk in missing.chunks(SIGNED_AT_A_TIME) {
        let mut bodies = opinion_signature::bodies(conn, chunk)?;
        let computed: Vec<Computed> = chunk
            .iter()
            .filter_map(|id| {
                let body = bodies.remove(id)?;
                Some(Computed { id: *id, signature: grouper.signature(&body), body })
            })
            .collect();
        opinion_signature::store(conn, consultation, &computed)?;
        signed.extend(computed.iter().map(|c| (c.id, (c.signature.copy_hash, c.signature.digest()))));
    }
    Ok(signed)
}
