//! The staff side of the review round: the department directory, inviting departments,
//! the reply dashboard, and new links for departments that lost theirs.

use chrono::{Duration, Utc};
use diesel::prelude::*;

use zhengqiu::db::schema::{invitation_tokens, invitations, outbox};
use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::{ConsultationId, DepartmentId};
use zhengqiu::domain::window::format_china;
use zhengqiu::jobs;
use zhengqiu::models::department::{Department, DepartmentForm};
use zhengqiu::models::invitation::Invitation;
use zhengqiu::models::outbox::MailKind;

use crate::helpers::{Page, SMALL_DRAFT, STAFF_PASSWORD, TestApp, china_day, login_ok, spawn_app_with, with_smtp};
use crate::smtp::SmtpServer;

/// An administrator `root`, drafters `wang` and `li`, a published consultation each.
struct Office {
    app: TestApp,
    wang_owns: ConsultationId,
    li_owns: ConsultationId,
}

async fn office_with(configure: impl FnOnce(&mut zhengqiu::config::Settings)) -> Office {
    let app = spawn_app_with(configure).await;
    app.create_user("root", Role::Admin);
    let wang = app.create_user_with("wang", "王起草", Role::Drafter, STAFF_PASSWORD);
    let li = app.create_user_with("li", "李起草", Role::Drafter, STAFF_PASSWORD);
    let wang_owns = app.create_consultation("王负责的征集", china_day(-1), china_day(28), SMALL_DRAFT);
    let li_owns = app.create_consultation("李负责的征集", china_day(-1), china_day(28), SMALL_DRAFT);
    app.set_owner(wang_owns, Some(wang));
    app.set_owner(li_owns, Some(li));
    Office { app, wang_owns, li_owns }
}

async fn office() -> Office {
    office_with(|_| {}).await
}

fn department(app: &TestApp, name: &str, emails: &str) -> DepartmentId {
    let form = DepartmentForm { name, emails, contact_person: "办公室", phone: "0562-2880000", active: true };
    Department::create(&mut app.conn(), &form, Utc::now().naive_utc()).unwrap()
}

fn find_department(app: &TestApp, name: &str) -> Department {
    Department::find_by_name(&mut app.conn(), name).unwrap().unwrap_or_else(|| panic!("{name} in the directory"))
}

