//! Files published with a version of a draft (材料): uploaded by the drafter, recognised by their
//! content, listed on the public pages with name, size and date, downloaded as attachments that
//! nothing can run in the site's origin, and removed again.

use std::io::{Cursor, Write};

use reqwest::multipart::{Form, Part};

use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::ConsultationId;

use crate::helpers::{STAFF_PASSWORD, TestApp, china_day, login_ok, spawn_app, spawn_app_with};

const DRAFT: &str = "第一条 为了规范管理，制定本办法。\n第二条 本办法自公布之日起施行。\n";

async fn drafter_with_consultation(app: &TestApp) -> ConsultationId {
    let wang = app.create_user_with("wang", "王起草", Role::Drafter, STAFF_PASSWORD);
    let id = app.create_consultation("示例管理办法", china_day(-5), china_day(20), DRAFT);
    app.set_owner(id, Some(wang));
    login_ok(app, "wang").await;
    id
}

async fn upload(app: &TestApp, id: ConsultationId, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let path = format!("/staff/consultations/{id}/versions");
    let token = app.csrf_token(&path).await;
    let form = Form::new()
        .text("csrf", token)
        .text("version_no", "1")
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client.post(app.url(&format!("{path}/materials"))).multipart(form).send().await.expect("upload")
}

/// An Office Open XML package holding `parts` (what Word and Excel write, in miniature).
fn package(parts: &[&str]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for part in parts {
        out.start_file(*part, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(b"<?xml version=\"1.0\"?><x/>").unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

/// The materials listed on a public page: (name, details).
fn listed(page: &crate::helpers::Page) -> Vec<String> {
    page.texts("section.materials li")
}

/// The download addresses listed on a public page.
fn hrefs(page: &crate::helpers::Page) -> Vec<String> {
    page.select("section.materials a").iter().map(|a| a.value().attr("href").unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn each_accepted_kind_is_uploaded_and_listed_on_the_public_pages() {
    let app = spawn_app().await;
    let id = drafter_with_consultation(&app).await;
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        ("起草说明.pdf", pdf(), "PDF"),
        ("立法依据.docx", package(&["[Content_Types].xml", "word/document.xml"]), "Word 文档"),
        ("调研数据.xlsx", package(&["[Content_Types].xml", "xl/workbook.xml"]), "Excel 表格"),
        ("示意图.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "PNG 图片"),
        ("现场照片.jpg", vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'], "JPEG 图片"),
    ];
    for (name, bytes, _) in &files {
        let response = upload(&app, id, name, bytes.clone()).await;
        assert_eq!(response.status().as_u16(), 303, "{name}: {}", response.text().await.unwrap());
    }
    let public = app.page(&format!("/consultations/{id}")).await;
    assert_eq!(public.text("section.materials h2"), "相关材料");
    let items = listed(&public);
    assert_eq!(items.len(), 5, "{items:?}");
    let today = china_day(0).format("%Y-%m-%d").to_string();
    for ((name, _, kind), item) in files.iter().zip(&items) {
        // Every file here is under a kilobyte: it reads 1 KB.
        assert!(item.starts_with(&format!("{name}（{kind}，1 KB，{today} ")), "{item}");
    }
    let version = app.page(&format!("/consultations/{id}/versions/1")).await;
    assert_eq!(listed(&version), items);
}

#[actix_web::test]
async fn a_file_that_is_not_what_its_name_says_is_refused_in_chinese() {
    let app = spawn_app().await;
    let id = drafter_with_consultation(&app).await;
    let response =
        upload(&app, id, "通知.pdf", b"<!DOCTYPE html><script>alert(document.cookie)</script>".to_vec()).await;
    assert_eq!(response.status().as_u16(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("“通知.pdf”不是可接受的文件"), "{body}");
    assert!(body.contains("按文件内容判断，不看扩展名"), "{body}");
    // A ZIP archive is not a Word file because it is named .docx.
    let response = upload(&app, id, "依据.docx", package(&["payload.js"])).await;
    assert_eq!(response.status().as_u16(), 422);
    assert!(listed(&app.page(&format!("/consultations/{id}")).await).is_empty());
    assert!(app.page(&format!("/consultations/{id}")).await.select("section.materials").is_empty());
}

#[actix_web::test]
async fn a_file_over_the_size_limit_is_refused_in_chinese() {
    let app = spawn_app_with(|s| s.upload_max_bytes = 1024 * 1024).await;
    let id = drafter_with_consultation(&app).await;
    let mut big = pdf();
    big.resize(1024 * 1024 + 10, b' ');
    let response = upload(&app, id, "超大材料.pdf", big).await;
    assert_eq!(response.status().as_u16(), 413);
    let body = response.text().await.unwrap();
    assert!(body.contains("上传的文件超过 1 MB 的上限"), "{body}");
    assert!(app.page(&format!("/consultations/{id}")).await.select("section.materials").is_empty());
    // Just under the limit it is taken, and listed in megabytes.
    let mut fits = pdf();
    fits.resize(1024 * 1024 - 64 * 1024, b' ');
    let response = upload(&app, id, "较大材料.pdf", fits).await;
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    let items = listed(&app.page(&format!("/consultations/{id}")).await);
    assert!(items[0].starts_with("较大材料.pdf（PDF，960 KB，"), "{items:?}");
}

#[actix_web::test]
async fn a_download_is_an_attachment_named_in_chinese_that_runs_nothing() {
    let app = spawn_app().await;
    let id = drafter_with_consultation(&app).await;
    let bytes = package(&["[Content_Types].xml", "word/document.xml"]);
    assert_eq!(upload(&app, id, "关于《示例管理办法》的起草说明.docx", bytes.clone()).await.status().as_u16(), 303);
    let public = app.page(&format!("/consultations/{id}")).await;
    let href = hrefs(&public).remove(0);
    // Anyone may download it, without logging in.
    let response = reqwest::Client::new().get(app.url(&href)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; "), "{disposition}");
    // RFC 6266 / RFC 5987: UTF-8, percent-encoded. 关 is E5 85 B3, 《 is E3 80 8A.
    assert!(disposition.contains("filename*=UTF-8''%E5%85%B3%E4%BA%8E%E3%80%8A"), "{disposition}");
    assert!(disposition.contains(".docx"), "{disposition}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.split(';').any(|d| d.trim() == "sandbox"), "{csp}");
    assert_eq!(headers["content-length"], bytes.len().to_string().as_str());
    assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
    // Another consultation's address does not reach it.
    let other = app.create_consultation("另一办法", china_day(-5), china_day(20), DRAFT);
    let material = href.rsplit('/').next().unwrap();
    assert_eq!(app.get(&format!("/consultations/{other}/materials/{material}")).await.status().as_u16(), 404);
}

#[actix_web::test]
async fn staff_remove_a_material_and_it_is_gone_from_the_public_pages() {
    let app = spawn_app().await;
    let id = drafter_with_consultation(&app).await;
    assert_eq!(upload(&app, id, "保留.pdf", pdf()).await.status().as_u16(), 303);
    assert_eq!(upload(&app, id, "删除.pdf", pdf()).await.status().as_u16(), 303);
    let staff_page = app.page(&format!("/staff/consultations/{id}/versions")).await;
    let forms = staff_page.select("form[action$='/delete']");
    assert_eq!(forms.len(), 2);
    let download = hrefs(&app.page(&format!("/consultations/{id}")).await);
    let action = forms[1].value().attr("action").unwrap().to_owned();
    let response = app.post_with_csrf(&format!("/staff/consultations/{id}/versions"), &action, &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    let items = listed(&app.page(&format!("/consultations/{id}")).await);
    assert_eq!(items.len(), 1);
    assert!(items[0].starts_with("保留.pdf"));
    assert_eq!(app.get(&download[1]).await.status().as_u16(), 404);
    assert_eq!(app.get(&download[0]).await.status().as_u16(), 200);
    // The file itself is gone from the upload directory.
    let stored: Vec<_> = std::fs::read_dir(app.settings.upload_dir.join("materials")).unwrap().collect();
    assert_eq!(stored.len(), 1);
}
