//! Revising a draft: a new version's sections matched to the current version's, corrected by the
//! drafter, then confirmed as the current version; and where each section of any version stands now.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::db::{Conn, write_tx};
use crate::domain::ids::{ConsultationId, DraftId, SectionId};
use crate::domain::window::Status;
use crate::drafts::versions::{Basis, Change, Pair, SectionText, classify, match_sections};
use crate::drafts::{HeadingKind, ImportedDraft};
use crate::error::AppError;
use crate::models::draft::DraftSource;
use crate::models::version::SectionLink;
use crate::models::{Consultation, Draft, Section};
use crate::text::similar::Grouper;

/// Why a revision cannot be uploaded now: only before the window opens or after it closes.
pub fn refusal(consultation: &Consultation, now: DateTime<Utc>) -> Option<String> {
    (consultation.status(now) == Status::Open).then(|| {
        format!("征集期至 {} 结束，征集期间不能上传修改稿；结束后可上传并再次征求意见。", consultation.ends_on)
    })
}

/// Stores `imported` as a pending revision of the consultation's current version with the matching
/// the matcher proposes; returns the revision's id. The published version is untouched until
/// [`confirm`].
pub fn propose(
    conn: &mut Conn,
    grouper: &Grouper,
    consultation: &Consultation,
    source: &DraftSource<'_>,
    imported: &ImportedDraft,
    now: DateTime<Utc>,
) -> Result<DraftId, AppError> {
    if let Some(message) = refusal(consultation, now) {
        return Err(AppError::Closed(message));
    }
    let current = Draft::current_for(conn, consultation.id)?
        .ok_or_else(|| AppError::BadRequest("这项意见征集还没有草案，请先上传草案。".to_owned()))?;
    let previous = Section::for_draft(conn, current.id)?;
    let old: Vec<SectionText> = previous.iter().map(stored_text).collect();
    let new: Vec<SectionText> = imported.sections.iter().map(imported_text).collect();
    let matching = match_sections(grouper, &old, &new);
    let links: Vec<(usize, usize, &str, &str)> = matching
        .pairs
        .iter()
        .map(|p| (p.old, p.new, matching.new_changes[p.new].code(), basis_code(p.basis)))
        .collect();
    Draft::create_pending(conn, consultation.id, source, imported, &previous, &links, now.naive_utc())
}

/// A drafter's correction of a pending revision's matching: for each section of the revision, the
/// section of the previous version it came from (`None`: new). Sections of the previous version no
/// section comes from are deleted. A choice equal to a proposed link keeps the proposal's other
/// links of that section (its split or merge).
pub fn correct(
    conn: &mut Conn,
    consultation_id: ConsultationId,
    revision: DraftId,
    choices: &HashMap<SectionId, Option<SectionId>>,
) -> Result<(), AppError> {
    let comparison = Comparison::load_pending(conn, consultation_id, revision)?;
    let old_index: HashMap<SectionId, usize> = comparison.old.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut pairs: Vec<Pair> = Vec::new();
    for (j, section) in comparison.new.iter().enumerate() {
        let proposed: Vec<&SectionLink> = comparison.links.iter().filter(|l| l.to_section_id == section.id).collect();
        match choices.get(&section.id) {
            None => pairs.extend(proposed.iter().filter_map(|l| pair(&old_index, l.from_section_id, j, &l.basis))),
            Some(None) => {}
            Some(Some(from)) if proposed.iter().any(|l| l.from_section_id == *from) => {
                pairs.extend(proposed.iter().filter_map(|l| pair(&old_index, l.from_section_id, j, &l.basis)))
            }
            Some(Some(from)) => {
                let p = pair(&old_index, *from, j, "manual").ok_or_else(|| {
                    AppError::BadRequest(format!("“{}”所选的原条文不属于上一版本。", section.title()))
                })?;
                pairs.push(p);
            }
        }
    }
    let matching = comparison.classify(pairs);
    let rows: Vec<SectionLink> = matching
        .pairs
        .iter()
        .map(|p| SectionLink {
            from_section_id: comparison.old[p.old].id,
            to_section_id: comparison.new[p.new].id,
            to_draft_id: revision,
            change: matching.new_changes[p.new].code().to_owned(),
            basis: basis_code(p.basis).to_owned(),
        })
        .collect();
    SectionLink::replace_into(conn, revision, &rows)
}

