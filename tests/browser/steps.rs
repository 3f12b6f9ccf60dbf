//! Steps several tests take the way a person does: fill the opinion form, answer its captcha.

use crate::app::TestApp;
use crate::browser::Browser;

/// The seeded consultations (in the order of seeds/consultations.toml).
pub const HUANGJIANG: u32 = 2; // open (征集中), split by paragraph

/// Fills the opinion form shown by the browser (everything but the captcha).
pub async fn fill_opinion(browser: &Browser, name: &str, contact: &str, body: &str) {
    browser.fill("#f-name", name).await;
    browser.fill("#f-contact", contact).await;
    browser.fill("#f-body", body).await;
    let consent = browser.find("#f-consent").await;
    if !consent.is_selected().await.expect("consent state") {
        consent.click().await.expect("tick consent");
    }
}

/// The answer to the captcha the form in the browser shows.
pub async fn captcha_answer(browser: &Browser, app: &TestApp) -> String {
    let id = browser.find("input[name=captcha_id]").await.attr("value").await.expect("captcha id").unwrap_or_default();
    assert!(!id.is_empty(), "the form came without a captcha");
    app.captcha_answer(&id)
}

/// The visible 提交意见 button (the form's first one is the hidden default for Enter).
pub const SEND: &str = "form p > button[name=action][value=send]";
