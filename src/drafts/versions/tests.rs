//! The matcher on a real pair: 《保障中小企业款项支付条例》 2020 (29 articles) and 2025 (37 articles).
//! The expected pairs are the article map in `seeds/raw/versions/SOURCES.md`, written by reading both texts.

use std::collections::BTreeSet;

use super::*;
use crate::drafts::{DraftSection, HeadingKind, import};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/raw/versions");

fn sections(name: &str) -> Vec<DraftSection> {
    let bytes = std::fs::read(format!("{DIR}/{name}")).expect("seed file");
    import(&bytes, name).expect("imports").sections
}

fn texts(sections: &[DraftSection]) -> Vec<SectionText<'_>> {
    sections
        .iter()
        .map(|s| SectionText {
            number: &s.number,
            structural: matches!(
                s.kind,
                HeadingKind::Chapter | HeadingKind::Part | HeadingKind::Book | HeadingKind::SubBook
            ),
            text: &s.text,
        })
        .collect()
}

/// Article number (1-based) of each section, `None` for chapters and the preamble.
fn article_numbers(sections: &[DraftSection]) -> Vec<Option<u32>> {
    let mut n = 0;
    sections
        .iter()
        .map(|s| {
            (s.kind == HeadingKind::Article).then(|| {
                n += 1;
                n
            })
        })
        .collect()
}

/// v1 article → v2 article, from SOURCES.md's full article map.
const EXPECTED: &[(u32, u32)] = &[
    (1, 1),
    (2, 2),
    (3, 3),
    (4, 5),
    (5, 6),
    (6, 7),
    (7, 8),
    (8, 9),
    (9, 10),
    (10, 11),
    (11, 12),
    (12, 13),
    (13, 14),
    (14, 16),
    (15, 17),
    (16, 18),
    (18, 20),
    (21, 23),
    (17, 24),
    (17, 25),
    (17, 26),
    (19, 26),
    (20, 27),
    (22, 28),
    (23, 29),
    (24, 30),
    (25, 31),
    (26, 32),
    (27, 33),
    (27, 34),
    (28, 36),
    (29, 37),
];
const NEW_IN_V2: &[u32] = &[4, 15, 19, 21, 22, 35];

struct Real {
    v1: Vec<DraftSection>,
    v2: Vec<DraftSection>,
}

impl Real {
    fn load() -> Real {
        Real { v1: sections("kuanxiang-v1.txt"), v2: sections("kuanxiang-v2.txt") }
    }

    fn matching(&self) -> Matching {
        match_sections(&Grouper::new(), &texts(&self.v1), &texts(&self.v2))
    }

    /// The found pairs between articles, as article numbers.
    fn article_pairs(&self, m: &Matching) -> BTreeSet<(u32, u32)> {
        let (a1, a2) = (article_numbers(&self.v1), article_numbers(&self.v2));
        m.pairs.iter().filter_map(|p| Some((a1[p.old]?, a2[p.new]?))).collect()
    }

    fn article_index(&self, v2: bool, n: u32) -> usize {
        let numbers = article_numbers(if v2 { &self.v2 } else { &self.v1 });
        numbers.iter().position(|&a| a == Some(n)).expect("article exists")
    }
}

#[test]
fn the_real_pair_imports_as_29_and_37_articles() {
    let real = Real::load();
    let count = |s: &[DraftSection]| s.iter().filter(|s| s.kind == HeadingKind::Article).count();
    assert_eq!(count(&real.v1), 29);
    assert_eq!(count(&real.v2), 37);
}

#[test]
fn article_pairs_of_the_real_revision_agree_with_the_map_read_by_hand() {
    let real = Real::load();
    let found = real.article_pairs(&real.matching());
    let expected: BTreeSet<(u32, u32)> = EXPECTED.iter().copied().collect();
    let right = found.intersection(&expected).count();
    let precision = right as f64 / found.len() as f64;
    let recall = right as f64 / expected.len() as f64;
    let wrong: Vec<_> = found.difference(&expected).collect();
    let missed: Vec<_> = expected.difference(&found).collect();
    eprintln!(
        "precision {precision:.3} recall {recall:.3} ({right} of {} found, {} expected)",
        found.len(),
        expected.len()
    );
    eprintln!("wrong {wrong:?} missed {missed:?}");
    assert!(precision >= 0.95, "precision {precision:.3}: wrong {wrong:?}");
    assert!(recall >= 0.9, "recall {recall:.3}: missed {missed:?}");
}

