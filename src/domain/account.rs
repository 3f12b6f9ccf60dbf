//! Staff accounts as parsed values: role, user name, display name, and a new password.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::Deserialize;

use crate::config::Secret;
use crate::domain::fields::FieldErrors;
use crate::text::normalise::clean_stored_text;

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Role {
    /// 管理员: manages accounts and every consultation.
    Admin,
    /// 起草人员: manages the consultations assigned to them.
    Drafter,
}

crate::stored_as_text!(Role { Admin => "admin", Drafter => "drafter" });

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Drafter => "起草人员",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Role, AccountError> {
        Role::from_code(s.trim()).ok_or(AccountError::UnknownRole)
    }
}

/// Why account details were refused; the messages are shown beside the form fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("用户名须为 2–32 位小写字母、数字或 . _ -，并以字母或数字开头")]
    BadUsername,
    #[error("请填写姓名（不超过 40 个字）")]
    BadDisplayName,
    #[error("密码至少 {MIN_PASSWORD_CHARS} 个字符")]
    PasswordTooShort,
    #[error("密码不能超过 {MAX_PASSWORD_CHARS} 个字符")]
    PasswordTooLong,
    #[error("请选择角色：管理员或起草人员")]
    UnknownRole,
}

/// A login name: 2–32 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
/// Input is trimmed and lower-cased, so `Zhang.San` and `zhang.san` are one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Username, AccountError> {
        let name = input.trim().to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
        let starts_well = name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
        if (2..=32).contains(&name.len()) && starts_well && name.chars().all(allowed) {
            Ok(Username(name))
        } else {
            Err(AccountError::BadUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown to other staff (张三, 区司法局 李四).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<DisplayName, AccountError> {
        let name = clean_stored_text(input).split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || name.chars().count() > 40 {
            return Err(AccountError::BadDisplayName);
        }
        Ok(DisplayName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;

/// A password someone chose (or was given) for an account; never logged, never shown.
#[derive(Debug, Clone)]
pub struct NewPassword(Secret<String>);

/// No 0/O, 1/l/I: the generated password is read off a console and typed in.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

impl NewPassword {
    pub fn parse(input: &str) -> Result<NewPassword, AccountError> {
        let chars = input.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(AccountError::PasswordTooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(AccountError::PasswordTooLong);
        }
        Ok(NewPassword(Secret::new(input.to_owned())))
    }

    /// A random password of 18 characters from a 56-letter alphabet (about 104 bits).
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> NewPassword {
        let password: String =
            (0..18).map(|_| char::from(PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())])).collect();
        NewPassword(Secret::new(password))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// The new-account form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewAccountFields {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

/// A new account's details, parsed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: NewPassword,
}

impl TryFrom<&NewAccountFields> for NewAccount {
    type Error = FieldErrors;

    fn try_from(f: &NewAccountFields) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::new();
        let username = Username::parse(&f.username).map_err(|e| errors.add("username", e)).ok();
        let display_name = DisplayName::parse(&f.display_name).map_err(|e| errors.add("display_name", e)).ok();
        let role = f.role.parse::<Role>().map_err(|e| errors.add("role", e)).ok();
        let password = NewPassword::parse(&f.password).map_err(|e| errors.add("password", e)).ok();
        match (username, display_name, role, password) {
            (Some(username), Some(display_name), Some(role), Some(password)) => {
                Ok(NewAccount { username, display_name, role, password })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_account_form_reports_every_bad_field() {
        let fields = NewAccountFields { username: "张三".into(), role: "root".into(), ..Default::default() };
        let errors = NewAccount::try_from(&fields).unwrap_err();
        let names: Vec<&str> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(names, ["username", "display_name", "role", "password"]);
        let fields = NewAccountFields {
            username: "Li.Si".into(),
            display_name: " 李四 ".into(),
            role: "drafter".into(),
            password: "a long enough password".into(),
        };
        let account = NewAccount::try_from(&fields).unwrap();
        assert_eq!((account.username.as_str(), account.display_name.as_str()), ("li.si", "李四"));
        assert_eq!(account.role, Role::Drafter);
    }

    #[test]
    fn user_names_are_lower_cased_and_limited_to_a_safe_alphabet() {
        assert_eq!(Username::parse("  Zhang.San ").unwrap().as_str(), "zhang.san");
        assert_eq!(Username::parse("drafter-01").unwrap().as_str(), "drafter-01");
        for bad in ["", "a", "张三", "-lead", "with space", "x".repeat(33).as_str(), "a/b"] {
            assert_eq!(Username::parse(bad), Err(AccountError::BadUsername), "{bad:?}");
        }
    }

    #[test]
    fn a_password_needs_ten_characters_counted_as_characters_not_bytes() {
        assert_eq!(NewPassword::parse("short-pw1").unwrap_err(), AccountError::PasswordTooShort);
        assert!(NewPassword::parse("十个汉字的密码也可以吗").is_ok());
        assert_eq!(NewPassword::parse(&"x".repeat(201)).unwrap_err(), AccountError::PasswordTooLong);
    }

    #[test]
    fn generated_passwords_are_long_distinct_and_unambiguous() {
        let mut rng = rand::rng();
        let a = NewPassword::generate(&mut rng);
        let b = NewPassword::generate(&mut rng);
        assert_eq!(a.expose().len(), 18);
        assert_ne!(a.expose(), b.expose());
        assert!(!a.expose().contains(['0', 'O', '1', 'l', 'I']));
    }

    #[test]
    fn a_new_password_does_not_show_in_debug_output() {
        let p = NewPassword::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn roles_round_trip_through_their_codes() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(*role));
        }
        assert_eq!("root".parse::<Role>(), Err(AccountError::UnknownRole));
    }
}
