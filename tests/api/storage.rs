//! Storage: migrations, the seed, connection errors, times.

use chrono::Utc;
use diesel::prelude::*;

use zhengqiu::config::DbUrl;
use zhengqiu::db;
use zhengqiu::domain::window::china_today;
use zhengqiu::models::Consultation;
use zhengqiu::seed;

use crate::helpers::{is_postgres, spawn_app, spawn_seeded_app};

#[actix_web::test]
async fn seeding_twice_creates_nothing_the_second_time() {
    let app = spawn_seeded_app().await;
    let mut conn = app.conn();
    let now = Utc::now();
    let report = seed::run(&mut conn, china_today(now), now.naive_utc(), |_, _| {}).unwrap();
    assert!(report.created.is_empty(), "{report:?}");
    assert_eq!(report.skipped.len(), 6);
    assert_eq!(Consultation::count(&mut conn).unwrap(), 6);
}

#[actix_web::test]
async fn migrations_are_already_applied_when_the_app_has_started() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    assert!(zhengqiu::models::migrate(&mut conn).unwrap().is_empty());
}

#[actix_web::test]
async fn times_are_stored_in_utc() {
    let app = spawn_seeded_app().await;
    let mut conn = app.conn();
    let created: chrono::NaiveDateTime = zhengqiu::db::schema::consultations::table
        .select(zhengqiu::db::schema::consultations::created_at)
        .first(&mut conn)
        .unwrap();
    let drift = (Utc::now().naive_utc() - created).num_seconds().abs();
    assert!(drift < 120, "created_at {created} is not UTC now");
}

/// The test server's URL in parts: everything before the host, the host, and the query.
struct ServerUrl {
    scheme_and_user: String,
    host: String,
    query: String,
}

/// `ZHENGQIU_TEST_DATABASE_URL` taken apart, so that tests reach the same server (which CI
/// may run on another port, e.g. a private cluster on 55432).
fn test_server() -> ServerUrl {
    let url = std::env::var("ZHENGQIU_TEST_DATABASE_URL").expect("ZHENGQIU_TEST_DATABASE_URL");
    let (url, query) = url.split_once('?').map_or((url.as_str(), String::new()), |(u, q)| (u, format!("?{q}")));
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let authority = rest.split('/').next().unwrap_or_default();
    let (user, host_port) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => host_port,
    };
    let scheme_and_user = if user.is_empty() { format!("{scheme}://") } else { format!("{scheme}://{user}@") };
    ServerUrl { scheme_and_user, host: host.to_owned(), query }
}

#[test]
fn a_connection_failure_says_what_failed() {
    if is_postgres() {
        let server = test_server();
        let configured = std::env::var("ZHENGQIU_TEST_DATABASE_URL").unwrap();
        let (base, _) = configured.split_once('?').unwrap_or((&configured, ""));
        let (prefix, _) = base.rsplit_once('/').expect("a database name in ZHENGQIU_TEST_DATABASE_URL");
        let url = DbUrl::parse(&format!("{prefix}/zq_no_such_database{}", server.query)).unwrap();
        let err = db::build_pool(&url, 1).unwrap_err().to_string();
        assert!(err.contains("zq_no_such_database") && err.contains("does not exist"), "{err}");
        let url =
            DbUrl::parse(&format!("{}{}:1/postgres{}", server.scheme_and_user, server.host, server.query)).unwrap();
        let err = db::build_pool(&url, 1).unwrap_err().to_string();
        assert!(err.contains(server.host.trim_matches(['[', ']'])) && err.contains("port 1"), "{err}");
    } else {
        let url = DbUrl::parse("/proc/zhengqiu-cannot-live-here/test.db").unwrap();
        let err = db::build_pool(&url, 1).unwrap_err().to_string();
        assert!(err.contains("cannot create the directory"), "{err}");
    }
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// What this connection would do at COMMIT: PostgreSQL's `synchronous_commit`, or SQLite's
/// `synchronous` level (2 = FULL, 1 = NORMAL).
fn commit_flush(conn: &mut db::Conn) -> String {
    let sql = if is_postgres() {
        "SELECT current_setting('synchronous_commit') AS value"
    } else {
        "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous"
    };
    diesel::sql_query(sql).get_result::<Setting>(conn).unwrap().value
}

#[actix_web::test]
async fn only_ephemeral_writes_skip_the_flush_and_the_connection_is_durable_again_after() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    let (durable, relaxed) = if is_postgres() { ("on", "off") } else { ("2", "1") };
    assert_eq!(commit_flush(&mut conn), durable);
    let inside = db::ephemeral_tx(&mut conn, |conn| Ok(commit_flush(conn))).unwrap();
    assert_eq!(inside, relaxed);
    assert_eq!(commit_flush(&mut conn), durable, "after an ephemeral transaction");
    let inside = db::write_tx(&mut conn, |conn| Ok(commit_flush(conn))).unwrap();
    assert_eq!(inside, durable, "an ordinary write transaction flushes");
}

#[actix_web::test]
async fn readiness_needs_a_database_that_answers_and_a_current_schema_while_liveness_does_not_care() {
    use diesel::RunQueryDsl;
    let app = crate::helpers::spawn_app().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");

    // The database forgets the newest migration: this program's schema is not the database's.
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let newest: Version = diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations")
        .get_result(&mut app.conn())
        .unwrap();
    diesel::sql_query(format!("DELETE FROM __diesel_schema_migrations WHERE version = '{}'", newest.version))
        .execute(&mut app.conn())
        .unwrap();

    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status(), 503);
    assert!(not_ready.headers().contains_key("retry-after"));
    let body: serde_json::Value = not_ready.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    let reason = body["reason"].as_str().unwrap();
    assert!(reason.contains("迁移") && reason.contains(&newest.version), "{reason}");
    assert_eq!(app.get("/healthz").await.status(), 200, "liveness is not readiness");
}

#[test]
fn a_first_start_whose_seeding_fails_leaves_no_half_seeded_database_and_the_next_start_seeds_it_all() {
    if is_postgres() {
        return; // The failure is injected with an SQLite trigger.
    }
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(&dir);
    let mut settings = zhengqiu::config::Settings::with_defaults(url, dir.path().to_path_buf(), vec![7u8; 64]);
    // Migrate, then make the last step of seeding (the demo accounts) fail, as a full disk would.
    settings.seed_on_start = false;
    let (pool, _) = zhengqiu::startup::prepare_database(&settings).expect("an empty start");
    let mut conn = pool.get().unwrap();
    diesel::sql_query("CREATE TRIGGER no_users BEFORE INSERT ON users BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        .execute(&mut conn)
        .unwrap();
    settings.seed_on_start = true;
    let Err(failed) = zhengqiu::startup::prepare_database(&settings) else { panic!("seeding fails") };
    assert!(format!("{failed:#}").contains("demo data"), "{failed:#}");
    assert_eq!(Consultation::count(&mut conn).unwrap(), 0, "no demo consultation kept without its accounts");

    diesel::sql_query("DROP TRIGGER no_users").execute(&mut conn).unwrap();
    let (_, logins) = zhengqiu::startup::prepare_database(&settings).expect("the next start seeds");
    assert!(logins.is_some(), "demo accounts created");
    let seeds = seed::manifest().unwrap().len() + seed::revised_manifest().unwrap().len();
    assert_eq!(Consultation::count(&mut conn).unwrap(), seeds as i64);
}
