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
mod signature;

use std::collections::{HashMap, HashSet};

use jieba_rs::Jieba;
use unicode_normalization::UnicodeNormalization;

use crate::text::normalise::{fnv1a64, is_ignorable, lowercase, normalise_for_compare};
use lsh::{Banding, UnionFind};
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
    let copies = exact_copies(items.iter().map(|(_, s)| s.copy_hash));
    let bags: Vec<&[u64]> = copies.first.iter().map(|&f| items[f as usize].1.bag.as_slice()).collect();
    let banding = Banding::for_threshold(threshold);
    let stored = banding == Banding::for_threshold(DEFAULT_THRESHOLD);
    let mut mins = Vec::new();
    let keys: Vec<Vec<u32>> = copies
        .first
        .iter()
        .zip(&bags)
        .map(|(&f, bag)| {
            let full = if stored { items[f as usize].1.band_keys.clone() } else { keys_for(bag, banding, &mut mins) };
            full.into_iter().map(lsh::short_key).collect()
        })
        .collect();
    let ids: Vec<i64> = items.iter().map(|(id, _)| *id).collect();
    let key_of = |c: u32| keys[c as usize].as_slice();
    match group_copies(&copies, &ids, key_of, banding.bands, threshold, &mut lsh::AtHand(bags)) {
        Ok(groups) => groups,
        Err(never) => match never {},
    }
}

/// Opinions as [`groups_of_keyed`] takes them, a slice per field (a million opinions take
/// ~100 MB so, against ~130 MB as a vector of tuples pointing into the keys): each opinion's id and
/// copy hash, and its short band keys at [`DEFAULT_THRESHOLD`] (see [`short_keys`]), all one after
/// another, opinion i's ending at `key_ends[i]` (none for an empty bag).
#[derive(Debug, Clone, Copy)]
pub struct Keyed<'a> {
    pub ids: &'a [i64],
    pub copy_hashes: &'a [u64],
    pub keys: &'a [u32],
    pub key_ends: &'a [u32],
}

impl Keyed<'_> {
    fn keys_of(&self, item: usize) -> &[u32] {
        let start = if item == 0 { 0 } else { self.key_ends[item - 1] as usize };
        &self.keys[start..self.key_ends[item] as usize]
    }
}

/// The columns of a [`Keyed`], filled an opinion at a time.
#[derive(Debug, Default)]
pub struct KeyedColumns {
    ids: Vec<i64>,
    copy_hashes: Vec<u64>,
    keys: Vec<u32>,
    key_ends: Vec<u32>,
}

impl KeyedColumns {
    /// Room for `items` opinions of `bands` band keys each, made at once: a vector of a million
    /// items that doubles would hold both sizes for a moment.
    pub fn with_capacity(items: usize, bands: usize) -> Self {
        KeyedColumns {
            ids: Vec::with_capacity(items),
            copy_hashes: Vec::with_capacity(items),
            keys: Vec::with_capacity(items * bands),
            key_ends: Vec::with_capacity(items),
        }
    }

    /// Adds an opinion with its band keys at [`DEFAULT_THRESHOLD`] (none for an empty bag).
    pub fn push(&mut self, id: i64, copy_hash: u64, band_keys: &[u64]) {
        self.ids.push(id);
        self.copy_hashes.push(copy_hash);
        self.keys.extend(short_keys(band_keys));
        self.key_ends.push(self.keys.len() as u32);
    }

    /// The ids in the order they were added.
    pub fn ids(&self) -> &[i64] {
        &self.ids
    }

    pub fn keyed(&self) -> Keyed<'_> {
        Keyed { ids: &self.ids, copy_hashes: &self.copy_hashes, keys: &self.keys, key_ends: &self.key_ends }
    }
}

/// Band keys as [`groups_of_keyed`] takes them: 4 bytes each in memory instead of 8.
pub fn short_keys(keys: &[u64]) -> impl Iterator<Item = u32> + '_ {
    keys.iter().map(|&k| lsh::short_key(k))
}

/// [`groups_of`] at [`DEFAULT_THRESHOLD`] without holding the bags: `bags` is asked, bucket by
/// bucket and then group by group, for the bags of the copies about to be compared (by the id of
/// each one's first item), and they are dropped after. A copy that shares no bucket with another
/// copy is never asked for; on a page of mostly different opinions that is most of them. A bag
/// `bags` does not give counts as empty (similar to nothing).
pub fn groups_of_keyed<E>(
    items: Keyed,
    bags: impl FnMut(&[i64]) -> Result<HashMap<i64, Vec<u64>>, E>,
) -> Result<Vec<Group>, E> {
    let banding = Banding::for_threshold(DEFAULT_THRESHOLD);
    let copies = exact_copies(items.copy_hashes.iter().copied());
    let key_of = |c: u32| items.keys_of(copies.first[c as usize] as usize);
    let mut source = Asked { ids: items.ids, first: &copies.first, ask: bags, held: HashMap::new() };
    group_copies(&copies, items.ids, key_of, banding.bands, DEFAULT_THRESHOLD, &mut source)
}

