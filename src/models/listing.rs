//! The public list of consultations as a read model: one page of published consultations
//! under a filter, with the counts per status. Statuses follow from the window and today's
//! date in China, so they are conditions on dates, and every query stays on the indexed
//! columns; nothing loads more than a page of rows.

use chrono::NaiveDate;
use diesel::dsl::{case_when, count, sql};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Date, Integer, Nullable};

use crate::db::schema::consultations;
use crate::db::{Conn, MultiBackend};
use crate::domain::ids::{AgencyId, ConsultationId};
use crate::domain::listing::{ListFilter, PAGE_SIZE};
use crate::domain::window::Status;
use crate::models::Consultation;
use crate::models::consultation_index;

/// How many published consultations match the filter (its status aside), per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub scheduled: i64,
    pub open: i64,
    pub closed: i64,
    pub feedback_published: i64,
}

impl StatusCounts {
    pub fn total(&self) -> i64 {
        self.scheduled + self.open + self.closed + self.feedback_published
    }

    pub fn of(&self, status: Option<Status>) -> i64 {
        match status {
            None => self.total(),
            Some(Status::Scheduled) => self.scheduled,
            Some(Status::Open) => self.open,
            Some(Status::Closed) => self.closed,
            Some(Status::FeedbackPublished) => self.feedback_published,
        }
    }

    fn of_mut(&mut self, status: Status) -> &mut i64 {
        match status {
            Status::Scheduled => &mut self.scheduled,
            Status::Open => &mut self.open,
            Status::Closed => &mut self.closed,
            Status::FeedbackPublished => &mut self.feedback_published,
        }
    }
}

/// One page of the list.
pub struct Listing {
    pub items: Vec<Consultation>,
    pub counts: StatusCounts,
    /// How many match the whole filter (status included): what the pages divide.
    pub total: i64,
}

/// A condition on published consultations, in diesel's own expressions.
type Condition = Box<dyn BoxableExpression<consultations::table, MultiBackend, SqlType = Bool>>;

/// The condition for a status on `today` (China time), as [`status_on`] decides it. The date
/// is a bind, not a literal, so the list's statements read the same every day and
/// PostgreSQL keeps them prepared instead of planning each one on every request.
///
/// [`status_on`]: crate::domain::window::status_on
fn status_condition(status: Status, today: NaiveDate) -> Condition {
    use consultations::{ends_on, feedback_published_at, starts_on};
    match status {
        Status::FeedbackPublished => Box::new(feedback_published_at.is_not_null()),
        Status::Scheduled => Box::new(feedback_published_at.is_null().and(starts_on.gt(today))),
        Status::Open => Box::new(feedback_published_at.is_null().and(starts_on.le(today)).and(ends_on.ge(today))),
        Status::Closed => Box::new(feedback_published_at.is_null().and(ends_on.lt(today))),
    }
}

type Boxed<'a> = consultations::BoxedQuery<'a, MultiBackend>;

/// Published consultations under the filter, the status aside.
fn base<'a>(conn: &Conn, filter: &'a ListFilter) -> Boxed<'a> {
    let mut query = consultations::table.filter(consultations::published_at.is_not_null()).into_boxed();
    if let Some(year) = filter.year
        && let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
    {
        query = query.filter(consultations::starts_on.between(first, last));
    }
    if let Some(agency) = filter.agency {
        query = query.filter(consultations::agency_id.eq(AgencyId(agency)));
    }
    if let Some(text) = &filter.text {
        let grams = consultation_index::query_grams(text);
        if grams.is_empty() {
            // One character has no bigram: look for it in the title.
            let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            query = query.filter(consultations::title.like(format!("%{escaped}%")).escape('\\'));
        } else {
            query = query.filter(sql::<Bool>(&consultation_index::condition(conn.backend(), &grams)));
        }
    }
    query
}