/// Makes the pending revision the consultation's current version.
pub fn confirm(conn: &mut Conn, consultation_id: ConsultationId, revision: DraftId) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        Comparison::load_pending(conn, consultation_id, revision)?;
        Draft::confirm(conn, consultation_id, revision)
    })
}

fn pair(old_index: &HashMap<SectionId, usize>, from: SectionId, new: usize, basis: &str) -> Option<Pair> {
    let basis = match basis {
        "same_text" => Basis::SameText,
        "similar" => Basis::Similar,
        "part" => Basis::Part,
        _ => Basis::Manual,
    };
    Some(Pair { old: *old_index.get(&from)?, new, basis, similarity: 0.0 })
}

/// The stored code of how a pair was found.
pub fn basis_code(basis: Basis) -> &'static str {
    match basis {
        Basis::SameText => "same_text",
        Basis::Similar => "similar",
        Basis::Part => "part",
        Basis::Manual => "manual",
    }
}

fn is_structural(kind: &str) -> bool {
    matches!(kind, "chapter" | "part" | "book" | "sub_book")
}

fn stored_text(s: &Section) -> SectionText<'_> {
    SectionText { number: &s.number, structural: is_structural(&s.kind), text: &s.body }
}

fn imported_text(s: &crate::drafts::DraftSection) -> SectionText<'_> {
    let structural =
        matches!(s.kind, HeadingKind::Chapter | HeadingKind::Part | HeadingKind::Book | HeadingKind::SubBook);
    SectionText { number: &s.number, structural, text: &s.text }
}

/// Two versions side by side: the older one's sections, the newer one's, and the links between them.
pub struct Comparison {
    pub older: Draft,
    pub newer: Draft,
    pub old: Vec<Section>,
    pub new: Vec<Section>,
    pub links: Vec<SectionLink>,
}

/// One row of a comparison: a section of the newer version with the sections it came from, or a
/// deleted section of the older one.
pub struct ComparisonRow<'a> {
    pub old: Vec<&'a Section>,
    pub new: Option<&'a Section>,
    pub change: Change,
}

impl Comparison {
    /// A pending revision and the current version it revises.
    pub fn load_pending(
        conn: &mut Conn,
        consultation_id: ConsultationId,
        revision: DraftId,
    ) -> Result<Comparison, AppError> {
        let newer =
            Draft::pending_for(conn, consultation_id)?.filter(|d| d.id == revision).ok_or(AppError::NotFound)?;
        let older = Draft::current_for(conn, consultation_id)?.ok_or(AppError::NotFound)?;
        Comparison::load(conn, older, newer)
    }

    /// Any two confirmed versions (by number); links are followed through the versions between.
    pub fn between(
        conn: &mut Conn,
        consultation_id: ConsultationId,
        from: i32,
        to: i32,
    ) -> Result<Comparison, AppError> {
        let versions = Draft::versions(conn, consultation_id)?;
        let older = versions.iter().find(|d| d.version_no == from).cloned().ok_or(AppError::NotFound)?;
        let newer = versions.iter().find(|d| d.version_no == to).cloned().ok_or(AppError::NotFound)?;
        if from >= to {
            return Err(AppError::BadRequest("请选择较早的版本与较晚的版本比较。".to_owned()));
        }
        let mut comparison = Comparison::load(conn, older, newer.clone())?;
        if to - from > 1 {
            // Compose the links of each step: a section of `from` reaches a section of `to` through
            // the versions between.
            let mut reach: HashMap<SectionId, HashSet<SectionId>> =
                comparison.old.iter().map(|s| (s.id, HashSet::from([s.id]))).collect();
            for step in versions.iter().filter(|d| d.version_no > from && d.version_no <= to) {
                let links = SectionLink::into_draft(conn, step.id)?;
                for targets in reach.values_mut() {
                    *targets = links
                        .iter()
                        .filter(|l| targets.contains(&l.from_section_id))
                        .map(|l| l.to_section_id)
                        .collect();
                }
            }
            comparison.links = reach
                .into_iter()
                .flat_map(|(from, tos)| tos.into_iter().map(move |to| (from, to)))
                .map(|(from, to)| SectionLink {
                    from_section_id: from,
                    to_section_id: to,
                    to_draft_id: newer.id,
                    change: String::new(),
                    basis: "composed".to_owned(),
                })
                .collect();
        }
        Ok(comparison)
    }

