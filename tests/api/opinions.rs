//! Citizens send opinions: the form, captchas, receipts, lookups, mail and abuse limits.

use diesel::prelude::*;

use zhengqiu::db::schema::{captcha_challenges, consultations, opinions, outbox, sections};

use crate::helpers::{OpenForm, SMALL_DRAFT, TestApp, china_day, form_state, spawn_app, spawn_app_with, with_smtp};
use crate::smtp::SmtpServer;

/// An open consultation with the small test draft.
fn open_consultation(app: &TestApp) -> i32 {
    app.create_consultation("关于测试办法公开征求意见", china_day(-3), china_day(26), SMALL_DRAFT).0
}

fn fields<'a>(form: &'a OpenForm, answer: &'a str, overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("section", form.section.as_str()),
        ("captcha_id", form.captcha_id.as_str()),
        ("captcha_kind", form.captcha_kind.as_str()),
        ("captcha_answer", answer),
        ("name", "张三丰"),
        ("contact", "13812345678"),
        ("body", "建议把第二条的适用范围写得更具体一些。"),
        ("consent", "yes"),
        ("action", "send"),
        ("website", ""),
    ];
    for (key, value) in overrides {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields.retain(|(_, v)| *v != "\u{0}");
    fields
}

/// Sends the form with the right captcha answer; returns the response.
async fn send(app: &TestApp, form: &OpenForm, overrides: &[(&str, &str)]) -> reqwest::Response {
    let answer = app.captcha_answer(&form.captcha_id);
    app.post_form(&form.action, &fields(form, &answer, overrides)).await
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn opinion_count(app: &TestApp) -> i64 {
    opinions::table.count().get_result(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn a_citizen_comments_on_a_section_gets_a_receipt_and_looks_it_up() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let page = app.page(&format!("/consultations/{id}")).await;
    let link = page
        .select(".comment-link a")
        .into_iter()
        .find(|a| a.text().collect::<String>().contains("第二条"))
        .and_then(|a| a.value().attr("href"))
        .expect("a comment link for 第二条")
        .to_owned();
    let form = app.open_form(&link).await;
    assert!(form.page.text("#about-title").contains("第二条 本办法适用于测试"), "the form names its section");
    assert_eq!(form.captcha_kind, "image");
    assert_eq!(form.page.select("img.captcha").len(), 1);

    let response = send(&app, &form, &[]).await;
    assert_eq!(response.status(), 303);
    let receipt_url = location(&response);
    assert!(receipt_url.starts_with("/receipts/"), "{receipt_url}");
    let receipt = app.page(&receipt_url).await;
    assert_eq!(receipt.status, 200);
    assert!(receipt.body.contains("您的意见已提交成功"));
    let code = receipt.text(".receipt-code");
    assert_eq!(code.len(), 11, "ABCDE-FGHJK: {code}");
    assert!(receipt.body.contains("第二条 本办法适用于测试"));
    assert!(receipt.body.contains("建议把第二条的适用范围写得更具体一些。"));
    assert_eq!(receipt.text(".facts .status"), "已收到");
    assert!(receipt.body.contains("张*丰"), "the name is masked");
    assert!(!receipt.body.contains("13812345678") && !receipt.body.contains("张三丰"));

    // Looking it up later, typed in lower case with a space.
    let typed = code.to_lowercase().replace('-', " ");
    let response = app.client.get(app.url("/receipts")).query(&[("code", typed.as_str())]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let found = app.page(&location(&response)).await;
    assert_eq!(found.text(".receipt-code"), code);
    assert!(!found.body.contains("提交成功"), "a lookup is not a new submission");

    // The opinion is counted on the section and the consultation.
    let page = app.page(&format!("/consultations/{id}")).await;
    assert!(page.texts(".facts div").contains(&"已收到意见1 条".to_owned()), "{:?}", page.texts(".facts div"));
    assert!(page.body.contains("本部分已收到意见 1 条"));
    assert_eq!(page.texts(".bar-chart li").len(), 1, "the chart shows the one section with opinions");
    let mut conn = app.conn();
    let counted: i32 = sections::table
        .filter(sections::anchor.eq(&form.section))
        .select(sections::opinion_count)
        .first(&mut conn)
        .unwrap();
    assert_eq!(counted, 1);
    let total: i32 = consultations::table.find(id).select(consultations::opinion_count).first(&mut conn).unwrap();
    assert_eq!(total, 1);
}

#[actix_web::test]
async fn the_whole_draft_has_its_own_form() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    assert!(form.page.body.contains("征求意见稿全文"));
    let response = send(&app, &form, &[]).await;
    let receipt = app.page(&location(&response)).await;
    assert_eq!(receipt.select(".facts dd").iter().filter(|d| d.text().collect::<String>() == "全文").count(), 1);
}

#[actix_web::test]
async fn a_wrong_captcha_keeps_every_typed_value_and_uses_up_the_challenge() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new?section=1-1")).await;
    let body = "我的意见很长，不想重新输入。\n第二段。";
    let page = app
        .post_page(
            &form.action,
            &fields(&form, "WRONG", &[("body", body), ("original_text", "本办法"), ("proposed_text", "本规定")]),
        )
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("#e-captcha_answer"), "验证码不正确，请重新输入");
    assert_eq!(page.select("#f-body").first().unwrap().text().collect::<String>(), body);
    assert_eq!(page.select("#f-name").first().unwrap().value().attr("value"), Some("张三丰"));
    assert_eq!(page.select("#f-contact").first().unwrap().value().attr("value"), Some("13812345678"));
    assert_eq!(page.select("#f-original_text").first().unwrap().text().collect::<String>(), "本办法");
    assert_eq!(page.select("#f-proposed_text").first().unwrap().text().collect::<String>(), "本规定");
    assert_eq!(page.select("#f-consent[checked]").len(), 1);
    let again = form_state(page);
    assert_eq!(again.section, "1-1", "still about the same section");
    assert_ne!(again.captcha_id, form.captcha_id, "a new challenge is issued");
    let left: i64 = captcha_challenges::table
        .filter(captcha_challenges::id.eq(&form.captcha_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0, "the wrong attempt used up the challenge");
    assert_eq!(opinion_count(&app), 0);
    // The right answer to the new challenge goes through.
    assert_eq!(send(&app, &again, &[("body", body)]).await.status(), 303);
    assert_eq!(opinion_count(&app), 1);
}

#[actix_web::test]
async fn a_challenge_cannot_be_used_twice() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let answer = app.captcha_answer(&form.captcha_id);
    assert_eq!(app.post_form(&form.action, &fields(&form, &answer, &[])).await.status(), 303);
    let replay = app.post_page(&form.action, &fields(&form, &answer, &[("body", "另一条意见")])).await;
    assert_eq!(replay.status, 422);
    assert_eq!(replay.text("#e-captcha_answer"), "验证码已失效，请输入新的验证码");
    assert_eq!(opinion_count(&app), 1);
}

