//! A short-lived cache of rendered public pages. The database stays the truth: an entry
//! is fresh for `ttl` (one second by default), and this process drops a consultation's
//! pages at once when it records an opinion or staff change the consultation, so an
//! instance shows its own writes immediately and others' within the ttl (twice the ttl
//! at most, see below). Each entry
//! keeps an ETag, and its gzip form once a browser has asked for it, so a hit costs a
//! hash lookup and a copy of bytes.
//!
//! When an entry expires, the first request to find it renders the page again; the
//! requests that come while it does are given the expired page (for at most another
//! ttl), rather than each rendering the same page at once: under load every expiry
//! otherwise cost as many renderings as there were requests in flight.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use chrono::NaiveDate;

use crate::domain::ids::ConsultationId;
use crate::domain::listing::ListFilter;
use crate::models::consultation::Commentable;
use crate::models::listing::StatusCounts;

/// More entries than this and the cache starts again from empty (pages are cheap to redo).
const MAX_ENTRIES: usize = 2000;

#[derive(Clone)]
pub struct CachedPage {
    created: Instant,
    body: Bytes,
    content_type: &'static str,
    /// Compressed on first demand: a page rendered for a client that does not accept gzip
    /// (or with the cache off) never pays for it. Shared by the entry's clones.
    gzip: Arc<OnceLock<Bytes>>,
    etag: String,
    /// Whether a request has taken it upon itself to render the expired entry again;
    /// shared by the entry's clones.
    refreshing: Arc<AtomicBool>,
}

pub struct PageCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, CachedPage>>,
    /// Consultations as the opinion form needs them; opinions do not change them.
    targets: RwLock<HashMap<ConsultationId, (Instant, Arc<Commentable>)>>,
    /// The lists' counts per status, by filter (status and page aside) and day: every page of
    /// a list, and the JSON list, share one count.
    counts: RwLock<HashMap<String, (Instant, StatusCounts)>>,
}

impl PageCache {
    pub fn new(ttl: Duration) -> PageCache {
        PageCache {
            ttl,
            entries: RwLock::new(HashMap::new()),
            targets: RwLock::new(HashMap::new()),
            counts: RwLock::new(HashMap::new()),
        }
    }

    /// A fresh entry for `key` (the request path), if any.
    pub fn get(&self, key: &str) -> Option<CachedPage> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().ok()?;
        let entry = entries.get(key)?;
        let age = entry.created.elapsed();
        if age < self.ttl || (age < self.ttl * 2 && entry.refreshing.swap(true, Ordering::Relaxed)) {
            return Some(entry.clone());
        }
        None
    }

    /// Stores a rendered page and returns it as an entry.
    pub fn put(&self, key: &str, html: String) -> CachedPage {
        self.put_as(key, html, HTML)
    }

    /// Stores a body of another type (the API's JSON list) and returns it as an entry.
    pub fn put_as(&self, key: &str, body: String, content_type: &'static str) -> CachedPage {
        let page = CachedPage::new(body, content_type);
        if !self.ttl.is_zero()
            && let Ok(mut entries) = self.entries.write()
        {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key.to_owned(), page.clone());
        }
        page
    }

    /// Drops the lists and every page of the consultation.
    pub fn forget_consultation(&self, id: ConsultationId) {
        let prefix = format!("/consultations/{id}");
        if let Ok(mut entries) = self.entries.write() {
            // Lists (`/`, `/?page=2`, an agency's page) show the opinion counts too.
            entries.retain(|key, _| !(is_list(key) || key == &prefix || key.starts_with(&format!("{prefix}/"))));
        }
    }

    /// Drops everything (after staff changes, which may touch any page, e.g. publishing).
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
        if let Ok(mut targets) = self.targets.write() {
            targets.clear();
        }
        if let Ok(mut counts) = self.counts.write() {
            counts.clear();
        }
    }

    /// The counts per status of the list `filter` names on `today`, if fresh.
    pub fn list_counts(&self, filter: &ListFilter, today: NaiveDate) -> Option<StatusCounts> {
        if self.ttl.is_zero() {
            return None;
        }
        let counts = self.counts.read().ok()?;
        counts.get(&counts_key(filter, today)).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, c)| *c)
    }

    pub fn put_list_counts(&self, filter: &ListFilter, today: NaiveDate, found: StatusCounts) {
        if !self.ttl.is_zero()
            && let Ok(mut counts) = self.counts.write()
        {
            if counts.len() >= MAX_ENTRIES {
                counts.clear();
            }
            counts.insert(counts_key(filter, today), (Instant::now(), found));
        }
    }

    /// The consultation as the opinion form needs it, if fresh.
    pub fn target(&self, id: ConsultationId) -> Option<Arc<Commentable>> {
        if self.ttl.is_zero() {
            return None;
        }
        let targets = self.targets.read().ok()?;
        targets.get(&id).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, t)| t.clone())
    }

    pub fn put_target(&self, id: ConsultationId, target: Arc<Commentable>) {
        if !self.ttl.is_zero()
            && let Ok(mut targets) = self.targets.write()
        {
            if targets.len() >= MAX_ENTRIES {
                targets.clear();
            }
            targets.insert(id, (Instant::now(), target));
        }
    }
}

