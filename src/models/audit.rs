//! The staff audit log (staff_audit): who logged in or failed to, logged out, exported a table with
//! contacts, changed an account, published or withdrew; API tokens made and revoked, and what
//! each token changed through the staff API. Staff names and what was touched only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::staff_audit;
use crate::domain::ids::UserId;

/// What a staff member did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    LogoutEverywhere,
    ExportWithContacts,
    AccountCreated,
    PasswordReset,
    AccountDeactivated,
    AccountActivated,
    Published,
    Withdrawn,
    ApiTokenCreated,
    ApiTokenRevoked,
    ConsultationCreated,
    DraftUploaded,
    MaterialUploaded,
    ExplanationSaved,
    DecisionRecorded,
    FeedbackPublished,
}

impl AuditAction {
    pub const ALL: [AuditAction; 19] = [
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::LogoutEverywhere,
        AuditAction::ExportWithContacts,
        AuditAction::AccountCreated,
        AuditAction::PasswordReset,
        AuditAction::AccountDeactivated,
        AuditAction::AccountActivated,
        AuditAction::Published,
        AuditAction::Withdrawn,
        AuditAction::ApiTokenCreated,
        AuditAction::ApiTokenRevoked,
        AuditAction::ConsultationCreated,
        AuditAction::DraftUploaded,
        AuditAction::MaterialUploaded,
        AuditAction::ExplanationSaved,
        AuditAction::DecisionRecorded,
        AuditAction::FeedbackPublished,
    ];

    /// As stored.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::LogoutEverywhere => "logout_everywhere",
            AuditAction::ExportWithContacts => "export_with_contacts",
            AuditAction::AccountCreated => "account_created",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::AccountDeactivated => "account_deactivated",
            AuditAction::AccountActivated => "account_activated",
            AuditAction::Published => "published",
            AuditAction::Withdrawn => "withdrawn",
            AuditAction::ApiTokenCreated => "api_token_created",
            AuditAction::ApiTokenRevoked => "api_token_revoked",
            AuditAction::ConsultationCreated => "consultation_created",
            AuditAction::DraftUploaded => "draft_uploaded",
            AuditAction::MaterialUploaded => "material_uploaded",
            AuditAction::ExplanationSaved => "explanation_saved",
            AuditAction::DecisionRecorded => "decision_recorded",
            AuditAction::FeedbackPublished => "feedback_published",
        }
    }

    /// As shown to administrators.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Login => "登录",
            AuditAction::LoginFailed => "登录失败",
            AuditAction::Logout => "退出登录",
            AuditAction::LogoutEverywhere => "退出所有设备",
            AuditAction::ExportWithContacts => "导出含联系方式的表格",
            AuditAction::AccountCreated => "新建账号",
            AuditAction::PasswordReset => "重置密码",
            AuditAction::AccountDeactivated => "停用账号",
            AuditAction::AccountActivated => "启用账号",
            AuditAction::Published => "发布意见征集",
            AuditAction::Withdrawn => "撤回意见征集",
            AuditAction::ApiTokenCreated => "新建API令牌",
            AuditAction::ApiTokenRevoked => "撤销API令牌",
            AuditAction::ConsultationCreated => "新建意见征集",
            AuditAction::DraftUploaded => "上传征求意见稿",
            AuditAction::MaterialUploaded => "上传材料",
            AuditAction::ExplanationSaved => "保存起草说明",
            AuditAction::DecisionRecorded => "记录采纳情况",
            AuditAction::FeedbackPublished => "公布意见反馈",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff_audit)]
pub struct AuditEntry {
    pub id: i32,
    pub at: NaiveDateTime,
    pub actor_id: Option<i32>,
    /// The staff member's display name; for a failed login, the login name as typed.
    pub actor: String,
    pub action: String,
    /// What was touched: an account's login name, a consultation's number and title.
    pub subject: String,
}

impl AuditEntry {
    /// The action's label, or the stored code for one this version does not know.
    pub fn action_label(&self) -> &str {
        match AuditAction::from_code(&self.action) {
            Some(action) => action.label(),
            None => &self.action,
        }
    }

    /// Records what `actor` did to `subject`.
    pub fn record(
        conn: &mut Conn,
        actor_id: Option<UserId>,
        actor: &str,
        action: AuditAction,
        subject: &str,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        let short = |s: &str, n: usize| s.chars().filter(|c| !c.is_control()).take(n).collect::<String>();
        diesel::insert_into(staff_audit::table)
            .values((
                staff_audit::at.eq(now),
                staff_audit::actor_id.eq(actor_id.map(|u| u.0)),
                staff_audit::actor.eq(short(actor, 64)),
                staff_audit::action.eq(action.code()),
                staff_audit::subject.eq(short(subject, 300)),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// The newest `limit` entries, newest first.
    pub fn recent(conn: &mut Conn, limit: i64) -> QueryResult<Vec<AuditEntry>> {
        staff_audit::table.order(staff_audit::id.desc()).limit(limit).select(AuditEntry::as_select()).load(conn)
    }

    /// Every entry, oldest first (for the CSV export).
    pub fn all(conn: &mut Conn) -> QueryResult<Vec<AuditEntry>> {
        staff_audit::table.order(staff_audit::id.asc()).select(AuditEntry::as_select()).load(conn)
    }
}
