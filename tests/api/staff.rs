//! Staff pages: login, sessions, CSRF, roles, creating, uploading and publishing consultations, accounts.

use std::io::{Cursor, Write};

use chrono::Utc;
use reqwest::multipart::{Form, Part};

use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::ConsultationId;
use zhengqiu::models::{Consultation, User};
use zhengqiu::services::accounts::add_user;

use crate::helpers::{
    Page, SMALL_DRAFT, STAFF_PASSWORD, TestApp, china_day, login, login_ok, spawn_app, spawn_seeded_app,
};

const CSRF_MESSAGE: &str = "页面已过期或来源不明，请刷新页面后重试";

/// An app with an administrator `root`, drafters `wang` and `li`, and an unpublished
/// consultation with a draft for each drafter.
struct Office {
    app: TestApp,
    wang_owns: ConsultationId,
    li_owns: ConsultationId,
}

async fn office() -> Office {
    let app = spawn_app().await;
    app.create_user("root", Role::Admin);
    let wang = app.create_user_with("wang", "王起草", Role::Drafter, STAFF_PASSWORD);
    let li = app.create_user_with("li", "李起草", Role::Drafter, STAFF_PASSWORD);
    let wang_owns = app.create_consultation_with("王负责的征集", china_day(0), china_day(29), SMALL_DRAFT, false);
    let li_owns = app.create_consultation_with("李负责的征集", china_day(0), china_day(29), SMALL_DRAFT, false);
    app.set_owner(wang_owns, Some(wang));
    app.set_owner(li_owns, Some(li));
    Office { app, wang_owns, li_owns }
}

fn consultation(app: &TestApp, id: ConsultationId) -> Consultation {
    Consultation::find(&mut app.conn(), id).expect("the consultation")
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").expect("a Location header").to_str().unwrap().to_owned()
}

async fn upload(app: &TestApp, id: ConsultationId, file_name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let path = format!("/staff/consultations/{id}/draft");
    let token = app.csrf_token(&path).await;
    let form = Form::new()
        .text("csrf", token)
        .text("version_label", "征求意见稿")
        .part("file", Part::bytes(bytes).file_name(file_name.to_owned()));
    app.client.post(app.url(&path)).multipart(form).send().await.expect("upload")
}

/// A consultation created through the form by whoever is logged in, with no draft yet.
async fn create_through_the_form(app: &TestApp, title: &str) -> ConsultationId {
    let form = [
        ("title", title),
        ("issuer", "测试县司法局"),
        ("starts_on", &china_day(0).to_string()),
        ("ends_on", &china_day(29).to_string()),
    ];
    let response = app.post_with_csrf("/staff/consultations/new", "/staff/consultations/new", &form).await;
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    let to = location(&response);
    let id = to.trim_start_matches("/staff/consultations/").trim_end_matches("/draft");
    ConsultationId(id.parse().unwrap_or_else(|_| panic!("created at {to}")))
}

#[actix_web::test]
async fn logging_in_with_the_right_password_shows_the_dashboard() {
    let Office { app, .. } = office().await;
    let response = login(&app, "wang", STAFF_PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/staff");
    let page = app.page("/staff").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("h1"), "意见征集管理");
    assert_eq!(page.text(".staff-name"), "王起草");
    assert_eq!(page.texts(".consultation-row td:first-child a:first-child"), ["王负责的征集"]);
    assert!(page.select("form[action='/staff/logout'] button").len() == 1, "a logout button");
    let last_login = User::list(&mut app.conn()).unwrap().into_iter().find(|u| u.username == "wang").unwrap();
    assert!(last_login.last_login_at.is_some(), "the login time is recorded");
}

#[actix_web::test]
async fn a_wrong_password_shows_the_message_and_keeps_the_username_but_not_the_password() {
    let Office { app, .. } = office().await;
    let response = login(&app, "wang", "not-the-password-42").await;
    assert_eq!(response.status().as_u16(), 422);
    let page = Page::from_response(response).await;
    assert_eq!(page.text(".error-message"), "用户名或密码错误。");
    assert_eq!(page.field_value("username").as_deref(), Some("wang"));
    assert_eq!(page.field_value("password"), None, "the password field is empty");
    assert!(!page.body.contains("not-the-password-42"));
    assert_eq!(app.page("/staff").await.status, 303, "not logged in");
}

#[actix_web::test]
async fn an_unknown_user_gets_the_same_message_as_a_wrong_password() {
    let Office { app, .. } = office().await;
    let unknown = Page::from_response(login(&app, "nobody", STAFF_PASSWORD).await).await;
    let wrong = Page::from_response(login(&app, "wang", "wrong-password-42").await).await;
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.text(".error-message"), wrong.text(".error-message"));
    assert_eq!(unknown.field_value("username").as_deref(), Some("nobody"));
}

#[actix_web::test]
async fn a_deactivated_account_cannot_log_in_and_its_open_session_ends() {
    let Office { app, .. } = office().await;
    login_ok(&app, "wang").await;
    let wang = User::list(&mut app.conn()).unwrap().into_iter().find(|u| u.username == "wang").unwrap();
    User::set_active(&mut app.conn(), wang.id, false, Utc::now().naive_utc()).unwrap();
    assert_eq!(app.page("/staff").await.status, 303, "the open session no longer works");
    let page = Page::from_response(login(&app, "wang", STAFF_PASSWORD).await).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text(".error-message"), "该账号已停用，请联系管理员。");
}

