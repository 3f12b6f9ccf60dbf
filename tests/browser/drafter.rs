//! A drafter decides an opinion, downloads the adoption table and publishes the feedback the public then reads.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::Reader;

use crate::app::spawn_seeded_app;
use crate::browser::{Browser, DESKTOP, Script};
use crate::steps::{TONGGUAN, log_in, publish_feedback};

const TABLE_TITLE: &str = "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况";

#[actix_web::test]
async fn a_drafter_decides_an_opinion_downloads_the_table_and_publishes_feedback_the_public_reads() {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, DESKTOP, Script::On).await;
    log_in(&browser, &app.drafter()).await;

    browser.follow(&format!("main a[href='/staff/consultations/{TONGGUAN}']")).await;
    let title = browser.text("h1").await;
    browser.follow_text("a.button", "逐条处理意见").await;
    assert_eq!(browser.text("h1").await, "逐条处理意见");
    browser.follow("a[href='?decision=undecided']").await;
    let card = browser.find(".opinion-card").await;
    let opinion = card.attr("id").await.unwrap().unwrap_or_default().trim_start_matches("o-").to_owned();
    browser.follow_element(card.find(fantoccini::Locator::LinkText("处理此条意见")).await.unwrap()).await;
    assert_eq!(browser.text("#wb-title").await, format!("意见 #{opinion} 未处理"), "open in the workbench");
    browser.follow(".workbench-panel a.opinion-page").await;
    assert_eq!(browser.text("h1").await, format!("意见 #{opinion}"));
    browser.screenshot("drafter-opinion").await;

    // 不予采纳 needs a reason: without one the decision is refused and says why.
    browser.click("#d-status-not_adopted").await;
    browser.follow_text("button[name=action]", "保存").await;
    assert_eq!(browser.text("#e-reason").await, "选择“不予采纳”时须说明理由");
    let reason = "该项工作已由区发展改革委牵头，不宜另设牵头单位。";
    browser.fill("#d-reason", reason).await;
    browser.follow_text("button[name=action]", "保存").await;
    assert_eq!(browser.text(".flash-ok").await, format!("已保存意见 #{opinion} 的采纳情况。"));
    let status = "//dl[contains(@class,'facts')]/div[dt='采纳情况']/dd";
    let shown = browser.client.find(fantoccini::Locator::XPath(status)).await.unwrap().text().await.unwrap();
    assert_eq!(shown, "不予采纳");
    assert!(browser.texts("table tbody td").await.iter().any(|cell| cell == reason), "the history keeps the reason");

    // The adoption table, downloaded as a browser saves it.
    browser.goto(&format!("/staff/consultations/{TONGGUAN}/exports")).await;
    assert!(browser.find("#f-xlsx").await.is_selected().await.unwrap(), "Excel is the default format");
    // A download: the page stays.
    browser.find_with_text("form button[type=submit]", "导出").await.click().await.expect("导出");
    let file = downloaded(browser.downloads.path(), "xlsx").await;
    let saved_as = file.file_name().unwrap().to_string_lossy().into_owned();
    // seeds/consultations.toml: tongguan-2018's draft_title, version 征求意见稿.
    let draft = "《中共铜官区委 铜官区人民政府关于贯彻省市〈五大发展行动计划〉的实施意见(修订版)(征求意见稿)》";
    assert_eq!(saved_as, format!("{draft}意见采纳情况.xlsx"), "saved under the draft's name");
    let rows = xlsx_rows(&std::fs::read(&file).unwrap());
    assert_eq!(rows[0][0], TABLE_TITLE, "the table's heading");
    assert!(rows.iter().flatten().any(|cell| cell == reason), "the table gives the reason: {rows:?}");
    assert_eq!(browser.text("h1").await, "导出意见采纳情况表", "the download leaves the page as it was");

    // Publishing the feedback of the closed consultation.
    let thanks = "感谢各单位提出的宝贵意见，现将意见采纳情况公布如下。";
    publish_feedback(&browser, TONGGUAN, thanks).await;
    assert_eq!(browser.text(".flash-ok").await, "意见反馈已公布。");
    browser.follow_text("a", "查看公开页面").await;
    assert_eq!(browser.path().await, format!("/consultations/{TONGGUAN}/feedback"));
    assert_eq!(browser.text("h1").await, format!("意见反馈：{title}"));
    assert!(browser.texts("main p").await.iter().any(|p| p == thanks), "the drafter's text is public");
    assert_eq!(browser.text("#table-title").await, TABLE_TITLE);
    assert!(browser.texts("table td").await.iter().any(|cell| cell.contains(reason)), "the reason is public");
    browser.screenshot("drafter-published-feedback").await;
    browser.close().await;
}

/// The file with `extension` the browser finished saving into `dir`, waited for up to ten seconds.
/// Chromium may name the file before it has written all of it: finished means no `.crdownload`
/// is left and the size held still between two looks.
async fn downloaded(dir: &Path, extension: &str) -> PathBuf {
    let started = Instant::now();
    let mut last_size = None;
    loop {
        let files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
        let partial = files.iter().any(|f| f.extension().is_some_and(|e| e == "crdownload"));
        if let Some(file) = files.iter().find(|f| f.extension().is_some_and(|e| e == extension))
            && !partial
        {
            let size = std::fs::metadata(file).map(|m| m.len()).ok().filter(|&n| n > 0);
            if size.is_some() && size == last_size {
                return file.clone();
            }
            last_size = size;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no .{extension} download in {dir:?}: {files:?}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx file");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("a readable sheet");
    sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}
