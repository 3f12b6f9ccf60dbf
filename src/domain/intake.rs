//! An opinion that arrived offline (letter, fax, e-mail, meeting, phone) as staff type it
//! in, and the parsed value: who sent it, how, when it was received, and what it says.

use chrono::NaiveDate;

use crate::domain::contact::Contact;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{AttachmentId, DepartmentId};
use crate::domain::opinion::{MAX_WORDING_CHARS, clean_text};
use crate::domain::source::Channel;

/// The channels an opinion can arrive by outside the site.
pub const OFFLINE_CHANNELS: [Channel; 6] =
    [Channel::Letter, Channel::Fax, Channel::Email, Channel::Meeting, Channel::Phone, Channel::Other];

const MAX_NAME_CHARS: usize = 60;

/// The intake form exactly as submitted (the file travels separately).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeFields {
    /// A department's id, or empty for a person (or an organisation not in the directory).
    pub department: String,
    pub author_name: String,
    pub contact: String,
    pub channel: String,
    pub received_on: String,
    /// A section's anchor, or empty for the draft as a whole.
    pub section: String,
    pub body: String,
    pub original_text: String,
    pub proposed_text: String,
    /// The attachment already stored for this letter, when entering its next opinion.
    pub attachment: String,
}

impl IntakeFields {
    /// Reads the fields by name; `field` gives a submitted value.
    pub fn read<'a>(field: impl Fn(&str) -> Option<&'a str>) -> IntakeFields {
        let get = |name: &str| field(name).unwrap_or_default().to_owned();
        IntakeFields {
            department: get("department"),
            author_name: get("author_name"),
            contact: get("contact"),
            channel: get("channel"),
            received_on: get("received_on"),
            section: get("section"),
            body: get("body"),
            original_text: get("original_text"),
            proposed_text: get("proposed_text"),
            attachment: get("attachment"),
        }
    }
}

/// On whose behalf the opinion is entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    Department(DepartmentId),
    /// A person, or an organisation not in the directory.
    Person(String),
}

/// An offline opinion the rest of the code can trust.
#[derive(Debug, Clone)]
pub struct IntakeOpinion {
    pub sender: Sender,
    pub contact: Option<Contact>,
    pub channel: Channel,
    /// The day it was received, China time; never in the future.
    pub received_on: NaiveDate,
    /// The section's anchor; `None` for the draft as a whole.
    pub section: Option<String>,
    pub body: String,
    pub original: Option<String>,
    pub proposed: Option<String>,
    pub attachment: Option<AttachmentId>,
}

impl IntakeOpinion {
    /// Parses the form; `today` is today's date in China.
    pub fn parse(f: &IntakeFields, today: NaiveDate, max_chars: usize) -> Result<IntakeOpinion, FieldErrors> {
        let mut errors = FieldErrors::new();
        let sender = parse_sender(f, &mut errors);
        let contact = match f.contact.trim() {
            "" => None,
            raw => Contact::parse(raw).map_err(|e| errors.add("contact", e)).ok(),
        };
        let channel = OFFLINE_CHANNELS.into_iter().find(|c| c.code() == f.channel);
        if channel.is_none() {
            errors.add("channel", "请选择收到意见的方式");
        }
        let received_on = parse_received_on(&f.received_on, today, &mut errors);
        let body = clean_text(&f.body);
        let count = body.chars().count();
        if body.is_empty() {
            errors.add("body", "请填写意见内容");
        } else if count > max_chars {
            errors.add("body", format!("意见不能超过{max_chars}字（当前{count}字），可分为几条录入"));
        }
        let original = clean_text(&f.original_text);
        let proposed = clean_text(&f.proposed_text);
        if original.chars().count() > MAX_WORDING_CHARS || proposed.chars().count() > MAX_WORDING_CHARS {
            errors.add("proposed_text", format!("原文和建议修改为的文字各不能超过{MAX_WORDING_CHARS}字"));
        }
        let attachment = match f.attachment.trim() {
            "" => None,
            raw => raw.parse().map(AttachmentId).map_err(|_| errors.add("file", "所附扫描件有误，请重新上传")).ok(),
        };
        match (sender, channel, received_on) {
            (Some(sender), Some(channel), Some(received_on)) if errors.is_empty() => Ok(IntakeOpinion {
                sender,
                contact,
                channel,
                received_on,
                section: (!f.section.is_empty()).then(|| f.section.clone()),
                body,
                original: (!original.is_empty()).then_some(original),
                proposed: (!proposed.is_empty()).then_some(proposed),
                attachment,
            }),
            _ => Err(errors),
        }
    }
}

