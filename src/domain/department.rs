//! A department's directory entry as typed into the staff form, and the parsed details.

use serde::Deserialize;

use crate::domain::contact::{Contact, ContactKind};
use crate::domain::fields::FieldErrors;
use crate::domain::opinion::clean_text;

const MAX_PERSON_CHARS: usize = 40;
const MAX_EMAILS: usize = 10;

/// The directory form exactly as submitted, kept whole so an error loses nothing typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DepartmentFields {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub emails: String,
    #[serde(default)]
    pub contact_person: String,
    #[serde(default)]
    pub phone: String,
}

/// A directory entry the rest of the code can trust: a name, canonical e-mail addresses
/// (possibly none: some departments are reached by fax or phone), a contact and a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentDetails {
    pub name: String,
    /// Canonical addresses joined with ", ".
    pub emails: String,
    pub contact_person: String,
    /// Canonical phone number, or empty.
    pub phone: String,
}

impl TryFrom<&DepartmentFields> for DepartmentDetails {
    type Error = FieldErrors;

    fn try_from(f: &DepartmentFields) -> Result<DepartmentDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = unit_name(&f.name, &mut errors);
        let emails = parse_emails(&f.emails).map_err(|e| errors.add("emails", e)).unwrap_or_default();
        let contact_person = one_line(&f.contact_person);
        if contact_person.chars().count() > MAX_PERSON_CHARS {
            errors.add("contact_person", format!("联系人不能超过{MAX_PERSON_CHARS}个字"));
        }
        let phone = parse_phone(&f.phone).map_err(|e| errors.add("phone", e)).unwrap_or_default();
        errors.into_result(|| DepartmentDetails { name, emails, contact_person, phone })
    }
}

/// Trimmed, on one line, runs of spaces collapsed.
/// A unit's name (a department's or an agency's) on one line: required, at most 60 characters.
pub(crate) fn unit_name(raw: &str, errors: &mut FieldErrors) -> String {
    const MAX_NAME_CHARS: usize = 60;
    let name = one_line(raw);
    if name.is_empty() {
        errors.add("name", "请填写单位名称");
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.add("name", format!("单位名称不能超过{MAX_NAME_CHARS}个字"));
    }
    name
}

pub(crate) fn one_line(raw: &str) -> String {
    clean_text(raw).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each address checked with the rules citizens' e-mail contacts follow; duplicates dropped.
fn parse_emails(raw: &str) -> Result<String, String> {
    let mut addresses: Vec<String> = Vec::new();
    for item in split_emails(raw) {
        match Contact::parse(item) {
            Ok(contact) if contact.kind() == ContactKind::Email => {
                if !addresses.iter().any(|a| a.eq_ignore_ascii_case(contact.as_str())) {
                    addresses.push(contact.as_str().to_owned());
                }
            }
            _ => return Err(format!("“{item}”不是有效的电子邮箱地址")),
        }
    }
    if addresses.len() > MAX_EMAILS {
        return Err(format!("电子邮箱最多填写{MAX_EMAILS}个"));
    }
    Ok(addresses.join(", "))
}

fn parse_phone(raw: &str) -> Result<String, String> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    match Contact::parse(raw) {
        Ok(contact) if contact.kind() != ContactKind::Email => Ok(contact.as_str().to_owned()),
        Ok(_) => Err("联系电话请填写手机号码或带区号的固定电话；电子邮箱请填在上方".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Splits a list of addresses typed with any of the usual separators.
pub fn split_emails(list: &str) -> Vec<&str> {
    list.split([',', ';', '，', '；', ' ', '\n', '、']).map(str::trim).filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_lists_split_on_chinese_and_latin_separators() {
        assert_eq!(split_emails("a@x.cn， b@x.cn;c@x.cn 、d@x.cn"), ["a@x.cn", "b@x.cn", "c@x.cn", "d@x.cn"]);
        assert!(split_emails("  ").is_empty());
    }

    fn fields(name: &str, emails: &str, phone: &str) -> DepartmentFields {
        DepartmentFields {
            name: name.into(),
            emails: emails.into(),
            contact_person: " 王 科长 ".into(),
            phone: phone.into(),
        }
    }

    #[test]
    fn addresses_are_split_checked_and_stored_canonically() {
        let d = DepartmentDetails::try_from(&fields(
            " 区人社局 ",
            "RSJ@TG.Gov.cn； b@tg.gov.cn rsj@tg.gov.cn",
            "0562 2881234",
        ))
        .unwrap();
        assert_eq!(d.name, "区人社局");
        assert_eq!(d.emails, "RSJ@tg.gov.cn, b@tg.gov.cn", "the repeated address is dropped");
        assert_eq!(d.contact_person, "王 科长");
        assert_eq!(d.phone, "0562-2881234");
    }

    #[test]
    fn a_department_may_have_no_address_or_phone() {
        let d = DepartmentDetails::try_from(&fields("社区办", "", "")).unwrap();
        assert_eq!((d.emails.as_str(), d.phone.as_str()), ("", ""));
    }

    #[test]
    fn each_bad_field_is_named_with_the_offending_address() {
        let errors = DepartmentDetails::try_from(&fields("", "ok@tg.gov.cn，not-an-address", "abc@x.cn")).unwrap_err();
        assert_eq!(errors.get("name"), Some("请填写单位名称"));
        assert_eq!(errors.get("emails"), Some("“not-an-address”不是有效的电子邮箱地址"));
        assert!(errors.get("phone").unwrap().contains("电子邮箱请填在上方"));
    }
}
