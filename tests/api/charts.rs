//! Charts: opinions per day on the public page (from counters kept with the opinions)
//! and on the review page, with per-section and decision-progress bars.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use zhengqiu::domain::source::{Channel, Source};

use zhengqiu::db::Conn;
use zhengqiu::db::schema::opinion_days;
use zhengqiu::domain::ids::{ConsultationId, OpinionId};
use zhengqiu::models::Opinion;
use zhengqiu::models::opinion::NewOpinion;

use crate::helpers::{SMALL_DRAFT, TestApp, china_day, is_postgres, plain_opinion, spawn_app, spawn_app_with};
use crate::review::{closed_consultation_as_owner, public_opinion};

/// The per-day counters of a consultation, as stored.
fn day_counts(app: &TestApp, id: ConsultationId) -> Vec<(NaiveDate, i32)> {
    opinion_days::table
        .filter(opinion_days::consultation_id.eq(id))
        .filter(opinion_days::count.ne(0))
        .order(opinion_days::day.asc())
        .select((opinion_days::day, opinion_days::count))
        .load(&mut app.conn())
        .unwrap()
}

fn utc(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// An offline opinion received at `at` (UTC), stored with its counters.
fn letter(conn: &mut Conn, id: ConsultationId, at: NaiveDateTime, body: &str) -> OpinionId {
    new_letter(id, at, body).insert_counted(conn).unwrap()
}

fn new_letter(id: ConsultationId, at: NaiveDateTime, body: &str) -> NewOpinion<'_> {
    NewOpinion { source: Source::Offline, channel: Channel::Letter, ..plain_opinion(id, "来信人", body, at) }
}

