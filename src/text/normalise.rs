//! Text normalisation for comparing what people wrote: full-width to half-width, case, spacing and punctuation.

use unicode_normalization::UnicodeNormalization;

/// True for characters that carry no wording: whitespace, control and format characters, and punctuation
/// (ASCII, Latin-1, General Punctuation, CJK symbols and punctuation, vertical/small/full-width forms).
///
/// Ranges rather than Unicode general categories keep the dependency list short; the ranges cover what
/// Chinese and Latin keyboards and IMEs produce, including zero-width characters used to split words.
pub fn is_ignorable(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || c.is_ascii_punctuation()
        || matches!(
            c,
            '\u{00A1}'
                | '\u{00A7}'
                | '\u{00AB}'
                | '\u{00AD}'
                | '\u{00B6}'
                | '\u{00B7}'
                | '\u{00BB}'
                | '\u{00BF}'
                | '\u{2000}'..='\u{206F}' // General Punctuation: dashes, quotes, …, zero-width space/joiners
                | '\u{2E00}'..='\u{2E7F}' // Supplemental Punctuation
                | '\u{3000}'..='\u{3003}' // ideographic space, 、。〃
                | '\u{3008}'..='\u{3011}' // 〈〉《》「」『』【】
                | '\u{3014}'..='\u{301F}' // 〔〕〖〗〘〙〚〛〜〝〞〟
                | '\u{3030}'
                | '\u{303D}'
                | '\u{30FB}' // katakana middle dot, common in names
                | '\u{FE10}'..='\u{FE1F}' // vertical forms
                | '\u{FE30}'..='\u{FE6F}' // CJK compatibility and small forms
                | '\u{FEFF}' // byte-order mark / zero-width no-break space
                | '\u{FF01}'..='\u{FF0F}' // full-width ASCII punctuation (NFKC usually maps these first)
                | '\u{FF1A}'..='\u{FF20}'
                | '\u{FF3B}'..='\u{FF40}'
                | '\u{FF5B}'..='\u{FF65}'
        )
}

/// True for the bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069):
/// invisible, yet they reorder how the text around them is shown, so a drafter could read something
/// other than what was stored.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// True for characters that show nothing on their own: whitespace (the ideographic space too),
/// control characters, zero-width spaces and joiners, direction marks and controls, the byte-order
/// mark, the soft hyphen and the Hangul fillers. A text made only of these says nothing.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Text as it is stored: line breaks as LF, without control characters other than newline and tab,
/// without bidirectional controls, and without invisible characters at either end. Text made only
/// of invisible characters becomes empty, so that "empty" means the same to every check.
pub fn clean_stored_text(raw: &str) -> String {
    let text: String = raw
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| (!c.is_control() || c == '\n' || c == '\t') && !is_bidi_control(c))
        .collect();
    text.trim_matches(is_invisible).to_owned()
}

/// Lowercase of one character. CJK text is mostly ideographs, which have no case: they skip the
/// case-mapping tables (a measurable share of grouping time for 100,000 opinions).
pub fn lowercase(c: char, mut emit: impl FnMut(char)) {
    if c.is_ascii() {
        emit(c.to_ascii_lowercase());
    } else if ('\u{3000}'..'\u{A640}').contains(&c) {
        // CJK punctuation, kana, Hangul compatibility jamo and ideographs: no case in this range.
        emit(c);
    } else {
        c.to_lowercase().for_each(emit);
    }
}

/// Maps one character to its comparison form: NFKC, lowercase, nothing if it is ignorable.
///
/// Per-character NFKC differs from whole-string NFKC only for combining sequences, which do not occur
/// in Chinese text; doing it per character lets callers keep a map back to the original positions.
pub fn fold_char(c: char, mut emit: impl FnMut(char)) {
    for k in std::iter::once(c).nfkc() {
        lowercase(k, |l| {
            if !is_ignorable(l) {
                emit(l);
            }
        });
    }
}

/// The form two texts are compared in: NFKC (full-width → half-width), lowercase, without whitespace or
/// punctuation. "建议：增加 ＡＢＣ。" and "建议增加abc" compare equal.
pub fn normalise_for_compare(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkc() {
        lowercase(c, |l| {
            if !is_ignorable(l) {
                out.push(l);
            }
        });
    }
    out
}

