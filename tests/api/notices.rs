//! Notices on paper: a consultation's QR code (PNG and SVG) really holds its page's address,
//! and the printable notice carries the title, window, address and code.

use std::collections::HashSet;

use diesel::prelude::*;
use zhengqiu::db::schema::{agencies, consultations};
use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::ConsultationId;

use crate::helpers::{SMALL_DRAFT, TestApp, china_day, login_ok, spawn_app};

fn page_url(app: &TestApp, id: ConsultationId) -> String {
    format!("{}/consultations/{id}", app.settings.public_url.trim_end_matches('/'))
}

/// The QR codes rqrr finds in a grey image, decoded.
fn read_codes(width: usize, height: usize, grey: &[u8]) -> Vec<String> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
    image.detect_grids().iter().map(|grid| grid.decode().expect("a readable code").1).collect()
}

#[actix_web::test]
async fn the_png_qr_code_is_a_picture_a_phone_reads_as_the_consultations_page() {
    let app = spawn_app().await;
    let id = app.create_consultation("养老服务条例", china_day(-1), china_day(28), SMALL_DRAFT);
    let response = app.get(&format!("/consultations/{id}/qr.png")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let cache = response.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cache.contains("public") && cache.contains("max-age=86400"), "{cache}");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("the image");
    let (w, h) = (frame.width as usize, frame.height as usize);
    assert_eq!(w, h, "square");
    assert!((250..=800).contains(&w), "a size that prints sharp and downloads fast: {w}");
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    assert_eq!(read_codes(w, h, &pixels), [page_url(&app, id)]);
}

