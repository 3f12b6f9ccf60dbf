//! The text question for people who cannot see the image: its own stricter per-address limit,
//! and the review page's warning when opinions sent with it reach an unusual share.

use serde_json::json;

use zhengqiu::domain::account::Role;

use crate::helpers::{SMALL_DRAFT, TestApp, china_day, form_state, login_ok, spawn_app_with};

async fn ask(app: &TestApp, kind: &str) -> reqwest::StatusCode {
    let response = app.client.post(app.url("/api/v1/captchas")).json(&json!({ "kind": kind })).send().await.unwrap();
    response.status()
}

#[actix_web::test]
async fn text_questions_have_a_stricter_limit_per_address_than_images() {
    crate::helpers::within_one_rate_window().await;
    let app = spawn_app_with(|s| {
        s.rate_captcha_per_minute = 100;
        s.rate_question_per_minute = 3;
    })
    .await;
    for n in 1..=3 {
        assert_eq!(ask(&app, "question").await, 201, "question {n} of 3");
    }
    let refused = app.client.post(app.url("/api/v1/captchas")).json(&json!({"kind": "question"})).send().await;
    let refused = refused.unwrap();
    assert_eq!(refused.status(), 429, "the fourth question in a minute");
    assert!(refused.headers().contains_key("retry-after"));
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("文字验证问题过于频繁"), "{problem}");
    let stored = || {
        use diesel::prelude::*;
        use zhengqiu::db::schema::captcha_challenges;
        captcha_challenges::table.count().get_result::<i64>(&mut app.conn()).unwrap()
    };
    assert_eq!(stored(), 3, "a challenge refused by the limit is not stored");
    assert_eq!(ask(&app, "image").await, 201, "images are still given under their own, wider limit");

    // The form says the same without losing anything, and offers the image instead.
    let id = app.create_consultation("关于测试办法公开征求意见", china_day(-3), china_day(26), SMALL_DRAFT).0;
    let page = app.page(&format!("/consultations/{id}/opinions/new?captcha=question")).await;
    assert_eq!(page.status, 429);
    assert!(page.select("#h-captcha").is_empty(), "no question shown");
    assert!(page.select("button[value=image_captcha]").len() == 1, "the image is offered instead");
}

/// Sends one opinion through the form, answering a text question in Chinese words.
async fn send_by_question(app: &TestApp, id: i32, body: &str) {
    let form = form_state(app.page(&format!("/consultations/{id}/opinions/new?captcha=question")).await);
    assert_eq!(form.captcha_kind, "question");
    let answer: u32 = app.captcha_answer(&form.captcha_id).parse().unwrap();
    let in_words = zhengqiu::captcha::questions::in_words(answer);
    let fields = [
        ("section", form.section.as_str()),
        ("captcha_id", form.captcha_id.as_str()),
        ("captcha_kind", "question"),
        ("captcha_answer", in_words.as_str()),
        ("name", "李四"),
        ("contact", "13812345678"),
        ("body", body),
        ("consent", "yes"),
        ("action", "send"),
    ];
    let response = app.post_form(&form.action, &fields).await;
    assert_eq!(response.status(), 303, "{body}: the answer {in_words} is accepted");
}

async fn warning(app: &TestApp, id: i32) -> Option<String> {
    let page = app.page(&format!("/staff/consultations/{id}/review")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.select("#question-warning").first().map(|e| e.text().collect())
}

#[actix_web::test]
async fn the_review_page_warns_when_opinions_by_text_question_reach_an_unusual_share() {
    let app = spawn_app_with(|s| {
        s.rate_submit_per_minute = 100;
        s.rate_question_per_minute = 100;
    })
    .await;
    let id = app.create_consultation("关于测试办法公开征求意见", china_day(-3), china_day(26), SMALL_DRAFT);
    let owner = app.create_user("zhao", Role::Drafter);
    app.set_owner(id, Some(owner));
    login_ok(&app, "zhao").await;
    // A few people who cannot see the image are not unusual: nine is below the floor of ten.
    for n in 1..=9 {
        send_by_question(&app, id.0, &format!("第{n}条意见：建议把适用范围写得更具体。")).await;
    }
    assert_eq!(warning(&app, id.0).await, None, "nine opinions by question");
    send_by_question(&app, id.0, "第10条意见：建议把适用范围写得更具体。").await;
    let shown = warning(&app, id.0).await.expect("ten of ten opinions by question");
    assert!(shown.contains("10 条意见中，有 10 条（100%）"), "{shown}");
    assert!(shown.contains("其中 10 条来自同一网络地址"), "{shown}");
    assert!(!shown.contains("127.0.0.1"), "no address in clear: {shown}");
    // Diluted by opinions sent with the image: 10 of 49 is still above 20%, and counted exactly.
    for n in 0..39 {
        let body = format!("普通意见{n}：建议细化第二条。");
        crate::review::public_opinion(&app, id, None, &format!("居民{n}"), &format!("138000002{n:02}"), &body);
    }
    let diluted = warning(&app, id.0).await.expect("ten of 49 opinions by question");
    assert!(diluted.contains("49 条意见中，有 10 条（20%）"), "{diluted}");
    crate::review::public_opinion(&app, id, None, "居民", "13800000300", "再一条普通意见。");
    assert_eq!(warning(&app, id.0).await, None, "ten of 50 is not above 20%");
    let stored: Vec<String> = {
        use diesel::prelude::*;
        use zhengqiu::db::schema::question_answers;
        question_answers::table.select(question_answers::client_hash).load(&mut app.conn()).unwrap()
    };
    assert_eq!(stored.len(), 10);
    assert!(stored.iter().all(|h| h.len() == 32 && !h.contains('.')), "keyed hashes only: {stored:?}");
}
