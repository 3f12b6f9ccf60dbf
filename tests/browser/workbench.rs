//! A drafter decides opinions one after another on the review page's workbench: by keyboard alone
//! with the page's shortcuts, and without JavaScript with 保存并处理下一条.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use crate::app::spawn_seeded_app;
use crate::browser::{Browser, DESKTOP, PHONE, Script};
use crate::steps::{TONGGUAN, log_in};

/// The undecided opinions of the demo's Tongguan consultation, in list order.
async fn undecided_ids(browser: &Browser) -> Vec<String> {
    let mut ids = Vec::new();
    for card in browser.find_all(".opinion-card").await {
        ids.push(card.attr("id").await.unwrap().unwrap_or_default().trim_start_matches("o-").to_owned());
    }
    ids
}

/// Holds Control while pressing `key`, as a person presses Ctrl+Enter.
async fn chord(browser: &Browser, key: Key) {
    let (control, key) = (char::from(Key::Control), char::from(key));
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: control })
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key })
        .then(KeyAction::Up { value: control });
    browser.client.perform_actions(actions).await.expect("press the chord");
}

/// The id of the focused element.
async fn focused(browser: &Browser) -> String {
    let id = browser.execute("return document.activeElement ? document.activeElement.id : ''", vec![]).await;
    id.as_str().unwrap_or_default().to_owned()
}

/// The opinion open in the workbench: its id, read from the panel's heading 「意见 #12 未处理」.
async fn open_opinion(browser: &Browser) -> String {
    let title = browser.text("#wb-title").await;
    title.trim_start_matches("意见 #").split(' ').next().unwrap_or_default().to_owned()
}

/// The decision form starts where the drafter looks, with no scrolling: inside the window.
async fn assert_form_in_view(browser: &Browser) {
    let top = browser.viewport_top("#d-status").await;
    assert!(top >= 0.0 && top < f64::from(browser.size.height), "the decision field is out of view: {top}");
}

/// The decision recorded for an opinion, as its own page shows it: status and the last reason.
async fn recorded(browser: &Browser, id: &str) -> (String, String) {
    browser.goto(&format!("/staff/consultations/{TONGGUAN}/opinions/{id}")).await;
    let status = "//dl[contains(@class,'facts')]/div[dt='采纳情况']/dd";
    let shown = browser.client.find(fantoccini::Locator::XPath(status)).await.unwrap().text().await.unwrap();
    (shown, browser.value("#d-reason").await)
}