/// The dark modules an SVG from the service draws: one `M x y h1v1h-1z` square each.
fn svg_modules(svg: &str) -> (usize, HashSet<(usize, usize)>) {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
    let view_box: Vec<usize> =
        root.attribute("viewBox").expect("a viewBox").split(' ').map(|n| n.parse().unwrap()).collect();
    let path = doc.descendants().find(|n| n.has_tag_name("path")).expect("the modules' path");
    let dark = path
        .attribute("d")
        .unwrap()
        .split('M')
        .filter(|s| !s.is_empty())
        .map(|square| {
            let at = square.strip_suffix("h1v1h-1z").expect("a unit square");
            let (x, y) = at.split_once(' ').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    (view_box[2], dark)
}

#[actix_web::test]
async fn the_svg_qr_code_draws_the_same_address_and_is_labelled_for_screen_readers() {
    let app = spawn_app().await;
    let id = app.create_consultation("养老服务条例", china_day(-1), china_day(28), SMALL_DRAFT);
    let response = app.get(&format!("/consultations/{id}/qr.svg")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = response.text().await.unwrap();
    let (size, dark) = svg_modules(&svg);
    // Four light modules of quiet zone on every side; rqrr reads the modules between.
    let quiet = 4;
    assert!(dark.iter().all(|&(x, y)| (quiet..size - quiet).contains(&x) && (quiet..size - quiet).contains(&y)));
    let grid = rqrr::SimpleGrid::from_func(size - 2 * quiet, |x, y| dark.contains(&(x + quiet, y + quiet)));
    let (_, content) = rqrr::Grid::new(grid).decode().expect("a readable code");
    assert_eq!(content, page_url(&app, id));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(doc.root_element().attribute("role"), Some("img"));
    assert_eq!(doc.root_element().attribute("aria-label"), Some(format!("二维码：{}", page_url(&app, id)).as_str()));
}

#[actix_web::test]
async fn an_unpublished_consultation_has_no_code_and_no_notice() {
    let app = spawn_app().await;
    let hidden = app.create_consultation_with("尚未发布的草案", china_day(-1), china_day(28), SMALL_DRAFT, false);
    for path in ["qr.png", "qr.svg", "notice"] {
        assert_eq!(app.get(&format!("/consultations/{hidden}/{path}")).await.status(), 404, "{path}");
        assert_eq!(app.get(&format!("/consultations/9999/{path}")).await.status(), 404, "{path}");
    }
}

#[actix_web::test]
async fn the_printable_notice_carries_title_issuer_window_address_contacts_and_code() {
    let app = spawn_app().await;
    let id = app.create_consultation("养老服务条例（征求意见稿）", china_day(-1), china_day(28), SMALL_DRAFT);
    let mut conn = app.conn();
    diesel::update(consultations::table.find(id))
        .set(consultations::how_to_comment.eq("信函请寄：测试县民政局法规科（测试路 1 号），邮编 100000。"))
        .execute(&mut conn)
        .unwrap();
    diesel::update(agencies::table.find(1))
        .set((agencies::name.eq("测试县民政局"), agencies::contact.eq("电话：0551-12345678")))
        .execute(&mut conn)
        .unwrap();

    let page = app.page(&format!("/consultations/{id}/notice")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("h1"), "养老服务条例（征求意见稿）");
    let facts = page.texts(".notice-facts div");
    let window = format!("征集时间{} 至 {}（共 30 日）", china_day(-1), china_day(28));
    assert_eq!(facts, ["发布单位测试县人民政府", "所属单位测试县民政局", window.as_str()]);
    assert_eq!(page.text(".notice-url"), page_url(&app, id));
    let howto = page.text(".notice-howto");
    assert!(howto.contains("信函请寄：测试县民政局法规科（测试路 1 号），邮编 100000。"), "{howto}");
    assert_eq!(page.texts(".notice-contact"), ["电话：0551-12345678"]);
    let code = page.select(".notice-qr svg[role=img]");
    assert_eq!(code.len(), 1, "the code inline, as an image");
    assert_eq!(code[0].value().attr("aria-label"), Some(format!("二维码：{}", page_url(&app, id)).as_str()));
    let links: Vec<&str> = page.select(".notice-actions a").iter().filter_map(|a| a.value().attr("href")).collect();
    let own = format!("/consultations/{id}");
    assert_eq!(links, [own.clone(), format!("{own}/qr.png"), format!("{own}/qr.svg")]);
    assert_eq!(page.select("link[rel=stylesheet][href='/static/notice.css']").len(), 1);

    let css = app.get("/static/notice.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let css = css.text().await.unwrap();
    assert!(css.contains("@page { size: A4;"), "{css}");
    assert!(css.contains("@media print"), "{css}");
}

#[actix_web::test]
async fn a_closed_consultations_notice_says_it_has_ended() {
    let app = spawn_app().await;
    let id = app.create_consultation("已结束的草案", china_day(-40), china_day(-5), SMALL_DRAFT);
    let page = app.page(&format!("/consultations/{id}/notice")).await;
    assert_eq!(page.status, 200);
    assert!(page.texts(".notice-facts div").contains(&"状态本次征集已结束（已结束）".to_owned()));
}

#[actix_web::test]
async fn the_public_and_staff_pages_of_a_published_consultation_link_to_the_notice() {
    let app = spawn_app().await;
    let id = app.create_consultation("养老服务条例", china_day(-1), china_day(28), SMALL_DRAFT);
    let hidden = app.create_consultation_with("尚未发布的草案", china_day(-1), china_day(28), SMALL_DRAFT, false);
    let notice = format!("/consultations/{id}/notice");
    let public = app.page(&format!("/consultations/{id}")).await;
    assert_eq!(public.texts(&format!("a[href='{notice}']")), ["打印公告"]);
    assert_eq!(public.select(&format!("a[href='/consultations/{id}/qr.png']")).len(), 1);

    app.create_user("admin", Role::Admin);
    login_ok(&app, "admin").await;
    let staff = app.page(&format!("/staff/consultations/{id}")).await;
    assert_eq!(staff.texts(&format!("a[href='{notice}']")), ["打印公告"]);
    assert_eq!(staff.texts(&format!("a[href^='/consultations/{id}/qr.']")), ["下载二维码（PNG）", "下载二维码（SVG）"]);
    let unpublished = app.page(&format!("/staff/consultations/{hidden}")).await;
    assert_eq!(unpublished.status, 200);
    assert!(unpublished.select(&format!("a[href='/consultations/{hidden}/notice']")).is_empty(), "it would be a 404");
}