#[actix_web::test]
async fn an_expired_challenge_is_refused_and_the_text_kept() {
    let app = spawn_app_with(|s| s.captcha_ttl_secs = 0).await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let answer = app.captcha_answer(&form.captcha_id);
    let page = app.post_page(&form.action, &fields(&form, &answer, &[("body", "过期也不能丢的意见")])).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("#e-captcha_answer"), "验证码已过期，请输入新的验证码");
    assert_eq!(page.select("#f-body").first().unwrap().text().collect::<String>(), "过期也不能丢的意见");
}

#[actix_web::test]
async fn the_answer_is_checked_without_regard_to_case() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let answer = app.captcha_answer(&form.captcha_id).to_uppercase();
    assert_eq!(app.post_form(&form.action, &fields(&form, &answer, &[])).await.status(), 303);
}

#[actix_web::test]
async fn people_who_cannot_see_the_image_answer_a_question_in_chinese_text() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    // Switching keeps what was typed and uses up the image challenge.
    let switched = app
        .post_page(&form.action, &fields(&form, "", &[("action", "question_captcha"), ("body", "换成文字问题后仍在")]))
        .await;
    assert_eq!(switched.status, 200);
    assert!(switched.errors_shown().is_empty(), "asking for a question is not an error");
    assert_eq!(switched.select("#f-body").first().unwrap().text().collect::<String>(), "换成文字问题后仍在");
    assert!(switched.select("img.captcha").is_empty());
    assert!(switched.text("#h-captcha").starts_with("请回答："), "a question in Chinese text");
    let form = form_state(switched);
    assert_eq!(form.captcha_kind, "question");
    let answer = app.captcha_answer(&form.captcha_id);
    // A wrong answer gets another question, not an image.
    let wrong = app.post_page(&form.action, &fields(&form, "99", &[])).await;
    assert_eq!(wrong.status, 422);
    let form = form_state(wrong);
    assert_eq!(form.captcha_kind, "question");
    assert_ne!(app.captcha_answer(&form.captcha_id), "", "{answer}");
    // Written in Chinese numerals or digits, the right answer is accepted.
    let answer = app.captcha_answer(&form.captcha_id);
    let numerals = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let n: usize = answer.parse().unwrap();
    let chinese = match (n / 10, n % 10) {
        (0, o) => numerals[o].to_owned(),
        (1, 0) => "十".to_owned(),
        (1, o) => format!("十{}", numerals[o]),
        (t, 0) => format!("{}十", numerals[t]),
        (t, o) => format!("{}十{}", numerals[t], numerals[o]),
    };
    assert_eq!(app.post_form(&form.action, &fields(&form, &chinese, &[])).await.status(), 303);
    // The direct link gives the question form too.
    let direct = app.open_form(&format!("/consultations/{id}/opinions/new?captcha=question")).await;
    assert_eq!(direct.captcha_kind, "question");
}

