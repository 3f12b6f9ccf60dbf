//! A citizen's contact (联系方式): a mainland mobile number, a landline with area code, or an e-mail address.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use validator::ValidateEmail;

/// Longer input is refused before any work is done on it.
const MAX_INPUT_CHARS: usize = 254;

/// Which of the accepted forms a contact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum ContactKind {
    /// Mainland mobile number, stored as 11 digits.
    Mobile,
    /// Landline with area code, stored as `0562-1234567` or `0562-1234567-123` with an extension.
    Landline,
    /// E-mail address, stored with a lowercase domain.
    Email,
}

crate::stored_as_text!(ContactKind { Mobile => "mobile", Landline => "landline", Email => "email" });

/// Why a contact was refused; the message is shown to the citizen beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("请填写联系方式")]
    Empty,
    #[error("联系方式过长")]
    TooLong,
    #[error("手机号码应为11位数字，以1开头")]
    Mobile,
    #[error("固定电话请填写区号，例如 0562-1234567")]
    AreaCodeMissing,
    #[error("固定电话格式不正确，例如 0562-1234567 或 0562-1234567-123")]
    Landline,
    #[error("电子邮箱地址格式不正确")]
    Email,
    #[error("联系方式应为手机号码、带区号的固定电话或电子邮箱")]
    Unrecognised,
}

/// A parsed contact in canonical form. `Debug` shows it masked, so it cannot leak into a log line whole.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Contact {
    kind: ContactKind,
    value: String,
}

impl Contact {
    /// Parses what a citizen typed: full-width characters, spaces, dashes and brackets are accepted.
    pub fn parse(input: &str) -> Result<Contact, ContactError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ContactError::Empty);
        }
        if trimmed.chars().count() > MAX_INPUT_CHARS {
            return Err(ContactError::TooLong);
        }
        let text: String = trimmed.nfkc().map(unify_punctuation).collect();
        let text = text.trim();
        if text.contains('@') { parse_email(text) } else { parse_phone(text) }
    }

    /// Which form this contact has.
    pub fn kind(&self) -> ContactKind {
        self.kind
    }

    /// The canonical form, for storage and for sending.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The address, when the contact is an e-mail address (receipts are mailed to it).
    pub fn email(&self) -> Option<&str> {
        (self.kind == ContactKind::Email).then_some(self.value.as_str())
    }

    /// Partly hidden form for staff lists: `138****5678`, `0562-****567`, `z***@example.com`.
    /// A landline extension is left out.
    pub fn masked(&self) -> String {
        match self.kind {
            ContactKind::Mobile => format!("{}****{}", &self.value[..3], &self.value[7..]),
            ContactKind::Landline => {
                let mut parts = self.value.split('-');
                let area = parts.next().unwrap_or_default();
                let number = parts.next().unwrap_or_default();
                let keep = number.len().saturating_sub(3);
                format!("{area}-{}{}", "*".repeat(keep), &number[keep..])
            }
            ContactKind::Email => {
                let (local, domain) = self.value.rsplit_once('@').unwrap_or_default();
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
        }
    }
}

impl TryFrom<&str> for Contact {
    type Error = ContactError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Contact::parse(value)
    }
}

impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contact").field("kind", &self.kind).field("value", &self.masked()).finish()
    }
}

/// IMEs offer several dashes and the ideographic full stop; after NFKC these are the ones left to unify.
fn unify_punctuation(c: char) -> char {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' => '-',
        '\u{3002}' | '\u{FF61}' => '.',
        _ => c,
    }
}

fn parse_email(text: &str) -> Result<Contact, ContactError> {
    let (local, domain) = text.rsplit_once('@').ok_or(ContactError::Email)?;
    let domain = domain.to_lowercase();
    let address = format!("{local}@{domain}");
    if !address.validate_email() || !is_mail_domain(&domain) {
        return Err(ContactError::Email);
    }
    Ok(Contact { kind: ContactKind::Email, value: address })
}

/// Whether `domain` is a host name mail can be sent to. It is parsed as a domain name
/// (UTS 46, so that 例子.中国 is read as xn--fsqu00a.xn--fiqs8s): letters, digits and
/// hyphens, labels of 1–63 characters that neither start nor end with a hyphen, 253 in
/// all, and a top-level domain of letters. validator alone accepts `a@b`, `a@localhost`
/// and `a@[127.0.0.1]`, which are valid in HTML forms but no citizen's address.
fn is_mail_domain(domain: &str) -> bool {
    let Ok(ascii) = idna::domain_to_ascii_strict(domain) else { return false };
    let labels: Vec<&str> = ascii.split('.').collect();
    let Some((tld, names)) = labels.split_last() else { return false };
    let tld_ok =
        (tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())) || (tld.starts_with("xn--") && tld.len() > 4);
    tld_ok && !names.is_empty() && names.iter().all(|label| !label.is_empty())
}

