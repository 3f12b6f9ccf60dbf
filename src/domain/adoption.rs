//! The closed set of adoption decisions (采纳情况) a drafter records for an opinion.

use std::fmt;
use std::str::FromStr;

/// What became of an opinion. Agencies print other words for the same four
/// outcomes (已采纳, 吸收采纳, 是/否 …); those are export-layout labels, not new states.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum AdoptionStatus {
    /// 采纳
    Adopted,
    /// 部分采纳
    PartlyAdopted,
    /// 不予采纳
    NotAdopted,
    /// 解释说明: no change needed, the drafter explains why.
    Explained,
}

crate::stored_as_text!(AdoptionStatus {
    Adopted => "adopted",
    PartlyAdopted => "partly_adopted",
    NotAdopted => "not_adopted",
    Explained => "explained",
});

impl AdoptionStatus {
    /// The standard Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            AdoptionStatus::Adopted => "采纳",
            AdoptionStatus::PartlyAdopted => "部分采纳",
            AdoptionStatus::NotAdopted => "不予采纳",
            AdoptionStatus::Explained => "解释说明",
        }
    }

    /// A reason must be given when an opinion is not (fully) adopted.
    pub fn requires_reason(self) -> bool {
        matches!(self, AdoptionStatus::PartlyAdopted | AdoptionStatus::NotAdopted)
    }
}

impl fmt::Display for AdoptionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for AdoptionStatus {
    type Err = String;

    /// Accepts the stored code or any of the Chinese words agencies use.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(status) = Self::from_code(s) {
            return Ok(status);
        }
        match s {
            "采纳" | "已采纳" | "吸收采纳" | "参考采纳" | "是" => Ok(AdoptionStatus::Adopted),
            "部分采纳" => Ok(AdoptionStatus::PartlyAdopted),
            "不予采纳" | "未采纳" | "不采纳" | "否" => Ok(AdoptionStatus::NotAdopted),
            "解释说明" | "已有规定" | "不涉及" => Ok(AdoptionStatus::Explained),
            other => Err(format!("无法识别的采纳情况：{other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_code() {
        for status in AdoptionStatus::ALL {
            assert_eq!(AdoptionStatus::from_code(status.code()), Some(*status));
        }
    }

    #[test]
    fn agency_words_map_onto_the_closed_set() {
        assert_eq!("吸收采纳".parse(), Ok(AdoptionStatus::Adopted));
        assert_eq!("未采纳".parse(), Ok(AdoptionStatus::NotAdopted));
        assert_eq!("已有规定".parse(), Ok(AdoptionStatus::Explained));
        assert!("随便".parse::<AdoptionStatus>().is_err());
    }

    #[test]
    fn only_partial_and_rejection_demand_a_reason() {
        assert!(AdoptionStatus::PartlyAdopted.requires_reason());
        assert!(AdoptionStatus::NotAdopted.requires_reason());
        assert!(!AdoptionStatus::Adopted.requires_reason());
        assert!(!AdoptionStatus::Explained.requires_reason());
    }
}
