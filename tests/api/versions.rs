//! Revised versions of a draft: upload after the window, matching checked and corrected by the
//! drafter, the current version, earlier versions at stable addresses, comparison, and opinions
//! keeping their sections. The real pair is 《保障中小企业款项支付条例》 2020 → 2025; what is expected
//! comes from the article map read by hand in `seeds/raw/versions/SOURCES.md`.

use std::collections::HashMap;

use chrono::Utc;
use reqwest::multipart::{Form, Part};

use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::{ConsultationId, SectionId};
use zhengqiu::models::{Draft, Section};
use zhengqiu::services::versions::places_in_current;

use crate::helpers::{Page, STAFF_PASSWORD, TestApp, china_day, login_ok, plain_opinion, spawn_app, squeeze};

const V1: &str = include_str!("../../seeds/raw/versions/kuanxiang-v1.txt");
const V2: &str = include_str!("../../seeds/raw/versions/kuanxiang-v2.txt");

/// A drafter `wang` logged in, owning a consultation on the 2020 text whose window is `window`.
pub(crate) async fn drafter_with_consultation(starts: i64, ends: i64) -> (TestApp, ConsultationId) {
    let app = spawn_app().await;
    let wang = app.create_user_with("wang", "王起草", Role::Drafter, STAFF_PASSWORD);
    let id = app.create_consultation("保障中小企业款项支付条例", china_day(starts), china_day(ends), V1);
    app.set_owner(id, Some(wang));
    login_ok(&app, "wang").await;
    (app, id)
}

pub(crate) async fn upload_revision(app: &TestApp, id: ConsultationId, text: &str) -> reqwest::Response {
    let path = format!("/staff/consultations/{id}/versions");
    let token = app.csrf_token(&path).await;
    let form = Form::new()
        .text("csrf", token)
        .text("version_label", "修订稿")
        .part("file", Part::bytes(text.as_bytes().to_vec()).file_name("条例修订稿.txt"));
    app.client.post(app.url(&path)).multipart(form).send().await.expect("upload")
}

pub(crate) fn section(app: &TestApp, draft: &Draft, number: &str) -> Section {
    Section::for_draft(&mut app.conn(), draft.id).unwrap().into_iter().find(|s| s.number == number).expect(number)
}

/// The matching page's row of a revised section: (the number of the chosen origin, class).
fn row_of(page: &Page, new_title_start: &str) -> (String, String) {
    let row = page
        .select("tr.match-row")
        .into_iter()
        .find(|r| {
            squeeze(&r.select(&sel("th")).next().unwrap().text().collect::<String>()).starts_with(new_title_start)
        })
        .unwrap_or_else(|| panic!("a row for {new_title_start}"));
    let chosen =
        row.select(&sel("option[selected]")).next().map(|o| squeeze(&o.text().collect::<String>())).unwrap_or_default();
    let chosen = chosen.split(' ').next().unwrap_or_default().to_owned();
    let class = squeeze(&row.select(&sel("td.change")).next().unwrap().text().collect::<String>());
    (chosen, class)
}

fn sel(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap()
}

