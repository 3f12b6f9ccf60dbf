//! Where decisions were taken up: a section of a later version of the draft, as pages name it
//! (「已在第2版（修订稿）第五条体现」) and link to it.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::{drafts, opinions, sections};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::{ConsultationId, OpinionId, SectionId};
use crate::models::draft::section_title;
use crate::models::version::SectionLink;
use crate::models::{Draft, Opinion, Section};

/// A section of a confirmed or pending version, with what names it to the public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionPlace {
    pub section_id: SectionId,
    pub consultation_id: ConsultationId,
    pub version_no: i32,
    pub version_label: String,
    /// A revision whose matching is not confirmed yet: not a place to point at.
    pub pending: bool,
    /// 「第五条」, 「二、实施创新发展行动」
    pub title: String,
    pub anchor: String,
}

impl SectionPlace {
    /// The places of these sections (unknown ids are left out).
    pub fn load(conn: &mut Conn, ids: &[SectionId]) -> QueryResult<HashMap<SectionId, SectionPlace>> {
        type Row = (SectionId, ConsultationId, i32, String, bool, String, String, String);
        let rows: Vec<Row> = sections::table
            .inner_join(drafts::table)
            .filter(sections::id.eq_any(ids))
            .select((
                sections::id,
                drafts::consultation_id,
                drafts::version_no,
                drafts::version_label,
                drafts::pending,
                sections::number,
                sections::heading,
                sections::anchor,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(section_id, consultation_id, version_no, version_label, pending, number, heading, anchor)| {
                let place = SectionPlace {
                    section_id,
                    consultation_id,
                    version_no,
                    version_label,
                    pending,
                    title: short_title(&number, &heading),
                    anchor,
                };
                (section_id, place)
            })
            .collect())
    }

    /// The places the consultation's decisions were taken up at.
    pub fn of_consultation(
        conn: &mut Conn,
        consultation: ConsultationId,
    ) -> QueryResult<HashMap<SectionId, SectionPlace>> {
        let ids: Vec<Option<SectionId>> = opinions::table
            .filter(opinions::consultation_id.eq(consultation))
            .filter(opinions::taken_up_section_id.is_not_null())
            .select(opinions::taken_up_section_id)
            .distinct()
            .load(conn)?;
        let ids: Vec<SectionId> = ids.into_iter().flatten().collect();
        SectionPlace::load(conn, &ids)
    }

    /// 「第2版（修订稿）第五条」
    pub fn name(&self) -> String {
        format!("第{}版（{}）{}", self.version_no, self.version_label, self.title)
    }

    /// 「已在第2版（修订稿）第五条体现」
    pub fn sentence(&self) -> String {
        format!("已在{}体现", self.name())
    }

    /// The section on its version's public page.
    pub fn url(&self) -> String {
        format!("/consultations/{}/versions/{}#s-{}", self.consultation_id, self.version_no, self.anchor)
    }
}

/// 「第五条」 for an article (its heading is the opening of its text); otherwise the title.
fn short_title(number: &str, heading: &str) -> String {
    if number.ends_with(['章', '节', '条', '段']) || number.starts_with("附件") {
        number.to_owned()
    } else {
        section_title(number, heading)
    }
}

/// The version an opinion was made on: its section's, or the first for an opinion on the whole draft.
pub fn version_of(conn: &mut Conn, opinion: &Opinion) -> QueryResult<i32> {
    match opinion.section_id {
        Some(section) => sections::table
            .inner_join(drafts::table)
            .filter(sections::id.eq(section))
            .select(drafts::version_no)
            .first(conn),
        None => Ok(drafts::table
            .filter(drafts::consultation_id.eq(opinion.consultation_id))
            .filter(drafts::pending.eq(false))
            .select(diesel::dsl::min(drafts::version_no))
            .first::<Option<i32>>(conn)?
            .unwrap_or(1)),
    }
}

/// The confirmed versions after the one `opinion` was made on, each with its sections, oldest
/// first: where a decision on it can have been taken up.
pub fn later_versions(conn: &mut Conn, opinion: &Opinion) -> QueryResult<Vec<(Draft, Vec<Section>)>> {
    let after = version_of(conn, opinion)?;
    Draft::versions(conn, opinion.consultation_id)?
        .into_iter()
        .filter(|d| d.version_no > after)
        .map(|d| {
            let sections = Section::for_draft(conn, d.id)?;
            Ok((d, sections))
        })
        .collect()
}

/// The section an opinion's own section was matched to in the next version (the first of them
/// in the text, for a split), if there is one: the place a decision is most likely taken up at.
pub fn matched_in_next(
    conn: &mut Conn,
    opinion: &Opinion,
    later: &[(Draft, Vec<Section>)],
) -> QueryResult<Option<SectionId>> {
    let (Some(section), Some((next, sections))) = (opinion.section_id, later.first()) else { return Ok(None) };
    let targets: HashSet<SectionId> = SectionLink::into_draft(conn, next.id)?
        .into_iter()
        .filter(|l| l.from_section_id == section)
        .map(|l| l.to_section_id)
        .collect();
    Ok(sections.iter().find(|s| targets.contains(&s.id)).map(|s| s.id))
}

/// An opinion whose decision names where it was taken up, with the place.
pub struct TakenUpOpinion {
    pub opinion_id: OpinionId,
    pub body: String,
    pub decision: AdoptionStatus,
    pub place: SectionPlace,
}

impl TakenUpOpinion {
    /// The consultation's opinions decided 采纳 / 部分采纳 with a place, by opinion id.
    pub fn for_consultation(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<Vec<TakenUpOpinion>> {
        let rows: Vec<(OpinionId, String, Option<AdoptionStatus>, Option<SectionId>)> = opinions::table
            .filter(opinions::consultation_id.eq(consultation))
            .filter(opinions::taken_up_section_id.is_not_null())
            .order(opinions::id.asc())
            .select((opinions::id, opinions::body, opinions::decision, opinions::taken_up_section_id))
            .load(conn)?;
        let ids: Vec<SectionId> = rows.iter().filter_map(|r| r.3).collect();
        let places = SectionPlace::load(conn, &ids)?;
        Ok(rows
            .into_iter()
            .filter_map(|(opinion_id, body, decision, section)| {
                let place = places.get(&section?)?.clone();
                Some(TakenUpOpinion { opinion_id, body, decision: decision?, place })
            })
            .collect())
    }
}
