//! Demo data for a second round (再次征求意见): a consultation on one version of a draft, closed
//! with opinions decided and feedback published, then consulted on again on its revised version.

use chrono::{Days, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::consultations;
use crate::db::{Conn, write_tx};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::consultation::RoundWindow;
use crate::domain::decision::{Actor, Decision};
use crate::domain::ids::ConsultationId;
use crate::domain::source::{Channel, Source};
use crate::domain::window::{ConsultationWindow, china_midnight_utc};
use crate::drafts::{self, ImportedDraft};
use crate::error::AppError;
use crate::models::draft::DraftSource;
use crate::models::feedback::FeedbackCounts;
use crate::models::opinion::NewOpinion;
use crate::models::{Consultation, Draft, NewConsultation, Section};
use crate::services::decisions::decide;
use crate::text::normalise::fingerprint;
use crate::text::similar::Grouper;

const MANIFEST: &str = include_str!("../../seeds/rounds.toml");

/// The versions' texts, compiled in like the other seed documents.
const RAW: &[(&str, &str)] = &[
    ("kuanxiang-v1.txt", include_str!("../../seeds/raw/versions/kuanxiang-v1.txt")),
    ("kuanxiang-v2.txt", include_str!("../../seeds/raw/versions/kuanxiang-v2.txt")),
];

#[derive(Debug, Deserialize)]
struct Manifest {
    revised: Vec<RevisedConsultation>,
}

/// A consultation consulted on twice, as described in `seeds/rounds.toml`.
#[derive(Debug, Deserialize)]
pub struct RevisedConsultation {
    pub key: String,
    title: String,
    issuer: String,
    notice: String,
    /// The day round 1's feedback was published, relative to the day the seed runs.
    feedback_published_in_days: i64,
    /// One per round, in order.
    versions: Vec<SeedVersion>,
    opinions: Vec<SeedOpinion>,
}

#[derive(Debug, Deserialize)]
struct SeedVersion {
    file: String,
    title: String,
    version_label: String,
    opens_in_days: i64,
    days: u64,
}

#[derive(Debug, Deserialize)]
struct SeedOpinion {
    round: i32,
    /// 第八条…, or empty for the whole draft.
    section: String,
    author: String,
    #[serde(default)]
    source: String,
    body: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub fn manifest() -> anyhow::Result<Vec<RevisedConsultation>> {
    let manifest: Manifest = toml::from_str(MANIFEST).map_err(|e| anyhow::anyhow!("seeds/rounds.toml: {e}"))?;
    Ok(manifest.revised)
}

impl SeedVersion {
    fn window(&self, today: NaiveDate) -> ConsultationWindow {
        let start = today.checked_add_signed(Duration::days(self.opens_in_days)).unwrap_or(today);
        ConsultationWindow::new(start, start + Days::new(self.days.max(1) - 1))
            .unwrap_or_else(|_| ConsultationWindow::standard_from(start))
    }

    fn import(&self) -> anyhow::Result<ImportedDraft> {
        let text = RAW
            .iter()
            .find(|(name, _)| *name == self.file)
            .map(|(_, text)| *text)
            .ok_or_else(|| anyhow::anyhow!("no seed document {}", self.file))?;
        drafts::import(text.as_bytes(), &self.file).map_err(|e| anyhow::anyhow!("{}: {e}", self.file))
    }
}

impl RevisedConsultation {
    /// Creates the consultation with both rounds, in one transaction, unless one with this key
    /// exists. Returns whether it created anything.
    pub fn load(&self, conn: &mut Conn, today: NaiveDate, now: NaiveDateTime) -> anyhow::Result<bool> {
        let [first, second] = self.versions.as_slice() else {
            anyhow::bail!("seed {}: give two versions", self.key);
        };
        let (v1, v2) = (first.import()?, second.import()?);
        let (window1, window2) = (first.window(today), second.window(today));
        write_tx(conn, |conn| {
            if Consultation::find_by_seed_key(conn, &self.key)?.is_some() {
                return Ok(false);
            }
            let id = NewConsultation {
                seed_key: Some(&self.key),
                title: &self.title,
                issuer: &self.issuer,
                notice: &self.notice,
                how_to_comment: "",
                starts_on: window1.starts_on(),
                ends_on: window1.ends_on(),
                short_period_reason: None,
                published_at: Some(now),
                created_at: now,
                updated_at: now,
                owner_id: None,
            }
            .insert(conn)?;
            fn source(v: &SeedVersion) -> DraftSource<'_> {
                DraftSource {
                    version_label: &v.version_label,
                    title: &v.title,
                    file_name: &v.file,
                    announce_notice: false,
                }
            }
            let draft1 = Draft::create(conn, id, &source(first), &v1, now)?;
            crate::models::round::Round::sync_latest(conn, id)?;
            let sections = Section::for_draft(conn, draft1)?;
            self.add_opinions(conn, id, 1, &sections, window1)?;
            let published_on =
                today.checked_add_signed(Duration::days(self.feedback_published_in_days)).unwrap_or(today);
            publish_feedback(conn, id, china_midnight_utc(published_on), now)?;

            // The revision, matched to the first version as a drafter would upload it, then round 2.
            let consultation = Consultation::find(conn, id)?;
            let grouper = Grouper::new();
            let revision =
                crate::services::versions::propose(conn, &grouper, &consultation, &source(second), &v2, now.and_utc())?;
            crate::services::versions::confirm(conn, id, revision)?;
            let window = RoundWindow { window: window2, short_period_reason: None };
            crate::services::rounds::open_next(conn, id, &window, now.and_utc())?.map_err(|errors| {
                let messages: Vec<&str> = errors.iter().map(|(_, m)| m).collect();
                AppError::BadRequest(messages.join("；"))
            })?;
            let sections = Section::for_draft(conn, revision)?;
            self.add_opinions(conn, id, 2, &sections, window2)?;
            Ok::<_, AppError>(true)
        })
        .map_err(|e| anyhow::anyhow!("seed {}: {e:#}", self.key))
    }

    /// The opinions of `round`, on `sections` (that round's version), received on successive days
    /// of its window, and their decisions.
    fn add_opinions(
        &self,
        conn: &mut Conn,
        id: ConsultationId,
        round: i32,
        sections: &[Section],
        window: ConsultationWindow,
    ) -> Result<(), AppError> {
        let actor = Actor { id: None, name: "演示数据".to_owned() };
        let opinions = self.opinions.iter().filter(|o| o.round == round);
        for (day, o) in (1u64..).zip(opinions) {
            let section_id = match o.section.as_str() {
                "" => None,
                number => Some(
                    sections
                        .iter()
                        .find(|s| s.number == number)
                        .ok_or_else(|| {
                            AppError::BadRequest(format!("seed {}: no {number} in round {round}", self.key))
                        })?
                        .id,
                ),
            };
            let (source, channel) = if o.source == "offline" {
                (Source::Offline, Channel::Letter)
            } else {
                (Source::Public, Channel::Online)
            };
            // 10:00 China time on the window's next day.
            let received_at = china_midnight_utc(window.starts_on() + Days::new(day)) + Duration::hours(10);
            let opinion = NewOpinion {
                consultation_id: id,
                section_id,
                source,
                channel,
                author_name: (&o.author).into(),
                contact: None,
                contact_kind: None,
                body: (&o.body).into(),
                original_text: None,
                proposed_text: None,
                receipt_code: None,
                client_hash: None,
                dedupe_key: None,
                fingerprint: fingerprint(&o.body).into(),
                flagged: false,
                flag_reason: None,
                received_at,
                created_at: received_at,
                department_id: None,
                invitation_id: None,
                seq: None,
                attachment_id: None,
                round_no: round,
            }
            .insert_counted(conn)?;
            if let Some(status) = AdoptionStatus::from_code(&o.decision) {
                let reason = Some(o.reason.clone()).filter(|r| !r.is_empty());
                let decided_at = china_midnight_utc(window.ends_on() + Days::new(3)) + Duration::hours(9);
                decide(conn, id, &[opinion], Some(&Decision { status, reason }), &actor, decided_at)?;
            }
        }
        Ok(())
    }
}

/// Publishes round 1's feedback with the text a drafter is offered for its counts.
fn publish_feedback(
    conn: &mut Conn,
    id: ConsultationId,
    at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let consultation = Consultation::find(conn, id)?;
    let tally = FeedbackCounts::load(conn, id)?.tally();
    let text =
        Draft::name_for(conn, &consultation)?.feedback_text(consultation.starts_on, consultation.ends_on, &tally);
    diesel::update(consultations::table.find(id))
        .set((
            consultations::feedback_text.eq(text),
            consultations::feedback_published_at.eq(at),
            consultations::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_revised_seed_has_two_versions_whose_round_windows_follow_each_other() {
        let entries = manifest().unwrap();
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let (w1, w2) = (entry.versions[0].window(today), entry.versions[1].window(today));
        assert!(w1.ends_on() < w2.starts_on());
        assert!(w2.starts_on() <= today && today <= w2.ends_on(), "round 2 is open");
        let v1 = entry.versions[0].import().unwrap();
        let v2 = entry.versions[1].import().unwrap();
        let numbers = |d: &ImportedDraft| {
            d.sections.iter().filter(|s| s.number.starts_with('第') && s.number.ends_with('条')).count()
        };
        assert_eq!(numbers(&v1), 29);
        assert_eq!(numbers(&v2), 37);
    }
}
