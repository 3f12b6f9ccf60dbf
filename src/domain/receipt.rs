//! The receipt code (回执编号) a citizen is given, to look up later what became of an opinion.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use unicode_normalization::UnicodeNormalization;

/// Digits 2–9 and uppercase letters without I, L and O: 31 symbols, none easily mistaken for another.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Number of symbols in a code: 31^10 ≈ 2^49.5 possible codes.
pub const LENGTH: usize = 10;

/// Longer input is refused before any work is done on it.
const MAX_INPUT_CHARS: usize = 64;

/// Why typed text is not a receipt code; the message is shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptCodeError {
    #[error("请填写回执编号")]
    Empty,
    #[error("回执编号应为10位字母或数字")]
    Malformed,
    /// The text holds 0, 1, I, L or O, which no code contains; the person probably misread one.
    #[error("回执编号中不含 0、1、I、L、O，请核对后重新输入")]
    LookAlike,
}

/// A receipt code, stored as its 10 symbols without separator (`ABCDEFGHJK`), shown as `ABCDE-FGHJK`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    /// A new random code. Pass a cryptographically secure generator (`rand::rng()`): the code is
    /// what lets a citizen see their opinion, so it must not be guessable.
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> ReceiptCode {
        let code = (0..LENGTH).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
        ReceiptCode(code)
    }

    /// Parses what a person typed: any case, full-width characters, spaces, dashes and dots between groups.
    ///
    /// The look-alikes 0, 1, I, L and O are never generated, so they are not guessed at either: mapping
    /// them onto some other symbol would turn a typing mistake into someone else's valid code.
    pub fn parse(input: &str) -> Result<ReceiptCode, ReceiptCodeError> {
        if input.chars().count() > MAX_INPUT_CHARS {
            return Err(ReceiptCodeError::Malformed);
        }
        let symbols: String = input.nfkc().filter(|c| !is_separator(*c)).flat_map(char::to_uppercase).collect();
        if symbols.is_empty() {
            return Err(ReceiptCodeError::Empty);
        }
        if symbols.chars().any(|c| matches!(c, '0' | '1' | 'I' | 'L' | 'O')) {
            return Err(ReceiptCodeError::LookAlike);
        }
        let valid = symbols.len() == LENGTH && symbols.bytes().all(|b| ALPHABET.contains(&b));
        if !valid {
            return Err(ReceiptCodeError::Malformed);
        }
        Ok(ReceiptCode(symbols))
    }

    /// The stored form, without separator.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '_' | '.' | '·' | '\u{2010}'..='\u{2015}' | '\u{30FC}')
}

impl fmt::Display for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.0.split_at(LENGTH / 2);
        write!(f, "{a}-{b}")
    }
}

impl FromStr for ReceiptCode {
    type Err = ReceiptCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReceiptCode::parse(s)
    }
}

impl TryFrom<&str> for ReceiptCode {
    type Error = ReceiptCodeError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        ReceiptCode::parse(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn generated_codes_have_ten_symbols_from_the_alphabet() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let code = ReceiptCode::generate(&mut rng);
            assert_eq!(code.as_str().len(), LENGTH);
            assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)), "{code}");
        }
    }

    #[test]
    fn generated_codes_use_every_symbol_and_rarely_repeat() {
        let mut rng = StdRng::seed_from_u64(8);
        let codes: Vec<_> = (0..2000).map(|_| ReceiptCode::generate(&mut rng)).collect();
        let used: std::collections::HashSet<u8> = codes.iter().flat_map(|c| c.as_str().bytes()).collect();
        assert_eq!(used.len(), ALPHABET.len());
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
    }

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        assert!(!ALPHABET.iter().any(|b| b"01IiLlOo".contains(b)));
        assert_eq!(ALPHABET.len(), 31);
    }

    #[test]
    fn codes_are_displayed_in_two_groups_of_five() {
        let code = ReceiptCode::parse("ABCDEFGHJK").unwrap();
        assert_eq!(code.to_string(), "ABCDE-FGHJK");
    }

    #[test]
    fn typed_codes_are_accepted_in_any_case_with_separators_and_full_width() {
        for input in
            ["ABCDE-FGHJK", "abcde fghjk", " AbCdEfGhJk ", "ＡＢＣＤＥ－ＦＧＨＪＫ", "ABCDE—FGHJK", "ABC.DEF.GHJK"]
        {
            assert_eq!(ReceiptCode::parse(input).unwrap().as_str(), "ABCDEFGHJK", "{input}");
        }
    }

    #[test]
    fn displayed_codes_parse_back() {
        let mut rng = StdRng::seed_from_u64(9);
        let code = ReceiptCode::generate(&mut rng);
        assert_eq!(code.to_string().parse::<ReceiptCode>(), Ok(code));
    }

    #[test]
    fn look_alike_characters_are_refused_rather_than_guessed() {
        for input in ["ABCDE-FGH0K", "ABCDE-FGHOK", "abcde-fghok", "ABCDE-FGH1K", "abcde-fghik", "abcde-fghlk"] {
            assert_eq!(ReceiptCode::parse(input), Err(ReceiptCodeError::LookAlike), "{input}");
        }
    }

    #[test]
    fn wrong_length_or_other_characters_are_refused() {
        assert_eq!(ReceiptCode::parse(""), Err(ReceiptCodeError::Empty));
        assert_eq!(ReceiptCode::parse(" - "), Err(ReceiptCodeError::Empty));
        for input in ["ABCDE-FGHJ", "ABCDE-FGHJKM", "ABCDE-FGHJ#", "回执编号ABCDEF", &"A".repeat(100)] {
            assert_eq!(ReceiptCode::parse(input), Err(ReceiptCodeError::Malformed), "{input}");
        }
        assert_eq!(ReceiptCodeError::Malformed.to_string(), "回执编号应为10位字母或数字");
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_accepted_codes_round_trip(s in any::<String>()) {
            if let Ok(code) = ReceiptCode::parse(&s) {
                prop_assert_eq!(ReceiptCode::parse(&code.to_string()), Ok(code));
            }
        }
    }
}
