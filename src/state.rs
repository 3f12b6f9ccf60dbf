//! What every request handler and use case can reach: the pool, the settings, and the
//! process's shared helpers (rate-limit memory, captcha painter, group commit, page cache, groups).

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::Settings;
use crate::db::Pool;
use crate::rate_limit::Exhausted;
use crate::text::sensitive::SensitiveWords;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    /// Rate-limit windows this process knows to be used up.
    pub limits: Exhausted,
    pub sensitive: SensitiveWords,
    /// Draws captcha images on low-priority threads, one per core.
    pub painter: crate::captcha::painter::Painter,
    /// Durable writes that a person waits for (opinions), committed in groups.
    pub writes: crate::db::BatchCommit,
    /// Wakes the mail worker when mail has been queued.
    pub mail_wakeup: Arc<Notify>,
    /// Rendered public pages, kept for a moment.
    pub pages: crate::page_cache::PageCache,
    /// Groups of similar opinions: the grouper (built on first use, it loads a dictionary), the
    /// groups found last, reused while the opinions stay the same, and the groupings under way.
    pub groups: Arc<crate::groupings::Groupings>,
}
