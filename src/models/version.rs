//! Versions of a consultation's draft and the links between the sections of one version and the next.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{drafts, section_links, sections};
use crate::db::{Conn, write_tx};
use crate::domain::ids::{ConsultationId, DraftId, SectionId};
use crate::drafts::ImportedDraft;
use crate::error::AppError;
use crate::models::draft::{Draft, DraftSource, Section};

/// Where a section of the previous version went in this one.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = section_links)]
pub struct SectionLink {
    pub from_section_id: SectionId,
    pub to_section_id: SectionId,
    pub to_draft_id: DraftId,
    /// `drafts::versions::Change` code: kept, changed or moved.
    pub change: String,
    /// `drafts::versions::Basis` code: same_text, similar, part or manual.
    pub basis: String,
}

impl SectionLink {
    /// The links into a version's sections, in no particular order.
    pub fn into_draft(conn: &mut Conn, draft_id: DraftId) -> QueryResult<Vec<SectionLink>> {
        section_links::table.filter(section_links::to_draft_id.eq(draft_id)).select(SectionLink::as_select()).load(conn)
    }

    /// Replaces the links into a version (the drafter's corrections).
    pub fn replace_into(conn: &mut Conn, draft_id: DraftId, links: &[SectionLink]) -> Result<(), AppError> {
        write_tx(conn, |conn| {
            diesel::delete(section_links::table.filter(section_links::to_draft_id.eq(draft_id))).execute(conn)?;
            for chunk in links.chunks(500) {
                crate::on_inner!(conn, c => diesel::insert_into(section_links::table).values(chunk).execute(c))?;
            }
            Ok(())
        })
    }
}

impl Draft {
    /// The versions the public may read (confirmed ones), oldest first.
    pub fn versions(conn: &mut Conn, consultation_id: ConsultationId) -> QueryResult<Vec<Draft>> {
        drafts::table
            .filter(drafts::consultation_id.eq(consultation_id))
            .filter(drafts::pending.eq(false))
            .order(drafts::version_no.asc())
            .select(Draft::as_select())
            .load(conn)
    }

    /// A confirmed version by its number.
    pub fn version(conn: &mut Conn, consultation_id: ConsultationId, version_no: i32) -> QueryResult<Draft> {
        drafts::table
            .filter(drafts::consultation_id.eq(consultation_id))
            .filter(drafts::version_no.eq(version_no))
            .filter(drafts::pending.eq(false))
            .select(Draft::as_select())
            .first(conn)
    }

    /// The revision waiting for its matching to be confirmed, if any.
    pub fn pending_for(conn: &mut Conn, consultation_id: ConsultationId) -> QueryResult<Option<Draft>> {
        drafts::table
            .filter(drafts::consultation_id.eq(consultation_id))
            .filter(drafts::pending.eq(true))
            .select(Draft::as_select())
            .first(conn)
            .optional()
    }

    /// Stores a revision, pending, with the links its matching proposes (given as indexes into the
    /// previous version's sections and the revision's); an earlier pending revision is dropped.
    pub fn create_pending(
        conn: &mut Conn,
        consultation_id: ConsultationId,
        source: &DraftSource<'_>,
        imported: &ImportedDraft,
        previous: &[Section],
        links: &[(usize, usize, &str, &str)],
        now: NaiveDateTime,
    ) -> Result<DraftId, AppError> {
        write_tx(conn, |conn| {
            Draft::discard_pending(conn, consultation_id)?;
            let (draft_id, ids) = Draft::insert(conn, consultation_id, source, imported, now, true)?;
            let rows: Vec<SectionLink> = links
                .iter()
                .map(|&(old, new, change, basis)| SectionLink {
                    from_section_id: previous[old].id,
                    to_section_id: ids[new],
                    to_draft_id: draft_id,
                    change: change.to_owned(),
                    basis: basis.to_owned(),
                })
                .collect();
            for chunk in rows.chunks(500) {
                crate::on_inner!(conn, c => diesel::insert_into(section_links::table).values(chunk).execute(c))?;
            }
            Ok(draft_id)
        })
    }

