//! Keyboard only: Tab reaches everything, the focus shows where it is, and Enter sends the opinion form.

use fantoccini::key::Key;
use serde::Deserialize;

use crate::app::spawn_seeded_app;
use crate::browser::{Browser, DESKTOP, SIZES, Script};
use crate::steps::{HUANGJIANG, captcha_answer};

/// What has the focus, and how it is drawn.
#[derive(Debug, Deserialize)]
struct Focused {
    /// `tag#id` or `tag "text"`: enough to find it in the page.
    name: String,
    id: String,
    text: String,
    outline: String,
    visible: bool,
}

/// The focused element, or `None` when the focus is on the page itself or back on an element
/// seen before (Tab went round the page).
const FOCUSED: &str = "
    const a = document.activeElement;
    window.__tabbed = window.__tabbed || new Set();
    if (!a || a === document.body || window.__tabbed.has(a)) return null;
    window.__tabbed.add(a);
    const s = getComputedStyle(a);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const text = (a.innerText || a.value || a.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    return {
        name: a.tagName.toLowerCase() + (a.id ? '#' + a.id : ' \"' + text.slice(0, 30) + '\"'),
        id: a.id, text: text,
        outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + (s.boxShadow !== 'none' ? ' / ' + s.boxShadow : ''),
        visible: outline || s.boxShadow !== 'none',
    };";

async fn tab(browser: &Browser) -> Option<Focused> {
    browser.press(&[Key::Tab]).await;
    serde_json::from_value(browser.execute(FOCUSED, vec![]).await).expect("the focused element")
}

/// Presses Tab until the focus is on an element for which `wanted` holds; fails after `limit` presses.
async fn tab_to(browser: &Browser, limit: usize, wanted: impl Fn(&Focused) -> bool) -> Focused {
    for _ in 0..limit {
        if let Some(focused) = tab(browser).await
            && wanted(&focused)
        {
            return focused;
        }
    }
    panic!("{limit} presses of Tab did not reach the element on {}", browser.path().await)
}

#[actix_web::test]
async fn the_opinion_form_is_reached_filled_and_sent_with_the_keyboard_alone() {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, DESKTOP, Script::On).await;
    browser.goto("/").await;
    let title = browser.text(&format!(".consultation-card a[href='/consultations/{HUANGJIANG}']")).await;
    tab_to(&browser, 30, |f| f.text == title).await;
    browser.navigation(browser.press(&[Key::Enter])).await;
    assert_eq!(browser.text("h1").await, title);
    tab_to(&browser, 30, |f| f.text == "对征求意见稿全文提出意见").await;
    browser.navigation(browser.press(&[Key::Enter])).await;
    assert_eq!(browser.text("h1").await, "提出意见");

    let first = tab_to(&browser, 30, |f| f.id == "f-name").await;
    let mut order = vec![first.id];
    browser.type_text("赵小红").await;
    for text in ["13712345678", "建议增加老旧小区改造的资金安排。", "", ""] {
        order.push(tab(&browser).await.map(|f| f.id).unwrap_or_default());
        browser.type_text(text).await;
    }
    order.push(tab(&browser).await.map(|f| f.id).unwrap_or_default());
    browser.press(&[Key::Space]).await;
    order.push(tab(&browser).await.map(|f| f.id).unwrap_or_default());
    let fields =
        ["f-name", "f-contact", "f-body", "f-original_text", "f-proposed_text", "f-consent", "f-captcha_answer"];
    assert_eq!(order, fields, "Tab goes through the form's fields in order");
    assert!(browser.find("#f-consent").await.is_selected().await.unwrap(), "Space ticks the consent");
    let answer = captcha_answer(&browser, &app).await;
    browser.type_text(&answer).await;
    browser.navigation(browser.press(&[Key::Enter])).await;

    assert_eq!(browser.text("h1").await, "意见回执", "Enter in the captcha field sends the opinion");
    assert!(browser.texts("main p").await.iter().any(|p| p == "建议增加老旧小区改造的资金安排。"));
    browser.close().await;
}

#[actix_web::test]
async fn every_element_reached_with_tab_on_the_public_pages_shows_a_focus_outline() {
    let app = spawn_seeded_app().await;
    let mut browser = Browser::open(&app, DESKTOP, Script::On).await;
    let consultation = format!("/consultations/{HUANGJIANG}");
    let form = format!("{consultation}/opinions/new");
    let pages = ["/", consultation.as_str(), form.as_str(), "/receipts", "/staff/login"];
    let mut unseen = Vec::new();
    let mut reached = 0;
    for size in SIZES {
        browser.resize(size).await;
        for page in pages {
            browser.goto(page).await;
            // Tab round the whole page; the bound only stops a page that traps the focus.
            for _ in 0..400 {
                let Some(focused) = tab(&browser).await else { break };
                reached += 1;
                if !focused.visible {
                    unseen.push(format!("{page} at {}: {} ({})", size.name, focused.name, focused.outline));
                }
            }
        }
    }
    assert!(reached > 40, "Tab reached only {reached} elements");
    assert!(unseen.is_empty(), "focused without a visible outline:\n{}", unseen.join("\n"));
    browser.close().await;
}
