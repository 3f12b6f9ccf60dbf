//! Departments consulted in writing: invitation letters, their own reply pages,
//! amendments, 无意见, reminders, silence past the deadline, and the Tongguan seed.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;

use zhengqiu::db::schema::{invitations, opinions, outbox, sections};
use zhengqiu::domain::adoption::AdoptionStatus;
use zhengqiu::domain::ids::{ConsultationId, InvitationId};
use zhengqiu::domain::source::Source;
use zhengqiu::domain::window::china_today;
use zhengqiu::emails::invitation_letters;
use zhengqiu::jobs;
use zhengqiu::models::department::{Department, DepartmentForm};
use zhengqiu::models::invitation::Invitation;
use zhengqiu::models::outbox::{MailKind, MailStatus};
use zhengqiu::models::{Consultation, Draft};

use crate::helpers::{SMALL_DRAFT, TestApp, china_day, spawn_app, spawn_app_with, spawn_seeded_app, with_smtp};
use crate::smtp::SmtpServer;

pub fn department(app: &TestApp, name: &str, emails: &str) -> Department {
    let mut conn = app.conn();
    let form = DepartmentForm { name, emails, contact_person: "办公室", phone: "0562-2880000", active: true };
    let id = Department::create(&mut conn, &form, Utc::now().naive_utc()).unwrap();
    Department::find(&mut conn, id).unwrap()
}

/// Invites the departments with the deadline given; returns the invitation ids.
pub fn invite(app: &TestApp, id: ConsultationId, departments: &[Department], deadline: NaiveDate) -> Vec<InvitationId> {
    let mut conn = app.conn();
    let c = Consultation::find(&mut conn, id).unwrap();
    let today = china_today(Utc::now());
    let draft = Draft::name_for(&mut conn, &c).unwrap();
    let opening = draft.letter_opening();
    let letters = invitation_letters(&draft, &opening, &c.issuer, deadline, &app.settings.public_url, today);
    zhengqiu::services::invitations::invite(&mut conn, id, departments, deadline, Utc::now().naive_utc(), letters)
        .unwrap()
}

/// The reply link in the invitation letter `recipient` received.
pub async fn invitation_link(app: &TestApp, recipient: &str) -> String {
    path_of_link(&app.mail_to(recipient, "征求意见函").await.body_text(0).unwrap())
}

fn path_of_link(text: &str) -> String {
    let start = text.find("/replies/").expect("a reply link");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn reply_state(app: &TestApp, id: InvitationId) -> &'static str {
    Invitation::find(&mut app.conn(), id).unwrap().state().label()
}

