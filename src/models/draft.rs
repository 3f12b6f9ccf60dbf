//! Versions of a consultation's draft (征求意见稿, 修订稿 …) and their numbered sections.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{drafts, sections};
use crate::db::{Conn, write_tx};
use crate::domain::consultation::VersionLabel;
use crate::domain::ids::{ConsultationId, DraftId, SectionId};
use crate::domain::wording::DraftName;
use std::collections::HashMap;

use crate::drafts::outline::Outline;
use crate::drafts::{DraftSection, HeadingKind, ImportedDraft};
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
    /// The draft's own 目录, exactly as in the file: shown as its table of contents, never a section.
    pub toc: Option<String>,
    /// A notice the file held before the draft (公告, 征求意见的通知), exactly as in the file.
    pub notice: Option<String>,
    /// Whether `notice` is the consultation's 公告 (in place of the one typed in its details).
    pub notice_is_announcement: bool,
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
    toc: Option<&'a str>,
    notice: Option<&'a str>,
    notice_is_announcement: bool,
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
    /// Offer the notice found before the draft as the consultation's 公告.
    pub announce_notice: bool,
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
            // The public list searches the current draft's text.
            crate::models::consultation_index::index(conn, consultation_id)?;
            Ok(draft_id)
        })
    }

    /// How letters, mails and downloads name the consultation's draft: its current
    /// version's title and label, or the consultation's title before any upload.
    pub fn name_for(conn: &mut Conn, consultation: &crate::models::Consultation) -> QueryResult<DraftName> {
        Ok(match Draft::current_for(conn, consultation.id)? {
            Some(draft) => DraftName::new(&draft.title, &draft.version_label),
            None => DraftName::new(&consultation.title, VersionLabel::ForComment.label()),
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
            toc: imported.toc.as_deref(),
            notice: imported.notice.as_deref(),
            notice_is_announcement: source.announce_notice && imported.notice.is_some(),
        };
        let draft_id: DraftId = crate::insert_returning!(conn, drafts::table, &new_draft, drafts::id)?;
        let ids = insert_sections(conn, draft_id, &imported.sections)?;
        Ok((draft_id, ids))
    }

    /// The draft's sections and 目录 as the importer made them (or as corrected since).
    pub fn outline(&self, conn: &mut Conn) -> Result<Outline, AppError> {
        let rows = Section::for_draft(conn, self.id)?;
        let index: HashMap<SectionId, usize> = rows.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let sections = rows
            .into_iter()
            .map(|s| {
                let kind = HeadingKind::from_code(&s.kind)
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("section {} has kind {:?}", s.id, s.kind)))?;
                Ok(DraftSection {
                    level: u8::try_from(s.level).unwrap_or(u8::MAX),
                    kind,
                    number: s.number,
                    heading: s.heading,
                    text: s.body,
                    anchor: s.anchor,
                    parent: s.parent_id.and_then(|p| index.get(&p).copied()),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(Outline { sections, toc: self.toc.clone() })
    }

    /// Stores a corrected outline in place of the draft's sections and 目录. The caller makes
    /// sure no opinion refers to a section (they are new rows).
    pub fn replace_outline(conn: &mut Conn, id: DraftId, outline: &Outline) -> QueryResult<()> {
        diesel::update(sections::table.filter(sections::draft_id.eq(id)))
            .set(sections::parent_id.eq(None::<SectionId>))
            .execute(conn)?;
        diesel::delete(sections::table.filter(sections::draft_id.eq(id))).execute(conn)?;
        diesel::update(drafts::table.find(id)).set(drafts::toc.eq(outline.toc.as_deref())).execute(conn)?;
        insert_sections(conn, id, &outline.sections).map(|_| ())
    }

    /// Whether the draft's notice is the consultation's 公告.
    pub fn set_notice_is_announcement(conn: &mut Conn, id: DraftId, announce: bool) -> QueryResult<()> {
        diesel::update(drafts::table.find(id).filter(drafts::notice.is_not_null()))
            .set(drafts::notice_is_announcement.eq(announce))
            .execute(conn)
            .map(|_| ())
    }

    /// The notice to show as the consultation's 公告, when the drafter chose the draft's.
    pub fn announced_notice(&self) -> Option<&str> {
        self.notice.as_deref().filter(|_| self.notice_is_announcement)
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

/// Inserts a draft's sections in order. Parents come before their children, so each parent's id
/// is known in time.
/// Inserts a draft's sections in order; returns their ids in the same order.
fn insert_sections(conn: &mut Conn, draft_id: DraftId, sections: &[DraftSection]) -> QueryResult<Vec<SectionId>> {
    let mut ids: Vec<SectionId> = Vec::with_capacity(sections.len());
    for (position, section) in sections.iter().enumerate() {
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
    Ok(ids)
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

    /// "二、实施创新发展行动", "第二条 适用范围" — see [`section_title`].
    pub fn title(&self) -> String {
        section_title(&self.number, &self.heading)
    }
}

/// "二、实施创新发展行动", "第二条 适用范围" — number and short heading, as a table of contents
/// shows it. Numbers that end in a word (第X章/节/条/段, 附件N) are followed by a space, as
/// regulations print them; punctuated ones (二、 （一） 1.) are not. "前言" for the preamble.
pub fn section_title(number: &str, heading: &str) -> String {
    let spaced = number.ends_with(['章', '节', '条', '段']) || number.starts_with("附件");
    match (number.is_empty(), heading.is_empty()) {
        (true, true) => "前言".to_owned(),
        (true, false) => heading.to_owned(),
        (false, true) => number.to_owned(),
        (false, false) if spaced => format!("{number} {heading}"),
        (false, false) => format!("{number}{heading}"),
    }
}
