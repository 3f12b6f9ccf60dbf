//! MinHash signatures, banded locality-sensitive hashing and union-find, for finding near-duplicate bags.
//!
//! A bag is a sorted `Vec<u64>` of token hashes, repeats kept. The k-th repeat of a token is hashed as its
//! own element, so MinHash over the elements estimates the multiset Jaccard that [`jaccard`] computes.

/// Hash functions available for a signature; rows × bands never exceeds it.
const MAX_HASHES: usize = 128;

/// At most this many unrelated items per bucket are kept as comparison points, so one huge bucket
/// (a campaign of thousands of variants) costs bucket size × this, not bucket size squared.
const MAX_REPRESENTATIVES: usize = 16;

/// Multiset Jaccard of two sorted bags: Σ min(count) / Σ max(count). Two empty bags give 0.
pub(super) fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 { 0.0 } else { common as f64 / union as f64 }
}

/// Whether two bags are at least `threshold` similar: the same answer as `jaccard(a, b) >= threshold`,
/// sooner. Jaccard can never exceed the ratio of the smaller bag to the larger, so most unequal pairs
/// are decided without walking them; and J ≥ t needs at least t·(|a| + |b|) / (1 + t) elements in
/// common, so the walk stops as soon as what is left cannot make that up (near-identical pages share
/// buckets with merely similar ones, and those are most of the pairs checked).
pub(super) fn at_least(a: &[u64], b: &[u64], threshold: f64) -> bool {
    let (short, long) = (a.len().min(b.len()), a.len().max(b.len()));
    if (short as f64) < threshold * long as f64 {
        return false;
    }
    // Rounded down a little, so that rounding never stops a walk that `jaccard` would pass.
    let needed = (threshold * (a.len() + b.len()) as f64 / (1.0 + threshold) - 1e-6).ceil().max(0.0) as usize;
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    // Without branches on the comparison, which a merge of hashes mispredicts half the time.
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        common += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
        if common + (a.len() - i).min(b.len() - j) < needed {
            return false;
        }
    }
    let union = a.len() + b.len() - common;
    union > 0 && common as f64 / union as f64 >= threshold
}

/// How a signature is cut: `bands` bands of `rows` minhashes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Banding {
    pub rows: usize,
    pub bands: usize,
}

impl Banding {
    /// The most selective banding whose chance of making a pair at `threshold` a candidate is ≥ 98.5%.
    /// For 0.8 that is 18 bands of 7 rows: a pair at 0.8 collides in some band with p ≈ 0.986,
    /// at 0.9 with p > 0.9999, at 0.3 with p ≈ 0.004.
    pub fn for_threshold(threshold: f64) -> Banding {
        (1..=16)
            .rev()
            .map(|rows| Banding { rows, bands: MAX_HASHES / rows })
            .find(|b| b.candidate_probability(threshold) >= 0.985)
            .unwrap_or(Banding { rows: 1, bands: MAX_HASHES })
    }

    fn candidate_probability(self, similarity: f64) -> f64 {
        1.0 - (1.0 - similarity.powi(self.rows as i32)).powi(self.bands as i32)
    }

    fn hashes(self) -> usize {
        self.rows * self.bands
    }
}

/// One key per band for a non-empty bag: each key hashes that band's minhashes and the band number.
pub(super) fn band_keys(bag: &[u64], banding: Banding, mins: &mut Vec<u64>) -> Vec<u64> {
    mins.clear();
    mins.resize(banding.hashes(), u64::MAX);
    let mut occurrence = 0u64;
    for (k, &token) in bag.iter().enumerate() {
        occurrence = if k > 0 && bag[k - 1] == token { occurrence + 1 } else { 0 };
        let element = mix(token ^ occurrence.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // Hash function i is x ↦ a_i·x + b_i (mod 2^64) with odd a_i: a bijection, applied to an already
        // well-mixed element, which is cheap enough to run 126 times per element.
        for (m, &(a, b)) in mins.iter_mut().zip(SEEDS.iter()) {
            *m = (*m).min(element.wrapping_mul(a).wrapping_add(b));
        }
    }
    mins.chunks(banding.rows)
        .enumerate()
        .map(|(band, rows)| rows.iter().fold(mix(band as u64 + 1), |acc, &v| mix(acc ^ v)))
        .collect()
}

/// The SplitMix64 finaliser: a cheap, well-mixed bijection on u64.
pub(super) fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Fixed (multiplier, addend) pairs, one per hash function, so signatures are the same on every run.
static SEEDS: [(u64, u64); MAX_HASHES] = {
    let mut seeds = [(0u64, 0u64); MAX_HASHES];
    let mut state = 0x5EED_0F2A_u64;
    let mut i = 0;
    while i < MAX_HASHES {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        seeds[i] = (z | 1, z.rotate_left(32));
        i += 1;
    }
    seeds
};

/// Where [`link_candidates`] gets the bags of the items it compares: all at hand, or read a bucket
/// at a time so that a million bags are never held at once.
pub(super) trait Bags {
    type Error;
    /// Makes the bags of these items available to [`Bags::bag`], until the next call.
    fn hold(&mut self, items: &[u32]) -> Result<(), Self::Error>;
    /// The bag of an item given to the last [`Bags::hold`]; empty if it has none.
    fn bag(&self, item: u32) -> &[u64];
}

/// Every bag in memory.
pub(super) struct AtHand<'a>(pub Vec<&'a [u64]>);

