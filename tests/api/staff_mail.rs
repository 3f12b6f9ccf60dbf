//! Mail that could not be delivered: it waits in the outbox, administrators see why on
//! /staff/mail and send it again once the server is back. Nothing is lost.

use chrono::Utc;
use diesel::prelude::*;

use zhengqiu::db::schema::{invitations, outbox};
use zhengqiu::domain::account::Role;
use zhengqiu::models::department::{Department, DepartmentForm};

use crate::helpers::{SMALL_DRAFT, STAFF_PASSWORD, TestApp, china_day, login_ok, spawn_app_with, with_smtp};
use crate::smtp::SmtpServer;

/// The only outbox row: status, attempts, last error.
fn outbox_row(app: &TestApp) -> (String, i32, Option<String>) {
    outbox::table
        .select((outbox::status, outbox::attempts, outbox::last_error))
        .first(&mut app.conn())
        .expect("one queued mail")
}

/// Waits until the outbox row has had `attempts` attempts.
async fn wait_for_attempts(app: &TestApp, attempts: i32) -> (String, i32, Option<String>) {
    for _ in 0..100 {
        let row = outbox_row(app);
        if row.1 >= attempts && row.0 != "sending" {
            return row;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the mail was not tried {attempts} times: {:?}", outbox_row(app));
}

#[actix_web::test]
async fn a_letter_the_mail_server_refuses_is_kept_failed_shown_to_staff_and_sent_again() {
    let smtp = SmtpServer::start().await;
    smtp.set_failing(true);
    let port = smtp.port;
    let app = spawn_app_with(|s| {
        with_smtp(port)(s);
        s.mail_max_attempts = 2;
    })
    .await;
    app.create_user("root", Role::Admin);
    app.create_user_with("wang", "王起草", Role::Drafter, STAFF_PASSWORD);
    let id = app.create_consultation("退信测试", china_day(-1), china_day(28), SMALL_DRAFT);
    let form =
        DepartmentForm { name: "区人社局", emails: "rsj@tg.gov.cn", contact_person: "", phone: "", active: true };
    let department = Department::create(&mut app.conn(), &form, Utc::now().naive_utc()).unwrap();

    login_ok(&app, "root").await;
    let path = format!("/staff/consultations/{id}/invitations");
    let fields = [("department", department.to_string()), ("deadline", china_day(20).to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(app.post_with_csrf(&path, &path, &fields).await.status(), 303, "inviting works with mail failing");
    let (status, _, error) = wait_for_attempts(&app, 1).await;
    assert_eq!(status, "pending", "a first failure is retried");
    assert!(error.unwrap().contains("451"));
    // Skip the backoff: the second attempt is the last one.
    diesel::update(outbox::table)
        .set(outbox::next_attempt_at.eq(Utc::now().naive_utc()))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(wait_for_attempts(&app, 2).await.0, "failed");

    let page = app.page("/staff/mail").await;
    assert_eq!(page.status, 200);
    assert!(page.text(".mail-delivery").contains(&format!("SMTP 服务器 127.0.0.1:{port}")));
    assert_eq!(page.texts(".mail-row .recipient"), ["rsj@tg.gov.cn"]);
    assert_eq!(page.texts(".mail-row .mail-status"), ["发送失败"]);
    assert_eq!(page.texts(".mail-row .attempts"), ["2"]);
    assert!(page.text(".mail-row .last-error").contains("451"));
    let retry = page.select(".mail-row form").first().unwrap().value().attr("action").unwrap().to_owned();

    // Drafters neither see the page nor resend.
    login_ok(&app, "wang").await;
    assert_eq!(app.page("/staff/mail").await.status, 403);
    assert_eq!(app.post_with_csrf("/staff", &retry, &[]).await.status(), 403);
    assert_eq!(outbox_row(&app).0, "failed");

    // The server recovers; the administrator sends it again and it arrives.
    smtp.set_failing(false);
    login_ok(&app, "root").await;
    let response = app.post_with_csrf("/staff/mail", &retry, &[]).await;
    assert_eq!(response.status(), 303);
    assert!(app.follow(response).await.text(".flash").contains("已重新排入发送队列"));
    let delivered = smtp.wait_for(1).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].subject(), Some("【征求意见函】关于征求《退信测试（征求意见稿）》意见的函"));
    let text = delivered[0].body_text(0).unwrap();
    let link = &text[text.find("/replies/").unwrap()..].split_whitespace().next().unwrap().to_owned();
    assert_eq!(app.page(link).await.status, 200, "the link in the late letter works");
    let mut sent = String::new();
    for _ in 0..100 {
        sent = outbox_row(&app).0;
        if sent == "sent" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sent, "sent");
    assert!(app.page("/staff/mail").await.text("main").contains("所有邮件均已发出"));
    let invited: i64 = invitations::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(invited, 1, "the invitation itself was never in doubt");
    // A mail that is not failed cannot be "resent".
    let again = app.follow(app.post_with_csrf("/staff/mail", &retry, &[]).await).await;
    assert!(again.text(".flash").contains("无需重新发送"));
}
