//! Charts that need no JavaScript: CSS bars for counts by label and an inline SVG of
//! opinions per day, each with its numbers as text for people who cannot see the picture.

use chrono::{Days, NaiveDate};

/// One bar of a chart drawn with CSS: the numbers are text, the bar only illustrates them.
pub struct ChartBar {
    pub label: String,
    /// Where the bar leads (the section, the filtered list), if anywhere.
    pub href: Option<String>,
    pub count: i64,
    /// Width relative to the longest bar, in steps of 5 (5–100): the stylesheet has a
    /// class per step, because the content security policy allows no inline styles.
    pub percent: i64,
    /// Share of `total` for charts of parts of a whole, e.g. "42%".
    pub share: Option<String>,
}

/// Bars for `(label, link, count)` items, scaled to the largest count.
pub fn bars(items: impl IntoIterator<Item = (String, Option<String>, i64)>) -> Vec<ChartBar> {
    let items: Vec<_> = items.into_iter().collect();
    let max = items.iter().map(|i| i.2).max().unwrap_or(0).max(1);
    items
        .into_iter()
        .map(|(label, href, count)| ChartBar { label, href, count, percent: step_percent(count, max), share: None })
        .collect()
}

/// Bars for parts of a whole: scaled to the whole, each with its share.
pub fn shares(items: impl IntoIterator<Item = (String, Option<String>, i64)>, total: i64) -> Vec<ChartBar> {
    let whole = total.max(1);
    items
        .into_iter()
        .map(|(label, href, count)| ChartBar {
            label,
            href,
            count,
            percent: if count == 0 { 0 } else { step_percent(count, whole) },
            share: Some(format!("{}%", (count * 100 + whole / 2) / whole)),
        })
        .collect()
}

/// `count / max` in steps of 5, at least 5 so that a bar is seen.
fn step_percent(count: i64, max: i64) -> i64 {
    ((count * 20 + max - 1) / max * 5).clamp(5, 100)
}

/// Opinions per day as an SVG column chart with a data table beside it.
pub struct DayChart {
    /// Unique on the page: the chart's element ids start with it.
    pub id: &'static str,
    pub days: Vec<DayBar>,
    /// The days before the range that only widen the chart: drawn, not listed.
    lead: usize,
    pub total: i64,
    pub max: i64,
    pub first: String,
    pub last: String,
    /// The SVG's width in its own units (the height is [`DAY_CHART_HEIGHT`]).
    pub width: usize,
    /// What the picture shows, in one sentence for screen readers.
    pub summary: String,
}

/// One day's column.
pub struct DayBar {
    pub date: String,
    pub count: i64,
    pub x: usize,
    pub y: i64,
    pub height: i64,
}

/// The SVG's height in its own units.
pub const DAY_CHART_HEIGHT: i64 = 100;
/// Each day's slot in the SVG's own units, and the column within it.
const SLOT: usize = 10;
const COLUMN: usize = 8;
/// The narrowest chart, in days: a shorter range is widened with the days before it, so
/// every column stands over a date and the axis' first date is the first column's.
const MIN_DAYS: u64 = 7;
/// More days than this would give columns too thin to see: such a chart shows only the
/// days that received opinions.
const MAX_DAYS: u64 = 400;

