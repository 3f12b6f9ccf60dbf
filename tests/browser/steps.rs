//! Steps several tests take the way a person does: log in, send an opinion, invite a department, publish feedback.

use crate::app::{Login, TestApp};
use crate::browser::Browser;

/// The seeded consultations (in the order of seeds/consultations.toml).
pub const TONGGUAN: u32 = 1; // closed in 2018, with the departments' replies
pub const HUANGJIANG: u32 = 2; // open (征集中), split by paragraph

/// Logs in through the login form and checks the dashboard greets the account.
pub async fn log_in(browser: &Browser, login: &Login<'_>) {
    browser.goto("/staff/login").await;
    browser.fill("#username", login.username).await;
    browser.fill("#password", login.password).await;
    browser.follow(".login-form button[type=submit]").await;
    assert_eq!(browser.path().await, "/staff", "logging in as {}", login.username);
    assert!(browser.text(".staff-who").await.contains("当前用户"), "the staff bar names the account");
}

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

/// Sends an opinion on the whole of consultation `id` with the right captcha; returns its receipt code.
pub async fn send_opinion(browser: &Browser, app: &TestApp, id: u32, body: &str) -> String {
    browser.goto(&format!("/consultations/{id}/opinions/new")).await;
    fill_opinion(browser, "李小明", "13912345678", body).await;
    let answer = captcha_answer(browser, app).await;
    browser.fill("#f-captcha_answer", &answer).await;
    browser.follow(SEND).await;
    assert_eq!(browser.text("h1").await, "意见回执", "the opinion was not accepted: {}", browser.path().await);
    browser.text(".receipt-code").await
}

/// Publishes the feedback of a closed consultation as the logged-in drafter; feedback published
/// already (the demo's Tongguan consultation) is saved with the new text instead.
pub async fn publish_feedback(browser: &Browser, id: u32, text: &str) {
    browser.goto(&format!("/staff/consultations/{id}/feedback")).await;
    browser.fill("#f-text", text).await;
    let mut buttons = Vec::new();
    for button in browser.find_all("main form button[type=submit]").await {
        let label = button.text().await.unwrap_or_default();
        if ["公布意见反馈", "保存修改"].contains(&label.trim()) {
            buttons.push(button);
        }
    }
    assert_eq!(buttons.len(), 1, "one button reading 公布意见反馈 (or 保存修改 once published)");
    let button = buttons.pop().unwrap();
    browser.follow_element(button).await;
}

/// Invites the first department offered for consultation `id` and has a link made for it,
/// shown once on the page (生成新链接); returns the department's name and the link.
pub async fn invite_and_show_link(browser: &Browser, id: u32) -> (String, String) {
    browser.goto(&format!("/staff/consultations/{id}/invitations")).await;
    let label = browser.text("#departments .checkbox label").await;
    let department = label.trim_end_matches("（未登记电子邮箱）").to_owned();
    browser.click("#departments .checkbox input[type=checkbox]").await;
    browser.follow_text("button[type=submit]", "发出征求意见函").await;
    let row = format!("//tr[th[contains(@class,'department')][starts-with(normalize-space(.), '{department}')]]");
    let button = browser
        .client
        .find(fantoccini::Locator::XPath(&format!("{row}//button[@value='show']")))
        .await
        .unwrap_or_else(|e| panic!("no 生成新链接 for {department}: {e}"));
    browser.follow_element(button).await;
    assert!(browser.text(".new-link h2").await.starts_with(&department), "the new link is for {department}");
    (department, browser.value("#new-link-url").await)
}
