//! axe-core, injected into the page through WebDriver, checks it against WCAG 2.1 A and AA.

use std::fmt::Write;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::json;

use crate::browser::Browser;

/// What axe reported for one rule on one page.
#[derive(Debug, Deserialize)]
pub struct Violation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    /// A CSS selector for each element that fails the rule.
    pub targets: Vec<String>,
}

/// axe-core's script, installed by `npm ci` in tests/browser (the version is pinned in its package.json).
fn source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e}. Install axe-core first: (cd tests/browser && npm ci)"))
    })
}

const RUN: &str = "
    const done = arguments[arguments.length - 1];
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
      .then(results => done({
          passes: results.passes.length, incomplete: results.incomplete.map(v => v.id),
          violations: results.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              targets: v.nodes.map(n => n.target.join(' ')) })) }))
      .catch(error => done({ error: String(error) }));";

/// What axe made of one page.
#[derive(Debug, Deserialize)]
pub struct Results {
    pub violations: Vec<Violation>,
    /// Rules that found elements to check and passed them all: a page with none was not really checked.
    pub passes: usize,
    /// Rules axe could not decide by itself (a person has to look): reported, not failed.
    pub incomplete: Vec<String>,
}

/// Runs axe on the page the browser shows.
pub async fn check(browser: &Browser) -> Results {
    // The site's Content-Security-Policy (default-src 'self') does not apply to scripts run
    // through WebDriver; this would fail if it did.
    browser.execute(source(), vec![]).await;
    let loaded =
        browser.execute("return typeof window.axe === 'object' && typeof axe.run === 'function'", vec![]).await;
    assert_eq!(loaded, json!(true), "axe-core was not loaded into the page");
    let answer = browser.client.execute_async(RUN, vec![]).await.expect("axe.run");
    if let Some(error) = answer.get("error") {
        panic!("axe.run failed: {error}");
    }
    serde_json::from_value(answer).expect("axe's results")
}

/// Every page's result at one size.
pub struct Checked {
    pub page: String,
    pub size: &'static str,
    pub results: Results,
}

/// A table of violation counts per page and size, then each violation with its elements.
pub fn report(checked: &[Checked]) -> String {
    let mut out = String::new();
    let width = checked.iter().map(|c| c.page.len()).max().unwrap_or(4).max(4);
    writeln!(out, "axe-core (WCAG 2.0/2.1 A and AA) violations:").unwrap();
    writeln!(
        out,
        "{:width$}  {:7}  {:>10}  {:>6}  {:>10}  failing rules (elements)",
        "page", "size", "violations", "passed", "to review"
    )
    .unwrap();
    for c in checked {
        let r = &c.results;
        let rules: Vec<String> = r.violations.iter().map(|v| format!("{} ({})", v.id, v.targets.len())).collect();
        let (page, size, count) = (&c.page, c.size, r.violations.len());
        let review = r.incomplete.len();
        writeln!(out, "{page:width$}  {size:7}  {count:>10}  {:>6}  {review:>10}  {}", r.passes, rules.join(", "))
            .unwrap();
    }
    for c in checked.iter().filter(|c| !c.results.incomplete.is_empty()) {
        writeln!(out, "\n{} at {} size, for a person to review: {}", c.page, c.size, c.results.incomplete.join(", "))
            .unwrap();
    }
    for c in checked {
        for v in &c.results.violations {
            let impact = v.impact.as_deref().unwrap_or("-");
            writeln!(out, "\n{} at {} size: {} [{impact}] {}", c.page, c.size, v.id, v.help).unwrap();
            for target in &v.targets {
                writeln!(out, "    {target}").unwrap();
            }
        }
    }
    out
}
