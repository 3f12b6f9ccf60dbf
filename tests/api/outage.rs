//! A database that goes away: forms come back with everything typed, 503 with Retry-After,
//! fast while the database is known to be down, and the service recovers by itself. And the
//! readiness check that a load balancer asks: a write commits, the disk has room, the schema
//! is current.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

use zhengqiu::config::DbUrl;
use zhengqiu::db;
use zhengqiu::domain::account::Role;

use crate::helpers::{
    OpenForm, Page, SMALL_DRAFT, TestApp, china_day, form_state, is_postgres, login_ok, spawn_app, spawn_app_with,
};

const OPINION: &str = "停电期间写下的意见：第二条的适用范围应写明包括街道和社区。";
const UNSAVED: &str = "系统暂时无法保存您的意见，您填写的内容仍在下方，请稍后再次提交。";

/// Takes this test's database away from the app, and gives it back.
trait Outage {
    fn begin(&mut self);
    fn end(&mut self);
}

/// PostgreSQL: the test's own database refuses new connections and loses its open ones;
/// the server and every other test's database carry on.
struct PgOutage {
    admin: db::Conn,
    database: String,
}

impl PgOutage {
    fn new(app: &TestApp) -> PgOutage {
        let server = DbUrl::parse(&std::env::var("ZHENGQIU_TEST_DATABASE_URL").unwrap()).unwrap();
        let database = app.pg_database().expect("a PostgreSQL test database").to_owned();
        PgOutage { admin: db::connect(&server).expect("connect to the server's own database"), database }
    }
}

impl Outage for PgOutage {
    fn begin(&mut self) {
        diesel::sql_query(format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", self.database))
            .execute(&mut self.admin)
            .unwrap();
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            self.database
        ))
        .execute(&mut self.admin)
        .unwrap();
    }

    fn end(&mut self) {
        diesel::sql_query(format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", self.database))
            .execute(&mut self.admin)
            .unwrap();
    }
}

/// SQLite: another process holds the write lock, so every write waits out its busy timeout
/// and fails (reads go on: SQLite has no server to lose).
struct SqliteLock {
    holder: Option<db::Conn>,
    url: DbUrl,
}

impl Outage for SqliteLock {
    fn begin(&mut self) {
        let mut conn = db::connect(&self.url).unwrap();
        diesel::connection::SimpleConnection::batch_execute(&mut conn, "BEGIN EXCLUSIVE").unwrap();
        self.holder = Some(conn);
    }

    fn end(&mut self) {
        if let Some(mut conn) = self.holder.take() {
            diesel::connection::SimpleConnection::batch_execute(&mut conn, "ROLLBACK").unwrap();
        }
    }
}

fn outage_for(app: &TestApp) -> Box<dyn Outage> {
    if is_postgres() {
        Box::new(PgOutage::new(app))
    } else {
        Box::new(SqliteLock { holder: None, url: app.settings.database_url.clone() })
    }
}

fn opinion_fields<'a>(form: &'a OpenForm, answer: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("section", form.section.as_str()),
        ("captcha_id", form.captcha_id.as_str()),
        ("captcha_kind", form.captcha_kind.as_str()),
        ("captcha_answer", answer),
        ("name", "王停电"),
        ("contact", "13812345678"),
        ("body", OPINION),
        ("original_text", "本办法适用于测试。"),
        ("proposed_text", "本办法适用于全区的街道和社区。"),
        ("consent", "yes"),
        ("action", "send"),
        ("website", ""),
    ]
}

/// The kept text of the field `name`.
fn kept(page: &Page, name: &str) -> String {
    let area = page.select(&format!("textarea[name={name}]"));
    match area.first() {
        Some(area) => area.text().collect(),
        None => page.field_value(name).unwrap_or_default(),
    }
}

/// Posts `fields` to `path` and times it.
async fn timed_post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (reqwest::Response, Duration) {
    let start = Instant::now();
    let response = app.post_form(path, fields).await;
    (response, start.elapsed())
}

async fn page_of(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    Page { status, html: scraper::Html::parse_document(&body), body }
}

