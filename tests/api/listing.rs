//! The public list: pages with stable addresses, filters by status and year, search over
//! titles and draft text, counts per status; the same in the JSON API.

use serde_json::Value;

use crate::helpers::{SMALL_DRAFT, TestApp, china_day, spawn_app};

/// `n` published consultations open now, titled 征集 01, 征集 02, …, the later ones starting later.
fn open_consultations(app: &TestApp, n: i64) {
    for i in 1..=n {
        app.create_consultation(&format!("征集{i:02}"), china_day(-30 + i), china_day(20), SMALL_DRAFT);
    }
}

async fn json(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

#[actix_web::test]
async fn the_list_pages_by_twenty_with_stable_addresses() {
    let app = spawn_app().await;
    open_consultations(&app, 23);
    let first = app.page("/").await;
    let titles = first.texts(".consultation-card h2");
    // Newest window first: 征集23 starts last.
    assert_eq!(titles.len(), 20);
    assert_eq!(titles[0], "征集23");
    assert_eq!(titles[19], "征集04");
    assert!(first.text(".list-total").contains("共 23 项"), "{}", first.text(".list-total"));
    let next: Vec<&str> = first.select("a[rel=next]").iter().filter_map(|a| a.value().attr("href")).collect();
    assert_eq!(next, ["/?page=2"]);
    let second = app.page("/?page=2").await;
    assert_eq!(second.texts(".consultation-card h2"), ["征集03", "征集02", "征集01"]);
    let current: Vec<String> = second.texts(".pager a[aria-current=page]");
    assert_eq!(current, ["2"]);
    // A page past the end is empty, not an error.
    let beyond = app.page("/?page=9").await;
    assert_eq!(beyond.status, 200);
    assert!(beyond.select(".consultation-card").is_empty());
}

#[actix_web::test]
async fn the_status_filter_shows_one_status_and_the_tabs_count_each() {
    let app = spawn_app().await;
    app.create_consultation("已经结束的征集", china_day(-40), china_day(-11), SMALL_DRAFT);
    app.create_consultation("正在征集的草案", china_day(-1), china_day(28), SMALL_DRAFT);
    app.create_consultation("另一项正在征集的草案", china_day(-3), china_day(26), SMALL_DRAFT);
    app.create_consultation("下周开始的征集", china_day(7), china_day(36), SMALL_DRAFT);
    app.create_consultation_with("尚未发布的草案", china_day(-1), china_day(28), SMALL_DRAFT, false);
    let page = app.page("/?status=open").await;
    assert_eq!(page.texts(".consultation-card h2"), ["正在征集的草案", "另一项正在征集的草案"]);
    let tabs = page.texts(".status-tabs a");
    assert_eq!(tabs, ["全部 4", "征集中 2", "未开始 1", "已结束 1", "已反馈 0"]);
    assert_eq!(page.texts(".status-tabs a[aria-current=page]"), ["征集中 2"]);
    let scheduled = app.page("/?status=scheduled").await;
    assert_eq!(scheduled.texts(".consultation-card h2"), ["下周开始的征集"]);
    let closed = app.page("/?status=closed").await;
    assert_eq!(closed.texts(".consultation-card h2"), ["已经结束的征集"]);
}

#[actix_web::test]
async fn the_year_filter_keeps_the_consultations_starting_in_that_year() {
    let app = spawn_app().await;
    let old = chrono::NaiveDate::from_ymd_opt(2019, 3, 1).unwrap();
    let older = chrono::NaiveDate::from_ymd_opt(2017, 6, 1).unwrap();
    app.create_consultation("二〇一九年的征集", old, old + chrono::Days::new(29), SMALL_DRAFT);
    app.create_consultation("二〇一七年的征集", older, older + chrono::Days::new(29), SMALL_DRAFT);
    app.create_consultation("今年的征集", china_day(-1), china_day(28), SMALL_DRAFT);
    let page = app.page("/?year=2019").await;
    assert_eq!(page.texts(".consultation-card h2"), ["二〇一九年的征集"]);
    // The year select offers every year from the first to the last, the chosen one selected.
    let years = page.texts("#list-year option");
    assert_eq!(years.first().map(String::as_str), Some("全部年份"));
    assert!(years.contains(&"2018 年".to_owned()) && years.contains(&"2017 年".to_owned()), "{years:?}");
    assert_eq!(page.texts("#list-year option[selected]"), ["2019 年"]);
}

#[actix_web::test]
async fn the_search_finds_words_of_the_title_and_of_the_draft_text() {
    let app = spawn_app().await;
    app.create_consultation(
        "养老服务条例",
        china_day(-1),
        china_day(28),
        "第一条 为了发展居家养老服务，制定本条例。\n第二条 社区应当设立老年食堂。\n",
    );
    app.create_consultation(
        "物业管理办法",
        china_day(-2),
        china_day(27),
        "第一条 为了规范物业服务，制定本办法。\n第二条 业主委员会依法选举产生。\n",
    );
    let by_title = app.page("/?q=%E7%89%A9%E4%B8%9A%E7%AE%A1%E7%90%86").await; // 物业管理
    assert_eq!(by_title.texts(".consultation-card h2"), ["物业管理办法"]);
    let by_text = app.page("/?q=%E8%80%81%E5%B9%B4%E9%A3%9F%E5%A0%82").await; // 老年食堂
    assert_eq!(by_text.texts(".consultation-card h2"), ["养老服务条例"]);
    assert_eq!(by_text.field_value("q").as_deref(), Some("老年食堂"), "the search box keeps the text");
    let both = app.page("/?q=%E5%88%B6%E5%AE%9A%E6%9C%AC").await; // 制定本
    assert_eq!(both.texts(".consultation-card h2").len(), 2);
    let none = app.page("/?q=%E6%B8%A9%E5%AE%A4%E6%B0%94%E4%BD%93").await; // 温室气体
    assert!(none.select(".consultation-card").is_empty());
    assert!(none.text(".empty").contains("没有符合条件的意见征集"), "{}", none.text(".empty"));
    // One character is looked for in the titles.
    let one = app.page("/?q=%E7%89%A9").await; // 物
    assert_eq!(one.texts(".consultation-card h2"), ["物业管理办法"]);
}

#[actix_web::test]
async fn a_search_pages_orders_and_counts_as_the_list_does() {
    let app = spawn_app().await;
    open_consultations(&app, 21);
    app.create_consultation("已经结束的征集", china_day(-40), china_day(-11), SMALL_DRAFT);
    app.create_consultation("下周开始的征集", china_day(7), china_day(36), SMALL_DRAFT);
    let answered = app.create_consultation("已公布反馈的征集", china_day(-60), china_day(-31), SMALL_DRAFT);
    app.create_consultation("温室气体排放管理办法", china_day(-1), china_day(28), SMALL_DRAFT);
    {
        use diesel::prelude::*;
        use zhengqiu::db::schema::consultations;
        diesel::update(consultations::table.find(answered))
            .set(consultations::feedback_published_at.eq(chrono::Utc::now().naive_utc()))
            .execute(&mut app.conn())
            .unwrap();
    }
    let search = "q=%E5%BE%81%E9%9B%86"; // 征集: every title but the last
    let first = app.page(&format!("/?{search}")).await;
    let titles = first.texts(".consultation-card h2");
    assert_eq!(titles.len(), 20);
    // Open first, newest window first: 征集21 starts last.
    assert_eq!((titles[0].as_str(), titles[19].as_str()), ("征集21", "征集02"));
    assert!(first.text(".list-total").contains("共 24 项"), "{}", first.text(".list-total"));
    assert_eq!(first.texts(".status-tabs a"), ["全部 24", "征集中 21", "未开始 1", "已结束 1", "已反馈 1"]);
    // Then the scheduled one, then the rest by start: ended 40 days ago before answered 60 days ago.
    let second = app.page(&format!("/?{search}&page=2")).await;
    assert_eq!(
        second.texts(".consultation-card h2"),
        ["征集01", "下周开始的征集", "已经结束的征集", "已公布反馈的征集"]
    );
    let closed = app.page(&format!("/?status=closed&{search}")).await;
    assert_eq!(closed.texts(".consultation-card h2"), ["已经结束的征集"]);
    let answered = app.page(&format!("/?status=feedback_published&{search}")).await;
    assert_eq!(answered.texts(".consultation-card h2"), ["已公布反馈的征集"]);
    let open_second = app.page(&format!("/?status=open&{search}&page=2")).await;
    assert_eq!(open_second.texts(".consultation-card h2"), ["征集01"]);
    let beyond = app.page(&format!("/?{search}&page=3")).await;
    assert!(beyond.select(".consultation-card").is_empty());
    assert_eq!(
        beyond.texts(".status-tabs a"),
        ["全部 24", "征集中 21", "未开始 1", "已结束 1", "已反馈 1"],
        "past the end"
    );
    let scheduled_beyond = app.page(&format!("/?status=scheduled&{search}&page=2")).await;
    assert!(scheduled_beyond.select(".consultation-card").is_empty());
    assert_eq!(scheduled_beyond.texts(".status-tabs a")[2], "未开始 1");
    // The JSON list says the same.
    let listed = json(&app, &format!("/api/v1/consultations?{search}&page=2")).await;
    let titles: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["征集01", "下周开始的征集", "已经结束的征集", "已公布反馈的征集"]);
    assert_eq!((listed["total"].clone(), listed["counts"]["feedback_published"].clone()), (24.into(), 1.into()));
}