#[test]
fn articles_new_in_the_revision_are_classed_new() {
    let real = Real::load();
    let m = real.matching();
    for &n in NEW_IN_V2 {
        let j = real.article_index(true, n);
        assert_eq!(m.new_changes[j], Change::New, "v2 article {n}");
    }
}

#[test]
fn unchanged_articles_are_kept_and_reworded_ones_changed() {
    let real = Real::load();
    let m = real.matching();
    // "same" rows of the map: v1 1, 2, 3, 7→8, 15→17, 20→27, 28→36.
    for (o, n) in [(1, 1), (2, 2), (3, 3), (7, 8), (15, 17), (20, 27), (28, 36)] {
        let j = real.article_index(true, n);
        assert_eq!(m.new_changes[j], Change::Kept, "v1 {o} → v2 {n}");
    }
    // reworded in place: 6→7 (违约拖欠 → 拖欠), 13→14 (批复 → 备案), 29→37 (date).
    for (o, n) in [(6, 7), (13, 14), (29, 37)] {
        let j = real.article_index(true, n);
        assert_eq!(m.new_changes[j], Change::Changed, "v1 {o} → v2 {n}");
    }
}

#[test]
fn articles_put_ahead_of_the_complaint_articles_are_moved() {
    // SOURCES.md: v1 第十八条 → v2 第二十条 and v1 第二十一条 → v2 第二十三条 now stand before
    // the successors of v1 第十七条.
    let real = Real::load();
    let m = real.matching();
    for n in [20, 23] {
        assert_eq!(m.new_changes[real.article_index(true, n)], Change::Moved, "v2 article {n}");
    }
}

#[test]
fn no_article_of_2020_is_deleted() {
    let real = Real::load();
    let m = real.matching();
    let a1 = article_numbers(&real.v1);
    let deleted: Vec<u32> =
        m.old_changes.iter().enumerate().filter(|(_, c)| **c == Change::Deleted).filter_map(|(i, _)| a1[i]).collect();
    assert!(deleted.is_empty(), "deleted: {deleted:?}");
}

#[test]
fn a_version_matched_with_itself_is_all_kept() {
    let real = Real::load();
    let t = texts(&real.v2);
    let m = match_sections(&Grouper::new(), &t, &t);
    assert!(m.new_changes.iter().all(|c| *c == Change::Kept));
    assert_eq!(m.pairs.len(), t.len());
}

#[test]
fn the_section_diff_shows_the_changed_date() {
    let real = Real::load();
    let (o, n) = (real.article_index(false, 29), real.article_index(true, 37));
    let (t1, t2) = (texts(&real.v1), texts(&real.v2));
    let diff = section_diff(&t1[o], &t2[n]);
    // 本条例自2020年9月1日起施行。 → 本条例自2025年6月1日起施行。
    assert_eq!(
        diff,
        [
            Piece::Same("本条例自202".into()),
            Piece::Removed("0年9".into()),
            Piece::Added("5年6".into()),
            Piece::Same("月1日起施行。".into()),
        ]
    );
}

#[test]
fn a_corrected_pair_is_classified_again() {
    let real = Real::load();
    let m = real.matching();
    // The drafter says v2 第四条 came from v1 第四条 (wrongly, but it is their call): v2 第五条
    // then keeps its own pair, and the new pair is in order.
    let mut pairs = m.pairs.clone();
    pairs.push(Pair {
        old: real.article_index(false, 4),
        new: real.article_index(true, 4),
        basis: Basis::Manual,
        similarity: 0.0,
    });
    let again = classify(&texts(&real.v1), &texts(&real.v2), pairs);
    assert_ne!(again.new_changes[real.article_index(true, 4)], Change::New);
}
