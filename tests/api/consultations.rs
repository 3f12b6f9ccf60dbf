//! The public pages: the list, a consultation with its draft, a section, errors.

use crate::helpers::{SMALL_DRAFT, china_day, spawn_app, spawn_seeded_app, squeeze};

#[actix_web::test]
async fn the_home_page_lists_every_demo_consultation_with_window_and_status() {
    let app = spawn_seeded_app().await;
    let page = app.page("/").await;
    assert_eq!(page.status, 200);
    let cards = page.texts(".consultation-card");
    assert_eq!(cards.len(), 6, "{cards:#?}");
    let tongguan = cards.iter().find(|c| c.contains("五大发展行动计划")).expect("the Tongguan consultation");
    assert!(tongguan.contains("中共铜官区委 铜官区人民政府"), "{tongguan}");
    assert!(tongguan.contains("2018-01-08 至 2018-01-15"), "{tongguan}");
    assert!(tongguan.contains("已反馈"), "the demo's finished consultation: {tongguan}");
    let statuses = page.texts(".status");
    for status in ["未开始", "征集中", "已结束", "已反馈"] {
        assert!(statuses.iter().any(|s| s == status), "no {status} among {statuses:?}");
    }
}

#[actix_web::test]
async fn every_demo_consultation_opens_from_the_list_with_its_draft_and_a_section_page() {
    let app = spawn_seeded_app().await;
    let list = app.page("/").await;
    let links: Vec<(String, String)> = list
        .select(".consultation-card h2 a")
        .iter()
        .map(|a| (a.value().attr("href").unwrap().to_owned(), squeeze(&a.text().collect::<String>())))
        .collect();
    assert_eq!(links.len(), 6, "{links:?}");
    for (href, title) in &links {
        let path = href.split_once("://").map_or(href.as_str(), |(_, rest)| &rest[rest.find('/').unwrap()..]);
        let page = app.page(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.text("h1"), *title, "{path}");
        let toc = page.texts(".toc a");
        assert!(!toc.is_empty(), "{path}: a table of contents");
        // Each section heading links to the section's own page.
        let sections: Vec<String> = page
            .select(".draft a")
            .iter()
            .filter_map(|a| a.value().attr("href"))
            .filter(|h| h.contains("/sections/"))
            .map(|h| h.split_once("://").map_or(h, |(_, rest)| &rest[rest.find('/').unwrap()..]).to_owned())
            .collect();
        assert_eq!(sections.len(), toc.len(), "{path}: every section in the contents has a page");
        let section = app.page(&sections[0]).await;
        assert_eq!(section.status, 200, "{}", sections[0]);
        assert!(!section.text("h1").is_empty(), "{}", sections[0]);
    }
}

#[actix_web::test]
async fn open_consultations_are_listed_before_scheduled_and_closed_ones() {
    let app = spawn_app().await;
    app.create_consultation("已经结束的征集", china_day(-40), china_day(-11), SMALL_DRAFT);
    app.create_consultation("正在征集的草案", china_day(-1), china_day(28), SMALL_DRAFT);
    app.create_consultation("下周开始的征集", china_day(7), china_day(36), SMALL_DRAFT);
    let titles = app.page("/").await.texts(".consultation-card h2");
    assert_eq!(titles, ["正在征集的草案", "下周开始的征集", "已经结束的征集"]);
}

#[actix_web::test]
async fn the_tongguan_draft_shows_every_numbered_section_in_order_with_a_table_of_contents() {
    let app = spawn_seeded_app().await;
    let page = app.page("/consultations/1").await;
    assert_eq!(page.status, 200);
    assert!(page.text("h1").contains("五大发展行动计划"));
    let toc = page.texts(".toc a");
    let headings: Vec<String> = page.texts(".draft-section > :is(h3, h4, h5, h6)");
    assert_eq!(toc, headings, "the table of contents lists the sections in page order");
    let chapters = [
        "二、实施创新发展行动",
        "三、实施协调发展行动",
        "四、实施绿色发展行动",
        "五、实施开放发展行动",
        "六、实施共享发展行动",
        "七、保障措施",
    ];
    let mut last = 0;
    for chapter in chapters {
        let at = toc.iter().position(|t| t == chapter).unwrap_or_else(|| panic!("{chapter} missing from {toc:#?}"));
        assert!(at > last, "{chapter} out of order");
        last = at;
    }
    // Items 1–24 follow 二、 in order, numbered as in the source ("1. " / "11.").
    let start = toc.iter().position(|t| t == "二、实施创新发展行动").unwrap();
    let items: Vec<&String> = toc[start..].iter().filter(|t| t.starts_with(|c: char| c.is_ascii_digit())).collect();
    assert_eq!(items.len(), 24, "{items:#?}");
    for (n, item) in items.iter().enumerate() {
        assert!(item.starts_with(&format!("{}.", n + 1)), "item {} is {item}", n + 1);
    }
    assert_eq!(items[0].as_str(), "1.深化供给侧结构性改革");
    assert_eq!(items[10].as_str(), "11.加快大开放平台建设");
    assert_eq!(items[23].as_str(), "24.加强组织领导");
    // Every table-of-contents link lands on a section of the page.
    for link in page.select(".toc a") {
        let target = link.value().attr("href").unwrap().trim_start_matches('#');
        assert_eq!(page.select(&format!("section#{target}")).len(), 1, "no section {target}");
    }
    // The text of the draft is on the page, the section body included.
    assert!(page.body.contains("力争三年内基本实现僵尸企业市场出清"));
}

