//! The consultation window (征集时间) and the status it implies, in China time.

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};

/// The standard minimum comment period (《重大行政决策程序暂行条例》第十五条): 30 days.
pub const STANDARD_PERIOD_DAYS: i64 = 30;

/// Asia/Shanghai. China has not observed daylight saving time since 1991, so a
/// fixed offset is exact for every date this service handles.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A UTC timestamp as stored in the database, shown in China time.
pub fn in_china(utc: NaiveDateTime) -> DateTime<FixedOffset> {
    utc.and_utc().with_timezone(&china())
}

/// The day in China of a stored UTC timestamp.
pub fn china_date(utc: NaiveDateTime) -> NaiveDate {
    in_china(utc).date_naive()
}

/// Formats a stored UTC timestamp as China time, e.g. `2018-01-12 09:30`.
pub fn format_china(utc: NaiveDateTime) -> String {
    // Written out rather than through a format string, which is parsed on every call: an
    // export formats one per opinion.
    let t = in_china(utc);
    format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute())
}

/// Today's date in China.
pub fn china_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&china()).date_naive()
}

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 未开始
    Scheduled,
    /// 征集中
    Open,
    /// 已结束
    Closed,
    /// 已反馈
    FeedbackPublished,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Scheduled => "未开始",
            Status::Open => "征集中",
            Status::Closed => "已结束",
            Status::FeedbackPublished => "已反馈",
        }
    }

    /// A CSS class name for the status badge.
    pub fn css(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Open => "open",
            Status::Closed => "closed",
            Status::FeedbackPublished => "feedback",
        }
    }
}

/// Why a window is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("截止日期不能早于开始日期")]
    EndsBeforeStart,
    #[error("征集期少于30日，请说明理由（《重大行政决策程序暂行条例》第十五条）")]
    ShortPeriodWithoutReason,
}

/// The status of a window [starts_on, ends_on] on `today` (China time): it opens at the first
/// instant of its first day and closes after the last instant of its last. The public list's
/// SQL conditions say the same (`models::listing`).
pub fn status_on(starts_on: NaiveDate, ends_on: NaiveDate, feedback_published: bool, today: NaiveDate) -> Status {
    if feedback_published {
        Status::FeedbackPublished
    } else if today < starts_on {
        Status::Scheduled
    } else if today <= ends_on {
        Status::Open
    } else {
        Status::Closed
    }
}

/// 征集时间 [starts_on, ends_on], both dates inclusive in China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsultationWindow {
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

impl ConsultationWindow {
    pub fn new(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<Self, WindowError> {
        if ends_on < starts_on {
            return Err(WindowError::EndsBeforeStart);
        }
        Ok(ConsultationWindow { starts_on, ends_on })
    }

    /// A window for a new consultation: a period shorter than the standard 30 days
    /// must come with a stated reason.
    pub fn for_new_consultation(
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        short_period_reason: Option<&str>,
    ) -> Result<Self, WindowError> {
        let window = Self::new(starts_on, ends_on)?;
        let has_reason = short_period_reason.is_some_and(|r| !r.trim().is_empty());
        if window.is_shorter_than_standard() && !has_reason {
            return Err(WindowError::ShortPeriodWithoutReason);
        }
        Ok(window)
    }

    /// The default window: 30 days starting on `starts_on`.
    pub fn standard_from(starts_on: NaiveDate) -> Self {
        let ends_on = starts_on + Days::new(STANDARD_PERIOD_DAYS as u64 - 1);
        ConsultationWindow { starts_on, ends_on }
    }

    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }

    pub fn ends_on(&self) -> NaiveDate {
        self.ends_on
    }

    /// Length in days, both ends counted.
    pub fn days(&self) -> i64 {
        (self.ends_on - self.starts_on).num_days() + 1
    }

    pub fn is_shorter_than_standard(&self) -> bool {
        self.days() < STANDARD_PERIOD_DAYS
    }

    /// The first instant of the window (00:00:00 China time on the start date).
    pub fn opens_at(&self) -> DateTime<Utc> {
        midnight_in_china(self.starts_on)
    }

    /// The first instant after the window (the end date counts to 23:59:59 China time).
    pub fn closes_at(&self) -> DateTime<Utc> {
        midnight_in_china(self.ends_on + Days::new(1))
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at() <= now && now < self.closes_at()
    }

    pub fn status(&self, now: DateTime<Utc>, feedback_published: bool) -> Status {
        status_on(self.starts_on, self.ends_on, feedback_published, china_today(now))
    }