#[actix_web::test]
async fn another_image_can_be_asked_for_without_losing_anything() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let page = app.post_page(&form.action, &fields(&form, "", &[("action", "new_captcha"), ("name", "李四")])).await;
    assert_eq!(page.status, 200);
    let next = form_state(page);
    assert_eq!(next.captcha_kind, "image");
    assert_ne!(next.captcha_id, form.captcha_id);
    assert_eq!(next.page.select("#f-name").first().unwrap().value().attr("value"), Some("李四"));
}

#[actix_web::test]
async fn every_field_is_checked_with_a_message_beside_it_and_the_text_kept() {
    let app = spawn_app_with(|s| s.opinion_max_chars = 20).await;
    let id = open_consultation(&app);
    let cases: &[(&str, &str, &str, &str)] = &[
        ("name", "   ", "e-name", "请填写您的姓名"),
        ("contact", "", "e-contact", "请填写联系方式"),
        ("contact", "12345", "e-contact", "手机号码应为11位数字，以1开头"),
        ("contact", "不告诉你", "e-contact", "联系方式应为手机号码、带区号的固定电话或电子邮箱"),
        ("contact", "2345678", "e-contact", "固定电话请填写区号，例如 0562-1234567"),
        ("contact", "zhang@", "e-contact", "电子邮箱地址格式不正确"),
        ("body", "", "e-body", "请填写您的意见"),
        (
            "body",
            "这条意见一共有二十一个字，超过了本次设置的上限啊",
            "e-body",
            "意见不能超过20字（当前24字），请精简后再提交",
        ),
        ("consent", "\u{0}", "e-consent", "请阅读并同意个人信息处理说明后再提交"),
    ];
    for (field, value, error_id, message) in cases {
        let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
        let answer = app.captcha_answer(&form.captcha_id);
        let page =
            app.post_page(&form.action, &fields(&form, &answer, &[(field, value), ("proposed_text", "保留我")])).await;
        assert_eq!(page.status, 422, "{field}={value:?}");
        assert_eq!(page.text(&format!("#{error_id}")), *message, "{field}={value:?}");
        let summary = page.text(".error-summary");
        assert!(summary.contains(message), "the summary lists it: {summary}");
        let input = page.select(&format!("#f-{field}[aria-invalid=true]"));
        assert_eq!(input.len(), 1, "{field} is marked invalid");
        assert_eq!(page.select("#f-proposed_text").first().unwrap().text().collect::<String>(), "保留我");
        if *field == "contact" || *field == "name" {
            assert_eq!(
                page.select(&format!("#f-{field}")).first().unwrap().value().attr("value"),
                Some(value.trim_end_matches('\u{0}'))
            );
        }
    }
    assert_eq!(opinion_count(&app), 0);
}

#[actix_web::test]
async fn a_long_opinion_past_the_general_form_limit_comes_back_as_the_form_with_the_limit_and_the_text() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    // 60,000 characters are 540 KB percent-encoded: more than the 256 KB every other form may send.
    let long = "字".repeat(60_000);
    let page =
        app.post_page(&form.action, &fields(&form, &app.captcha_answer(&form.captcha_id), &[("body", &long)])).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("#e-body"), "意见不能超过5000字（当前60000字），请精简后再提交");
    assert!(page.text(".error-summary").contains("意见不能超过5000字"));
    let kept = page.select("#f-body").first().unwrap().text().collect::<String>();
    assert_eq!(kept.chars().count(), 60_000, "the typed text is kept");
    assert_eq!(page.select("#f-name").first().unwrap().value().attr("value"), Some("张三丰"));

    // Past even the opinion form's own limit, the page still names the 5,000-字 limit.
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let huge = "字".repeat(300_000);
    let page =
        app.post_page(&form.action, &fields(&form, &app.captcha_answer(&form.captcha_id), &[("body", &huge)])).await;
    assert_eq!(page.status, 413);
    assert!(page.text("main").contains("意见不能超过5000字"), "{}", page.text("main"));
    assert_eq!(opinion_count(&app), 0);
}