fn parse_phone(text: &str) -> Result<Contact, ContactError> {
    let (main, extension) = match text.split_once('转') {
        Some((main, ext)) => (main, Some(digits_only(ext).ok_or(ContactError::Landline)?)),
        None => (text, None),
    };
    let groups = digit_groups(main).ok_or(ContactError::Unrecognised)?;
    let digits: String = groups.iter().map(|g| g.digits.as_str()).collect();
    if main.starts_with('+') && !digits.starts_with("86") {
        return Err(ContactError::Unrecognised); // a foreign number
    }
    let groups = strip_country_code(main, groups, &digits);
    let digits: String = groups.iter().map(|g| g.digits.as_str()).collect();
    match digits.as_bytes().first() {
        Some(b'1') if extension.is_none() => parse_mobile(&digits),
        Some(b'0') => parse_landline(&groups, extension),
        Some(b'2'..=b'9') if (7..=8).contains(&digits.len()) => Err(ContactError::AreaCodeMissing),
        _ => Err(ContactError::Unrecognised),
    }
}

/// A run of digits and whether it was written inside brackets, as in `(0562)1234567`.
#[derive(Debug)]
struct Group {
    digits: String,
    bracketed: bool,
}

/// Splits on spaces, dashes and brackets; `None` if anything else is in the text.
fn digit_groups(text: &str) -> Option<Vec<Group>> {
    let mut groups = Vec::new();
    let mut current = String::new();
    let mut in_bracket = false;
    let mut plus_seen = false;
    for c in text.chars() {
        match c {
            '0'..='9' => current.push(c),
            '+' if !plus_seen && groups.is_empty() && current.is_empty() => plus_seen = true,
            ' ' | '-' | '(' | ')' => {
                if !current.is_empty() {
                    groups.push(Group { digits: std::mem::take(&mut current), bracketed: in_bracket });
                }
                match c {
                    '(' if !in_bracket => in_bracket = true,
                    ')' if in_bracket => in_bracket = false,
                    '(' | ')' => return None,
                    _ => {}
                }
            }
            _ => return None,
        }
    }
    if in_bracket {
        return None;
    }
    if !current.is_empty() {
        groups.push(Group { digits: current, bracketed: false });
    }
    (!groups.is_empty()).then_some(groups)
}

/// Removes +86 / 0086 / 86 in front of a mobile number; a landline written `+86 562 …` gets its 0 back.
fn strip_country_code(text: &str, mut groups: Vec<Group>, digits: &str) -> Vec<Group> {
    let international = text.starts_with('+') || digits.starts_with("0086");
    let prefix = if digits.starts_with("0086") {
        4
    } else if digits.starts_with("86") && (international || digits.len() == 13) {
        2
    } else {
        return groups;
    };
    let mut remove = prefix;
    while remove > 0 && !groups.is_empty() {
        let first = &mut groups[0].digits;
        if first.len() <= remove {
            remove -= first.len();
            groups.remove(0);
        } else {
            first.drain(..remove);
            remove = 0;
        }
    }
    let trunk_prefix_dropped = |g: &Group| g.digits.starts_with(['2', '3', '4', '5', '6', '7', '8', '9']);
    match groups.first_mut() {
        Some(first) if international && trunk_prefix_dropped(first) => first.digits.insert(0, '0'),
        _ => {}
    }
    groups
}

fn parse_mobile(digits: &str) -> Result<Contact, ContactError> {
    let b = digits.as_bytes();
    if b.len() != 11 || !(b'3'..=b'9').contains(&b[1]) {
        return Err(ContactError::Mobile);
    }
    Ok(Contact { kind: ContactKind::Mobile, value: digits.to_string() })
}

