//! What pages say: the receipt repeats the suggested wording, staff pages name who is logged in,
//! and the adoption table's default title speaks of departments only when there were some.

use chrono::Utc;

use zhengqiu::domain::source::{Channel, Source};
use zhengqiu::models::opinion::NewOpinion;

use crate::helpers::{plain_opinion, spawn_app};
use crate::review::{closed_consultation_as_owner, public_opinion_with};

#[actix_web::test]
async fn the_receipt_repeats_the_wording_the_citizen_suggested() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (_, code) = public_opinion_with(
        &app,
        id,
        Some("1-2"),
        "王五",
        "13800000009",
        "建议收窄适用范围。",
        Some(("本办法适用于测试", "本办法适用于本县行政区域内的测试")),
    );
    let receipt = app.page(&format!("/receipts/{code}")).await;
    assert_eq!(receipt.status, 200);
    let facts = receipt.texts(".wording-facts div");
    assert_eq!(facts, ["原文本办法适用于测试", "建议修改为本办法适用于本县行政区域内的测试"]);
}

#[actix_web::test]
async fn staff_pages_name_the_account_in_the_footer_instead_of_offering_a_login() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    for path in ["/staff".to_owned(), format!("/staff/consultations/{id}/review")] {
        let page = app.page(&path).await;
        assert!(page.select(".site-footer a[href='/staff/login']").is_empty(), "{path} offers 工作人员登录");
        assert!(page.text(".site-footer .staff-link").starts_with("已登录："), "{path}");
    }
    let public = app.page("/").await;
    assert_eq!(public.texts(".site-footer a[href='/staff/login']"), ["工作人员登录"], "public pages keep it");
}

#[actix_web::test]
async fn the_default_table_title_says_departments_only_when_departments_took_part() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let form = format!("/staff/consultations/{id}/feedback");
    let now = Utc::now().naive_utc();
    plain_opinion(id, "张三", "建议写明依据。", now).insert_counted(&mut app.conn()).unwrap();
    let citizens_only = app.page(&form).await.field_value("table_title").unwrap();
    assert!(citizens_only.ends_with("征求意见采纳情况") && !citizens_only.contains("部门"), "{citizens_only}");

    let letter = NewOpinion {
        source: Source::Department,
        channel: Channel::Letter,
        ..plain_opinion(id, "区财政局", "建议明确经费来源。", now)
    };
    letter.insert_counted(&mut app.conn()).unwrap();
    let with_department = app.page(&form).await.field_value("table_title").unwrap();
    assert!(with_department.ends_with("征求意见部门反馈情况"), "{with_department}");
    assert_eq!(
        with_department.trim_end_matches("征求意见部门反馈情况"),
        citizens_only.trim_end_matches("征求意见采纳情况"),
        "the same subject"
    );
}
