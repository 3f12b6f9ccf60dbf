//! The outline page after an upload: the split, the notice before the draft, the draft's 目录,
//! and every correction a drafter can make before publishing; and hostile files through the
//! upload route.

use std::io::{Cursor, Write};

use chrono::Utc;
use reqwest::multipart::{Form, Part};

use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::ConsultationId;
use zhengqiu::models::{Draft, Section};

use crate::helpers::{Page, SMALL_DRAFT, TestApp, china_day, login_ok, plain_opinion, spawn_app};

/// A regulation published with its notice in front and a 目录, as agencies publish them.
const NOTICE: &str = "关于公开征求《测试县养犬管理条例（草案）》意见的公告
为广泛听取社会各界意见，现将《测试县养犬管理条例（草案）》全文公布，征求意见。
一、意见可以通过电子邮件发送至 test@example.cn。
二、征求意见截止时间为2026年12月31日。
附件：测试县养犬管理条例（草案）
测试县司法局
2026年12月1日
";
const TITLE: &str = "测试县养犬管理条例（草案）\n";
const TOC: &str = "目录\n第一章 总则\n第二章 管理\n第三章 附则\n";
const BODY: &str = "第一章 总则
第一条 为了规范养犬行为，制定本条例。
第二条 本条例适用于本县。
第二章 管理
第三条 养犬人应当办理登记。
犬只应当佩戴犬牌。
第四条 禁止携犬进入学校。
第三章 附则
第五条 本条例自公布之日起施行。
";

fn whole_file() -> String {
    format!("{NOTICE}{TITLE}{TOC}{BODY}")
}

/// The outline as split: a preamble (the title line), then chapters and articles.
const TITLES: [&str; 9] = [
    "前言",
    "第一章 总则",
    "第一条 为了规范养犬行为，制定本条例",
    "第二条 本条例适用于本县",
    "第二章 管理",
    "第三条 养犬人应当办理登记",
    "第四条 禁止携犬进入学校",
    "第三章 附则",
    "第五条 本条例自公布之日起施行",
];

/// An app with a drafter `wang` logged in, owning an unpublished consultation (made through the
/// model) to which the regulation above was uploaded through the form.
async fn uploaded() -> (TestApp, ConsultationId, Page) {
    let app = spawn_app().await;
    let wang = app.create_user("wang", Role::Drafter);
    let id = app.create_consultation_with("养犬管理条例征求意见", china_day(0), china_day(29), SMALL_DRAFT, false);
    app.set_owner(id, Some(wang));
    login_ok(&app, "wang").await;
    let response = upload(&app, id, "条例.txt", whole_file().into_bytes()).await;
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    let page = app.follow(response).await;
    (app, id, page)
}

async fn upload(app: &TestApp, id: ConsultationId, file_name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let path = format!("/staff/consultations/{id}/draft");
    let token = app.csrf_token(&path).await;
    let form = Form::new()
        .text("csrf", token)
        .text("version_label", "征求意见稿")
        .part("file", Part::bytes(bytes).file_name(file_name.to_owned()));
    app.client.post(app.url(&path)).multipart(form).send().await.expect("upload")
}

fn outline_path(id: ConsultationId) -> String {
    format!("/staff/consultations/{id}/outline")
}

