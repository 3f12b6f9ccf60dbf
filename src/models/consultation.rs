//! A consultation (意见征集): title, issuer, notice, window and feedback.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{consultations, users};
use crate::db::{Conn, write_tx};
use crate::domain::agency::StaffAccess;
use crate::domain::consultation::ConsultationDetails;
use crate::domain::ids::{AgencyId, ConsultationId, UserId};
use crate::domain::window::{ConsultationWindow, Status};
use crate::error::AppError;
use crate::models::{Draft, Section};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = consultations)]
pub struct Consultation {
    pub id: ConsultationId,
    pub seed_key: Option<String>,
    pub title: String,
    pub issuer: String,
    pub notice: String,
    pub how_to_comment: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub short_period_reason: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub feedback_text: Option<String>,
    pub feedback_published_at: Option<NaiveDateTime>,
    pub opinion_count: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The drafter who manages it; `None` until an administrator assigns one.
    pub owner_id: Option<UserId>,
    /// The heading the drafter gave the published adoption table; `None`: the layout's own.
    pub feedback_table_title: Option<String>,
    /// The agency (单位) it belongs to.
    pub agency_id: AgencyId,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = consultations)]
pub struct NewConsultation<'a> {
    pub seed_key: Option<&'a str>,
    pub title: &'a str,
    pub issuer: &'a str,
    pub notice: &'a str,
    pub how_to_comment: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub short_period_reason: Option<&'a str>,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub owner_id: Option<UserId>,
}

impl NewConsultation<'_> {
    /// Inserts the consultation with its first round (in the caller's transaction).
    pub fn insert(&self, conn: &mut Conn) -> QueryResult<ConsultationId> {
        let id = crate::insert_returning!(conn, consultations::table, self, consultations::id)?;
        let window = ConsultationWindow::new(self.starts_on, self.ends_on)
            .unwrap_or_else(|_| ConsultationWindow::standard_from(self.starts_on));
        crate::models::round::Round::insert_first(conn, id, window, self.short_period_reason, self.created_at)?;
        Ok(id)
    }
}

impl Consultation {
    pub fn window(&self) -> ConsultationWindow {
        // Rows are only written through `ConsultationWindow`, so the dates are ordered;
        // should one be edited by hand into disorder, treat it as a one-day window.
        ConsultationWindow::new(self.starts_on, self.ends_on)
            .unwrap_or_else(|_| ConsultationWindow::standard_from(self.starts_on))
    }