#[actix_web::test]
async fn a_revision_is_matched_article_by_article_and_confirmed_as_the_current_version() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let v1 = Draft::current_for(&mut app.conn(), id).unwrap().unwrap();
    let response = upload_revision(&app, id, V2).await;
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    assert_eq!(Draft::current_for(&mut app.conn(), id).unwrap().unwrap().id, v1.id, "still the first version");

    let page = app.page(&format!("/staff/consultations/{id}/versions/pending")).await;
    assert_eq!(page.status, 200);
    // SOURCES.md: 第四条 is new in 2025; 2020 第四条 became 第五条; 第十九条 came from 第十六条;
    // 第二十条 (2020 第十八条) now stands ahead of the complaint articles; 第三十七条 only changed its date.
    assert_eq!(row_of(&page, "第四条").1, "新增");
    assert_eq!(row_of(&page, "第五条"), ("第四条".to_owned(), "修改".to_owned()));
    assert_eq!(row_of(&page, "第二十条"), ("第十八条".to_owned(), "移动".to_owned()));
    assert_eq!(row_of(&page, "第十七条"), ("第十五条".to_owned(), "未修改".to_owned()));
    assert_eq!(row_of(&page, "第三十七条"), ("第二十九条".to_owned(), "修改".to_owned()));
    assert!(
        page.body.contains("<del><span class=\"visually-hidden\">删除：</span>0年9</del>"),
        "the date's diff is shown"
    );

    let token = page.field_value("csrf").unwrap();
    let response = app
        .post_form(&format!("/staff/consultations/{id}/versions/pending"), &[("csrf", &token), ("action", "confirm")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let current = Draft::current_for(&mut app.conn(), id).unwrap().unwrap();
    assert_eq!(current.version_no, 2);
    assert!(!current.pending);
    assert_eq!(Draft::versions(&mut app.conn(), id).unwrap().len(), 2);

    // The public page shows the new text and both versions; the first stays at its address.
    let public = app.page(&format!("/consultations/{id}")).await;
    assert!(public.body.contains("坚持支付主体负责、行业规范自律、政府依法监管、社会协同监督的原则"));
    assert_eq!(public.select("nav.versions li").len(), 2);
    let first = app.page(&format!("/consultations/{id}/versions/1")).await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("本条例自2020年9月1日起施行。"));
    assert!(!first.body.contains("坚持支付主体负责"));
    let second = app.page(&format!("/consultations/{id}/versions/2")).await;
    assert!(second.select("a[href*='compare?from=1&to=2#new-']").len() >= 37, "each article links to its history");
    assert_eq!(app.page(&format!("/consultations/{id}/versions/3")).await.status, 404);
    let _ = v1;
}

#[actix_web::test]
async fn the_comparison_marks_additions_and_deletions_with_words_as_well_as_lines() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    upload_revision(&app, id, V2).await;
    let token = app.csrf_token(&format!("/staff/consultations/{id}/versions/pending")).await;
    app.post_form(&format!("/staff/consultations/{id}/versions/pending"), &[("csrf", &token), ("action", "confirm")])
        .await;

    let page = app.page(&format!("/consultations/{id}/compare?from=1&to=2")).await;
    assert_eq!(page.status, 200);
    let rows = page.select("li.compare-row");
    // 7 articles are the same (SOURCES.md) and are left out unless asked for.
    assert!(
        !page.texts("li.compare-row h2").iter().any(|t| t.starts_with("第一条")),
        "unchanged articles are left out"
    );
    let date_row = rows
        .iter()
        .find(|r| {
            r.value().attr("id").is_some_and(|a| a.starts_with("new-"))
                && r.text().collect::<String>().contains("起施行")
        })
        .expect("the row of the in-force date");
    let html = date_row.inner_html();
    assert!(html.contains("<del><span class=\"visually-hidden\">删除：</span>0年9</del>"), "{html}");
    assert!(html.contains("<ins><span class=\"visually-hidden\">增加：</span>5年6</ins>"), "{html}");
    assert!(squeeze(&date_row.text().collect::<String>()).contains("【修改】"));
    let new_rows: Vec<String> =
        page.texts("li.change-new h2").into_iter().filter_map(|t| t.split(' ').next().map(str::to_owned)).collect();
    // 6 articles new in 2025, and the 5 chapters (the 2020 text had none).
    assert_eq!(
        new_rows,
        [
            "第一章",
            "第四条",
            "第二章",
            "第十五条",
            "第十九条",
            "第三章",
            "第二十一条",
            "第二十二条",
            "第四章",
            "第三十五条",
            "第五章"
        ]
    );
    let all = app.page(&format!("/consultations/{id}/compare?from=1&to=2&all=1")).await;
    assert!(all.select("li.compare-row").len() > rows.len(), "unchanged ones shown when asked");
    assert_eq!(app.page(&format!("/consultations/{id}/compare?from=2&to=1")).await.status, 400);
}