#[actix_web::test]
async fn logging_out_ends_the_session() {
    let Office { app, .. } = office().await;
    login_ok(&app, "wang").await;
    assert_eq!(app.page("/staff").await.status, 200);
    let response = app.post_with_csrf("/staff", "/staff/logout", &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    let cleared = response.cookies().find(|c| c.name() == "zq_staff").expect("the cookie is cleared");
    assert!(cleared.value().is_empty() || cleared.max_age() == Some(std::time::Duration::ZERO));
    let page = app.follow(response).await;
    assert!(page.body.contains("您已退出登录"));
    assert_eq!(app.page("/staff").await.status, 303);
}

#[actix_web::test]
async fn anonymous_visitors_are_sent_to_the_login_page_and_back_where_they_were() {
    let Office { app, wang_owns, .. } = office().await;
    let path = format!("/staff/consultations/{wang_owns}");
    let response = app.get(&path).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), format!("/staff/login?next=%2Fstaff%2Fconsultations%2F{wang_owns}"));
    for protected in ["/staff", "/staff/users", "/staff/consultations/new"] {
        assert_eq!(app.get(protected).await.status().as_u16(), 303, "{protected}");
    }
    let login_page = app.page(&location(&response)).await;
    assert_eq!(login_page.field_value("next"), Some(path.clone()));
    let token = login_page.field_value("csrf").unwrap();
    let form = [("username", "wang"), ("password", STAFF_PASSWORD), ("next", &path), ("csrf", &token)];
    let response = app.post_form("/staff/login", &form).await;
    assert_eq!(location(&response), path);
}

#[actix_web::test]
async fn the_login_form_never_redirects_to_another_site() {
    let Office { app, .. } = office().await;
    for next in [
        "https://evil.example/",
        "//evil.example/staff",
        "/\\evil.example",
        "/consultations/1",
        "/staff/consultations\r\nSet-Cookie: zq=1",
        "/staff/\nLocation: https://evil.example/",
        "javascript:alert(1)",
    ] {
        let page = app.page(&format!("/staff/login?next={}", urlencode(next))).await;
        let token = page.field_value("csrf").unwrap();
        let form = [("username", "wang"), ("password", STAFF_PASSWORD), ("next", next), ("csrf", &token)];
        let response = app.post_form("/staff/login", &form).await;
        assert_eq!(location(&response), "/staff", "{next}");
        app.post_with_csrf("/staff", "/staff/logout", &[]).await;
    }
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[actix_web::test]
async fn every_staff_post_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let Office { app, wang_owns, .. } = office().await;
    login_ok(&app, "root").await;
    let users_before = User::list(&mut app.conn()).unwrap().len();
    let root = User::list(&mut app.conn()).unwrap().into_iter().find(|u| u.username == "root").unwrap();
    let c = format!("/staff/consultations/{wang_owns}");
    let u = format!("/staff/users/{}", root.id);
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/staff/consultations/new".into(),
            vec![("title", "伪造的征集"), ("issuer", "x"), ("starts_on", "2026-01-01"), ("ends_on", "2026-03-01")],
        ),
        (
            c.clone(),
            vec![("title", "被篡改的标题"), ("issuer", "x"), ("starts_on", "2026-01-01"), ("ends_on", "2026-03-01")],
        ),
        (format!("{c}/publish"), vec![]),
        (format!("{c}/withdraw"), vec![]),
        (
            "/staff/users".into(),
            vec![
                ("username", "intruder"),
                ("display_name", "入侵者"),
                ("role", "admin"),
                ("password", "intruder-password"),
            ],
        ),
        (format!("{u}/password"), vec![("password", "a-new-password-123")]),
        (format!("{u}/active"), vec![("active", "false")]),
        ("/staff/logout".into(), vec![]),
        ("/staff/login".into(), vec![("username", "root"), ("password", STAFF_PASSWORD)]),
    ];
    for (path, fields) in &posts {
        for token in [None, Some("0".repeat(64))] {
            let mut form = fields.clone();
            if let Some(token) = &token {
                form.push(("csrf", token));
            }
            let page = Page::from_response(app.post_form(path, &form).await).await;
            assert_eq!(page.status, 403, "{path} with token {token:?}");
            assert!(page.body.contains(CSRF_MESSAGE), "{path}: {}", page.body);
        }
    }
    // The upload form is multipart: it is checked too.
    let form = Form::new().text("csrf", "forged").part("file", Part::bytes(SMALL_DRAFT.as_bytes()).file_name("x.txt"));
    let response = app.client.post(app.url(&format!("{c}/draft"))).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let form = Form::new().part("file", Part::bytes(SMALL_DRAFT.as_bytes()).file_name("x.txt"));
    let response = app.client.post(app.url(&format!("{c}/draft"))).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);

    let after = consultation(&app, wang_owns);
    assert_eq!(after.title, "王负责的征集");
    assert!(!after.is_published());
    assert_eq!(Consultation::count(&mut app.conn()).unwrap(), 2);
    let users = User::list(&mut app.conn()).unwrap();
    assert_eq!(users.len(), users_before);
    let root_after = users.iter().find(|u| u.username == "root").unwrap();
    assert!(root_after.active);
    assert_eq!(root_after.password_hash, root.password_hash);
    assert_eq!(app.page("/staff").await.status, 200, "still logged in: the forged logout did nothing");
    let drafts = zhengqiu::models::Draft::current_for(&mut app.conn(), wang_owns).unwrap().unwrap();
    assert_eq!(drafts.source_name, "draft.txt", "no draft was uploaded");
}

