//! Staff authentication and authorisation: the session cookie, CSRF tokens,
//! and the extractors and checks that staff handlers use.
//!
//! Every staff POST handler takes [`CsrfForm`] or [`CsrfUpload`], which check the session's
//! CSRF token before the handler runs; [`StaffUser`] itself refuses to serve anything but
//! GET and HEAD, so that a POST handler cannot be written without the check.

mod extract;
pub mod session;

pub use extract::{AdminUser, Anonymous, Authenticated, CsrfForm, CsrfUpload, NoFields, StaffUser, UploadedFile};
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
    match next {
        Some(path)
            if (path == "/staff" || path.starts_with("/staff/") || path.starts_with("/staff?"))
                && !path.starts_with("/staff/login")
                && !path.contains("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/staff".to_owned(),
    }
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
}
