//! The review page's charts: how far deciding has come, and opinions per decision,
//! per section and per day.

use chrono::{DateTime, Utc};
use diesel::QueryResult;

use super::opinion_view::SectionTitles;
use crate::db::Conn;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::window::china_today;
use crate::models::feedback::FeedbackCounts;
use crate::models::round::Round;
use crate::models::{Consultation, opinion_day, review};
use crate::routes::charts::{ChartBar, DayChart, bars, shares};

/// What the charts above the review list show.
pub struct ReviewCharts {
    pub total: i64,
    pub decided: i64,
    /// Decided share, 0–100.
    pub percent: i64,
    pub decisions: Vec<ChartBar>,
    pub sections: Vec<ChartBar>,
    pub days: Option<DayChart>,
}

impl ReviewCharts {
    pub fn load(
        conn: &mut Conn,
        consultation: &Consultation,
        round: Option<i32>,
        counts: &FeedbackCounts,
        titles: &SectionTitles,
        now: DateTime<Utc>,
    ) -> QueryResult<ReviewCharts> {
        let base = match round {
            Some(n) => format!("/staff/consultations/{}/review?round={n}&", consultation.id),
            None => format!("/staff/consultations/{}/review?", consultation.id),
        };
        let decided = counts.received - counts.undecided;
        let by_status = |s: AdoptionStatus| match s {
            AdoptionStatus::Adopted => counts.adopted,
            AdoptionStatus::PartlyAdopted => counts.partly_adopted,
            AdoptionStatus::NotAdopted => counts.not_adopted,
            AdoptionStatus::Explained => counts.explained,
        };
        let decisions = shares(
            std::iter::once(("未处理".to_owned(), Some(format!("{base}decision=undecided")), counts.undecided)).chain(
                AdoptionStatus::ALL
                    .iter()
                    .map(|&s| (s.label().to_owned(), Some(format!("{base}decision={}", s.code())), by_status(s))),
            ),
            counts.received,
        );
        let per_section = match round {
            Some(n) => review::round_section_counts(conn, consultation.id, n)?,
            None => review::section_counts(conn, consultation)?,
        };
        let sections = bars(per_section.into_iter().map(|(section, n)| {
            let href = match section {
                None => Some(format!("{base}section=whole")),
                Some(id) => titles.anchor(id).map(|a| format!("{base}section={a}")),
            };
            (titles.path(section), href, n)
        }));
        let today = china_today(now);
        let mut per_day = opinion_day::for_consultation(conn, consultation.id)?;
        let (from, to) = match round {
            // The days are counted per consultation; rounds follow one another, so a round's
            // days run from its opening to the next round's (a letter entered between two
            // rounds belongs to the one before).
            Some(n) => {
                let rounds = Round::for_consultation(conn, consultation.id)?;
                let this = rounds.iter().find(|r| r.number == n);
                let next_opens = rounds.iter().filter(|r| r.number > n).map(|r| r.starts_on).min();
                let from = this.map_or(consultation.window().starts_on(), |r| r.starts_on);
                per_day.retain(|(day, _)| *day >= from && next_opens.is_none_or(|next| *day < next));
                (from, this.map_or(today, |r| r.ends_on).min(today))
            }
            None => (consultation.window().starts_on(), consultation.window().ends_on().min(today)),
        };
        let days = DayChart::new("review-days", &per_day, from, to);
        Ok(ReviewCharts {
            total: counts.received,
            decided,
            percent: if counts.received == 0 { 0 } else { decided * 100 / counts.received },
            decisions,
            sections,
            days,
        })
    }
}
