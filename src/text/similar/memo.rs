//! The groups last found from a few sets of signatures (one per key, e.g. a consultation), reused
//! while the signatures stay the same.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{Group, Signature, groups_of};

/// The groups last found for a few keys in this process, each with the [`digest`] of the signatures
/// and threshold they were found from. Grouping is a function of those (items in the order given), so
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
    /// [`groups_of`] the items, or the groups found last for `key` if they were found from the same
    /// items and threshold.
    pub fn groups_of(&self, key: i64, items: &[(i64, &Signature)], threshold: f64) -> Arc<Vec<Group>> {
        let digest = digest(items, threshold);
        if let Some(groups) = self.get(key, digest) {
            return groups;
        }
        let groups = Arc::new(groups_of(items, threshold));
        self.put(key, digest, groups.clone());
        groups
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

/// A 64-bit digest of everything grouping reads: the threshold, and each item's id, copy hash, bag and
/// band keys, in order. For noticing change, not for security: a collision would only show groups one
/// change old.
fn digest(signed: &[(i64, &Signature)], threshold: f64) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ threshold.to_bits();
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
        assert_ne!(digest(&[(1, &a)], 0.8), digest(&[(1, &b)], 0.8));
        assert_ne!(digest(&[(1, &a)], 0.8), digest(&[(2, &a)], 0.8), "another opinion");
        assert_ne!(digest(&[(1, &a), (2, &b)], 0.8), digest(&[(1, &b), (2, &a)], 0.8), "the same texts, swapped");
        assert_eq!(digest(&[(1, &a)], 0.8), digest(&[(1, &a.clone())], 0.8));
        assert_ne!(digest(&[(1, &a)], 0.8), digest(&[(1, &a)], 0.9), "another threshold");
    }

    #[test]
    fn the_memo_gives_groups_back_only_for_the_digest_they_were_found_from() {
        let memo = GroupsMemo::default();
        let groups = Arc::new(vec![Group { ids: vec![1, 2], exact: true, similarity: 1.0 }]);
        memo.put(7, 42, groups.clone());
        assert_eq!(memo.get(7, 42), Some(groups));
        assert_eq!(memo.get(7, 43), None);
        assert_eq!(memo.get(8, 42), None);
        for c in 0..100 {
            memo.put(c, 1, Arc::default());
        }
        assert!(memo.found.lock().unwrap().len() <= MEMO_KEYS);
    }
}
