//! Versions of a consultation's draft (征求意见稿, 修订稿 …) and their numbered sections.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{drafts, sections};
use crate::db::{Conn, write_tx};
use crate::domain::ids::{ConsultationId, DraftId, SectionId};
use crate::drafts::ImportedDraft;
use crate::error::AppError;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = drafts)]
pub struct Draft {
    pub id: DraftId,
    pub consultation_id: ConsultationId,
    pub version_label: String,
    pub title: String,
    pub source_name: String,
    pub source_format: String,
    pub source_encoding: String,
    pub is_current: bool,
    pub created_at: NaiveDateTime,
    /// 1 for the first version of a consultation's draft, then 2, 3 …
    pub version_no: i32,
    /// The 起草说明 published with this version.
    pub explanation: Option<String>,
    /// A revision whose matching the drafter has not yet confirmed; never shown to the public.
    pub pending: bool,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = sections)]
pub struct Section {
    pub id: SectionId,
    pub draft_id: DraftId,
    pub position: i32,
    pub parent_id: Option<SectionId>,
    pub level: i32,
    pub kind: String,
    pub number: String,
    pub heading: String,
    pub body: String,
    pub anchor: String,
    pub opinion_count: i32,
}

#[derive(Insertable)]
#[diesel(table_name = drafts)]
struct NewDraft<'a> {
    consultation_id: ConsultationId,
    version_label: &'a str,
    title: &'a str,
    source_name: &'a str,
    source_format: &'a str,
    source_encoding: &'a str,
    is_current: bool,
    created_at: NaiveDateTime,
    version_no: i32,
    pending: bool,
}

#[derive(Insertable)]
#[diesel(table_name = sections)]
struct NewSection<'a> {
    draft_id: DraftId,
    position: i32,
    parent_id: Option<SectionId>,
    level: i32,
    kind: &'a str,
    number: &'a str,
    heading: &'a str,
    body: &'a str,
    anchor: &'a str,
}

/// Where an imported draft came from, for the record.
pub struct DraftSource<'a> {
    pub version_label: &'a str,
    pub title: &'a str,
    pub file_name: &'a str,
}

impl Draft {
    /// Stores an imported draft as the consultation's current version, with all its
    /// sections, in one transaction; earlier versions stay but are no longer current.
    pub fn create(
        conn: &mut Conn,
        consultation_id: ConsultationId,
        source: &DraftSource<'_>,
        imported: &ImportedDraft,
        now: NaiveDateTime,
    ) -> Result<DraftId, AppError> {
        write_tx(conn, |conn| {
            diesel::update(drafts::table.filter(drafts::consultation_id.eq(consultation_id)))
                .set(drafts::is_current.eq(false))
                .execute(conn)?;
            let (draft_id, _) = Draft::insert(conn, consultation_id, source, imported, now, false)?;
            Ok(draft_id)
        })
    }

    /// Stores an imported draft as a new version waiting for its matching to be confirmed (not
    /// current, not public); returns it with its sections' ids in document order. Call inside a
    /// transaction.
    pub(crate) fn insert(
        conn: &mut Conn,
        consultation_id: ConsultationId,
        source: &DraftSource<'_>,
        imported: &ImportedDraft,
        now: NaiveDateTime,
        pending: bool,
    ) -> Result<(DraftId, Vec<SectionId>), AppError> {
        let last: Option<i32> = drafts::table
            .filter(drafts::consultation_id.eq(consultation_id))
            .select(diesel::dsl::max(drafts::version_no))
            .first(conn)?;
        let new_draft = NewDraft {
            consultation_id,
            version_label: source.version_label,
            title: source.title,
            source_name: source.file_name,
            source_format: imported.format.code(),
            source_encoding: imported.encoding,
            is_current: !pending,
            created_at: now,
            version_no: last.unwrap_or(0) + 1,
            pending,
        };
        let draft_id: DraftId = crate::insert_returning!(conn, drafts::table, &new_draft, drafts::id)?;
        // Parents come before their children, so each parent's id is known in time.
        let mut ids: Vec<SectionId> = Vec::with_capacity(imported.sections.len());
        for (position, section) in imported.sections.iter().enumerate() {
            let row = NewSection {
                draft_id,
                position: position as i32,
                parent_id: section.parent.and_then(|p| ids.get(p).copied()),
                level: i32::from(section.level),
                kind: section.kind.code(),
                number: &section.number,
                heading: &section.heading,
                body: &section.text,
                anchor: &section.anchor,
            };
            ids.push(crate::insert_returning!(conn, sections::table, &row, sections::id)?);
        }
        Ok((draft_id, ids))
    }

    pub fn current_for(conn: &mut Conn, consultation_id: ConsultationId) -> QueryResult<Option<Draft>> {
        drafts::table
            .filter(drafts::consultation_id.eq(consultation_id))
            .filter(drafts::is_current.eq(true))
            .select(Draft::as_select())
            .first(conn)
            .optional()
    }
}

impl Section {
    /// All sections of a draft in document order.
    pub fn for_draft(conn: &mut Conn, draft_id: DraftId) -> QueryResult<Vec<Section>> {
        sections::table
            .filter(sections::draft_id.eq(draft_id))
            .order(sections::position.asc())
            .select(Section::as_select())
            .load(conn)
    }

    pub fn find(conn: &mut Conn, id: SectionId) -> QueryResult<Section> {
        sections::table.find(id).select(Section::as_select()).first(conn)
    }

    pub fn find_by_anchor(conn: &mut Conn, draft_id: DraftId, anchor: &str) -> QueryResult<Section> {
        sections::table
            .filter(sections::draft_id.eq(draft_id))
            .filter(sections::anchor.eq(anchor))
            .select(Section::as_select())
            .first(conn)
    }

    /// "二、实施创新发展行动", "第二条 适用范围" — number and short heading, as a table of
    /// contents shows it. Numbers that end in a word (第X章/节/条/段, 附件N) are followed by a
    /// space, as regulations print them; punctuated ones (二、 （一） 1.) are not.
    pub fn title(&self) -> String {
        let spaced = self.number.ends_with(['章', '节', '条', '段']) || self.number.starts_with("附件");
        match (self.number.is_empty(), self.heading.is_empty()) {
            (true, true) => "前言".to_owned(),
            (true, false) => self.heading.clone(),
            (false, true) => self.number.clone(),
            (false, false) if spaced => format!("{} {}", self.number, self.heading),
            (false, false) => format!("{}{}", self.number, self.heading),
        }
    }
}