    fn load(conn: &mut Conn, older: Draft, newer: Draft) -> Result<Comparison, AppError> {
        let old = Section::for_draft(conn, older.id)?;
        let new = Section::for_draft(conn, newer.id)?;
        let links = SectionLink::into_draft(conn, newer.id)?;
        Ok(Comparison { older, newer, old, new, links })
    }

    fn classify(&self, pairs: Vec<Pair>) -> crate::drafts::versions::Matching {
        let old: Vec<SectionText> = self.old.iter().map(stored_text).collect();
        let new: Vec<SectionText> = self.new.iter().map(stored_text).collect();
        classify(&old, &new, pairs)
    }

    /// The rows in the newer version's order, each deleted section after the row of the section
    /// that preceded it in the older version.
    pub fn rows<'a>(&'a self) -> Vec<ComparisonRow<'a>> {
        let old_index: HashMap<SectionId, usize> = self.old.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let new_index: HashMap<SectionId, usize> = self.new.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let pairs: Vec<Pair> = self
            .links
            .iter()
            .filter_map(|l| {
                Some(Pair {
                    old: *old_index.get(&l.from_section_id)?,
                    new: *new_index.get(&l.to_section_id)?,
                    basis: Basis::Manual,
                    similarity: 0.0,
                })
            })
            .collect();
        let matching = self.classify(pairs);
        let mut rows: Vec<ComparisonRow<'a>> = Vec::new();
        let mut placed = vec![false; self.old.len()];
        let mut push_deleted_from = |i: usize, rows: &mut Vec<ComparisonRow<'a>>| {
            // Old section `i` if deleted, and the deleted sections directly after it.
            let mut k = i;
            while k < self.old.len() && matching.old_changes[k] == Change::Deleted && !placed[k] {
                placed[k] = true;
                rows.push(ComparisonRow { old: vec![&self.old[k]], new: None, change: Change::Deleted });
                k += 1;
            }
        };
        push_deleted_from(0, &mut rows);
        for (j, section) in self.new.iter().enumerate() {
            let from: Vec<usize> = matching.predecessors(j).map(|p| p.old).collect();
            rows.push(ComparisonRow {
                old: from.iter().map(|&i| &self.old[i]).collect(),
                new: Some(section),
                change: matching.new_changes[j],
            });
            for i in from {
                push_deleted_from(i + 1, &mut rows);
            }
        }
        for i in 0..self.old.len() {
            push_deleted_from(i, &mut rows);
        }
        rows
    }
}

/// How a revision's matching came out: rows of each kind, and the pairs found by containment
/// (a split or a merge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchingSummary {
    /// Rows per kind of change, in [`Change::ALL`] order.
    pub counts: Vec<(Change, usize)>,
    pub splits_and_merges: usize,
}

impl MatchingSummary {
    pub fn count(&self, change: Change) -> usize {
        self.counts.iter().find(|(c, _)| *c == change).map_or(0, |(_, n)| *n)
    }

    /// Whether a person should look at the matching before the revision is saved: what was kept
    /// or reworded in place pairs with little doubt; a move, a split or merge, a new or a deleted
    /// section may be a pair the matcher missed.
    pub fn needs_check(&self) -> bool {
        self.splits_and_merges > 0
            || [Change::Moved, Change::New, Change::Deleted].into_iter().any(|c| self.count(c) > 0)
    }

    /// 「未修改 20，修改 15，移动 1，新增 11，删除 0」
    pub fn line(&self) -> String {
        self.counts.iter().map(|(c, n)| format!("{} {n}", c.label())).collect::<Vec<_>>().join("，")
    }
}

impl Comparison {
    /// The counts of the matching page, and the splits and merges in it.
    pub fn summary(&self) -> MatchingSummary {
        let rows = self.rows();
        MatchingSummary {
            counts: Change::ALL.into_iter().map(|c| (c, rows.iter().filter(|r| r.change == c).count())).collect(),
            splits_and_merges: self.links.iter().filter(|l| l.basis == basis_code(Basis::Part)).count(),
        }
    }
}

