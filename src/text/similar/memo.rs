//! The groups last found from a few sets of signatures (one per key, e.g. a consultation), reused
//! while the signatures stay the same.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::Group;

/// The groups last found for a few keys in this process, each with the [`digest`] of the signatures
/// they were found from. Grouping is a function of those (items in the order given), so
/// groups found from the same digest are the same groups: a drafter deciding group after group changes
/// decisions, not texts, and each view after the first skips the grouping. Any new, changed or
/// deleted opinion changes the digest, on whichever instance it happened.
#[derive(Debug, Default)]
pub struct GroupsMemo {
    found: Mutex<HashMap<i64, Remembered>>,
}

/// The digest of the signatures and the groups found from them.
type Remembered = (u64, Arc<Vec<Group>>);

/// Keys whose groups are kept; the oldest entry is not tracked, any one makes room.
const MEMO_KEYS: usize = 16;

impl GroupsMemo {
    /// The groups found last for `key` if they were found from the same `digest` (see [`digest`]),
    /// else the groups `find` finds, kept for the next call.
    pub fn get_or_find<E>(
        &self,
        key: i64,
        digest: u64,
        find: impl FnOnce() -> Result<Vec<Group>, E>,
    ) -> Result<Arc<Vec<Group>>, E> {
        if let Some(groups) = self.get(key, digest) {
            return Ok(groups);
        }
        let groups = Arc::new(find()?);
        self.put(key, digest, groups.clone());
        Ok(groups)
    }

    fn get(&self, key: i64, digest: u64) -> Option<Arc<Vec<Group>>> {
        let found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        found.get(&key).filter(|(d, _)| *d == digest).map(|(_, groups)| groups.clone())
    }

    fn put(&self, key: i64, digest: u64, groups: Arc<Vec<Group>>) {
        let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        if found.len() >= MEMO_KEYS && !found.contains_key(&key) {
            let any = found.keys().next().copied();
            any.map(|k| found.remove(&k));
        }
        found.insert(key, (digest, groups));
    }
}

/// A 64-bit digest of everything grouping at the default threshold reads: each item's id, copy hash
/// and [`Signature::digest`](super::Signature::digest) (which sums up its bag and band keys), in
/// order. For noticing change, not for security: a collision would only show groups one change old.
pub fn digest(items: impl IntoIterator<Item = (i64, u64, u64)>) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3;
    let mut eat = |v: u64| h = (h.rotate_left(5) ^ v).wrapping_mul(0x517C_C1B7_2722_0A95);
    for (id, copy_hash, signature) in items {
        eat(id as u64);
        eat(copy_hash);
        eat(signature);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::similar::Signature;

    #[test]
    fn the_digest_changes_with_any_bag_even_when_the_copy_hash_and_band_keys_stay() {
        let a = Signature { copy_hash: 1, bag: vec![1, 2, 3], band_keys: vec![9] };
        let mut b = a.clone();
        b.bag[2] = 4;
        let of = |items: &[(i64, &Signature)]| digest(items.iter().map(|(id, s)| (*id, s.copy_hash, s.digest())));
        assert_ne!(of(&[(1, &a)]), of(&[(1, &b)]));
        assert_ne!(of(&[(1, &a)]), of(&[(2, &a)]), "another opinion");
        assert_ne!(of(&[(1, &a), (2, &b)]), of(&[(1, &b), (2, &a)]), "the same texts, swapped");
        assert_eq!(of(&[(1, &a)]), of(&[(1, &a.clone())]));
        let mut c = a.clone();
        c.copy_hash = 2;
        assert_ne!(of(&[(1, &a)]), of(&[(1, &c)]), "another copy hash");
        let mut d = a.clone();
        d.band_keys[0] = 8;
        assert_ne!(of(&[(1, &a)]), of(&[(1, &d)]), "other band keys");
    }

    #[test]
    fn the_memo_gives_groups_back_only_for_the_digest_they_were_found_from() {
        let memo = GroupsMemo::default();
        let groups = vec![Group { ids: vec![1, 2], exact: true, similarity: 1.0 }];
        let found = memo.get_or_find(7, 42, || Ok::<_, ()>(groups.clone())).unwrap();
        assert_eq!(*found, groups);
        let again = memo.get_or_find(7, 42, || Err("not asked again")).unwrap();
        assert!(Arc::ptr_eq(&found, &again));
        assert_eq!(memo.get(7, 43), None);
        assert_eq!(memo.get(8, 42), None);
        assert_eq!(memo.get_or_find(7, 43, || Err::<Vec<Group>, _>("failed")), Err("failed"));
        assert_eq!(memo.get(7, 42), Some(found), "a failed find keeps what was there");
        for c in 0..100 {
            memo.put(c, 1, Arc::default());
        }
        assert!(memo.found.lock().unwrap().len() <= MEMO_KEYS);
    }
}
