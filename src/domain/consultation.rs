//! What staff enter about a consultation, parsed: title, issuer, notice and a lawful window.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::fields::FieldErrors;
use crate::domain::ids::UserId;
use crate::domain::window::{ConsultationWindow, WindowError};
use crate::text::normalise::clean_stored_text;

/// The consultation form as typed, every field a string so that it can be shown again.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConsultationFields {
    pub title: String,
    pub issuer: String,
    pub notice: String,
    pub how_to_comment: String,
    pub starts_on: String,
    pub ends_on: String,
    pub short_period_reason: String,
    /// A user id, or empty for "not assigned" (only administrators see this field).
    pub owner: String,
}

/// A consultation's details that may be stored: a title and issuer, and a window whose
/// shortness, if any, is explained (《重大行政决策程序暂行条例》第十五条).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationDetails {
    pub title: String,
    pub issuer: String,
    pub notice: String,
    pub how_to_comment: String,
    pub window: ConsultationWindow,
    /// Only kept for a window shorter than the standard 30 days.
    pub short_period_reason: Option<String>,
    /// The owner asked for on the form; whether it counts depends on who asks.
    pub owner: Option<UserId>,
}

/// Cleans `text` (as [`clean_stored_text`]) and checks it is present (if `required`) and not longer than `max` characters.
fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    input: &str,
    required: Option<&str>,
    max: usize,
    label: &str,
) -> String {
    let value = clean_stored_text(input);
    if let Some(missing) = required
        && value.is_empty()
    {
        errors.add(field, missing);
    } else if value.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 个字"));
    }
    value
}

/// `2026-12-01` (what a date input sends), or `2026/12/01`.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let input = input.trim();
    NaiveDate::parse_from_str(input, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(input, "%Y/%m/%d")).ok()
}

impl TryFrom<&ConsultationFields> for ConsultationDetails {
    type Error = FieldErrors;

    fn try_from(f: &ConsultationFields) -> Result<ConsultationDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = text(&mut errors, "title", &f.title, Some("请填写标题"), 200, "标题");
        let issuer = text(&mut errors, "issuer", &f.issuer, Some("请填写发布单位"), 100, "发布单位");
        let notice = text(&mut errors, "notice", &f.notice, None, 20_000, "公告");
        let how_to_comment = text(&mut errors, "how_to_comment", &f.how_to_comment, None, 5_000, "意见提交方式");
        let (window, reason) = window(&mut errors, &f.starts_on, &f.ends_on, &f.short_period_reason);
        let owner = match f.owner.trim() {
            "" => None,
            id => match id.parse::<UserId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("owner", "请从列表中选择起草人员");
                    None
                }
            },
        };
        match window {
            Some(window) if errors.is_empty() => Ok(ConsultationDetails {
                title,
                issuer,
                notice,
                how_to_comment,
                short_period_reason: reason,
                window,
                owner,
            }),
            _ => Err(errors),
        }
    }
}

/// The window typed on a form (fields `starts_on`, `ends_on`, `short_period_reason`), with the
/// reason kept only for a window shorter than the standard; errors go on their fields.
fn window(
    errors: &mut FieldErrors,
    starts_on: &str,
    ends_on: &str,
    reason: &str,
) -> (Option<ConsultationWindow>, Option<String>) {
    let reason = text(errors, "short_period_reason", reason, None, 1_000, "理由");
    let bad_date = "请按“年-月-日”填写日期，例如 2026-12-01";
    let starts_on = parse_date(starts_on);
    let ends_on = parse_date(ends_on);
    if starts_on.is_none() {
        errors.add("starts_on", bad_date);
    }
    if ends_on.is_none() {
        errors.add("ends_on", bad_date);
    }
    let reason = (!reason.is_empty()).then_some(reason);
    let window = match (starts_on, ends_on) {
        (Some(start), Some(end)) => match ConsultationWindow::for_new_consultation(start, end, reason.as_deref()) {
            Ok(window) => Some(window),
            Err(err @ WindowError::EndsBeforeStart) => {
                errors.add("ends_on", err);
                None
            }
            Err(err @ WindowError::ShortPeriodWithoutReason) => {
                errors.add("short_period_reason", err);
                None
            }
        },
        _ => None,
    };
    let reason = reason.filter(|_| window.is_some_and(|w| w.is_shorter_than_standard()));
    (window, reason)
}

