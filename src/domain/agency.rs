//! Agencies (单位) and what a member of staff may do in them: a role per agency, and the
//! rule that decides who manages a consultation.

use serde::Deserialize;

use crate::domain::department::{one_line, unit_name};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{AgencyId, UserId};

const MAX_SHORT_CHARS: usize = 20;
const MAX_CONTACT_CHARS: usize = 200;

/// A member's role in one agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum AgencyRole {
    /// 单位管理员: manages the agency's staff and all its consultations.
    AgencyAdmin,
    /// 起草人员: manages the consultations assigned to them.
    Drafter,
}

crate::stored_as_text!(AgencyRole { AgencyAdmin => "agency_admin", Drafter => "drafter" });

impl AgencyRole {
    pub fn label(self) -> &'static str {
        match self {
            AgencyRole::AgencyAdmin => "单位管理员",
            AgencyRole::Drafter => "起草人员",
        }
    }
}

/// Who is asking, as the access rules see it: loaded with the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccess {
    pub user: UserId,
    /// 平台管理员 (the account role `admin`): oversees every agency.
    pub platform_admin: bool,
    pub active: bool,
    pub memberships: Vec<(AgencyId, AgencyRole)>,
}

impl StaffAccess {
    pub fn role_in(&self, agency: AgencyId) -> Option<AgencyRole> {
        self.memberships.iter().find(|(a, _)| *a == agency).map(|(_, r)| *r)
    }

    /// Whether they manage the agency's staff and every one of its consultations.
    pub fn administers(&self, agency: AgencyId) -> bool {
        self.active && (self.platform_admin || self.role_in(agency) == Some(AgencyRole::AgencyAdmin))
    }

    /// The agencies whose consultations they manage all of (empty for a platform
    /// administrator, who manages everything anyway).
    pub fn administered(&self) -> Vec<AgencyId> {
        self.memberships.iter().filter(|(_, r)| *r == AgencyRole::AgencyAdmin).map(|(a, _)| *a).collect()
    }

    /// Whether they may manage a consultation of `agency` assigned to `owner`: platform
    /// administrators all, an agency's administrators the agency's, a drafter those
    /// assigned to them (an assignment is made by someone who manages the consultation).
    pub fn can_manage(&self, agency: AgencyId, owner: Option<UserId>) -> bool {
        self.active && (self.administers(agency) || owner == Some(self.user))
    }

    /// Whether they may create consultations for `agency`: its members, and platform
    /// administrators.
    pub fn can_create_in(&self, agency: AgencyId) -> bool {
        self.active && (self.platform_admin || self.role_in(agency).is_some())
    }
}

/// The agency form as submitted, kept whole so an error loses nothing typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AgencyFields {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub short_name: String,
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub contact: String,
}

/// An agency's details the rest of the code can trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyDetails {
    pub name: String,
    /// The name as lists show it; the full name when none was given.
    pub short_name: String,
    pub parent: Option<AgencyId>,
    /// Address, phone, e-mail as the agency publishes them.
    pub contact: String,
}

impl TryFrom<&AgencyFields> for AgencyDetails {
    type Error = FieldErrors;

    fn try_from(f: &AgencyFields) -> Result<AgencyDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = unit_name(&f.name, &mut errors);
        let mut short_name = one_line(&f.short_name);
        if short_name.chars().count() > MAX_SHORT_CHARS {
            errors.add("short_name", format!("简称不能超过{MAX_SHORT_CHARS}个字"));
        }
        if short_name.is_empty() {
            short_name = name.clone();
        }
        let parent = match f.parent.trim() {
            "" => None,
            p => match p.parse::<AgencyId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("parent", "请从列表中选择上级单位");
                    None
                }
            },
        };
        let contact = f.contact.trim().to_owned();
        if contact.chars().count() > MAX_CONTACT_CHARS {
            errors.add("contact", format!("联系方式不能超过{MAX_CONTACT_CHARS}个字"));
        }
        errors.into_result(|| AgencyDetails { name, short_name, parent, contact })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(platform_admin: bool, memberships: &[(i32, AgencyRole)]) -> StaffAccess {
        StaffAccess {
            user: UserId(7),
            platform_admin,
            active: true,
            memberships: memberships.iter().map(|(a, r)| (AgencyId(*a), *r)).collect(),
        }
    }

    #[test]
    fn an_agency_admin_manages_every_consultation_of_their_agency_and_none_of_another() {
        let a = access(false, &[(1, AgencyRole::AgencyAdmin), (2, AgencyRole::Drafter)]);
        assert!(a.can_manage(AgencyId(1), None));
        assert!(a.can_manage(AgencyId(1), Some(UserId(99))));
        assert!(!a.can_manage(AgencyId(2), Some(UserId(99))));
        assert!(a.can_manage(AgencyId(2), Some(UserId(7))), "their own assignment");
        assert!(!a.can_manage(AgencyId(3), None));
        assert_eq!(a.administered(), [AgencyId(1)]);
    }

    #[test]
    fn a_drafter_manages_what_is_assigned_to_them_and_a_platform_admin_everything() {
        let d = access(false, &[(1, AgencyRole::Drafter)]);
        assert!(d.can_manage(AgencyId(1), Some(UserId(7))));
        assert!(!d.can_manage(AgencyId(1), None));
        assert!(d.can_create_in(AgencyId(1)) && !d.can_create_in(AgencyId(2)));
        let p = access(true, &[]);
        assert!(p.can_manage(AgencyId(5), None) && p.administers(AgencyId(5)) && p.can_create_in(AgencyId(5)));
    }

    #[test]
    fn a_deactivated_account_manages_nothing() {
        let mut p = access(true, &[(1, AgencyRole::AgencyAdmin)]);
        p.active = false;
        assert!(!p.can_manage(AgencyId(1), Some(UserId(7))));
        assert!(!p.administers(AgencyId(1)));
    }

    #[test]
    fn an_agency_needs_a_name_and_takes_it_as_its_short_name_when_none_is_given() {
        let fields = AgencyFields { name: " 市司法局 ".into(), parent: "1".into(), ..AgencyFields::default() };
        let d = AgencyDetails::try_from(&fields).unwrap();
        assert_eq!((d.name.as_str(), d.short_name.as_str(), d.parent), ("市司法局", "市司法局", Some(AgencyId(1))));
        let errors =
            AgencyDetails::try_from(&AgencyFields { parent: "x".into(), ..AgencyFields::default() }).unwrap_err();
        assert!(errors.get("name").is_some() && errors.get("parent").is_some());
    }
}
