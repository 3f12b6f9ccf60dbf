//! Logging in and out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{audit, render_invalid, see_other};
use crate::auth::{Anonymous, CsrfForm, NoFields, safe_next, session_user};
use crate::db;
use crate::error::AppError;
use crate::models::User;
use crate::models::audit::{AuditAction, AuditEntry};
use crate::models::staff_session::StaffSessionRecord;
use crate::rate_limit::{self, ClientKey, Counting, Scope};
use crate::routes::render;
use crate::services::accounts::check_login;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    csrf: String,
    /// As typed; the password is never sent back.
    username: String,
    next: String,
    error: Option<&'static str>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    done: Option<String>,
}

#[get("/login")]
pub async fn login_form(req: HttpRequest, query: web::Query<LoginQuery>) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    let (user, session) = session_user(&req).await?;
    if user.is_some() {
        return Ok(see_other(&next));
    }
    let notice = match query.done.as_deref() {
        Some("logout") => Some("您已退出登录。"),
        Some("everywhere") => Some("您已在所有设备上退出登录。"),
        _ => None,
    };
    render(&LoginPage { csrf: session.csrf_token()?, username: String::new(), next, error: None, notice })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The same message for an unknown name and a wrong password, so that the form does
/// not tell which accounts exist.
const WRONG_CREDENTIALS: &str = "用户名或密码错误。";
const DEACTIVATED: &str = "该账号已停用，请联系管理员。";

/// Counts a login attempt from this address and for this account name; `true` when
/// either is over the limit for this minute (the password is then not even checked).
async fn throttled(state: &AppState, req: &HttpRequest, username: &str) -> Result<bool, AppError> {
    let client = ClientKey::from_request(req, &state.settings);
    let account = ClientKey::for_account(username, state.settings.secret_key.expose());
    let (limits, limit) = (state.limits.clone(), state.settings.rate_login_per_minute);
    db::run(&state.pool, move |conn| {
        let now = Utc::now();
        let counting = Counting::of(&[(Scope::Login, &client, limit), (Scope::Login, &account, limit)], now);
        Ok(rate_limit::count(conn, &limits, &counting)?.is_err())
    })
    .await
}

#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    posted: CsrfForm<LoginForm, Anonymous>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: Anonymous(session), form } = posted;
    let next = safe_next(Some(&form.next));
    let username = form.username.trim().to_owned();
    if throttled(&state, &req, &username).await? {
        tracing::warn!("staff logins throttled");
        let page = LoginPage {
            csrf: session.csrf_token()?,
            username,
            next,
            error: Some(Scope::Login.message()),
            notice: None,
        };
        return Ok(HttpResponse::build(StatusCode::TOO_MANY_REQUESTS)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Retry-After", "60"))
            .body(page.render()?));
    }
    let error = match check_login(&state.pool, &form.username, form.password).await? {
        Some(user) if user.active => {
            let id = user.id;
            let session_id = db::run(&state.pool, move |conn| {
                let now = Utc::now().naive_utc();
                User::record_login(conn, id, now)?;
                Ok(StaffSessionRecord::open(conn, id, now)?)
            })
            .await?;
            session.begin(&user, &session_id, Utc::now())?;
            tracing::info!(user_id = %user.id, "staff login");
            audit(&state, Some((user.id, user.display_name.clone())), "", AuditAction::Login, String::new()).await?;
            return Ok(see_other(&next));
        }
        Some(_) => DEACTIVATED,
        None => WRONG_CREDENTIALS,
    };
    audit(&state, None, &username, AuditAction::LoginFailed, String::new()).await?;
    tracing::info!("refused a staff login");
    render_invalid(&LoginPage { csrf: session.csrf_token()?, username, next, error: Some(error), notice: None })
}

/// Logs out: the session ends on the server, so a copy of the cookie elsewhere stops working too.
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    posted: CsrfForm<NoFields, Anonymous>,
) -> Result<HttpResponse, AppError> {
    let session = posted.user.0;
    if let Some(session_id) = session.session_id() {
        let who = session.user(Utc::now())?.map(|u| u.id);
        db::run(&state.pool, move |conn| {
            let now = Utc::now().naive_utc();
            if StaffSessionRecord::end(conn, &session_id, now)? > 0
                && let Some(id) = who
            {
                let name = User::find(conn, id)?.display_name;
                AuditEntry::record(conn, Some(id), &name, AuditAction::Logout, "", now)?;
            }
            Ok(())
        })
        .await?;
    }
    session.end();
    Ok(see_other("/staff/login?done=logout"))
}

/// 退出所有设备: ends every session of this account, on every browser and every instance.
#[post("/logout/everywhere")]
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    posted: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let staff = posted.user;
    let id = staff.user.id;
    let ended =
        db::run(&state.pool, move |conn| Ok(StaffSessionRecord::end_all(conn, id, Utc::now().naive_utc())?)).await?;
    tracing::info!(user_id = %id, ended, "staff logged out everywhere");
    let subject = format!("结束 {ended} 个会话");
    audit(&state, Some((id, staff.user.display_name.clone())), "", AuditAction::LogoutEverywhere, subject).await?;
    staff.session.end();
    Ok(see_other("/staff/login?done=everywhere"))
}