#[actix_web::test]
async fn the_consultation_page_charts_opinions_per_day_from_its_counters_with_a_data_table() {
    let app = spawn_app_with(|s| s.page_cache_ms = 0).await;
    let id = app.create_consultation("按日统计", china_day(-3), china_day(26), SMALL_DRAFT);
    let page = app.page(&format!("/consultations/{id}")).await;
    assert!(page.select(".day-chart").is_empty(), "no chart before any opinion");

    public_opinion(&app, id, None, "张三丰", "13800000001", "第一条意见。");
    public_opinion(&app, id, Some("2"), "李四光", "13800000002", "第二条意见。");
    let page = app.page(&format!("/consultations/{id}")).await;
    let svg = page.select("#days-title ~ .day-chart svg[role=img]");
    assert_eq!(svg.len(), 1, "{}", page.body);
    assert_eq!(svg[0].value().attr("aria-labelledby"), Some("days-name days-desc"));
    let described = page.text("#days-desc");
    assert!(described.contains("共 2 条") && described.contains(&format!("{}（2 条）", china_day(0))), "{described}");
    let mut ids: Vec<&str> = page.select("[id]").iter().filter_map(|e| e.value().attr("id")).collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "every id on the page is unique");
    let table = page.texts(".chart-data tbody tr");
    let expected: Vec<String> =
        (-3..=0).map(|d| format!("{}{} 条", china_day(d), if d == 0 { 2 } else { 0 })).collect();
    assert_eq!(table, expected, "every day of the window so far, quiet days as 0");

    // The page reads the counters, not the opinions: a counter changed alone shows.
    diesel::insert_into(opinion_days::table)
        .values((opinion_days::consultation_id.eq(id), opinion_days::day.eq(china_day(-2)), opinion_days::count.eq(7)))
        .execute(&mut app.conn())
        .unwrap();
    let page = app.page(&format!("/consultations/{id}")).await;
    assert!(page.texts(".chart-data tbody tr").contains(&format!("{}7 条", china_day(-2))));
    // Four days of window are drawn as a week, widened with the three days before it: the
    // axis starts under the first column; the table above lists the window only.
    assert_eq!(page.text(".day-axis"), format!("{}最多一天 7 条{}", china_day(-6), china_day(0)));
    assert_eq!(page.select(".day-bars rect").len(), 2, "two days with opinions, two columns");
    assert!(page.body.contains(r#"viewBox="0 0 70 100""#), "seven slots of 10 units");
}

#[actix_web::test]
async fn the_per_day_counters_follow_opinions_stored_moved_and_deleted_in_china_time() {
    let app = spawn_app().await;
    let id = app.create_consultation("计数测试", china_day(-3), china_day(26), SMALL_DRAFT);
    let mut conn = app.conn();
    // 15:59 UTC is 23:59 in China; 16:00 UTC is already the next day there.
    let late = letter(&mut conn, id, utc("2018-01-09 15:59"), "深夜来信");
    letter(&mut conn, id, utc("2018-01-09 16:00"), "次日零点来信");
    assert_eq!(day_counts(&app, id), [(date("2018-01-09"), 1), (date("2018-01-10"), 1)]);

    let moved = Opinion::find(&mut conn, late).unwrap();
    moved.replace_content(&mut conn, &new_letter(id, utc("2018-01-11 02:00"), "修改后的来信")).unwrap();
    assert_eq!(day_counts(&app, id), [(date("2018-01-10"), 1), (date("2018-01-11"), 1)]);

    Opinion::find(&mut conn, late).unwrap().delete_counted(&mut conn).unwrap();
    assert_eq!(day_counts(&app, id), [(date("2018-01-10"), 1)]);
}

#[actix_web::test]
async fn the_migration_counts_the_opinions_already_stored_per_day() {
    let app = spawn_app().await;
    let id = app.create_consultation("回填测试", china_day(-3), china_day(26), SMALL_DRAFT);
    let mut conn = app.conn();
    for at in ["2018-01-09 15:59", "2018-01-09 16:00", "2018-01-10 03:00"] {
        letter(&mut conn, id, utc(at), at);
    }
    // Down and up again: the table is made anew from the opinions.
    let (down, up) = if is_postgres() {
        (
            include_str!("../../migrations/postgres/2026-11-22-000006_opinion_days/down.sql"),
            include_str!("../../migrations/postgres/2026-11-22-000006_opinion_days/up.sql"),
        )
    } else {
        (
            include_str!("../../migrations/sqlite/2026-11-22-000006_opinion_days/down.sql"),
            include_str!("../../migrations/sqlite/2026-11-22-000006_opinion_days/up.sql"),
        )
    };
    match &mut conn {
        Conn::Sqlite(c) => c.batch_execute(&format!("{down}\n{up}")).unwrap(),
        Conn::Postgres(c) => c.batch_execute(&format!("{down}\n{up}")).unwrap(),
    }
    assert_eq!(day_counts(&app, id), [(date("2018-01-09"), 1), (date("2018-01-10"), 2)]);
}

#[actix_web::test]
async fn the_review_page_shows_decision_progress_and_opinions_per_section_and_day() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (a, _) = public_opinion(&app, id, Some("1-1"), "甲", "13800000001", "第一条意见");
    public_opinion(&app, id, Some("1-1"), "乙", "13800000002", "又一条第一条意见");
    public_opinion(&app, id, None, "丙", "13800000003", "全文意见");
    public_opinion(&app, id, Some("2"), "丁", "13800000004", "第二章意见");
    let review = format!("/staff/consultations/{id}/review");
    app.post_with_csrf(
        &review,
        &format!("/staff/consultations/{id}/decisions"),
        &[("ids", &a.to_string()), ("status", "adopted")],
    )
    .await;

    let page = app.page(&review).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("label[for=decided-progress]"), "已处理 1 / 4 条（25%）");
    let progress = page.select("progress#decided-progress");
    assert_eq!(progress[0].value().attr("value"), Some("1"));
    assert_eq!(progress[0].value().attr("max"), Some("4"));
    let decisions = page.texts("#decisions-title + .bar-chart li");
    assert_eq!(
        decisions,
        ["未处理3 条（75%）", "采纳1 条（25%）", "部分采纳0 条（0%）", "不予采纳0 条（0%）", "解释说明0 条（0%）"]
    );
    let sections = page.texts("#sections-title + .bar-chart li");
    assert_eq!(sections.len(), 3, "{sections:?}");
    assert_eq!(sections[0], "全文1 条");
    assert!(sections[1].contains("第一条") && sections[1].ends_with("2 条"), "{sections:?}");
    let links: Vec<&str> =
        page.select("#sections-title + .bar-chart a").iter().filter_map(|a| a.value().attr("href")).collect();
    assert_eq!(links[0], format!("{review}?section=whole"));
    assert_eq!(links[1], format!("{review}?section=1-1"));
    let days = page.texts(".chart-data tbody tr");
    assert_eq!(days.len(), 36, "the window and the days since, up to today's opinions");
    assert_eq!(days[0], format!("{}0 条", china_day(-35)));
    assert_eq!(days[35], format!("{}4 条", china_day(0)));
    assert_eq!(page.select(".day-chart svg rect").len(), 1, "a column for the one day with opinions");
}
