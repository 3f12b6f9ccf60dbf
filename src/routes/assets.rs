//! The stylesheet and the icon, compiled into the binary so the service needs no files beside them.

use actix_web::{HttpResponse, get};

const SITE_CSS: &str = include_str!("../../static/site.css");

#[get("/static/site.css")]
pub async fn site_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(SITE_CSS)
}

const NOTICE_CSS: &str = include_str!("../../static/notice.css");

/// The printable notice's own stylesheet (its A4 page and print rules).
#[get("/static/notice.css")]
pub async fn notice_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(NOTICE_CSS)
}

const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");

#[get("/static/favicon.svg")]
pub async fn favicon_svg() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(FAVICON_SVG)
}

/// Browsers ask for `/favicon.ico` on their own: they are sent to the icon.
#[get("/favicon.ico")]
pub async fn favicon_ico() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header(("Location", "/static/favicon.svg"))
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .finish()
}