#[actix_web::test]
async fn a_consultation_not_open_shows_no_form_and_refuses_posts() {
    let app = spawn_app().await;
    let closed = app.create_consultation("已结束的征集", china_day(-40), china_day(-11), SMALL_DRAFT);
    let later = app.create_consultation("未开始的征集", china_day(5), china_day(34), SMALL_DRAFT);
    for (id, heading, phrase) in [(closed, "意见征集已结束", "不再接收意见"), (later, "意见征集尚未开始", "开始")]
    {
        let page = app.page(&format!("/consultations/{id}")).await;
        assert!(page.select(".comment-link").is_empty(), "no comment links");
        let form_page = app.page(&format!("/consultations/{id}/opinions/new")).await;
        assert_eq!(form_page.text("h1"), heading);
        assert!(form_page.select("form[method=post]").is_empty());
        let refused = app
            .post_page(
                &format!("/consultations/{id}/opinions"),
                &[
                    ("name", "张三"),
                    ("contact", "13812345678"),
                    ("body", "意见"),
                    ("consent", "yes"),
                    ("captcha_id", "x"),
                    ("captcha_answer", "x"),
                ],
            )
            .await;
        assert_eq!(refused.status, 409);
        assert!(refused.text("main").contains(phrase), "{}", refused.text("main"));
    }
    assert_eq!(opinion_count(&app), 0);
}

#[actix_web::test]
async fn sending_the_same_opinion_again_returns_the_first_receipt() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new?section=2")).await;
    let first = location(&send(&app, &form, &[]).await);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new?section=2")).await;
    let second = send(&app, &form, &[("body", "  建议把第二条的适用范围写得更具体一些  ")]).await;
    let second = location(&second);
    assert_eq!(first.split('?').next(), second.split('?').next());
    assert!(second.contains("duplicate=1"));
    assert!(app.page(&second).await.body.contains("系统未重复记录"));
    assert_eq!(opinion_count(&app), 1);
    // Another section is another opinion.
    let form = app.open_form(&format!("/consultations/{id}/opinions/new?section=1")).await;
    assert!(location(&send(&app, &form, &[]).await).contains("submitted=1"));
    assert_eq!(opinion_count(&app), 2);
}

#[actix_web::test]
async fn too_many_submissions_from_one_address_get_a_429_with_the_text_kept() {
    crate::helpers::within_one_rate_window().await;
    let app = spawn_app_with(|s| s.rate_submit_per_minute = 2).await;
    let id = open_consultation(&app);
    for n in 0..2 {
        let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
        let body = format!("第{n}条意见");
        assert_eq!(send(&app, &form, &[("body", &body)]).await.status(), 303);
    }
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let page = app
        .post_page(&form.action, &fields(&form, &app.captcha_answer(&form.captcha_id), &[("body", "第三条意见")]))
        .await;
    assert_eq!(page.status, 429);
    assert!(page.text(".error-summary").contains("提交意见过于频繁"));
    assert_eq!(page.select("#f-body").first().unwrap().text().collect::<String>(), "第三条意见");
    assert_eq!(opinion_count(&app), 2);
}

#[actix_web::test]
async fn submissions_sent_at_once_are_limited_exactly_however_they_are_batched() {
    crate::helpers::within_one_rate_window().await;
    let app = spawn_app_with(|s| {
        s.rate_submit_per_minute = 3;
        s.rate_captcha_per_minute = 100;
    })
    .await;
    let id = open_consultation(&app);
    let mut forms = Vec::new();
    for _ in 0..7 {
        forms.push(app.open_form(&format!("/consultations/{id}/opinions/new")).await);
    }
    let bodies: Vec<String> = (0..forms.len()).map(|n| format!("同时提交的第{n}条意见")).collect();
    let sends = forms.iter().zip(&bodies).map(|(form, body)| async {
        let answer = app.captcha_answer(&form.captcha_id);
        app.post_form(&form.action, &fields(form, &answer, &[("body", body.as_str())])).await
    });
    let statuses: Vec<u16> = futures_util::future::join_all(sends).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 4, "{statuses:?}");
    assert_eq!(opinion_count(&app), 3);
}

#[actix_web::test]
async fn too_many_new_captchas_from_one_address_get_a_429() {
    crate::helpers::within_one_rate_window().await;
    let app = spawn_app_with(|s| s.rate_captcha_per_minute = 3).await;
    let id = open_consultation(&app);
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/consultations/{id}/opinions/new")).await.status(), 200);
    }
    let page = app.page(&format!("/consultations/{id}/opinions/new")).await;
    assert_eq!(page.status, 429);
    assert!(page.body.contains("获取验证码过于频繁"));
    let stored: i64 = captcha_challenges::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(stored, 3);
}