#[actix_web::test]
async fn each_section_has_its_own_page_with_a_stable_address() {
    let app = spawn_seeded_app().await;
    let full = app.page("/consultations/1").await;
    let link = full
        .select(".draft-section h4 a")
        .into_iter()
        .find(|a| a.text().collect::<String>().contains("加快大开放平台建设"))
        .expect("a link for item 11");
    let href = link.value().attr("href").unwrap().to_owned();
    assert_eq!(href, "/consultations/1/sections/5-1");
    let page = app.page(&href).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("h1"), "11.加快大开放平台建设");
    assert!(page.body.contains("深化“港产城一体”理念"));
    let crumbs = page.texts(".breadcrumb li");
    assert_eq!(crumbs.last().unwrap(), "11.加快大开放平台建设");
    assert!(crumbs.contains(&"五、实施开放发展行动".to_owned()), "{crumbs:?}");
    assert!(page.texts(".pager a").iter().any(|t| t == "下一部分：12.深化对外开放合作"));
}

#[actix_web::test]
async fn pages_are_chinese_accessible_and_fit_a_phone() {
    let app = spawn_seeded_app().await;
    for path in ["/", "/consultations/1", "/consultations/1/sections/2-1", "/no-such-page"] {
        let page = app.page(path).await;
        assert_eq!(page.select("html[lang=zh-CN]").len(), 1, "{path}: lang");
        assert_eq!(page.select("meta[name=viewport]").len(), 1, "{path}: viewport");
        assert_eq!(page.select("a.skip-link[href='#main']").len(), 1, "{path}: skip link");
        assert_eq!(page.select("main#main").len(), 1, "{path}: main landmark");
        assert_eq!(page.select("h1").len(), 1, "{path}: exactly one h1");
        assert!(page.select("script").is_empty(), "{path}: works without JavaScript");
    }
    let css = app.get("/static/site.css").await.text().await.unwrap();
    assert!(css.contains(":focus-visible"), "focus must be visible");
    assert!(
        css.contains(".site-header :focus-visible, .skip-link:focus-visible { outline-color: #ffd54a; }"),
        "and on the red header"
    );
}

#[actix_web::test]
async fn a_window_shorter_than_thirty_days_says_why_on_the_consultation_page() {
    use diesel::prelude::*;
    use zhengqiu::db::schema::consultations;
    let app = spawn_app().await;
    let short = app.create_consultation("紧急征集", china_day(-1), china_day(8), SMALL_DRAFT);
    let standard = app.create_consultation("常规征集", china_day(-1), china_day(28), SMALL_DRAFT);
    for id in [short, standard] {
        diesel::update(consultations::table.find(id))
            .set(consultations::short_period_reason.eq("防汛工作紧迫，须在汛期前出台。"))
            .execute(&mut app.conn())
            .unwrap();
    }
    let page = app.page(&format!("/consultations/{short}")).await;
    assert_eq!(page.text(".facts .short-period"), "征集期 10 日，少于 30 日。理由：防汛工作紧迫，须在汛期前出台。");
    let page = app.page(&format!("/consultations/{standard}")).await;
    assert!(page.select(".short-period").is_empty(), "a 30-day window needs no reason");
}

