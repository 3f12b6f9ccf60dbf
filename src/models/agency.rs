//! Agencies (单位) and their staff memberships (agency_members): who works for which
//! agency, in which role.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::{agencies, agency_members, users};
use crate::domain::agency::{AgencyDetails, AgencyRole, StaffAccess};
use crate::domain::ids::{AgencyId, UserId};
use crate::models::User;

/// The agency that held everything before there were agencies (made by the migration).
pub const DEFAULT_AGENCY: AgencyId = AgencyId(1);

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: AgencyId,
    pub name: String,
    pub short_name: String,
    pub parent_id: Option<AgencyId>,
    pub contact: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = agencies)]
struct NewAgency<'a> {
    name: &'a str,
    short_name: &'a str,
    parent_id: Option<AgencyId>,
    contact: &'a str,
    created_at: NaiveDateTime,
}

/// A member of an agency's staff.
pub struct Member {
    pub user: User,
    pub role: AgencyRole,
}

impl Agency {
    pub fn find(conn: &mut Conn, id: AgencyId) -> QueryResult<Agency> {
        agencies::table.find(id).select(Agency::as_select()).first(conn)
    }

    /// Every agency, by name.
    pub fn list(conn: &mut Conn) -> QueryResult<Vec<Agency>> {
        agencies::table.order((agencies::name.asc(), agencies::id.asc())).select(Agency::as_select()).load(conn)
    }

    /// The names of these agencies, by id.
    pub fn names(conn: &mut Conn, ids: &[AgencyId]) -> QueryResult<std::collections::HashMap<AgencyId, String>> {
        let rows: Vec<(AgencyId, String)> =
            agencies::table.filter(agencies::id.eq_any(ids)).select((agencies::id, agencies::name)).load(conn)?;
        Ok(rows.into_iter().collect())
    }

    /// A new agency; `Ok(None)` when the name is taken.
    pub fn create(conn: &mut Conn, details: &AgencyDetails, now: NaiveDateTime) -> QueryResult<Option<AgencyId>> {
        let taken: i64 = agencies::table.filter(agencies::name.eq(&details.name)).count().get_result(conn)?;
        if taken > 0 {
            return Ok(None);
        }
        let row = NewAgency {
            name: &details.name,
            short_name: &details.short_name,
            parent_id: details.parent,
            contact: &details.contact,
            created_at: now,
        };
        crate::insert_returning!(conn, agencies::table, &row, agencies::id).map(Some)
    }

    /// Changes the details; `Ok(false)` when another agency has the name.
    pub fn update(conn: &mut Conn, id: AgencyId, details: &AgencyDetails) -> QueryResult<bool> {
        let taken: i64 = agencies::table
            .filter(agencies::name.eq(&details.name))
            .filter(agencies::id.ne(id))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Ok(false);
        }
        diesel::update(agencies::table.find(id))
            .set((
                agencies::name.eq(&details.name),
                agencies::short_name.eq(&details.short_name),
                agencies::parent_id.eq(details.parent.filter(|p| *p != id)),
                agencies::contact.eq(&details.contact),
            ))
            .execute(conn)?;
        Ok(true)
    }

    /// The agency's staff, by name.
    pub fn members(conn: &mut Conn, id: AgencyId) -> QueryResult<Vec<Member>> {
        let rows: Vec<(User, AgencyRole)> = agency_members::table
            .inner_join(users::table)
            .filter(agency_members::agency_id.eq(id))
            .order((users::display_name.asc(), users::id.asc()))
            .select((User::as_select(), agency_members::role))
            .load(conn)?;
        Ok(rows.into_iter().map(|(user, role)| Member { user, role }).collect())
    }

    /// Adds a member, or changes the role of one.
    pub fn set_member(conn: &mut Conn, id: AgencyId, user: UserId, role: AgencyRole) -> QueryResult<()> {
        crate::on_inner!(conn, c => diesel::insert_into(agency_members::table)
            .values((
                agency_members::agency_id.eq(id),
                agency_members::user_id.eq(user),
                agency_members::role.eq(role),
            ))
            .on_conflict((agency_members::agency_id, agency_members::user_id))
            .do_update()
            .set(agency_members::role.eq(role))
            .execute(c))
        .map(|_| ())
    }

    pub fn remove_member(conn: &mut Conn, id: AgencyId, user: UserId) -> QueryResult<()> {
        diesel::delete(agency_members::table.find((id, user))).execute(conn).map(|_| ())
    }
}

/// The access rules' view of a user: their account role and memberships.
pub fn access_of(conn: &mut Conn, user: &User) -> QueryResult<StaffAccess> {
    let memberships: Vec<(AgencyId, AgencyRole)> = agency_members::table
        .filter(agency_members::user_id.eq(user.id))
        .order(agency_members::agency_id.asc())
        .select((agency_members::agency_id, agency_members::role))
        .load(conn)?;
    Ok(StaffAccess { user: user.id, platform_admin: user.is_admin(), active: user.active, memberships })
}