#[actix_web::test]
async fn receipt_lookups_from_one_address_are_limited_to_three_times_the_submissions() {
    crate::helpers::within_one_rate_window().await;
    let app = spawn_app_with(|s| s.rate_submit_per_minute = 2).await;
    for n in 1..=6 {
        let page = app.page("/receipts/ABCDE-FGHJK").await;
        assert_ne!(page.status, 429, "lookup {n} of 6");
    }
    let page = app.page("/receipts/ABCDE-FGHJK").await;
    assert_eq!(page.status, 429, "the seventh lookup in a minute");
    assert!(page.body.contains("查询过于频繁"), "{}", page.body);
}

#[actix_web::test]
async fn over_the_captcha_limit_a_wrong_answer_or_a_new_image_keeps_everything_typed() {
    crate::helpers::within_one_rate_window().await;
    let app = spawn_app_with(|s| s.rate_captcha_per_minute = 1).await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let typed = [("body", "一段很长的意见，不能因为验证码而丢失。"), ("name", "李四"), ("contact", "lisi@example.com")];
    for action in ["send", "new_captcha"] {
        let mut overrides = typed.to_vec();
        overrides.push(("action", action));
        let page = app.post_page(&form.action, &fields(&form, "wrong", &overrides)).await;
        assert_eq!(page.status, 429, "{action}");
        assert!(page.text(".error-summary").contains("获取验证码过于频繁"), "{action}: {}", page.body);
        assert!(page.text(".error-summary").contains("您填写的内容均已保留"), "{action}");
        assert_eq!(page.field_value("body").as_deref(), Some(typed[0].1), "{action}");
        assert_eq!(page.field_value("name").as_deref(), Some("李四"), "{action}");
        assert_eq!(page.field_value("contact").as_deref(), Some("lisi@example.com"), "{action}");
        assert!(page.select("#f-captcha_answer[name=captcha_answer]").is_empty(), "no challenge to answer");
        assert!(page.texts(".captcha-actions button").contains(&"获取验证码".to_owned()), "{action}");
        assert_eq!(page.default_button(), ("action".to_owned(), "send".to_owned()));
    }
    assert_eq!(opinion_count(&app), 0);
}

#[actix_web::test]
async fn a_bot_filling_the_hidden_field_is_turned_away() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let response = send(&app, &form, &[("website", "http://spam.example")]).await;
    assert_eq!(response.status(), 400);
    assert_eq!(opinion_count(&app), 0);
}

#[actix_web::test]
async fn a_script_in_an_opinion_is_shown_as_text() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let evil = "<script>alert('x')</script>";
    let response = send(&app, &form, &[("body", evil), ("name", "<b>王五</b>")]).await;
    let receipt = app.page(&location(&response)).await;
    assert!(receipt.select("script").is_empty());
    assert!(receipt.texts("main p").iter().any(|p| p == evil), "the script is shown as text");
    assert!(!receipt.body.contains(evil), "and never as markup");
    assert!(receipt.select("main b").is_empty());
    let shown = receipt.texts(".facts dd");
    assert!(shown.iter().any(|d| d.starts_with("<") && d.contains("*")), "the masked name is text too: {shown:?}");
}

#[actix_web::test]
async fn contacts_are_never_shown_publicly_and_addresses_are_stored_as_keyed_hashes() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let response = send(&app, &form, &[("contact", "zhang.sanfeng@example.com")]).await;
    let receipt_url = location(&response);
    for path in ["/".to_owned(), format!("/consultations/{id}"), receipt_url] {
        let page = app.page(&path).await;
        assert_eq!(page.status, 200, "{path} is shown, so not finding the contact on it means something");
        assert!(!page.body.contains("zhang.sanfeng"), "{path} shows the contact");
    }
    let (hash, contact): (Option<String>, Option<String>) =
        opinions::table.select((opinions::client_hash, opinions::contact)).first(&mut app.conn()).unwrap();
    let hash = hash.unwrap();
    assert_eq!(hash.len(), 32);
    assert!(!hash.contains("127.0.0.1"));
    assert_eq!(contact.as_deref(), Some("zhang.sanfeng@example.com"), "staff still have it");
}

