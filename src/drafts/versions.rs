//! Matching the sections of a revised version of a draft to those of the version before it.
//!
//! A pair is found, in this order: the same text (numbering aside); then the most similar text, where
//! similarity is the multiset Jaccard of jieba words and word pairs (the measure opinions are grouped
//! by), with a small bonus for the same number and for following the previous pair, so that articles of
//! an unchanged structure pair by number; then, for what is left, containment: a new section whose
//! words mostly come from one old section was split from it, an old section whose words mostly went
//! into one new section was merged into it. What no rule pairs is new (in the revision) or deleted.
//!
//! Cost for n sections of t words: O(n·t) segmentation and n² bag comparisons of O(t) each — for a
//! 300-article draft about 90,000 comparisons, a few tens of milliseconds.

use std::collections::HashMap;

use crate::text::normalise::{fnv1a64, normalise_for_compare};
use crate::text::similar::Grouper;
use crate::text::wording_diff::{Piece, diff_chars};

/// The least similarity at which two sections are paired one to one.
pub const PAIR_THRESHOLD: f64 = 0.3;
/// The least share of a section's words found in another for a split or merge.
pub const CONTAINMENT_THRESHOLD: f64 = 0.6;
/// Paragraphs with fewer words and word pairs than this are too short to say where they went.
const MIN_PARAGRAPH_WORDS: usize = 9;
/// A paragraph goes with its section's other paragraphs if it holds this share of its best elsewhere.
const COHESION: f64 = 0.9;
/// Added to the similarity of two sections with the same number (第五条 and 第五条).
const SAME_NUMBER_BONUS: f64 = 0.05;
/// Added to the similarity of a pair that directly follows an already chosen pair in both versions.
const NEIGHBOUR_BONUS: f64 = 0.1;

/// One section of a version, as the matcher sees it.
#[derive(Debug, Clone, Copy)]
pub struct SectionText<'a> {
    /// "第五条", "（一）", "" for a preamble.
    pub number: &'a str,
    /// Chapters, parts and books only pair with their own kind; articles and paragraphs with theirs.
    pub structural: bool,
    /// The section's text, its number included (it is stripped before comparing).
    pub text: &'a str,
}

/// What happened to a section between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// The same text (numbering aside), in the same order.
    Kept,
    /// Reworded, in the same order.
    Changed,
    /// Now stands elsewhere relative to the other sections (its text may have changed too).
    Moved,
    /// Only in the new version.
    New,
    /// Only in the old version.
    Deleted,
}

impl Change {
    pub const ALL: [Change; 5] = [Change::Kept, Change::Changed, Change::Moved, Change::New, Change::Deleted];

    /// The value stored in the database and used in forms.
    pub fn code(self) -> &'static str {
        match self {
            Change::Kept => "kept",
            Change::Changed => "changed",
            Change::Moved => "moved",
            Change::New => "new",
            Change::Deleted => "deleted",
        }
    }

    pub fn parse(code: &str) -> Option<Change> {
        Change::ALL.into_iter().find(|c| c.code() == code)
    }

    /// 保留 / 修改 / 移动 / 新增 / 删除
    pub fn label(self) -> &'static str {
        match self {
            Change::Kept => "未修改",
            Change::Changed => "修改",
            Change::Moved => "移动",
            Change::New => "新增",
            Change::Deleted => "删除",
        }
    }
}

/// How a pair was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// The same text, numbering aside.
    SameText,
    /// The most similar text (numbering and order break near ties).
    Similar,
    /// A paragraph of one is mostly found in the other: a split, a merge, or a rewrite that grew.
    Part,
    /// Chosen by the drafter.
    Manual,
}

/// A link from an old section to a new one, by index into the two lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub old: usize,
    pub new: usize,
    pub basis: Basis,
    /// Similarity of the two texts, 0.0–1.0.
    pub similarity: f64,
}

/// The result: links, and what happened to each section on either side.
#[derive(Debug, Clone, PartialEq)]
pub struct Matching {
    /// Ordered by new index, then old index.
    pub pairs: Vec<Pair>,
    /// Per old section: `Deleted`, or the change of its first pair.
    pub old_changes: Vec<Change>,
    /// Per new section: `New`, or the change of its first pair.
    pub new_changes: Vec<Change>,
}

impl Matching {
    /// The new sections an old one went to.
    pub fn successors(&self, old: usize) -> impl Iterator<Item = &Pair> {
        self.pairs.iter().filter(move |p| p.old == old)
    }

    /// The old sections a new one came from.
    pub fn predecessors(&self, new: usize) -> impl Iterator<Item = &Pair> {
        self.pairs.iter().filter(move |p| p.new == new)
    }
}

/// The text of a section without its leading number.
pub fn body_of<'a>(s: &SectionText<'a>) -> &'a str {
    let text = s.text.trim_start();
    let rest = if s.number.is_empty() { text } else { text.strip_prefix(s.number).unwrap_or(text) };
    rest.trim()
}

/// A character diff of two sections' texts, numbers left out.
pub fn section_diff(old: &SectionText, new: &SectionText) -> Vec<Piece> {
    diff_chars(body_of(old), body_of(new))
}