impl DayChart {
    /// A chart of `counts` (days with opinions, in order) over the days `from` to `to` with
    /// the counted days outside them added; `None` when no opinion was received.
    pub fn new(id: &'static str, counts: &[(NaiveDate, i32)], from: NaiveDate, to: NaiveDate) -> Option<DayChart> {
        let total: i64 = counts.iter().map(|&(_, n)| i64::from(n)).sum();
        let (first_counted, last_counted) = (counts.first()?.0, counts.last()?.0);
        if total == 0 {
            return None;
        }
        let to = to.max(last_counted);
        let from = from.min(first_counted);
        let widened = from.min(to.checked_sub_days(Days::new(MIN_DAYS - 1)).unwrap_or(to));
        let lead = (from - widened).num_days().unsigned_abs() as usize;
        let from = widened;
        let span = (to - from).num_days().unsigned_abs() + 1;
        let days: Vec<(NaiveDate, i64)> = if span > MAX_DAYS {
            counts.iter().map(|&(d, n)| (d, i64::from(n))).collect()
        } else {
            (0..span)
                .filter_map(|i| from.checked_add_days(Days::new(i)))
                .map(|d| (d, counts.iter().find(|c| c.0 == d).map_or(0, |c| i64::from(c.1))))
                .collect()
        };
        let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1);
        let (busiest, most) = days.iter().fold((from, 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best });
        let bars = days
            .iter()
            .enumerate()
            .map(|(i, &(date, count))| {
                let height = if count == 0 { 0 } else { (count * DAY_CHART_HEIGHT / max).max(2) };
                DayBar {
                    date: date.to_string(),
                    count,
                    x: i * SLOT + (SLOT - COLUMN) / 2,
                    y: DAY_CHART_HEIGHT - height,
                    height,
                }
            })
            .collect::<Vec<_>>();
        let (first, last) = (days[0].0.to_string(), days[days.len() - 1].0.to_string());
        let listed_from = days[lead.min(days.len() - 1)].0;
        Some(DayChart {
            id,
            summary: format!(
                "{listed_from} 至 {last} 每日收到的意见数：共 {total} 条，最多的一天是 {busiest}（{most} 条）。逐日数字见图下的数据表。"
            ),
            width: bars.len() * SLOT,
            days: bars,
            lead,
            total,
            max,
            first,
            last,
        })
    }

    /// The days the data table lists: the range, without the days that only widen the chart.
    pub fn listed(&self) -> &[DayBar] {
        &self.days[self.lead.min(self.days.len())..]
    }

    pub fn height(&self) -> i64 {
        DAY_CHART_HEIGHT
    }

    /// Columns only: a column per day, each `COLUMN` units wide.
    pub fn column_width(&self) -> usize {
        COLUMN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2018, 1, d).unwrap()
    }

    #[test]
    fn every_day_of_the_range_has_a_column_and_quiet_days_are_zero() {
        let chart = DayChart::new("d", &[(day(9), 2), (day(11), 4)], day(8), day(12)).unwrap();
        let counts: Vec<(&str, i64)> = chart.days.iter().map(|d| (d.date.as_str(), d.count)).collect();
        assert_eq!(
            counts,
            [
                ("2018-01-06", 0),
                ("2018-01-07", 0),
                ("2018-01-08", 0),
                ("2018-01-09", 2),
                ("2018-01-10", 0),
                ("2018-01-11", 4),
                ("2018-01-12", 0)
            ],
            "a week at least, widened with the days before: no column without its date"
        );
        assert_eq!((chart.total, chart.max, chart.width), (6, 4, 70));
        assert_eq!((chart.first.as_str(), chart.last.as_str()), ("2018-01-06", "2018-01-12"));
        let listed: Vec<&str> = chart.listed().iter().map(|d| d.date.as_str()).collect();
        assert_eq!(
            listed,
            ["2018-01-08", "2018-01-09", "2018-01-10", "2018-01-11", "2018-01-12"],
            "the table lists the range"
        );
        assert!(chart.summary.starts_with("2018-01-08 至 2018-01-12"), "{}", chart.summary);
        assert_eq!((chart.days[5].height, chart.days[5].y), (100, 0), "the busiest day fills the height");
        assert_eq!((chart.days[3].height, chart.days[3].y), (50, 50));
        assert_eq!(chart.days[0].height, 0);
        assert!(chart.summary.contains("共 6 条") && chart.summary.contains("2018-01-11（4 条）"), "{}", chart.summary);
    }

    #[test]
    fn days_outside_the_range_widen_it_and_no_opinions_means_no_chart() {
        let chart = DayChart::new("d", &[(day(1), 1)], day(8), day(12)).unwrap();
        assert_eq!((chart.first.as_str(), chart.last.as_str(), chart.days.len()), ("2018-01-01", "2018-01-12", 12));
        assert!(DayChart::new("d", &[], day(8), day(9)).is_none());
    }

    #[test]
    fn bars_scale_to_the_largest_and_shares_to_the_whole() {
        let b = bars([("甲".into(), None, 10), ("乙".into(), None, 1)]);
        assert_eq!((b[0].percent, b[1].percent), (100, 10));
        let s = shares([("采纳".into(), None, 1), ("未处理".into(), None, 3), ("不予采纳".into(), None, 0)], 4);
        let got: Vec<(i64, Option<&str>)> = s.iter().map(|b| (b.percent, b.share.as_deref())).collect();
        assert_eq!(got, [(25, Some("25%")), (75, Some("75%")), (0, Some("0%"))]);
    }
}