#[actix_web::test]
async fn an_opinion_with_a_sensitive_word_is_saved_and_flagged() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let response = send(&app, &form, &[("body", "欢迎 加 微 信 了解代开发票")]).await;
    assert_eq!(response.status(), 303, "still saved");
    let (flagged, reason): (bool, Option<String>) =
        opinions::table.select((opinions::flagged, opinions::flag_reason)).first(&mut app.conn()).unwrap();
    assert!(flagged);
    let reason = reason.unwrap();
    assert!(reason.contains("代开发票") && reason.contains("加微信"), "{reason}");
}

#[actix_web::test]
async fn an_email_contact_gets_a_receipt_queued_with_the_opinion_and_written_to_a_file() {
    let app = spawn_app_with(|s| s.mail_poll_ms = 100).await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let response = send(&app, &form, &[("contact", "citizen@example.com")]).await;
    let receipt = app.page(&location(&response)).await;
    let code = receipt.text(".receipt-code");
    let (subject, body): (String, String) = outbox::table
        .filter(outbox::recipient.eq("citizen@example.com"))
        .select((outbox::subject, outbox::body))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(subject, format!("【意见征集】您的意见已收到（回执编号 {code}）"));
    assert!(body.contains(&code) && body.contains("您对《测试办法（征求意见稿）》提出的意见"));
    // Without SMTP settings the mail is written as an .eml file.
    let dir = app.settings.outbox_dir.clone();
    let mut files = Vec::new();
    for _ in 0..60 {
        files = std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        if !files.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(files.len(), 1, "one .eml file in {}", dir.display());
    let raw = std::fs::read(&files[0]).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some(subject.as_str()));
}

#[actix_web::test]
async fn a_phone_contact_queues_no_mail() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let response = send(&app, &form, &[("contact", "0562-1234567")]).await;
    // The opinion was stored (a receipt is shown): only then does an empty outbox mean anything.
    assert_eq!(response.status(), 303);
    let receipt = app.page(&location(&response)).await;
    assert_eq!(receipt.status, 200);
    assert!(!receipt.text(".receipt-code").is_empty());
    let queued: i64 = outbox::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(queued, 0);
}

#[actix_web::test]
async fn the_receipt_mail_is_delivered_over_smtp_with_a_chinese_subject() {
    let smtp = SmtpServer::start().await;
    let port = smtp.port;
    let app = spawn_app_with(with_smtp(port)).await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let response = send(&app, &form, &[("contact", "citizen@example.com")]).await;
    let code = app.page(&location(&response)).await.text(".receipt-code");
    let messages = smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.subject(), Some(format!("【意见征集】您的意见已收到（回执编号 {code}）").as_str()));
    let text = message.body_text(0).unwrap();
    assert!(text.contains("提出的意见已于") && text.contains(&code), "{text}");
    assert_eq!(message.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("citizen@example.com"));
    app.wait_for_outbox_to_settle().await;
    let status: String = outbox::table.select(outbox::status).first(&mut app.conn()).unwrap();
    assert_eq!(status, "sent");
}

#[actix_web::test]
async fn a_failing_mail_server_never_loses_or_rejects_the_opinion() {
    let smtp = SmtpServer::start().await;
    smtp.set_failing(true);
    let port = smtp.port;
    let app = spawn_app_with(with_smtp(port)).await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let response = send(&app, &form, &[("contact", "citizen@example.com")]).await;
    assert_eq!(response.status(), 303, "the opinion is accepted although mail fails");
    assert_eq!(opinion_count(&app), 1);
    // The attempt fails and the mail waits for its retry with the error kept.
    let mut row = (String::new(), 0, None);
    for _ in 0..60 {
        row = outbox::table
            .select((outbox::status, outbox::attempts, outbox::last_error))
            .first::<(String, i32, Option<String>)>(&mut app.conn())
            .unwrap();
        if row.1 > 0 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!((row.0.as_str(), row.1), ("pending", 1));
    assert!(row.2.unwrap().contains("451"));
    // When the server recovers, the retry delivers it.
    smtp.set_failing(false);
    diesel::update(outbox::table)
        .set(outbox::next_attempt_at.eq(chrono::Utc::now().naive_utc()))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(smtp.wait_for(1).await.len(), 1);
}

#[actix_web::test]
async fn pressing_enter_in_the_form_sends_the_opinion_whichever_captcha_is_shown() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    for (n, path) in
        [format!("/consultations/{id}/opinions/new"), format!("/consultations/{id}/opinions/new?captcha=question")]
            .iter()
            .enumerate()
    {
        let form = app.open_form(path).await;
        let (name, value) = form.page.default_button();
        assert_eq!((name.as_str(), value.as_str()), ("action", "send"), "{path}: not 换一张 or 改用…");
        let body = format!("第{n}条：按回车键提交的意见。");
        let response = send(&app, &form, &[("action", &value), ("body", &body)]).await;
        assert_eq!(response.status(), 303, "{path}");
        assert!(location(&response).starts_with("/receipts/"), "{path}");
    }
    assert_eq!(opinion_count(&app), 2);
}