/// A stable 64-bit FNV-1a hash of [`normalise_for_compare`], as 16 lowercase hex digits.
///
/// Stable across runs, machines and versions, so it may be stored to find exact copies later.
/// It is not a cryptographic hash: do not use it where someone may craft collisions to gain something.
pub fn fingerprint(s: &str) -> String {
    format!("{:016x}", fnv1a64(normalise_for_compare(s).as_bytes()))
}

/// FNV-1a, 64 bit.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn full_width_letters_and_digits_become_half_width_lowercase() {
        assert_eq!(normalise_for_compare("ＡＢＣ１２３"), "abc123");
    }

    #[test]
    fn chinese_and_ascii_punctuation_and_spaces_are_dropped() {
        let s = "建议：“增加”（责任单位）《条例》【一】——好…… 是, 否; a-b. 对！？、·\u{3000}\t\n";
        assert_eq!(normalise_for_compare(s), "建议增加责任单位条例一好是否ab对");
    }

    #[test]
    fn zero_width_characters_are_dropped() {
        assert_eq!(normalise_for_compare("法\u{200B}轮\u{FEFF}功"), "法轮功");
    }

    #[test]
    fn copies_differing_only_in_punctuation_share_a_fingerprint() {
        assert_eq!(fingerprint("建议增加责任单位。"), fingerprint(" 建议，增加 责任单位！"));
    }

    #[test]
    fn different_wording_gives_a_different_fingerprint() {
        assert_ne!(fingerprint("建议增加责任单位"), fingerprint("建议删除责任单位"));
    }

    #[test]
    fn fingerprint_is_stable_hex() {
        // FNV-1a 64 of the empty string is the offset basis; pinning it catches an accidental change.
        assert_eq!(fingerprint("。。"), "cbf29ce484222325");
        assert_eq!(fingerprint("a"), "af63dc4c8601ec8c");
    }

    #[test]
    fn fold_char_matches_whole_string_normalisation_for_chinese_text() {
        let s = "第一条 （一）ＡＢ，建议。";
        let mut folded = String::new();
        s.chars().for_each(|c| fold_char(c, |k| folded.push(k)));
        assert_eq!(folded, normalise_for_compare(s));
    }

    #[test]
    fn the_lowercase_fast_path_agrees_with_the_standard_library() {
        for c in ('\0'..='\u{FFFF}').chain('\u{10000}'..='\u{10FFF}') {
            let mut ours = String::new();
            lowercase(c, |l| ours.push(l));
            assert_eq!(ours, c.to_lowercase().to_string(), "{c:?}");
        }
    }

    #[test]
    fn text_of_zero_width_and_ideographic_spaces_and_controls_is_empty() {
        assert_eq!(clean_stored_text("\u{200B}"), "");
        assert_eq!(clean_stored_text("\u{200B}\u{3000}\u{200C}\u{200D}\u{FEFF}\u{0007}\r\n\t\u{2060}\u{00A0}"), "");
        assert_eq!(clean_stored_text("\u{202E}\u{2066}\u{2069}"), "");
    }

    #[test]
    fn bidirectional_controls_are_removed_and_the_rest_is_kept_in_order() {
        assert_eq!(clean_stored_text("张\u{202E}三\u{202C}丰"), "张三丰");
        assert_eq!(clean_stored_text("a\u{2066}b\u{2067}c\u{2068}d\u{2069}e\u{202A}f\u{202B}g\u{202D}h"), "abcdefgh");
    }

    #[test]
    fn stored_text_keeps_inner_line_breaks_and_zero_width_joiners_inside_words() {
        assert_eq!(clean_stored_text("\u{3000}第一行\r\n第二行\u{0}\u{7} \u{200B}"), "第一行\n第二行");
        assert_eq!(clean_stored_text("👨\u{200D}👩"), "👨\u{200D}👩");
    }

    proptest! {
        #[test]
        fn normalisation_never_panics_and_leaves_no_spaces_or_punctuation(s in any::<String>()) {
            let once = normalise_for_compare(&s);
            prop_assert_eq!(fingerprint(&s).len(), 16);
            prop_assert!(!once.chars().any(is_ignorable), "{:?}", once);
        }

        #[test]
        fn stored_text_has_no_bidi_controls_and_no_invisible_ends(s in any::<String>()) {
            let cleaned = clean_stored_text(&s);
            prop_assert!(!cleaned.chars().any(is_bidi_control), "{:?}", cleaned);
            prop_assert!(!cleaned.starts_with(is_invisible) && !cleaned.ends_with(is_invisible), "{:?}", cleaned);
            prop_assert_eq!(clean_stored_text(&cleaned), cleaned.clone());
        }
    }
}
