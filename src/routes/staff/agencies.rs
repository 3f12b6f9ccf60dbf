//! Agencies (单位) for staff: a platform administrator adds agencies; an agency's
//! administrators keep its details and its staff (who is a member, in which role).

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{AdminUser, CsrfForm, NoFields, StaffUser};
use crate::db;
use crate::domain::account::Username;
use crate::domain::agency::{AgencyDetails, AgencyFields, AgencyRole, StaffAccess};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{AgencyId, UserId};
use crate::error::AppError;
use crate::models::User;
use crate::models::agency::{Agency, Member};
use crate::routes::render;
use crate::state::AppState;

/// An agency as the list shows it.
pub struct AgencyRow {
    pub url: String,
    pub public_url: String,
    pub name: String,
    pub short_name: String,
    pub parent: Option<String>,
    pub manageable: bool,
}

#[derive(Template)]
#[template(path = "staff/agencies.html")]
struct ListPage {
    staff: StaffChrome,
    rows: Vec<AgencyRow>,
    parents: Vec<(String, String)>,
    fields: AgencyFields,
    errors: FieldErrors,
}

fn rows(all: &[Agency], access: &StaffAccess) -> Vec<AgencyRow> {
    all.iter()
        .filter(|a| access.platform_admin || access.role_in(a.id).is_some())
        .map(|a| AgencyRow {
            url: format!("/staff/agencies/{}", a.id),
            public_url: format!("/agencies/{}", a.id),
            name: a.name.clone(),
            short_name: a.short_name.clone(),
            parent: a.parent_id.and_then(|p| all.iter().find(|x| x.id == p)).map(|p| p.name.clone()),
            manageable: access.administers(a.id),
        })
        .collect()
}

fn parents(all: &[Agency]) -> Vec<(String, String)> {
    all.iter().map(|a| (a.id.to_string(), a.name.clone())).collect()
}

async fn all_agencies(state: &AppState) -> Result<Vec<Agency>, AppError> {
    db::run(&state.pool, |conn| Ok(Agency::list(conn)?)).await
}

#[get("/agencies")]
pub async fn index(state: web::Data<AppState>, staff: StaffUser) -> Result<HttpResponse, AppError> {
    let all = all_agencies(&state).await?;
    render(&ListPage {
        rows: rows(&all, &staff.access),
        parents: parents(&all),
        staff: StaffChrome::new(&staff),
        fields: AgencyFields::default(),
        errors: FieldErrors::new(),
    })
}

#[post("/agencies")]
pub async fn create(
    state: web::Data<AppState>,
    posted: CsrfForm<AgencyFields, AdminUser>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: AdminUser(staff), form: fields } = posted;
    let all = all_agencies(&state).await?;
    let parsed = AgencyDetails::try_from(&fields).and_then(|d| check_parent(d, &all));
    let created = match parsed {
        Ok(details) => {
            let now = Utc::now().naive_utc();
            let name = details.name.clone();
            db::run(&state.pool, move |conn| Ok(Agency::create(conn, &details, now)?))
                .await?
                .ok_or_else(|| FieldErrors::one("name", format!("单位“{name}”已存在")))
        }
        Err(errors) => Err(errors),
    };
    match created {
        Ok(id) => {
            staff.session.flash(false, "单位已添加。下一步：添加单位管理员。")?;
            Ok(see_other(&format!("/staff/agencies/{id}")))
        }
        Err(errors) => render_invalid(&ListPage {
            rows: rows(&all, &staff.access),
            parents: parents(&all),
            staff: StaffChrome::new(&staff),
            fields,
            errors,
        }),
    }
}

fn check_parent(details: AgencyDetails, all: &[Agency]) -> Result<AgencyDetails, FieldErrors> {
    match details.parent {
        Some(p) if !all.iter().any(|a| a.id == p) => Err(FieldErrors::one("parent", "请从列表中选择上级单位")),
        _ => Ok(details),
    }
}

/// A member as the agency page lists them.
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub username: String,
    pub role: &'static str,
    pub active: bool,
    pub remove_url: String,
}

#[derive(Template)]
#[template(path = "staff/agency_show.html")]
struct ShowPage {
    staff: StaffChrome,
    agency: Agency,
    members: Vec<MemberRow>,
    parents: Vec<(String, String)>,
    fields: AgencyFields,
    errors: FieldErrors,
    member: MemberFields,
    member_errors: FieldErrors,
    new_consultation_url: String,
}

/// The add-a-member form.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct MemberFields {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub role: String,
}