fn parse_landline(groups: &[Group], extension: Option<String>) -> Result<Contact, ContactError> {
    let (area, rest) = split_area_code(groups).ok_or(ContactError::Landline)?;
    let (number, dash_extension) = split_extension(&rest).ok_or(ContactError::Landline)?;
    let extension = match (extension, dash_extension) {
        (Some(_), Some(_)) => return Err(ContactError::Landline),
        (a, b) => a.or(b),
    };
    let area_ok = (3..=4).contains(&area.len()) && !area.starts_with("00");
    let number_ok = (7..=8).contains(&number.len()) && !number.starts_with('0');
    let extension_ok = extension.as_ref().is_none_or(|e| (1..=6).contains(&e.len()));
    if !(area_ok && number_ok && extension_ok) {
        return Err(ContactError::Landline);
    }
    let mut value = format!("{area}-{number}");
    if let Some(e) = extension {
        value.push('-');
        value.push_str(&e);
    }
    Ok(Contact { kind: ContactKind::Landline, value })
}

/// The area code is the first group when the person separated it; written together, 010 and 02x are the
/// only three-digit codes, all others have four digits.
fn split_area_code(groups: &[Group]) -> Option<(String, Vec<String>)> {
    let first = groups.first()?;
    if first.bracketed || (groups.len() > 1 && first.digits.len() <= 4) {
        let rest = groups[1..].iter().map(|g| g.digits.clone()).collect();
        return Some((first.digits.clone(), rest));
    }
    let split = if first.digits.starts_with("01") || first.digits.starts_with("02") { 3 } else { 4 };
    let area = first.digits.get(..split)?.to_string();
    let mut rest = vec![first.digits[split..].to_string()];
    rest.extend(groups[1..].iter().map(|g| g.digits.clone()));
    rest.retain(|g| !g.is_empty());
    Some((area, rest))
}

/// The local number is 7–8 digits, possibly written in two groups (`6552 8888`); a short last group
/// after a full number is an extension.
fn split_extension(rest: &[String]) -> Option<(String, Option<String>)> {
    let joined: String = rest.concat();
    if (7..=8).contains(&joined.len()) {
        return Some((joined, None));
    }
    let (last, head) = rest.split_last()?;
    let number: String = head.concat();
    ((7..=8).contains(&number.len()) && last.len() <= 6).then(|| (number, Some(last.clone())))
}

