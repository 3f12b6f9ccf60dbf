//! Demo data: the documents in `seeds/raw` become consultations (idempotent by key).

mod feedback_table;
mod rounds;

pub use feedback_table::{FeedbackTable, TableRow, parse_table, split_points};
pub use rounds::manifest as revised_manifest;

use chrono::{Days, NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::db::{Conn, write_tx};
use crate::domain::account::{DisplayName, NewPassword, Role, Username};
use crate::domain::window::ConsultationWindow;
use crate::drafts;
use crate::error::AppError;
use crate::models::draft::DraftSource;
use crate::models::{Consultation, Draft, NewConsultation, Section, User};
use crate::services::accounts::{self, DEMO_ADMIN, DEMO_DRAFTER, DemoLogins};

const MANIFEST: &str = include_str!("../../seeds/consultations.toml");

/// The raw pages, compiled in so that seeding works from any directory.
const RAW: &[(&str, &str)] = &[
    ("000_a37cd2dd412c4829.txt", include_str!("../../seeds/raw/000_a37cd2dd412c4829.txt")),
    ("001_efe4233590757977.txt", include_str!("../../seeds/raw/001_efe4233590757977.txt")),
    ("002_b9251b87b0cd542e.txt", include_str!("../../seeds/raw/002_b9251b87b0cd542e.txt")),
    ("003_08dfc49d6e2fc626.txt", include_str!("../../seeds/raw/003_08dfc49d6e2fc626.txt")),
    ("004_3bfee480ff51888f.txt", include_str!("../../seeds/raw/004_3bfee480ff51888f.txt")),
];

#[derive(Debug, Deserialize)]
struct Manifest {
    consultation: Vec<SeedConsultation>,
}

/// One demo consultation as described in `seeds/consultations.toml`.
#[derive(Debug, Deserialize)]
pub struct SeedConsultation {
    pub key: String,
    source: String,
    pub title: String,
    issuer: String,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    opens_in_days: Option<i64>,
    days: Option<i64>,
    notice: Option<String>,
    notice_from: Option<String>,
    notice_to: Option<String>,
    draft_title: String,
    version_label: String,
    draft_after: String,
    draft_until: String,
    /// The departments' written replies, from a table in the raw page.
    feedback_table: Option<FeedbackTable>,
    /// `paragraphs` for a page without numbered headings: one section per paragraph.
    #[serde(default)]
    split: Option<String>,
}

/// What a seed run did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub created: Vec<String>,
    pub skipped: Vec<String>,
}

pub fn manifest() -> anyhow::Result<Vec<SeedConsultation>> {
    let manifest: Manifest = toml::from_str(MANIFEST).map_err(|e| anyhow::anyhow!("seeds/consultations.toml: {e}"))?;
    Ok(manifest.consultation)
}

/// The raw text of a seed document by file name.
pub fn raw_document(name: &str) -> Option<&'static str> {
    RAW.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

