//! The department directory (单位名录): administrators add, edit and deactivate
//! departments; drafters see the list they invite from.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{AdminUser, CsrfForm, StaffUser};
use crate::db;
use crate::domain::department::{DepartmentDetails, DepartmentFields};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::DepartmentId;
use crate::error::AppError;
use crate::models::department::{Department, SaveDepartmentError};
use crate::routes::render;
use crate::state::AppState;

/// One department as the directory lists it.
pub struct DepartmentRow {
    pub edit_url: String,
    pub name: String,
    pub emails: Vec<String>,
    pub contact_person: String,
    pub phone: String,
    pub active: bool,
}

impl DepartmentRow {
    fn new(d: &Department) -> DepartmentRow {
        DepartmentRow {
            edit_url: format!("/staff/departments/{}", d.id),
            name: d.name.clone(),
            emails: d.email_list().into_iter().map(str::to_owned).collect(),
            contact_person: d.contact_person.clone(),
            phone: d.phone.clone(),
            active: d.active,
        }
    }
}

#[derive(Template)]
#[template(path = "staff/departments.html")]
struct DirectoryPage {
    staff: StaffChrome,
    rows: Vec<DepartmentRow>,
    fields: DepartmentFields,
    errors: FieldErrors,
}

async fn all_departments(state: &AppState) -> Result<Vec<Department>, AppError> {
    db::run(&state.pool, |conn| Ok(Department::all(conn)?)).await
}

async fn directory(
    state: &AppState,
    staff: &StaffUser,
    fields: DepartmentFields,
    errors: FieldErrors,
) -> Result<DirectoryPage, AppError> {
    let rows = all_departments(state).await?.iter().map(DepartmentRow::new).collect();
    Ok(DirectoryPage { staff: StaffChrome::new(staff), rows, fields, errors })
}

#[get("/departments")]
pub async fn index(state: web::Data<AppState>, staff: StaffUser) -> Result<HttpResponse, AppError> {
    render(&directory(&state, &staff, DepartmentFields::default(), FieldErrors::new()).await?)
}

/// Saves the details (a new department when `id` is `None`); a refusal is the field errors.
async fn save(
    state: &AppState,
    id: Option<DepartmentId>,
    fields: &DepartmentFields,
) -> Result<Result<DepartmentDetails, FieldErrors>, AppError> {
    let details = match DepartmentDetails::try_from(fields) {
        Ok(details) => details,
        Err(errors) => return Ok(Err(errors)),
    };
    let now = Utc::now().naive_utc();
    let saving = details.clone();
    match db::run(&state.pool, move |conn| Ok(Department::save(conn, id, &saving, now))).await? {
        Ok(_) => Ok(Ok(details)),
        Err(err @ SaveDepartmentError::NameTaken(_)) => Ok(Err(FieldErrors::one("name", err))),
        Err(SaveDepartmentError::Db(err)) => Err(err),
    }
}

#[post("/departments")]
pub async fn create(
    state: web::Data<AppState>,
    posted: CsrfForm<DepartmentFields, AdminUser>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: AdminUser(admin), form: fields } = posted;
    match save(&state, None, &fields).await? {
        Ok(saved) => {
            let warning = if saved.emails.is_empty() {
                "未登记电子邮箱：邀请时需另行告知其反馈链接。"
            } else {
                ""
            };
            admin.session.flash(false, format!("已将“{}”加入单位名录。{warning}", saved.name))?;
            Ok(see_other("/staff/departments"))
        }
        Err(errors) => render_invalid(&directory(&state, &admin, fields, errors).await?),
    }
}

#[derive(Template)]
#[template(path = "staff/department_edit.html")]
struct EditPage {
    staff: StaffChrome,
    action_url: String,
    /// The name on record (the form may hold an edit being corrected).
    stored_name: String,
    active: bool,
    fields: DepartmentFields,
    errors: FieldErrors,
}

async fn edit_page(
    state: &AppState,
    admin: &StaffUser,
    id: DepartmentId,
    edited: Option<(DepartmentFields, FieldErrors)>,
) -> Result<EditPage, AppError> {
    let d = db::run(&state.pool, move |conn| Ok(Department::find(conn, id)?)).await?;
    let (fields, errors) = edited.unwrap_or_else(|| {
        let stored = DepartmentFields {
            name: d.name.clone(),
            emails: d.emails.clone(),
            contact_person: d.contact_person.clone(),
            phone: d.phone.clone(),
        };
        (stored, FieldErrors::new())
    });
    Ok(EditPage {
        staff: StaffChrome::new(admin),
        action_url: format!("/staff/departments/{id}"),
        stored_name: d.name.clone(),
        active: d.active,
        fields,
        errors,
    })
}

#[get("/departments/{id}")]
pub async fn edit(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<DepartmentId>,
) -> Result<HttpResponse, AppError> {
    render(&edit_page(&state, &admin.0, id.into_inner(), None).await?)
}

#[post("/departments/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<DepartmentId>,
    posted: CsrfForm<DepartmentFields, AdminUser>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: AdminUser(admin), form: fields } = posted;
    let id = id.into_inner();
    match save(&state, Some(id), &fields).await? {
        Ok(saved) => {
            admin.session.flash(false, format!("已保存“{}”的信息。", saved.name))?;
            Ok(see_other("/staff/departments"))
        }
        Err(errors) => render_invalid(&edit_page(&state, &admin, id, Some((fields, errors))).await?),
    }
}

#[derive(Deserialize)]
pub struct ActiveFields {
    #[serde(default)]
    active: String,
}

#[post("/departments/{id}/active")]
pub async fn set_active(
    state: web::Data<AppState>,
    id: web::Path<DepartmentId>,
    posted: CsrfForm<ActiveFields, AdminUser>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: AdminUser(admin), form } = posted;
    let (id, active) = (id.into_inner(), form.active == "true");
    let now = Utc::now().naive_utc();
    db::run(&state.pool, move |conn| Ok(Department::set_active(conn, id, active, now)?)).await?;
    let message = if active {
        "已恢复启用，邀请单位时将再次列出。"
    } else {
        "已停用：邀请单位时不再列出；已发出的邀请和收到的意见不受影响。"
    };
    admin.session.flash(false, message)?;
    Ok(see_other(&format!("/staff/departments/{id}")))
}
