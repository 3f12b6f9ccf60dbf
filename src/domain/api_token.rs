//! An API token's name: what the agency's administrator calls the system it is for.

use crate::domain::department::one_line;

const MAX_NAME_CHARS: usize = 40;

/// A token's name, on one line, 1 to 40 characters (「OA系统」「门户网站内容管理系统」).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    /// The name as typed, or the message to show beside the field.
    pub fn parse(raw: &str) -> Result<TokenName, String> {
        let name = one_line(raw);
        if name.is_empty() {
            return Err("请填写令牌名称，例如使用它的系统：OA系统".to_owned());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("令牌名称不能超过{MAX_NAME_CHARS}个字"));
        }
        Ok(TokenName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_required_kept_on_one_line_and_not_too_long() {
        assert_eq!(TokenName::parse("  OA\n系统 ").unwrap().as_str(), "OA 系统");
        assert!(TokenName::parse(" \t ").unwrap_err().starts_with("请填写令牌名称"));
        assert_eq!(TokenName::parse(&"长".repeat(41)).unwrap_err(), "令牌名称不能超过40个字");
        assert!(TokenName::parse(&"长".repeat(40)).is_ok());
    }
}