/// The 「再次征求意见」 form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RoundFields {
    pub starts_on: String,
    pub ends_on: String,
    pub short_period_reason: String,
}

/// A new round's window, validated like the consultation form's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundWindow {
    pub window: ConsultationWindow,
    /// Only kept for a window shorter than the standard 30 days.
    pub short_period_reason: Option<String>,
}

impl TryFrom<&RoundFields> for RoundWindow {
    type Error = FieldErrors;

    fn try_from(f: &RoundFields) -> Result<RoundWindow, FieldErrors> {
        let mut errors = FieldErrors::new();
        let (window, short_period_reason) = window(&mut errors, &f.starts_on, &f.ends_on, &f.short_period_reason);
        match window {
            Some(window) if errors.is_empty() => Ok(RoundWindow { window, short_period_reason }),
            _ => Err(errors),
        }
    }
}

/// The versions a draft can be uploaded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionLabel {
    /// 征求意见稿: the version the public comments on.
    ForComment,
    /// 修订稿: revised after comments.
    Revised,
    /// 送审稿: submitted for approval.
    ForApproval,
}

impl VersionLabel {
    pub const ALL: [VersionLabel; 3] = [VersionLabel::ForComment, VersionLabel::Revised, VersionLabel::ForApproval];

    pub fn label(self) -> &'static str {
        match self {
            VersionLabel::ForComment => "征求意见稿",
            VersionLabel::Revised => "修订稿",
            VersionLabel::ForApproval => "送审稿",
        }
    }

    pub fn parse(input: &str) -> Option<VersionLabel> {
        VersionLabel::ALL.into_iter().find(|v| v.label() == input.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(starts_on: &str, ends_on: &str, reason: &str) -> ConsultationFields {
        ConsultationFields {
            title: " 关于《测试办法》公开征求意见 ".into(),
            issuer: "测试县人民政府".into(),
            starts_on: starts_on.into(),
            ends_on: ends_on.into(),
            short_period_reason: reason.into(),
            ..ConsultationFields::default()
        }
    }

    #[test]
    fn a_thirty_day_window_needs_no_reason_and_the_title_is_trimmed() {
        let details = ConsultationDetails::try_from(&fields("2026-12-01", "2026-12-30", "")).unwrap();
        assert_eq!(details.title, "关于《测试办法》公开征求意见");
        assert_eq!(details.window.days(), 30);
        assert_eq!(details.short_period_reason, None);
    }

    #[test]
    fn a_ten_day_window_without_a_reason_is_an_error_on_the_reason_field() {
        let errors = ConsultationDetails::try_from(&fields("2026-12-01", "2026-12-10", " ")).unwrap_err();
        assert!(errors.get("short_period_reason").unwrap().contains("第十五条"));
        let details = ConsultationDetails::try_from(&fields("2026-12-01", "2026-12-10", "上级要求年底前出台")).unwrap();
        assert_eq!(details.short_period_reason.as_deref(), Some("上级要求年底前出台"));
    }

    #[test]
    fn a_reason_given_for_a_standard_window_is_not_kept() {
        let details = ConsultationDetails::try_from(&fields("2026-12-01", "2027-01-15", "无")).unwrap();
        assert_eq!(details.short_period_reason, None);
    }

    #[test]
    fn every_field_error_is_reported_at_once() {
        let blank = ConsultationFields { owner: "abc".into(), ..ConsultationFields::default() };
        let errors = ConsultationDetails::try_from(&blank).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["title", "issuer", "starts_on", "ends_on", "owner"]);
    }

    #[test]
    fn an_end_before_the_start_is_reported_on_the_end_date() {
        let errors = ConsultationDetails::try_from(&fields("2026-12-10", "2026-12-01", "")).unwrap_err();
        assert_eq!(errors.get("ends_on"), Some("截止日期不能早于开始日期"));
    }

    #[test]
    fn dates_may_use_slashes() {
        assert_eq!(parse_date("2026/12/01"), NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(parse_date("12/01/2026"), None);
    }

    #[test]
    fn version_labels_parse_from_their_chinese_names() {
        assert_eq!(VersionLabel::parse("修订稿"), Some(VersionLabel::Revised));
        assert_eq!(VersionLabel::parse("草稿"), None);
    }
}