impl Listing {
    /// The filter's page, newest window first within: open, then scheduled, then the rest
    /// (what a citizen can act on comes first). Each of the three runs is read in the
    /// order of the list's index, as far as the page reaches into it, so a page costs the
    /// same with ten consultations or ten thousand (the counts say where each run ends).
    pub fn load(conn: &mut Conn, filter: &ListFilter, today: NaiveDate) -> QueryResult<Listing> {
        Self::load_counted(conn, filter, today, None)
    }

    /// [`Listing::load`] with the counts per status already known (from a cache: counting
    /// is the one part whose cost grows with the number of consultations).
    pub fn load_counted(
        conn: &mut Conn,
        filter: &ListFilter,
        today: NaiveDate,
        known: Option<StatusCounts>,
    ) -> QueryResult<Listing> {
        if filter.text.as_deref().is_some_and(|t| !consultation_index::query_grams(t).is_empty()) {
            return Self::load_searched(conn, filter, today);
        }
        let counts = match known {
            Some(counts) => counts,
            None => Self::counts(conn, filter, today)?,
        };
        let total = counts.of(filter.status);
        let runs: Vec<(Condition, i64)> = match filter.status {
            Some(status) => vec![(status_condition(status, today), total)],
            None => vec![
                (status_condition(Status::Open, today), counts.open),
                (status_condition(Status::Scheduled, today), counts.scheduled),
                (
                    Box::new(consultations::feedback_published_at.is_not_null().or(consultations::ends_on.lt(today))),
                    counts.closed + counts.feedback_published,
                ),
            ],
        };
        let (mut skip, mut wanted) = (filter.offset(), PAGE_SIZE);
        let mut items = Vec::new();
        for (condition, len) in runs {
            if wanted == 0 {
                break;
            }
            if skip >= len {
                skip -= len;
                continue;
            }
            let page: Vec<Consultation> = base(conn, filter)
                .filter(condition)
                .order((consultations::starts_on.desc(), consultations::id.desc()))
                .limit(wanted.min(len - skip))
                .offset(skip)
                .select(Consultation::as_select())
                .load(conn)?;
            wanted -= page.len() as i64;
            skip = 0;
            items.extend(page);
        }
        Ok(Listing { items, counts, total })
    }

    /// [`Listing::load_counted`] for a search of the text index: the index is looked up once, for
    /// the status of every match (as [`crate::domain::window::status_on`] decides it, worked out
    /// by the database) and its start, and the counts, the list's order and the page follow from
    /// those; then only the page's rows are read. (A word as common as 管理 is in nearly every
    /// draft: looking it up for the counts and again for each run cost four walks of the whole
    /// index entry.) The matches are put in order here, not by the database: PostgreSQL sorting
    /// 500 of them by a `CASE` took a fifth to a quarter of the statement's time, and reading
    /// their starts with them did not cost the service more (0.31-0.36 ms a search either way).
    fn load_searched(conn: &mut Conn, filter: &ListFilter, today: NaiveDate) -> QueryResult<Listing> {
        const STATUSES: [Status; 4] = [Status::Scheduled, Status::Open, Status::Closed, Status::FeedbackPublished];
        let mut matched = Self::matches(conn, filter, today)?;
        // Open first, then scheduled, then the rest (the runs of `load_counted`), each newest
        // window first.
        let run = |code: i32| match code {
            1 => 0,
            0 => 1,
            _ => 2,
        };
        matched.sort_unstable_by(|a, b| run(a.1).cmp(&run(b.1)).then(b.2.cmp(&a.2)).then(b.0.0.cmp(&a.0.0)));
        let mut counts = StatusCounts::default();
        let mut listed: Vec<ConsultationId> = Vec::new();
        for (id, code, _) in matched {
            let status = STATUSES[usize::try_from(code).unwrap_or_default().min(3)];
            *counts.of_mut(status) += 1;
            if filter.status.is_none_or(|wanted| wanted == status) {
                listed.push(id);
            }
        }
        let page: Vec<ConsultationId> = listed
            .iter()
            .skip(usize::try_from(filter.offset()).unwrap_or(usize::MAX))
            .take(PAGE_SIZE as usize)
            .copied()
            .collect();
        let mut rows: Vec<Consultation> = consultations::table
            .filter(consultations::id.eq_any(&page))
            .select(Consultation::as_select())
            .load(conn)?;
        rows.sort_by_key(|c| page.iter().position(|id| *id == c.id));
        Ok(Listing { items: rows, counts, total: counts.of(filter.status) })
    }

