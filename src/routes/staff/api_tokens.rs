//! An agency's API tokens for the staff API: listed with their last use, created (the token shown
//! once), revoked. For the agency's administrators and platform administrators.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{StaffChrome, audit, render_invalid, see_other};
use crate::auth::{CsrfForm, NoFields, StaffUser};
use crate::db;
use crate::domain::api_token::TokenName;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{AgencyId, ApiTokenId};
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::models::agency::Agency;
use crate::models::api_token::ApiToken;
use crate::models::audit::AuditAction;
use crate::routes::render;
use crate::state::AppState;

/// A token as the list shows it.
pub struct TokenRow {
    pub name: String,
    pub creator: String,
    pub created_at: String,
    pub last_used: String,
    /// When it was revoked; `None` while it works.
    pub revoked: Option<String>,
    pub revoke_url: String,
}

impl TokenRow {
    fn new(t: &ApiToken) -> TokenRow {
        TokenRow {
            name: t.name.clone(),
            creator: t.creator_name.clone(),
            created_at: format_china(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "从未使用".to_owned(), format_china),
            revoked: t.revoked_at.map(format_china),
            revoke_url: format!("/staff/agencies/{}/tokens/{}/revoke", t.agency_id, t.id),
        }
    }
}

/// A token just created, shown this once.
pub struct Issued {
    pub name: String,
    pub token: String,
}

#[derive(Template)]
#[template(path = "staff/api_tokens.html")]
struct TokensPage {
    staff: StaffChrome,
    agency: Agency,
    rows: Vec<TokenRow>,
    issued: Option<Issued>,
    /// The name field as typed, and its error.
    typed_name: String,
    errors: FieldErrors,
}

/// The agency and its tokens, if `staff` administers it (403 otherwise, 404 if there is none).
async fn tokens_page(
    state: &AppState,
    staff: &StaffUser,
    id: AgencyId,
    issued: Option<Issued>,
    typed: Option<(String, FieldErrors)>,
) -> Result<TokensPage, AppError> {
    let (agency, tokens) =
        db::run(&state.pool, move |conn| Ok((Agency::find(conn, id)?, ApiToken::for_agency(conn, id)?))).await?;
    ensure_administers(staff, id)?;
    let (typed_name, errors) = typed.unwrap_or_default();
    Ok(TokensPage {
        staff: StaffChrome::new(staff),
        agency,
        rows: tokens.iter().map(TokenRow::new).collect(),
        issued,
        typed_name,
        errors,
    })
}

fn ensure_administers(staff: &StaffUser, id: AgencyId) -> Result<(), AppError> {
    if staff.access.administers(id) {
        Ok(())
    } else {
        Err(AppError::Forbidden("此页面仅限该单位的管理员和平台管理员使用。".to_owned()))
    }
}

#[get("/agencies/{id}/tokens")]
pub async fn index(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<AgencyId>,
) -> Result<HttpResponse, AppError> {
    render(&tokens_page(&state, &staff, id.into_inner(), None, None).await?)
}

#[derive(Debug, Deserialize)]
pub struct TokenFields {
    #[serde(default)]
    name: String,
}

/// Creates a token and shows it on the page this once (no redirect: it is not kept anywhere
/// it could be shown from again; the staff pages are never cached).
#[post("/agencies/{id}/tokens")]
pub async fn create(
    state: web::Data<AppState>,
    id: web::Path<AgencyId>,
    posted: CsrfForm<TokenFields>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form } = posted;
    let id = id.into_inner();
    ensure_administers(&staff, id)?;
    let name = match TokenName::parse(&form.name) {
        Ok(name) => name,
        Err(message) => {
            let typed = Some((form.name, FieldErrors::one("name", message)));
            return render_invalid(&tokens_page(&state, &staff, id, None, typed).await?);
        }
    };
    let (user, display) = (staff.user.id, staff.user.display_name.clone());
    let now = Utc::now().naive_utc();
    let for_insert = name.clone();
    let (issued, agency) = db::run(&state.pool, move |conn| {
        let agency = Agency::find(conn, id)?;
        Ok((ApiToken::issue(conn, id, &for_insert, (user, &display), now)?, agency))
    })
    .await?;
    let subject = format!("{}：{}", agency.name, name.as_str());
    audit(&state, Some((user, staff.user.display_name.clone())), "", AuditAction::ApiTokenCreated, subject).await?;
    let issued = Issued { name: name.as_str().to_owned(), token: issued.token };
    render(&tokens_page(&state, &staff, id, Some(issued), None).await?)
}

#[post("/agencies/{id}/tokens/{token_id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    path: web::Path<(AgencyId, ApiTokenId)>,
    posted: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let staff = posted.user;
    let (id, token) = path.into_inner();
    ensure_administers(&staff, id)?;
    let now = Utc::now().naive_utc();
    let (found, revoked, agency) = db::run(&state.pool, move |conn| {
        let found = ApiToken::find_in(conn, id, token)?;
        Ok((found, ApiToken::revoke(conn, id, token, now)?, Agency::find(conn, id)?))
    })
    .await?;
    if revoked {
        let subject = format!("{}：{}", agency.name, found.name);
        let actor = Some((staff.user.id, staff.user.display_name.clone()));
        audit(&state, actor, "", AuditAction::ApiTokenRevoked, subject).await?;
        staff.session.flash(false, format!("令牌“{}”已撤销，使用它的系统将无法再调用接口。", found.name))?;
    } else {
        staff.session.flash(false, format!("令牌“{}”此前已撤销。", found.name))?;
    }
    Ok(see_other(&format!("/staff/agencies/{id}/tokens")))
}