fn path_of_link(text: &str) -> String {
    let start = text.find("/replies/").expect("a reply link");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

/// Bodies of every mail written to the outbox directory for `recipient`, once there are `n`.
async fn mail_bodies_to(app: &TestApp, recipient: &str, n: usize) -> Vec<String> {
    let mut bodies = Vec::new();
    for _ in 0..100 {
        bodies.clear();
        let files = std::fs::read_dir(&app.settings.outbox_dir).map(|d| d.flatten().map(|e| e.path()).collect());
        for path in files.unwrap_or_else(|_| Vec::new()) {
            let Ok(raw) = std::fs::read(&path) else { continue };
            let Some(message) = mail_parser::MessageParser::default().parse(&raw) else { continue };
            if message.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(recipient) {
                bodies.push(message.body_text(0).unwrap_or_default().into_owned());
            }
        }
        if bodies.len() >= n {
            return bodies;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("expected {n} mails to {recipient}, found {}", bodies.len());
}

/// Invites the departments through the page, as whoever is logged in.
async fn invite_through_the_page(
    app: &TestApp,
    id: ConsultationId,
    departments: &[DepartmentId],
    deadline: &str,
) -> reqwest::Response {
    let path = format!("/staff/consultations/{id}/invitations");
    let ids: Vec<String> = departments.iter().map(|d| d.to_string()).collect();
    let mut form: Vec<(&str, &str)> = ids.iter().map(|d| ("department", d.as_str())).collect();
    form.push(("deadline", deadline));
    app.post_with_csrf(&path, &path, &form).await
}

fn row_texts(page: &Page, css: &str) -> Vec<String> {
    page.texts(&format!(".invitation-row {css}"))
}

#[actix_web::test]
async fn an_administrator_adds_and_edits_departments_and_a_bad_entry_keeps_what_was_typed() {
    let Office { app, .. } = office().await;
    login_ok(&app, "root").await;
    let bad =
        [("name", ""), ("emails", "rsj@tg.gov.cn， not-an-address"), ("contact_person", "王科长"), ("phone", "12345")];
    let response = app.post_with_csrf("/staff/departments", "/staff/departments", &bad).await;
    let page = Page::from_response(response).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("#name-error"), "错误：请填写单位名称");
    assert_eq!(page.text("#emails-error"), "错误：“not-an-address”不是有效的电子邮箱地址");
    assert!(page.select("#phone-error").len() == 1, "the phone is checked too");
    assert_eq!(page.field_value("emails").unwrap(), "rsj@tg.gov.cn， not-an-address");
    assert_eq!(page.field_value("contact_person").unwrap(), "王科长");
    assert!(Department::all(&mut app.conn()).unwrap().is_empty(), "nothing saved");

    let good = [
        ("name", " 区人社局 "),
        ("emails", "RSJ@TG.gov.cn；rsj2@tg.gov.cn"),
        ("contact_person", "王科长"),
        ("phone", "0562 2881234"),
    ];
    let response = app.post_with_csrf("/staff/departments", "/staff/departments", &good).await;
    assert_eq!(response.status(), 303);
    let page = app.follow(response).await;
    assert!(page.text(".flash").contains("已将“区人社局”加入单位名录"));
    assert_eq!(page.texts(".department-row td:first-child"), ["区人社局"]);
    let stored = find_department(&app, "区人社局");
    assert_eq!(stored.email_list(), ["RSJ@tg.gov.cn", "rsj2@tg.gov.cn"]);
    assert_eq!(stored.phone, "0562-2881234");

    // The name is unique.
    let again = [("name", "区人社局"), ("emails", "")];
    let page = Page::from_response(app.post_with_csrf("/staff/departments", "/staff/departments", &again).await).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("#name-error"), "错误：名录中已有名为“区人社局”的单位");

    // Editing: the stored values are shown, a change is saved, a bad one is explained.
    let edit = format!("/staff/departments/{}", stored.id);
    let page = app.page(&edit).await;
    assert_eq!(page.field_value("emails").unwrap(), "RSJ@tg.gov.cn, rsj2@tg.gov.cn");
    let changed =
        [("name", "区人力资源和社会保障局"), ("emails", "hr@tg.gov.cn"), ("contact_person", "李"), ("phone", "")];
    assert_eq!(app.post_with_csrf(&edit, &edit, &changed).await.status(), 303);
    let renamed = Department::find(&mut app.conn(), stored.id).unwrap();
    assert_eq!((renamed.name.as_str(), renamed.emails.as_str()), ("区人力资源和社会保障局", "hr@tg.gov.cn"));
    let page = Page::from_response(app.post_with_csrf(&edit, &edit, &[("name", "x"), ("emails", "@@")]).await).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.field_value("emails").unwrap(), "@@");
    assert_eq!(page.text("h1"), "修改单位信息：区人力资源和社会保障局");

    // Deactivating keeps the entry but marks it.
    let response = app.post_with_csrf(&edit, &format!("{edit}/active"), &[("active", "false")]).await;
    assert_eq!(response.status(), 303);
    assert!(!Department::find(&mut app.conn(), stored.id).unwrap().active);
    assert_eq!(app.page("/staff/departments").await.texts(".department-status"), ["已停用"]);
}

#[actix_web::test]
async fn a_drafter_sees_the_directory_but_cannot_change_it() {
    let Office { app, .. } = office().await;
    let id = department(&app, "区科技局", "kjj@tg.gov.cn");
    login_ok(&app, "wang").await;
    let page = app.page("/staff/departments").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.texts(".department-row td:first-child"), ["区科技局"]);
    assert!(page.select("form[action='/staff/departments']").is_empty(), "no form to add one");
    assert_eq!(app.page(&format!("/staff/departments/{id}")).await.status, 403);
    let response = app.post_with_csrf("/staff/departments", "/staff/departments", &[("name", "偷加的单位")]).await;
    assert_eq!(response.status(), 403);
    let edit = format!("/staff/departments/{id}");
    let response = app.post_with_csrf("/staff/departments", &format!("{edit}/active"), &[("active", "false")]).await;
    assert_eq!(response.status(), 403);
    let all = Department::all(&mut app.conn()).unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].active);
}

