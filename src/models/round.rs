//! Rounds of a consultation (第一次、第二次征求意见): each a window on one version of the draft.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::{consultation_rounds, consultations, drafts, opinions};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::{ConsultationId, DraftId};
use crate::domain::window::ConsultationWindow;

/// One round. The consultation's own window is always its latest round's.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = consultation_rounds)]
pub struct Round {
    pub consultation_id: ConsultationId,
    /// 1 for the first round (第一次征求意见), then 2, 3…
    pub number: i32,
    /// The version consulted on (`None` for a consultation that has no draft yet).
    pub draft_id: Option<DraftId>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub short_period_reason: Option<String>,
    /// When an earlier round's feedback was published; the latest round's is the consultation's.
    pub feedback_published_at: Option<NaiveDateTime>,
    /// An earlier round's published 意见反馈 text.
    pub feedback_text: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Which rounds a staff list, count or export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundFilter {
    /// 全部轮次
    All,
    One(i32),
}

impl RoundFilter {
    /// The query-string value: a number, or `all`.
    pub fn code(self) -> String {
        match self {
            RoundFilter::All => "all".to_owned(),
            RoundFilter::One(n) => n.to_string(),
        }
    }

    /// `all`, a round's number, or (empty or unknown) the current round `current`.
    pub fn parse(value: &str, current: i32) -> RoundFilter {
        match value.trim() {
            "all" => RoundFilter::All,
            n => {
                n.parse().ok().filter(|n| (1..=current).contains(n)).map_or(RoundFilter::One(current), RoundFilter::One)
            }
        }
    }

    pub fn round(self) -> Option<i32> {
        match self {
            RoundFilter::All => None,
            RoundFilter::One(n) => Some(n),
        }
    }
}

/// 第一次, 第二次…: how a round is named.
pub fn ordinal(number: i32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let n = number.max(0) as usize;
    let words = match n {
        0..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    };
    format!("第{words}次征求意见")
}

impl Round {
    pub fn window(&self) -> ConsultationWindow {
        ConsultationWindow::new(self.starts_on, self.ends_on)
            .unwrap_or_else(|_| ConsultationWindow::standard_from(self.starts_on))
    }

    /// A consultation's rounds, first round first.
    pub fn for_consultation(conn: &mut Conn, id: ConsultationId) -> QueryResult<Vec<Round>> {
        consultation_rounds::table
            .filter(consultation_rounds::consultation_id.eq(id))
            .order(consultation_rounds::number.asc())
            .select(Round::as_select())
            .load(conn)
    }

    /// The latest round's number (1 for a consultation with a single round).
    pub fn current_number(conn: &mut Conn, id: ConsultationId) -> QueryResult<i32> {
        let max: Option<i32> = consultation_rounds::table
            .filter(consultation_rounds::consultation_id.eq(id))
            .select(diesel::dsl::max(consultation_rounds::number))
            .first(conn)?;
        Ok(max.unwrap_or(1))
    }

    /// Records round 1 of a new consultation (in the caller's transaction).
    pub fn insert_first(
        conn: &mut Conn,
        id: ConsultationId,
        window: ConsultationWindow,
        short_period_reason: Option<&str>,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::insert_into(consultation_rounds::table)
            .values((
                consultation_rounds::consultation_id.eq(id),
                consultation_rounds::number.eq(1),
                consultation_rounds::starts_on.eq(window.starts_on()),
                consultation_rounds::ends_on.eq(window.ends_on()),
                consultation_rounds::short_period_reason.eq(short_period_reason),
                consultation_rounds::created_at.eq(now),
            ))
            .execute(conn)
    }

    /// Keeps the latest round in step with the consultation's window and current version, as the
    /// consultation form and the versions page change them (in the caller's transaction).
    pub fn sync_latest(conn: &mut Conn, id: ConsultationId) -> QueryResult<usize> {
        let (starts_on, ends_on, reason): (NaiveDate, NaiveDate, Option<String>) = consultations::table
            .find(id)
            .select((consultations::starts_on, consultations::ends_on, consultations::short_period_reason))
            .first(conn)?;
        let number = Round::current_number(conn, id)?;
        let target = consultation_rounds::table
            .filter(consultation_rounds::consultation_id.eq(id))
            .filter(consultation_rounds::number.eq(number));
        let n = diesel::update(target)
            .set((
                consultation_rounds::starts_on.eq(starts_on),
                consultation_rounds::ends_on.eq(ends_on),
                consultation_rounds::short_period_reason.eq(reason.as_deref()),
            ))
            .execute(conn)?;
        // A round with no version yet takes the current one (round 1 of a draft uploaded later).
        let current: Option<DraftId> = drafts::table
            .filter(drafts::consultation_id.eq(id))
            .filter(drafts::is_current.eq(true))
            .filter(drafts::pending.eq(false))
            .select(drafts::id)
            .first(conn)
            .optional()?;
        if let Some(draft) = current {
            diesel::update(target.filter(consultation_rounds::draft_id.is_null()))
                .set(consultation_rounds::draft_id.eq(draft))
                .execute(conn)?;
        }
        Ok(n)
    }

