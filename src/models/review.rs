//! The drafters' review list: a consultation's opinions from every source, filtered by
//! section, source, decision (including 未处理), flag and text, in keyset pages by id
//! (each page is one indexed range scan, however far into 100,000 opinions it is).

use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::{drafts, opinions, sections};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::{ConsultationId, OpinionId, SectionId};
use crate::domain::source::Source;
use crate::models::{Consultation, Opinion, search};

/// Which part of the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SectionFilter {
    #[default]
    Any,
    /// Opinions on the draft as a whole.
    Whole,
    Section(SectionId),
}

/// Which decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecisionFilter {
    #[default]
    Any,
    /// 未处理
    Undecided,
    Is(AdoptionStatus),
}

/// A review list's filter, as parsed from its query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub section: SectionFilter,
    pub source: Option<Source>,
    pub decision: DecisionFilter,
    pub flagged_only: bool,
    /// Text the opinion or its author's name contains.
    pub text: Option<String>,
    /// One round's opinions (第几次征求意见); `None`: every round.
    pub round: Option<i32>,
}

/// One page of the list.
pub struct ReviewPage {
    pub opinions: Vec<Opinion>,
    /// The id to continue after, when there are more.
    pub next_after: Option<OpinionId>,
}

/// `%` and `_` typed by a person are meant literally.
fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl ReviewFilter {
    /// The filter as a query; `candidates` is what the text index says (see
    /// [`search::candidates`]).
    fn query<'a>(
        &'a self,
        candidates: Option<String>,
        consultation: ConsultationId,
    ) -> opinions::BoxedQuery<'a, crate::db::MultiBackend> {
        let mut query = opinions::table.filter(opinions::consultation_id.eq(consultation)).into_boxed();
        if let Some(round) = self.round {
            query = query.filter(opinions::round_no.eq(round));
        }
        query = match self.section {
            SectionFilter::Any => query,
            SectionFilter::Whole => query.filter(opinions::section_id.is_null()),
            SectionFilter::Section(id) => query.filter(opinions::section_id.eq(id)),
        };
        if let Some(source) = self.source {
            query = query.filter(opinions::source.eq(source.code()));
        }
        query = match self.decision {
            DecisionFilter::Any => query,
            DecisionFilter::Undecided => query.filter(opinions::decision.is_null()),
            DecisionFilter::Is(status) => query.filter(opinions::decision.eq(status.code())),
        };
        if self.flagged_only {
            // The column alone, not `= true`: the condition of the index of flagged opinions,
            // which both databases see only in the same words.
            query = query.filter(opinions::flagged);
        }
        if let Some(text) = &self.text {
            // The index narrows the search to the few opinions holding the text's bigrams;
            // the exact test below decides among them.
            if let Some(candidates) = candidates {
                query = query.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&candidates));
            }
            let pattern = like_pattern(text);
            query = query.filter(
                opinions::body.like(pattern.clone()).escape('\\').or(opinions::author_name.like(pattern).escape('\\')),
            );
        }
        query
    }

    fn candidates(&self, conn: &mut Conn, consultation: ConsultationId) -> QueryResult<Option<String>> {
        match &self.text {
            Some(text) => search::candidates(conn, consultation, text),
            None => Ok(None),
        }
    }

    /// Up to `limit` opinions after `after` (by id), oldest first.
    pub fn page(
        &self,
        conn: &mut Conn,
        consultation: ConsultationId,
        after: Option<OpinionId>,
        limit: i64,
    ) -> QueryResult<ReviewPage> {
        let candidates = self.candidates(conn, consultation)?;
        let mut query = self.query(candidates, consultation);
        if let Some(after) = after {
            query = query.filter(opinions::id.gt(after));
        }
        let mut rows: Vec<Opinion> =
            query.order(opinions::id.asc()).limit(limit + 1).select(Opinion::as_select()).load(conn)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_after = if more { rows.last().map(|o| o.id) } else { None };
        Ok(ReviewPage { opinions: rows, next_after })
    }

    /// The first undecided opinion matching the filter after `after`: what to review next.
    pub fn next_undecided(
        &self,
        conn: &mut Conn,
        consultation: ConsultationId,
        after: OpinionId,
    ) -> QueryResult<Option<OpinionId>> {
        let candidates = self.candidates(conn, consultation)?;
        self.query(candidates, consultation)
            .filter(opinions::decision.is_null())
            .filter(opinions::id.gt(after))
            .order(opinions::id.asc())
            .select(opinions::id)
            .first(conn)
            .optional()
    }

    /// The first undecided opinion matching the filter after `after`, or else the first one
    /// before it: a drafter who skipped some comes back to them once the end is reached.
    pub fn next_undecided_wrapping(
        &self,
        conn: &mut Conn,
        consultation: ConsultationId,
        after: OpinionId,
    ) -> QueryResult<Option<OpinionId>> {
        if let Some(next) = self.next_undecided(conn, consultation, after)? {
            return Ok(Some(next));
        }
        let candidates = self.candidates(conn, consultation)?;
        self.query(candidates, consultation)
            .filter(opinions::decision.is_null())
            .filter(opinions::id.lt(after))
            .order(opinions::id.asc())
            .select(opinions::id)
            .first(conn)
            .optional()
    }

    /// The page position (`after`) at which the list shows `target`: `current` when its page
    /// holds it or when `target` is not in the list at all, otherwise the start of the page
    /// (counted in pages of `limit` from the first) that does.
    pub fn page_of(
        &self,
        conn: &mut Conn,
        consultation: ConsultationId,
        current: Option<OpinionId>,
        target: OpinionId,
        limit: i64,
    ) -> QueryResult<Option<OpinionId>> {
        let candidates = self.candidates(conn, consultation)?;
        let mut page = self.query(candidates.clone(), consultation);
        if let Some(after) = current {
            page = page.filter(opinions::id.gt(after));
        }
        let shown: Vec<OpinionId> = page.order(opinions::id.asc()).select(opinions::id).limit(limit).load(conn)?;
        let listed: i64 =
            self.query(candidates.clone(), consultation).filter(opinions::id.eq(target)).count().get_result(conn)?;
        if shown.contains(&target) || listed == 0 {
            return Ok(current);
        }
        let before: i64 =
            self.query(candidates.clone(), consultation).filter(opinions::id.lt(target)).count().get_result(conn)?;
        let start = before / limit * limit;
        if start == 0 {
            return Ok(None);
        }
        self.query(candidates, consultation)
            .order(opinions::id.asc())
            .select(opinions::id)
            .offset(start - 1)
            .first(conn)
            .optional()
    }
}