fn squeeze_ws(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Index of the first line at or after `from` that starts with `marker` (whitespace collapsed).
fn find_line(lines: &[&str], from: usize, marker: &str) -> Option<usize> {
    let marker = squeeze_ws(marker);
    (from..lines.len()).find(|&i| squeeze_ws(lines[i]).starts_with(&marker))
}

impl SeedConsultation {
    fn raw(&self) -> anyhow::Result<&'static str> {
        raw_document(&self.source).ok_or_else(|| anyhow::anyhow!("seed {}: no raw document {}", self.key, self.source))
    }

    /// The draft's text: the lines after `draft_after` up to `draft_until`.
    pub fn draft_text(&self) -> anyhow::Result<String> {
        let lines: Vec<&str> = self.raw()?.lines().collect();
        let after = find_line(&lines, 0, &self.draft_after)
            .ok_or_else(|| anyhow::anyhow!("seed {}: draft_after marker not found", self.key))?;
        let until = find_line(&lines, after + 1, &self.draft_until)
            .ok_or_else(|| anyhow::anyhow!("seed {}: draft_until marker not found", self.key))?;
        Ok(lines[after + 1..until].join("\n").trim_matches('\n').to_owned())
    }

    fn notice_text(&self) -> anyhow::Result<String> {
        if let Some(notice) = &self.notice {
            return Ok(notice.trim().to_owned());
        }
        let (Some(from), Some(to)) = (&self.notice_from, &self.notice_to) else {
            return Ok(String::new());
        };
        let lines: Vec<&str> = self.raw()?.lines().collect();
        let start =
            find_line(&lines, 0, from).ok_or_else(|| anyhow::anyhow!("seed {}: notice_from not found", self.key))?;
        let end =
            find_line(&lines, start, to).ok_or_else(|| anyhow::anyhow!("seed {}: notice_to not found", self.key))?;
        Ok(lines[start..=end].iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"))
    }

    fn window(&self, today: NaiveDate) -> anyhow::Result<ConsultationWindow> {
        let (start, end) = match (self.starts_on, self.ends_on, self.opens_in_days, self.days) {
            (Some(start), Some(end), _, _) => (start, end),
            (_, _, Some(offset), Some(days)) if days > 0 => {
                let start = today
                    .checked_add_signed(chrono::Duration::days(offset))
                    .ok_or_else(|| anyhow::anyhow!("seed {}: window out of range", self.key))?;
                (start, start + Days::new(days as u64 - 1))
            }
            _ => anyhow::bail!("seed {}: give starts_on/ends_on or opens_in_days/days", self.key),
        };
        ConsultationWindow::new(start, end).map_err(|e| anyhow::anyhow!("seed {}: {e}", self.key))
    }

    /// Creates the consultation and its draft, unless one with this key exists.
    /// Returns whether it created anything.
    pub fn load(&self, conn: &mut Conn, today: NaiveDate, now: NaiveDateTime) -> anyhow::Result<bool> {
        let draft_text = self.draft_text()?;
        let notice = self.notice_text()?;
        let window = self.window(today)?;
        let sections = match self.split.as_deref() {
            Some("paragraphs") => drafts::split_paragraphs(&draft_text),
            _ => drafts::split_text(&draft_text),
        };
        let imported = drafts::ImportedDraft {
            format: drafts::SourceFormat::Text,
            encoding: "UTF-8",
            title: Some(self.draft_title.clone()),
            sections,
            notice: None,
            toc: None,
        };
        let created = write_tx(conn, |conn| {
            if Consultation::find_by_seed_key(conn, &self.key)?.is_some() {
                return Ok(false);
            }
            let id = NewConsultation {
                seed_key: Some(&self.key),
                title: &self.title,
                issuer: &self.issuer,
                notice: &notice,
                how_to_comment: "",
                starts_on: window.starts_on(),
                ends_on: window.ends_on(),
                short_period_reason: None,
                published_at: Some(now),
                created_at: now,
                updated_at: now,
                owner_id: None,
            }
            .insert(conn)?;
            let source = DraftSource {
                version_label: &self.version_label,
                title: &self.draft_title,
                file_name: &self.source,
                announce_notice: false,
            };
            let draft = Draft::create(conn, id, &source, &imported, now)?;
            if let Some(table) = &self.feedback_table {
                let raw = self.raw().map_err(AppError::Internal)?;
                let sections = Section::for_draft(conn, draft)?;
                feedback_table::load(conn, table, raw, id, &sections, window.ends_on(), now)?;
            }
            Ok::<_, AppError>(true)
        })
        .map_err(|e| anyhow::anyhow!("seed {}: {e:#}", self.key))?;
        Ok(created)
    }
}

/// Loads every demo consultation not yet present; `progress` is told after each one.
pub fn run(
    conn: &mut Conn,
    today: NaiveDate,
    now: NaiveDateTime,
    mut progress: impl FnMut(&SeedConsultation, bool),
) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport::default();
    for entry in manifest()? {
        let created = entry.load(conn, today, now)?;
        progress(&entry, created);
        if created {
            report.created.push(entry.key.clone());
        } else {
            report.skipped.push(entry.key.clone());
        }
    }
    // Consultations with a second round (再次征求意见).
    for entry in rounds::manifest()? {
        if entry.load(conn, today, now)? {
            report.created.push(entry.key.clone());
        } else {
            report.skipped.push(entry.key.clone());
        }
    }
    Ok(report)
}

/// Demo accounts for a database without any: an administrator `admin`, and a drafter
/// `drafter` who is given every demo consultation. Returns their (random) passwords, or
/// `None` when accounts exist already, so running it again creates nothing.
pub fn demo_accounts(conn: &mut Conn, now: NaiveDateTime) -> anyhow::Result<Option<DemoLogins>> {
    let mut rng = rand::rng();
    let logins = DemoLogins {
        admin_password: NewPassword::generate(&mut rng),
        drafter_password: NewPassword::generate(&mut rng),
    };
    let account = |name: &str, display: &str| -> anyhow::Result<(Username, DisplayName)> {
        Ok((Username::parse(name)?, DisplayName::parse(display)?))
    };
    let (admin, admin_name) = account(DEMO_ADMIN, "演示管理员")?;
    let (drafter, drafter_name) = account(DEMO_DRAFTER, "演示起草人员")?;
    let created = write_tx(conn, |conn| {
        if User::count(conn)? > 0 {
            return Ok(false);
        }
        accounts::create(conn, &admin, &admin_name, Role::Admin, &logins.admin_password, now)?;
        let drafter = accounts::create(conn, &drafter, &drafter_name, Role::Drafter, &logins.drafter_password, now)?;
        Consultation::assign_unowned_demo_consultations(conn, drafter.id)?;
        Ok(true)
    })
    .map_err(|e| anyhow::anyhow!("demo accounts: {e:#}"))?;
    Ok(created.then_some(logins))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_entry_finds_its_markers_and_has_a_window() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let entries = manifest().unwrap();
        assert_eq!(entries.len(), 5);
        for entry in &entries {
            let text = entry.draft_text().unwrap();
            assert!(text.chars().count() > 500, "{}: draft too short", entry.key);
            entry.window(today).unwrap();
            entry.notice_text().unwrap();
        }
    }

    #[test]
    fn the_tongguan_draft_is_cut_between_its_title_and_the_feedback_table() {
        let entry = manifest().unwrap().into_iter().find(|e| e.key == "tongguan-2018").unwrap();
        let text = entry.draft_text().unwrap();
        assert!(text.starts_with("党的十九大开启了全面建设中国特色社会主义现代化国家新征程"));
        assert!(text.contains("24.加强组织领导"));
        assert!(!text.contains("部门反馈情况"));
        assert!(!text.contains("主要意见") && !text.contains("未采纳原因"));
        let notice = entry.notice_text().unwrap();
        assert!(notice.starts_with("为全面贯彻落实党的十九大精神"));
        assert!(notice.ends_with("2018年1月6日"));
    }
}
