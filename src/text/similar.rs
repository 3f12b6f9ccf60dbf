//! Groups of opinions that say the same thing: exact copies and near-identical campaign messages.
//!
//! Similarity is the multiset Jaccard (Σ min count / Σ max count) over jieba word tokens *and* pairs of
//! adjacent tokens, without punctuation and stop words; "near-identical" means at least
//! [`DEFAULT_THRESHOLD`]. A changed name or an added "谢谢！" in a 40-word message keeps it near 0.9.
//! The word pairs matter: "建议科技局牵头，高新区配合" and "建议高新区牵头，科技局配合" have the same words
//! and say the opposite; words alone rate them 1.0, words and pairs about 0.5.
//!
//! [`Grouper::groups`] first buckets copies by their normalised text, then finds near-identical pairs with
//! MinHash + banded LSH (see `lsh.rs`) and verifies each candidate pair with the exact Jaccard. Cost for n
//! opinions of t tokens: O(n·t) segmentation, O(n·2t·126) hashing, O(b·n log n) band sorting (b = 18 bands
//! at 0.8) and O(b·n·16) candidate checks at most — linear in n, never all pairs.
//!
//! The first two depend on each text alone and are most of the cost: [`Grouper::signature`] does them
//! once per text, so that a [`Signature`] can be stored with the opinion, and [`groups_of`] groups from
//! signatures with only the sorting and the checks left.

mod lsh;
mod memo;
mod signature;

use std::collections::{HashMap, HashSet};

use jieba_rs::Jieba;
use unicode_normalization::UnicodeNormalization;

use crate::text::normalise::{fnv1a64, is_ignorable, lowercase, normalise_for_compare};
use lsh::{Banding, UnionFind};
pub use memo::{GroupsMemo, digest as signatures_digest};
pub use signature::{SIGNATURE_VERSION, Signature, bag_is_whole, copy_hash, decode, encode, keys_are_whole};

/// The similarity at or above which two opinions count as near-identical.
pub const DEFAULT_THRESHOLD: f64 = 0.8;

/// Function words that say nothing about what an opinion asks for.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "是", "在", "我", "也", "就", "都", "而", "及", "与", "或", "等", "对", "把", "被", "着", "过",
    "之", "其", "以", "于", "为", "从", "并", "且", "将", "这", "那", "该", "此", "吗", "呢", "吧", "啊", "呀", "哦",
    "嘛", "个", "我们", "你们", "他们", "她们", "它们", "以及", "并且", "而且", "但", "但是", "因为", "所以", "如果",
    "一个", "一些", "还", "又", "即", "则",
];

/// An opinion to group.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub id: i64,
    pub text: &'a str,
}

/// Opinions that say the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Ids of the opinions, ascending.
    pub ids: Vec<i64>,
    /// All members are identical after [`normalise_for_compare`].
    pub exact: bool,
    /// The lowest similarity of a member to the group's representative (its most frequent text).
    /// Groups are linked pair by pair, so a long chain of small edits can make this fall below the
    /// threshold; 1.0 for exact groups.
    pub similarity: f64,
}

/// Tokeniser and grouper. Building one loads jieba's dictionary (~100 ms or more): build it once and keep
/// it in shared state; it is `Send + Sync`.
pub struct Grouper {
    jieba: Jieba,
    stop_words: HashSet<&'static str>,
}

impl std::fmt::Debug for Grouper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grouper").finish_non_exhaustive()
    }
}

impl Default for Grouper {
    fn default() -> Self {
        Grouper::new()
    }
}

impl Grouper {
    /// Loads jieba's embedded dictionary.
    pub fn new() -> Grouper {
        Grouper { jieba: Jieba::new(), stop_words: STOP_WORDS.iter().copied().collect() }
    }

