//! Offline intake: opinions from letters, faxes and meetings entered by staff, with the
//! scanned letter stored outside the web root and shown only to the staff concerned.

use chrono::Utc;
use diesel::prelude::*;
use reqwest::multipart::{Form, Part};
use sha2::{Digest, Sha256};
use zhengqiu::domain::source::{Channel, Source};

use zhengqiu::db::schema::{attachments, consultations, invitations, opinions, sections};
use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::{ConsultationId, DepartmentId};
use zhengqiu::domain::window::in_china;
use zhengqiu::models::Opinion;
use zhengqiu::models::department::{Department, DepartmentForm};
use zhengqiu::models::invitation::Invitation;

use crate::helpers::{Page, SMALL_DRAFT, STAFF_PASSWORD, TestApp, china_day, login_ok, spawn_app_with};

/// A minimal but well-formed PDF: header, catalogue, an empty page tree, trailer.
const TINY_PDF: &[u8] = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n\
2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n";

const UPLOAD_LIMIT: usize = 1024 * 1024;

struct Office {
    app: TestApp,
    wang_owns: ConsultationId,
}

async fn office() -> Office {
    let app = spawn_app_with(|s| s.upload_max_bytes = UPLOAD_LIMIT).await;
    app.create_user("root", Role::Admin);
    let wang = app.create_user_with("wang", "王起草", Role::Drafter, STAFF_PASSWORD);
    app.create_user_with("li", "李起草", Role::Drafter, STAFF_PASSWORD);
    let wang_owns = app.create_consultation("王负责的征集", china_day(-5), china_day(25), SMALL_DRAFT);
    app.set_owner(wang_owns, Some(wang));
    Office { app, wang_owns }
}

fn department(app: &TestApp, name: &str) -> DepartmentId {
    let form = DepartmentForm { name, emails: "", contact_person: "", phone: "", active: true };
    Department::create(&mut app.conn(), &form, Utc::now().naive_utc()).unwrap()
}

fn intake_path(id: ConsultationId) -> String {
    format!("/staff/consultations/{id}/intake")
}

/// Posts the intake form with `fields`, and a file when given, as whoever is logged in.
async fn enter(
    app: &TestApp,
    id: ConsultationId,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let path = intake_path(id);
    let mut form = Form::new().text("csrf", app.csrf_token(&path).await);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_owned()));
    }
    app.client.post(app.url(&path)).multipart(form).send().await.expect("intake post")
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn all_opinions(app: &TestApp, id: ConsultationId) -> Vec<Opinion> {
    opinions::table
        .filter(opinions::consultation_id.eq(id))
        .order(opinions::id.asc())
        .select(Opinion::as_select())
        .load(&mut app.conn())
        .unwrap()
}

fn opinion_count(app: &TestApp, id: ConsultationId) -> i32 {
    consultations::table.find(id).select(consultations::opinion_count).first(&mut app.conn()).unwrap()
}

fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(app.settings.upload_dir.join("attachments"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[actix_web::test]
async fn a_letter_with_a_scanned_pdf_is_counted_and_its_next_opinion_keeps_the_sender_and_scan() {
    let Office { app, wang_owns } = office().await;
    login_ok(&app, "wang").await;
    let form = app.page(&intake_path(wang_owns)).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.field_value("channel").unwrap(), "letter");
    assert_eq!(form.field_value("received_on").unwrap(), china_day(0).to_string());
    let anchor = form.select("select[name=section] option").get(2).unwrap().value().attr("value").unwrap().to_owned();
    let received = china_day(-2).to_string();
    let fields = [
        ("department", ""),
        ("author_name", "张三"),
        ("contact", "138 1234 5678"),
        ("channel", "letter"),
        ("received_on", received.as_str()),
        ("section", anchor.as_str()),
        ("body", "建议将“开展”改为“基本完成”。"),
        ("original_text", "开展"),
        ("proposed_text", "基本完成"),
        ("action", "continue"),
    ];
    let response = enter(&app, wang_owns, &fields, Some(("来函扫描件.pdf", TINY_PDF.to_vec()))).await;
    assert_eq!(response.status(), 303);
    let first = all_opinions(&app, wang_owns).pop().expect("the opinion is stored");
    assert_eq!(location(&response), format!("{}?continue={}", intake_path(wang_owns), first.id));
    assert_eq!((first.source, first.channel), (Source::Offline, Channel::Letter));
    assert_eq!((first.author_name.as_str(), first.contact.as_deref()), ("张三", Some("13812345678")));
    assert_eq!(in_china(first.received_at).date_naive(), china_day(-2));
    assert_eq!(first.proposed_text.as_deref(), Some("基本完成"));
    assert_eq!(opinion_count(&app, wang_owns), 1);
    let on_section: i32 = sections::table
        .find(first.section_id.expect("a section"))
        .select(sections::opinion_count)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(on_section, 1, "counted on its section too");

    // The scan is stored under a random name outside the web root, with its hash.
    let attachment = first.attachment_id.expect("the scan is attached");
    let (name, stored_name, sha256): (String, String, String) = attachments::table
        .find(attachment)
        .select((attachments::file_name, attachments::stored_name, attachments::sha256))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(name, "来函扫描件.pdf");
    assert_eq!(sha256, hex::encode(Sha256::digest(TINY_PDF)));
    assert_eq!(stored_files(&app), [app.settings.upload_dir.join("attachments").join(&stored_name)]);
    assert!(!stored_name.contains("来函"));

    // The next opinion of the same letter keeps sender, channel, date and scan.
    let page = app.follow(response).await;
    assert_eq!(page.text(".flash"), "已录入该意见。");
    assert_eq!(page.field_value("author_name").unwrap(), "张三");
    assert_eq!(page.field_value("contact").unwrap(), "13812345678");
    assert_eq!(page.field_value("received_on").unwrap(), received);
    assert_eq!(page.field_value("attachment").unwrap(), attachment.to_string());
    assert_eq!(page.field_value("body").unwrap_or_default(), "", "the text starts empty");
    let mut next: Vec<(&str, String)> =
        ["department", "author_name", "contact", "channel", "received_on", "attachment"]
            .into_iter()
            .map(|n| (n, page.field_value(n).unwrap_or_default()))
            .collect();
    next.push(("body", "建议增加责任单位。".to_owned()));
    next.push(("action", "save".to_owned()));
    let next: Vec<(&str, &str)> = next.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = enter(&app, wang_owns, &next, None).await;
    assert_eq!(response.status(), 303);
    let second = all_opinions(&app, wang_owns).pop().unwrap();
    assert_eq!(second.attachment_id, Some(attachment), "one scan for the whole letter");
    assert_eq!(second.author_name, "张三");
    assert_eq!(opinion_count(&app, wang_owns), 2);
    let page = app.follow(response).await;
    assert_eq!(page.select("#continue-letter").len(), 1, "继续录入同一来函 is offered after saving");
    assert_eq!(page.texts(".entered-row .author"), ["张三", "张三"]);
    let links: Vec<&str> = page.select(".attachment-link").iter().map(|a| a.value().attr("href").unwrap()).collect();
    assert_eq!(links, vec![format!("/staff/attachments/{attachment}"); 2]);
    let attachments_stored: i64 = attachments::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(attachments_stored, 1);
}

#[actix_web::test]
async fn the_scan_is_served_to_its_managers_only() {
    let Office { app, wang_owns } = office().await;
    login_ok(&app, "wang").await;
    let fields = [("author_name", "张三"), ("channel", "fax"), ("received_on", "2020-01-01"), ("body", "意见")];
    let response = enter(&app, wang_owns, &fields, Some(("scan.pdf", TINY_PDF.to_vec()))).await;
    assert_eq!(response.status(), 303);
    let attachment = all_opinions(&app, wang_owns)[0].attachment_id.unwrap();
    let url = format!("/staff/attachments/{attachment}");

    let response = app.get(&url).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("inline") && disposition.contains("filename*=UTF-8''scan.pdf"), "{disposition}");
    assert_eq!(response.bytes().await.unwrap(), TINY_PDF);

    // Another drafter: 403. An administrator: allowed. Nobody logged in: the login page.
    login_ok(&app, "li").await;
    let refused = app.page(&url).await;
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("%PDF"));
    login_ok(&app, "root").await;
    assert_eq!(app.get(&url).await.status(), 200);
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = anonymous.get(app.url(&url)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/staff/login?next="));
    assert_eq!(app.get("/staff/attachments/999").await.status(), 404);
}