impl Bags for AtHand<'_> {
    type Error = std::convert::Infallible;
    fn hold(&mut self, _: &[u32]) -> Result<(), Self::Error> {
        Ok(())
    }
    fn bag(&self, item: u32) -> &[u64] {
        self.0[item as usize]
    }
}

/// The band key as grouping keeps it in memory: its low 32 bits. Unrelated items that share them
/// only meet in a bucket, are compared and found unlike (about a hundred pairs a band in a million).
pub(super) fn short_key(key: u64) -> u32 {
    key as u32
}

/// Links every candidate pair (same key in some band) whose bags are at least `threshold` similar.
///
/// `keys(i)` gives item i's short band keys (of `count` items), or nothing for an item without
/// tokens. Per band the items are sorted by key; each bucket is compared against at most
/// [`MAX_REPRESENTATIVES`] representatives. A bucket whose items are all linked already is skipped, and of the others only
/// the bags of the first item and of those not yet linked to it are asked for: an item linked to
/// the first joins it, the first representative, without a comparison.
pub(super) fn link_candidates<'k, B: Bags>(
    count: usize,
    keys: impl Fn(u32) -> &'k [u32],
    bands: usize,
    threshold: f64,
    sets: &mut UnionFind,
    bags: &mut B,
) -> Result<(), B::Error> {
    let mut column: Vec<(u32, u32)> = Vec::with_capacity(count);
    let mut representatives: Vec<u32> = Vec::with_capacity(MAX_REPRESENTATIVES);
    let mut wanted: Vec<u32> = Vec::new();
    // Pairs found not similar enough: crowded buckets bring the same pair together in band after band.
    let mut unlike = Unlike::for_items(count);
    for band in 0..bands {
        column.clear();
        column.extend((0..count as u32).filter_map(|i| Some((*keys(i).get(band)?, i))));
        column.sort_unstable();
        for bucket in column.chunk_by(|a, b| a.0 == b.0).filter(|b| b.len() > 1) {
            let first = bucket[0].1;
            let root = sets.find(first);
            wanted.clear();
            wanted.push(first);
            wanted.extend(bucket[1..].iter().map(|&(_, item)| item).filter(|&item| sets.find(item) != root));
            if wanted.len() == 1 {
                continue;
            }
            bags.hold(&wanted)?;
            representatives.clear();
            for &(_, item) in bucket {
                let joined = representatives.iter().any(|&rep| {
                    sets.same(item, rep) || {
                        let pair = (u64::from(item.min(rep)) << 32) | u64::from(item.max(rep));
                        if unlike.holds(pair) {
                            return false;
                        }
                        let similar = at_least(bags.bag(item), bags.bag(rep), threshold);
                        if similar {
                            sets.union(item, rep);
                        } else {
                            unlike.keep(pair);
                        }
                        similar
                    }
                });
                if !joined && representatives.len() < MAX_REPRESENTATIVES {
                    representatives.push(item);
                }
            }
        }
    }
    Ok(())
}

/// Pairs lately found not similar enough, in a fixed table where a pair takes the slot its hash
/// names, pushing out the one there: a lossy memory (at most 8 MiB) of comparisons whose answer
/// never changes, so forgetting one only means comparing that pair again. A set of every such pair
/// grew to 4.7 million at 200,000 near-copies (~100 MiB) and would grow past 20 million at a million.
struct Unlike {
    slots: Vec<u64>,
    bits: u32,
}