    /// Every consultation the search matches under the filter (its status aside): its id, its
    /// status's place in `[scheduled, open, closed, feedback published]` (in the order of
    /// `status_on`'s tests) and its start. On PostgreSQL one prepared statement for every
    /// search (the date, the bigrams and the filters bound, those not set as nulls): planned
    /// anew for each search, it took a third longer. PostgreSQL still makes a plan for each
    /// search's bigrams (about 0.2 ms); moved into a PL/pgSQL function that forces one plan
    /// per connection, the search cost the database more, not less (2026-12-07: 0.74–0.87 ms
    /// against 0.60–0.78 ms a JSON search).
    fn matches(
        conn: &mut Conn,
        filter: &ListFilter,
        today: NaiveDate,
    ) -> QueryResult<Vec<(ConsultationId, i32, NaiveDate)>> {
        let year =
            filter.year.and_then(|y| Some((NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y, 12, 31)?)));
        if let Conn::Postgres(c) = conn {
            #[derive(QueryableByName)]
            struct Match {
                #[diesel(sql_type = Integer)]
                id: i32,
                #[diesel(sql_type = Integer)]
                status: i32,
                #[diesel(sql_type = Date)]
                starts_on: NaiveDate,
            }
            let grams = consultation_index::query_grams(filter.text.as_deref().unwrap_or_default());
            let found: Vec<Match> = crate::db::prepared(
                "SELECT id, CASE WHEN feedback_published_at IS NOT NULL THEN 3 \
                 WHEN starts_on > $1 THEN 0 WHEN ends_on >= $1 THEN 1 ELSE 2 END AS status, starts_on \
                 FROM consultations WHERE published_at IS NOT NULL AND grams @> $2 \
                 AND ($3::integer IS NULL OR agency_id = $3) \
                 AND ($4::date IS NULL OR starts_on BETWEEN $4 AND $5)",
            )
            .bind::<Date, _>(today)
            .bind::<Array<Integer>, _>(grams)
            .bind::<Nullable<Integer>, _>(filter.agency)
            .bind::<Nullable<Date>, _>(year.map(|y| y.0))
            .bind::<Nullable<Date>, _>(year.map(|y| y.1))
            .load(c)?;
            return Ok(found.into_iter().map(|m| (ConsultationId(m.id), m.status, m.starts_on)).collect());
        }
        // The same places, from the list's own status conditions.
        let status = case_when::<_, _, Integer>(status_condition(Status::FeedbackPublished, today), 3)
            .when(status_condition(Status::Scheduled, today), 0)
            .when(status_condition(Status::Open, today), 1)
            .otherwise(2);
        base(conn, filter).select((consultations::id, status, consultations::starts_on)).load(conn)
    }

    /// The counts per status under the filter (its status aside), in one query: each counts
    /// `CASE WHEN` its status `THEN 1 END`, which is null for the others.
    pub fn counts(conn: &mut Conn, filter: &ListFilter, today: NaiveDate) -> QueryResult<StatusCounts> {
        let count = |s| count(case_when::<_, _, Integer>(status_condition(s, today), 1));
        let (scheduled, open, closed, feedback_published) = base(conn, filter)
            .select((
                count(Status::Scheduled),
                count(Status::Open),
                count(Status::Closed),
                count(Status::FeedbackPublished),
            ))
            .first(conn)?;
        Ok(StatusCounts { scheduled, open, closed, feedback_published })
    }

    /// The years in which published consultations started, newest first (from the first
    /// to the last; a year without any still shows, and yields an empty list).
    /// The two ends of the list's index, read by one statement of two scalar subqueries
    /// (`MIN`/`MAX` under the published filter would walk every published consultation on
    /// SQLite, on every list page; two statements cost a second round trip on PostgreSQL).
    pub fn years(conn: &mut Conn) -> QueryResult<Vec<i32>> {
        // The limits are written in: with nothing bound, PostgreSQL plans the statement once
        // per connection (bound limits made it plan it on every list page, 0.17–0.20 ms).
        const ENDS: &str = "SELECT (SELECT starts_on FROM consultations WHERE published_at IS NOT NULL \
             ORDER BY starts_on ASC, id ASC LIMIT 1) AS first, \
             (SELECT starts_on FROM consultations WHERE published_at IS NOT NULL \
             ORDER BY starts_on DESC, id DESC LIMIT 1) AS last";
        #[derive(QueryableByName)]
        struct Ends {
            #[diesel(sql_type = Nullable<Date>)]
            first: Option<NaiveDate>,
            #[diesel(sql_type = Nullable<Date>)]
            last: Option<NaiveDate>,
        }
        let ends: Ends = match conn {
            Conn::Postgres(c) => crate::db::prepared(ENDS).get_result(c)?,
            Conn::Sqlite(c) => diesel::sql_query(ENDS).get_result(c)?,
        };
        use chrono::Datelike;
        Ok(match (ends.first, ends.last) {
            (Some(first), Some(last)) => (first.year()..=last.year()).rev().collect(),
            _ => Vec::new(),
        })
    }
}