/// Posts one correction from the outline page and returns the outline page it leads to.
async fn correct(app: &TestApp, id: ConsultationId, fields: &[(&str, &str)]) -> Page {
    let path = outline_path(id);
    let response = app.post_with_csrf(&path, &path, fields).await;
    let page = app.follow(response).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// The current draft and its sections as stored.
fn stored(app: &TestApp, id: ConsultationId) -> (Draft, Vec<Section>) {
    let mut conn = app.conn();
    let draft = Draft::current_for(&mut conn, id).unwrap().expect("a current draft");
    let sections = Section::for_draft(&mut conn, draft.id).unwrap();
    (draft, sections)
}

/// The draft's text as stored: preamble, 目录, then the other sections (the notice apart).
fn stored_text(draft: &Draft, sections: &[Section]) -> String {
    let mut text = String::new();
    let rest = match sections.split_first() {
        Some((first, rest)) if first.kind == "preamble" => {
            text.push_str(&first.body);
            rest
        }
        _ => sections,
    };
    text.push_str(draft.toc.as_deref().unwrap_or_default());
    rest.iter().for_each(|s| text.push_str(&s.body));
    text
}

/// Section titles with their levels and anchors, as stored.
fn rows(sections: &[Section]) -> Vec<(String, i32, String)> {
    sections.iter().map(|s| (s.title(), s.level, s.anchor.clone())).collect()
}

fn row(title: &str, level: i32, anchor: &str) -> (String, i32, String) {
    (title.to_owned(), level, anchor.to_owned())
}

#[actix_web::test]
async fn an_upload_shows_the_split_the_notice_and_the_toc_on_the_outline_page() {
    let (app, id, page) = uploaded().await;
    assert_eq!(page.text("h1"), "核对大纲");
    let flash = page.text(".flash-ok");
    assert!(flash.contains("共 9 个部分") && flash.contains("公告") && flash.contains("目录"), "{flash}");
    assert_eq!(page.texts(".outline-title"), TITLES);
    let facts = page.texts(".outline-facts");
    assert!(facts[0].starts_with("前言"), "{facts:?}");
    assert!(facts[1].starts_with("第 1 级 · 章"), "{facts:?}");
    assert!(facts[2].starts_with("第 2 级 · 条"), "{facts:?}");
    // Where each section's text starts: the body after its heading line.
    let third = page.select(".outline-editor > li")[5].text().collect::<String>();
    assert!(third.contains("犬只应当佩戴犬牌。"), "{third}");
    assert_eq!(page.text("label[for=announce]"), "把正文前的公告作为本次征求意见的公告");
    // Only a run of chapters without text right after the preamble may end a 目录: 第一条 ends it.
    let offered: Vec<_> = page
        .select(".outline-editor > li")
        .iter()
        .map(|li| li.select(&selector("button[value=to_toc]")).count())
        .collect();
    assert_eq!(offered, [0, 1, 0, 0, 0, 0, 0, 0, 0]);
    assert!(page.select("#announce[checked]").is_empty(), "not ticked until the drafter ticks it");
    assert!(page.text(".outline-notice details").contains("意见可以通过电子邮件发送至 test@example.cn"));
    assert_eq!(page.texts(".toc-text p"), ["目录", "第一章 总则", "第二章 管理", "第三章 附则"]);

    let (draft, sections) = stored(&app, id);
    assert_eq!(draft.notice.as_deref(), Some(NOTICE));
    assert_eq!(draft.toc.as_deref(), Some(TOC));
    assert!(!draft.notice_is_announcement);
    assert_eq!(sections.len(), 9);
    assert!(sections.iter().all(|s| !s.body.contains("目录") && !s.body.contains("公告")), "nothing is kept twice");
    assert_eq!(format!("{NOTICE}{}", stored_text(&draft, &sections)), whole_file(), "nothing is lost");
    let overview = app.page(&format!("/staff/consultations/{id}")).await;
    assert_eq!(overview.texts(&format!("a[href='/staff/consultations/{id}/outline']")), ["核对大纲"]);
}

#[actix_web::test]
async fn the_notice_is_the_public_announcement_only_when_ticked_and_the_toc_is_no_section() {
    let (app, id, _) = uploaded().await;
    let page = correct(&app, id, &[("op", "notice"), ("announce", "1")]).await;
    assert_eq!(page.text(".flash-ok"), "已把正文前的公告作为本次征求意见的公告。");
    assert_eq!(page.select("#announce[checked]").len(), 1);
    assert!(stored(&app, id).0.notice_is_announcement);
    let page = correct(&app, id, &[("op", "notice")]).await;
    assert!(page.text(".flash-ok").contains("基本信息中填写的公告"));
    assert!(!stored(&app, id).0.notice_is_announcement);
    let public = format!("/consultations/{id}");
    correct(&app, id, &[("op", "notice"), ("announce", "on")]).await;

    let overview = format!("/staff/consultations/{id}");
    app.post_with_csrf(&overview, &format!("{overview}/publish"), &[]).await;
    let page = app.page(&public).await;
    assert_eq!(page.status, 200);
    let notice = page.text(".notice");
    assert!(notice.contains("意见可以通过电子邮件发送至 test@example.cn"), "{notice}");
    assert!(!notice.contains("这是一则测试公告"), "the draft's notice replaces the typed one: {notice}");
    let api: serde_json::Value = app.get(&format!("/api/v1/consultations/{id}")).await.json().await.unwrap();
    assert!(api["notice"].as_str().unwrap().starts_with("关于公开征求《测试县养犬管理条例（草案）》意见的公告"));
    assert_eq!(api["draft"]["toc"], TOC);
    assert_eq!(api["draft"]["sections"].as_array().unwrap().len(), 9);

    // The 目录 is shown as the draft's own table of contents, never as a section to comment on.
    assert_eq!(page.texts(".draft-own-toc p"), ["目录", "第一章 总则", "第二章 管理", "第三章 附则"]);
    assert_eq!(page.select(".draft-section").len(), 9);
    assert!(page.select(".draft-own-toc a").is_empty(), "no link to comment on the 目录");
    let own_toc_after_preamble = page.body.find("draft-own-toc").unwrap();
    assert!(page.body.find("id=\"s-0\"").unwrap() < own_toc_after_preamble);
    assert!(own_toc_after_preamble < page.body.find("id=\"s-1\"").unwrap());
}

#[actix_web::test]
async fn a_heading_is_lowered_and_raised_with_the_articles_under_it() {
    let (app, id, _) = uploaded().await;
    assert_eq!(rows(&stored(&app, id).1), uploaded_rows());
    let page = correct(&app, id, &[("op", "lower"), ("section", "4"), ("anchor", "2")]).await;
    assert_eq!(page.text(".flash-ok"), "已修改大纲。");
    let (draft, sections) = stored(&app, id);
    assert_eq!(
        rows(&sections)[4..7],
        [
            row("第二章 管理", 2, "1-3"),
            row("第三条 养犬人应当办理登记", 3, "1-3-1"),
            row("第四条 禁止携犬进入学校", 3, "1-3-2")
        ]
    );
    assert_eq!(sections[5].parent_id, Some(sections[4].id));
    assert_eq!(sections[4].parent_id, Some(sections[1].id));
    assert_eq!(stored_text(&draft, &sections), format!("{TITLE}{TOC}{BODY}"));

    correct(&app, id, &[("op", "raise"), ("section", "4"), ("anchor", "1-3")]).await;
    let (_, sections) = stored(&app, id);
    assert_eq!(rows(&sections)[4..6], [row("第二章 管理", 1, "2"), row("第三条 养犬人应当办理登记", 2, "2-1")]);

    // A chapter cannot go above the top, nor an article two levels below the one before it.
    let page = correct(&app, id, &[("op", "raise"), ("section", "1"), ("anchor", "1")]).await;
    assert_eq!(page.text(".flash-error"), "层级只能在 1 到 1 之间（不能比上一个标题低两级以上）。");
    let page = correct(&app, id, &[("op", "level"), ("section", "3"), ("anchor", "1-2"), ("level", "4")]).await;
    assert!(page.text(".flash-error").starts_with("层级只能在 1 到 3 之间"), "{}", page.text(".flash-error"));
    assert_eq!(rows(&stored(&app, id).1), rows(&sections), "a refused correction changes nothing");
}

#[actix_web::test]
async fn a_line_that_is_no_heading_is_merged_into_the_section_before() {
    let (app, id, _) = uploaded().await;
    correct(&app, id, &[("op", "merge"), ("section", "6"), ("anchor", "2-2")]).await;
    let (draft, sections) = stored(&app, id);
    assert_eq!(sections.len(), 8);
    assert_eq!(sections[5].body, "第三条 养犬人应当办理登记。\n犬只应当佩戴犬牌。\n第四条 禁止携犬进入学校。\n");
    assert_eq!(rows(&sections)[6], row("第三章 附则", 1, "3"));
    assert_eq!(stored_text(&draft, &sections), format!("{TITLE}{TOC}{BODY}"));
    let page = app.page(&outline_path(id)).await;
    assert!(!page.texts(".outline-title").contains(&"第四条 禁止携犬进入学校".to_owned()));
    // The first chapter stands right after the 目录: merging it would move text across the 目录.
    let page = correct(&app, id, &[("op", "merge"), ("section", "1"), ("anchor", "1")]).await;
    assert_eq!(page.text(".flash-error"), "目录在这一部分之前：请先把目录标为正文，再合并。");
}

#[actix_web::test]
async fn a_section_is_split_at_a_chosen_line_which_becomes_a_heading() {
    let (app, id, page) = uploaded().await;
    let options = page.texts("#line-5 option");
    assert_eq!(options, ["第 2 行：犬只应当佩戴犬牌。"]);
    correct(&app, id, &[("op", "split"), ("section", "5"), ("anchor", "2-1"), ("line", "1")]).await;
    let (draft, sections) = stored(&app, id);
    assert_eq!(sections.len(), 10);
    assert_eq!(sections[5].body, "第三条 养犬人应当办理登记。\n");
    assert_eq!((sections[6].kind.as_str(), sections[6].body.as_str()), ("titled", "犬只应当佩戴犬牌。\n"));
    assert_eq!(rows(&sections)[6..8], [row("犬只应当佩戴犬牌", 2, "2-2"), row("第四条 禁止携犬进入学校", 2, "2-3")]);
    assert_eq!(stored_text(&draft, &sections), format!("{TITLE}{TOC}{BODY}"));
    let page = correct(&app, id, &[("op", "split"), ("section", "6"), ("anchor", "2-2"), ("line", "0")]).await;
    assert!(page.text(".flash-error").starts_with("不能在标题行处拆分"));
    let page = correct(&app, id, &[("op", "split"), ("section", "6"), ("anchor", "2-2")]).await;
    assert_eq!(page.text(".flash-error"), "请选择从哪一行起另起一节。");
}

#[actix_web::test]
async fn the_toc_is_made_text_and_a_block_is_marked_as_the_toc_again() {
    let (app, id, _) = uploaded().await;
    let page = correct(&app, id, &[("op", "toc_to_text")]).await;
    assert!(page.text(".outline-toc").contains("没有识别出目录"));
    let (draft, sections) = stored(&app, id);
    assert_eq!(draft.toc, None);
    assert_eq!(sections[0].body, format!("{TITLE}{TOC}"));
    assert_eq!(stored_text(&draft, &sections), format!("{TITLE}{TOC}{BODY}"));

    // The drafter marks the 目录 line as a heading, then the block up to it as the 目录.
    correct(&app, id, &[("op", "split"), ("section", "0"), ("anchor", "0"), ("line", "1")]).await;
    let (_, sections) = stored(&app, id);
    assert_eq!(rows(&sections)[1], row("目录", 1, "1"));
    let page = app.page(&outline_path(id)).await;
    assert_eq!(page.select(".outline-editor > li")[1].select(&selector("button[value=to_toc]")).count(), 1);
    correct(&app, id, &[("op", "to_toc"), ("section", "1"), ("anchor", "1")]).await;
    let (draft, sections) = stored(&app, id);
    assert_eq!(draft.toc.as_deref(), Some(TOC));
    assert_eq!(rows(&sections), uploaded_rows());
    assert_eq!(stored_text(&draft, &sections), format!("{TITLE}{TOC}{BODY}"));
}

fn selector(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap()
}

/// The rows the upload made: titles, levels and anchors.
fn uploaded_rows() -> Vec<(String, i32, String)> {
    let levels = [1, 1, 2, 2, 1, 2, 2, 1, 2];
    let anchors = ["0", "1", "1-1", "1-2", "2", "2-1", "2-2", "3", "3-1"];
    TITLES.iter().zip(levels).zip(anchors).map(|((title, level), anchor)| row(title, level, anchor)).collect()
}

#[actix_web::test]
async fn a_stale_page_a_published_consultation_or_one_with_opinions_cannot_change_the_outline() {
    let (app, id, _) = uploaded().await;
    let page = correct(&app, id, &[("op", "merge"), ("section", "3"), ("anchor", "9-9")]).await;
    assert!(page.text(".flash-error").starts_with("大纲已经改变"), "{}", page.text(".flash-error"));

    let overview = format!("/staff/consultations/{id}");
    app.post_with_csrf(&overview, &format!("{overview}/publish"), &[]).await;
    let page = app.page(&outline_path(id)).await;
    assert!(page.text(".outline-locked").starts_with("已发布的意见征集不能再修改大纲"));
    assert!(page.select(".outline-form").is_empty(), "no correction is offered");
    let page = correct(&app, id, &[("op", "merge"), ("section", "3"), ("anchor", "1-2")]).await;
    assert!(page.text(".flash-error").starts_with("已发布的意见征集不能再修改大纲"));
    let page = correct(&app, id, &[("op", "notice"), ("announce", "1")]).await;
    assert!(page.text(".flash-error").starts_with("已发布的意见征集不能再更换公告"));
    assert_eq!(stored(&app, id).1.len(), 9);

    // Withdrawn, but an opinion refers to one of its sections: a new version is the way.
    app.post_with_csrf(&overview, &format!("{overview}/withdraw"), &[]).await;
    let section = stored(&app, id).1[2].id;
    let now = Utc::now().naive_utc();
    let opinion = zhengqiu::models::opinion::NewOpinion {
        section_id: Some(section),
        ..plain_opinion(id, "公众甲", "建议明确适用范围。", now)
    };
    opinion.insert_counted(&mut app.conn()).unwrap();
    let page = correct(&app, id, &[("op", "merge"), ("section", "3"), ("anchor", "1-2")]).await;
    assert!(page.text(".flash-error").starts_with("已有意见针对这一版本的条目"));
    assert_eq!(stored(&app, id).1.len(), 9);
}

#[actix_web::test]
async fn another_drafter_can_neither_see_nor_correct_the_outline() {
    let (app, id, _) = uploaded().await;
    let token = app.csrf_token("/staff").await;
    app.create_user("li", Role::Drafter);
    login_ok(&app, "li").await;
    assert_eq!(app.page(&outline_path(id)).await.status, 403);
    let token = app.page("/staff").await.field_value("csrf").unwrap_or(token);
    let response = app.post_form(&outline_path(id), &[("op", "toc_to_text"), ("csrf", &token)]).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(stored(&app, id).0.toc.is_some());
}

fn zip_with(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn document_xml(body: &str) -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>{body}</w:body></w:document>"#)
        .into_bytes()
}

/// Files no drafter should send, each with the Chinese message the upload form must show.
fn hostile_files() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let nested_tables = document_xml(&format!(
        "{}<w:p><w:r><w:t>一、深处</w:t></w:r></w:p>{}",
        "<w:tbl><w:tr><w:tc>".repeat(10_000),
        "</w:tc></w:tr></w:tbl>".repeat(10_000)
    ));
    // Expands to far more than a draft may: 40 MB of one paragraph's spaces.
    let mut bomb = document_xml("<w:p><w:r><w:t xml:space=\"preserve\">一、");
    bomb.extend(std::iter::repeat_n(b' ', 40 * 1024 * 1024));
    bomb.extend_from_slice(b"</w:t></w:r></w:p></w:body></w:document>");
    let many_sections = "一、甲\n（一）乙\n1.丙\n".repeat(2_000);
    let nested_quotes = format!("{}一、深处\n", ">".repeat(10_000));
    // Each level indents two more spaces: 2,000 levels are 4 MB, within the upload limit.
    let nested_lists: String = (0..2_000).map(|d| format!("{}- 一、第{d}层\n", "  ".repeat(d))).collect();
    let random: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    vec![
        ("nested.docx", zip_with(&[("word/document.xml", &nested_tables)]), "文档结构嵌套过深，无法导入"),
        ("bomb.docx", zip_with(&[("word/document.xml", &bomb)]), "解压后超过"),
        ("sections.txt", many_sections.into_bytes(), "文档分节过多"),
        ("quotes.md", nested_quotes.into_bytes(), ""),
        ("lists.md", nested_lists.into_bytes(), ""),
        ("random.txt", random, "无法识别的文件"),
        ("truncated.docx", b"PK\x03\x04\x14\x00\x00\x00garbage".to_vec(), "无法读取 Word (.docx) 文档"),
        ("no-body.docx", zip_with(&[("[Content_Types].xml", b"<Types/>")]), "无法读取 Word (.docx) 文档"),
        ("text.docx", "一、总则\n".as_bytes().to_vec(), "文件内容不是 Word (.docx) 格式"),
        ("scan.doc", vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], "不支持旧版 Word"),
    ]
}

