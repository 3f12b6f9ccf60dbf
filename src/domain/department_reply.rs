//! A department's written reply as typed into its form: numbered opinion rows, or 无意见.

use crate::domain::contact::{Contact, ContactKind};
use crate::domain::ids::SectionId;
use crate::domain::opinion::{FieldErrors, MAX_WORDING_CHARS, clean_text};

/// The rows a reply form starts with, and how many "增加一条" adds.
pub const BLANK_ROWS: usize = 1;
/// More rows than this in one reply is not a person typing.
pub const MAX_ROWS: usize = 100;

/// One opinion row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyRow {
    /// The section's anchor, or empty for the draft as a whole.
    pub section: String,
    pub body: String,
    pub original_text: String,
    pub proposed_text: String,
}

impl ReplyRow {
    fn is_blank(&self) -> bool {
        [&self.body, &self.original_text, &self.proposed_text].iter().all(|f| clean_text(f).is_empty())
    }
}

/// The reply form exactly as submitted (rows arrive as `body_1`, `section_1`, …).
#[derive(Debug, Clone, Default)]
pub struct ReplyForm {
    pub contact_person: String,
    pub contact_phone: String,
    pub rows: Vec<ReplyRow>,
    /// `send`, `no_opinion` or `add_row`.
    pub action: String,
}

impl ReplyForm {
    /// Builds the form from its field pairs; unknown fields are ignored.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> ReplyForm {
        let mut form = ReplyForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "contact_person" => form.contact_person = value,
                "contact_phone" => form.contact_phone = value,
                "action" => form.action = value,
                _ => {
                    let Some((field, n)) = key.rsplit_once('_') else { continue };
                    let Ok(n) = n.parse::<usize>() else { continue };
                    if n == 0 || n > MAX_ROWS {
                        continue;
                    }
                    if form.rows.len() < n {
                        form.rows.resize(n, ReplyRow::default());
                    }
                    let row = &mut form.rows[n - 1];
                    match field {
                        "section" => row.section = value,
                        "body" => row.body = value,
                        "original" => row.original_text = value,
                        "proposed" => row.proposed_text = value,
                        _ => {}
                    }
                }
            }
        }
        form
    }

    /// The rows that hold something, renumbered from 1.
    pub fn filled_rows(&self) -> Vec<ReplyRow> {
        self.rows.iter().filter(|r| !r.is_blank()).cloned().collect()
    }
}

/// One opinion of a reply, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyPoint {
    pub section_id: Option<SectionId>,
    pub body: String,
    pub original: Option<String>,
    pub proposed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyContent {
    Opinions(Vec<ReplyPoint>),
    /// 无意见 / 无修改意见
    NoOpinion,
}

/// A parsed reply: who to call about it, and what it says.
#[derive(Debug, Clone)]
pub struct DepartmentReply {
    pub contact_person: String,
    pub contact_phone: Contact,
    pub content: ReplyContent,
}

impl DepartmentReply {
    /// Parses the form; `section_id` resolves a row's anchor (None for an unknown one).
    pub fn parse(
        form: &ReplyForm,
        max_chars: usize,
        section_id: impl Fn(&str) -> Option<SectionId>,
    ) -> Result<DepartmentReply, FieldErrors> {
        let mut errors = FieldErrors::default();
        let contact_person = clean_text(&form.contact_person).replace('\n', " ");
        if contact_person.is_empty() {
            errors.add("contact_person", "请填写联系人");
        } else if contact_person.chars().count() > 40 {
            errors.add("contact_person", "联系人不能超过40个字");
        }
        let phone = match Contact::parse(&form.contact_phone) {
            Ok(c) if c.kind() != ContactKind::Email => Some(c),
            Ok(_) => {
                errors.add("contact_phone", "请填写联系电话（手机号码或带区号的固定电话）");
                None
            }
            Err(e) => {
                errors.add("contact_phone", e.to_string());
                None
            }
        };
        let content = if form.action == "no_opinion" {
            ReplyContent::NoOpinion
        } else {
            let rows = form.filled_rows();
            if rows.is_empty() {
                errors.add("body_1", "请至少填写一条意见；如没有意见，请选择“无意见”");
            }
            let mut points = Vec::with_capacity(rows.len());
            for (index, row) in rows.iter().enumerate() {
                points.push(parse_row(row, index + 1, max_chars, &section_id, &mut errors));
            }
            ReplyContent::Opinions(points)
        };
        match phone {
            Some(contact_phone) if errors.is_empty() => Ok(DepartmentReply { contact_person, contact_phone, content }),
            _ => Err(errors),
        }
    }
}