#[actix_web::test]
async fn a_program_renamed_pdf_and_an_oversize_scan_are_refused_and_nothing_is_stored() {
    let Office { app, wang_owns } = office().await;
    login_ok(&app, "wang").await;
    let fields =
        [("author_name", "张三"), ("channel", "letter"), ("received_on", "2020-01-01"), ("body", "保留的意见")];
    let program =
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode".to_vec();
    let page = Page::from_response(enter(&app, wang_owns, &fields, Some(("来函.pdf", program))).await).await;
    assert_eq!(page.status, 422);
    assert!(page.text("#file-error").contains("附件只能是 PDF 文件或 JPEG、PNG 图片"));
    assert_eq!(page.field_value("body").unwrap(), "保留的意见", "the typed text is kept");
    assert_eq!(page.field_value("author_name").unwrap(), "张三");

    let mut oversize = b"%PDF-1.4\n".to_vec();
    oversize.resize(UPLOAD_LIMIT + 100 * 1024, b'0');
    let page = Page::from_response(enter(&app, wang_owns, &fields, Some(("big.pdf", oversize))).await).await;
    assert_eq!(page.status, 413);
    assert!(page.text("main").contains("上传的文件超过 1 MB 的上限"), "{}", page.text("main"));

    // A future date and an unknown section are explained too.
    let future = china_day(1).to_string();
    let bad =
        [("author_name", "张三"), ("channel", "letter"), ("received_on", &future), ("section", "99-9"), ("body", "x")];
    let page = Page::from_response(enter(&app, wang_owns, &bad, None).await).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.text("#received_on-error"), "错误：收到日期不能晚于今天");
    assert_eq!(page.text("#section-error"), "错误：请从列表中选择所涉部分");

    assert!(all_opinions(&app, wang_owns).is_empty());
    assert_eq!(opinion_count(&app, wang_owns), 0);
    assert!(stored_files(&app).is_empty(), "no file was kept");
}

#[actix_web::test]
async fn a_letter_from_an_invited_department_joins_its_reply_and_survives_its_amendment() {
    let Office { app, wang_owns } = office().await;
    let replied = department(&app, "区人社局");
    let silent = department(&app, "社区办");
    let uninvited = department(&app, "区商务局");
    let mut conn = app.conn();
    let all = [Department::find(&mut conn, replied).unwrap(), Department::find(&mut conn, silent).unwrap()];
    let letters = |_: &Department, _: &str| Vec::new();
    zhengqiu::services::invitations::invite(&mut conn, wang_owns, &all, china_day(20), Utc::now().naive_utc(), letters)
        .unwrap();
    let token = |d: DepartmentId| {
        let invitation = Invitation::for_department(&mut app.conn(), wang_owns, d).unwrap().unwrap();
        Invitation::add_token(
            &mut app.conn(),
            invitation.id,
            zhengqiu::models::invitation::TokenPurpose::Resend,
            Utc::now().naive_utc(),
        )
        .unwrap()
    };
    let link = format!("/replies/{}", token(replied));
    let reply = |body: &'static str| {
        vec![("contact_person", "王科长"), ("contact_phone", "0562-2881234"), ("body_1", body), ("action", "send")]
    };
    assert_eq!(app.post_form(&link, &reply("网上提交的意见")).await.status(), 303);

    login_ok(&app, "wang").await;
    let received = china_day(-1).to_string();
    for (d, body) in [(replied, "来函补充的意见"), (silent, "社区办来函的意见"), (uninvited, "区商务局来函的意见")]
    {
        let id = d.to_string();
        let fields = [("department", id.as_str()), ("channel", "letter"), ("received_on", &received), ("body", body)];
        assert_eq!(enter(&app, wang_owns, &fields, None).await.status(), 303, "{body}");
    }
    let stored = all_opinions(&app, wang_owns);
    let row = |body: &str| stored.iter().find(|o| o.body == body).unwrap().clone();
    assert_eq!(row("来函补充的意见").seq, Some(2), "numbered after the reply's opinion");
    assert_eq!(row("来函补充的意见").source, Source::Department);
    assert_eq!(row("社区办来函的意见").seq, Some(1));
    assert!(
        row("区商务局来函的意见").invitation_id.is_none() && row("区商务局来函的意见").department_id == Some(uninvited)
    );
    let silent_invitation = Invitation::for_department(&mut app.conn(), wang_owns, silent).unwrap().unwrap();
    assert_eq!(silent_invitation.state().label(), "已反馈意见");
    assert_eq!(silent_invitation.responded_at.map(|at| in_china(at).date_naive()), Some(china_day(-1)));

    // 区人社局 amends its reply through its link: the letter's opinion stays.
    assert_eq!(app.post_form(&link, &reply("修改后的网上意见")).await.status(), 303);
    let after: Vec<(Option<i32>, String)> = opinions::table
        .inner_join(invitations::table)
        .filter(invitations::department_id.eq(replied))
        .order(opinions::seq.asc())
        .select((opinions::seq, opinions::body))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(after, [(Some(1), "修改后的网上意见".to_owned()), (Some(2), "来函补充的意见".to_owned())]);
    let page = app.page(&link).await;
    assert!(
        !page.select("textarea").iter().any(|t| t.text().collect::<String>() == "来函补充的意见"),
        "not editable there"
    );
    let dashboard = app.page(&format!("/staff/consultations/{wang_owns}/invitations")).await;
    assert_eq!(dashboard.text("#count-opinions"), "2");
    assert_eq!(opinion_count(&app, wang_owns), 4);
}