#[actix_web::test]
async fn the_contact_field_brings_up_the_ordinary_keyboard_for_phone_numbers_and_addresses() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let contact = form.page.select("#f-contact");
    assert_eq!(contact[0].value().attr("type"), Some("text"));
    assert_eq!(contact[0].value().attr("inputmode"), Some("text"), "not an e-mail keyboard for a phone number");
}

#[actix_web::test]
async fn a_burst_of_opinions_gets_a_receipt_each_and_every_one_is_stored() {
    let app = spawn_app_with(|s| {
        s.rate_submit_per_minute = 1000;
        s.rate_captcha_per_minute = 1000;
    })
    .await;
    let id = open_consultation(&app);
    let mut forms = Vec::new();
    for _ in 0..24 {
        forms.push(app.open_form(&format!("/consultations/{id}/opinions/new?section=2")).await);
    }
    // Sent all at once: they are committed in shared batches.
    let sends = forms.iter().enumerate().map(|(n, form)| {
        let app = &app;
        async move {
            let body = format!("第{n}条意见：建议把第二条的适用范围写得更具体一些。");
            let contact = format!("1380000{n:04}");
            location(&send(app, form, &[("body", &body), ("contact", &contact)]).await)
        }
    });
    let receipts: Vec<String> = futures_util::future::join_all(sends).await;
    assert!(receipts.iter().all(|r| r.starts_with("/receipts/") && r.contains("submitted=1")), "{receipts:?}");
    let mut unique = receipts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 24, "a receipt each");
    assert_eq!(opinion_count(&app), 24, "every receipt shown is an opinion stored");
    let page = app.page(&receipts[17]).await;
    assert!(page.body.contains("第17条意见"), "the receipt shows its own opinion");
}

#[actix_web::test]
async fn an_opinion_or_name_of_only_zero_width_spaces_and_controls_is_refused_with_the_fields_message() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let cases: &[(&str, &str, &str)] = &[
        ("body", "\u{200B}", "请填写您的意见"),
        ("body", "\u{200B}\u{3000}\u{200C}\u{FEFF}\u{0007}\u{202E}", "请填写您的意见"),
        ("name", "\u{3000}\u{200D}\u{2060}", "请填写您的姓名"),
    ];
    for (field, value, message) in cases {
        let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
        let answer = app.captcha_answer(&form.captcha_id);
        let page = app.post_page(&form.action, &fields(&form, &answer, &[(field, value)])).await;
        assert_eq!(page.status, 422, "{field}={value:?}");
        assert_eq!(page.text(&format!("#e-{field}")), *message, "{field}={value:?}");
    }
    assert_eq!(opinion_count(&app), 0);
}

#[actix_web::test]
async fn bidirectional_controls_are_removed_from_the_stored_name_and_opinion() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let response =
        send(&app, &form, &[("name", "张\u{202E}三丰"), ("body", "建议\u{2067}删除\u{2069}第三条\u{202C}")]).await;
    assert_eq!(response.status().as_u16(), 303);
    let (name, body): (String, String) =
        opinions::table.select((opinions::author_name, opinions::body)).first(&mut app.conn()).unwrap();
    assert_eq!((name.as_str(), body.as_str()), ("张三丰", "建议删除第三条"));
}