/// Matches `new` sections to `old` ones (see the module documentation).
pub fn match_sections(grouper: &Grouper, old: &[SectionText], new: &[SectionText]) -> Matching {
    let old_bags: Vec<Vec<u64>> = old.iter().map(|s| bag(grouper, body_of(s))).collect();
    let new_bags: Vec<Vec<u64>> = new.iter().map(|s| bag(grouper, body_of(s))).collect();
    let mut old_taken: Vec<Option<usize>> = vec![None; old.len()];
    let mut new_taken: Vec<Option<usize>> = vec![None; new.len()];
    let mut pairs: Vec<Pair> = Vec::new();

    // 1. Identical texts, the first unused one on each side.
    let mut by_text: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, s) in old.iter().enumerate() {
        by_text.entry(key(s)).or_default().push(i);
    }
    for (j, s) in new.iter().enumerate() {
        if let Some(candidates) = by_text.get_mut(&key(s))
            && let Some(pos) = candidates.iter().position(|&i| old[i].structural == s.structural)
        {
            let i = candidates.remove(pos);
            take(&mut old_taken, &mut new_taken, &mut pairs, i, j, Basis::SameText, 1.0);
        }
    }

    // 2. One-to-one by similarity, best first; a pair next to a chosen pair is preferred, so the
    //    loop takes one pair at a time and re-scores its neighbours.
    let mut scores: Vec<(usize, usize, f64)> = Vec::new();
    for (i, o) in old.iter().enumerate() {
        for (j, n) in new.iter().enumerate() {
            if o.structural != n.structural || old_taken[i].is_some() || new_taken[j].is_some() {
                continue;
            }
            let sim = jaccard(&old_bags[i], &new_bags[j]);
            if sim > 0.0 {
                scores.push((i, j, sim));
            }
        }
    }
    loop {
        let best = scores
            .iter()
            .filter(|(i, j, _)| old_taken[*i].is_none() && new_taken[*j].is_none())
            .map(|&(i, j, sim)| (i, j, sim, sim + bonus(old, new, &old_taken, i, j)))
            .filter(|&(_, _, sim, _)| sim >= PAIR_THRESHOLD)
            .max_by(|a, b| a.3.total_cmp(&b.3).then(b.1.cmp(&a.1)).then(b.0.cmp(&a.0)));
        let Some((i, j, sim, _)) = best else { break };
        take(&mut old_taken, &mut new_taken, &mut pairs, i, j, Basis::Similar, sim);
    }

    // 3. Splits, merges and rewrites that grew or shrank: a paragraph of a section left over, or of
    //    the section it would pair with, mostly found in one section on the other side.
    let old_pars: Vec<Vec<Vec<u64>>> = old.iter().map(|s| paragraph_bags(grouper, s)).collect();
    let new_pars: Vec<Vec<Vec<u64>>> = new.iter().map(|s| paragraph_bags(grouper, s)).collect();
    let mut extra: Vec<Pair> = Vec::new();
    for (i, pars) in old_pars.iter().enumerate() {
        for (j, share) in place_paragraphs(pars, &new_bags, |j| new[j].structural == old[i].structural) {
            if old_taken[i].is_none() || new_taken[j].is_none() {
                extra.push(Pair { old: i, new: j, basis: Basis::Part, similarity: share });
            }
        }
    }
    for (j, pars) in new_pars.iter().enumerate() {
        for (i, share) in place_paragraphs(pars, &old_bags, |i| old[i].structural == new[j].structural) {
            if old_taken[i].is_none() || new_taken[j].is_none() {
                extra.push(Pair { old: i, new: j, basis: Basis::Part, similarity: share });
            }
        }
    }
    for p in extra {
        if !pairs.iter().any(|q| q.old == p.old && q.new == p.new) {
            pairs.push(p);
        }
    }
    classify(old, new, pairs)
}

/// Classifies given pairs (found, or corrected by the drafter): a pair outside the longest run of pairs
/// in the same order on both sides is moved; others are kept or changed by their text.
pub fn classify(old: &[SectionText], new: &[SectionText], mut pairs: Vec<Pair>) -> Matching {
    pairs.sort_by_key(|p| (p.new, p.old));
    pairs.dedup_by_key(|p| (p.new, p.old));
    let in_order = longest_ordered_run(&pairs);
    let mut old_changes = vec![Change::Deleted; old.len()];
    let mut new_changes = vec![Change::New; new.len()];
    let mut old_seen = vec![false; old.len()];
    let mut new_seen = vec![false; new.len()];
    for (k, p) in pairs.iter().enumerate() {
        let change = if !in_order[k] {
            Change::Moved
        } else if key(&old[p.old]) == key(&new[p.new]) {
            Change::Kept
        } else {
            Change::Changed
        };
        if !old_seen[p.old] {
            old_seen[p.old] = true;
            old_changes[p.old] = change;
        }
        if !new_seen[p.new] {
            new_seen[p.new] = true;
            new_changes[p.new] = change;
        }
    }
    Matching { pairs, old_changes, new_changes }
}

