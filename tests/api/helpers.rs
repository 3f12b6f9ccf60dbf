//! `spawn_app()`: the real application on a free port with a fresh database.

use std::sync::Arc;
use zhengqiu::domain::source::{Channel, Source};

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::RunQueryDsl;
use scraper::{Html, Selector};
use tempfile::TempDir;

use zhengqiu::config::DbUrl;
use zhengqiu::config::Settings;
use zhengqiu::db;
use zhengqiu::domain::account::{DisplayName, NewPassword, Role, Username};
use zhengqiu::domain::ids::{ConsultationId, UserId};
use zhengqiu::drafts;
use zhengqiu::models::draft::DraftSource;
use zhengqiu::models::opinion::NewOpinion;
use zhengqiu::models::{Draft, NewConsultation, NewUser};
use zhengqiu::services::accounts::DemoLogins;
use zhengqiu::startup::Application;

pub struct TestApp {
    pub address: String,
    server: actix_web::dev::ServerHandle,
    /// The PostgreSQL database made for this test, dropped with it.
    pg_database: Option<String>,
    pub client: reqwest::Client,
    pub settings: Arc<Settings>,
    /// The demo accounts created at start-up, if the demo data was loaded.
    pub demo_logins: Option<DemoLogins>,
    pub _dir: TempDir,
}

/// A fresh database URL: an SQLite file in `dir`, or a new PostgreSQL database.
pub fn fresh_database(dir: &TempDir) -> DbUrl {
    match std::env::var("ZHENGQIU_TEST_DATABASE_URL") {
        Ok(server) if !server.trim().is_empty() => {
            let server = DbUrl::parse(&server).expect("ZHENGQIU_TEST_DATABASE_URL");
            let name = format!("zq_test_{}", hex::encode(rand::random::<[u8; 8]>()));
            let mut admin = db::connect(&server).expect("connect to the test PostgreSQL server");
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create test database");
            let base = server.as_str();
            let (prefix, _) = base.rsplit_once('/').expect("a database name in ZHENGQIU_TEST_DATABASE_URL");
            DbUrl::parse(&format!("{prefix}/{name}")).expect("test database URL")
        }
        _ => DbUrl::parse(&dir.path().join("test.db").to_string_lossy()).expect("sqlite url"),
    }
}

fn drop_pg_database(name: &str) {
    let Ok(server) = std::env::var("ZHENGQIU_TEST_DATABASE_URL") else { return };
    let Ok(url) = DbUrl::parse(&server) else { return };
    if let Ok(mut admin) = db::connect(&url) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
    }
}

pub fn is_postgres() -> bool {
    std::env::var("ZHENGQIU_TEST_DATABASE_URL").is_ok_and(|v| !v.trim().is_empty())
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with the demo data loaded, as a new user sees it.
pub async fn spawn_seeded_app() -> TestApp {
    spawn_app_with(|s| s.seed_on_start = true).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(&dir);
    let mut settings = Settings::with_defaults(url, dir.path().to_path_buf(), vec![7u8; 64]);
    settings.addr = "127.0.0.1:0".to_owned();
    settings.seed_on_start = false;
    settings.workers = 1;
    settings.pool_size = 4;
    settings.mail_poll_ms = 100;
    configure(&mut settings);
    let app = Application::build(settings.clone()).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let demo_logins = app.demo_logins().cloned();
    let server = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = browser_client(&address);
    let pg_database =
        is_postgres().then(|| settings.database_url.as_str().rsplit('/').next().unwrap_or_default().to_owned());
    TestApp { address, server, pg_database, client, settings: Arc::new(settings), demo_logins, _dir: dir }
}

/// A page fetched and parsed.
pub struct Page {
    pub status: u16,
    pub html: Html,
    pub body: String,
}

impl Page {
    pub fn select(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e}"));
        self.html.select(&selector).collect()
    }

    /// The text of every element matching `css`, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.select(css).iter().map(|e| squeeze(&e.text().collect::<String>())).collect()
    }

    /// The error messages shown beside fields.
    pub fn errors_shown(&self) -> Vec<String> {
        self.texts(".error-message")
    }

    pub fn text(&self, css: &str) -> String {
        self.texts(css).into_iter().next().unwrap_or_else(|| panic!("nothing matches {css}"))
    }

    /// The name and value of the button a browser presses when Enter is hit in a field of the
    /// page's POST form: the form's first submit button in source order.
    pub fn default_button(&self) -> (String, String) {
        let css = "form[method=post] button:not([type=button]):not([type=reset]), form[method=post] input[type=submit]";
        let button = self.select(css).into_iter().next().expect("a submit button");
        let attr = |name: &str| button.value().attr(name).unwrap_or_default().to_owned();
        (attr("name"), attr("value"))
    }
}

impl Page {
    pub async fn from_response(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        Page { status, html: Html::parse_document(&body), body }
    }

