//! Masking of personal names before they appear on a public page or in a public export (《个人信息保护法》第二十五条).

/// How a person's name is masked. Organisations are never masked; that choice is made by the caller.
///
/// Chinese names (no Latin letters, no separators) are masked character by character:
///
/// | name | `KeepEnds` | `FirstOnly` |
/// |---|---|---|
/// | 张 | `*` | `*` |
/// | 张三 | `张*` | `张*` |
/// | 张三丰 | `张*丰` | `张**` |
/// | 欧阳小明 | `欧**明` | `欧***` |
///
/// A one-character name becomes `*`: keeping it (or writing 某) would publish the whole name.
///
/// Names made of several words — Latin names (`John Smith`) and transliterations with a
/// middle dot (`阿卜杜·热合曼`) — keep the first character of each word and the separators,
/// in both masking styles: `J*** S****`, `阿**·热**`. Keeping the last letter of a Latin word
/// would give away too much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaskStyle {
    /// First and last character kept (张*丰); the form the design shows for public pages.
    KeepEnds,
    /// Only the first character kept (朱**).
    FirstOnly,
    /// No masking (staff exports).
    None,
}

const MASK: char = '*';

/// Masks a person's name. Works on characters, not bytes; surrounding whitespace is
/// trimmed; an empty (or blank) name stays empty.
pub fn mask_name(name: &str, style: MaskStyle) -> String {
    let name = name.trim();
    if style == MaskStyle::None || name.is_empty() {
        return name.to_owned();
    }
    if is_multi_word(name) {
        return mask_words(name);
    }
    let chars: Vec<char> = name.chars().collect();
    let n = chars.len();
    let mut out = String::with_capacity(name.len());
    match (style, n) {
        (_, 1) => out.push(MASK),
        (MaskStyle::KeepEnds, _) if n >= 3 => {
            out.push(chars[0]);
            out.extend(std::iter::repeat_n(MASK, n - 2));
            out.push(chars[n - 1]);
        }
        _ => {
            out.push(chars[0]);
            out.extend(std::iter::repeat_n(MASK, n - 1));
        }
    }
    out
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '·' | '•' | '・' | '.' | '-' | '\'')
}

fn is_multi_word(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_alphabetic() || is_separator(c))
}

/// Keeps the first character of every word and every separator.
fn mask_words(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut at_word_start = true;
    for c in name.chars() {
        if is_separator(c) {
            out.push(c);
            at_word_start = true;
        } else if at_word_start {
            out.push(c);
            at_word_start = false;
        } else {
            out.push(MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use MaskStyle::*;

    #[test]
    fn three_character_names_keep_both_ends() {
        assert_eq!(mask_name("张三丰", KeepEnds), "张*丰");
        assert_eq!(mask_name("张小祥", KeepEnds), "张*祥");
    }

    #[test]
    fn two_character_names_keep_the_surname_only() {
        assert_eq!(mask_name("张三", KeepEnds), "张*");
        assert_eq!(mask_name("朱明", FirstOnly), "朱*");
    }

    #[test]
    fn first_only_hides_everything_after_the_surname() {
        assert_eq!(mask_name("朱小明", FirstOnly), "朱**");
        assert_eq!(mask_name("欧阳小明", FirstOnly), "欧***");
    }

    #[test]
    fn four_character_names_hide_the_middle() {
        assert_eq!(mask_name("欧阳小明", KeepEnds), "欧**明");
    }

    #[test]
    fn a_single_character_name_is_fully_hidden() {
        assert_eq!(mask_name("某", KeepEnds), "*");
        assert_eq!(mask_name("某", FirstOnly), "*");
    }

    #[test]
    fn empty_and_blank_names_stay_empty() {
        assert_eq!(mask_name("", KeepEnds), "");
        assert_eq!(mask_name("  \u{3000} ", FirstOnly), "");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed_before_masking() {
        assert_eq!(mask_name("  张三丰\n", KeepEnds), "张*丰");
        assert_eq!(mask_name("\u{3000}朱小明 ", FirstOnly), "朱**");
    }

    #[test]
    fn latin_names_keep_the_initial_of_each_word() {
        assert_eq!(mask_name("John Smith", KeepEnds), "J*** S****");
        assert_eq!(mask_name("John Smith", FirstOnly), "J*** S****");
        assert_eq!(mask_name("Li", KeepEnds), "L*");
    }

    #[test]
    fn dotted_transliterated_names_are_masked_per_part() {
        assert_eq!(mask_name("阿卜杜·热合曼", KeepEnds), "阿**·热**");
    }

    #[test]
    fn style_none_only_trims() {
        assert_eq!(mask_name(" 张三丰 ", None), "张三丰");
    }
}
