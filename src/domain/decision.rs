//! A drafter's decision on an opinion: an adoption status and, where required, a reason.

use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::SectionId;
use crate::domain::opinion::{FieldErrors, clean_text};

const MAX_REASON_CHARS: usize = 2000;

/// A decision ready to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub status: AdoptionStatus,
    pub reason: Option<String>,
}

impl Decision {
    /// Parses the review form: `status` is a stored code (`adopted` …) or empty to take a
    /// decision back (未处理). 部分采纳 and 不予采纳 need a reason.
    pub fn parse(status: &str, reason: &str) -> Result<Option<Decision>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let reason = clean_text(reason);
        let reason_chars = reason.chars().count();
        if reason_chars > MAX_REASON_CHARS {
            errors.add("reason", format!("理由不能超过{MAX_REASON_CHARS}字（当前{reason_chars}字）"));
        }
        let status = match status.trim() {
            "" | "undecided" => None,
            code => match AdoptionStatus::from_code(code) {
                Some(s) => Some(s),
                None => {
                    errors.add("status", "请选择采纳情况");
                    None
                }
            },
        };
        if let Some(s) = status
            && s.requires_reason()
            && reason.is_empty()
        {
            errors.add("reason", format!("选择“{}”时须说明理由", s.label()));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(status.map(|status| Decision { status, reason: (!reason.is_empty()).then_some(reason) }))
    }
}

/// Parses the form's 「体现位置」: a section of a later version where a decision was taken up, or
/// empty for none. Only 采纳 and 部分采纳 can name one: a 不予采纳 (or 解释说明) changed nothing.
pub fn parse_taken_up(status: Option<AdoptionStatus>, value: &str) -> Result<Option<SectionId>, FieldErrors> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let Ok(id) = value.parse::<i32>() else {
        return Err(FieldErrors::one("taken_up", "请从列表中选择修改稿中的条文"));
    };
    match status {
        Some(AdoptionStatus::Adopted | AdoptionStatus::PartlyAdopted) => Ok(Some(SectionId(id))),
        Some(other) => Err(FieldErrors::one(
            "taken_up",
            format!("选择“{}”时不能指明在修改稿中的体现位置，请选“不指明”", other.label()),
        )),
        None => Err(FieldErrors::one("taken_up", "未处理的意见不能指明在修改稿中的体现位置，请先选择采纳情况")),
    }
}

/// Who made a change, as the audit log records it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i32>,
    /// The name at the time of the change, kept even if the account changes later.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_rejection_need_a_reason_the_others_do_not() {
        assert_eq!(Decision::parse("not_adopted", "  ").unwrap_err().get("reason"), Some("选择“不予采纳”时须说明理由"));
        assert!(Decision::parse("partly_adopted", "").is_err());
        assert_eq!(
            Decision::parse("adopted", "").unwrap(),
            Some(Decision { status: AdoptionStatus::Adopted, reason: None })
        );
        assert_eq!(
            Decision::parse("explained", "已有规定").unwrap(),
            Some(Decision { status: AdoptionStatus::Explained, reason: Some("已有规定".into()) })
        );
    }

    #[test]
    fn only_an_adopting_decision_names_where_it_was_taken_up() {
        assert_eq!(parse_taken_up(Some(AdoptionStatus::Adopted), " 42 ").unwrap(), Some(SectionId(42)));
        assert_eq!(parse_taken_up(Some(AdoptionStatus::PartlyAdopted), "7").unwrap(), Some(SectionId(7)));
        assert_eq!(parse_taken_up(Some(AdoptionStatus::NotAdopted), "").unwrap(), None);
        assert_eq!(
            parse_taken_up(Some(AdoptionStatus::NotAdopted), "42").unwrap_err().get("taken_up"),
            Some("选择“不予采纳”时不能指明在修改稿中的体现位置，请选“不指明”")
        );
        assert!(parse_taken_up(Some(AdoptionStatus::Explained), "42").is_err());
        assert!(parse_taken_up(None, "42").is_err());
        assert_eq!(
            parse_taken_up(Some(AdoptionStatus::Adopted), "第五条").unwrap_err().get("taken_up"),
            Some("请从列表中选择修改稿中的条文")
        );
    }

    #[test]
    fn an_empty_status_takes_the_decision_back_and_a_made_up_one_is_refused() {
        assert_eq!(Decision::parse("", "").unwrap(), None);
        assert_eq!(Decision::parse("maybe", "").unwrap_err().get("status"), Some("请选择采纳情况"));
    }
}
