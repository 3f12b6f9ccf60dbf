//! Real-browser tests: headless Chromium drives the running app as citizens, drafters and departments do.
//!
//! Run them with `cargo test --test browser` (see the README); they need Debian's `chromium` and
//! `chromium-driver`, and axe-core installed by `npm ci` in this folder.
//!
//! The browser is driven through WebDriver with the `fantoccini` crate. WebDriver is a W3C
//! standard spoken by the chromedriver that Debian builds from the same source as its Chromium,
//! so the client crate never has to match Chromium's version the way a DevTools-protocol (CDP)
//! client does, and nothing downloads a browser of its own. The only vendor extension used is
//! chromedriver's `goog/cdp/execute`, for full-page screenshots, which WebDriver lacks.

mod accessibility;
mod app;
mod axe;
mod browser;
mod citizen;
mod department;
mod drafter;
mod driver;
mod keyboard;
mod notice;
mod steps;