impl Unlike {
    /// A table of four slots per item, between 2^10 and 2^20.
    fn for_items(items: usize) -> Unlike {
        let bits = (items.max(1) * 4).next_power_of_two().trailing_zeros().clamp(10, 20);
        Unlike { slots: vec![0; 1 << bits], bits }
    }

    /// The slot of a pair (a pair of two different items is never 0, the empty slot).
    fn slot(&self, pair: u64) -> usize {
        (mix(pair) >> (64 - self.bits)) as usize
    }

    fn holds(&self, pair: u64) -> bool {
        self.slots[self.slot(pair)] == pair
    }

    fn keep(&mut self, pair: u64) {
        let slot = self.slot(pair);
        self.slots[slot] = pair;
    }
}

/// Disjoint sets with path halving and union by size.
pub(super) struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> UnionFind {
        UnionFind { parent: (0..n as u32).collect(), size: vec![1; n] }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    pub fn same(&mut self, a: u32, b: u32) -> bool {
        self.find(a) == self.find(b)
    }

    pub fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_counts_repeats() {
        assert_eq!(jaccard(&[1, 1, 2], &[1, 2, 2]), 2.0 / 4.0);
        assert_eq!(jaccard(&[1, 2, 3], &[1, 2, 3]), 1.0);
        assert_eq!(jaccard(&[], &[]), 0.0);
        assert_eq!(jaccard(&[1], &[2]), 0.0);
    }

    #[test]
    fn at_least_agrees_with_jaccard() {
        let a: Vec<u64> = (0..10).collect();
        let b: Vec<u64> = (0..8).collect();
        assert!(at_least(&a, &b, 0.8));
        assert!(!at_least(&a, &b, 0.81));
        assert!(!at_least(&a, &[0, 1, 2, 3, 4, 5, 6, 100], 0.8));
    }

    proptest::proptest! {
        #[test]
        fn at_least_stopping_early_answers_as_jaccard_does(
            a in proptest::collection::vec(0u64..40, 0..60),
            b in proptest::collection::vec(0u64..40, 0..60),
            threshold in 0.5f64..=1.0,
        ) {
            let (mut a, mut b) = (a, b);
            a.sort_unstable();
            b.sort_unstable();
            proptest::prop_assert_eq!(at_least(&a, &b, threshold), jaccard(&a, &b) >= threshold);
            let t = jaccard(&a, &b).max(0.5);
            proptest::prop_assert_eq!(at_least(&a, &b, t), jaccard(&a, &b) >= t, "exactly at the similarity");
        }
    }

    #[test]
    fn banding_for_the_default_threshold_is_eighteen_bands_of_seven() {
        assert_eq!(Banding::for_threshold(0.8), Banding { rows: 7, bands: 18 });
        let lower = Banding::for_threshold(0.5);
        assert!(lower.rows < 7 && lower.candidate_probability(0.5) >= 0.985);
    }

    #[test]
    fn identical_bags_share_every_band_key_and_different_bags_share_none() {
        let banding = Banding::for_threshold(0.8);
        let mut mins = Vec::new();
        let a = band_keys(&[1, 2, 3, 4, 5], banding, &mut mins);
        let b = band_keys(&[1, 2, 3, 4, 5], banding, &mut mins);
        let c = band_keys(&[6, 7, 8, 9, 10], banding, &mut mins);
        assert_eq!(a, b);
        assert!(a.iter().zip(&c).all(|(x, y)| x != y));
    }

    #[test]
    fn minhash_collision_rate_estimates_jaccard() {
        // Bags of 100 with 80 in common: Jaccard 80/120 ≈ 0.67; single-row bands are single minhashes.
        let banding = Banding { rows: 1, bands: 128 };
        let a: Vec<u64> = (0..100).collect();
        let b: Vec<u64> = (20..120).collect();
        let mut mins = Vec::new();
        let (ka, kb) = (band_keys(&a, banding, &mut mins), band_keys(&b, banding, &mut mins));
        let agree = ka.iter().zip(&kb).filter(|(x, y)| x == y).count() as f64 / 128.0;
        assert!((agree - jaccard(&a, &b)).abs() < 0.15, "{agree}");
    }

    #[test]
    fn union_find_joins_transitively() {
        let mut sets = UnionFind::new(4);
        sets.union(0, 1);
        sets.union(2, 1);
        assert!(sets.same(0, 2));
        assert!(!sets.same(0, 3));
    }
}
