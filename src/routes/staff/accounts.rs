//! Staff accounts, for administrators: list, create, deactivate or reactivate, reset a password.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{StaffChrome, audit, render_invalid, see_other};
use crate::auth::{AdminUser, CsrfForm, StaffUser};
use crate::db;
use crate::domain::account::{NewAccount, NewAccountFields, NewPassword, Role};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::UserId;
use crate::domain::window::format_china;
use crate::error::AppError;
use diesel::Connection;

use crate::models::audit::AuditAction;
use crate::models::staff_session::StaffSessionRecord;
use crate::models::user::NewUserError;
use crate::models::{NewUser, User};
use crate::routes::render;
use crate::services::accounts::hash_off_thread;
use crate::state::AppState;

/// One account as the list shows it.
pub struct AccountRow {
    pub url: String,
    pub username: String,
    pub display_name: String,
    pub role_label: &'static str,
    pub active: bool,
    pub last_login: String,
    pub is_self: bool,
}

impl AccountRow {
    fn new(u: &User, me: &User) -> AccountRow {
        AccountRow {
            url: format!("/staff/users/{}", u.id),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role_label: u.role.label(),
            active: u.active,
            last_login: u.last_login_at.map(format_china).unwrap_or_else(|| "从未登录".to_owned()),
            is_self: u.id == me.id,
        }
    }
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "staff/users.html")]
struct UsersPage {
    staff: StaffChrome,
    accounts: Vec<AccountRow>,
    /// The new-account form as typed, the password left out.
    fields: NewAccountFields,
    errors: FieldErrors,
    roles: Vec<RoleOption>,
}

impl UsersPage {
    fn new(staff: &StaffUser, users: &[User], mut fields: NewAccountFields, errors: FieldErrors) -> UsersPage {
        fields.password.clear();
        let chosen = fields.role.parse::<Role>().unwrap_or(Role::Drafter);
        UsersPage {
            staff: StaffChrome::new(staff),
            accounts: users.iter().map(|u| AccountRow::new(u, &staff.user)).collect(),
            roles: Role::ALL
                .iter()
                .copied()
                .map(|r| RoleOption { code: r.code(), label: r.label(), selected: r == chosen })
                .collect(),
            fields,
            errors,
        }
    }
}

async fn all_users(state: &AppState) -> Result<Vec<User>, AppError> {
    db::run(&state.pool, |conn| Ok(User::list(conn)?)).await
}

#[get("/users")]
pub async fn index(state: web::Data<AppState>, admin: AdminUser) -> Result<HttpResponse, AppError> {
    let users = all_users(&state).await?;
    render(&UsersPage::new(&admin.0, &users, NewAccountFields::default(), FieldErrors::new()))
}

#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    posted: CsrfForm<NewAccountFields, AdminUser>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: AdminUser(admin), form: fields } = posted;
    let account = match NewAccount::try_from(&fields) {
        Ok(account) => account,
        Err(errors) => return render_invalid(&UsersPage::new(&admin, &all_users(&state).await?, fields, errors)),
    };
    let hash = hash_off_thread(account.password.clone()).await?;
    let now = Utc::now().naive_utc();
    let insert = move |conn: &mut db::Conn| {
        Ok(NewUser::new(&account.username, &account.display_name, account.role, &hash, now).insert(conn))
    };
    match db::run(&state.pool, insert).await? {
        Ok(_) => {}
        Err(NewUserError::UsernameTaken(name)) => {
            let errors = FieldErrors::one("username", format!("用户名“{name}”已被使用，请换一个"));
            return render_invalid(&UsersPage::new(&admin, &all_users(&state).await?, fields, errors));
        }
        Err(NewUserError::Db(err)) => return Err(err),
    }
    let name = fields.username.trim().to_ascii_lowercase();
    audit(
        &state,
        Some((admin.user.id, admin.user.display_name.clone())),
        "",
        AuditAction::AccountCreated,
        name.clone(),
    )
    .await?;
    admin.session.flash(false, format!("已创建账号 {name}。请通过安全的渠道把初始密码告知本人。"))?;
    Ok(see_other("/staff/users"))
}

#[derive(Template)]
#[template(path = "staff/user_show.html")]
struct UserPage {
    staff: StaffChrome,
    account: AccountRow,
    action_url: String,
    password_error: Option<String>,
}

async fn user_page(
    state: &AppState,
    admin: &StaffUser,
    id: UserId,
    password_error: Option<String>,
) -> Result<UserPage, AppError> {
    let user = db::run(&state.pool, move |conn| Ok(User::find(conn, id)?)).await?;
    Ok(UserPage {
        staff: StaffChrome::new(admin),
        account: AccountRow::new(&user, &admin.user),
        action_url: format!("/staff/users/{id}"),
        password_error,
    })
}

#[get("/users/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    render(&user_page(&state, &admin.0, id.into_inner(), None).await?)
}

#[derive(Deserialize)]
pub struct PasswordFields {
    #[serde(default)]
    password: String,
}

#[post("/users/{id}/password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    posted: CsrfForm<PasswordFields, AdminUser>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: AdminUser(admin), form } = posted;
    let id = id.into_inner();
    let password = match NewPassword::parse(&form.password) {
        Ok(password) => password,
        Err(err) => return render_invalid(&user_page(&state, &admin, id, Some(err.to_string())).await?),
    };
    let hash = hash_off_thread(password).await?;
    let now = Utc::now().naive_utc();
    db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            User::set_password_hash(conn, id, &hash, now)?;
            StaffSessionRecord::end_all(conn, id, now)
        })?)
    })
    .await?;
    let subject = account_name(&state, id).await?;
    audit(&state, Some((admin.user.id, admin.user.display_name.clone())), "", AuditAction::PasswordReset, subject)
        .await?;
    admin.session.flash(false, "密码已重置。该账号需用新密码重新登录。")?;
    Ok(see_other(&format!("/staff/users/{id}")))
}

#[derive(Deserialize)]
pub struct ActiveFields {
    #[serde(default)]
    active: String,
}

#[post("/users/{id}/active")]
pub async fn set_active(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    posted: CsrfForm<ActiveFields, AdminUser>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: AdminUser(admin), form } = posted;
    let id = id.into_inner();
    let active = form.active == "true";
    if id == admin.user.id && !active {
        admin.session.flash(true, "不能停用自己的账号。")?;
        return Ok(see_other(&format!("/staff/users/{id}")));
    }
    let now = Utc::now().naive_utc();
    db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            User::set_active(conn, id, active, now)?;
            if !active {
                StaffSessionRecord::end_all(conn, id, now)?;
            }
            diesel::QueryResult::Ok(())
        })?)
    })
    .await?;
    let action = if active { AuditAction::AccountActivated } else { AuditAction::AccountDeactivated };
    let subject = account_name(&state, id).await?;
    audit(&state, Some((admin.user.id, admin.user.display_name.clone())), "", action, subject).await?;
    admin.session.flash(false, if active { "账号已恢复启用。" } else { "账号已停用，该账号不能再登录。" })?;
    Ok(see_other(&format!("/staff/users/{id}")))
}

/// The login name of account `id`, for the audit log.
async fn account_name(state: &AppState, id: UserId) -> Result<String, AppError> {
    db::run(&state.pool, move |conn| Ok(User::find(conn, id)?.username)).await
}