    /// The words of `text` that count for similarity: jieba segmentation (HMM on) of the NFKC,
    /// lowercased text, without whitespace, punctuation and stop words.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        self.for_each_token(text, |t| tokens.push(t.to_string()));
        tokens
    }

    fn for_each_token(&self, text: &str, mut f: impl FnMut(&str)) {
        let mut folded = String::with_capacity(text.len());
        text.nfkc().for_each(|c| lowercase(c, |l| folded.push(l)));
        for token in self.jieba.cut(&folded, true) {
            let w = token.word;
            if !w.chars().all(is_ignorable) && !self.stop_words.contains(w) {
                f(w);
            }
        }
    }

    /// Multiset Jaccard similarity of the two texts' tokens and adjacent token pairs, from 0.0 to 1.0;
    /// 1.0 when they are identical after normalisation.
    pub fn similarity(&self, a: &str, b: &str) -> f64 {
        if normalise_for_compare(a) == normalise_for_compare(b) {
            return 1.0;
        }
        lsh::jaccard(&self.bag(a), &self.bag(b))
    }

    /// What grouping needs to know of `text`: its copy hash, bag and band keys at [`DEFAULT_THRESHOLD`].
    /// This is the expensive part (jieba, then 126 hashes per bag element); it depends on the text alone,
    /// so it can be computed once and kept (see [`SIGNATURE_VERSION`]).
    pub fn signature(&self, text: &str) -> Signature {
        self.signature_with_copy_hash(text, copy_hash(text))
    }

    fn signature_with_copy_hash(&self, text: &str, copy_hash: u64) -> Signature {
        let bag = self.bag(text);
        let band_keys = keys_for(&bag, Banding::for_threshold(DEFAULT_THRESHOLD), &mut Vec::new());
        Signature { copy_hash, bag, band_keys }
    }

    /// Groups of two or more opinions that are identical after normalisation or at least `threshold`
    /// similar (clamped to 0.5–1.0: lower values do not mean "the same thing" and would make most pairs
    /// candidates), largest group first, then by lowest id. The same as [`groups_of`] on the texts'
    /// signatures; copies are segmented once.
    pub fn groups(&self, items: &[Candidate], threshold: f64) -> Vec<Group> {
        let mut first_of_copy: HashMap<u64, usize> = HashMap::new();
        let mut signatures: Vec<Signature> = Vec::new();
        let which: Vec<usize> = items
            .iter()
            .map(|item| {
                let hash = copy_hash(item.text);
                *first_of_copy.entry(hash).or_insert_with(|| {
                    signatures.push(self.signature_with_copy_hash(item.text, hash));
                    signatures.len() - 1
                })
            })
            .collect();
        let signed: Vec<(i64, &Signature)> = items.iter().zip(which).map(|(c, i)| (c.id, &signatures[i])).collect();
        groups_of(&signed, threshold)
    }

    /// Sorted hashes of the tokens and of each pair of adjacent tokens, repeats kept.
    fn bag(&self, text: &str) -> Vec<u64> {
        let mut words: Vec<u64> = Vec::new();
        self.for_each_token(text, |t| words.push(lsh::mix(fnv1a64(t.as_bytes()))));
        let pairs = words.windows(2).map(|w| lsh::mix(w[0].rotate_left(23) ^ w[1] ^ 0xB16A_5EED));
        let mut bag: Vec<u64> = words.iter().copied().chain(pairs).collect();
        bag.sort_unstable();
        bag
    }
}

/// Groups of two or more opinions from their signatures (see [`Grouper::groups`] for what counts as a
/// group and the order): exact copies by copy hash, then near-identical ones by their bags. Within a set
/// of copies the first item's signature stands for all, so give the items in a stable order (by id).
/// No text is segmented: band keys are taken as stored for [`DEFAULT_THRESHOLD`] and computed from the
/// bags for any other threshold.
pub fn groups_of(items: &[(i64, &Signature)], threshold: f64) -> Vec<Group> {
    let threshold = if threshold.is_nan() { DEFAULT_THRESHOLD } else { threshold.clamp(0.5, 1.0) };
    let copies = exact_copies(items.iter().map(|(id, s)| (*id, s.copy_hash)));
    let bags: Vec<&[u64]> = copies.iter().map(|c| items[c.first].1.bag.as_slice()).collect();
    let banding = Banding::for_threshold(threshold);
    let stored = banding == Banding::for_threshold(DEFAULT_THRESHOLD);
    let mut mins = Vec::new();
    let computed: Vec<Vec<u64>> =
        if stored { Vec::new() } else { bags.iter().map(|bag| keys_for(bag, banding, &mut mins)).collect() };
    let keys: Vec<&[u64]> = if stored {
        copies.iter().map(|c| items[c.first].1.band_keys.as_slice()).collect()
    } else {
        computed.iter().map(Vec::as_slice).collect()
    };
    group_copies(&copies, &bags, &keys, banding.bands, threshold)
}