/// Uploads from the form at `/staff/consultations/{id}/draft` with a CSRF token read once.
async fn upload_with(
    app: &TestApp,
    id: ConsultationId,
    token: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("csrf", token.to_owned())
        .text("version_label", "征求意见稿")
        .part("file", Part::bytes(bytes).file_name(file_name.to_owned()));
    let path = format!("/staff/consultations/{id}/draft");
    app.client.post(app.url(&path)).multipart(form).send().await.expect("upload")
}

#[actix_web::test]
async fn hostile_files_through_the_upload_route_get_a_chinese_message_and_the_service_keeps_serving() {
    // Made before the app starts: a connection idle while they are made could be closed by the
    // server's keep-alive timeout just as the next request goes out on it.
    let files = hostile_files();
    let (app, id, _) = uploaded().await;
    let token = app.csrf_token(&format!("/staff/consultations/{id}/draft")).await;
    for (name, bytes, message) in files {
        let started = std::time::Instant::now();
        let response = upload_with(&app, id, &token, name, bytes).await;
        let status = response.status().as_u16();
        let page = Page::from_response(response).await;
        if message.is_empty() {
            // Deep Markdown nesting either imports (as text) or is refused in words: never a 500.
            assert!(
                status == 303 || (status == 422 && page.text("#file-error").contains("无法导入")),
                "{name}: {status}"
            );
        } else {
            assert_eq!(status, 422, "{name}: {}", page.body);
            let error = page.text("#file-error");
            assert!(error.contains(&format!("无法导入“{name}”")) && error.contains(message), "{name}: {error}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{name} took {:?}", started.elapsed());
        assert_eq!(app.page("/").await.status, 200, "the service serves after {name}");
    }
}

#[actix_web::test]
async fn other_requests_are_answered_while_a_large_upload_is_parsed() {
    let (name, bomb, _) = hostile_files().into_iter().find(|(name, _, _)| *name == "bomb.docx").unwrap();
    let (app, id, _) = uploaded().await;
    let token = app.csrf_token(&format!("/staff/consultations/{id}/draft")).await;
    let slow = upload_with(&app, id, &token, name, bomb);
    let pages = async {
        let mut slowest = std::time::Duration::ZERO;
        for _ in 0..5 {
            let started = std::time::Instant::now();
            assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
            slowest = slowest.max(started.elapsed());
        }
        slowest
    };
    let (response, slowest) = tokio::join!(slow, pages);
    assert_eq!(response.status().as_u16(), 422);
    assert!(slowest < std::time::Duration::from_secs(5), "a page waited {slowest:?} for an upload");
}