/// Where a section of any version stands in the current version: the current sections it reached
/// by following the links version by version (empty: 该条已删除).
pub fn places_in_current(
    conn: &mut Conn,
    consultation_id: ConsultationId,
    sections: &[SectionId],
) -> Result<HashMap<SectionId, Vec<SectionId>>, AppError> {
    let versions = Draft::versions(conn, consultation_id)?;
    let mut draft_of: HashMap<SectionId, i32> = HashMap::new();
    let mut steps: Vec<(i32, Vec<SectionLink>)> = Vec::new();
    for v in &versions {
        for s in Section::for_draft(conn, v.id)? {
            draft_of.insert(s.id, v.version_no);
        }
        steps.push((v.version_no, SectionLink::into_draft(conn, v.id)?));
    }
    let mut out = HashMap::new();
    for &start in sections {
        let Some(&at) = draft_of.get(&start) else { continue };
        let mut reached: HashSet<SectionId> = HashSet::from([start]);
        for (no, links) in steps.iter().filter(|(no, _)| *no > at) {
            let _ = no;
            reached = links.iter().filter(|l| reached.contains(&l.from_section_id)).map(|l| l.to_section_id).collect();
        }
        let mut list: Vec<SectionId> = reached.into_iter().collect();
        list.sort();
        out.insert(start, list);
    }
    Ok(out)
}

/// The 修改对照表 between two versions: a row per changed, moved, new or deleted section (and per
/// unchanged one when asked), its 修改说明 made from the decisions (「采纳第12号意见（区科技局）」):
/// those that name a section of the newer version as where they were taken up go to its row, the
/// others to the row of the old section they were made on.
pub fn change_table(
    conn: &mut Conn,
    consultation_id: ConsultationId,
    from: i32,
    to: i32,
    with_unchanged: bool,
) -> Result<Vec<crate::exports::changes::ChangeRow>, AppError> {
    use crate::exports::changes::ChangeRow;
    use crate::models::version::AdoptedOpinion;
    let comparison = Comparison::between(conn, consultation_id, from, to)?;
    let old_ids: Vec<SectionId> = comparison.old.iter().map(|s| s.id).collect();
    let new_ids: Vec<SectionId> = comparison.new.iter().map(|s| s.id).collect();
    let adopted = AdoptedOpinion::on_sections(conn, &old_ids, &new_ids)?;
    let new_set: HashSet<SectionId> = new_ids.iter().copied().collect();
    let belongs = |a: &AdoptedOpinion, r: &ComparisonRow<'_>| match a.taken_up.filter(|t| new_set.contains(t)) {
        Some(place) => r.new.is_some_and(|s| s.id == place),
        None => r.old.iter().any(|s| Some(s.id) == a.section_id),
    };
    let rows = comparison
        .rows()
        .into_iter()
        .filter(|r| with_unchanged || r.change != Change::Kept)
        .map(|r| {
            let notes: Vec<String> = adopted
                .iter()
                .filter(|a| belongs(a, &r))
                .map(|a| match &a.department {
                    Some(d) => format!("{}第{}号意见（{d}）", a.decision.label(), a.opinion_id),
                    None => format!("{}第{}号意见", a.decision.label(), a.opinion_id),
                })
                .collect();
            let note = if notes.is_empty() {
                match r.change {
                    Change::New => "新增".to_owned(),
                    Change::Deleted => "删除".to_owned(),
                    Change::Kept => String::new(),
                    _ => String::new(),
                }
            } else {
                notes.join("；")
            };
            ChangeRow {
                before: r.old.iter().map(|s| s.body.trim()).collect::<Vec<_>>().join("\n"),
                after: r.new.map(|s| s.body.trim().to_owned()).unwrap_or_default(),
                note,
                kind: r.change,
            }
        })
        .collect();
    Ok(rows)
}

/// The longest 起草说明 kept (a long explanation runs to some 20,000 characters).
pub const MAX_EXPLANATION_CHARS: usize = 100_000;

/// Saves the 起草说明 of the consultation's current version, line ends made plain; one past
/// [`MAX_EXPLANATION_CHARS`] is refused with the message to show beside the field
/// (`Ok(Err(message))`), and nothing is saved.
pub async fn save_explanation(
    state: &crate::state::AppState,
    consultation: ConsultationId,
    text: &str,
) -> Result<Result<(), String>, AppError> {
    let text = text.replace("\r\n", "\n");
    if text.chars().count() > MAX_EXPLANATION_CHARS {
        return Ok(Err(format!("起草说明不能超过 {MAX_EXPLANATION_CHARS} 字。")));
    }
    crate::db::run(&state.pool, move |conn| {
        let current = Draft::current_for(conn, consultation)?.ok_or(AppError::NotFound)?;
        Ok(Draft::set_explanation(conn, current.id, &text)?)
    })
    .await?;
    state.pages.forget_all();
    Ok(Ok(()))
}