/// An opinion as [`groups_of_keyed`] takes it: id, copy hash and band keys at [`DEFAULT_THRESHOLD`].
pub type Keyed<'a> = (i64, u64, &'a [u64]);

/// [`groups_of`] at [`DEFAULT_THRESHOLD`] without every bag: only a copy that shares a band's bucket
/// with another copy is ever compared, so `bags` is asked once for the bags of those (by the id of
/// each one's first item) and the others are never read. On a page of mostly different opinions that
/// is a small part of them. A bag `bags` does not give counts as empty (similar to nothing).
pub fn groups_of_keyed<E>(
    items: &[Keyed],
    bags: impl FnOnce(&[i64]) -> Result<HashMap<i64, Vec<u64>>, E>,
) -> Result<Vec<Group>, E> {
    let banding = Banding::for_threshold(DEFAULT_THRESHOLD);
    let copies = exact_copies(items.iter().map(|&(id, hash, _)| (id, hash)));
    let keys: Vec<&[u64]> = copies.iter().map(|c| items[c.first].2).collect();
    let shared = lsh::in_shared_buckets(&keys, banding.bands);
    let wanted: Vec<i64> = copies.iter().zip(&shared).filter(|(_, s)| **s).map(|(c, _)| items[c.first].0).collect();
    let loaded = bags(&wanted)?;
    let bags: Vec<&[u64]> =
        copies.iter().map(|c| loaded.get(&items[c.first].0).map_or(&[][..], Vec::as_slice)).collect();
    Ok(group_copies(&copies, &bags, &keys, banding.bands, DEFAULT_THRESHOLD))
}

/// The groups of these sets of copies, from their bags and band keys. Only the bags of copies that
/// share a bucket in some band are read.
fn group_copies(copies: &[Copies], bags: &[&[u64]], keys: &[&[u64]], bands: usize, threshold: f64) -> Vec<Group> {
    let mut sets = UnionFind::new(copies.len());
    lsh::link_candidates(bags, keys, bands, threshold, &mut sets);
    let mut components: HashMap<u32, Vec<usize>> = HashMap::new();
    for i in 0..copies.len() {
        components.entry(sets.find(i as u32)).or_default().push(i);
    }
    let mut groups: Vec<Group> =
        components.into_values().filter_map(|members| make_group(&members, copies, bags)).collect();
    groups.sort_by(|a, b| b.ids.len().cmp(&a.ids.len()).then(a.ids[0].cmp(&b.ids[0])));
    groups
}

/// The band keys of a bag, none for an empty one: a text of only punctuation or stop words groups by
/// exact copies alone.
fn keys_for(bag: &[u64], banding: Banding, mins: &mut Vec<u64>) -> Vec<u64> {
    if bag.is_empty() { Vec::new() } else { lsh::band_keys(bag, banding, mins) }
}

/// Items with the same copy hash; the first one (`first`, its index) stands for all.
struct Copies {
    first: usize,
    ids: Vec<i64>,
}

fn exact_copies(items: impl Iterator<Item = (i64, u64)>) -> Vec<Copies> {
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut copies: Vec<Copies> = Vec::new();
    for (k, (id, hash)) in items.enumerate() {
        let i = *index.entry(hash).or_insert_with(|| {
            copies.push(Copies { first: k, ids: Vec::new() });
            copies.len() - 1
        });
        copies[i].ids.push(id);
    }
    copies
}

/// A group of the copies `members` (two or more opinions), or none. A group of several copies was
/// linked pair by pair, so each member shares a bucket with another: only their bags are read.
fn make_group(members: &[usize], copies: &[Copies], bags: &[&[u64]]) -> Option<Group> {
    let mut ids: Vec<i64> = members.iter().flat_map(|&m| copies[m].ids.iter().copied()).collect();
    if ids.len() < 2 {
        return None;
    }
    ids.sort_unstable();
    let representative =
        *members.iter().max_by_key(|&&m| (copies[m].ids.len(), std::cmp::Reverse(copies[m].ids.iter().min())))?;
    let similarity = members
        .iter()
        .filter(|&&m| m != representative)
        .map(|&m| lsh::jaccard(bags[m], bags[representative]))
        .fold(1.0, f64::min);
    Some(Group { ids, exact: members.len() == 1, similarity })
}

#[cfg(test)]
mod tests;