    /// Days remaining after today while open: 0 on the last day.
    pub fn days_left(&self, now: DateTime<Utc>) -> Option<i64> {
        self.is_open(now).then(|| (self.ends_on - china_today(now)).num_days())
    }

    /// Days until the window opens, while scheduled.
    pub fn days_until_open(&self, now: DateTime<Utc>) -> Option<i64> {
        (now < self.opens_at()).then(|| (self.starts_on - china_today(now)).num_days())
    }
}

/// 00:00 China time on `date`, as a UTC timestamp for storage.
pub fn china_midnight_utc(date: NaiveDate) -> NaiveDateTime {
    midnight_in_china(date).naive_utc()
}

fn midnight_in_china(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(china())
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn china_time(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        china().with_ymd_and_hms(y, m, d, h, min, s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn stored_times_are_shown_in_china_time_to_the_minute() {
        let utc = |y, m, d, h, min| date(y, m, d).and_hms_opt(h, min, 59).unwrap();
        assert_eq!(format_china(utc(2018, 1, 12, 1, 30)), "2018-01-12 09:30");
        // 16:05 UTC is five past midnight of the next day in China, at the turn of a year too.
        assert_eq!(format_china(utc(2017, 12, 31, 16, 5)), "2018-01-01 00:05");
        assert_eq!(format_china(utc(2026, 3, 9, 15, 59)), "2026-03-09 23:59");
    }

    #[test]
    fn the_end_date_is_open_until_one_second_before_midnight_china_time() {
        let w = ConsultationWindow::new(date(2018, 1, 8), date(2018, 1, 15)).unwrap();
        assert_eq!(w.status(china_time(2018, 1, 15, 23, 59, 59), false), Status::Open);
        assert_eq!(w.status(china_time(2018, 1, 16, 0, 0, 0), false), Status::Closed);
    }

    #[test]
    fn the_window_opens_at_midnight_china_time_which_is_the_previous_day_in_utc() {
        let w = ConsultationWindow::new(date(2018, 1, 8), date(2018, 1, 15)).unwrap();
        assert_eq!(w.opens_at(), Utc.with_ymd_and_hms(2018, 1, 7, 16, 0, 0).unwrap());
        assert_eq!(w.status(china_time(2018, 1, 7, 23, 59, 59), false), Status::Scheduled);
        assert_eq!(w.status(china_time(2018, 1, 8, 0, 0, 0), false), Status::Open);
    }

    #[test]
    fn published_feedback_wins_over_the_calendar() {
        let w = ConsultationWindow::new(date(2018, 1, 8), date(2018, 1, 15)).unwrap();
        assert_eq!(w.status(china_time(2019, 1, 1, 0, 0, 0), true), Status::FeedbackPublished);
    }

    #[test]
    fn days_left_counts_down_to_zero_on_the_last_day() {
        let w = ConsultationWindow::new(date(2018, 1, 8), date(2018, 1, 15)).unwrap();
        assert_eq!(w.days_left(china_time(2018, 1, 8, 9, 0, 0)), Some(7));
        assert_eq!(w.days_left(china_time(2018, 1, 15, 23, 0, 0)), Some(0));
        assert_eq!(w.days_left(china_time(2018, 1, 16, 0, 0, 0)), None);
    }

    #[test]
    fn a_window_shorter_than_thirty_days_needs_a_reason() {
        let short = (date(2018, 1, 8), date(2018, 1, 15));
        assert_eq!(
            ConsultationWindow::for_new_consultation(short.0, short.1, None),
            Err(WindowError::ShortPeriodWithoutReason)
        );
        assert_eq!(
            ConsultationWindow::for_new_consultation(short.0, short.1, Some("  ")),
            Err(WindowError::ShortPeriodWithoutReason)
        );
        assert!(ConsultationWindow::for_new_consultation(short.0, short.1, Some("上级部署时间紧")).is_ok());
        let standard = ConsultationWindow::standard_from(date(2026, 1, 1));
        assert_eq!(standard.days(), 30);
        assert!(ConsultationWindow::for_new_consultation(standard.starts_on(), standard.ends_on(), None).is_ok());
    }

    #[test]
    fn an_end_before_the_start_is_refused() {
        assert_eq!(ConsultationWindow::new(date(2018, 1, 8), date(2018, 1, 7)), Err(WindowError::EndsBeforeStart));
    }
}