    /// Stores the next round on `draft` and makes its window the consultation's; the feedback
    /// published for the round before stays with that round (in the caller's transaction).
    pub fn open_next(
        conn: &mut Conn,
        id: ConsultationId,
        draft: DraftId,
        window: ConsultationWindow,
        short_period_reason: Option<&str>,
        now: NaiveDateTime,
    ) -> QueryResult<i32> {
        let previous = Round::current_number(conn, id)?;
        let (published_at, text): (Option<NaiveDateTime>, Option<String>) = consultations::table
            .find(id)
            .select((consultations::feedback_published_at, consultations::feedback_text))
            .first(conn)?;
        let text = text.filter(|_| published_at.is_some());
        let previous_round = consultation_rounds::table
            .filter(consultation_rounds::consultation_id.eq(id))
            .filter(consultation_rounds::number.eq(previous));
        // A round created before its draft was uploaded consulted on the first version.
        let first: Option<DraftId> = drafts::table
            .filter(drafts::consultation_id.eq(id))
            .filter(drafts::pending.eq(false))
            .order(drafts::version_no.asc())
            .select(drafts::id)
            .first(conn)
            .optional()?;
        diesel::update(previous_round.filter(consultation_rounds::draft_id.is_null()))
            .set(consultation_rounds::draft_id.eq(first))
            .execute(conn)?;
        diesel::update(previous_round)
            .set((
                consultation_rounds::feedback_published_at.eq(published_at),
                consultation_rounds::feedback_text.eq(text),
            ))
            .execute(conn)?;
        let number = previous + 1;
        Round {
            consultation_id: id,
            number,
            draft_id: Some(draft),
            starts_on: window.starts_on(),
            ends_on: window.ends_on(),
            short_period_reason: short_period_reason.map(str::to_owned),
            feedback_published_at: None,
            feedback_text: None,
            created_at: now,
        }
        .insert(conn)?;
        diesel::update(consultations::table.find(id))
            .set((
                consultations::starts_on.eq(window.starts_on()),
                consultations::ends_on.eq(window.ends_on()),
                consultations::short_period_reason.eq(short_period_reason),
                consultations::feedback_published_at.eq(None::<NaiveDateTime>),
                consultations::feedback_text.eq(None::<String>),
                consultations::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(number)
    }

    fn insert(&self, conn: &mut Conn) -> QueryResult<usize> {
        diesel::insert_into(consultation_rounds::table).values(self).execute(conn)
    }
}

/// A round as the public history and the staff list show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundSummary {
    pub number: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The version consulted on (its number, and its label such as 征求意见稿).
    pub version_no: i32,
    pub version_label: String,
    pub opinions: i64,
    /// Whether the feedback of this round has been published.
    pub feedback_published: bool,
}

impl RoundSummary {
    /// 第2版（修改稿）
    pub fn version_name(&self) -> String {
        format!("第{}版（{}）", self.version_no, self.version_label)
    }

    /// Every round of `consultation`, first first, with its version and number of opinions.
    pub fn history(conn: &mut Conn, consultation: &crate::models::Consultation) -> QueryResult<Vec<RoundSummary>> {
        let rounds = Round::for_consultation(conn, consultation.id)?;
        let versions: Vec<(DraftId, i32, String)> = drafts::table
            .filter(drafts::consultation_id.eq(consultation.id))
            .filter(drafts::pending.eq(false))
            .order(drafts::version_no.asc())
            .select((drafts::id, drafts::version_no, drafts::version_label))
            .load(conn)?;
        // One round has them all: its count is kept on the consultation, no opinion is read.
        let counts = match rounds.len() {
            0 | 1 => vec![(1, i64::from(consultation.opinion_count))],
            _ => opinion_counts(conn, consultation.id)?,
        };
        let latest = rounds.len();
        Ok(rounds
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let version = r.draft_id.and_then(|id| versions.iter().find(|v| v.0 == id)).or(versions.first());
                let feedback = if i + 1 == latest {
                    consultation.feedback_published_at.is_some()
                } else {
                    r.feedback_published_at.is_some()
                };
                RoundSummary {
                    number: r.number,
                    starts_on: r.starts_on,
                    ends_on: r.ends_on,
                    version_no: version.map_or(1, |v| v.1),
                    version_label: version.map_or_else(String::new, |v| v.2.clone()),
                    opinions: counts.iter().find(|(n, _)| *n == r.number).map_or(0, |(_, c)| *c),
                    feedback_published: feedback,
                }
            })
            .collect())
    }
}

/// How many opinions each round received, by round number (rounds without any left out).
pub fn opinion_counts(conn: &mut Conn, id: ConsultationId) -> QueryResult<Vec<(i32, i64)>> {
    opinions::table
        .filter(opinions::consultation_id.eq(id))
        .group_by(opinions::round_no)
        .order(opinions::round_no.asc())
        .select((opinions::round_no, diesel::dsl::count_star()))
        .load(conn)
}

/// A round's opinions by decision (`None`: undecided), read from the (consultation, round,
/// decision) index.
pub fn decision_counts(
    conn: &mut Conn,
    id: ConsultationId,
    round_no: i32,
) -> QueryResult<Vec<(Option<AdoptionStatus>, i64)>> {
    opinions::table
        .filter(opinions::consultation_id.eq(id))
        .filter(opinions::round_no.eq(round_no))
        .group_by(opinions::decision)
        .select((opinions::decision, diesel::dsl::count_star()))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_are_named_in_chinese_numerals() {
        assert_eq!(ordinal(1), "第一次征求意见");
        assert_eq!(ordinal(2), "第二次征求意见");
        assert_eq!(ordinal(10), "第十次征求意见");
        assert_eq!(ordinal(12), "第十二次征求意见");
        assert_eq!(ordinal(21), "第二十一次征求意见");
    }

    #[test]
    fn an_unknown_round_means_the_current_one() {
        assert_eq!(RoundFilter::parse("", 2), RoundFilter::One(2));
        assert_eq!(RoundFilter::parse("1", 2), RoundFilter::One(1));
        assert_eq!(RoundFilter::parse("3", 2), RoundFilter::One(2));
        assert_eq!(RoundFilter::parse("all", 2), RoundFilter::All);
    }
}
