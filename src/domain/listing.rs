//! What the public list of consultations is asked for: a page, a status, a year, a search.
//! Parsed leniently from the query string (a link someone shortened must still open a
//! list), and written back in one canonical order so that every page has one address.

use crate::domain::window::Status;

/// Consultations on one page of the public list.
pub const PAGE_SIZE: i64 = 20;

/// The longest search text kept (longer input is cut, not refused).
const MAX_QUERY_CHARS: usize = 50;

/// The public list's filters and page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub status: Option<Status>,
    /// Consultations whose window starts in this year.
    pub year: Option<i32>,
    /// Text that must appear in the title, issuer, notice or draft (trimmed, not empty).
    pub text: Option<String>,
    /// The agency (单位) the consultation belongs to.
    pub agency: Option<i32>,
    /// 1-based.
    pub page: i64,
}

/// The raw query string fields, as a browser sends them from the filter form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub year: Option<String>,
    pub q: Option<String>,
    pub agency: Option<String>,
    pub page: Option<String>,
}

/// The code a status has in addresses and the JSON API.
pub fn status_code(status: Status) -> &'static str {
    match status {
        Status::Scheduled => "scheduled",
        Status::Open => "open",
        Status::Closed => "closed",
        Status::FeedbackPublished => "feedback_published",
    }
}

pub fn parse_status(code: &str) -> Option<Status> {
    [Status::Scheduled, Status::Open, Status::Closed, Status::FeedbackPublished]
        .into_iter()
        .find(|s| status_code(*s) == code.trim())
}

impl From<ListQuery> for ListFilter {
    /// Unknown or malformed values are dropped: the list then shows more, never an error.
    fn from(q: ListQuery) -> ListFilter {
        let text =
            q.q.map(|t| t.trim().chars().take(MAX_QUERY_CHARS).collect::<String>())
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty());
        ListFilter {
            status: q.status.as_deref().and_then(parse_status),
            year: q.year.and_then(|y| y.trim().parse().ok()).filter(|y| (1949..=9999).contains(y)),
            text,
            agency: q.agency.and_then(|a| a.trim().parse().ok()).filter(|a| *a > 0),
            page: q.page.and_then(|p| p.trim().parse().ok()).filter(|p| *p >= 1).unwrap_or(1),
        }
    }
}

impl ListFilter {
    /// The same filter on another page.
    pub fn on_page(&self, page: i64) -> ListFilter {
        ListFilter { page, ..self.clone() }
    }

    /// The same filter with another status (and back on page 1).
    pub fn with_status(&self, status: Option<Status>) -> ListFilter {
        ListFilter { status, page: 1, ..self.clone() }
    }

    /// The query string, fields in a fixed order, page 1 and empty fields left out;
    /// empty when nothing is asked for. Starts with `?` otherwise.
    pub fn query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(agency) = self.agency {
            pairs.push(("agency", agency.to_string()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", status_code(status).to_owned()));
        }
        if let Some(year) = self.year {
            pairs.push(("year", year.to_string()));
        }
        if let Some(text) = &self.text {
            pairs.push(("q", text.clone()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        if pairs.is_empty() {
            return String::new();
        }
        format!("?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    }

    /// Rows to skip for this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(PAGE_SIZE)
    }
}

/// How many pages `total` consultations fill (at least one, an empty one).
pub fn page_count(total: i64) -> i64 {
    ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ListFilter {
        ListFilter::from(serde_urlencoded::from_str::<ListQuery>(query).unwrap())
    }

    #[test]
    fn a_full_query_is_read_and_written_back_in_one_order() {
        let f = parse("page=3&q=%E5%85%BB%E8%80%81&year=2025&status=open&agency=2");
        assert_eq!(f.status, Some(Status::Open));
        assert_eq!(f.year, Some(2025));
        assert_eq!(f.text.as_deref(), Some("养老"));
        assert_eq!(f.agency, Some(2));
        assert_eq!(f.page, 3);
        assert_eq!(f.query_string(), "?agency=2&status=open&year=2025&q=%E5%85%BB%E8%80%81&page=3");
    }

    #[test]
    fn malformed_values_are_dropped_and_the_first_page_has_no_page_number() {
        let f = parse("page=-2&status=finished&year=abc&q=%20%20&agency=x");
        assert_eq!(f, ListFilter { page: 1, ..ListFilter::default() });
        assert_eq!(f.query_string(), "");
        assert_eq!(parse("page=0").page, 1);
    }

    #[test]
    fn changing_the_status_goes_back_to_the_first_page() {
        let f = parse("page=4&year=2024").with_status(Some(Status::FeedbackPublished));
        assert_eq!(f.query_string(), "?status=feedback_published&year=2024");
    }

    #[test]
    fn pages_are_counted_up_and_an_empty_list_has_one() {
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(PAGE_SIZE), 1);
        assert_eq!(page_count(PAGE_SIZE + 1), 2);
        assert_eq!(parse("page=3").offset(), 2 * PAGE_SIZE);
    }

    #[test]
    fn every_status_code_reads_back_as_its_status() {
        for s in [Status::Scheduled, Status::Open, Status::Closed, Status::FeedbackPublished] {
            assert_eq!(parse_status(status_code(s)), Some(s));
        }
    }
}
