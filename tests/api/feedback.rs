//! The published 意见反馈: where the public finds it, and what its table says.

use chrono::Utc;
use diesel::prelude::*;

use zhengqiu::db::schema::invitations;
use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::{ConsultationId, InvitationId};
use zhengqiu::emails::invitation_letters;
use zhengqiu::jobs;
use zhengqiu::models::department::{Department, DepartmentForm};
use zhengqiu::models::{Consultation, Draft};

use crate::helpers::{Page, TestApp, login_ok, spawn_app, spawn_seeded_app};
use crate::review::{closed_consultation_as_owner, exported_title, public_opinion};

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

/// The seeded Tongguan consultation (#1), managed by the logged-in drafter `tg`.
async fn tongguan_as_owner(app: &TestApp) -> ConsultationId {
    let owner = app.create_user("tg", Role::Drafter);
    app.set_owner(ConsultationId(1), Some(owner));
    login_ok(app, "tg").await;
    ConsultationId(1)
}

#[actix_web::test]
async fn the_drafter_can_give_the_published_table_its_own_heading_and_take_it_back() {
    let app = spawn_seeded_app().await;
    let id = tongguan_as_owner(&app).await;
    let form = format!("/staff/consultations/{id}/feedback");
    let heading = "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况";
    assert_eq!(app.page(&form).await.field_value("table_title").as_deref(), Some(heading), "offered as typed");

    let own = "铜官区五大发展行动计划实施意见征求意见情况";
    let response = app.post_with_csrf(&form, &form, &[("text", "感谢各单位。"), ("table_title", own)]).await;
    assert_eq!(response.status(), 303);
    let public = app.page(&format!("/consultations/{id}/feedback")).await;
    assert_eq!(public.text("#table-title"), own);
    let download = app.get(&format!("/consultations/{id}/feedback/table.xlsx")).await.bytes().await.unwrap();
    assert_eq!(exported_title("xlsx", &download), own);

    app.post_with_csrf(&form, &form, &[("text", "感谢各单位。"), ("table_title", " ")]).await;
    assert_eq!(app.page(&format!("/consultations/{id}/feedback")).await.text("#table-title"), heading);
    let too_long = "标".repeat(201);
    let refused = app.post_with_csrf(&form, &form, &[("text", "感谢各单位。"), ("table_title", &too_long)]).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(Page::from_response(refused).await.text("#e-table_title"), "表格标题不能超过200字");
}

#[actix_web::test]
async fn a_citizen_whose_opinions_interleave_with_others_gets_one_row_in_the_table() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    public_opinion(&app, id, None, "张三丰", "13800000001", "第一条意见。");
    public_opinion(&app, id, Some("2"), "李四光", "13800000002", "李四的意见。");
    public_opinion(&app, id, Some("1-1"), "张三丰", "13800000001", "第二条意见。");
    public_opinion(&app, id, None, "王五", "13800000003", "王五的意见。");
    let export = format!("/staff/consultations/{id}/export?layout=tongguan&format=json&grouping=per_author");
    let json: serde_json::Value = serde_json::from_slice(&app.get(&export).await.bytes().await.unwrap()).unwrap();
    let rows: Vec<Vec<&str>> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().take(3).map(|c| c.as_str().unwrap()).collect())
        .collect();
    assert_eq!(
        rows,
        [["1", "张*丰", "第一条意见。;第二条意见。"], ["2", "李*光", "李四的意见。"], ["3", "王*", "王五的意见。"]]
    );
    publish_feedback(&app, id).await;
    let table = app.page(&format!("/consultations/{id}/feedback")).await.texts("table tbody tr");
    assert_eq!(table.len(), 3, "{table:?}");
    assert!(table[0].starts_with("1张*丰第一条意见。;第二条意见。"), "{table:?}");
}

/// Invites a new department to `id`; returns its invitation.
fn invite_department(app: &TestApp, id: ConsultationId, name: &str) -> InvitationId {
    let mut conn = app.conn();
    let form = DepartmentForm { name, emails: "", contact_person: "办公室", phone: "0562-2880000", active: true };
    let department_id = Department::create(&mut conn, &form, Utc::now().naive_utc()).unwrap();
    let department = Department::find(&mut conn, department_id).unwrap();
    let c = Consultation::find(&mut conn, id).unwrap();
    let deadline = c.ends_on;
    let draft = Draft::name_for(&mut conn, &c).unwrap();
    let opening = draft.letter_opening();
    let letters = invitation_letters(&draft, &opening, &c.issuer, deadline, &app.settings.public_url, deadline);
    zhengqiu::services::invitations::invite(&mut conn, id, &[department], deadline, Utc::now().naive_utc(), letters)
        .unwrap()[0]
}

#[actix_web::test]
async fn departments_that_answered_no_opinion_or_kept_silent_are_in_the_table_and_on_the_page() {
    let app = spawn_seeded_app().await;
    let id = tongguan_as_owner(&app).await;
    let no_opinion = invite_department(&app, id, "区财政局");
    invite_department(&app, id, "区审计局");
    diesel::update(invitations::table.find(no_opinion))
        .set(invitations::reply.eq(zhengqiu::models::invitation::Reply::NoOpinion))
        .execute(&mut app.conn())
        .unwrap();
    // The deadline has long passed: 区审计局's silence is recorded.
    jobs::mark_overdue(&mut app.conn(), Utc::now()).unwrap();

    let csv = app.get(&format!("/staff/consultations/{id}/export?layout=tongguan&format=csv")).await;
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .from_reader(&csv.bytes().await.unwrap()[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 8, "six departments with opinions, then the two without");
    assert_eq!(rows[6], ["7", "区财政局", "无意见", "", ""]);
    assert_eq!(rows[7], ["8", "区审计局", "逾期未反馈（视为无意见）", "", ""]);

    publish_feedback(&app, id).await;
    let page = app.page(&format!("/consultations/{id}/feedback")).await;
    assert_eq!(
        page.texts(".quiet-departments li"),
        ["回复无意见的单位：区财政局。", "逾期未反馈（视为无意见）的单位：区审计局。"]
    );
    let table = page.texts("table tbody tr");
    assert_eq!(table.len(), 8);
    assert_eq!(table[7], "8区审计局逾期未反馈（视为无意见）");
}