#[actix_web::test]
async fn a_drafter_cannot_view_edit_publish_or_upload_to_another_drafters_consultation() {
    let Office { app, wang_owns, li_owns } = office().await;
    login_ok(&app, "wang").await;
    let mine = format!("/staff/consultations/{wang_owns}");
    let theirs = format!("/staff/consultations/{li_owns}");
    assert_eq!(app.page(&mine).await.status, 200);
    for path in [theirs.clone(), format!("{theirs}/draft")] {
        let page = app.page(&path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.body.contains("您无权管理此意见征集"), "{path}");
    }
    let edit = [("title", "被王改掉"), ("issuer", "x"), ("starts_on", "2026-01-01"), ("ends_on", "2026-03-01")];
    assert_eq!(app.post_with_csrf(&mine, &theirs, &edit).await.status().as_u16(), 403);
    assert_eq!(app.post_with_csrf(&mine, &format!("{theirs}/publish"), &[]).await.status().as_u16(), 403);
    let token = app.csrf_token(&mine).await;
    let form = Form::new().text("csrf", token).part("file", Part::bytes(SMALL_DRAFT.as_bytes()).file_name("x.txt"));
    let response = app.client.post(app.url(&format!("{theirs}/draft"))).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let untouched = consultation(&app, li_owns);
    assert_eq!(untouched.title, "李负责的征集");
    assert!(!untouched.is_published());
    let dashboard = app.page("/staff").await;
    assert!(!dashboard.body.contains("李负责的征集"), "the dashboard lists only a drafter's own");

    // An administrator manages both.
    login_ok(&app, "root").await;
    assert_eq!(app.page(&theirs).await.status, 200);
    let response = app.post_with_csrf(&theirs, &format!("{theirs}/publish"), &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert!(consultation(&app, li_owns).is_published());
    let dashboard = app.page("/staff").await;
    let titles = dashboard.texts(".consultation-row td:first-child a:first-child");
    assert!(titles.contains(&"李负责的征集".to_owned()) && titles.contains(&"王负责的征集".to_owned()), "{titles:?}");
    assert!(dashboard.texts(".owner").contains(&"李起草".to_owned()));
}

#[actix_web::test]
async fn a_drafter_cannot_open_or_use_the_accounts_pages() {
    let Office { app, .. } = office().await;
    login_ok(&app, "wang").await;
    let page = app.page("/staff/users").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("此页面仅限管理员使用"));
    assert!(app.page("/staff").await.select("a[href='/staff/users']").is_empty(), "no link to it either");
    let form = [("username", "sneaky"), ("display_name", "x"), ("role", "admin"), ("password", "sneaky-password")];
    let response = app.post_with_csrf("/staff", "/staff/users", &form).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(User::list(&mut app.conn()).unwrap().iter().all(|u| u.username != "sneaky"));
}

#[actix_web::test]
async fn a_ten_day_window_needs_a_reason_and_the_form_keeps_every_typed_value() {
    let Office { app, .. } = office().await;
    login_ok(&app, "wang").await;
    let (start, end) = (china_day(1).to_string(), china_day(10).to_string());
    let mut form = vec![
        ("title", "关于《测试县养犬管理办法》公开征求意见"),
        ("issuer", "测试县公安局"),
        ("notice", "为规范养犬行为，现公开征求意见。"),
        ("how_to_comment", "也可发送电子邮件至 test@example.gov.cn。"),
        ("starts_on", &start),
        ("ends_on", &end),
        ("short_period_reason", ""),
    ];
    let response = app.post_with_csrf("/staff/consultations/new", "/staff/consultations/new", &form).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = Page::from_response(response).await;
    assert!(page.text("#short_period_reason-error").contains("征集期少于30日，请说明理由"));
    assert_eq!(
        page.select("#short_period_reason")[0].value().attr("aria-describedby"),
        Some("short_period_reason-hint short_period_reason-error")
    );
    for (name, value) in &form[..6] {
        assert_eq!(page.field_value(name).as_deref(), Some(*value), "{name} is kept");
    }
    assert_eq!(Consultation::count(&mut app.conn()).unwrap(), 2, "nothing was created");

    form[6] = ("short_period_reason", "上级部署要求年底前出台");
    let response = app.post_with_csrf("/staff/consultations/new", "/staff/consultations/new", &form).await;
    assert_eq!(response.status().as_u16(), 303);
    let page = app.follow(response).await;
    assert!(page.body.contains("意见征集已创建"));
    let created = Consultation::list_published(&mut app.conn()).unwrap();
    assert!(created.is_empty(), "created unpublished");
    let mine = app.page("/staff").await.texts(".consultation-row td:first-child a:first-child");
    assert!(mine.contains(&"关于《测试县养犬管理办法》公开征求意见".to_owned()), "the drafter owns it: {mine:?}");
}