#[actix_web::test]
async fn during_a_database_outage_forms_come_back_with_everything_typed_fast_and_the_service_recovers() {
    let app = spawn_app().await;
    let id = app.create_consultation("关于测试办法公开征求意见", china_day(-3), china_day(26), SMALL_DRAFT).0;
    app.create_user("zhao", Role::Drafter);
    login_ok(&app, "zhao").await;
    let csrf = app.csrf_token("/staff/consultations/new").await;
    let form = app.open_form(&format!("/consultations/{id}/opinions/new?captcha=question")).await;
    let answer = app.captcha_answer(&form.captcha_id);

    let mut outage = outage_for(&app);
    outage.begin();

    // The citizen's opinion comes back whole, with the message, as a 503 with Retry-After.
    let (response, first) = timed_post(&app, &form.action, &opinion_fields(&form, &answer)).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"), "{:?}", response.headers());
    let page = page_of(response).await;
    assert!(page.text(".error-summary").contains(UNSAVED), "{}", page.body);
    assert_eq!(kept(&page, "body"), OPINION);
    assert_eq!(kept(&page, "name"), "王停电");
    assert_eq!(kept(&page, "contact"), "13812345678");
    assert_eq!(kept(&page, "proposed_text"), "本办法适用于全区的街道和社区。");
    assert_eq!(page.field_value("consent").as_deref(), Some("yes"));
    assert!(page.field_value("captcha_answer").is_none(), "the used-up answer is not sent back");
    let again = page.select("form button[type=submit]");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].value().attr("value"), Some("question_captcha"), "sending again asks for a new question");

    // A staff form too, with its token kept for the second try.
    let (starts_on, ends_on) = (china_day(1).to_string(), china_day(31).to_string());
    let details = [
        ("csrf", csrf.as_str()),
        ("title", "关于停电期间起草的办法"),
        ("issuer", "区测试局"),
        ("notice", "停电期间写下的公告。"),
        ("how_to_comment", ""),
        ("starts_on", &starts_on),
        ("ends_on", &ends_on),
        ("short_period_reason", ""),
    ];
    let (response, _) = timed_post(&app, "/staff/consultations/new", &details).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let staff_page = page_of(response).await;
    assert!(staff_page.text(".error-summary").contains("您填写的内容仍在下方"), "{}", staff_page.body);
    assert_eq!(kept(&staff_page, "title"), "关于停电期间起草的办法");
    assert_eq!(kept(&staff_page, "notice"), "停电期间写下的公告。");
    assert_eq!(staff_page.field_value("csrf").as_deref(), Some(csrf.as_str()));

    // The JSON API says when to come back too.
    let start = Instant::now();
    let api = app.client.post(app.url("/api/v1/captchas")).json(&json!({"kind": "image"})).send().await.unwrap();
    let api_took = start.elapsed();
    assert_eq!(api.status(), 503);
    assert!(api.headers().contains_key("retry-after"));

    if is_postgres() {
        // Known to be down: nobody waits out the pool's five seconds.
        assert!(first < Duration::from_secs(2), "the first failure took {first:?}");
        assert!(api_took < Duration::from_secs(2), "a later failure took {api_took:?}");
        let (_, later) = timed_post(&app, &form.action, &opinion_fields(&form, &answer)).await;
        assert!(later < Duration::from_secs(2), "a later failure took {later:?}");
    }

    outage.end();

    // Back by itself: sending the kept form again gets the form with a new question and
    // everything typed, and that is stored.
    let resend: Vec<(&str, String)> = page
        .select("form input, form textarea")
        .into_iter()
        .filter_map(|e| {
            let name = e.value().attr("name")?;
            let value = if e.value().name() == "textarea" {
                e.text().collect()
            } else {
                e.value().attr("value").unwrap_or_default().to_owned()
            };
            Some((name, value))
        })
        .chain([("action", "question_captcha".to_owned())])
        .collect();
    let resend: Vec<(&str, &str)> = resend.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    let back = loop {
        let response = app.post_form(&form.action, &resend).await;
        if response.status() == 200 {
            break page_of(response).await;
        }
        assert!(Instant::now() < deadline, "still {} after the database came back", response.status());
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(back.select("#f-body").first().unwrap().text().collect::<String>(), OPINION);
    let form = form_state(back);
    let answer = app.captcha_answer(&form.captcha_id);
    let sent = app.post_form(&form.action, &opinion_fields(&form, &answer)).await;
    assert_eq!(sent.status(), 303, "stored once the database is back");
}

#[actix_web::test]
async fn readiness_writes_a_heartbeat_and_fails_when_the_database_takes_no_write() {
    use zhengqiu::db::schema::ready_heartbeat;
    let app = spawn_app().await;
    let before = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let beat: chrono::NaiveDateTime =
        ready_heartbeat::table.select(ready_heartbeat::beat_at).first(&mut app.conn()).unwrap();
    assert!(beat >= before, "the heartbeat was written just now: {beat}");

    // A database that answers reads but takes no write is not ready; the process is alive.
    diesel::sql_query("DROP TABLE ready_heartbeat").execute(&mut app.conn()).unwrap();
    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status(), 503);
    assert!(not_ready.headers().contains_key("retry-after"));
    let body: serde_json::Value = not_ready.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert!(body["reason"].as_str().unwrap().contains("无法写入"), "{body}");
    assert_eq!(app.get("/healthz").await.status(), 200, "liveness is not readiness");
}

#[actix_web::test]
async fn readiness_fails_when_the_sqlite_disk_is_short_of_space() {
    // More free space asked for than any disk has.
    let app = spawn_app_with(|s| s.ready_min_free_mb = u64::MAX / (1 << 20)).await;
    let answer = app.get("/readyz").await;
    let status = answer.status();
    let body: serde_json::Value = answer.json().await.unwrap();
    if is_postgres() {
        // PostgreSQL's disk is the database server's: watched where the server runs.
        assert_eq!(status, 200, "{body}");
        return;
    }
    assert_eq!(status, 503, "{body}");
    assert!(body["reason"].as_str().unwrap().contains("剩余空间不足"), "{body}");
    let roomy = spawn_app_with(|s| s.ready_min_free_mb = 1).await;
    assert_eq!(roomy.get("/readyz").await.status(), 200);
}