    pub fn status(&self, now: DateTime<Utc>) -> Status {
        self.window().status(now, self.feedback_published_at.is_some())
    }

    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }

    /// Published consultations, newest window first.
    pub fn list_published(conn: &mut Conn) -> QueryResult<Vec<Consultation>> {
        consultations::table
            .filter(consultations::published_at.is_not_null())
            .order((consultations::starts_on.desc(), consultations::id.desc()))
            .select(Consultation::as_select())
            .load(conn)
    }

    /// A consultation the public may see (404 while unpublished).
    pub fn find_published(conn: &mut Conn, id: ConsultationId) -> QueryResult<Consultation> {
        consultations::table
            .filter(consultations::id.eq(id))
            .filter(consultations::published_at.is_not_null())
            .select(Consultation::as_select())
            .first(conn)
    }

    pub fn find(conn: &mut Conn, id: ConsultationId) -> QueryResult<Consultation> {
        consultations::table.find(id).select(Consultation::as_select()).first(conn)
    }

    pub fn find_by_seed_key(conn: &mut Conn, key: &str) -> QueryResult<Option<Consultation>> {
        consultations::table
            .filter(consultations::seed_key.eq(key))
            .select(Consultation::as_select())
            .first(conn)
            .optional()
    }

    pub fn count(conn: &mut Conn) -> QueryResult<i64> {
        consultations::table.count().get_result(conn)
    }

    /// The consultations someone manages, newest first, each with its owner's name: all
    /// of them for a platform administrator; for others those of the agencies they
    /// administer and those assigned to them.
    pub fn list_managed_by(conn: &mut Conn, access: &StaffAccess) -> QueryResult<Vec<(Consultation, Option<String>)>> {
        let order = (consultations::starts_on.desc(), consultations::id.desc());
        let select = (Consultation::as_select(), users::display_name.nullable());
        if access.platform_admin {
            consultations::table.left_join(users::table).order(order).select(select).load(conn)
        } else {
            consultations::table
                .left_join(users::table)
                .filter(
                    consultations::owner_id.eq(access.user).or(consultations::agency_id.eq_any(access.administered())),
                )
                .order(order)
                .select(select)
                .load(conn)
        }
    }

    /// A page of an agency's consultations, published or not, newest first, and how many it has.
    pub fn page_of_agency(
        conn: &mut Conn,
        agency: AgencyId,
        offset: i64,
        limit: i64,
    ) -> QueryResult<(Vec<Consultation>, i64)> {
        let of_agency = consultations::agency_id.eq(agency);
        let total = consultations::table.filter(of_agency).count().get_result(conn)?;
        let items = consultations::table
            .filter(of_agency)
            .order(consultations::id.desc())
            .offset(offset)
            .limit(limit)
            .select(Consultation::as_select())
            .load(conn)?;
        Ok((items, total))
    }

    /// Stores a new, unpublished consultation.
    pub fn create(
        conn: &mut Conn,
        details: &ConsultationDetails,
        owner: Option<UserId>,
        agency: AgencyId,
        now: NaiveDateTime,
    ) -> Result<ConsultationId, AppError> {
        // The agency is set apart from the insert so that `NewConsultation` keeps the
        // default agency for the seeds and tools that build it directly.
        write_tx(conn, |conn| {
            let id = NewConsultation {
                seed_key: None,
                title: &details.title,
                issuer: &details.issuer,
                notice: &details.notice,
                how_to_comment: &details.how_to_comment,
                starts_on: details.window.starts_on(),
                ends_on: details.window.ends_on(),
                short_period_reason: details.short_period_reason.as_deref(),
                published_at: None,
                created_at: now,
                updated_at: now,
                owner_id: owner,
            }
            .insert(conn)?;
            diesel::update(consultations::table.find(id)).set(consultations::agency_id.eq(agency)).execute(conn)?;
            Ok(id)
        })
    }

    pub fn update_details(
        conn: &mut Conn,
        id: ConsultationId,
        details: &ConsultationDetails,
        owner: Option<UserId>,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        write_tx(conn, |conn| {
            diesel::update(consultations::table.find(id))
                .set((
                    consultations::title.eq(&details.title),
                    consultations::issuer.eq(&details.issuer),
                    consultations::notice.eq(&details.notice),
                    consultations::how_to_comment.eq(&details.how_to_comment),
                    consultations::starts_on.eq(details.window.starts_on()),
                    consultations::ends_on.eq(details.window.ends_on()),
                    consultations::short_period_reason.eq(details.short_period_reason.as_deref()),
                    consultations::owner_id.eq(owner),
                    consultations::updated_at.eq(now),
                ))
                .execute(conn)?;
            crate::models::round::Round::sync_latest(conn, id)?;
            // The public list searches the title, issuer and notice too.
            crate::models::consultation_index::index(conn, id)?;
            Ok(())
        })
    }

    /// Makes the consultation public, if it has a draft to show. Returns whether it is
    /// published now (already published counts); `false` means there is no draft yet.
    pub fn publish(conn: &mut Conn, id: ConsultationId, now: NaiveDateTime) -> Result<bool, AppError> {
        write_tx(conn, |conn| {
            if Draft::current_for(conn, id)?.is_none() {
                return Ok(false);
            }
            diesel::update(consultations::table.find(id).filter(consultations::published_at.is_null()))
                .set((consultations::published_at.eq(now), consultations::updated_at.eq(now)))
                .execute(conn)?;
            crate::models::round::Round::sync_latest(conn, id)?;
            Ok(true)
        })
    }

    /// Takes the consultation off the public site again; what it received is kept.
    pub fn withdraw(conn: &mut Conn, id: ConsultationId, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(consultations::table.find(id))
            .set((consultations::published_at.eq(None::<NaiveDateTime>), consultations::updated_at.eq(now)))
            .execute(conn)
            .map(|_| ())
    }

    /// Gives every demo consultation that has no owner to `owner`.
    pub fn assign_unowned_demo_consultations(conn: &mut Conn, owner: UserId) -> QueryResult<usize> {
        diesel::update(
            consultations::table
                .filter(consultations::seed_key.is_not_null())
                .filter(consultations::owner_id.is_null()),
        )
        .set(consultations::owner_id.eq(owner))
        .execute(conn)
    }
}

/// A published consultation and the sections of its current draft: what opinions are about.
pub struct Commentable {
    pub consultation: Consultation,
    pub sections: Vec<Section>,
    /// How receipts name the draft.
    pub draft: crate::domain::wording::DraftName,
    /// The round opinions sent now belong to (the latest).
    pub round_no: i32,
}

impl Commentable {
    pub fn load(conn: &mut Conn, id: ConsultationId) -> Result<Commentable, AppError> {
        let consultation = Consultation::find_published(conn, id)?;
        let (sections, draft) = match Draft::current_for(conn, id)? {
            Some(draft) => {
                let name = crate::domain::wording::DraftName::new(&draft.title, &draft.version_label);
                (Section::for_draft(conn, draft.id)?, name)
            }
            None => (Vec::new(), Draft::name_for(conn, &consultation)?),
        };
        let round_no = crate::models::round::Round::current_number(conn, id)?;
        Ok(Commentable { consultation, sections, draft, round_no })
    }

    /// The section with this anchor; `None` for the draft as a whole (an empty anchor).
    pub fn section(&self, anchor: &str) -> Result<Option<&Section>, AppError> {
        if anchor.is_empty() {
            return Ok(None);
        }
        self.sections.iter().find(|s| s.anchor == anchor).map(Some).ok_or(AppError::NotFound)
    }

    /// Why opinions are not accepted now, if they are not: a heading and a message.
    pub fn closed_message(&self) -> Option<(&'static str, String)> {
        let window = self.consultation.window();
        match self.consultation.status(Utc::now()) {
            Status::Open => None,
            Status::Scheduled => {
                Some(("意见征集尚未开始", format!("本次意见征集将于 {} 开始，届时欢迎提出意见。", window.starts_on())))
            }
            Status::Closed | Status::FeedbackPublished => {
                Some(("意见征集已结束", format!("本次意见征集已于 {} 结束，不再接收意见。", window.ends_on())))
            }
        }
    }
}
