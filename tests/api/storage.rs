//! Storage: migrations, the seed, connection errors, times.

use chrono::Utc;
use diesel::prelude::*;

use zhengqiu::db::{self, DbUrl};
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
    assert_eq!(report.skipped.len(), 5);
    assert_eq!(Consultation::count(&mut conn).unwrap(), 5);
}

#[actix_web::test]
async fn migrations_are_already_applied_when_the_app_has_started() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    assert!(db::run_migrations(&mut conn).unwrap().is_empty());
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

#[test]
fn a_connection_failure_says_what_failed() {
    if is_postgres() {
        let url = DbUrl::parse("postgres://postgres@127.0.0.1:5432/zq_no_such_database").unwrap();
        let err = db::build_pool(&url, 1).unwrap_err().to_string();
        assert!(err.contains("zq_no_such_database") && err.contains("does not exist"), "{err}");
        let url = DbUrl::parse("postgres://postgres@127.0.0.1:1/postgres").unwrap();
        let err = db::build_pool(&url, 1).unwrap_err().to_string();
        assert!(err.contains("127.0.0.1") && err.contains("port 1"), "{err}");
    } else {
        let url = DbUrl::parse("/proc/zhengqiu-cannot-live-here/test.db").unwrap();
        let err = db::build_pool(&url, 1).unwrap_err().to_string();
        assert!(err.contains("cannot create the directory"), "{err}");
    }
}