#[actix_web::test]
async fn status_links_keep_the_search_and_year_and_go_back_to_page_one() {
    let app = spawn_app().await;
    open_consultations(&app, 2);
    let year = chrono::Datelike::year(&china_day(-29));
    let page = app.page(&format!("/?q=%E5%BE%81%E9%9B%86&page=1&year={year}")).await;
    let open: Vec<&str> = page
        .select(".status-tabs a")
        .iter()
        .filter(|a| a.text().collect::<String>().starts_with("征集中"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(open, [format!("/?status=open&year={year}&q=%E5%BE%81%E9%9B%86")]);
}

#[actix_web::test]
async fn the_json_list_pages_filters_and_counts_like_the_page() {
    let app = spawn_app().await;
    open_consultations(&app, 21);
    app.create_consultation("已经结束的征集", china_day(-40), china_day(-11), SMALL_DRAFT);
    let first = json(&app, "/api/v1/consultations").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 20);
    assert_eq!(first["total"], 22);
    assert_eq!(first["pages"], 2);
    assert_eq!(first["counts"]["open"], 21);
    assert_eq!(first["counts"]["closed"], 1);
    assert_eq!(first["counts"]["scheduled"], 0);
    assert_eq!(first["next"], "/api/v1/consultations?page=2");
    assert!(first["prev"].is_null());
    let second = json(&app, "/api/v1/consultations?page=2").await;
    let titles: Vec<&str> = second["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["征集01", "已经结束的征集"]);
    let closed = json(&app, "/api/v1/consultations?status=closed").await;
    assert_eq!(closed["total"], 1);
    assert_eq!(closed["items"][0]["status"], "closed");
    let searched = json(&app, "/api/v1/consultations?q=%E5%BE%81%E9%9B%8607").await; // 征集07
    assert_eq!(searched["total"], 1);
    assert_eq!(searched["items"][0]["title"], "征集07");
}

#[actix_web::test]
async fn the_site_has_an_icon_and_its_own_name_once_in_each_title() {
    let app = spawn_app().await;
    let id = app.create_consultation("关于测试办法公开征求意见", china_day(-3), china_day(26), SMALL_DRAFT).0;
    let home = app.page("/").await;
    assert_eq!(home.text("title"), "意见征集", "the home page is the site itself, not 「意见征集 - 意见征集」");
    assert_eq!(home.select("link[rel=icon]").first().unwrap().value().attr("href"), Some("/static/favicon.svg"));
    let show = app.page(&format!("/consultations/{id}")).await;
    assert_eq!(show.text("title"), "关于测试办法公开征求意见 - 意见征集");

    let ico = app.get("/favicon.ico").await;
    assert_eq!(ico.status().as_u16(), 301);
    assert_eq!(ico.headers()["location"], "/static/favicon.svg");
    let svg = app.get("/static/favicon.svg").await;
    assert_eq!(svg.status().as_u16(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<svg"));

    let named = crate::helpers::spawn_app_with(|s| s.site_name = "黄江镇政务公开".to_owned()).await;
    let id = named.create_consultation("关于测试办法公开征求意见", china_day(-3), china_day(26), SMALL_DRAFT).0;
    let home = named.page("/").await;
    assert_eq!(home.text("title"), "黄江镇政务公开");
    assert_eq!(home.text(".site-name"), "黄江镇政务公开");
    let show = named.page(&format!("/consultations/{id}")).await;
    assert_eq!(show.text("title"), "关于测试办法公开征求意见 - 黄江镇政务公开");
    assert_eq!(named.page("/no-such-page").await.text("title"), "页面不存在 - 黄江镇政务公开");
}

#[actix_web::test]
async fn merging_the_search_index_keeps_what_a_search_finds() {
    let app = spawn_app().await;
    open_consultations(&app, 21);
    app.create_consultation("温室气体排放管理办法", china_day(-1), china_day(28), SMALL_DRAFT);
    let found = app.page("/?q=%E5%BE%81%E9%9B%86").await.texts(".consultation-card h2"); // 征集
    assert_eq!((found.len(), found[0].as_str()), (20, "征集21"));
    zhengqiu::models::consultation_index::optimise(&mut app.conn()).unwrap();
    let again = app.page("/?page=1&q=%E5%BE%81%E9%9B%86").await.texts(".consultation-card h2");
    assert_eq!(again, found);
    let other = app.page("/?q=%E6%B8%A9%E5%AE%A4%E6%B0%94%E4%BD%93").await.texts(".consultation-card h2"); // 温室气体
    assert_eq!(other, ["温室气体排放管理办法"]);
    // Merging again changes nothing.
    zhengqiu::models::consultation_index::optimise(&mut app.conn()).unwrap();
    assert_eq!(app.page("/?page=2&q=%E5%BE%81%E9%9B%86").await.texts(".consultation-card h2"), ["征集01"]);
}
