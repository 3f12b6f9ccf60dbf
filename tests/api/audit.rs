//! The staff audit log: what is recorded, who may see it, and that it holds no citizen's contact.

use zhengqiu::domain::account::Role;

use crate::helpers::{Page, SMALL_DRAFT, STAFF_PASSWORD, china_day, login, login_ok, spawn_app};

#[actix_web::test]
async fn logins_exports_account_changes_and_publishing_are_logged_for_administrators_only() {
    let app = spawn_app().await;
    app.create_user_with("root", "区司法局 张管理", Role::Admin, STAFF_PASSWORD);
    let wang = app.create_user_with("wang", "王起草", Role::Drafter, STAFF_PASSWORD);
    let id = app.create_consultation_with("审计测试", china_day(0), china_day(29), SMALL_DRAFT, false);
    app.set_owner(id, Some(wang));
    let mut conn = app.conn();
    let opinion = crate::helpers::plain_opinion(id, "赵公民", "看不到我的号码", chrono::Utc::now().naive_utc());
    let opinion = zhengqiu::models::opinion::NewOpinion {
        contact: Some("13912345678".into()),
        contact_kind: Some(zhengqiu::domain::contact::ContactKind::Mobile),
        ..opinion
    };
    opinion.insert_counted(&mut conn).unwrap();
    drop(conn);

    assert_eq!(login(&app, "wang", "not-the-password").await.status().as_u16(), 422);
    login_ok(&app, "wang").await;
    let show = format!("/staff/consultations/{id}");
    assert_eq!(app.post_with_csrf(&show, &format!("{show}/publish"), &[]).await.status().as_u16(), 303);
    let export = app.get(&format!("{show}/export?layout=ledger&format=csv&audience=staff")).await;
    assert_eq!(export.status().as_u16(), 200);
    assert!(export.text().await.unwrap().contains("13912345678"), "the export really has the contact");
    assert_eq!(app.get("/staff/audit").await.status().as_u16(), 403, "drafters do not see the log");
    app.post_with_csrf("/staff", "/staff/logout", &[]).await;

    login_ok(&app, "root").await;
    let user = format!("/staff/users/{wang}");
    app.post_with_csrf(&user, &format!("{user}/active"), &[("active", "false")]).await;
    let page = app.page("/staff/audit").await;
    assert_eq!(page.status, 200);
    let rows: Vec<(String, String, String)> = page
        .select("tr.audit-row")
        .iter()
        .map(|tr| {
            let cell =
                |c: &str| tr.select(&scraper::Selector::parse(c).unwrap()).next().unwrap().text().collect::<String>();
            (cell(".audit-actor"), cell(".audit-action"), cell(".audit-subject"))
        })
        .collect();
    let expected = [
        ("区司法局 张管理", "停用账号", "wang".to_owned()),
        ("区司法局 张管理", "登录", String::new()),
        ("王起草", "退出登录", String::new()),
        ("王起草", "导出含联系方式的表格", format!("第 {id} 号（ledger，csv）")),
        ("王起草", "发布意见征集", format!("第 {id} 号")),
        ("王起草", "登录", String::new()),
        ("wang", "登录失败", String::new()),
    ];
    let expected: Vec<(String, String, String)> =
        expected.into_iter().map(|(a, b, c)| (a.to_owned(), b.to_owned(), c)).collect();
    assert_eq!(rows, expected);
    assert!(!page.body.contains("13912345678") && !page.body.contains("赵公民"));

    let csv = app.get("/staff/audit.csv").await;
    assert_eq!(csv.status().as_u16(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 8, "a header and seven entries: {text}");
    assert!(lines[1].ends_with("\"wang\",\"登录失败\",\"\""), "{}", lines[1]);
    assert!(!text.contains("13912345678") && !text.contains("赵公民"));
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = anonymous.get(app.url("/staff/audit.csv")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303, "to the login page");
    let _ = Page::from_response(response).await;
}