/// How many opinions each section received (`None`: the draft as a whole), in section id
/// order, the whole draft first: from the counters kept on the sections (of every version
/// of the draft) and on the consultation, without reading the opinions.
pub fn section_counts(conn: &mut Conn, consultation: &Consultation) -> QueryResult<Vec<(Option<SectionId>, i64)>> {
    let per_section: Vec<(SectionId, i32)> = sections::table
        .inner_join(drafts::table)
        .filter(drafts::consultation_id.eq(consultation.id))
        .filter(sections::opinion_count.gt(0))
        .order(sections::id.asc())
        .select((sections::id, sections::opinion_count))
        .load(conn)?;
    let on_sections: i64 = per_section.iter().map(|(_, n)| i64::from(*n)).sum();
    let whole = i64::from(consultation.opinion_count) - on_sections;
    let mut counts: Vec<(Option<SectionId>, i64)> = Vec::with_capacity(per_section.len() + 1);
    if whole > 0 {
        counts.push((None, whole));
    }
    counts.extend(per_section.into_iter().map(|(id, n)| (Some(id), i64::from(n))));
    Ok(counts)
}

/// How many opinions of one round each section received (`None`: the draft as a whole), in
/// section id order, the whole draft first: counted from the (consultation, round) index.
pub fn round_section_counts(
    conn: &mut Conn,
    consultation: ConsultationId,
    round: i32,
) -> QueryResult<Vec<(Option<SectionId>, i64)>> {
    opinions::table
        .filter(opinions::consultation_id.eq(consultation))
        .filter(opinions::round_no.eq(round))
        .group_by(opinions::section_id)
        .select((opinions::section_id, diesel::dsl::count_star()))
        .load(conn)
        .map(|mut counts: Vec<(Option<SectionId>, i64)>| {
            counts.sort();
            counts
        })
}

/// An opinion's id and decision.
pub type Decided = (OpinionId, Option<AdoptionStatus>);

/// Up to `limit` copies of an opinion (the others with exactly its text) with their decisions,
/// and how many there are in all.
pub fn copies_with_decisions(conn: &mut Conn, opinion: &Opinion, limit: i64) -> QueryResult<(Vec<Decided>, i64)> {
    let copies = || {
        opinions::table
            .filter(opinions::consultation_id.eq(opinion.consultation_id))
            .filter(opinions::fingerprint.eq(&opinion.fingerprint))
            .filter(opinions::id.ne(opinion.id))
    };
    let total = copies().count().get_result(conn)?;
    let shown: Vec<(OpinionId, Option<String>)> =
        copies().order(opinions::id.asc()).select((opinions::id, opinions::decision)).limit(limit).load(conn)?;
    let shown = shown.into_iter().map(|(id, d)| (id, d.as_deref().and_then(AdoptionStatus::from_code))).collect();
    Ok((shown, total))
}

/// Opinions of the consultation with exactly this text (after normalising layout and
/// punctuation): copies of one another.
pub fn copies_of(conn: &mut Conn, consultation: ConsultationId, fingerprint: &str) -> QueryResult<Vec<OpinionId>> {
    opinions::table
        .filter(opinions::consultation_id.eq(consultation))
        .filter(opinions::fingerprint.eq(fingerprint))
        .order(opinions::id.asc())
        .select(opinions::id)
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_underscore_are_searched_literally() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