/// What the feeds and the sitemap read: the latest published consultations or feedback.
pub mod recent {
    use super::*;

    /// The `limit` most recently published consultations (of one agency, if given).
    pub fn published(conn: &mut Conn, agency: Option<AgencyId>, limit: i64) -> QueryResult<Vec<Consultation>> {
        let mut query = consultations::table.filter(consultations::published_at.is_not_null()).into_boxed();
        if let Some(agency) = agency {
            query = query.filter(consultations::agency_id.eq(agency));
        }
        query
            .order((consultations::published_at.desc(), consultations::id.desc()))
            .limit(limit)
            .select(Consultation::as_select())
            .load(conn)
    }

    /// The `limit` consultations whose feedback was published last (of one agency, if given).
    pub fn feedback(conn: &mut Conn, agency: Option<AgencyId>, limit: i64) -> QueryResult<Vec<Consultation>> {
        let mut query = consultations::table
            .filter(consultations::published_at.is_not_null())
            .filter(consultations::feedback_published_at.is_not_null())
            .into_boxed();
        if let Some(agency) = agency {
            query = query.filter(consultations::agency_id.eq(agency));
        }
        query
            .order((consultations::feedback_published_at.desc(), consultations::id.desc()))
            .limit(limit)
            .select(Consultation::as_select())
            .load(conn)
    }

    /// Every published consultation's id, last change and whether it has feedback, for the
    /// sitemap (at most `limit`, the newest).
    pub fn sitemap(
        conn: &mut Conn,
        limit: i64,
    ) -> QueryResult<Vec<(crate::domain::ids::ConsultationId, chrono::NaiveDateTime, bool)>> {
        let rows: Vec<(crate::domain::ids::ConsultationId, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> =
            consultations::table
                .filter(consultations::published_at.is_not_null())
                .order(consultations::id.desc())
                .limit(limit)
                .select((consultations::id, consultations::updated_at, consultations::feedback_published_at))
                .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, updated, feedback)| (id, feedback.map_or(updated, |f| f.max(updated)), feedback.is_some()))
            .collect())
    }
}
