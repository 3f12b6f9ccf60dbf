//! Feeds and discovery: Atom feeds, the sitemap, and the tags a shared link shows.

use crate::helpers::{SMALL_DRAFT, china_day, spawn_app};

#[actix_web::test]
async fn the_atom_feed_lists_published_consultations_with_absolute_links() {
    let app = spawn_app().await;
    let id = app.create_consultation("养老服务条例", china_day(-1), china_day(28), SMALL_DRAFT);
    app.create_consultation_with("尚未发布的草案", china_day(-1), china_day(28), SMALL_DRAFT, false);
    let response = app.get("/feeds/consultations.atom").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let body = response.text().await.unwrap();
    let doc = roxmltree::Document::parse(&body).expect("well-formed XML");
    let entries: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("entry")).collect();
    assert_eq!(entries.len(), 1, "{body}");
    let title = entries[0].descendants().find(|n| n.has_tag_name("title")).and_then(|n| n.text());
    assert_eq!(title, Some("养老服务条例"));
    let link = entries[0].descendants().find(|n| n.has_tag_name("link")).and_then(|n| n.attribute("href"));
    assert_eq!(link, Some(format!("{}/consultations/{id}", app.settings.public_url).as_str()));
    // An agency's feed of feedback is empty until feedback is published.
    let feedback = app.get("/agencies/1/feedback.atom").await.text().await.unwrap();
    let doc = roxmltree::Document::parse(&feedback).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("entry")).count(), 0);
    assert_eq!(app.get("/agencies/99/consultations.atom").await.status(), 404);
}

#[actix_web::test]
async fn the_sitemap_holds_the_home_page_and_every_published_consultation() {
    let app = spawn_app().await;
    let id = app.create_consultation("养老服务条例", china_day(-1), china_day(28), SMALL_DRAFT);
    let hidden = app.create_consultation_with("尚未发布的草案", china_day(-1), china_day(28), SMALL_DRAFT, false);
    let body = app.get("/sitemap.xml").await.text().await.unwrap();
    let doc = roxmltree::Document::parse(&body).expect("well-formed XML");
    let locs: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("loc")).filter_map(|n| n.text()).collect();
    let base = &app.settings.public_url;
    assert!(locs.contains(&format!("{base}/").as_str()), "{locs:?}");
    assert!(locs.contains(&format!("{base}/consultations/{id}").as_str()), "{locs:?}");
    assert!(!locs.iter().any(|l| l.ends_with(&format!("/consultations/{hidden}"))), "{locs:?}");
}

#[actix_web::test]
async fn a_consultation_page_carries_its_title_and_window_for_shared_links() {
    let app = spawn_app().await;
    let id = app.create_consultation("养老服务条例", china_day(-1), china_day(28), SMALL_DRAFT);
    let page = app.page(&format!("/consultations/{id}")).await;
    let meta = |css: &str| page.select(css).first().and_then(|m| m.value().attr("content")).map(str::to_owned);
    assert_eq!(meta("meta[property='og:title']").as_deref(), Some("养老服务条例"));
    let description = meta("meta[name=description]").unwrap();
    assert!(description.contains(&format!("{} 至 {}", china_day(-1), china_day(28))), "{description}");
    assert!(description.contains("测试县人民政府"), "{description}");
    assert_eq!(meta("meta[property='og:description']"), Some(description));
}
