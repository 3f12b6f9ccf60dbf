//! The review page's workbench: an opinion opened beside the list by `?opinion=ID`, decided
//! there, and 保存并处理下一条 going on to the next undecided opinion of the same filter and page.

use diesel::prelude::*;

use zhengqiu::db::schema::opinions;
use zhengqiu::domain::ids::{ConsultationId, OpinionId};

use crate::helpers::{Page, TestApp, spawn_app};
use crate::review::{closed_consultation_as_owner, public_opinion, public_opinion_with};

fn decision_of(app: &TestApp, id: OpinionId) -> (Option<String>, Option<String>) {
    opinions::table.find(id).select((opinions::decision, opinions::decision_reason)).first(&mut app.conn()).unwrap()
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "a redirect after saving");
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// What the workbench's decision form posts to, and its hidden `view` field.
fn form_of(page: &Page) -> (String, String) {
    let form = page.select(".workbench-panel form.decision-form");
    let action = form.first().expect("a decision form in the workbench").value().attr("action").unwrap().to_owned();
    (action.replace("&amp;", "&"), page.field_value("view").unwrap_or_default())
}

/// 保存并处理下一条 in the workbench of `review_url` for `oid`.
async fn save_next(app: &TestApp, review_url: &str, status: &str, reason: &str) -> reqwest::Response {
    let page = app.page(review_url).await;
    let (action, view) = form_of(&page);
    assert_eq!(view, "review");
    app.post_with_csrf(
        review_url,
        &action,
        &[("status", status), ("reason", reason), ("action", "next"), ("view", &view)],
    )
    .await
}

#[actix_web::test]
async fn an_opinion_chosen_in_the_list_opens_beside_it_with_its_section_copies_and_history() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let body = "建议第一条增加“保障公众参与”的表述。";
    let (first, _) = public_opinion_with(
        &app,
        id,
        Some("1-1"),
        "张三丰",
        "13812345678",
        body,
        Some(("规范测试", "规范测试，保障公众参与")),
    );
    let (copy, _) = public_opinion(&app, id, Some("1-1"), "李四", "13900000001", body);
    public_opinion(&app, id, None, "王五", "13900000002", "总体同意。");
    let review = format!("/staff/consultations/{id}/review?source=public&opinion={first}");
    let page = app.page(&review).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("#wb-title"), format!("意见 #{first} 未处理"));
    assert!(page.text(".workbench-panel .wb-body").contains("保障公众参与"));
    assert!(page.body.contains("13812345678"), "staff read the whole contact in the workbench");
    assert!(page.text(".section-text").contains("为了规范测试，制定本办法。"), "the section's own text");
    let wording = page.select(".workbench-panel .wording").first().unwrap().html();
    assert!(wording.contains("<ins>") && wording.contains("，保障公众参与"), "the change as an insertion: {wording}");
    assert_eq!(page.texts(".copy-list li"), [format!("意见 #{copy} 未处理")], "its one copy");
    assert_eq!(page.texts(".opinion-card.current .current-mark"), ["正在处理"], "marked in the list, not by colour");
    // The neighbours in the list, keeping the filter; the opinion's own page still works.
    let next = page.select("#wb-next").first().unwrap().value().attr("href").unwrap().to_owned();
    assert!(next.contains("source=public") && next.ends_with(&format!("opinion={copy}")), "{next}");
    assert!(page.select("#wb-prev").is_empty(), "the first of the list has none before it");
    let own = page.select(".opinion-page").first().unwrap().value().attr("href").unwrap().to_owned();
    assert_eq!(app.page(&own.replace("&amp;", "&")).await.text("h1"), format!("意见 #{first}"));
    // The chosen opinion's decision field has the focus when the page loads.
    assert_eq!(page.select("#d-status-undecided[autofocus]").len(), 1);

    // Decided: the history is listed; another consultation's opinion is not found here.
    let (action, _) = form_of(&page);
    let saved = app
        .post_with_csrf(
            &review,
            &action,
            &[("status", "adopted"), ("reason", ""), ("action", "stay"), ("view", "review")],
        )
        .await;
    assert_eq!(
        location(&saved),
        format!("/staff/consultations/{id}/review?section=&source=public&decision=&flagged=&q=&round=&opinion={first}")
    );
    let page = app.page(&review).await;
    assert_eq!(page.text(".flash-ok"), format!("已保存意见 #{first} 的采纳情况。"));
    assert_eq!(page.texts(".history-list li").len(), 1);
    assert!(page.text(".history-list li").contains("未处理 → 采纳"));
    let elsewhere = app.create_consultation(
        "另一次征集",
        crate::helpers::china_day(-30),
        crate::helpers::china_day(-2),
        crate::helpers::SMALL_DRAFT,
    );
    let owner = zhengqiu::db::schema::consultations::table
        .find(id)
        .select(zhengqiu::db::schema::consultations::owner_id)
        .first(&mut app.conn())
        .unwrap();
    app.set_owner(elsewhere, owner);
    let (_, _) = public_opinion(&app, elsewhere, None, "赵六", "13900000003", "另一次征集的意见。");
    let wrong = app.page(&format!("/staff/consultations/{elsewhere}/review?opinion={first}")).await;
    assert_eq!(wrong.status, 404, "an opinion is opened in its own consultation only");
}

