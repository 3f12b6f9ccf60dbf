//! A citizen finds an open consultation, comments on a section, gets past the captcha and looks the receipt up.

use fantoccini::Locator;

use crate::app::spawn_seeded_app;
use crate::browser::{Browser, DESKTOP, PHONE, Script, Size};
use crate::steps::{SEND, captcha_answer, fill_opinion};

const WRONG_CAPTCHA: &str = "验证码不正确，请重新输入";

/// From the home page to the opinion form of the first section of the first open consultation;
/// returns that section's title.
async fn open_form_of_a_section(browser: &Browser) -> String {
    browser.goto("/").await;
    let open_card = "//li[contains(@class,'consultation-card')][.//span[contains(@class,'status')][normalize-space(.)='征集中']]//h2/a";
    let link =
        browser.client.find(Locator::XPath(open_card)).await.expect("an open consultation (征集中) on the home page");
    let title = link.text().await.unwrap();
    browser.follow_element(link).await;
    assert_eq!(browser.text("h1").await, title, "the consultation's page");

    let section_link = browser.find(".draft-section [id^='h-'] a").await;
    let section = section_link.text().await.unwrap();
    browser.follow_element(section_link).await;
    assert_eq!(browser.text("h1").await, section, "the section's page");

    browser.follow_text("a.button", "对本部分提出意见").await;
    assert_eq!(browser.text("h1").await, "提出意见");
    assert_eq!(browser.text("#about-title").await, format!("您正在对以下部分提出意见：{section}"));
    section
}

async fn citizen_sends_an_opinion_and_looks_up_its_receipt(size: Size, script: Script) {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, size, script).await;
    let shot = |step: &str| format!("citizen-{step}-{}", if script == Script::On { "js" } else { "nojs" });
    let section = open_form_of_a_section(&browser).await;
    let body = "建议明确各项工作的完成时限，并向社会公布进展。";
    fill_opinion(&browser, "王大伟", "13812345678", body).await;
    browser.screenshot(&shot("form")).await;

    let answer = captcha_answer(&browser, &app).await;
    browser.fill("#f-captcha_answer", &format!("{answer}9")).await;
    browser.follow(SEND).await;
    assert_eq!(browser.text("#e-captcha_answer").await, WRONG_CAPTCHA, "the error beside the captcha");
    assert_eq!(browser.texts(".error-summary li").await, [WRONG_CAPTCHA], "the error summary");
    assert_eq!(browser.value("#f-body").await, body, "what was typed is kept");
    assert_eq!(browser.value("#f-captcha_answer").await, "", "the wrong answer is not");
    browser.screenshot(&shot("wrong-captcha")).await;

    browser.follow_text(".captcha-actions button", "改用文字问题").await;
    assert!(browser.text("#h-captcha").await.starts_with("请回答："), "a question instead of the image");
    let answer = captcha_answer(&browser, &app).await;
    browser.fill("#f-captcha_answer", &answer).await;
    browser.follow(SEND).await;

    assert_eq!(browser.text("h1").await, "意见回执");
    assert!(browser.text(".notice-box").await.contains("您的意见已提交成功"));
    let code = browser.text(".receipt-code").await;
    assert!(is_receipt_code(&code), "回执编号 {code:?}");
    let fact = |name: &str| format!("//dl[contains(@class,'receipt')]/div[dt='{name}']/dd");
    let shown_section = browser.client.find(Locator::XPath(&fact("所涉部分"))).await.unwrap().text().await.unwrap();
    assert_eq!(shown_section, section);
    browser.screenshot(&shot("receipt")).await;

    browser.follow(".site-header a[href='/receipts']").await;
    assert_eq!(browser.text("h1").await, "查询意见回执");
    browser.fill("#f-code", &code.to_lowercase()).await;
    browser.follow_text("form button", "查询").await;
    assert_eq!(browser.path().await, format!("/receipts/{}", code.replace('-', "")));
    assert_eq!(browser.text(".receipt-code").await, code);
    assert!(browser.texts("main p").await.iter().any(|p| p == body), "the receipt shows the opinion");
    browser.close().await;
}