#[actix_web::test]
async fn the_drafter_corrects_a_match_before_saving() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let v1 = Draft::current_for(&mut app.conn(), id).unwrap().unwrap();
    upload_revision(&app, id, V2).await;
    let pending = Draft::pending_for(&mut app.conn(), id).unwrap().unwrap();
    let new4 = section(&app, &pending, "第四条");
    let new5 = section(&app, &pending, "第五条");
    let old4 = section(&app, &v1, "第四条");
    let old5 = section(&app, &v1, "第五条");
    let path = format!("/staff/consultations/{id}/versions/pending");
    let token = app.csrf_token(&path).await;
    // Say new 第四条 came from old 第五条, and new 第五条 is new.
    let (f4, f5, o5) = (format!("from_{}", new4.id), format!("from_{}", new5.id), old5.id.to_string());
    let response = app.post_form(&path, &[("csrf", &token), ("action", "save"), (&f4, &o5), (&f5, "new")]).await;
    assert_eq!(response.status().as_u16(), 303);
    let page = app.page(&path).await;
    assert_eq!(row_of(&page, "第四条").0, "第五条");
    assert_eq!(row_of(&page, "第五条"), ("新增（无对应原条文）".to_owned(), "新增".to_owned()));
    // Old 第四条 now has no successor: it is listed as deleted.
    assert!(page.texts("tr.change-deleted td").iter().any(|t| t.contains("第四条")), "old 第四条 deleted");
    let _ = old4;
}

#[actix_web::test]
async fn each_row_offers_the_nearby_articles_and_any_other_is_named_by_its_number() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    upload_revision(&app, id, V2).await;
    let pending = Draft::pending_for(&mut app.conn(), id).unwrap().unwrap();
    let new5 = section(&app, &pending, "第五条");
    let path = format!("/staff/consultations/{id}/versions/pending");
    let page = app.page(&path).await;
    // 「新增」, the match and three articles on either side of it: not all 2020 articles.
    let sizes: Vec<usize> = page.select("select").iter().map(|s| s.select(&sel("option")).count()).collect();
    assert!(sizes.iter().all(|n| *n <= 9), "{sizes:?}");
    let field = format!("#number_{}", new5.id);
    assert_eq!(page.select(&field).len(), 1, "a number field beside the row");

    // 2025 第五条 said to come from 2020 第二十九条, typed as 29 (not in its list).
    let token = page.field_value("csrf").unwrap();
    let (from, number) = (format!("from_{}", new5.id), format!("number_{}", new5.id));
    let response = app.post_form(&path, &[("csrf", &token), ("action", "save"), (&number, "29")]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(row_of(&app.page(&path).await, "第五条").0, "第二十九条");

    // A number the 2020 text does not have: the page again, with the message and what was typed.
    let response =
        app.post_form(&path, &[("csrf", &token), ("action", "save"), (&from, "new"), (&number, "第九十九条")]).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = Page::from_response(response).await;
    assert!(page.text("[role=alert]").contains("没有编号为“第九十九条”的条文"), "{}", page.text("[role=alert]"));
    assert_eq!(page.select(&field)[0].value().attr("value"), Some("第九十九条"));
    assert!(page.body.contains("<title>错误："));
    assert_eq!(row_of(&app.page(&path).await, "第五条").0, "第二十九条", "nothing saved");
}

#[actix_web::test]
async fn a_revision_cannot_be_uploaded_while_the_consultation_is_open() {
    let (app, id) = drafter_with_consultation(-5, 25).await;
    let response = upload_revision(&app, id, V2).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = Page::from_response(response).await;
    assert!(page.text("[role=alert]").contains("征集期间不能上传修改稿"), "{}", page.text("[role=alert]"));
    assert!(Draft::pending_for(&mut app.conn(), id).unwrap().is_none());
    assert_eq!(Draft::versions(&mut app.conn(), id).unwrap().len(), 1);
}