#[actix_web::test]
async fn the_full_round_from_invitation_mail_to_opinions_and_no_opinion() {
    let smtp = SmtpServer::start().await;
    let port = smtp.port;
    let app = spawn_app_with(with_smtp(port)).await;
    let id = app.create_consultation("关于测试办法公开征求意见", china_day(-1), china_day(28), SMALL_DRAFT);
    let hr = department(&app, "区人社局", "rsj@tg.gov.cn");
    let sq = department(&app, "社区办", "sqb@tg.gov.cn, sqb2@tg.gov.cn");
    let deadline = china_day(20);
    let ids = invite(&app, id, &[hr, sq], deadline);
    // Wake the worker: invitations are queued outside a request in this test.
    let messages = smtp.wait_for(3).await;
    assert_eq!(messages.len(), 3, "one letter per address");
    let letter = messages
        .iter()
        .find(|m| m.to().and_then(|t| t.first()).and_then(|a| a.address()) == Some("rsj@tg.gov.cn"))
        .unwrap();
    assert_eq!(letter.subject(), Some("【征求意见函】关于征求《测试办法（征求意见稿）》意见的函"));
    let text = letter.body_text(0).unwrap();
    assert!(text.contains(&format!("请于 {deadline} 前")) && text.contains("逾期未反馈的，视为无意见"), "{text}");
    let hr_link = path_of_link(&text);

    // 区人社局 opens its page from the mail and sends two numbered opinions.
    let page = app.page(&hr_link).await;
    assert_eq!(page.status, 200);
    assert!(page.text(".facts").contains("区人社局"));
    assert_eq!(page.text(".facts .status"), "未反馈");
    assert!(page.select("details.draft-section").len() >= 5, "the draft is shown by section");
    let response = app
        .post_form(
            &hr_link,
            &[
                ("contact_person", "王科长"),
                ("contact_phone", "0562-2881234"),
                ("section_1", "2"),
                ("body_1", "建议将“开展”改为“基本完成”。"),
                ("original_1", "开展"),
                ("proposed_1", "基本完成"),
                ("section_2", ""),
                ("body_2", "建议增加责任单位区民政局。"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = app.page(&location(&response)).await;
    assert!(page.text("[role=status]").contains("共 2 条"));
    assert_eq!(page.text(".facts .status"), "已反馈意见");
    assert_eq!(reply_state(&app, ids[0]), "已反馈意见");
    let stored: Vec<(Option<i32>, String, Option<String>)> = opinions::table
        .filter(opinions::invitation_id.eq(ids[0]))
        .order(opinions::seq.asc())
        .select((opinions::seq, opinions::author_name, opinions::proposed_text))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(stored, [(Some(1), "区人社局".into(), Some("基本完成".into())), (Some(2), "区人社局".into(), None)]);

    // 社区办 answers 无意见 from the link in the letter its second address received.
    let to_sq = messages
        .iter()
        .find(|m| m.to().and_then(|t| t.first()).and_then(|a| a.address()) == Some("sqb2@tg.gov.cn"))
        .unwrap();
    let sq_link = path_of_link(&to_sq.body_text(0).unwrap());
    let response = app
        .post_form(
            &sq_link,
            &[("contact_person", "李主任"), ("contact_phone", "13912345678"), ("action", "no_opinion")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(app.page(&location(&response)).await.body.contains("无意见"));
    assert_eq!(reply_state(&app, ids[1]), "无意见");
    // The delivered letters no longer hold working links in the outbox.
    app.wait_for_outbox_to_settle().await;
    let sent_bodies: Vec<String> =
        outbox::table.filter(outbox::status.eq(MailStatus::Sent)).select(outbox::body).load(&mut app.conn()).unwrap();
    assert!(!sent_bodies.is_empty() && sent_bodies.iter().all(|b| b.contains("/replies/（已隐去）")));
}

#[actix_web::test]
async fn a_department_amends_its_reply_and_unchanged_opinions_keep_their_decision() {
    let app = spawn_app().await;
    let id = app.create_consultation("修改反馈测试", china_day(-1), china_day(28), SMALL_DRAFT);
    let ids = invite(&app, id, &[department(&app, "区科技局", "kjj@tg.gov.cn")], china_day(10));
    let link = invitation_link(&app, "kjj@tg.gov.cn").await;
    let send = |rows: Vec<(&'static str, &'static str)>| {
        let mut fields = vec![("contact_person", "赵工"), ("contact_phone", "13800001111"), ("action", "send")];
        fields.extend(rows);
        fields
    };
    app.post_form(&link, &send(vec![("body_1", "第一条"), ("body_2", "第二条"), ("body_3", "第三条")])).await;
    let first_ids: Vec<i32> = opinions::table
        .filter(opinions::invitation_id.eq(ids[0]))
        .order(opinions::seq.asc())
        .select(opinions::id)
        .load(&mut app.conn())
        .unwrap();
    diesel::update(opinions::table.filter(opinions::id.eq_any(&first_ids)))
        .set((opinions::decision.eq(AdoptionStatus::Adopted), opinions::decision_reason.eq("已采纳")))
        .execute(&mut app.conn())
        .unwrap();
    // The page shows the stored rows for amending.
    let page = app.page(&link).await;
    assert_eq!(page.select("#f-body_3").first().unwrap().text().collect::<String>(), "第三条");
    assert_eq!(page.select("#f-body_4").len(), 1, "one blank row to add another");
    app.post_form(&link, &send(vec![("body_1", "第一条"), ("body_2", "第二条（已修改）")])).await;
    let after: Vec<(i32, String, Option<String>)> = opinions::table
        .filter(opinions::invitation_id.eq(ids[0]))
        .order(opinions::seq.asc())
        .select((opinions::id, opinions::body, opinions::decision))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(after.len(), 2, "the third was withdrawn");
    assert_eq!(after[0], (first_ids[0], "第一条".into(), Some("adopted".into())), "unchanged keeps its decision");
    assert_eq!(after[1].1, "第二条（已修改）");
    assert_eq!(after[1].2, None, "a changed opinion needs a new decision");
    let total: i32 = zhengqiu::db::schema::consultations::table
        .find(id)
        .select(zhengqiu::db::schema::consultations::opinion_count)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(total, 2, "the counter follows withdrawals");
}

#[actix_web::test]
async fn adding_a_row_keeps_what_was_typed_and_errors_are_explained() {
    let app = spawn_app().await;
    let id = app.create_consultation("增加条目测试", china_day(-1), china_day(28), SMALL_DRAFT);
    invite(&app, id, &[department(&app, "区卫计局", "wjj@tg.gov.cn")], china_day(10));
    let link = invitation_link(&app, "wjj@tg.gov.cn").await;
    let page =
        app.post_page(&link, &[("contact_person", "周"), ("body_1", "保留的第一条"), ("action", "add_row")]).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.select("#f-body_1").first().unwrap().text().collect::<String>(), "保留的第一条");
    assert_eq!(page.select("#f-body_2").len(), 1);
    let page = app
        .post_page(
            &link,
            &[("contact_person", ""), ("contact_phone", "wjj@tg.gov.cn"), ("body_1", "意见"), ("action", "send")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("#e-contact_person"), "请填写联系人");
    assert_eq!(page.text("#e-contact_phone"), "请填写联系电话（手机号码或带区号的固定电话）");
    assert_eq!(page.select("#f-body_1").first().unwrap().text().collect::<String>(), "意见");
    let page =
        app.post_page(&link, &[("contact_person", "周"), ("contact_phone", "13800002222"), ("action", "send")]).await;
    assert_eq!(page.status, 422);
    assert!(page.text(".error-summary").contains("请至少填写一条意见"));
}

#[actix_web::test]
async fn pressing_enter_on_the_reply_page_sends_the_reply_rather_than_adding_a_row() {
    let app = spawn_app().await;
    let id = app.create_consultation("回车提交测试", china_day(-1), china_day(28), SMALL_DRAFT);
    let ids = invite(&app, id, &[department(&app, "区商务局", "swj@tg.gov.cn")], china_day(10));
    let link = invitation_link(&app, "swj@tg.gov.cn").await;
    let (name, value) = app.page(&link).await.default_button();
    assert_eq!((name.as_str(), value.as_str()), ("action", "send"), "not 增加一条意见");
    let fields =
        [("contact_person", "陈"), ("contact_phone", "13800003333"), ("body_1", "建议调整目标值。"), (&name, &value)];
    assert_eq!(app.post_form(&link, &fields).await.status(), 303);
    assert_eq!(reply_state(&app, ids[0]), "已反馈意见");
}

#[actix_web::test]
async fn a_department_link_opens_only_its_own_reply() {
    let app = spawn_app().await;
    let id = app.create_consultation("互不可见测试", china_day(-1), china_day(28), SMALL_DRAFT);
    invite(
        &app,
        id,
        &[department(&app, "甲局", "a@tg.gov.cn"), department(&app, "乙局", "b@tg.gov.cn")],
        china_day(10),
    );
    let a = invitation_link(&app, "a@tg.gov.cn").await;
    let b = invitation_link(&app, "b@tg.gov.cn").await;
    app.post_form(
        &a,
        &[("contact_person", "甲"), ("contact_phone", "13800003333"), ("body_1", "甲局的意见"), ("action", "send")],
    )
    .await;
    let page_b = app.page(&b).await;
    assert!(page_b.text(".facts").contains("乙局"));
    assert!(!page_b.body.contains("甲局的意见"));
    assert_eq!(app.page("/replies/not-a-real-token").await.status, 404);
    let tampered = format!("{}x", &a);
    assert_eq!(app.page(&tampered).await.status, 404);
}

#[actix_web::test]
async fn a_reminder_goes_once_and_only_to_departments_that_have_not_answered() {
    let app = spawn_app().await;
    let id = app.create_consultation("提醒测试", china_day(-1), china_day(28), SMALL_DRAFT);
    let deadline = china_day(10);
    let ids = invite(
        &app,
        id,
        &[
            department(&app, "已答复局", "done@tg.gov.cn"),
            department(&app, "未答复局", "late@tg.gov.cn"),
            department(&app, "无邮箱局", ""),
        ],
        deadline,
    );
    let done = invitation_link(&app, "done@tg.gov.cn").await;
    app.post_form(&done, &[("contact_person", "甲"), ("contact_phone", "13800004444"), ("action", "no_opinion")]).await;
    let mut conn = app.conn();
    let url = app.settings.public_url.clone();
    // Five days before the deadline: too early for a 3-day reminder.
    let early = Utc::now() + Duration::days(5);
    assert_eq!(jobs::run_due(&mut conn, early, 3, &url).unwrap(), jobs::JobReport { reminders: 0, overdue: 0 });
    let due = Utc::now() + Duration::days(8);
    assert_eq!(jobs::run_due(&mut conn, due, 3, &url).unwrap().reminders, 1);
    assert_eq!(jobs::run_due(&mut conn, due + Duration::hours(12), 3, &url).unwrap().reminders, 0, "only once");
    let reminders: Vec<(String, String)> = outbox::table
        .filter(outbox::kind.eq(MailKind::Reminder))
        .select((outbox::recipient, outbox::subject))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        reminders,
        [("late@tg.gov.cn".to_owned(), format!("【提醒】请于{deadline}前反馈对《提醒测试（征求意见稿）》的意见"))]
    );
    // The reminder's fresh link works, and the invitation's link still does.
    let reminder_link = path_of_link(&app.mail_to("late@tg.gov.cn", "提醒").await.body_text(0).unwrap());
    assert_eq!(app.page(&reminder_link).await.status, 200);
    assert_eq!(reply_state(&app, ids[1]), "未反馈");
}

#[actix_web::test]
async fn a_department_invited_with_less_time_than_the_reminder_period_gets_no_reminder() {
    let app = spawn_app().await;
    let id = app.create_consultation("临近截止邀请", china_day(-1), china_day(28), SMALL_DRAFT);
    let deadline = china_day(2);
    let ids = invite(
        &app,
        id,
        &[department(&app, "早邀请局", "early@tg.gov.cn"), department(&app, "晚邀请局", "late@tg.gov.cn")],
        deadline,
    );
    // 早邀请局 was invited ten days ago, before the three days of reminders began.
    let ten_days_ago = Utc::now().naive_utc() - Duration::days(10);
    diesel::update(invitations::table.find(ids[0]))
        .set(invitations::invited_at.eq(ten_days_ago))
        .execute(&mut app.conn())
        .unwrap();
    let mut conn = app.conn();
    let url = app.settings.public_url.clone();
    assert_eq!(jobs::send_reminders(&mut conn, Utc::now(), 3, &url).unwrap(), 1);
    assert_eq!(
        jobs::send_reminders(&mut conn, Utc::now() + Duration::days(1), 3, &url).unwrap(),
        0,
        "not later either"
    );
    let reminded: Vec<String> =
        outbox::table.filter(outbox::kind.eq(MailKind::Reminder)).select(outbox::recipient).load(&mut conn).unwrap();
    assert_eq!(reminded, ["early@tg.gov.cn"], "晚邀请局 has just had its letter");
}

#[actix_web::test]
async fn silence_past_the_deadline_is_recorded_as_no_comment_and_the_link_closes() {
    let app = spawn_app().await;
    let id = app.create_consultation("逾期测试", china_day(-20), china_day(9), SMALL_DRAFT);
    let ids = invite(
        &app,
        id,
        &[department(&app, "沉默局", "silent@tg.gov.cn"), department(&app, "答复局", "ok@tg.gov.cn")],
        china_day(-1),
    );
    let ok = invitation_link(&app, "ok@tg.gov.cn").await;
    // The deadline was yesterday: no more replies.
    let refused = app
        .post_page(&ok, &[("contact_person", "甲"), ("contact_phone", "13800005555"), ("action", "no_opinion")])
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.text("main").contains("反馈截止日期"));
    // The service's own worker may get there first; either way both are recorded.
    let report = jobs::run_due(&mut app.conn(), Utc::now(), 3, &app.settings.public_url).unwrap();
    assert!(report.overdue <= 2);
    assert_eq!(reply_state(&app, ids[1]), "逾期未反馈（视为无意见）");
    assert_eq!(reply_state(&app, ids[0]), "逾期未反馈（视为无意见）");
    let page = app.page(&invitation_link(&app, "silent@tg.gov.cn").await).await;
    assert_eq!(page.text(".facts .status"), "逾期未反馈（视为无意见）");
    assert!(page.select("form[method=post]").is_empty());
    let overdue_at: Option<chrono::NaiveDateTime> =
        invitations::table.find(ids[0]).select(invitations::overdue_at).first(&mut app.conn()).unwrap();
    assert!(overdue_at.is_some(), "recorded in the database, not just shown");
}

#[actix_web::test]
async fn the_tongguan_demo_has_six_departments_and_their_opinions_tied_to_sections() {
    let app = spawn_seeded_app().await;
    /// Department, number in its reply, section anchor, decision.
    type Row = (String, Option<i32>, Option<String>, Option<String>);
    let rows: Vec<Row> = opinions::table
        .left_join(sections::table)
        .filter(opinions::source.eq(Source::Department))
        .order((opinions::invitation_id.asc(), opinions::seq.asc()))
        .select((opinions::author_name, opinions::seq, sections::anchor.nullable(), opinions::decision))
        .load(&mut app.conn())
        .unwrap();
    let expected = [
        ("区人社局", 1, "6-5"),
        ("区人社局", 2, "6-5"),
        ("社区办", 1, "6-7"),
        ("社区办", 2, "6-7"),
        ("区科技局", 1, "2-1"),
        ("区科技局", 2, "2-2"),
        ("区科技局", 3, "2-3"),
        ("区科技局", 4, "2-4"),
        ("区卫计局", 1, "6-4"),
        ("区市监局", 1, "1-2-1"),
        ("区市监局", 2, "1-2-1"),
        ("区商务局", 1, "1-2-1"),
    ];
    let got: Vec<(&str, i32, &str)> =
        rows.iter().map(|(n, s, a, _)| (n.as_str(), s.unwrap(), a.as_deref().unwrap_or("-"))).collect();
    assert_eq!(got, expected);
    let decided: Vec<(&str, i32, &str)> =
        rows.iter().filter_map(|(n, s, _, d)| d.as_deref().map(|d| (n.as_str(), s.unwrap(), d))).collect();
    assert_eq!(decided, [("区科技局", 2, "partly_adopted")], "only row 3 is decided in the source");
    let states: Vec<Option<String>> =
        invitations::table.order(invitations::position.asc()).select(invitations::reply).load(&mut app.conn()).unwrap();
    assert_eq!(states, vec![Some("opinions".to_owned()); 6]);
}

#[actix_web::test]
async fn a_department_reply_posted_from_another_site_is_refused_and_nothing_stored() {
    let app = spawn_app().await;
    let id = app.create_consultation("来源检查", china_day(-1), china_day(28), SMALL_DRAFT);
    let ids = invite(&app, id, &[department(&app, "区水利局", "slj@tg.gov.cn")], china_day(10));
    let link = invitation_link(&app, "slj@tg.gov.cn").await;
    let fields = [("contact_person", "钱工"), ("contact_phone", "13800002222"), ("action", "no_opinion")];
    let response =
        app.client.post(app.url(&link)).header("origin", "https://evil.example").form(&fields).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert!(Invitation::find(&mut app.conn(), ids[0]).unwrap().reply.is_none(), "nothing recorded");
    assert_eq!(app.post_form(&link, &fields).await.status().as_u16(), 303, "from the page itself it works");
    assert!(Invitation::find(&mut app.conn(), ids[0]).unwrap().reply.is_some());
}