/// Bags asked for a few copies at a time.
struct Asked<'a, F> {
    ids: &'a [i64],
    /// The index of each copy's first item, whose id names it.
    first: &'a [u32],
    ask: F,
    held: HashMap<u32, Vec<u64>>,
}

impl<F> Asked<'_, F> {
    fn id_of(&self, copy: u32) -> i64 {
        self.ids[self.first[copy as usize] as usize]
    }
}

impl<E, F: FnMut(&[i64]) -> Result<HashMap<i64, Vec<u64>>, E>> lsh::Bags for Asked<'_, F> {
    type Error = E;
    fn hold(&mut self, copies: &[u32]) -> Result<(), E> {
        self.held.clear();
        let ids: Vec<i64> = copies.iter().map(|&c| self.id_of(c)).collect();
        let mut read = (self.ask)(&ids)?;
        for &c in copies {
            if let Some(bag) = read.remove(&self.id_of(c)) {
                self.held.insert(c, bag);
            }
        }
        Ok(())
    }
    fn bag(&self, copy: u32) -> &[u64] {
        self.held.get(&copy).map_or(&[][..], Vec::as_slice)
    }
}

/// The groups of these sets of copies, from their band keys and the bags `bags` gives.
fn group_copies<'k, B: lsh::Bags>(
    copies: &Copies,
    ids: &[i64],
    keys: impl Fn(u32) -> &'k [u32],
    bands: usize,
    threshold: f64,
    bags: &mut B,
) -> Result<Vec<Group>, B::Error> {
    let count = copies.first.len();
    let mut sets = UnionFind::new(count);
    lsh::link_candidates(count, keys, bands, threshold, &mut sets, bags)?;
    // The items of each copy, copy after copy (a counting sort), so a group's ids are gathered
    // without a vector per copy.
    let mut starts = vec![0u32; count + 1];
    for &c in &copies.of_item {
        starts[c as usize + 1] += 1;
    }
    for c in 0..count {
        starts[c + 1] += starts[c];
    }
    let mut next = starts.clone();
    let mut by_copy = vec![0u32; ids.len()];
    for (item, &c) in copies.of_item.iter().enumerate() {
        by_copy[next[c as usize] as usize] = item as u32;
        next[c as usize] += 1;
    }
    drop(next);
    let items_of = |c: u32| &by_copy[starts[c as usize] as usize..starts[c as usize + 1] as usize];
    let mut components: Vec<(u32, u32)> = (0..count as u32).map(|c| (sets.find(c), c)).collect();
    components.sort_unstable();
    let mut groups = Vec::new();
    for component in components.chunk_by(|a, b| a.0 == b.0) {
        let members: Vec<u32> = component.iter().map(|&(_, c)| c).collect();
        if members.iter().map(|&c| items_of(c).len()).sum::<usize>() < 2 {
            continue;
        }
        let mut group_ids: Vec<i64> =
            members.iter().flat_map(|&c| items_of(c).iter().map(|&i| ids[i as usize])).collect();
        group_ids.sort_unstable();
        // The representative is the most frequent text, the one with the lowest id among equals.
        let lowest = |c: u32| items_of(c).iter().map(|&i| ids[i as usize]).min();
        let representative = members
            .iter()
            .copied()
            .max_by_key(|&c| (items_of(c).len(), std::cmp::Reverse(lowest(c))))
            .unwrap_or_default();
        let similarity = if members.len() == 1 {
            1.0
        } else {
            bags.hold(&members)?;
            members
                .iter()
                .filter(|&&c| c != representative)
                .map(|&c| lsh::jaccard(bags.bag(c), bags.bag(representative)))
                .fold(1.0, f64::min)
        };
        groups.push(Group { ids: group_ids, exact: members.len() == 1, similarity });
    }
    groups.sort_by(|a, b| b.ids.len().cmp(&a.ids.len()).then(a.ids[0].cmp(&b.ids[0])));
    Ok(groups)
}

/// The band keys of a bag, none for an empty one: a text of only punctuation or stop words groups by
/// exact copies alone.
fn keys_for(bag: &[u64], banding: Banding, mins: &mut Vec<u64>) -> Vec<u64> {
    if bag.is_empty() { Vec::new() } else { lsh::band_keys(bag, banding, mins) }
}

/// Items with the same copy hash: for each set of copies the index of its first item, which stands
/// for all, and for each item the set it is in.
struct Copies {
    first: Vec<u32>,
    of_item: Vec<u32>,
}

fn exact_copies(hashes: impl ExactSizeIterator<Item = u64>) -> Copies {
    let mut index: HashMap<u64, u32> = HashMap::new();
    let mut copies = Copies { first: Vec::new(), of_item: Vec::with_capacity(hashes.len()) };
    for (k, hash) in hashes.enumerate() {
        let c = *index.entry(hash).or_insert_with(|| {
            copies.first.push(k as u32);
            copies.first.len() as u32 - 1
        });
        copies.of_item.push(c);
    }
    copies
}

#[cfg(test)]
mod tests;