    /// The value of the form field named `name` (input, or the selected option of a select).
    pub fn field_value(&self, name: &str) -> Option<String> {
        if let Some(input) = self.select(&format!("input[name='{name}']")).first() {
            return input.value().attr("value").map(str::to_owned);
        }
        if let Some(area) = self.select(&format!("textarea[name='{name}']")).first() {
            return Some(area.text().collect());
        }
        self.select(&format!("select[name='{name}'] option[selected]"))
            .first()
            .map(|o| o.value().attr("value").unwrap_or_default().to_owned())
    }
}

pub fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each test's server stops with the test, closing its database connections.
impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent when `stop` is called; its future only waits for completion.
        drop(self.server.stop(false));
        // The server's worker threads may outlive the test with their pooled connections;
        // dropping the test's own database ends those connections on the server side.
        if let Some(name) = &self.pg_database {
            drop_pg_database(name);
        }
    }
}

impl TestApp {
    /// The PostgreSQL database made for this test (`None` on SQLite).
    pub fn pg_database(&self) -> Option<&str> {
        self.pg_database.as_deref()
    }

    /// Mail written to the outbox directory (no SMTP configured) for `recipient` whose
    /// subject contains `subject`, waiting a few seconds for the worker to write it.
    pub async fn mail_to(&self, recipient: &str, subject: &str) -> mail_parser::Message<'static> {
        for _ in 0..100 {
            let files =
                std::fs::read_dir(&self.settings.outbox_dir).map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>());
            for path in files.unwrap_or_default() {
                let Ok(raw) = std::fs::read(&path) else { continue };
                let Some(message) = mail_parser::MessageParser::default().parse(&raw) else { continue };
                let to = message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned();
                if to == recipient && message.subject().is_some_and(|s| s.contains(subject)) {
                    return message.into_owned();
                }
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail to {recipient} about {subject}");
    }

