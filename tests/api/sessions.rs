//! Sessions that really end: logout, 退出所有设备, a password reset and a deactivation end every
//! copy of the session cookie at once, because the session is kept on the server.

use diesel::prelude::*;

use zhengqiu::db::schema::consultations;
use zhengqiu::domain::account::Role;
use zhengqiu::models::User;

use crate::helpers::{Page, STAFF_PASSWORD, TestApp, china_day, login, login_ok, spawn_app};

/// Another browser holding a copy of the `zq_staff` cookie.
struct Copy {
    client: reqwest::Client,
    cookie: String,
    origin: String,
}

impl Copy {
    fn of(app: &TestApp, response: &reqwest::Response) -> Copy {
        let value = response.cookies().find(|c| c.name() == "zq_staff").expect("a session cookie").value().to_owned();
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Copy { client, cookie: format!("zq_staff={value}"), origin: app.address.clone() }
    }

    async fn dashboard_status(&self, app: &TestApp) -> u16 {
        let response = self.client.get(app.url("/staff")).header("cookie", &self.cookie).send().await.unwrap();
        response.status().as_u16()
    }

    /// Creates a consultation through the form, as the copy; returns the answer's status.
    async fn create_consultation(&self, app: &TestApp, csrf: &str, title: &str) -> u16 {
        let form = [
            ("title", title),
            ("issuer", "测试县司法局"),
            ("starts_on", &china_day(0).to_string()),
            ("ends_on", &china_day(29).to_string()),
            ("csrf", csrf),
        ];
        let response = self
            .client
            .post(app.url("/staff/consultations/new"))
            .header("cookie", &self.cookie)
            .header("origin", &self.origin)
            .form(&form)
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    }

    async fn csrf(&self, app: &TestApp) -> String {
        let response = self.client.get(app.url("/staff")).header("cookie", &self.cookie).send().await.unwrap();
        Page::from_response(response).await.field_value("csrf").expect("a csrf token on the dashboard")
    }
}

fn titled(app: &TestApp, title: &str) -> i64 {
    consultations::table.filter(consultations::title.eq(title)).count().get_result(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn logging_out_ends_a_copied_session_cookie_too() {
    let app = spawn_app().await;
    app.create_user("wang", Role::Drafter);
    let copy = Copy::of(&app, &login(&app, "wang", STAFF_PASSWORD).await);
    assert_eq!(copy.dashboard_status(&app).await, 200, "the copy works while logged in");
    let csrf = copy.csrf(&app).await;
    assert_eq!(copy.create_consultation(&app, &csrf, "登录时创建").await, 303);
    assert_eq!(titled(&app, "登录时创建"), 1);

    let response = app.post_with_csrf("/staff", "/staff/logout", &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(copy.dashboard_status(&app).await, 303, "the copy is sent to the login page");
    assert_ne!(copy.create_consultation(&app, &csrf, "退出后创建").await, 303);
    assert_eq!(titled(&app, "退出后创建"), 0, "nothing made with the copied cookie after logout");
    assert_eq!(app.get("/staff").await.status().as_u16(), 303, "the browser that logged out is out too");
}

#[actix_web::test]
async fn logging_out_on_one_device_leaves_another_login_of_the_same_account() {
    let app = spawn_app().await;
    app.create_user("wang", Role::Drafter);
    let other = Copy::of(&app, &login(&app, "wang", STAFF_PASSWORD).await);
    // A second login on this client replaces its cookie; `other` keeps the first session.
    app.post_with_csrf("/staff", "/staff/logout", &[]).await;
    assert_eq!(other.dashboard_status(&app).await, 303, "the first session ended with its logout");
    let second = Copy::of(&app, &login(&app, "wang", STAFF_PASSWORD).await);
    let third = Copy::of(&app, &login(&app, "wang", STAFF_PASSWORD).await);
    app.post_with_csrf("/staff", "/staff/logout", &[]).await;
    assert_eq!(third.dashboard_status(&app).await, 303);
    assert_eq!(second.dashboard_status(&app).await, 200, "a separate login is a separate session");
}

#[actix_web::test]
async fn logging_out_everywhere_ends_every_session_of_the_account_and_no_other() {
    let app = spawn_app().await;
    app.create_user("wang", Role::Drafter);
    app.create_user("li", Role::Drafter);
    let phone = Copy::of(&app, &login(&app, "wang", STAFF_PASSWORD).await);
    let li = Copy::of(&app, &login(&app, "li", STAFF_PASSWORD).await);
    let desk = Copy::of(&app, &login(&app, "wang", STAFF_PASSWORD).await);
    assert_eq!(phone.dashboard_status(&app).await, 200);

    let dashboard = app.page("/staff").await;
    assert_eq!(dashboard.select("form[action='/staff/logout/everywhere'] button").len(), 1, "the button is there");
    let response = app.post_with_csrf("/staff", "/staff/logout/everywhere", &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    let login_page = app.follow(response).await;
    assert!(login_page.body.contains("您已在所有设备上退出登录"), "{}", login_page.body);
    assert_eq!(phone.dashboard_status(&app).await, 303, "the phone is logged out");
    assert_eq!(desk.dashboard_status(&app).await, 303, "the copied desk cookie is logged out");
    assert_eq!(li.dashboard_status(&app).await, 200, "another account keeps its session");
    login_ok(&app, "wang").await;
    assert_eq!(app.get("/staff").await.status().as_u16(), 200, "a new login works");
}

#[actix_web::test]
async fn a_password_reset_and_a_deactivation_end_copied_sessions_at_once() {
    let app = spawn_app().await;
    app.create_user("root", Role::Admin);
    let wang = app.create_user("wang", Role::Drafter);
    let li = app.create_user("li", Role::Drafter);
    let wang_copy = Copy::of(&app, &login(&app, "wang", STAFF_PASSWORD).await);
    let li_copy = Copy::of(&app, &login(&app, "li", STAFF_PASSWORD).await);
    login_ok(&app, "root").await;

    let path = format!("/staff/users/{wang}");
    let response = app.post_with_csrf(&path, &format!("{path}/password"), &[("password", "brand-new-password")]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(wang_copy.dashboard_status(&app).await, 303, "reset ends the session");

    let path = format!("/staff/users/{li}");
    assert_eq!(li_copy.dashboard_status(&app).await, 200);
    let response = app.post_with_csrf(&path, &format!("{path}/active"), &[("active", "false")]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(li_copy.dashboard_status(&app).await, 303, "deactivation ends the session");
    // Enabled again, the old cookie still does not come back to life.
    app.post_with_csrf(&path, &format!("{path}/active"), &[("active", "true")]).await;
    assert!(User::find(&mut app.conn(), li).unwrap().active);
    assert_eq!(li_copy.dashboard_status(&app).await, 303, "an ended session stays ended");
}
