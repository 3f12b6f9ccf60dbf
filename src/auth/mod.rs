//! Staff authentication and authorisation: the session cookie, CSRF tokens,
//! and the extractors and checks that staff handlers use.
//!
//! Every staff POST handler takes [`CsrfForm`] or [`CsrfUpload`], which check the session's
//! CSRF token before the handler runs; [`StaffUser`] itself refuses to serve anything but
//! GET and HEAD, so that a POST handler cannot be written without the check.

pub mod bearer;
mod extract;
pub mod origin;
pub mod session;

pub use extract::{AdminUser, Anonymous, Authenticated, CsrfForm, CsrfUpload, NoFields, StaffUser, UploadedFile};
pub(crate) use extract::{read_upload, session_user};
pub use session::{Flash, StaffSession};

use crate::domain::agency::StaffAccess;
use crate::error::AppError;
use crate::models::Consultation;

/// Shown when a form's CSRF token is missing or wrong (an old page, or a forged request).
pub const CSRF_REFUSED: &str = "页面已过期或来源不明，请刷新页面后重试。";

/// Whether someone may manage `consultation`: platform administrators all of them, an
/// agency's administrators the agency's, a drafter those assigned to them.
pub fn can_manage(access: &StaffAccess, consultation: &Consultation) -> bool {
    access.can_manage(consultation.agency_id, consultation.owner_id)
}

/// [`can_manage`] as a check. Refusal is a 403 that says why, not a 404: staff are known
/// people, consultation numbers are sequential anyway, and "not yours" is what helps them.
pub fn ensure_can_manage(access: &StaffAccess, consultation: &Consultation) -> Result<(), AppError> {
    if can_manage(access, consultation) {
        Ok(())
    } else {
        Err(AppError::Forbidden("您无权管理此意见征集。如需处理，请联系管理员将其分配给您。".to_owned()))
    }
}

/// A local path under `/staff` to return to after logging in; anything else (another
/// site, `//host`, a backslash trick) becomes the dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(staff_return_path).filter(|p| !p.starts_with("/staff/login")).unwrap_or("/staff").to_owned()
}

/// `path` if it is a same-site path under `/staff` that is safe to put in a `Location` header:
/// no scheme, no `//host`, no backslash, no control character (CR/LF would break the header), no
/// space. Any return address taken from input (`back`, `next`) goes through here.
pub fn staff_return_path(path: &str) -> Option<&str> {
    let under_staff = path == "/staff" || path.starts_with("/staff/") || path.starts_with("/staff?");
    let plain = !path.contains("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace() || crate::text::normalise::is_invisible(c));
    (under_staff && plain).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_staff_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/staff/consultations/3?tab=draft")), "/staff/consultations/3?tab=draft");
        assert_eq!(safe_next(Some("/staff")), "/staff");
        for bad in [
            "https://evil.example/staff",
            "//evil.example/staff",
            "/staff//evil.example",
            "/\\evil.example",
            "/staff/\\\\evil",
            "/staffing",
            "/",
            "/staff/login?next=/staff",
            "/staff/\r\nSet-Cookie:x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/staff", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/staff");
    }

    #[test]
    fn a_return_address_must_be_a_plain_staff_path() {
        assert_eq!(
            staff_return_path("/staff/consultations/3/review?page=2"),
            Some("/staff/consultations/3/review?page=2")
        );
        for bad in [
            "/staff/consultations/3/review\r\nSet-Cookie: x=1",
            "/staff/x\n",
            "//evil.example/staff/",
            "https://evil.example/staff/",
            "javascript:alert(1)",
            "/staff/../../\\evil",
            "/staff/a b",
            "",
        ] {
            assert_eq!(staff_return_path(bad), None, "{bad:?}");
        }
    }
}