    /// Drops a pending revision with its sections and links.
    pub fn discard_pending(conn: &mut Conn, consultation_id: ConsultationId) -> Result<(), AppError> {
        let pending: Vec<DraftId> = drafts::table
            .filter(drafts::consultation_id.eq(consultation_id))
            .filter(drafts::pending.eq(true))
            .select(drafts::id)
            .load(conn)?;
        for id in pending {
            diesel::delete(section_links::table.filter(section_links::to_draft_id.eq(id))).execute(conn)?;
            // Children point at their parents: remove them first.
            diesel::update(sections::table.filter(sections::draft_id.eq(id)))
                .set(sections::parent_id.eq(None::<SectionId>))
                .execute(conn)?;
            diesel::delete(sections::table.filter(sections::draft_id.eq(id))).execute(conn)?;
            diesel::delete(drafts::table.find(id)).execute(conn)?;
        }
        Ok(())
    }

    /// Makes a pending revision the current version.
    pub fn confirm(conn: &mut Conn, consultation_id: ConsultationId, draft_id: DraftId) -> Result<(), AppError> {
        write_tx(conn, |conn| {
            diesel::update(drafts::table.filter(drafts::consultation_id.eq(consultation_id)))
                .set(drafts::is_current.eq(false))
                .execute(conn)?;
            let n = diesel::update(drafts::table.find(draft_id).filter(drafts::consultation_id.eq(consultation_id)))
                .set((drafts::is_current.eq(true), drafts::pending.eq(false)))
                .execute(conn)?;
            if n == 0 {
                return Err(AppError::NotFound);
            }
            // The public list searches the current version's text.
            crate::models::consultation_index::index(conn, consultation_id)?;
            Ok(())
        })
    }

    /// Sets a version's 起草说明 (empty text removes it).
    pub fn set_explanation(conn: &mut Conn, draft_id: DraftId, text: &str) -> QueryResult<usize> {
        let text = text.trim();
        diesel::update(drafts::table.find(draft_id))
            .set(drafts::explanation.eq((!text.is_empty()).then_some(text)))
            .execute(conn)
    }
}

/// An adopted (or partly adopted) opinion, for the 修改说明 of the 对照表.
pub struct AdoptedOpinion {
    /// The section it was made on (`None`: the whole draft).
    pub section_id: Option<SectionId>,
    /// Where the decision says a later version took it up.
    pub taken_up: Option<SectionId>,
    pub opinion_id: crate::domain::ids::OpinionId,
    pub department: Option<String>,
    pub decision: crate::domain::adoption::AdoptionStatus,
}

impl AdoptedOpinion {
    /// The opinions decided 采纳 or 部分采纳 that were made on any of `made_on` or taken up at any of
    /// `taken_up_at`, by opinion id.
    pub fn on_sections(
        conn: &mut Conn,
        made_on: &[SectionId],
        taken_up_at: &[SectionId],
    ) -> QueryResult<Vec<AdoptedOpinion>> {
        use crate::db::schema::{departments, opinions};
        use crate::domain::adoption::AdoptionStatus;
        type Row = (
            Option<SectionId>,
            Option<SectionId>,
            crate::domain::ids::OpinionId,
            Option<String>,
            Option<AdoptionStatus>,
        );
        let rows: Vec<Row> = opinions::table
            .left_join(departments::table)
            .filter(opinions::section_id.eq_any(made_on).or(opinions::taken_up_section_id.eq_any(taken_up_at)))
            .filter(
                opinions::decision
                    .eq(AdoptionStatus::Adopted.code())
                    .or(opinions::decision.eq(AdoptionStatus::PartlyAdopted.code())),
            )
            .order(opinions::id.asc())
            .select((
                opinions::section_id,
                opinions::taken_up_section_id,
                opinions::id,
                departments::name.nullable(),
                opinions::decision,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(section_id, taken_up, opinion_id, department, decision)| {
                Some(AdoptedOpinion { section_id, taken_up, opinion_id, department, decision: decision? })
            })
            .collect())
    }
}
