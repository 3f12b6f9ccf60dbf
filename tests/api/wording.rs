//! What the service writes in the agency's name is worded from the draft's title: the
//! 征求意见函, the default feedback text and the names of downloaded files.

use chrono::Utc;
use diesel::prelude::*;
use zhengqiu::db::schema::consultations;
use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::ConsultationId;
use zhengqiu::models::department::{Department, DepartmentForm};

use crate::helpers::{SMALL_DRAFT, TestApp, china_day, login_ok, spawn_app, spawn_seeded_app};

/// The file name a download is saved under (the UTF-8 `filename*`), decoded.
fn saved_as(response: &reqwest::Response) -> String {
    let disposition = response.headers().get("content-disposition").unwrap().to_str().unwrap();
    let encoded = disposition.split("filename*=UTF-8''").nth(1).expect("a UTF-8 file name");
    percent_decode(encoded.split(';').next().unwrap())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Wording rules every generated text keeps.
fn assert_well_worded(text: &str, what: &str) {
    for wrong in ["《《", "》》", "征求意见意见", "意见征求意见", "公开征求意见》", "征求意见稿）（征求意见稿"]
    {
        assert!(!text.contains(wrong), "{what} contains {wrong}: {text}");
    }
}

#[actix_web::test]
async fn every_seed_consultation_gets_letters_texts_and_file_names_worded_from_its_draft() {
    let app = spawn_seeded_app().await;
    app.create_user("root", Role::Admin);
    login_ok(&app, "root").await;
    let ids: Vec<ConsultationId> =
        consultations::table.select(consultations::id).order(consultations::id).load(&mut app.conn()).unwrap();
    assert!(ids.len() >= 5, "the five seed consultations: {ids:?}");
    let (mut openings, mut texts) = (0, 0);
    for id in ids {
        let letter = app.page(&format!("/staff/consultations/{id}/invitations")).await;
        let title = letter.text("#letter-title");
        assert!(title.starts_with("关于征求《") && title.ends_with("》意见的函"), "{title}");
        assert_well_worded(&title, "letter title");
        // (No form when every department in the directory is invited already.)
        if let Some(opening) = letter.field_value("opening") {
            assert_well_worded(&opening, "letter opening");
            openings += 1;
        }
        let feedback = app.page(&format!("/staff/consultations/{id}/feedback")).await;
        // (The form is there once the window has closed.)
        if let Some(text) = feedback.field_value("text") {
            assert_well_worded(&text, "feedback text");
            texts += 1;
        }
        let response = app.get(&format!("/staff/consultations/{id}/export?layout=tongguan&format=csv")).await;
        let name = saved_as(&response);
        // A consultation consulted on twice names the round (the current one by default).
        assert!(
            name.ends_with("》意见采纳情况.csv") || name.ends_with("》意见采纳情况（第二次征求意见）.csv"),
            "{name}"
        );
        assert_well_worded(&name, "file name");
    }
    assert!(openings >= 4, "the letter is offered for the seeds not consulted yet");
    assert!(texts >= 2, "tongguan-2018 and zhongkai-2019 have closed");
    // Read from seeds/consultations.toml: huangjiang-2021's draft_title and version.
    let huangjiang = app.page("/staff/consultations/2/invitations").await;
    assert_eq!(huangjiang.text("#letter-title"), "关于征求《2021年黄江镇政府工作计划（征求意见稿）》意见的函");
    // tongguan-2018: the draft's own title, its inner 《》 as 〈〉, its brackets half-width
    // as the raw page prints 「(修订版)(征求意见稿)」.
    let tongguan = app.page("/staff/consultations/1/invitations").await;
    assert_eq!(
        tongguan.text("#letter-title"),
        "关于征求《中共铜官区委 铜官区人民政府关于贯彻省市〈五大发展行动计划〉的实施意见(修订版)(征求意见稿)》意见的函"
    );
    let response = app.get("/staff/consultations/2/export?layout=tongguan&format=xlsx").await;
    assert_eq!(saved_as(&response), "《2021年黄江镇政府工作计划（征求意见稿）》意见采纳情况.xlsx");
}

async fn drafter_with_a_consultation(app: &TestApp) -> ConsultationId {
    let owner = app.create_user("wang", Role::Drafter);
    let id = app.create_consultation("关于《测试办法》公开征求意见", china_day(-40), china_day(-2), SMALL_DRAFT);
    app.set_owner(id, Some(owner));
    login_ok(app, "wang").await;
    id
}

#[actix_web::test]
async fn the_drafter_reads_the_letter_before_sending_and_departments_get_the_opening_as_edited() {
    let app = spawn_app().await;
    let id = drafter_with_a_consultation(&app).await;
    let form =
        DepartmentForm { name: "区人社局", emails: "rsj@tg.gov.cn", contact_person: "", phone: "", active: true };
    let hr = Department::create(&mut app.conn(), &form, Utc::now().naive_utc()).unwrap().to_string();
    let path = format!("/staff/consultations/{id}/invitations");
    let page = app.page(&path).await;
    // The helper stores the notice's title as the draft's: the letter names the draft.
    assert_eq!(page.text("#letter-title"), "关于征求《测试办法（征求意见稿）》意见的函");
    assert_eq!(page.field_value("opening").unwrap(), "现将《测试办法（征求意见稿）》送你单位征求意见。");

    // An emptied opening is refused and the choice kept.
    let deadline = china_day(10).to_string();
    let fields = [("department", hr.as_str()), ("deadline", deadline.as_str()), ("opening", "  ")];
    let refused = crate::helpers::Page::from_response(app.post_with_csrf(&path, &path, &fields).await).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text("#opening-error").contains("请填写函件正文"));
    assert_eq!(refused.select("input[name=department][checked]").len(), 1);

    let opening = "现将《测试办法（征求意见稿）》送你单位征求意见，请重点研究第二条。联系人：王科长。";
    let fields = [("department", hr.as_str()), ("deadline", deadline.as_str()), ("opening", opening)];
    assert_eq!(app.post_with_csrf(&path, &path, &fields).await.status(), 303);
    let letter = app.mail_to("rsj@tg.gov.cn", "征求意见函").await;
    assert_eq!(letter.subject(), Some("【征求意见函】关于征求《测试办法（征求意见稿）》意见的函"));
    let body = letter.body_text(0).unwrap();
    assert!(
        body.replace("\r\n", "\n").starts_with(&format!("区人社局：\n\n{opening}\n\n请于 {deadline} 前")),
        "{body:?}"
    );
    assert!(body.contains("逾期未反馈的，视为无意见"), "{body}");
}

#[actix_web::test]
async fn the_default_feedback_text_names_the_draft_not_the_notice() {
    let app = spawn_app().await;
    let id = drafter_with_a_consultation(&app).await;
    let text = app.page(&format!("/staff/consultations/{id}/feedback")).await.field_value("text").unwrap();
    let (from, to) = (china_day(-40), china_day(-2));
    assert_eq!(text, format!("{from}至{to}，我们就《测试办法（征求意见稿）》公开征求意见，征求意见期间未收到意见。"));
}
