//! The application under test: started in-process on a free port with a fresh SQLite database and the demo data.

use diesel::prelude::*;
use tempfile::TempDir;

use zhengqiu::config::{DbUrl, Settings};
use zhengqiu::db;
use zhengqiu::services::accounts::{DEMO_ADMIN, DEMO_DRAFTER, DemoLogins};
use zhengqiu::startup::Application;

pub struct TestApp {
    pub address: String,
    server: actix_web::dev::ServerHandle,
    settings: Settings,
    logins: DemoLogins,
    _dir: TempDir,
}

/// A staff account of the demo data: who logs in, and with which password.
pub struct Login<'a> {
    pub username: &'static str,
    pub password: &'a str,
}

/// The app with the demo consultations loaded, as on a first start: two open ones, two closed
/// ones (one of them, #1 铜官区, with the departments' replies) and one not yet open.
pub async fn spawn_seeded_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = DbUrl::parse(&dir.path().join("test.db").to_string_lossy()).expect("sqlite url");
    let mut settings = Settings::with_defaults(url, dir.path().to_path_buf(), vec![7u8; 64]);
    settings.addr = "127.0.0.1:0".to_owned();
    settings.seed_on_start = true;
    settings.workers = 1;
    settings.pool_size = 4;
    let app = Application::build(settings.clone()).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let logins = app.demo_logins().cloned().expect("demo accounts on a fresh database");
    let server = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp { address, server, settings, logins, _dir: dir }
}

impl TestApp {
    /// The demo drafter, who manages every demo consultation.
    pub fn drafter(&self) -> Login<'_> {
        Login { username: DEMO_DRAFTER, password: self.logins.drafter_password.expose() }
    }

    /// The demo administrator, who also reaches the accounts and the mail pages.
    pub fn admin(&self) -> Login<'_> {
        Login { username: DEMO_ADMIN, password: self.logins.admin_password.expose() }
    }

    /// The answer to a captcha, read from the test's own database: only the server knows it.
    pub fn captcha_answer(&self, challenge_id: &str) -> String {
        use zhengqiu::db::schema::captcha_challenges::dsl;
        let mut conn = db::connect(&self.settings.database_url).expect("test database");
        dsl::captcha_challenges
            .filter(dsl::id.eq(challenge_id))
            .select(dsl::answer)
            .first(&mut conn)
            .unwrap_or_else(|e| panic!("captcha challenge {challenge_id}: {e}"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent when `stop` is called; its future only waits for completion.
        drop(self.server.stop(false));
    }
}