/// The filter without its status and page, and the day (statuses change with the date).
fn counts_key(filter: &ListFilter, today: NaiveDate) -> String {
    let whole = ListFilter { status: None, page: 1, ..filter.clone() };
    format!("{today}{}", whole.query_string())
}

/// Whether a cache key is one of the lists of consultations.
fn is_list(key: &str) -> bool {
    key == "/"
        || key.starts_with("/?")
        || key.starts_with("/agencies/")
        || key == JSON_LIST
        || key.strip_prefix(JSON_LIST).is_some_and(|rest| rest.starts_with('?'))
}

/// The API's list of consultations, cached like the public list (under its canonical query).
pub const JSON_LIST: &str = "/api/v1/consultations";

const HTML: &str = "text/html; charset=utf-8";
/// The content type of a cached JSON body.
pub const JSON: &str = "application/json";

impl CachedPage {
    fn new(body: String, content_type: &'static str) -> CachedPage {
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(body.as_bytes())[..12]));
        CachedPage {
            created: Instant::now(),
            body: Bytes::from(body),
            content_type,
            gzip: Arc::default(),
            etag,
            refreshing: Arc::default(),
        }
    }

    /// The gzip form (empty should compression fail: the page then goes uncompressed).
    fn gzip(&self) -> &Bytes {
        self.gzip.get_or_init(|| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(self.body.len() / 4), flate2::Compression::default());
            Bytes::from(encoder.write_all(&self.body).and_then(|_| encoder.finish()).unwrap_or_default())
        })
    }

    /// The page for this request: 304 when the browser has it, gzip when it accepts it.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let headers = req.headers();
        if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(&self.etag)) {
            return HttpResponse::NotModified().insert_header((header::ETAG, self.etag.clone())).finish();
        }
        let accepts_gzip = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
        let gzip = if accepts_gzip { Some(self.gzip()).filter(|g| !g.is_empty()) } else { None };
        let mut response = HttpResponse::Ok();
        response
            .content_type(self.content_type)
            .insert_header((header::ETAG, self.etag.clone()))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::VARY, "Accept-Encoding"));
        if let Some(gzip) = gzip {
            // Already compressed: the compression middleware leaves encoded responses alone.
            response.insert_header((header::CONTENT_ENCODING, "gzip")).body(gzip.clone())
        } else {
            response.body(self.body.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consultations_pages_are_forgotten_but_not_anothers() {
        let cache = PageCache::new(Duration::from_secs(60));
        for key in ["/", "/consultations/1", "/consultations/1/sections/2", "/consultations/12", "/consultations/2"] {
            cache.put(key, key.to_owned());
        }
        for key in ["/api/v1/consultations", "/api/v1/consultations?page=2", "/api/v1/consultations/2"] {
            cache.put_as(key, key.to_owned(), JSON);
        }
        cache.forget_consultation(ConsultationId(1));
        assert!(cache.get("/api/v1/consultations").is_none(), "the JSON list shows counts too");
        assert!(cache.get("/api/v1/consultations?page=2").is_none());
        assert!(cache.get("/api/v1/consultations/2").is_some(), "another consultation's JSON");
        assert!(cache.get("/consultations/1").is_none());
        assert!(cache.get("/consultations/1/sections/2").is_none());
        assert!(cache.get("/").is_none(), "the list shows counts too");
        assert!(cache.get("/consultations/12").is_some(), "12 is not 1");
        assert!(cache.get("/consultations/2").is_some());
    }

    #[test]
    fn entries_expire_and_a_zero_ttl_caches_nothing() {
        let cache = PageCache::new(Duration::from_millis(20));
        cache.put("/", "x".into());
        assert!(cache.get("/").is_some());
        std::thread::sleep(Duration::from_millis(25));
        assert!(cache.get("/").is_none());
        std::thread::sleep(Duration::from_millis(20));
        assert!(cache.get("/").is_none(), "expired twice over: rendered again by everyone");
        let off = PageCache::new(Duration::ZERO);
        off.put("/", "x".into());
        assert!(off.get("/").is_none());
    }

    #[test]
    fn one_request_renders_an_expired_page_again_while_the_others_are_given_the_old_one() {
        let cache = PageCache::new(Duration::from_millis(500));
        cache.put("/", "old".into());
        std::thread::sleep(Duration::from_millis(510));
        assert!(cache.get("/").is_none(), "the first to find it expired renders it");
        let stale = cache.get("/").expect("the others are given the expired page meanwhile");
        assert_eq!(&stale.body[..], b"old");
        assert!(cache.get("/").is_some(), "still only one renders");
        cache.put("/", "new".into());
        assert_eq!(&cache.get("/").expect("fresh").body[..], b"new");
    }

    #[test]
    fn the_gzip_form_unpacks_to_the_page() {
        let page = CachedPage::new("<p>征求意见</p>".repeat(100), HTML);
        let clone = page.clone();
        let mut decoder = flate2::read::GzDecoder::new(&page.gzip()[..]);
        let mut out = String::new();
        std::io::Read::read_to_string(&mut decoder, &mut out).unwrap();
        assert_eq!(out, "<p>征求意见</p>".repeat(100));
        assert!(std::ptr::eq(clone.gzip(), page.gzip()), "compressed once for the entry and its clones");
    }
}
