//! The department directory (单位/部门): who can be consulted in writing.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::Conn;
use crate::db::schema::departments;
use crate::domain::department::DepartmentDetails;
use crate::domain::ids::DepartmentId;
use crate::error::AppError;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    /// Addresses separated by commas, semicolons or spaces.
    pub emails: String,
    pub contact_person: String,
    pub phone: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset, Debug)]
#[diesel(table_name = departments)]
pub struct DepartmentForm<'a> {
    pub name: &'a str,
    pub emails: &'a str,
    pub contact_person: &'a str,
    pub phone: &'a str,
    pub active: bool,
}

impl Department {
    /// The e-mail addresses, in the order given.
    pub fn email_list(&self) -> Vec<&str> {
        crate::domain::department::split_emails(&self.emails)
    }

    pub fn all(conn: &mut Conn) -> QueryResult<Vec<Department>> {
        departments::table.order(departments::name.asc()).select(Department::as_select()).load(conn)
    }

    pub fn active(conn: &mut Conn) -> QueryResult<Vec<Department>> {
        departments::table
            .filter(departments::active.eq(true))
            .order(departments::name.asc())
            .select(Department::as_select())
            .load(conn)
    }

    pub fn find(conn: &mut Conn, id: DepartmentId) -> QueryResult<Department> {
        departments::table.find(id).select(Department::as_select()).first(conn)
    }

    pub fn find_by_name(conn: &mut Conn, name: &str) -> QueryResult<Option<Department>> {
        departments::table.filter(departments::name.eq(name)).select(Department::as_select()).first(conn).optional()
    }

    pub fn create(conn: &mut Conn, form: &DepartmentForm<'_>, now: NaiveDateTime) -> QueryResult<DepartmentId> {
        crate::insert_returning!(
            conn,
            departments::table,
            (form, departments::created_at.eq(now), departments::updated_at.eq(now)),
            departments::id
        )
    }

    pub fn update(conn: &mut Conn, id: DepartmentId, form: &DepartmentForm<'_>, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(departments::table.find(id))
            .set((form, departments::updated_at.eq(now)))
            .execute(conn)
            .map(|_| ())
    }
}

/// Why a directory entry could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveDepartmentError {
    #[error("名录中已有名为“{0}”的单位")]
    NameTaken(String),
    #[error(transparent)]
    Db(#[from] AppError),
}

impl Department {
    /// Adds a department from the staff form (active), or updates the details of
    /// `existing` (its active flag is left as it is).
    pub fn save(
        conn: &mut Conn,
        existing: Option<DepartmentId>,
        details: &DepartmentDetails,
        now: NaiveDateTime,
    ) -> Result<DepartmentId, SaveDepartmentError> {
        let form = DepartmentForm {
            name: &details.name,
            emails: &details.emails,
            contact_person: &details.contact_person,
            phone: &details.phone,
            active: true,
        };
        let saved = match existing {
            None => Department::create(conn, &form, now),
            Some(id) => diesel::update(departments::table.find(id))
                .set((
                    departments::name.eq(form.name),
                    departments::emails.eq(form.emails),
                    departments::contact_person.eq(form.contact_person),
                    departments::phone.eq(form.phone),
                    departments::updated_at.eq(now),
                ))
                .execute(conn)
                .and_then(|n| if n == 0 { Err(DieselError::NotFound) } else { Ok(id) }),
        };
        saved.map_err(|err| match err {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                SaveDepartmentError::NameTaken(details.name.clone())
            }
            other => SaveDepartmentError::Db(other.into()),
        })
    }

    /// Deactivated departments stay on earlier invitations but are not offered again.
    pub fn set_active(conn: &mut Conn, id: DepartmentId, active: bool, now: NaiveDateTime) -> QueryResult<()> {
        let n = diesel::update(departments::table.find(id))
            .set((departments::active.eq(active), departments::updated_at.eq(now)))
            .execute(conn)?;
        if n == 0 { Err(DieselError::NotFound) } else { Ok(()) }
    }
}