#[actix_web::test]
async fn an_opinion_posted_from_another_site_is_refused_but_one_without_an_origin_is_accepted() {
    let app = spawn_app().await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let answer = app.captcha_answer(&form.captcha_id);
    let foreign = app
        .client
        .post(app.url(&form.action))
        .header("origin", "https://evil.example")
        .form(&fields(&form, &answer, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 403);
    assert!(foreign.text().await.unwrap().contains("此请求并非来自本站页面"));
    assert_eq!(opinion_count(&app), 0, "nothing stored");
    // Some browsers and privacy tools send neither Origin nor Referer: a citizen is not turned away.
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = bare.post(app.url(&form.action)).form(&fields(&form, &answer, &[])).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(opinion_count(&app), 1);
}

/// Sends every form at once, each with the right answer to its own challenge and its
/// own overrides; returns each response's status and Location.
async fn send_at_once(app: &TestApp, sends: Vec<(&OpenForm, Vec<(&str, String)>)>) -> Vec<(u16, String)> {
    let sends = sends.into_iter().map(|(form, overrides)| async move {
        let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = send(app, form, &overrides).await;
        (response.status().as_u16(), location(&response))
    });
    futures_util::future::join_all(sends).await
}

fn generous() -> impl FnOnce(&mut zhengqiu::config::Settings) {
    |s| {
        s.rate_submit_per_minute = 1000;
        s.rate_captcha_per_minute = 1000;
    }
}

#[actix_web::test]
async fn the_same_opinion_sent_several_times_at_once_is_stored_once_and_every_send_shows_its_receipt() {
    let app = spawn_app_with(generous()).await;
    let id = open_consultation(&app);
    let mut forms = Vec::new();
    for _ in 0..8 {
        forms.push(app.open_form(&format!("/consultations/{id}/opinions/new?section=2")).await);
    }
    let answers = send_at_once(&app, forms.iter().map(|f| (f, Vec::new())).collect()).await;
    assert!(answers.iter().all(|(status, _)| *status == 303), "{answers:?}");
    let receipts: Vec<&str> = answers.iter().map(|(_, l)| l.split('?').next().unwrap()).collect();
    assert!(receipts.iter().all(|r| r.starts_with("/receipts/") && *r == receipts[0]), "one receipt: {receipts:?}");
    assert_eq!(answers.iter().filter(|(_, l)| l.contains("submitted=1")).count(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|(_, l)| l.contains("duplicate=1")).count(), 7, "{answers:?}");
    assert_eq!(opinion_count(&app), 1);
    assert!(app.page(receipts[0]).await.body.contains("建议把第二条的适用范围写得更具体一些"));
}

#[actix_web::test]
async fn one_challenge_sent_with_several_opinions_at_once_lets_only_one_through() {
    let app = spawn_app_with(generous()).await;
    let id = open_consultation(&app);
    let form = app.open_form(&format!("/consultations/{id}/opinions/new?section=2")).await;
    let sends = (0..6).map(|n| (&form, vec![("body", format!("第{n}条不同的意见，用同一个验证码。"))])).collect();
    let answers = send_at_once(&app, sends).await;
    assert_eq!(answers.iter().filter(|(status, _)| *status == 303).count(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|(status, _)| *status == 422).count(), 5, "{answers:?}");
    assert_eq!(opinion_count(&app), 1);
    let left: i64 = captcha_challenges::table
        .filter(captcha_challenges::id.eq(&form.captcha_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0, "the challenge is used up (each refusal shows a new one)");
}

#[actix_web::test]
async fn an_opinion_the_database_refuses_does_not_lose_the_others_sent_with_it() {
    let app = spawn_app_with(generous()).await;
    let id = open_consultation(&app);
    // The database refuses any opinion containing 拒收 (as a failing disk or a broken
    // constraint would): the one opinion fails, not the batch it is written with.
    let refuse = if crate::helpers::is_postgres() {
        "CREATE FUNCTION refuse_opinion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF NEW.body LIKE '%拒收%' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER refuse BEFORE INSERT ON opinions FOR EACH ROW EXECUTE FUNCTION refuse_opinion();"
    } else {
        "CREATE TRIGGER refuse BEFORE INSERT ON opinions WHEN NEW.body LIKE '%拒收%' \
         BEGIN SELECT RAISE(ABORT, 'refused'); END;"
    };
    match &mut app.conn() {
        zhengqiu::db::Conn::Sqlite(c) => diesel::connection::SimpleConnection::batch_execute(c, refuse).unwrap(),
        zhengqiu::db::Conn::Postgres(c) => diesel::connection::SimpleConnection::batch_execute(c, refuse).unwrap(),
    }
    let mut forms = Vec::new();
    for _ in 0..12 {
        forms.push(app.open_form(&format!("/consultations/{id}/opinions/new?section=2")).await);
    }
    let sends = forms
        .iter()
        .enumerate()
        .map(|(n, form)| {
            let body = if n == 5 {
                "这一条拒收。".to_owned()
            } else {
                format!("第{n}条意见：写得更具体一些。")
            };
            (form, vec![("body", body), ("contact", format!("1390000{n:04}"))])
        })
        .collect();
    let answers = send_at_once(&app, sends).await;
    for (n, (status, location)) in answers.iter().enumerate() {
        if n == 5 {
            assert!(*status >= 500, "the refused one fails: {status}");
        } else {
            assert_eq!(*status, 303, "opinion {n}: {answers:?}");
            assert!(location.contains("submitted=1"), "{location}");
        }
    }
    assert_eq!(opinion_count(&app), 11, "every receipt shown is an opinion stored");
    let page = app.page(&answers[7].1).await;
    assert!(page.body.contains("第7条意见"), "the receipt shows its own opinion");
}
