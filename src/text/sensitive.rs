//! Flags opinions containing words from a sensitive-word list, for a person to review before publishing.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::text::normalise::normalise_for_compare;

/// The list could not be turned into a matcher (only for lists far beyond any real one).
#[derive(Debug, thiserror::Error)]
#[error("敏感词表无法加载：{0}")]
pub struct SensitiveWordsError(#[from] aho_corasick::BuildError);

/// A compiled word list. Matching ignores case, full-width/half-width differences, and whitespace or
/// punctuation put between the characters (`法 轮-功` matches `法轮功`).
///
/// The price of ignoring separators is that a word may also match across a boundary between two
/// innocent words; flags are for review, never for automatic rejection.
#[derive(Debug, Clone)]
pub struct SensitiveWords {
    matcher: AhoCorasick,
    /// The word as written in the list, for each pattern.
    words: Vec<String>,
}

impl SensitiveWords {
    /// Builds from a list with one word per line; blank lines and lines starting with `#` are skipped,
    /// and so are words that are only punctuation (they would match everywhere).
    pub fn from_lines(list: &str) -> Result<SensitiveWords, SensitiveWordsError> {
        let mut words = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for line in list.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let pattern = normalise_for_compare(line);
            if pattern.is_empty() || !seen.insert(pattern.clone()) {
                continue;
            }
            patterns.push(pattern);
            words.push(line.to_string());
        }
        let matcher = AhoCorasickBuilder::new().match_kind(MatchKind::Standard).build(&patterns)?;
        Ok(SensitiveWords { matcher, words })
    }

    /// Number of distinct words in the list.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when the list has no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The distinct listed words found in `text`, in the order they first occur (overlapping ones too).
    pub fn find(&self, text: &str) -> Vec<String> {
        let haystack = normalise_for_compare(text);
        let mut seen = vec![false; self.words.len()];
        let mut found = Vec::new();
        for m in self.matcher.find_overlapping_iter(&haystack) {
            let i = m.pattern().as_usize();
            if seen.get(i) == Some(&false) {
                seen[i] = true;
                found.push(self.words[i].clone());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list() -> SensitiveWords {
        SensitiveWords::from_lines("# 测试用词表\n\n法轮功\n  赌博  \nVPN翻墙\n# 注释行 不是词\n赌博\n。。\n博彩\n")
            .unwrap()
    }

    #[test]
    fn comments_blank_lines_duplicates_and_punctuation_only_lines_are_skipped() {
        assert_eq!(list().len(), 4);
        assert!(list().find("注释行").is_empty());
    }

    #[test]
    fn a_listed_word_is_found() {
        assert_eq!(list().find("有人在宣传法轮功。"), vec!["法轮功"]);
    }

    #[test]
    fn spaces_and_punctuation_between_characters_do_not_hide_a_word() {
        assert_eq!(list().find("法 轮-功"), vec!["法轮功"]);
        assert_eq!(list().find("法\u{200B}轮·功"), vec!["法轮功"]);
        assert_eq!(list().find("法，轮。功"), vec!["法轮功"]);
    }

    #[test]
    fn case_and_full_width_do_not_hide_a_word() {
        assert_eq!(list().find("教人ｖｐｎ 翻墙"), vec!["VPN翻墙"]);
        assert_eq!(list().find("vpn翻墙"), vec!["VPN翻墙"]);
    }

    #[test]
    fn each_word_is_reported_once_in_order_of_first_occurrence_including_overlaps() {
        assert_eq!(list().find("赌博博彩，又是赌博"), vec!["赌博", "博彩"]);
    }

    #[test]
    fn ordinary_text_has_no_flags() {
        assert!(list().find("建议增加责任单位，明确牵头部门。").is_empty());
        assert!(SensitiveWords::from_lines("").unwrap().find("任何内容").is_empty());
    }

    proptest! {
        #[test]
        fn matching_never_panics(words in any::<String>(), text in any::<String>()) {
            if let Ok(list) = SensitiveWords::from_lines(&words) {
                let found = list.find(&text);
                prop_assert!(found.len() <= list.len());
            }
        }

        #[test]
        fn a_listed_word_split_by_punctuation_is_always_found(word in "[一-龥]{2,6}", sep in "[ ，。·、-]{1,3}") {
            let list = SensitiveWords::from_lines(&word).unwrap();
            let chars: Vec<char> = word.chars().collect();
            let split = format!("前{}{sep}{}后", chars[0], chars[1..].iter().collect::<String>());
            prop_assert_eq!(list.find(&split), vec![word]);
        }
    }
}