/// The agency, if `staff` administers it (403 otherwise, 404 if there is none).
async fn administered(state: &AppState, staff: &StaffUser, id: AgencyId) -> Result<(Agency, Vec<Member>), AppError> {
    let (agency, members) =
        db::run(&state.pool, move |conn| Ok((Agency::find(conn, id)?, Agency::members(conn, id)?))).await?;
    if !staff.access.administers(id) {
        return Err(AppError::Forbidden("此页面仅限该单位的管理员和平台管理员使用。".to_owned()));
    }
    Ok((agency, members))
}

struct Edits {
    fields: Option<(AgencyFields, FieldErrors)>,
    member: Option<(MemberFields, FieldErrors)>,
}

async fn show_page(state: &AppState, staff: &StaffUser, id: AgencyId, edits: Edits) -> Result<ShowPage, AppError> {
    let (agency, members) = administered(state, staff, id).await?;
    let all = all_agencies(state).await?;
    let (fields, errors) = edits.fields.unwrap_or_else(|| {
        let fields = AgencyFields {
            name: agency.name.clone(),
            short_name: agency.short_name.clone(),
            parent: agency.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            contact: agency.contact.clone(),
        };
        (fields, FieldErrors::new())
    });
    let (member, member_errors) = edits.member.unwrap_or_default();
    Ok(ShowPage {
        staff: StaffChrome::new(staff),
        members: members
            .iter()
            .map(|m| MemberRow {
                user_id: m.user.id.to_string(),
                name: m.user.display_name.clone(),
                username: m.user.username.clone(),
                role: m.role.label(),
                active: m.user.active,
                remove_url: format!("/staff/agencies/{id}/members/{}/remove", m.user.id),
            })
            .collect(),
        parents: all.iter().filter(|a| a.id != id).map(|a| (a.id.to_string(), a.name.clone())).collect(),
        new_consultation_url: format!("/staff/consultations/new?agency={id}"),
        agency,
        fields,
        errors,
        member,
        member_errors,
    })
}

#[get("/agencies/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<AgencyId>,
) -> Result<HttpResponse, AppError> {
    render(&show_page(&state, &staff, id.into_inner(), Edits { fields: None, member: None }).await?)
}

#[post("/agencies/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<AgencyId>,
    posted: CsrfForm<AgencyFields>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form: fields } = posted;
    let id = id.into_inner();
    administered(&state, &staff, id).await?;
    let all = all_agencies(&state).await?;
    let saved = match AgencyDetails::try_from(&fields).and_then(|d| check_parent(d, &all)) {
        Ok(details) => {
            let name = details.name.clone();
            let ok = db::run(&state.pool, move |conn| Ok(Agency::update(conn, id, &details)?)).await?;
            if ok { Ok(()) } else { Err(FieldErrors::one("name", format!("单位“{name}”已存在"))) }
        }
        Err(errors) => Err(errors),
    };
    match saved {
        Ok(()) => {
            state.pages.forget_all();
            staff.session.flash(false, "已保存单位信息。")?;
            Ok(see_other(&format!("/staff/agencies/{id}")))
        }
        Err(errors) => {
            let edits = Edits { fields: Some((fields, errors)), member: None };
            render_invalid(&show_page(&state, &staff, id, edits).await?)
        }
    }
}

#[post("/agencies/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    id: web::Path<AgencyId>,
    posted: CsrfForm<MemberFields>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form } = posted;
    let id = id.into_inner();
    administered(&state, &staff, id).await?;
    let role = AgencyRole::from_code(form.role.trim());
    let username = Username::parse(&form.username).ok();
    let found = match username {
        Some(name) => db::run(&state.pool, move |conn| Ok(User::find_by_username(conn, &name)?)).await?,
        None => None,
    };
    let mut errors = FieldErrors::new();
    if found.is_none() {
        errors.add("username", "没有这个用户名的账号；新账号由平台管理员在“账号管理”中创建");
    }
    if role.is_none() {
        errors.add("role", "请选择角色");
    }
    let (Some(user), Some(role)) = (found, role) else {
        let edits = Edits { fields: None, member: Some((form, errors)) };
        return render_invalid(&show_page(&state, &staff, id, edits).await?);
    };
    let user_id = user.id;
    db::run(&state.pool, move |conn| Ok(Agency::set_member(conn, id, user_id, role)?)).await?;
    staff.session.flash(false, format!("{} 现为本单位{}。", user.display_name, role.label()))?;
    Ok(see_other(&format!("/staff/agencies/{id}")))
}

#[post("/agencies/{id}/members/{user}/remove")]
pub async fn remove_member(
    state: web::Data<AppState>,
    path: web::Path<(AgencyId, UserId)>,
    posted: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let staff = posted.user;
    let (id, user) = path.into_inner();
    administered(&state, &staff, id).await?;
    db::run(&state.pool, move |conn| Ok(Agency::remove_member(conn, id, user)?)).await?;
    staff.session.flash(false, "已移出本单位。")?;
    Ok(see_other(&format!("/staff/agencies/{id}")))
}