#[actix_web::test]
async fn the_new_consultation_form_defaults_to_thirty_days_from_today() {
    let Office { app, .. } = office().await;
    login_ok(&app, "root").await;
    let page = app.page("/staff/consultations/new").await;
    assert_eq!(page.field_value("starts_on"), Some(china_day(0).to_string()));
    assert_eq!(page.field_value("ends_on"), Some(china_day(29).to_string()));
    let owners = page.texts("select[name=owner] option");
    assert_eq!(owners, ["暂不分配", "李起草", "王起草"], "an administrator chooses among drafters");
}

#[actix_web::test]
async fn an_administrator_assigns_a_new_consultation_to_a_drafter() {
    let Office { app, .. } = office().await;
    let li = User::list(&mut app.conn()).unwrap().into_iter().find(|u| u.username == "li").unwrap();
    login_ok(&app, "root").await;
    let form = [
        ("title", "分配给李的征集"),
        ("issuer", "测试县人民政府"),
        ("starts_on", &china_day(0).to_string()),
        ("ends_on", &china_day(40).to_string()),
        ("owner", &li.id.to_string()),
    ];
    let response = app.post_with_csrf("/staff/consultations/new", "/staff/consultations/new", &form).await;
    assert_eq!(response.status().as_u16(), 303);
    login_ok(&app, "li").await;
    let titles = app.page("/staff").await.texts(".consultation-row td:first-child a:first-child");
    assert_eq!(titles, ["分配给李的征集", "李负责的征集"]);
}

#[actix_web::test]
async fn editing_a_consultation_saves_the_changes_and_a_bad_edit_keeps_the_typed_values() {
    let Office { app, wang_owns, .. } = office().await;
    login_ok(&app, "wang").await;
    let path = format!("/staff/consultations/{wang_owns}");
    let good = [
        ("title", "改过的标题"),
        ("issuer", "测试县人民政府"),
        ("starts_on", &china_day(0).to_string()),
        ("ends_on", &china_day(29).to_string()),
    ];
    let response = app.post_with_csrf(&path, &path, &good).await;
    let page = app.follow(response).await;
    assert_eq!(page.text("h1"), "改过的标题");
    assert!(page.body.contains("已保存修改"));
    let bad = [("title", "  "), ("issuer", "改过的单位"), ("starts_on", "2026-13-40"), ("ends_on", "")];
    let response = app.post_with_csrf(&path, &path, &bad).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = Page::from_response(response).await;
    assert_eq!(page.text("#title-error"), "错误：请填写标题");
    assert!(page.text("#starts_on-error").contains("年-月-日"));
    assert_eq!(page.field_value("issuer").as_deref(), Some("改过的单位"));
    assert_eq!(page.field_value("starts_on").as_deref(), Some("2026-13-40"));
    assert_eq!(page.select(".error-summary a[href='#title']").len(), 1, "the summary links to the field");
    assert_eq!(consultation(&app, wang_owns).title, "改过的标题", "the bad edit changed nothing");
}