fn digits_only(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn canonical(input: &str) -> String {
        Contact::parse(input).unwrap().as_str().to_string()
    }

    #[test]
    fn mobile_numbers_in_common_spellings_become_eleven_digits() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "8613812345678",
            "0086 13812345678",
            " 13812345678 ",
        ] {
            assert_eq!(canonical(input), "13812345678", "{input}");
        }
        assert_eq!(Contact::parse("19912345678").unwrap().kind(), ContactKind::Mobile);
    }

    #[test]
    fn full_width_digits_and_dashes_are_accepted() {
        assert_eq!(canonical("１３８１２３４５６７８"), "13812345678");
        assert_eq!(canonical("０５６２－１２３４５６７"), "0562-1234567");
        assert_eq!(canonical("0562—1234567"), "0562-1234567");
    }

    #[test]
    fn mobile_numbers_of_the_wrong_length_or_prefix_are_refused() {
        for input in ["1381234567", "138123456789", "12812345678", "10012345678"] {
            assert_eq!(Contact::parse(input), Err(ContactError::Mobile), "{input}");
        }
    }

    #[test]
    fn landlines_with_area_code_are_written_with_a_dash() {
        assert_eq!(canonical("0562-1234567"), "0562-1234567");
        assert_eq!(canonical("0562 1234567"), "0562-1234567");
        assert_eq!(canonical("(0562)1234567"), "0562-1234567");
        assert_eq!(canonical("（0562）1234567"), "0562-1234567");
        assert_eq!(canonical("05621234567"), "0562-1234567");
        assert_eq!(canonical("01065528888"), "010-65528888");
        assert_eq!(canonical("021-6552 8888"), "021-65528888");
        assert_eq!(canonical("0769-22123456"), "0769-22123456");
        assert_eq!(canonical("+86 562 1234567"), "0562-1234567");
    }

    #[test]
    fn landline_extensions_are_kept() {
        assert_eq!(canonical("0562-1234567-123"), "0562-1234567-123");
        assert_eq!(canonical("0562-1234567转123"), "0562-1234567-123");
        assert_eq!(canonical("（０５６２）１２３４５６７ 转 ８０１"), "0562-1234567-801");
        let c = Contact::parse("0562-1234567-123").unwrap();
        assert_eq!(c.kind(), ContactKind::Landline);
    }

    #[test]
    fn a_local_number_without_area_code_asks_for_the_area_code() {
        for input in ["2345678", "6552 8888", "65528888", "(6552)8888"] {
            let err = Contact::parse(input).unwrap_err();
            assert_eq!(err, ContactError::AreaCodeMissing, "{input}");
            assert!(err.to_string().contains("区号"));
        }
    }

    #[test]
    fn malformed_landlines_are_refused() {
        for input in [
            "0562-123456",
            "0562-123456789",
            "0562-0123456",
            "0562-1234567-123转4",
            "0562-1234567-1234567",
            "0562-1234567转",
        ] {
            assert_eq!(Contact::parse(input), Err(ContactError::Landline), "{input}");
        }
    }

    #[test]
    fn email_addresses_get_a_lowercase_domain() {
        let c = Contact::parse(" Zhang.San@Example.COM ").unwrap();
        assert_eq!(c.kind(), ContactKind::Email);
        assert_eq!(c.as_str(), "Zhang.San@example.com");
        assert_eq!(c.email(), Some("Zhang.San@example.com"));
    }

    #[test]
    fn full_width_email_addresses_from_chinese_imes_are_accepted() {
        assert_eq!(canonical("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ"), "zhang@example.com");
        assert_eq!(canonical("zhang@qq。com"), "zhang@qq.com");
    }

    #[test]
    fn email_addresses_whose_domain_takes_no_mail_are_refused() {
        for input in [
            "a@b",
            "a@localhost",
            "a@b.1",
            "a@[127.0.0.1]",
            "@example.com",
            "a@.com",
            "a b@example.com",
            "a@@example.com",
            "a@-example.com",
            "a@example-.com",
            "a@exa_mple.com",
            "a@example..com",
            "a@example.com.",
            "a@ex ample.com",
        ] {
            assert_eq!(Contact::parse(input), Err(ContactError::Email), "{input}");
        }
        let long_label = format!("a@{}.com", "x".repeat(64));
        assert_eq!(Contact::parse(&long_label), Err(ContactError::Email), "a label over 63 characters");
    }

    #[test]
    fn email_addresses_at_chinese_and_punycode_domains_are_accepted() {
        for input in ["zhang@例子.中国", "zhang@xn--fsqu00a.xn--fiqs8s", "li.si@mail.gov.cn", "wang-5@a-b.example.org"]
        {
            assert_eq!(Contact::parse(input).map(|c| c.kind()), Ok(ContactKind::Email), "{input}");
        }
    }

    #[test]
    fn other_text_is_refused_with_a_message_naming_the_accepted_forms() {
        assert_eq!(Contact::parse("   "), Err(ContactError::Empty));
        assert_eq!(Contact::parse("微信 zhangsan"), Err(ContactError::Unrecognised));
        assert_eq!(Contact::parse("400-800-1234"), Err(ContactError::Unrecognised));
        assert_eq!(Contact::parse("(0562 1234567"), Err(ContactError::Unrecognised));
        assert_eq!(ContactError::Unrecognised.to_string(), "联系方式应为手机号码、带区号的固定电话或电子邮箱");
        assert_eq!(Contact::parse(&"1".repeat(300)), Err(ContactError::TooLong));
    }

    #[test]
    fn masked_forms_hide_the_middle() {
        let masked = |s: &str| Contact::parse(s).unwrap().masked();
        assert_eq!(masked("13812345678"), "138****5678");
        assert_eq!(masked("0562-1234567-123"), "0562-****567");
        assert_eq!(masked("010-65528888"), "010-*****888");
        assert_eq!(masked("zhang@example.com"), "z***@example.com");
    }

    #[test]
    fn debug_output_is_masked() {
        let c = Contact::parse("13812345678").unwrap();
        assert!(!format!("{c:?}").contains("13812345678"));
    }

    #[test]
    fn try_from_is_parse() {
        assert_eq!(Contact::try_from("13812345678"), Contact::parse("13812345678"));
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_canonical_forms_parse_to_themselves(s in any::<String>()) {
            if let Ok(c) = Contact::parse(&s) {
                let _ = c.masked();
                prop_assert_eq!(Contact::parse(c.as_str()), Ok(c));
            }
        }

        #[test]
        fn phone_like_input_never_panics(s in "[+0-9 ()（）转－-]{0,24}") {
            if let Ok(c) = Contact::parse(&s) {
                prop_assert_eq!(Contact::parse(c.as_str()), Ok(c.clone()));
                prop_assert!(c.masked().contains('*'));
            }
        }
    }
}