/// Ten letters and digits in two groups of five, as the lookup form's hint shows (ABCDE-FGHJK).
fn is_receipt_code(code: &str) -> bool {
    let groups: Vec<&str> = code.split('-').collect();
    groups.len() == 2
        && groups.iter().all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
}

#[actix_web::test]
async fn a_citizen_on_a_phone_is_told_the_captcha_was_wrong_then_gets_a_receipt_and_finds_it_again() {
    citizen_sends_an_opinion_and_looks_up_its_receipt(PHONE, Script::On).await;
}

#[actix_web::test]
async fn a_citizen_on_a_phone_without_javascript_is_told_the_captcha_was_wrong_then_gets_a_receipt_and_finds_it_again()
{
    citizen_sends_an_opinion_and_looks_up_its_receipt(PHONE, Script::Off).await;
}

#[actix_web::test]
async fn a_citizen_at_a_desktop_is_told_the_captcha_was_wrong_then_gets_a_receipt_and_finds_it_again() {
    citizen_sends_an_opinion_and_looks_up_its_receipt(DESKTOP, Script::On).await;
}

#[actix_web::test]
async fn a_citizen_at_a_desktop_without_javascript_is_told_the_captcha_was_wrong_then_gets_a_receipt_and_finds_it_again()
 {
    citizen_sends_an_opinion_and_looks_up_its_receipt(DESKTOP, Script::Off).await;
}

/// The form comes back after a wrong captcha at the top of the page; the error must be there.
async fn the_error_is_in_sight_after_a_wrong_captcha(size: Size) {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, size, Script::Off).await;
    open_form_of_a_section(&browser).await;
    fill_opinion(&browser, "王大伟", "13812345678", "建议明确完成时限。").await;
    browser.fill("#f-captcha_answer", "0").await;
    browser.follow(SEND).await;
    assert_eq!(browser.text("#e-captcha_answer").await, WRONG_CAPTCHA);
    browser.screenshot("citizen-wrong-captcha-arrival").await;
    // The page comes back scrolled to its top: whatever lies below the first screen is unseen.
    let top = browser.top(".error-summary").await;
    assert!(
        top < f64::from(size.height),
        "after a wrong captcha the form comes back with its error summary {top} px down a {} px high screen: \
         the citizen sees the same form again and no sign of what went wrong",
        size.height
    );
    browser.close().await;
}

#[actix_web::test]
async fn on_a_phone_the_form_sent_back_for_a_wrong_captcha_shows_its_error_without_scrolling() {
    the_error_is_in_sight_after_a_wrong_captcha(PHONE).await;
}

#[actix_web::test]
async fn at_a_desktop_the_form_sent_back_for_a_wrong_captcha_shows_its_error_without_scrolling() {
    the_error_is_in_sight_after_a_wrong_captcha(DESKTOP).await;
}

/// 看不清，换一张 and 改用文字问题 send the form back: it comes back at the captcha, with the title saying
/// nothing went wrong, and a wrong answer comes back with 错误： in front of the title.
async fn the_captcha_buttons_land_at_the_captcha(size: Size) {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, size, Script::Off).await;
    open_form_of_a_section(&browser).await;
    fill_opinion(&browser, "王大伟", "13812345678", "建议明确完成时限。").await;
    for button in ["button[value=new_captcha]", "button[value=question_captcha]"] {
        browser.follow(button).await;
        let top = browser.viewport_top("#f-captcha_answer").await;
        assert!(
            (0.0..f64::from(size.height)).contains(&top),
            "after {button} the captcha field is {top} px from the top of a {} px high screen",
            size.height
        );
        assert_eq!(browser.value("#f-body").await, "建议明确完成时限。", "what was typed is kept");
    }
    assert!(!browser.client.title().await.unwrap().starts_with("错误"));
    browser.fill("#f-captcha_answer", "0").await;
    browser.follow(SEND).await;
    assert!(browser.client.title().await.unwrap().starts_with("错误：提出意见"));
    browser.close().await;
}

#[actix_web::test]
async fn on_a_phone_the_captcha_buttons_land_at_the_captcha() {
    the_captcha_buttons_land_at_the_captcha(PHONE).await;
}
