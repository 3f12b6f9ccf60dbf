//! An opinion as typed into a form, and the parsed value the rest of the code trusts.

use crate::domain::contact::Contact;
pub use crate::domain::fields::FieldErrors;
use crate::text::normalise::clean_stored_text;

/// Longest suggested wording, original or proposed.
pub const MAX_WORDING_CHARS: usize = 2000;
const MAX_NAME_CHARS: usize = 40;

/// An opinion's fields as the person typed them, from the form or the JSON API; kept
/// whole so an error never loses what was typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpinionInput {
    pub name: String,
    pub contact: String,
    pub body: String,
    pub original_text: String,
    pub proposed_text: String,
    /// Whether the person agreed to the personal-information notice.
    pub consent: bool,
}

/// A suggested change of wording: 原文 → 建议修改为. Either side may be empty
/// (an addition, or a deletion), not both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub original: Option<String>,
    pub proposed: Option<String>,
}

/// A parsed opinion: name, contact, text and an optional suggested wording.
#[derive(Debug, Clone)]
pub struct OpinionText {
    pub name: String,
    pub contact: Contact,
    pub body: String,
    pub suggestion: Option<Suggestion>,
}

/// Text as it is stored: see [`clean_stored_text`]. Text of nothing but spaces, zero-width and
/// control characters comes back empty, and bidirectional controls are removed.
pub fn clean_text(raw: &str) -> String {
    clean_stored_text(raw)
}

fn optional_wording(raw: &str, field: &'static str, label: &str, errors: &mut FieldErrors) -> Option<String> {
    let text = clean_text(raw);
    let count = text.chars().count();
    if count > MAX_WORDING_CHARS {
        errors.add(field, format!("{label}不能超过{MAX_WORDING_CHARS}字（当前{count}字）"));
    }
    (!text.is_empty()).then_some(text)
}

impl OpinionText {
    /// Parses every field, collecting a message for each one that is wrong.
    pub fn parse(form: &OpinionInput, max_chars: usize) -> Result<OpinionText, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = clean_text(&form.name).replace('\n', " ");
        let name_chars = name.chars().count();
        if name.is_empty() {
            errors.add("name", "请填写您的姓名");
        } else if name_chars > MAX_NAME_CHARS {
            errors.add("name", format!("姓名不能超过{MAX_NAME_CHARS}个字"));
        }
        let contact = Contact::parse(&form.contact).map_err(|e| errors.add("contact", e.to_string())).ok();
        let body = clean_text(&form.body);
        let body_chars = body.chars().count();
        if body.is_empty() {
            errors.add("body", "请填写您的意见");
        } else if body_chars > max_chars {
            errors.add("body", format!("意见不能超过{max_chars}字（当前{body_chars}字），请精简后再提交"));
        }
        let original = optional_wording(&form.original_text, "original_text", "原文", &mut errors);
        let proposed = optional_wording(&form.proposed_text, "proposed_text", "建议修改为", &mut errors);
        if !form.consent {
            errors.add("consent", "请阅读并同意个人信息处理说明后再提交");
        }
        match contact {
            Some(contact) if errors.is_empty() => Ok(OpinionText {
                name,
                contact,
                body,
                suggestion: (original.is_some() || proposed.is_some()).then_some(Suggestion { original, proposed }),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> OpinionInput {
        OpinionInput {
            name: "张三丰".into(),
            contact: "138 1234 5678".into(),
            body: "建议增加责任单位。".into(),
            consent: true,
            ..OpinionInput::default()
        }
    }

    #[test]
    fn a_complete_form_parses_with_a_canonical_contact() {
        let parsed = OpinionText::parse(&form(), 5000).unwrap();
        assert_eq!(parsed.name, "张三丰");
        assert_eq!(parsed.contact.as_str(), "13812345678");
        assert!(parsed.suggestion.is_none());
    }

    #[test]
    fn every_missing_field_gets_its_own_message() {
        let errors = OpinionText::parse(&OpinionInput::default(), 5000).unwrap_err();
        assert_eq!(errors.get("name"), Some("请填写您的姓名"));
        assert!(errors.get("contact").is_some());
        assert_eq!(errors.get("body"), Some("请填写您的意见"));
        assert!(errors.get("consent").is_some());
    }

    #[test]
    fn an_opinion_over_the_limit_says_how_long_it_is() {
        let long = OpinionInput { body: "字".repeat(11), ..form() };
        let errors = OpinionText::parse(&long, 10).unwrap_err();
        assert_eq!(errors.get("body"), Some("意见不能超过10字（当前11字），请精简后再提交"));
    }

    #[test]
    fn a_suggested_wording_may_be_an_addition_without_original_text() {
        let with = OpinionInput { proposed_text: " 增加食品安全 ".into(), ..form() };
        let parsed = OpinionText::parse(&with, 5000).unwrap();
        assert_eq!(parsed.suggestion, Some(Suggestion { original: None, proposed: Some("增加食品安全".into()) }));
    }

    #[test]
    fn control_characters_are_dropped_and_line_breaks_kept() {
        assert_eq!(clean_text("  第一行\r\n第二行\u{0}\u{7} "), "第一行\n第二行");
    }

    #[test]
    fn fields_of_only_invisible_characters_are_refused_with_their_own_messages() {
        let blank = OpinionInput {
            name: "\u{3000}\u{200B}".into(),
            body: "\u{200B}\u{200C}\u{FEFF}\u{3000}\u{0001}".into(),
            ..form()
        };
        let errors = OpinionText::parse(&blank, 5000).unwrap_err();
        assert_eq!(errors.get("name"), Some("请填写您的姓名"));
        assert_eq!(errors.get("body"), Some("请填写您的意见"));
    }

    #[test]
    fn bidirectional_controls_do_not_reach_the_stored_opinion() {
        let hidden = OpinionInput {
            name: "张\u{202E}三丰".into(),
            body: "建议\u{2067}删除\u{2069}第三条".into(),
            proposed_text: "\u{202D}增加".into(),
            ..form()
        };
        let parsed = OpinionText::parse(&hidden, 5000).unwrap();
        assert_eq!(parsed.name, "张三丰");
        assert_eq!(parsed.body, "建议删除第三条");
        assert_eq!(parsed.suggestion.unwrap().proposed.as_deref(), Some("增加"));
    }
}