/// A minimal Word document with one paragraph per line of `text`.
fn docx(text: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let paragraphs: String =
        text.lines().map(|l| format!("<w:p><w:r><w:t xml:space=\"preserve\">{l}</w:t></w:r></w:p>")).collect();
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<Types/>").unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    let xml =
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>{paragraphs}</w:body></w:document>"#);
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

const NEW_DRAFT: &str = "测试县文明养犬管理办法\n第一章 总则\n第一条 为了规范养犬行为，制定本办法。\n第二条 本办法适用于本县城区。\n第二章 管理\n第三条 养犬人应当办理登记。\n";

#[actix_web::test]
async fn an_uploaded_text_gbk_or_word_draft_shows_its_outline() {
    let Office { app, .. } = office().await;
    login_ok(&app, "wang").await;
    let id = create_through_the_form(&app, "养犬管理办法征求意见").await;
    let (gbk, _, _) = encoding_rs::GBK.encode(NEW_DRAFT);
    for (file_name, bytes) in [
        ("养犬.txt", NEW_DRAFT.as_bytes().to_vec()),
        ("养犬-gbk.txt", gbk.into_owned()),
        ("养犬.docx", docx(NEW_DRAFT)),
    ] {
        let response = upload(&app, id, file_name, bytes).await;
        assert_eq!(response.status().as_u16(), 303, "{file_name}: {}", response.text().await.unwrap());
        let page = app.follow(response).await;
        assert!(page.body.contains("已上传征求意见稿"), "{file_name}");
        let outline = page.texts(".outline-title");
        let titles: Vec<&str> = outline.iter().map(String::as_str).collect();
        let expected = [
            "第一章 总则",
            "第一条 为了规范养犬行为，制定本办法",
            "第二条 本办法适用于本县城区",
            "第二章 管理",
            "第三条 养犬人应当办理登记",
        ];
        // The title line is kept as a preamble before the first heading.
        assert_eq!(titles[titles.len() - 5..], expected, "{file_name}: {outline:?}");
        assert!(page.text(".draft-title").starts_with("测试县文明养犬管理办法"), "{file_name}");
    }
}

#[actix_web::test]
async fn a_draft_without_numbering_can_be_split_by_paragraph() {
    let Office { app, .. } = office().await;
    login_ok(&app, "wang").await;
    let id = create_through_the_form(&app, "工作计划征求意见").await;
    let text = "今年要做好三件事。\n\n一是抓好教育，办好每一所学校。\n二是抓好医疗，建好社区卫生站。\n三是抓好养老。\n";
    let path = format!("/staff/consultations/{id}/draft");
    let form = Form::new()
        .text("csrf", app.csrf_token(&path).await)
        .text("version_label", "征求意见稿")
        .text("split", "paragraphs")
        .part("file", Part::bytes(text.as_bytes().to_vec()).file_name("计划.txt".to_owned()));
    let response = app.client.post(app.url(&path)).multipart(form).send().await.unwrap();
    let page = app.follow(response).await;
    let outline = page.texts(".outline-title");
    assert_eq!(
        outline,
        [
            "第1段 今年要做好三件事",
            "第2段 一是抓好教育，办好每一所学校",
            "第3段 二是抓好医疗，建好社区卫生站",
            "第4段 三是抓好养老"
        ]
    );
}

#[actix_web::test]
async fn an_empty_or_missing_upload_is_refused_with_a_chinese_message() {
    let Office { app, wang_owns, .. } = office().await;
    login_ok(&app, "wang").await;
    let response = upload(&app, wang_owns, "empty.txt", Vec::new()).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = Page::from_response(response).await;
    assert_eq!(page.text("#file-error"), "错误：无法导入“empty.txt”：文件为空");
    let response = upload(&app, wang_owns, "scan.pdf", b"%PDF-1.7 ...".to_vec()).await;
    let page = Page::from_response(response).await;
    assert!(page.text("#file-error").contains("不支持"), "{}", page.text("#file-error"));
    let path = format!("/staff/consultations/{wang_owns}/draft");
    let token = app.csrf_token(&path).await;
    let form = Form::new().text("csrf", token).part("file", Part::bytes(Vec::new()).file_name(""));
    let page = Page::from_response(app.client.post(app.url(&path)).multipart(form).send().await.unwrap()).await;
    assert_eq!(page.status, 422);
    assert!(page.text("#file-error").contains("请选择要上传的文件"));
}

#[actix_web::test]
async fn an_upload_over_the_size_limit_is_refused() {
    let app = crate::helpers::spawn_app_with(|s| s.upload_max_bytes = 1024).await;
    app.create_user("root", Role::Admin);
    let id = app.create_consultation_with("小文件限制", china_day(0), china_day(29), SMALL_DRAFT, false);
    login_ok(&app, "root").await;
    let response = upload(&app, id, "big.txt", NEW_DRAFT.repeat(20).into_bytes()).await;
    assert_eq!(response.status().as_u16(), 413);
    let page = Page::from_response(response).await;
    assert!(page.body.contains("上限"), "{}", page.body);
}

#[actix_web::test]
async fn publishing_puts_the_consultation_on_the_public_list_and_withdrawing_takes_it_off() {
    let Office { app, .. } = office().await;
    login_ok(&app, "wang").await;
    let id = create_through_the_form(&app, "待发布的征集").await;
    let path = format!("/staff/consultations/{id}");

    let page = app.follow(app.post_with_csrf(&path, &format!("{path}/publish"), &[]).await).await;
    assert!(page.text(".flash-error").contains("尚未上传征求意见稿，不能发布"));
    assert!(app.page("/").await.texts(".consultation-card h2").is_empty());

    upload(&app, id, "draft.txt", NEW_DRAFT.as_bytes().to_vec()).await;
    let page = app.follow(app.post_with_csrf(&path, &format!("{path}/publish"), &[]).await).await;
    assert!(page.text(".flash-ok").contains("已发布"));
    assert!(page.text(".published").starts_with("已发布"));
    assert_eq!(app.page("/").await.texts(".consultation-card h2"), ["待发布的征集"]);
    assert!(app.page(&format!("/consultations/{id}")).await.body.contains("养犬人应当办理登记"));

    app.follow(app.post_with_csrf(&path, &format!("{path}/withdraw"), &[]).await).await;
    assert!(app.page("/").await.texts(".consultation-card h2").is_empty());
    assert_eq!(app.page(&format!("/consultations/{id}")).await.status, 404);
}

#[actix_web::test]
async fn the_session_cookie_is_http_only_and_does_not_show_who_is_logged_in() {
    let Office { app, .. } = office().await;
    let response = login(&app, "wang", STAFF_PASSWORD).await;
    let cookie = response.cookies().find(|c| c.name() == "zq_staff").expect("a session cookie");
    assert!(cookie.http_only());
    assert!(cookie.same_site_lax());
    assert_eq!(cookie.path(), Some("/staff"));
    assert!(!cookie.secure(), "served over http here: a Secure cookie would never come back");
    assert!(cookie.max_age().is_none() && cookie.expires().is_none(), "gone when the browser closes");
    let value = cookie.value().to_owned();
    for clear in ["uid", "wang", "csrf", "login_at", "\"2\"", ":2"] {
        assert!(!value.contains(clear), "{clear} readable in {value}");
    }
    // A tampered cookie is not a session.
    let mut tampered = value.clone().into_bytes();
    // A character in the middle: near the end, base64 padding bits may be dropped on decoding,
    // so a change there can leave the cookie's bytes as they were.
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let other = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let forged = format!("zq_staff={}", String::from_utf8(tampered).unwrap());
    let response = other.get(app.url("/staff")).header("cookie", forged).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let genuine = format!("zq_staff={value}");
    let response = other.get(app.url("/staff")).header("cookie", genuine).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "the genuine cookie is the session");
}