#[actix_web::test]
async fn a_drafter_invites_departments_and_each_letter_carries_a_link_that_opens_its_reply_page() {
    let smtp = SmtpServer::start().await;
    let Office { app, wang_owns, li_owns } = office_with(with_smtp(smtp.port)).await;
    let hr = department(&app, "区人社局", "rsj@tg.gov.cn");
    let sq = department(&app, "社区办", "");
    let kj = department(&app, "区科技局", "kjj@tg.gov.cn");
    login_ok(&app, "wang").await;
    let path = format!("/staff/consultations/{wang_owns}/invitations");
    let page = app.page(&path).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.field_value("deadline").unwrap(), china_day(28).to_string(), "the consultation's end");
    assert_eq!(page.select("input[name=department]").len(), 3);
    assert!(page.text(&format!("label[for='department-{sq}']")).contains("未登记电子邮箱"));
    assert_eq!(
        app.page(&format!("/staff/consultations/{wang_owns}")).await.select(&format!("a[href='{path}']")).len(),
        1
    );

    // A deadline in the past is refused; the choice is kept.
    let page =
        Page::from_response(invite_through_the_page(&app, wang_owns, &[hr], &china_day(-1).to_string()).await).await;
    assert_eq!(page.status, 422);
    assert!(page.text("#deadline-error").contains("反馈截止日期不能早于今天"));
    assert_eq!(page.select("input[name=department][checked]").len(), 1);
    let page =
        Page::from_response(invite_through_the_page(&app, wang_owns, &[], &china_day(20).to_string()).await).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("#departments-error"), "错误：请至少选择一个单位");

    let deadline = china_day(20).to_string();
    let response = invite_through_the_page(&app, wang_owns, &[hr, sq], &deadline).await;
    assert_eq!(response.status(), 303);
    let page = app.follow(response).await;
    assert!(page.text(".flash").contains("已邀请 2 个单位"));
    assert!(page.text(".flash").contains("社区办 未登记电子邮箱"), "a warning, not a refusal");
    let mut listed = row_texts(&page, ".department");
    listed.sort();
    assert_eq!(listed, ["区人社局", "社区办 无邮箱"]);
    assert_eq!(row_texts(&page, ".deadline"), [deadline.clone(), deadline.clone()]);
    assert_eq!(page.text("#count-consulted"), "2");
    assert_eq!(page.text("#count-pending"), "2");
    assert_eq!(page.select("input[name=department]").len(), 1, "only 区科技局 is left to invite");

    let messages = smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1, "one letter: 社区办 has no address");
    let letter = &messages[0];
    assert_eq!(letter.to().and_then(|t| t.first()).and_then(|a| a.address()), Some("rsj@tg.gov.cn"));
    assert_eq!(letter.subject(), Some("【征求意见函】关于征求《王负责的征集（征求意见稿）》意见的函"));
    let link = path_of_link(&letter.body_text(0).unwrap());
    let reply_page = app.page(&link).await;
    assert_eq!(reply_page.status, 200);
    assert!(reply_page.text(".facts").contains("区人社局"));
    assert!(reply_page.text(".facts").contains(&deadline));

    // Another drafter's consultation is refused, and nothing is created there.
    let theirs = format!("/staff/consultations/{li_owns}/invitations");
    assert_eq!(app.page(&theirs).await.status, 403);
    let ids = [kj.to_string(), deadline.clone()];
    let response = app.post_with_csrf(&path, &theirs, &[("department", &ids[0]), ("deadline", &ids[1])]).await;
    assert_eq!(response.status(), 403);
    let theirs_invited: i64 = invitations::table
        .filter(invitations::consultation_id.eq(li_owns))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(theirs_invited, 0);
}