#[actix_web::test]
async fn save_and_next_in_the_workbench_keeps_the_filter_and_moves_the_list_to_the_next_page() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    // 60 opinions on 第一条 and 5 on the whole draft: the filter's list has two pages (50 + 10).
    let mut on_section = Vec::new();
    for n in 0..65 {
        let section = if n % 13 == 12 { None } else { Some("1-1") };
        let (oid, _) =
            public_opinion(&app, id, section, &format!("公众{n}"), &format!("138{n:08}"), &format!("第{n}号意见"));
        if section.is_some() {
            on_section.push(oid);
        }
    }
    assert_eq!(on_section.len(), 60);
    let base = format!("/staff/consultations/{id}/review");
    let filter = "section=1-1&source=&decision=&flagged=&q=&round=";
    // Without a choice the page opens its first undecided opinion, without taking the focus.
    let first = app.page(&format!("{base}?{filter}")).await;
    assert_eq!(first.text("#wb-title"), format!("意见 #{} 未处理", on_section[0]));
    assert!(first.select("[autofocus]").is_empty());

    // The 49th and 50th of the list (the end of page one) are decided; the 51st is on page two.
    let last_of_page = on_section[49];
    let url = format!("{base}?{filter}&opinion={}", on_section[48]);
    let went = location(&save_next(&app, &url, "adopted", "").await);
    assert_eq!(went, format!("{base}?{filter}&opinion={last_of_page}"), "the next one, on the same page");
    let went = location(&save_next(&app, &went, "not_adopted", "与上位法不一致。").await);
    assert_eq!(
        went,
        format!("{base}?{filter}&after={last_of_page}&opinion={}", on_section[50]),
        "the list moves to the page that shows the next undecided opinion"
    );
    assert_eq!(decision_of(&app, last_of_page), (Some("not_adopted".into()), Some("与上位法不一致。".into())));
    let page = app.page(&went).await;
    assert!(page.select(&format!("#o-{}", on_section[50])).len() == 1, "shown in the list");
    assert_eq!(page.select(".opinion-card").len(), 10);

    // At the end of the list it starts again from the top: the first undecided is the first one.
    let url = format!("{base}?{filter}&after={last_of_page}&opinion={}", on_section[59]);
    let went = location(&save_next(&app, &url, "explained", "").await);
    assert_eq!(went, format!("{base}?{filter}&opinion={}", on_section[0]));
}

#[actix_web::test]
async fn a_refused_decision_in_the_workbench_comes_back_there_with_what_was_typed() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (oid, _) = public_opinion(&app, id, Some("1-1"), "张三丰", "13812345678", "建议删除第一条。");
    let url = format!("/staff/consultations/{id}/review?decision=undecided&opinion={oid}");
    let refused = save_next(&app, &url, "partly_adopted", " ").await;
    assert_eq!(refused.status(), 422);
    let page = Page::from_response(refused).await;
    assert_eq!(page.text("#e-reason"), "选择“部分采纳”时须说明理由");
    assert_eq!(page.text("#wb-title"), format!("意见 #{oid} 未处理"), "still the workbench, on the same opinion");
    assert_eq!(page.select("#d-status-partly_adopted[checked]").len(), 1, "the choice is kept");
    assert!(page.text("title").starts_with("错误："));
    assert_eq!(decision_of(&app, oid), (None, None));
    let (action, _) = form_of(&page);
    assert!(action.contains("decision=undecided"), "the filter stays in the form: {action}");
}

#[actix_web::test]
async fn the_last_undecided_opinion_saved_with_next_says_none_are_left() {
    let app = spawn_app().await;
    let id: ConsultationId = closed_consultation_as_owner(&app).await;
    let (oid, _) = public_opinion(&app, id, None, "张三丰", "13812345678", "总体同意。");
    let url = format!("/staff/consultations/{id}/review?opinion={oid}");
    let went = location(&save_next(&app, &url, "adopted", "").await);
    assert!(went.ends_with(&format!("&opinion={oid}")), "stays on the saved one: {went}");
    let page = app.page(&went).await;
    assert_eq!(page.text(".flash-ok"), format!("已保存意见 #{oid} 的采纳情况。当前筛选条件下已没有未处理的意见。"));
}