/// Marks the pairs (sorted by new index) that belong to a longest non-decreasing run of old indices.
fn longest_ordered_run(pairs: &[Pair]) -> Vec<bool> {
    // Patience sorting with back links: O(p log p).
    let mut tails: Vec<usize> = Vec::new();
    let mut back: Vec<Option<usize>> = vec![None; pairs.len()];
    for (k, p) in pairs.iter().enumerate() {
        let at = tails.partition_point(|&t| pairs[t].old <= p.old);
        back[k] = at.checked_sub(1).map(|a| tails[a]);
        if at == tails.len() {
            tails.push(k);
        } else {
            tails[at] = k;
        }
    }
    let mut marked = vec![false; pairs.len()];
    let mut at = tails.last().copied();
    while let Some(k) = at {
        marked[k] = true;
        at = back[k];
    }
    marked
}

fn take(
    old_taken: &mut [Option<usize>],
    new_taken: &mut [Option<usize>],
    pairs: &mut Vec<Pair>,
    i: usize,
    j: usize,
    basis: Basis,
    similarity: f64,
) {
    old_taken[i] = Some(j);
    new_taken[j] = Some(i);
    pairs.push(Pair { old: i, new: j, basis, similarity });
}

fn bonus(old: &[SectionText], new: &[SectionText], old_taken: &[Option<usize>], i: usize, j: usize) -> f64 {
    let same_number = !old[i].number.is_empty() && old[i].number == new[j].number;
    let follows = i > 0 && j > 0 && old_taken[i - 1] == Some(j - 1);
    let precedes = old_taken.get(i + 1).copied().flatten() == Some(j + 1);
    let mut b = 0.0;
    if same_number {
        b += SAME_NUMBER_BONUS;
    }
    if follows || precedes {
        b += NEIGHBOUR_BONUS;
    }
    b
}

fn key(s: &SectionText) -> String {
    normalise_for_compare(body_of(s))
}

/// Sorted hashes of a text's words and adjacent word pairs, repeats kept (each repeat numbered so that
/// the bag is a set and set operations count multiplicities).
fn bag(grouper: &Grouper, text: &str) -> Vec<u64> {
    let words: Vec<u64> = grouper.tokens(text).iter().map(|t| fnv1a64(t.as_bytes())).collect();
    let pairs = words.windows(2).map(|w| w[0].rotate_left(23) ^ w[1] ^ 0xB16A_5EED);
    let mut all: Vec<u64> = words.iter().copied().chain(pairs).collect();
    all.sort_unstable();
    let mut out = Vec::with_capacity(all.len());
    let mut repeat = 0u64;
    for (k, &h) in all.iter().enumerate() {
        repeat = if k > 0 && all[k - 1] == h { repeat + 1 } else { 0 };
        out.push(h.wrapping_add(repeat.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    }
    out.sort_unstable();
    out
}

fn common(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let c = common(a, b);
    let union = a.len() + b.len() - c;
    if union == 0 { 0.0 } else { c as f64 / union as f64 }
}

/// The bags of a section's paragraphs (its lines) long enough to say something.
fn paragraph_bags(grouper: &Grouper, s: &SectionText) -> Vec<Vec<u64>> {
    body_of(s).lines().map(|line| bag(grouper, line)).filter(|b| b.len() >= MIN_PARAGRAPH_WORDS).collect()
}

/// Where each paragraph went: the section on the other side holding the largest share of it, if at
/// least [`CONTAINMENT_THRESHOLD`]. Paragraphs of one section stay together: one goes where another,
/// carrying more words, went, when that holds nearly as large a share ([`COHESION`] of its best).
fn place_paragraphs(pars: &[Vec<u64>], others: &[Vec<u64>], eligible: impl Fn(usize) -> bool) -> Vec<(usize, f64)> {
    let shares: Vec<Vec<(usize, f64)>> = pars
        .iter()
        .map(|par| (0..others.len()).filter(|&k| eligible(k)).map(|k| (k, containment(par, &others[k]))).collect())
        .collect();
    let best = |row: &[(usize, f64)]| row.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    let mut order: Vec<usize> = (0..pars.len()).collect();
    // The paragraph that carries the most words over decides first.
    let carried = |p: usize| best(&shares[p]).map_or(0.0, |b| b.1 * pars[p].len() as f64);
    order.sort_by(|&a, &b| carried(b).total_cmp(&carried(a)));
    let mut placed: Vec<(usize, f64)> = Vec::new();
    for p in order {
        let Some((k, share)) = best(&shares[p]) else { continue };
        if share < CONTAINMENT_THRESHOLD {
            continue;
        }
        let together = shares[p]
            .iter()
            .filter(|(k, s)| placed.iter().any(|(q, _)| q == k) && *s >= COHESION * share)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let (k, share) = together.copied().unwrap_or((k, share));
        if !placed.iter().any(|(q, _)| *q == k) {
            placed.push((k, share));
        }
    }
    placed
}

/// The share of `part`'s words that are in `whole`.
fn containment(part: &[u64], whole: &[u64]) -> f64 {
    if part.is_empty() { 0.0 } else { common(part, whole) as f64 / part.len() as f64 }
}

#[cfg(test)]
mod tests;