#[actix_web::test]
async fn opinions_keep_their_section_and_gain_its_place_in_the_revision() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let v1 = Draft::current_for(&mut app.conn(), id).unwrap().unwrap();
    let (old19, old17, old4) =
        (section(&app, &v1, "第十九条"), section(&app, &v1, "第十七条"), section(&app, &v1, "第四条"));
    let now = Utc::now().naive_utc();
    let mut opinion = plain_opinion(id, "张三", "建议删去第十九条。", now);
    opinion.section_id = Some(old19.id);
    opinion.insert_counted(&mut app.conn()).unwrap();

    upload_revision(&app, id, V2).await;
    let path = format!("/staff/consultations/{id}/versions/pending");
    let token = app.csrf_token(&path).await;
    app.post_form(&path, &[("csrf", &token), ("action", "confirm")]).await;
    let v2 = Draft::current_for(&mut app.conn(), id).unwrap().unwrap();
    let number_of = |ids: &[SectionId]| -> Vec<String> {
        let all = Section::for_draft(&mut app.conn(), v2.id).unwrap();
        ids.iter().map(|i| all.iter().find(|s| s.id == *i).unwrap().number.clone()).collect()
    };
    let places: HashMap<SectionId, Vec<SectionId>> =
        places_in_current(&mut app.conn(), id, &[old19.id, old17.id, old4.id]).unwrap();
    // SOURCES.md: 19 merged into 26; 17 split into 24, 25, 26; 4 became 5.
    assert_eq!(number_of(&places[&old19.id]), ["第二十六条"]);
    assert_eq!(number_of(&places[&old17.id]), ["第二十四条", "第二十五条", "第二十六条"]);
    assert_eq!(number_of(&places[&old4.id]), ["第五条"]);
    // The opinion itself still points at the 2020 article.
    let stored = Section::find(&mut app.conn(), old19.id).unwrap();
    assert_eq!(stored.opinion_count, 1);
}

/// A consultation revised from the 2020 to the 2025 text, with an opinion on 2020 第二十九条
/// decided 采纳; returns the opinion's id.
async fn revised_with_an_adopted_opinion() -> (TestApp, ConsultationId, i32) {
    use diesel::prelude::*;
    use zhengqiu::db::schema::opinions;
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let v1 = Draft::current_for(&mut app.conn(), id).unwrap().unwrap();
    let mut opinion = plain_opinion(id, "张三", "建议明确新的施行日期。", Utc::now().naive_utc());
    opinion.section_id = Some(section(&app, &v1, "第二十九条").id);
    let opinion_id = opinion.insert_counted(&mut app.conn()).unwrap();
    diesel::update(opinions::table.find(opinion_id))
        .set(opinions::decision.eq("adopted"))
        .execute(&mut app.conn())
        .unwrap();
    upload_revision(&app, id, V2).await;
    let path = format!("/staff/consultations/{id}/versions/pending");
    let token = app.csrf_token(&path).await;
    app.post_form(&path, &[("csrf", &token), ("action", "confirm")]).await;
    (app, id, opinion_id.0)
}

#[actix_web::test]
async fn the_change_table_comes_out_in_three_formats_with_the_decisions_as_its_notes() {
    let (app, id, opinion) = revised_with_an_adopted_opinion().await;
    let path = format!("/staff/consultations/{id}/versions/changes");
    let page = app.page(&path).await;
    assert_eq!(page.status, 200);
    let rows = page.select("table.change-table tbody tr");
    let date_row =
        rows.iter().position(|r| r.text().collect::<String>().contains("2025年6月1日")).expect("the date row");
    let field = format!("note_{}", date_row + 1);
    assert_eq!(page.field_value(&field).as_deref(), Some(format!("采纳第{opinion}号意见").as_str()));
    assert!(!page.texts("table.change-table tbody td").iter().any(|t| t.starts_with("第一条")), "unchanged left out");

    let token = page.field_value("csrf").unwrap();
    let edited = "根据第一轮意见，明确施行日期";
    for format in ["csv", "xlsx", "docx"] {
        let response = app
            .post_form(&path, &[("csrf", &token), ("from", "1"), ("to", "2"), ("format", format), (&field, edited)])
            .await;
        assert_eq!(response.status().as_u16(), 200, "{format}");
        let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        // 修改对照表, percent-encoded as UTF-8.
        assert!(
            disposition.contains("filename*=UTF-8''")
                && disposition.contains("%E4%BF%AE%E6%94%B9%E5%AF%B9%E7%85%A7%E8%A1%A8"),
            "{disposition}"
        );
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let bytes = response.bytes().await.unwrap();
        let table = crate::review::cells(format, &bytes);
        let header = table.iter().position(|r| r.first().map(String::as_str) == Some("序号")).expect("a header row");
        assert_eq!(table[header], ["序号", "原条文", "修改后条文", "修改说明"], "{format}");
        let data = &table[header + 1..];
        assert_eq!(data.len(), rows.len(), "{format}: a row per change");
        assert_eq!(
            data[date_row],
            [
                (date_row + 1).to_string(),
                "第二十九条 本条例自2020年9月1日起施行。".to_owned(),
                "第三十七条 本条例自2025年6月1日起施行。".to_owned(),
                edited.to_owned()
            ],
            "{format}"
        );
    }
}