fn parse_row(
    row: &ReplyRow,
    n: usize,
    max_chars: usize,
    section_id: &impl Fn(&str) -> Option<SectionId>,
    errors: &mut FieldErrors,
) -> ReplyPoint {
    let body = clean_text(&row.body);
    let count = body.chars().count();
    if body.is_empty() {
        errors.add(format!("body_{n}"), format!("第{n}条意见未填写内容"));
    } else if count > max_chars {
        errors.add(format!("body_{n}"), format!("第{n}条意见不能超过{max_chars}字（当前{count}字）"));
    }
    let original = clean_text(&row.original_text);
    let proposed = clean_text(&row.proposed_text);
    if original.chars().count() > MAX_WORDING_CHARS || proposed.chars().count() > MAX_WORDING_CHARS {
        errors.add(format!("proposed_{n}"), format!("第{n}条意见的修改建议不能超过{MAX_WORDING_CHARS}字"));
    }
    ReplyPoint {
        section_id: if row.section.is_empty() { None } else { section_id(&row.section) },
        body,
        original: (!original.is_empty()).then_some(original),
        proposed: (!proposed.is_empty()).then_some(proposed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn rows_are_read_from_numbered_fields_and_blank_ones_skipped() {
        let form = ReplyForm::from_pairs(pairs(&[
            ("contact_person", "王科长"),
            ("contact_phone", "0562-2881234"),
            ("body_1", "第一条意见"),
            ("section_1", "2-1"),
            ("body_2", " "),
            ("body_3", "第三条意见"),
            ("body_0", "ignored"),
            ("body_9999", "ignored"),
            ("action", "send"),
        ]));
        assert_eq!(form.rows.len(), 3);
        let filled = form.filled_rows();
        assert_eq!(filled.len(), 2);
        let reply = DepartmentReply::parse(&form, 5000, |a| (a == "2-1").then_some(SectionId(7))).unwrap();
        let ReplyContent::Opinions(points) = reply.content else { panic!("opinions expected") };
        assert_eq!(points[0].section_id, Some(SectionId(7)));
        assert_eq!(points[1].body, "第三条意见");
    }

    #[test]
    fn no_opinion_needs_only_the_contact() {
        let form = ReplyForm::from_pairs(pairs(&[
            ("contact_person", "李主任"),
            ("contact_phone", "13912345678"),
            ("action", "no_opinion"),
        ]));
        assert_eq!(DepartmentReply::parse(&form, 5000, |_| None).unwrap().content, ReplyContent::NoOpinion);
    }

    #[test]
    fn an_empty_reply_and_a_missing_contact_are_explained() {
        let form = ReplyForm::from_pairs(pairs(&[("contact_phone", "someone@example.com"), ("action", "send")]));
        let errors = DepartmentReply::parse(&form, 5000, |_| None).unwrap_err();
        assert_eq!(errors.get("contact_person"), Some("请填写联系人"));
        assert_eq!(errors.get("contact_phone"), Some("请填写联系电话（手机号码或带区号的固定电话）"));
        assert_eq!(errors.get("body_1"), Some("请至少填写一条意见；如没有意见，请选择“无意见”"));
    }
}
