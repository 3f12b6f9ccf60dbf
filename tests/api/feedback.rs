//! The published 意见反馈: where the public finds it, and what its table says.

use crate::helpers::{Page, TestApp, spawn_app};
use crate::review::{closed_consultation_as_owner, public_opinion};
use zhengqiu::models::ConsultationId;

/// Publishes the feedback as the logged-in drafter.
pub async fn publish_feedback(app: &TestApp, id: ConsultationId) {
    let form = format!("/staff/consultations/{id}/feedback");
    let response = app.post_with_csrf(&form, &form, &[("text", "感谢各位提出宝贵意见。")]).await;
    assert_eq!(response.status(), 303, "publishing the feedback");
}

/// Links on `page` that lead to the feedback page of `id`.
fn feedback_links(page: &Page, id: ConsultationId) -> Vec<String> {
    page.texts(&format!("a[href='/consultations/{id}/feedback']"))
}

#[actix_web::test]
async fn the_published_feedback_is_linked_from_the_list_the_consultation_page_and_the_receipt() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (_, receipt) = public_opinion(&app, id, None, "张三丰", "13812345678", "建议写明施行日期。");
    let receipt_url = format!("/receipts/{receipt}");
    for path in ["/", &format!("/consultations/{id}"), &receipt_url] {
        assert!(feedback_links(&app.page(path).await, id).is_empty(), "{path}: nothing published yet");
    }

    publish_feedback(&app, id).await;

    let card = app.page("/").await;
    assert_eq!(feedback_links(&card, id), ["查看意见采纳情况：关于测试办法的意见反馈"]);
    let show = app.page(&format!("/consultations/{id}")).await;
    assert_eq!(feedback_links(&show, id), ["查看意见采纳情况及未采纳理由"]);
    assert!(show.text(".feedback-link").starts_with("意见反馈已公布。"));
    let receipt = app.page(&receipt_url).await;
    assert_eq!(feedback_links(&receipt, id), ["查看本次意见征集的意见反馈（全部意见的采纳情况）"]);
    assert_eq!(app.page(&format!("/consultations/{id}/feedback")).await.status, 200);
}