#[actix_web::test]
async fn the_session_cookie_is_secure_when_the_site_is_served_over_https() {
    let app = crate::helpers::spawn_app_with(|s| s.public_url = "https://zhengqiu.example.gov.cn".into()).await;
    let response = app.get("/staff/login").await;
    let cookie = response.cookies().find(|c| c.name() == "zq_staff").expect("the login page sets the CSRF cookie");
    assert!(cookie.secure());
}

#[actix_web::test]
async fn user_add_creates_an_account_that_can_log_in() {
    let app = spawn_app().await;
    let now = Utc::now().naive_utc();
    let mut conn = app.conn();
    let added = add_user(&mut conn, "Zhang.San", "区司法局 张三", "admin", Some("a-chosen-password"), now).unwrap();
    assert_eq!(added.user.username, "zhang.san");
    assert!(added.user.is_admin());
    assert!(added.generated_password.is_none());
    assert!(!added.user.password_hash.contains("a-chosen-password"));
    let generated = add_user(&mut conn, "lisi", "李四", "drafter", None, now).unwrap();
    let password = generated.generated_password.expect("a generated password").expose().to_owned();
    assert!(password.len() >= 16);

    let err = add_user(&mut conn, "zhang.san", "重名", "drafter", Some("a-chosen-password"), now).unwrap_err();
    assert!(err.to_string().contains("已被使用"), "{err}");
    let err = add_user(&mut conn, "wangwu", "王五", "boss", Some("a-chosen-password"), now).unwrap_err();
    assert!(err.to_string().contains("--role"), "{err}");
    let err = add_user(&mut conn, "wangwu", "王五", "drafter", Some("short"), now).unwrap_err();
    assert!(err.to_string().contains("至少 10 个字符"), "{err}");

    assert_eq!(login(&app, "zhang.san", "a-chosen-password").await.status().as_u16(), 303);
    assert_eq!(app.page("/staff").await.text(".staff-name"), "区司法局 张三");
    assert_eq!(login(&app, "lisi", &password).await.status().as_u16(), 303);
}

#[actix_web::test]
async fn an_administrator_creates_an_account_and_a_bad_one_keeps_the_fields_but_not_the_password() {
    let Office { app, .. } = office().await;
    login_ok(&app, "root").await;
    let form = [("username", "Zhao"), ("display_name", "赵起草"), ("role", "drafter"), ("password", "short")];
    let response = app.post_with_csrf("/staff/users", "/staff/users", &form).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = Page::from_response(response).await;
    assert!(page.text("#password-error").contains("至少 10 个字符"));
    assert_eq!(page.field_value("username").as_deref(), Some("Zhao"));
    assert_eq!(page.field_value("display_name").as_deref(), Some("赵起草"));
    assert_eq!(page.field_value("password").as_deref(), Some(""));
    assert!(!page.body.contains("\"short\""));

    let form =
        [("username", "wang"), ("display_name", "又一个王"), ("role", "drafter"), ("password", "long-enough-pw")];
    let page = Page::from_response(app.post_with_csrf("/staff/users", "/staff/users", &form).await).await;
    assert!(page.text("#username-error").contains("已被使用"));

    let form = [("username", "Zhao"), ("display_name", "赵起草"), ("role", "drafter"), ("password", "long-enough-pw")];
    let page = app.follow(app.post_with_csrf("/staff/users", "/staff/users", &form).await).await;
    assert!(page.text(".flash-ok").contains("已创建账号 zhao"));
    assert!(page.texts(".account-row td:first-child").iter().any(|t| t == "zhao"));
    assert_eq!(login(&app, "zhao", "long-enough-pw").await.status().as_u16(), 303);
}

#[actix_web::test]
async fn an_administrator_cannot_deactivate_themself_but_can_deactivate_others() {
    let Office { app, .. } = office().await;
    let users = User::list(&mut app.conn()).unwrap();
    let root = users.iter().find(|u| u.username == "root").unwrap();
    let wang = users.iter().find(|u| u.username == "wang").unwrap();
    login_ok(&app, "root").await;
    let me = format!("/staff/users/{}", root.id);
    let page = app.follow(app.post_with_csrf(&me, &format!("{me}/active"), &[("active", "false")]).await).await;
    assert!(page.text(".flash-error").contains("不能停用自己的账号"));
    assert!(User::find(&mut app.conn(), root.id).unwrap().active);

    let them = format!("/staff/users/{}", wang.id);
    let page = app.follow(app.post_with_csrf(&them, &format!("{them}/active"), &[("active", "false")]).await).await;
    assert_eq!(page.text(".account-status"), "已停用");
    assert!(!User::find(&mut app.conn(), wang.id).unwrap().active);
}