#[actix_web::test]
async fn a_drafter_decides_opinions_in_a_row_with_the_keyboard_alone_on_the_workbench() {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, DESKTOP, Script::On).await;
    log_in(&browser, &app.drafter()).await;
    browser.goto(&format!("/staff/consultations/{TONGGUAN}/review?decision=undecided")).await;
    let ids = undecided_ids(&browser).await;
    assert!(ids.len() >= 5, "the demo has undecided opinions to decide: {ids:?}");
    assert_eq!(open_opinion(&browser).await, ids[0], "the first undecided opinion is open");
    // Side by side at desktop size: the list on the left, the opinion on the right.
    let list = browser.find(".workbench-list").await.rectangle().await.unwrap();
    let panel = browser.find(".workbench-panel").await.rectangle().await.unwrap();
    assert!(panel.0 >= list.0 + list.2, "the opinion beside the list: list {list:?}, opinion {panel:?}");
    browser.screenshot("staff-workbench").await;

    // J and K move along the list; the chosen opinion's decision takes the focus.
    browser.navigation(browser.type_text("j")).await;
    assert_eq!(open_opinion(&browser).await, ids[1]);
    browser.navigation(browser.type_text("k")).await;
    assert_eq!(open_opinion(&browser).await, ids[0]);
    assert_eq!(focused(&browser).await, "d-status-undecided", "focus on the decision form");
    assert!(browser.path().await.contains("decision=undecided"), "the filter is kept");

    // 1 = 采纳, saved with Ctrl+Enter: on to the next undecided one.
    browser.type_text("1").await;
    browser.navigation(chord(&browser, Key::Enter)).await;
    assert_eq!(browser.text(".flash-ok").await, format!("已保存意见 #{} 的采纳情况。", ids[0]));
    assert_eq!(open_opinion(&browser).await, ids[1]);
    assert_eq!(focused(&browser).await, "d-status-undecided");
    assert_form_in_view(&browser).await;

    // 3 = 不予采纳 puts the cursor in the reason, where Ctrl+Enter still saves.
    browser.type_text("3").await;
    assert_eq!(focused(&browser).await, "d-reason", "a reason is needed: the cursor goes there");
    let reason = "该事项已由区发展改革委牵头。";
    browser.type_text(reason).await;
    browser.navigation(chord(&browser, Key::Enter)).await;
    assert_eq!(open_opinion(&browser).await, ids[2]);
    assert_eq!(focused(&browser).await, "d-status-undecided");

    // 2 = 部分采纳 without a reason is refused, and says so beside the form.
    browser.type_text("2").await;
    browser.navigation(chord(&browser, Key::Enter)).await;
    assert_eq!(browser.text("#e-reason").await, "选择“部分采纳”时须说明理由");
    assert_eq!(open_opinion(&browser).await, ids[2], "still the same opinion");
    assert!(browser.client.title().await.unwrap().starts_with("错误："));
    browser.type_text("4").await;
    browser.navigation(chord(&browser, Key::Enter)).await;
    assert_eq!(open_opinion(&browser).await, ids[3]);
    assert_eq!(focused(&browser).await, "d-status-undecided");
    assert_form_in_view(&browser).await;
    let listed = undecided_ids(&browser).await;
    assert!(!listed.contains(&ids[0]) && !listed.contains(&ids[2]), "decided ones leave the 未处理 list: {listed:?}");

    assert_eq!(recorded(&browser, &ids[0]).await, ("采纳".to_owned(), String::new()));
    assert_eq!(recorded(&browser, &ids[1]).await, ("不予采纳".to_owned(), reason.to_owned()));
    assert_eq!(recorded(&browser, &ids[2]).await, ("解释说明".to_owned(), String::new()));
    assert_eq!(recorded(&browser, &ids[3]).await.0, "未处理");
    browser.close().await;
}

#[actix_web::test]
async fn without_javascript_the_workbench_shows_one_opinion_and_save_and_next_goes_on() {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, PHONE, Script::Off).await;
    log_in(&browser, &app.drafter()).await;
    browser.goto(&format!("/staff/consultations/{TONGGUAN}/review?decision=undecided")).await;
    let ids = undecided_ids(&browser).await;
    assert_eq!(open_opinion(&browser).await, ids[0]);
    // One column on a phone: the opinion first, the list below it.
    let list = browser.find(".workbench-list").await.rectangle().await.unwrap();
    let panel = browser.find(".workbench-panel").await.rectangle().await.unwrap();
    assert!(list.1 >= panel.1 + panel.3 && list.0 == panel.0, "stacked: opinion {panel:?}, list {list:?}");
    browser.screenshot("staff-workbench-nojs").await;

    browser.click("#d-status-adopted").await;
    browser.follow_text("#decide button", "保存并处理下一条").await;
    assert_eq!(browser.text(".flash-ok").await, format!("已保存意见 #{} 的采纳情况。", ids[0]));
    assert_eq!(open_opinion(&browser).await, ids[1]);
    assert!(browser.path().await.contains("decision=undecided"), "the filter is kept");
    browser.click("#d-status-explained").await;
    browser.follow_text("#decide button", "保存").await;
    assert_eq!(open_opinion(&browser).await, ids[1], "保存 stays on the opinion");
    assert_eq!(browser.text("#wb-title").await, format!("意见 #{} 解释说明", ids[1]));
    assert_eq!(recorded(&browser, &ids[0]).await.0, "采纳");
    browser.close().await;
}