#[actix_web::test]
async fn the_explanation_is_published_under_its_own_heading_with_the_draft() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let path = format!("/staff/consultations/{id}/versions");
    let token = app.csrf_token(&path).await;
    let text = "一、修订的必要性\r\n近年来拖欠中小企业账款问题仍较突出。\r\n二、主要内容";
    let response = app.post_form(&format!("{path}/explanation"), &[("csrf", &token), ("explanation", text)]).await;
    assert_eq!(response.status().as_u16(), 303);
    let public = app.page(&format!("/consultations/{id}")).await;
    assert_eq!(public.text("section.explanation h2"), "起草说明");
    assert_eq!(
        public.texts("section.explanation p"),
        ["一、修订的必要性", "近年来拖欠中小企业账款问题仍较突出。", "二、主要内容"]
    );
    let version = app.page(&format!("/consultations/{id}/versions/1")).await;
    assert_eq!(version.texts("section.explanation p").len(), 3);
    // Emptied, it is no longer shown.
    let token = app.csrf_token(&path).await;
    app.post_form(&format!("{path}/explanation"), &[("csrf", &token), ("explanation", "  ")]).await;
    assert!(app.page(&format!("/consultations/{id}")).await.select("section.explanation").is_empty());
}

#[actix_web::test]
async fn an_explanation_over_the_limit_comes_back_as_typed_with_the_message_beside_it() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let path = format!("/staff/consultations/{id}/versions");
    let token = app.csrf_token(&path).await;
    app.post_form(&format!("{path}/explanation"), &[("csrf", &token), ("explanation", "一、修订的必要性")]).await;
    // A long real explanation, in Chinese (nine bytes a character once sent): saved whole.
    let long: String = "一、修订的必要性。为贯彻落实党中央、国务院决策部署，".chars().cycle().take(60_000).collect();
    let token = app.csrf_token(&path).await;
    let response = app.post_form(&format!("{path}/explanation"), &[("csrf", &token), ("explanation", &long)]).await;
    assert_eq!(response.status().as_u16(), 303, "60,000 字 are within the limit");
    let public = app.page(&format!("/consultations/{id}")).await;
    assert_eq!(public.texts("section.explanation p").concat().chars().count(), 60_000);
    app.post_form(
        &format!("{path}/explanation"),
        &[("csrf", &app.csrf_token(&path).await), ("explanation", "一、修订的必要性")],
    )
    .await;
    let too_long = "说".repeat(100_001);
    let token = app.csrf_token(&path).await;
    let response = app.post_form(&format!("{path}/explanation"), &[("csrf", &token), ("explanation", &too_long)]).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = Page::from_response(response).await;
    assert_eq!(page.text("#explanation-error"), "错误：起草说明不能超过 100000 字。");
    assert_eq!(page.select("#explanation")[0].text().collect::<String>(), too_long, "kept as typed");
    assert!(page.body.contains("<title>错误："));
    let public = app.page(&format!("/consultations/{id}")).await;
    assert_eq!(public.texts("section.explanation p"), ["一、修订的必要性"], "the saved one stays");
}
