//! The public list's view model, shared by the home page and each agency's page: the
//! filter form, a tab per status with its count, a page of consultations and the pager.

use chrono::{DateTime, Utc};

use crate::db;
use crate::domain::ids::AgencyId;
use crate::domain::listing::{ListFilter, page_count, status_code};
use crate::domain::window::{Status, china_today};
use crate::error::AppError;
use crate::models::listing::Listing;
use crate::routes::views::ConsultationView;
use crate::state::AppState;

/// A status tab: all, or one status, with how many match.
pub struct StatusTab {
    pub label: &'static str,
    /// The value in the filter form's select (empty: all).
    pub code: &'static str,
    pub count: i64,
    pub url: String,
    pub current: bool,
}

/// A link of the pager.
pub struct PageLink {
    pub number: i64,
    pub url: String,
    pub current: bool,
}

pub struct ListView {
    /// The list's own address (`/`, `/agencies/3`), the filter form's action.
    pub base: String,
    pub items: Vec<ConsultationView>,
    pub tabs: Vec<StatusTab>,
    pub years: Vec<i32>,
    pub filter: ListFilter,
    /// How many match the filter, its status included.
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Page numbers around the current one, with the first and last.
    pub numbers: Vec<PageLink>,
    /// The search text as typed, to show in the form again.
    pub text: String,
}

impl ListView {
    /// The list at `base` under `filter`; `scope` limits it to one agency whose page
    /// `base` is (links then leave the agency out: the address holds it).
    pub async fn load(
        state: &AppState,
        base: &str,
        filter: ListFilter,
        scope: Option<AgencyId>,
        now: DateTime<Utc>,
    ) -> Result<ListView, AppError> {
        let today = china_today(now);
        let for_query = match scope {
            Some(agency) => ListFilter { agency: Some(agency.0), ..filter.clone() },
            None => filter.clone(),
        };
        let known = state.pages.list_counts(&for_query, today);
        let query = for_query.clone();
        let (listing, years) = db::run(&state.pool, move |conn| {
            Ok((Listing::load_counted(conn, &query, today, known)?, Listing::years(conn)?))
        })
        .await?;
        state.pages.put_list_counts(&for_query, today, listing.counts);
        Ok(ListView::new(base, filter, listing, years, now))
    }

    pub fn new(base: &str, filter: ListFilter, listing: Listing, years: Vec<i32>, now: DateTime<Utc>) -> ListView {
        let url = |f: &ListFilter| format!("{base}{}", f.query_string());
        let counts = listing.counts;
        let mut tabs = vec![StatusTab {
            label: "全部",
            code: "",
            count: counts.total(),
            url: url(&filter.with_status(None)),
            current: filter.status.is_none(),
        }];
        for status in [Status::Open, Status::Scheduled, Status::Closed, Status::FeedbackPublished] {
            tabs.push(StatusTab {
                label: status.label(),
                code: status_code(status),
                count: counts.of(Some(status)),
                url: url(&filter.with_status(Some(status))),
                current: filter.status == Some(status),
            });
        }
        let pages = page_count(listing.total);
        let page = filter.page;
        let numbers = [1, page - 2, page - 1, page, page + 1, page + 2, pages]
            .into_iter()
            .filter(|n| (1..=pages).contains(n))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|n| PageLink { number: n, url: url(&filter.on_page(n)), current: n == page })
            .collect();
        ListView {
            base: base.to_owned(),
            items: listing.items.iter().map(|c| ConsultationView::new(c, now)).collect(),
            tabs,
            years,
            total: listing.total,
            page,
            pages,
            prev: (page > 1).then(|| url(&filter.on_page((page - 1).min(pages)))),
            next: (page < pages).then(|| url(&filter.on_page(page + 1))),
            numbers,
            text: filter.text.clone().unwrap_or_default(),
            filter,
        }
    }

    /// Whether any filter is set (the empty list then says so, not "nothing published").
    pub fn filtered(&self) -> bool {
        self.filter.status.is_some() || self.filter.year.is_some() || self.filter.text.is_some()
    }

    pub fn is_year(&self, year: &i32) -> bool {
        self.filter.year == Some(*year)
    }
}