fn parse_sender(f: &IntakeFields, errors: &mut FieldErrors) -> Option<Sender> {
    if !f.department.trim().is_empty() {
        return match f.department.trim().parse() {
            Ok(id) => Some(Sender::Department(DepartmentId(id))),
            Err(_) => {
                errors.add("department", "请从列表中选择单位");
                None
            }
        };
    }
    let name = clean_text(&f.author_name).split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.add("author_name", "请选择单位，或填写提出意见的个人（或单位）名称");
        None
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.add("author_name", format!("名称不能超过{MAX_NAME_CHARS}个字"));
        None
    } else {
        Some(Sender::Person(name))
    }
}

fn parse_received_on(raw: &str, today: NaiveDate, errors: &mut FieldErrors) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        Ok(date) if date > today => {
            errors.add("received_on", "收到日期不能晚于今天");
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            errors.add("received_on", "请按“2026-01-31”的格式填写收到日期");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    fn letter() -> IntakeFields {
        IntakeFields {
            author_name: " 张 三 ".into(),
            contact: "0562 2881234".into(),
            channel: "letter".into(),
            received_on: "2026-11-18".into(),
            section: "2-1".into(),
            body: " 建议增加责任单位。 ".into(),
            ..IntakeFields::default()
        }
    }

    #[test]
    fn a_letter_from_a_person_parses_with_its_contact_and_date() {
        let parsed = IntakeOpinion::parse(&letter(), today(), 5000).unwrap();
        assert_eq!(parsed.sender, Sender::Person("张 三".into()));
        assert_eq!(parsed.contact.unwrap().as_str(), "0562-2881234");
        assert_eq!(parsed.channel, Channel::Letter);
        assert_eq!(parsed.received_on, NaiveDate::from_ymd_opt(2026, 11, 18).unwrap());
        assert_eq!(parsed.section.as_deref(), Some("2-1"));
        assert_eq!(parsed.body, "建议增加责任单位。");
    }

    #[test]
    fn a_department_needs_no_name_and_no_contact() {
        let fields =
            IntakeFields { department: "7".into(), author_name: String::new(), contact: String::new(), ..letter() };
        let parsed = IntakeOpinion::parse(&fields, today(), 5000).unwrap();
        assert_eq!(parsed.sender, Sender::Department(DepartmentId(7)));
        assert!(parsed.contact.is_none());
    }

    #[test]
    fn online_channels_future_dates_and_missing_text_are_refused() {
        let fields = IntakeFields {
            author_name: String::new(),
            channel: "online".into(),
            received_on: "2026-11-21".into(),
            body: " ".into(),
            ..letter()
        };
        let errors = IntakeOpinion::parse(&fields, today(), 5000).unwrap_err();
        assert!(errors.get("author_name").is_some());
        assert_eq!(errors.get("channel"), Some("请选择收到意见的方式"));
        assert_eq!(errors.get("received_on"), Some("收到日期不能晚于今天"));
        assert_eq!(errors.get("body"), Some("请填写意见内容"));
        let bad_date = IntakeFields { received_on: "18/11/2026".into(), ..letter() };
        assert!(IntakeOpinion::parse(&bad_date, today(), 5000).unwrap_err().get("received_on").is_some());
    }
}