#[actix_web::test]
async fn the_dashboard_shows_replies_no_opinion_reminders_and_silence_with_their_times() {
    let Office { app, wang_owns, .. } = office().await;
    let a = department(&app, "A局", "a@tg.gov.cn");
    let b = department(&app, "B局", "b@tg.gov.cn");
    let c = department(&app, "C局", "c@tg.gov.cn");
    login_ok(&app, "wang").await;
    let deadline = china_day(10);
    assert_eq!(invite_through_the_page(&app, wang_owns, &[a, b, c], &deadline.to_string()).await.status(), 303);
    let dashboard = app.page("/staff").await;
    assert!(dashboard.texts(".departments-pending").contains(&"3 个单位未反馈".to_owned()));

    let a_link = path_of_link(&mail_bodies_to(&app, "a@tg.gov.cn", 1).await[0]);
    let b_link = path_of_link(&mail_bodies_to(&app, "b@tg.gov.cn", 1).await[0]);
    let sent = app
        .post_form(
            &a_link,
            &[
                ("contact_person", "王科长"),
                ("contact_phone", "0562-2881234"),
                ("body_1", "第一条意见"),
                ("body_2", "第二条意见"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(sent.status(), 303);
    let none = app
        .post_form(&b_link, &[("contact_person", "李主任"), ("contact_phone", "13912345678"), ("action", "no_opinion")])
        .await;
    assert_eq!(none.status(), 303);
    // Two days before the deadline 丙局 is reminded; after it, its silence is recorded.
    let url = app.settings.public_url.clone();
    let mut conn = app.conn();
    let reminded = jobs::run_due(&mut conn, Utc::now() + Duration::days(8), 3, &url).unwrap();
    assert_eq!(reminded.reminders, 1);
    assert_eq!(jobs::run_due(&mut conn, Utc::now() + Duration::days(12), 3, &url).unwrap().overdue, 1);

    let page = app.page(&format!("/staff/consultations/{wang_owns}/invitations")).await;
    assert_eq!(row_texts(&page, ".department"), ["A局", "B局", "C局"]);
    assert_eq!(row_texts(&page, ".reply-state"), ["已反馈意见", "无意见", "逾期未反馈（视为无意见）"]);
    assert_eq!(row_texts(&page, ".opinion-count"), ["2", "0", "0"]);
    assert_eq!(row_texts(&page, ".reply-contact"), ["王科长 0562-2881234", "李主任 13912345678", ""]);
    let stored = Invitation::with_departments(&mut conn, wang_owns).unwrap();
    let china = |at: Option<chrono::NaiveDateTime>| at.map(format_china).unwrap_or_default();
    assert_eq!(
        row_texts(&page, ".responded-at"),
        stored.iter().map(|(i, _)| china(i.responded_at)).collect::<Vec<_>>()
    );
    assert!(!row_texts(&page, ".responded-at")[0].is_empty());
    assert_eq!(row_texts(&page, ".reminded-at")[2], china(stored[2].0.reminded_at), "the reminder's time, China time");
    assert_eq!(row_texts(&page, ".invited-at")[0], format_china(stored[0].0.invited_at));
    let counts: Vec<String> = ["consulted", "opinions", "no-opinion", "pending", "overdue"]
        .iter()
        .map(|c| page.text(&format!("#count-{c}")))
        .collect();
    assert_eq!(counts, ["3", "1", "1", "0", "1"]);
    assert!(app.page("/staff").await.select(".departments-pending").is_empty(), "nobody is waited for any more");
}

#[actix_web::test]
async fn a_new_link_is_mailed_or_shown_once_and_the_earlier_link_still_works() {
    let Office { app, wang_owns, .. } = office().await;
    let hr = department(&app, "区人社局", "rsj@tg.gov.cn");
    let sq = department(&app, "社区办", "");
    login_ok(&app, "wang").await;
    assert_eq!(invite_through_the_page(&app, wang_owns, &[hr, sq], &china_day(20).to_string()).await.status(), 303);
    let first = path_of_link(&mail_bodies_to(&app, "rsj@tg.gov.cn", 1).await[0]);
    let path = format!("/staff/consultations/{wang_owns}/invitations");
    let invited = Invitation::with_departments(&mut app.conn(), wang_owns).unwrap();
    let invitation_of = |d: DepartmentId| invited.iter().find(|(_, dep)| dep.id == d).unwrap().0.id;
    let (hr_invitation, sq_invitation) = (invitation_of(hr), invitation_of(sq));

    // 社区办 has no address: its link is shown once, for staff to pass on by phone.
    let response = app.post_with_csrf(&path, &format!("{path}/{sq_invitation}/link"), &[("deliver", "show")]).await;
    let page = Page::from_response(response).await;
    assert_eq!(page.status, 200);
    assert!(page.text(".new-link").contains("此链接只显示这一次"));
    let shown = page.select("#new-link-url").first().unwrap().value().attr("value").unwrap().to_owned();
    let shown_path = path_of_link(&shown);
    assert!(shown.starts_with(&app.settings.public_url));
    let reply_page = app.page(&shown_path).await;
    assert_eq!(reply_page.status, 200);
    assert!(reply_page.text(".facts").contains("社区办"));
    let token = shown_path.trim_start_matches("/replies/");
    assert!(!app.page(&path).await.body.contains(token), "not shown again");
    let stored: Vec<String> =
        invitation_tokens::table.select(invitation_tokens::token_hash).load(&mut app.conn()).unwrap();
    assert!(!stored.iter().any(|h| h == token), "stored only as a hash");
    // Mailing it is not possible without an address.
    let response = app.post_with_csrf(&path, &format!("{path}/{sq_invitation}/link"), &[("deliver", "mail")]).await;
    assert!(app.follow(response).await.text(".flash").contains("未登记电子邮箱"));

    // 区人社局 gets the letter again with a new link; the first one still works.
    let response = app.post_with_csrf(&path, &format!("{path}/{hr_invitation}/link"), &[("deliver", "mail")]).await;
    assert!(app.follow(response).await.text(".flash").contains("原链接仍然有效"));
    let bodies = mail_bodies_to(&app, "rsj@tg.gov.cn", 2).await;
    let second = bodies.iter().map(|b| path_of_link(b)).find(|l| *l != first).expect("a new link");
    assert_eq!(app.page(&second).await.status, 200);
    assert_eq!(app.page(&first).await.status, 200);
    let letters: i64 = outbox::table
        .filter(outbox::recipient.eq("rsj@tg.gov.cn"))
        .filter(outbox::kind.eq(MailKind::Invitation))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(letters, 2);
}

#[actix_web::test]
async fn the_review_round_pages_label_every_field_and_carry_csrf_tokens() {
    let Office { app, wang_owns, .. } = office().await;
    let id = department(&app, "区科技局", "kjj@tg.gov.cn");
    login_ok(&app, "root").await;
    for path in [
        "/staff/departments".to_owned(),
        format!("/staff/departments/{id}"),
        format!("/staff/consultations/{wang_owns}/invitations"),
        format!("/staff/consultations/{wang_owns}/intake"),
        "/staff/mail".to_owned(),
    ] {
        let page = app.page(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.select("h1").len(), 1, "{path}: one h1");
        assert!(page.select("script").is_empty(), "{path}: no JavaScript");
        for input in page.select("input:not([type=hidden]), textarea, select") {
            let field = input.value().attr("id").unwrap_or_else(|| panic!("{path}: a field without an id"));
            assert_eq!(page.select(&format!("label[for='{field}']")).len(), 1, "{path}: a label for #{field}");
        }
        for form in page.select("form[method=post]") {
            let has_token = form.select(&scraper::Selector::parse("input[name=csrf]").unwrap()).next().is_some();
            assert!(has_token, "{path}: every form carries a CSRF token");
        }
    }
}

#[actix_web::test]
async fn every_review_round_post_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let Office { app, wang_owns, .. } = office().await;
    let hr = department(&app, "区人社局", "rsj@tg.gov.cn");
    let kj = department(&app, "区科技局", "kjj@tg.gov.cn");
    let letters = |_: &Department, _: &str| Vec::new();
    let all = [Department::find(&mut app.conn(), hr).unwrap()];
    zhengqiu::services::invitations::invite(
        &mut app.conn(),
        wang_owns,
        &all,
        china_day(20),
        Utc::now().naive_utc(),
        letters,
    )
    .unwrap();
    let invitation = Invitation::for_department(&mut app.conn(), wang_owns, hr).unwrap().unwrap();
    login_ok(&app, "root").await;
    let c = format!("/staff/consultations/{wang_owns}");
    let deadline = china_day(20).to_string();
    let kj_id = kj.to_string();
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/staff/departments".into(), vec![("name", "伪造的单位")]),
        (format!("/staff/departments/{hr}"), vec![("name", "被篡改的名称")]),
        (format!("/staff/departments/{hr}/active"), vec![("active", "false")]),
        (format!("{c}/invitations"), vec![("department", &kj_id), ("deadline", &deadline)]),
        (format!("{c}/invitations/{}/link", invitation.id), vec![("deliver", "show")]),
        ("/staff/mail/1/retry".into(), vec![]),
    ];
    for (path, fields) in &posts {
        for token in [None, Some("0".repeat(64))] {
            let mut form = fields.clone();
            if let Some(token) = &token {
                form.push(("csrf", token));
            }
            let page = Page::from_response(app.post_form(path, &form).await).await;
            assert_eq!(page.status, 403, "{path} with token {token:?}");
        }
    }
    let form = reqwest::multipart::Form::new()
        .text("csrf", "forged")
        .text("author_name", "伪造")
        .text("channel", "letter")
        .text("received_on", china_day(0).to_string())
        .text("body", "伪造的意见");
    let response = app.client.post(app.url(&format!("{c}/intake"))).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 403);

    let departments = Department::all(&mut app.conn()).unwrap();
    let mut names: Vec<&str> = departments.iter().map(|d| d.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["区人社局", "区科技局"]);
    assert!(departments.iter().all(|d| d.active));
    let invited: i64 = invitations::table.count().get_result(&mut app.conn()).unwrap();
    let tokens: i64 = invitation_tokens::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!((invited, tokens), (1, 1));
    assert_eq!(zhengqiu::models::Consultation::find(&mut app.conn(), wang_owns).unwrap().opinion_count, 0);
}
