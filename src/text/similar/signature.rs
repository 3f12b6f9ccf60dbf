//! What grouping needs to know of one text, computed once and kept: the copy hash, the bag and the
//! band keys, with the byte encoding they are stored in.
//!
//! Stored format ([`SIGNATURE_VERSION`] 2): `copy_hash` is the first 8 bytes, little-endian, of the
//! SHA-256 of [`normalise_for_compare`]'s text, kept as a signed 64-bit integer (same bits); `bag` and
//! `band_keys` are arrays of u64, each element 8 bytes little-endian, one after the other, no header.
//! The bag is sorted; the band keys are those of [`DEFAULT_THRESHOLD`](super::DEFAULT_THRESHOLD)'s banding (18 bands of 7 rows),
//! none when the bag is empty. `digest` ([`Signature::digest`], same bits as a signed integer) sums
//! up the bag and the band keys, so that a page can tell that nothing changed without reading them,
//! and that a bag it does read is the one stored with them.

use sha2::{Digest, Sha256};

use super::DEFAULT_THRESHOLD;
use super::lsh::Banding;
use crate::text::normalise::normalise_for_compare;

/// The version of what a [`Signature`] holds and how it is computed. A stored signature of any other
/// version is stale: it is computed again. Bump it whenever the tokens (jieba, its dictionary, the stop
/// words, the folding), the bag's hashing, the copy hash, the MinHash seeds or the default threshold's
/// banding change; `the_signature_of_a_fixed_text_is_pinned` fails when one of them does.
pub const SIGNATURE_VERSION: i16 = 2;

/// One text's part in grouping (see [`super::Grouper::signature`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Equal for texts that are identical after [`normalise_for_compare`].
    pub copy_hash: u64,
    /// Sorted hashes of the tokens and of each pair of adjacent tokens, repeats kept.
    pub bag: Vec<u64>,
    /// The MinHash band keys at [`DEFAULT_THRESHOLD`](super::DEFAULT_THRESHOLD); empty when the bag is.
    pub band_keys: Vec<u64>,
}

/// The copy hash of a text. Exact copies are grouped by it alone, without their texts, so it must not
/// be forgeable: SHA-256 makes writing a text that lands in another opinion's copy group a 2^64
/// second-preimage search, and the chance that any two of a million different texts collide by accident
/// is about 10^12 / 2^65 ≈ 3·10^-8. (FNV, as in `fingerprint`, can be steered by whoever writes the text.)
pub fn copy_hash(text: &str) -> u64 {
    let digest = Sha256::digest(normalise_for_compare(text).as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// A u64 array as stored: 8 bytes per element, little-endian.
pub fn encode(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The u64 array that [`encode`] stored; `None` when the length is not a multiple of 8.
pub fn decode(bytes: &[u8]) -> Option<Vec<u64>> {
    let chunks = bytes.chunks_exact(8);
    if !chunks.remainder().is_empty() {
        return None;
    }
    Some(chunks.map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())).collect())
}

impl Signature {
    /// The copy hash as a database BIGINT (the same 64 bits).
    pub fn stored_copy_hash(&self) -> i64 {
        self.copy_hash as i64
    }

    /// A 64-bit digest of the bag and the band keys (not the copy hash, which is stored as it is).
    /// For noticing change and damage, not for security: the texts behind them are the citizens' own,
    /// and a forged collision would only keep groups one change old.
    pub fn digest(&self) -> u64 {
        digest_of(&self.bag, &self.band_keys)
    }

    /// The digest as a database BIGINT (the same 64 bits).
    pub fn stored_digest(&self) -> i64 {
        self.digest() as i64
    }
}

/// Whether band keys read back are as a signature has them: one per band of the default banding, or
/// none (an empty bag).
pub fn keys_are_whole(keys: &[u64]) -> bool {
    keys.is_empty() || keys.len() == Banding::for_threshold(DEFAULT_THRESHOLD).bands
}

/// Whether a bag read back is the one stored with these band keys and digest: sorted, keyed when
/// not empty, and summed up by the digest.
pub fn bag_is_whole(bag: &[u64], keys: &[u64], digest: u64) -> bool {
    bag.windows(2).all(|w| w[0] <= w[1]) && bag.is_empty() == keys.is_empty() && digest_of(bag, keys) == digest
}

/// [`Signature::digest`] of a bag and its band keys.
pub fn digest_of(bag: &[u64], band_keys: &[u64]) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ bag.len() as u64;
    for &v in bag.iter().chain(band_keys) {
        h = (h.rotate_left(5) ^ v).wrapping_mul(0x517C_C1B7_2722_0A95);
    }
    super::lsh::mix(h ^ band_keys.len() as u64)
}