#[actix_web::test]
async fn a_scheduled_consultation_says_when_it_opens_and_an_open_one_how_long_is_left() {
    let app = spawn_app().await;
    let open = app.create_consultation("今天截止的征集", china_day(-29), china_day(0), SMALL_DRAFT);
    let later = app.create_consultation("三天后开始的征集", china_day(3), china_day(32), SMALL_DRAFT);
    let page = app.page(&format!("/consultations/{open}")).await;
    assert_eq!(page.text(".facts .status"), "征集中");
    assert!(page.body.contains("今天截止"));
    let page = app.page(&format!("/consultations/{later}")).await;
    assert_eq!(page.text(".facts .status"), "未开始");
    assert!(page.body.contains("3 天后开始"));
}

#[actix_web::test]
async fn missing_pages_and_records_get_a_chinese_404_page() {
    let app = spawn_seeded_app().await;
    for path in ["/no-such-page", "/consultations/9999", "/consultations/abc", "/consultations/1/sections/99-99"] {
        let page = app.page(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert_eq!(page.text("h1"), "页面不存在", "{path}");
    }
}

#[actix_web::test]
async fn an_unpublished_consultation_is_neither_listed_nor_shown() {
    let app = spawn_app().await;
    let id = app.create_consultation_with("尚未发布的草案", china_day(0), china_day(29), SMALL_DRAFT, false);
    assert!(app.page("/").await.texts(".consultation-card h2").is_empty());
    assert_eq!(app.page(&format!("/consultations/{id}")).await.status, 404);
}

#[actix_web::test]
async fn a_broken_query_gets_a_500_page_with_a_reference_number_and_no_details() {
    let app = spawn_seeded_app().await;
    let mut conn = app.conn();
    diesel::RunQueryDsl::execute(diesel::sql_query("ALTER TABLE sections RENAME TO sections_gone"), &mut conn).unwrap();
    let page = app.page("/consultations/1").await;
    assert_eq!(page.status, 500, "retrying will not help, so the page does not say 请稍后再试");
    assert_eq!(page.text("h1"), "系统出错");
    let reference = page.text(".error-reference");
    assert_eq!(reference.len(), 9, "a reference like 1A2B-3C4D: {reference}");
    assert!(!page.body.contains("sections"), "no SQL or table names leak: {}", page.body);
    assert!(!page.body.contains("请稍后再试"), "{}", page.body);
    assert_eq!(app.get("/healthz").await.status(), 200, "the database itself still answers");
}

#[actix_web::test]
async fn pages_are_revalidated_with_an_etag_and_sent_compressed_when_asked() {
    let app = spawn_seeded_app().await;
    let first = app.get("/consultations/1").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let plain = first.bytes().await.unwrap();
    let again = app.client.get(app.url("/consultations/1")).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let gzipped = app.client.get(app.url("/consultations/1")).header("Accept-Encoding", "gzip").send().await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let packed = gzipped.bytes().await.unwrap();
    assert!(packed.len() * 3 < plain.len(), "{} vs {}", packed.len(), plain.len());
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed[..]), &mut unpacked).unwrap();
    assert_eq!(unpacked, plain);
}

#[actix_web::test]
async fn a_new_opinion_shows_at_once_although_pages_are_kept_for_a_moment() {
    let app = crate::helpers::spawn_app_with(|s| s.page_cache_ms = 60_000).await;
    let id = app.create_consultation("缓存测试", china_day(-1), china_day(28), SMALL_DRAFT);
    let before = app.page(&format!("/consultations/{id}")).await;
    assert!(before.texts(".facts div").contains(&"已收到意见0 条".to_owned()));
    let form = app.open_form(&format!("/consultations/{id}/opinions/new")).await;
    let answer = app.captcha_answer(&form.captcha_id);
    let sent = app
        .post_form(
            &form.action,
            &[
                ("captcha_id", form.captcha_id.as_str()),
                ("captcha_answer", &answer),
                ("name", "张三"),
                ("contact", "13812345678"),
                ("body", "意见"),
                ("consent", "yes"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(sent.status(), 303);
    let after = app.page(&format!("/consultations/{id}")).await;
    assert!(after.texts(".facts div").contains(&"已收到意见1 条".to_owned()), "{:?}", after.texts(".facts div"));
}

#[actix_web::test]
async fn a_demo_draft_without_numbering_is_shown_paragraph_by_paragraph() {
    let app = spawn_seeded_app().await;
    let page = app.page("/consultations/2").await;
    let toc = page.texts(".toc a");
    assert!(toc.len() > 20, "{toc:?}");
    assert!(toc[0].starts_with("第1段 "), "{toc:?}");
    assert!(toc.iter().any(|t| t.contains("全面加强政府廉政建设")), "{toc:?}");
}