    /// Waits a few seconds until no queued mail is still pending or being sent: a test
    /// SMTP server has the message before the worker records it as sent.
    pub async fn wait_for_outbox_to_settle(&self) {
        use diesel::prelude::*;
        use zhengqiu::db::schema::outbox;
        for _ in 0..100 {
            let busy: i64 = outbox::table
                .filter(outbox::status.eq_any(["pending", "sending"]))
                .count()
                .get_result(&mut self.conn())
                .expect("count unsettled mail");
            if busy == 0 {
                return;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("queued mail is still pending or being sent after five seconds");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn page(&self, path: &str) -> Page {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        Page { status, html: Html::parse_document(&body), body }
    }

    /// Posts `form` with the CSRF token from the staff page at `form_page`.
    pub async fn post_with_csrf(&self, form_page: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token(form_page).await;
        let mut fields = form.to_vec();
        fields.push(("csrf", &token));
        self.post_form(path, &fields).await
    }

    /// The CSRF token in the forms of the staff page at `path`.
    pub async fn csrf_token(&self, path: &str) -> String {
        let page = self.page(path).await;
        assert_eq!(page.status, 200, "{path} to read a CSRF token from: {}", page.body);
        page.field_value("csrf").unwrap_or_else(|| panic!("no csrf field on {path}"))
    }

    /// Where a 303 points, and the page there.
    pub async fn follow(&self, response: reqwest::Response) -> Page {
        assert_eq!(response.status().as_u16(), 303, "expected a redirect from {}", response.url());
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        self.page(&location).await
    }

    /// A staff account with `password`, created directly through the model.
    pub fn create_user_with(&self, username: &str, display_name: &str, role: Role, password: &str) -> UserId {
        let mut conn = self.conn();
        let username = Username::parse(username).expect("test user name");
        let display_name = DisplayName::parse(display_name).expect("test display name");
        let hash = zhengqiu::services::password::hash(&NewPassword::parse(password).expect("test password")).unwrap();
        let now = Utc::now().naive_utc();
        NewUser::new(&username, &display_name, role, &hash, now).insert(&mut conn).expect("insert user")
    }

    /// A staff account whose password is [`STAFF_PASSWORD`].
    pub fn create_user(&self, username: &str, role: Role) -> UserId {
        self.create_user_with(username, &format!("测试{}", role.label()), role, STAFF_PASSWORD)
    }

    /// Assigns a consultation to a drafter (or to nobody).
    pub fn set_owner(&self, id: ConsultationId, owner: Option<UserId>) {
        use diesel::prelude::*;
        use zhengqiu::db::schema::consultations::dsl;
        diesel::update(dsl::consultations.find(id)).set(dsl::owner_id.eq(owner)).execute(&mut self.conn()).unwrap();
    }

    pub fn conn(&self) -> db::Conn {
        db::connect(&self.settings.database_url).expect("test connection")
    }

    /// A published consultation with `draft_text` as its draft.
    pub fn create_consultation(
        &self,
        title: &str,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        draft_text: &str,
    ) -> ConsultationId {
        self.create_consultation_with(title, starts_on, ends_on, draft_text, true)
    }

    pub fn create_consultation_with(
        &self,
        title: &str,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        draft_text: &str,
        published: bool,
    ) -> ConsultationId {
        let mut conn = self.conn();
        let now = Utc::now().naive_utc();
        let id = NewConsultation {
            seed_key: None,
            title,
            issuer: "测试县人民政府",
            notice: "这是一则测试公告。",
            how_to_comment: "",
            starts_on,
            ends_on,
            short_period_reason: None,
            published_at: published.then_some(now),
            created_at: now,
            updated_at: now,
            owner_id: None,
        }
        .insert(&mut conn)
        .expect("insert consultation");
        let imported = drafts::import(draft_text.as_bytes(), "draft.txt").expect("import draft");
        let source =
            DraftSource { version_label: "征求意见稿", title, file_name: "draft.txt", announce_notice: false };
        Draft::create(&mut conn, id, &source, &imported, now).expect("store draft");
        id
    }
}

/// The password [`TestApp::create_user`] gives.
pub const STAFF_PASSWORD: &str = "correct-horse-battery";

/// Logs the app's client in through the login form (the session cookie stays in the
/// client); returns the form's answer (303 on success).
pub async fn login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    // Someone already logged in is sent on from the login page; their pages carry the token too.
    let token = match app.page("/staff/login").await.field_value("csrf") {
        Some(token) => token,
        None => app.csrf_token("/staff").await,
    };
    app.post_form("/staff/login", &[("username", username), ("password", password), ("csrf", &token)]).await
}

/// Logs in and checks that it worked.
pub async fn login_ok(app: &TestApp, username: &str) {
    let response = login(app, username, STAFF_PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303, "login as {username}: {}", response.text().await.unwrap_or_default());
}

/// Today in China, and days around it.
/// An opinion to store directly, as sent online by a person with no contact given; tests
/// change what they need with `NewOpinion { field: …, ..plain_opinion(…) }`.
pub fn plain_opinion<'a>(id: ConsultationId, author: &'a str, body: &'a str, at: NaiveDateTime) -> NewOpinion<'a> {
    NewOpinion {
        consultation_id: id,
        section_id: None,
        source: Source::Public,
        channel: Channel::Online,
        author_name: author.into(),
        contact: None,
        contact_kind: None,
        body: body.into(),
        original_text: None,
        proposed_text: None,
        receipt_code: None,
        client_hash: None,
        dedupe_key: None,
        fingerprint: body.into(),
        flagged: false,
        flag_reason: None,
        received_at: at,
        created_at: at,
        department_id: None,
        invitation_id: None,
        seq: None,
        attachment_id: None,
        round_no: 1,
    }
}

pub fn china_day(offset: i64) -> NaiveDate {
    zhengqiu::domain::window::china_today(Utc::now()) + chrono::Duration::days(offset)
}

pub const SMALL_DRAFT: &str = "第一章 总则\n第一条 为了规范测试，制定本办法。\n第二条 本办法适用于测试。\n第二章 附则\n第三条 本办法自发布之日起施行。\n";

/// What a test needs from a rendered opinion form.
pub struct OpenForm {
    pub action: String,
    pub captcha_id: String,
    pub captcha_kind: String,
    pub section: String,
    pub page: Page,
}

impl TestApp {
    /// Fetches an opinion form and reads its hidden fields.
    pub async fn open_form(&self, path: &str) -> OpenForm {
        let page = self.page(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        form_state(page)
    }

    /// The answer to a challenge, read from the database as only the server knows it.
    pub fn captcha_answer(&self, id: &str) -> String {
        use diesel::prelude::*;
        use zhengqiu::db::schema::captcha_challenges::dsl;
        dsl::captcha_challenges.filter(dsl::id.eq(id)).select(dsl::answer).first(&mut self.conn()).expect("challenge")
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(fields).send().await.expect("post")
    }

    pub async fn post_page(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self.post_form(path, fields).await;
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        Page { status, html: Html::parse_document(&body), body }
    }
}

pub fn form_state(page: Page) -> OpenForm {
    let hidden = |name: &str| {
        page.select(&format!("form input[name={name}]"))
            .first()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or_default()
            .to_owned()
    };
    OpenForm {
        action: page
            .select("form[method=post]")
            .first()
            .and_then(|f| f.value().attr("action"))
            .unwrap_or_default()
            .to_owned(),
        captcha_id: hidden("captcha_id"),
        captcha_kind: hidden("captcha_kind"),
        section: hidden("section"),
        page,
    }
}

/// Settings that send mail through the test SMTP server on `port`.
pub fn with_smtp(port: u16) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.smtp = Some(zhengqiu::config::SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
            security: zhengqiu::config::SmtpSecurity::None,
        });
    }
}

/// A client as a browser on the site's own pages is one: cookies kept, redirects not followed, and
/// the page's origin named on every form POST (the service refuses staff POSTs without it).
pub fn browser_client(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, address.parse().expect("origin header"));
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        // The server closes a connection idle for 5 s (actix's keep-alive); a pooled connection
        // reused just then fails with IncompleteMessage. Never reuse one idle that long.
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("http client")
}

/// Waits for the next minute if less than 20 seconds of this one are left. Rate limits count in
/// fixed one-minute windows: a test that sends up to a limit and one more must do it in one window.
pub async fn within_one_rate_window() {
    use chrono::Timelike;
    let second = chrono::Utc::now().second();
    if second >= 40 {
        tokio::time::sleep(std::time::Duration::from_millis(u64::from(60 - second) * 1000 + 200)).await;
    }
}