#[actix_web::test]
async fn resetting_a_password_ends_the_sessions_opened_with_the_old_one() {
    let Office { app, .. } = office().await;
    let wang = User::list(&mut app.conn()).unwrap().into_iter().find(|u| u.username == "wang").unwrap();
    let wang_session = login(&app, "wang", STAFF_PASSWORD).await;
    let wang_cookie = wang_session.cookies().find(|c| c.name() == "zq_staff").unwrap().value().to_owned();

    login_ok(&app, "root").await;
    let path = format!("/staff/users/{}", wang.id);
    let short =
        Page::from_response(app.post_with_csrf(&path, &format!("{path}/password"), &[("password", "123")]).await).await;
    assert_eq!(short.status, 422);
    assert!(short.text("#password-error").contains("至少 10 个字符"));
    let response = app.post_with_csrf(&path, &format!("{path}/password"), &[("password", "brand-new-password")]).await;
    assert_eq!(response.status().as_u16(), 303);

    let other = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response =
        other.get(app.url("/staff")).header("cookie", format!("zq_staff={wang_cookie}")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303, "the old session is over");
    assert_eq!(login(&app, "wang", STAFF_PASSWORD).await.status().as_u16(), 422);
    assert_eq!(login(&app, "wang", "brand-new-password").await.status().as_u16(), 303);
}

