//! A consulted department replies through the link the drafter generated for it, and the drafter sees the answer.

use fantoccini::Locator;

use crate::app::spawn_seeded_app;
use crate::browser::{Browser, DESKTOP, PHONE, Script};
use crate::steps::{HUANGJIANG, invite_and_show_link, log_in};

#[actix_web::test]
async fn a_department_replies_through_the_link_shown_once_and_the_drafter_sees_its_answer() {
    let app = spawn_seeded_app().await;
    let staff = Browser::open(&app, DESKTOP, Script::On).await;
    log_in(&staff, &app.drafter()).await;
    let (department, link) = invite_and_show_link(&staff, HUANGJIANG).await;
    assert!(staff.text(".new-link").await.contains("此链接只显示这一次"), "the page says the link is shown once");
    staff.screenshot("department-link-shown").await;
    staff.goto(&format!("/staff/consultations/{HUANGJIANG}/invitations")).await;
    assert!(staff.find_all("#new-link-url").await.is_empty(), "the link is not shown again");

    // The link carries the service's public address (ZHENGQIU_PUBLIC_URL); this app was given a
    // free port instead, so the department opens the same path on it.
    let link = url::Url::parse(&link).expect("the link is a URL");
    assert!(link.path().starts_with("/replies/"), "{link}");
    let replier = Browser::open(&app, PHONE, Script::Off).await;
    replier.goto(link.path()).await;
    assert_eq!(replier.text("h1").await, "书面反馈意见");
    let fact = |name: &str| format!("//dl[contains(@class,'facts')]/div[dt='{name}']/dd");
    let named = replier.client.find(Locator::XPath(&fact("反馈单位"))).await.unwrap().text().await.unwrap();
    assert_eq!(named, department);
    replier.fill("#f-contact_person", "陈科长").await;
    replier.fill("#f-contact_phone", "0769-83361234").await;
    let opinion = "建议在第三部分补充对产业园区配套设施建设的具体安排。";
    replier.fill("#f-body_1", opinion).await;
    replier.follow_text("button[name=action]", "提交反馈意见").await;
    assert_eq!(
        replier.text(".notice-box[role=status]").await,
        "已收到你单位的反馈意见（共 1 条）。截止日期前可通过本链接修改。"
    );
    assert_eq!(replier.value("#f-body_1").await, opinion, "the reply can still be amended");
    replier.screenshot("department-replied").await;
    replier.close().await;

    staff.goto(&format!("/staff/consultations/{HUANGJIANG}/invitations")).await;
    let row = format!("//tr[th[contains(@class,'department')][starts-with(normalize-space(.), '{department}')]]");
    let cell = |class: &str| format!("{row}//*[contains(@class,'{class}')]");
    let read = |xpath: String| {
        let staff = &staff;
        async move { staff.client.find(Locator::XPath(&xpath)).await.unwrap().text().await.unwrap() }
    };
    assert_eq!(read(cell("reply-state")).await, "已反馈意见");
    assert_eq!(read(cell("opinion-count")).await, "1");
    assert!(read(cell("reply-contact")).await.contains("陈科长"), "who to call about the reply");
    staff.close().await;
}
