//! The printable notice prints on one A4 sheet, and its QR code is there on paper.

use fantoccini::wd::{PrintConfiguration, PrintMargins, PrintSize};

use crate::app::spawn_seeded_app;
use crate::browser::{Browser, DESKTOP, Script};
use crate::steps::{HUANGJIANG, TONGGUAN};

/// The current page printed as Chromium prints it on A4 (the notice's own margins, no
/// shrinking), as PDF.
async fn print_a4(browser: &Browser) -> Vec<u8> {
    let config = PrintConfiguration::builder()
        .size(PrintSize::A4)
        .margins(PrintMargins { top: 1.5, bottom: 1.5, left: 1.8, right: 1.8 })
        .shrink_to_fit(false)
        .build()
        .expect("a print configuration");
    browser.client.print(config).await.expect("a PDF")
}

/// The pages of a PDF: its `/Type /Page` objects (not the `/Type /Pages` tree nodes).
fn page_count(pdf: &[u8]) -> usize {
    let marker = b"/Type /Page";
    pdf.windows(marker.len() + 1).filter(|w| w.starts_with(marker) && w[marker.len()] != b's').count()
}

#[actix_web::test]
async fn a_notice_prints_on_one_a4_page_with_its_code() {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, DESKTOP, Script::On).await;
    // The Tongguan title is a long one (52 characters); Huangjiang's a usual one.
    for id in [TONGGUAN, HUANGJIANG] {
        browser.goto(&format!("/consultations/{id}/notice")).await;
        assert_eq!(browser.find_all(".notice-qr svg").await.len(), 1);
        let pdf = print_a4(&browser).await;
        assert!(pdf.starts_with(b"%PDF-"), "a PDF");
        assert_eq!(page_count(&pdf), 1, "the notice of consultation {id} on one sheet");
    }
    // The count can tell: the whole draft of a consultation takes several sheets.
    browser.goto(&format!("/consultations/{TONGGUAN}")).await;
    assert!(page_count(&print_a4(&browser).await) > 1);
    browser.close().await;
}