#[actix_web::test]
async fn the_demo_data_comes_with_demo_logins_and_the_drafter_owns_the_demo_consultations() {
    let app = spawn_seeded_app().await;
    let logins = app.demo_logins.clone().expect("demo accounts at first start");
    let shown = logins.to_string();
    assert!(shown.starts_with("演示账号：admin / "), "{shown}");
    assert!(shown.contains("（管理员），drafter / ") && shown.ends_with("（起草人员）"), "{shown}");
    assert!(!format!("{logins:?}").contains(logins.admin_password.expose()), "no passwords in debug output");

    assert_eq!(login(&app, "drafter", logins.drafter_password.expose()).await.status().as_u16(), 303);
    let titles = app.page("/staff").await.texts(".consultation-row td:first-child a:first-child");
    assert_eq!(titles.len(), 6, "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("五大发展行动计划")));
    assert_eq!(login(&app, "admin", logins.admin_password.expose()).await.status().as_u16(), 303);
    assert_eq!(app.page("/staff/users").await.status, 200);

    let mut conn = app.conn();
    let again = zhengqiu::seed::demo_accounts(&mut conn, Utc::now().naive_utc()).unwrap();
    assert!(again.is_none(), "seeding again creates no accounts");
    assert_eq!(User::count(&mut conn).unwrap(), 2);
}

#[actix_web::test]
async fn staff_pages_label_every_field_and_work_without_javascript() {
    let Office { app, wang_owns, .. } = office().await;
    let footer = app.page("/").await;
    assert_eq!(footer.select("footer a[href='/staff/login']").len(), 1, "a discreet staff login link");
    let login_page = app.page("/staff/login").await;
    login_ok(&app, "root").await;
    let root = User::list(&mut app.conn()).unwrap().into_iter().find(|u| u.username == "root").unwrap();
    let mut pages = vec![login_page];
    for path in [
        "/staff".to_owned(),
        "/staff/consultations/new".to_owned(),
        format!("/staff/consultations/{wang_owns}"),
        format!("/staff/consultations/{wang_owns}/draft"),
        "/staff/users".to_owned(),
        format!("/staff/users/{}", root.id),
    ] {
        let page = app.page(&path).await;
        assert_eq!(page.status, 200, "{path}");
        pages.push(page);
    }
    for page in &pages {
        let title = page.text("title");
        assert_eq!(page.select("h1").len(), 1, "{title}: one h1");
        assert!(page.select("script").is_empty(), "{title}: no JavaScript");
        for input in page.select("input:not([type=hidden]), textarea, select") {
            let id = input.value().attr("id").unwrap_or_else(|| panic!("{title}: a field without an id"));
            assert_eq!(page.select(&format!("label[for='{id}']")).len(), 1, "{title}: a label for #{id}");
        }
        for form in page.select("form[method=post]") {
            let action = form.value().attr("action").unwrap_or_default();
            let has_token = form.select(&scraper::Selector::parse("input[name=csrf]").unwrap()).next().is_some();
            assert!(has_token, "{title}: the form to {action} carries a CSRF token");
        }
    }
    let response = app.get("/staff").await;
    assert_eq!(response.headers()["cache-control"], "no-store", "staff pages are not cached");
}

/// Rate windows are calendar minutes: start a burst early in one, so it is not split.
async fn start_of_a_rate_window() {
    let second = Utc::now().timestamp().rem_euclid(60);
    if second > 45 {
        actix_web::rt::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
}

#[actix_web::test]
async fn too_many_login_attempts_from_one_address_get_a_429_with_the_username_kept() {
    crate::helpers::within_one_rate_window().await;
    let app = crate::helpers::spawn_app_with(|s| s.rate_login_per_minute = 3).await;
    app.create_user("wang", Role::Drafter);
    start_of_a_rate_window().await;
    for _ in 0..3 {
        assert_eq!(login(&app, "wang", "wrong-password-42").await.status().as_u16(), 422);
    }
    let page = Page::from_response(login(&app, "wang", STAFF_PASSWORD).await).await;
    assert_eq!(page.status, 429);
    assert_eq!(page.text(".error-message"), "登录尝试过于频繁，请稍候一分钟再试。");
    assert_eq!(page.field_value("username").as_deref(), Some("wang"));
    assert_eq!(page.field_value("password"), None);
    assert_eq!(app.page("/staff").await.status, 303, "not logged in, even with the right password");
}

#[actix_web::test]
async fn guessing_one_accounts_password_from_many_addresses_is_throttled_too() {
    crate::helpers::within_one_rate_window().await;
    let app = crate::helpers::spawn_app_with(|s| {
        s.rate_login_per_minute = 3;
        s.trust_proxy = true;
    })
    .await;
    app.create_user("wang", Role::Drafter);
    app.create_user("li", Role::Drafter);
    start_of_a_rate_window().await;
    let attempt = |ip: &'static str, username: &'static str| {
        let app = &app;
        async move {
            let token = app.page("/staff/login").await.field_value("csrf").unwrap();
            let form = [("username", username), ("password", "wrong-password-42"), ("csrf", token.as_str())];
            let response = app.client.post(app.url("/staff/login")).header("X-Forwarded-For", ip).form(&form).send();
            response.await.unwrap().status().as_u16()
        }
    };
    for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_eq!(attempt(ip, "wang").await, 422);
    }
    assert_eq!(attempt("203.0.113.4", "wang").await, 429, "a fourth address, the same account");
    assert_eq!(attempt("203.0.113.5", "li").await, 422, "other accounts are not affected");
}

#[actix_web::test]
async fn a_staff_post_from_another_site_gets_the_403_page_and_changes_nothing() {
    let Office { app, wang_owns, .. } = office().await;
    login_ok(&app, "wang").await;
    let token = app.csrf_token(&format!("/staff/consultations/{wang_owns}")).await;
    let publish = app.url(&format!("/staff/consultations/{wang_owns}/publish"));
    let own_page = app.url(&format!("/staff/consultations/{wang_owns}"));
    let attempts: [(Option<&str>, Option<&str>); 4] = [
        (Some("https://evil.example"), None),
        (Some("https://evil.example"), Some(own_page.as_str())),
        (Some("null"), Some("https://evil.example/page")),
        (Some(""), None),
    ];
    for (origin, referer) in attempts {
        let mut request = app.client.post(&publish).form(&[("csrf", token.as_str())]);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        let page = crate::helpers::Page::from_response(request.send().await.unwrap()).await;
        assert_eq!(page.status, 403, "{origin:?} {referer:?}");
        assert!(page.body.contains("此请求并非来自本站页面"), "{}", page.body);
        assert!(consultation(&app, wang_owns).published_at.is_none(), "not published by {origin:?}");
    }
    // Logging out from another site does not end the session either.
    let response = app.client.post(app.url("/staff/logout")).header("origin", "https://evil.example").send().await;
    assert_eq!(response.unwrap().status().as_u16(), 403);
    assert_eq!(app.get("/staff").await.status().as_u16(), 200, "still logged in");
    // The site's own page as the Referer (a browser that leaves out Origin) is enough.
    let response = app
        .client
        .post(&publish)
        .header("origin", "")
        .header("referer", own_page.as_str())
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert!(consultation(&app, wang_owns).published_at.is_some());
}

#[actix_web::test]
async fn a_refused_staff_form_puts_its_error_summary_in_focus_and_says_so_in_the_title() {
    let Office { app, .. } = office().await;
    let page = Page::from_response(login(&app, "wang", "not-the-password-42").await).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("title"), "错误：工作人员登录 - 意见征集");
    assert_eq!(page.select(".error-summary[autofocus][tabindex='-1']").len(), 1);

    login_ok(&app, "root").await;
    let ok = app.page("/staff/users").await;
    assert!(!ok.text("title").starts_with("错误："), "{}", ok.text("title"));
    assert!(ok.select(".error-summary").is_empty());
    let form = [("username", "zhao"), ("display_name", "赵起草"), ("role", "drafter"), ("password", "short")];
    let page = Page::from_response(app.post_with_csrf("/staff/users", "/staff/users", &form).await).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("title"), "错误：账号管理 - 意见征集");
    assert_eq!(page.select(".error-summary[autofocus][tabindex='-1']").len(), 1);
    assert_eq!(page.text("#error-summary-title"), "提交未成功，请修改以下 1 处后重新提交：");
    assert_eq!(page.select(".error-summary li a[href='#password']").len(), 1, "a link to the password field");
}
