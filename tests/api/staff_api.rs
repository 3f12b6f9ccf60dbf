//! The staff API: API tokens made on the agency's page (shown once, kept hashed, revocable, with
//! their last use), and the endpoints an agency's own systems call with them — each reaching the
//! token's agency only, none opened by a session cookie, every change in the audit log.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use zhengqiu::db::schema::{api_tokens, consultations, decision_log, drafts, opinions, staff_audit};
use zhengqiu::domain::account::Role;
use zhengqiu::domain::agency::{AgencyDetails, AgencyRole};
use zhengqiu::domain::contact::ContactKind;
use zhengqiu::domain::ids::{AgencyId, ConsultationId, OpinionId};
use zhengqiu::models::agency::{Agency, DEFAULT_AGENCY};
use zhengqiu::models::opinion::NewOpinion;

use crate::helpers::{SMALL_DRAFT, STAFF_PASSWORD, TestApp, browser_client, china_day, plain_opinion, spawn_app};

/// Agency A (the default one) with its administrator `aadmin` and drafter `adrafter`; agency B
/// with its administrator `badmin`.
struct World {
    app: TestApp,
    a: AgencyId,
    b: AgencyId,
}

async fn world() -> World {
    let app = spawn_app().await;
    let details = AgencyDetails {
        name: "市交通运输局".into(),
        short_name: "交通局".into(),
        parent: None,
        contact: String::new(),
    };
    let b = Agency::create(&mut app.conn(), &details, Utc::now().naive_utc()).unwrap().unwrap();
    let a = DEFAULT_AGENCY;
    let admin_a = app.create_user_with("aadmin", "王管理", Role::Drafter, STAFF_PASSWORD);
    let drafter_a = app.create_user("adrafter", Role::Drafter);
    let admin_b = app.create_user_with("badmin", "李管理", Role::Drafter, STAFF_PASSWORD);
    let mut conn = app.conn();
    Agency::set_member(&mut conn, a, admin_a, AgencyRole::AgencyAdmin).unwrap();
    Agency::set_member(&mut conn, a, drafter_a, AgencyRole::Drafter).unwrap();
    Agency::set_member(&mut conn, b, admin_b, AgencyRole::AgencyAdmin).unwrap();
    World { app, a, b }
}

/// A browser logged in as `username`.
async fn browser(app: &TestApp, username: &str) -> reqwest::Client {
    let client = browser_client(&app.address);
    let token = csrf(app, &client, "/staff/login").await;
    let form = [("username", username), ("password", STAFF_PASSWORD), ("csrf", &token)];
    let response = client.post(app.url("/staff/login")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303, "login as {username}");
    client
}

async fn csrf(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let body = client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
    let html = scraper::Html::parse_document(&body);
    let selector = scraper::Selector::parse("input[name=csrf]").unwrap();
    let found = html.select(&selector).next().and_then(|e| e.value().attr("value")).map(str::to_owned);
    found.unwrap_or_else(|| panic!("no csrf field on {path}"))
}

/// Creates a token named `name` on agency `agency`'s token page as `client`; returns the page.
async fn create_token(app: &TestApp, client: &reqwest::Client, agency: AgencyId, name: &str) -> crate::helpers::Page {
    let path = format!("/staff/agencies/{agency}/tokens");
    let token = csrf(app, client, &path).await;
    let response = client.post(app.url(&path)).form(&[("name", name), ("csrf", &token)]).send().await.unwrap();
    crate::helpers::Page::from_response(response).await
}

/// A token of `agency`, made through its administrator's page.
async fn token_for(app: &TestApp, agency: AgencyId, admin: &str, name: &str) -> String {
    let client = browser(app, admin).await;
    let page = create_token(app, &client, agency, name).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.select("#issued-token")[0].value().attr("value").expect("the token shown").to_owned()
}

/// A client with no cookies, as another system is.
fn system() -> reqwest::Client {
    reqwest::Client::new()
}

fn audit_rows(app: &TestApp) -> Vec<(String, String, String)> {
    staff_audit::table
        .order(staff_audit::id.asc())
        .select((staff_audit::actor, staff_audit::action, staff_audit::subject))
        .load(&mut app.conn())
        .unwrap()
}

fn draft_form(text: &str) -> Form {
    Form::new()
        .text("version_label", "征求意见稿")
        .part("file", Part::bytes(text.as_bytes().to_vec()).file_name("草案.txt"))
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A closed, published consultation of `agency` with the small draft and one opinion with a contact.
fn closed_consultation(app: &TestApp, agency: AgencyId, title: &str) -> (ConsultationId, OpinionId) {
    let id = app.create_consultation(title, china_day(-40), china_day(-5), SMALL_DRAFT);
    let mut conn = app.conn();
    diesel::update(consultations::table.find(id)).set(consultations::agency_id.eq(agency)).execute(&mut conn).unwrap();
    let opinion = NewOpinion {
        contact: Some("13800138000".into()),
        contact_kind: Some(ContactKind::Mobile),
        ..plain_opinion(id, "张三", "建议明确主管部门。", Utc::now().naive_utc() - Duration::days(10))
    }
    .insert_counted(&mut conn)
    .unwrap();
    (id, opinion)
}

#[actix_web::test]
async fn an_agency_administrator_creates_a_token_that_is_shown_once_and_stored_only_as_its_hash() {
    let World { app, a, .. } = world().await;
    let client = browser(&app, "aadmin").await;
    let agency_page =
        crate::helpers::Page::from_response(client.get(app.url(&format!("/staff/agencies/{a}"))).send().await.unwrap())
            .await;
    let link = format!("/staff/agencies/{a}/tokens");
    assert!(agency_page.select(&format!("a[href='{link}']")).len() == 1, "the agency page links to its tokens");

    let page = create_token(&app, &client, a, "OA系统").await;
    assert_eq!(page.status, 200);
    let token = page.select("#issued-token")[0].value().attr("value").unwrap().to_owned();
    assert!(token.starts_with("zqs_") && token.len() == 4 + 64, "{token}");
    assert!(page.text(".token-issued").contains("只显示这一次"));
    assert_eq!(page.texts(".token-row .token-name"), ["OA系统"]);
    assert_eq!(page.texts(".token-row .token-creator"), ["王管理"]);
    assert_eq!(page.texts(".token-row .token-last-used"), ["从未使用"]);

    // Only its SHA-256 is stored; nothing in the row is the token.
    let rows: Vec<(String, String, String)> = api_tokens::table
        .select((api_tokens::name, api_tokens::token_hash, api_tokens::creator_name))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(rows.len(), 1);
    let (_, hash, _) = &rows[0];
    assert_eq!(hash, &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes())));
    assert!(rows.iter().all(|(n, h, c)| ![n, h, c].iter().any(|v| v.contains(&token[4..]))));

    // The page never shows it again.
    let again = client.get(app.url(&link)).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains(&token[4..]));
    assert!(again.contains("OA系统"));

    let audit = audit_rows(&app);
    let created: Vec<_> = audit.iter().filter(|(_, action, _)| action == "api_token_created").collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].0, "王管理");
    assert!(created[0].2.contains("OA系统"), "{:?}", created[0]);
}

#[actix_web::test]
async fn a_token_needs_a_name_and_the_error_is_shown_beside_the_field() {
    let World { app, a, .. } = world().await;
    let client = browser(&app, "aadmin").await;
    let page = create_token(&app, &client, a, "   ").await;
    assert_eq!(page.status, 422);
    assert_eq!(page.errors_shown(), ["错误：请填写令牌名称，例如使用它的系统：OA系统"]);
    assert!(page.select("#issued-token").is_empty());
    let long = "长".repeat(41);
    let page = create_token(&app, &client, a, &long).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.field_value("name").as_deref(), Some(long.as_str()), "what was typed is kept");
    let count: i64 = api_tokens::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 0);
}

#[actix_web::test]
async fn only_the_agencys_administrators_see_create_and_revoke_its_tokens() {
    let World { app, a, .. } = world().await;
    let path = format!("/staff/agencies/{a}/tokens");
    for who in ["adrafter", "badmin"] {
        let client = browser(&app, who).await;
        assert_eq!(client.get(app.url(&path)).send().await.unwrap().status(), 403, "{who} reads A's tokens");
        let token = csrf(&app, &client, "/staff").await;
        let response = client.post(app.url(&path)).form(&[("name", "偷偷"), ("csrf", &token)]).send().await.unwrap();
        assert_eq!(response.status(), 403, "{who} creates one");
    }
    token_for(&app, a, "aadmin", "OA系统").await;
    let id: i32 = api_tokens::table.select(api_tokens::id).first(&mut app.conn()).unwrap();
    let client = browser(&app, "badmin").await;
    let token = csrf(&app, &client, "/staff").await;
    let revoke = app.url(&format!("/staff/agencies/{a}/tokens/{id}/revoke"));
    assert_eq!(client.post(&revoke).form(&[("csrf", &token)]).send().await.unwrap().status(), 403);
    // Without the CSRF token, not even A's administrator revokes it.
    let admin = browser(&app, "aadmin").await;
    assert_eq!(admin.post(&revoke).form(&[("csrf", "x")]).send().await.unwrap().status(), 403);
    let revoked: Option<chrono::NaiveDateTime> =
        api_tokens::table.select(api_tokens::revoked_at).first(&mut app.conn()).unwrap();
    assert!(revoked.is_none());
}

/// Every endpoint, as (method, path, JSON body) for consultation `c` and its opinion `o`: the
/// agency's two first, then those of the consultation.
fn endpoints(c: ConsultationId, o: OpinionId) -> Vec<(&'static str, String, Option<Value>)> {
    let base = format!("/api/v1/staff/consultations/{c}");
    vec![
        ("POST", "/api/v1/staff/consultations".into(), Some(json!({"title": "x", "issuer": "y"}))),
        ("GET", "/api/v1/staff/consultations".into(), None),
        ("GET", base.clone(), None),
        ("POST", format!("{base}/draft"), None),
        ("POST", format!("{base}/materials"), None),
        ("PUT", format!("{base}/explanation"), Some(json!({"text": "说明"}))),
        ("POST", format!("{base}/publish"), None),
        ("GET", format!("{base}/opinions"), None),
        ("GET", format!("{base}/opinions/{o}"), None),
        ("PUT", format!("{base}/opinions/{o}/decision"), Some(json!({"status": "adopted"}))),
        ("GET", format!("{base}/export?layout=tongguan&format=csv"), None),
        ("POST", format!("{base}/feedback"), Some(json!({"text": "反馈"}))),
    ]
}

async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    token: Option<&str>,
    e: &(&str, String, Option<Value>),
) -> reqwest::Response {
    let (method, path, body) = e;
    let mut request = client.request(method.parse().unwrap(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if path.ends_with("/draft") {
        request = request.multipart(draft_form(SMALL_DRAFT));
    } else if path.ends_with("/materials") {
        request = request.multipart(Form::new().part("file", Part::bytes(PDF.to_vec()).file_name("说明.pdf")));
    } else if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

#[actix_web::test]
async fn without_a_token_with_a_made_up_one_or_a_revoked_one_every_endpoint_answers_401() {
    let World { app, a, .. } = world().await;
    let (c, o) = closed_consultation(&app, a, "A单位的草案");
    let token = token_for(&app, a, "aadmin", "OA系统").await;
    let admin = browser(&app, "aadmin").await;
    let id: i32 = api_tokens::table.select(api_tokens::id).first(&mut app.conn()).unwrap();
    let csrf_token = csrf(&app, &admin, &format!("/staff/agencies/{a}/tokens")).await;
    let response = admin
        .post(app.url(&format!("/staff/agencies/{a}/tokens/{id}/revoke")))
        .form(&[("csrf", &csrf_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let listed = crate::helpers::Page::from_response(
        admin.get(app.url(&format!("/staff/agencies/{a}/tokens"))).send().await.unwrap(),
    )
    .await;
    let state = listed.text(".token-row .token-state");
    assert!(state.starts_with("已于") && state.ends_with("撤销"), "{state}");
    assert!(audit_rows(&app).iter().any(|(actor, action, subject)| {
        actor == "王管理" && action == "api_token_revoked" && subject.contains("OA系统")
    }));

    let made_up = format!("zqs_{}", "0".repeat(64));
    let mut wrong = Vec::new();
    for e in endpoints(c, o) {
        for (what, sent) in
            [("no token", None), ("a made-up token", Some(made_up.as_str())), ("a revoked token", Some(token.as_str()))]
        {
            let response = call(&app, &system(), sent, &e).await;
            let status = response.status().as_u16();
            let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
            let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let detail = body["detail"].as_str().unwrap_or_default().to_owned();
            let expected = if sent.is_none() { "Authorization" } else { "无效或已被撤销" };
            if status != 401
                || !challenge.is_some_and(|c| c.starts_with("Bearer"))
                || kind.as_deref() != Some("application/problem+json")
                || !detail.contains(expected)
            {
                wrong.push(format!("{} {} with {what}: {status} {detail}", e.0, e.1));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let decided: Option<String> = opinions::table.find(o).select(opinions::decision).first(&mut app.conn()).unwrap();
    assert!(decided.is_none());
}

#[actix_web::test]
async fn a_logged_in_staff_session_alone_opens_nothing_in_the_staff_api() {
    let World { app, a, .. } = world().await;
    let (c, o) = closed_consultation(&app, a, "A单位的草案");
    // A platform administrator's browser, with its session cookie and the site's Origin.
    app.create_user("padmin", Role::Admin);
    let admin = browser(&app, "padmin").await;
    let mut wrong = Vec::new();
    for e in endpoints(c, o) {
        let status = call(&app, &admin, None, &e).await.status().as_u16();
        if status != 401 {
            wrong.push(format!("{} {}: {status}", e.0, e.1));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let published: Option<chrono::NaiveDateTime> =
        consultations::table.find(c).select(consultations::feedback_published_at).first(&mut app.conn()).unwrap();
    assert!(published.is_none());
}

#[actix_web::test]
async fn a_token_of_agency_b_finds_nothing_of_agency_as_and_changes_nothing() {
    let World { app, a, b } = world().await;
    let (c, o) = closed_consultation(&app, a, "A单位的草案");
    let unpublished =
        app.create_consultation_with("A单位未发布的草案", china_day(1), china_day(40), SMALL_DRAFT, false);
    diesel::update(consultations::table.find(unpublished))
        .set(consultations::agency_id.eq(a))
        .execute(&mut app.conn())
        .unwrap();
    let token_b = token_for(&app, b, "badmin", "交通局OA").await;
    let before = audit_rows(&app).len();
    let drafts_before: i64 = drafts::table.count().get_result(&mut app.conn()).unwrap();
    let mut wrong = Vec::new();
    for consultation in [c, unpublished] {
        for e in endpoints(consultation, o).into_iter().skip(2) {
            let response = call(&app, &system(), Some(&token_b), &e).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            // The same answer as for a consultation that does not exist.
            if status != 404 || body["detail"] != "您要找的页面不存在，可能已被移除或地址有误。" {
                wrong.push(format!("{} {}: {status} {body}", e.0, e.1));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let mut conn = app.conn();
    let (reason, feedback): (Option<String>, Option<chrono::NaiveDateTime>) = opinions::table
        .inner_join(consultations::table)
        .filter(opinions::id.eq(o))
        .select((opinions::decision_reason, consultations::feedback_published_at))
        .first(&mut conn)
        .unwrap();
    assert_eq!((reason, feedback), (None, None));
    let still_unpublished: Option<chrono::NaiveDateTime> =
        consultations::table.find(unpublished).select(consultations::published_at).first(&mut conn).unwrap();
    assert!(still_unpublished.is_none());
    assert_eq!(drafts::table.count().get_result::<i64>(&mut conn).unwrap(), drafts_before);
    assert_eq!(audit_rows(&app).len(), before, "nothing done, nothing logged");
    let listed: Value = system()
        .get(app.url("/api/v1/staff/consultations"))
        .bearer_auth(&token_b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((listed["total"].as_i64(), listed["items"].as_array().map(Vec::len)), (Some(0), Some(0)));
}

#[actix_web::test]
async fn an_agencys_system_creates_uploads_publishes_reads_decides_exports_and_publishes_feedback() {
    let World { app, a, .. } = world().await;
    let token = token_for(&app, a, "aadmin", "OA系统").await;
    let api = system();
    let url = |path: &str| app.url(path);

    // Create.
    let body = json!({
        "title": "测试县物业管理办法（征求意见稿）",
        "issuer": "测试县住房和城乡建设局",
        "starts_on": china_day(0).to_string(),
        "ends_on": china_day(30).to_string(),
    });
    let response = api.post(url("/api/v1/staff/consultations")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["published"], false);
    assert_eq!(created["draft"], Value::Null);
    let base = format!("/api/v1/staff/consultations/{id}");
    let agency: i32 =
        consultations::table.find(id as i32).select(consultations::agency_id).first(&mut app.conn()).unwrap();
    assert_eq!(agency, a.0);
    let listed: Value =
        api.get(url("/api/v1/staff/consultations")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["id"], id);
    assert_eq!(listed["items"][0]["api_url"], format!("/api/v1/staff/consultations/{id}"));
    // A window shorter than 30 days needs a reason, as on the staff form.
    let short = json!({"title": "短", "issuer": "局", "starts_on": china_day(0).to_string(), "ends_on": china_day(5).to_string()});
    let response = api.post(url("/api/v1/staff/consultations")).bearer_auth(&token).json(&short).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["errors"]["short_period_reason"].is_string(), "{problem}");

    // Publishing before a draft is uploaded is refused.
    let response = api.post(url(&format!("{base}/publish"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 409);

    // Upload the draft: two chapters and three articles.
    let response = api
        .post(url(&format!("{base}/draft")))
        .bearer_auth(&token)
        .multipart(draft_form(SMALL_DRAFT))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let uploaded: Value = response.json().await.unwrap();
    assert_eq!(uploaded["sections"], 5, "{uploaded}");
    assert_eq!(uploaded["file_name"], "草案.txt");
    assert_eq!(uploaded["version_label"], "征求意见稿");
    // A file that is not a draft says why.
    let bad = Form::new().part("file", Part::bytes(vec![0u8, 159, 146, 150, 0, 1]).file_name("x.bin"));
    let response = api.post(url(&format!("{base}/draft"))).bearer_auth(&token).multipart(bad).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["errors"]["file"].as_str().unwrap().starts_with("无法导入“x.bin”"), "{problem}");

    // The 起草说明 and a material.
    let response = api
        .put(url(&format!("{base}/explanation")))
        .bearer_auth(&token)
        .json(&json!({"text": "一、起草背景\n为规范物业管理……"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let explanation: Option<String> = drafts::table
        .filter(drafts::consultation_id.eq(id as i32))
        .select(drafts::explanation)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(explanation.as_deref(), Some("一、起草背景\n为规范物业管理……"));
    let form = Form::new().part("file", Part::bytes(PDF.to_vec()).file_name("C:\\材料\\测算说明.pdf"));
    let response =
        api.post(url(&format!("{base}/materials"))).bearer_auth(&token).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let material: Value = response.json().await.unwrap();
    assert_eq!(material["file_name"], "测算说明.pdf");
    assert_eq!(material["content_type"], "application/pdf");
    let not_material = Form::new().part("file", Part::bytes(b"plain text".to_vec()).file_name("a.pdf"));
    let response =
        api.post(url(&format!("{base}/materials"))).bearer_auth(&token).multipart(not_material).send().await.unwrap();
    assert_eq!(response.status(), 422);

    // Publish: the public sees it, with the material.
    let response = api.post(url(&format!("{base}/publish"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let published: Value = response.json().await.unwrap();
    assert_eq!(published["published"], true);
    assert_eq!(published["status"], "open");
    let public: Value = app.get(&format!("/api/v1/consultations/{id}")).await.json().await.unwrap();
    assert_eq!(public["title"], "测试县物业管理办法（征求意见稿）");
    let download = app.get(material["url"].as_str().unwrap()).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);

    // Opinions arrive; the system reads them with contacts, filtered as on the review page.
    let mut conn = app.conn();
    let now = Utc::now().naive_utc();
    let cid = ConsultationId(id as i32);
    let first = NewOpinion {
        contact: Some("13800138000".into()),
        contact_kind: Some(ContactKind::Mobile),
        ..plain_opinion(cid, "张三", "建议明确物业服务收费标准。", now)
    }
    .insert_counted(&mut conn)
    .unwrap();
    let second = plain_opinion(cid, "李四", "第三条施行日期过早。", now).insert_counted(&mut conn).unwrap();
    let page: Value =
        api.get(url(&format!("{base}/opinions"))).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["author"], "张三");
    assert_eq!(items[0]["contact"], "13800138000", "contacts whole: this is staff");
    assert_eq!(items[0]["decision_label"], "未处理");
    assert_eq!(page["next"], Value::Null);
    let found: Value = api
        .get(url(&format!("{base}/opinions?q=施行日期")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = found["items"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [i64::from(second.0)]);

    let one: Value = api
        .get(url(&format!("{base}/opinions/{second}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((one["author"].as_str(), one["body"].as_str()), (Some("李四"), Some("第三条施行日期过早。")));
    assert_eq!(one["section_title"], "全文");
    let elsewhere = closed_consultation(&app, a, "A单位的另一草案").1;
    let response = api.get(url(&format!("{base}/opinions/{elsewhere}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 404, "an opinion of another consultation is not this one's");

    // Decide: a rejection needs a reason.
    let decision = format!("{base}/opinions/{first}/decision");
    let response =
        api.put(url(&decision)).bearer_auth(&token).json(&json!({"status": "not_adopted"})).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"]["reason"], "选择“不予采纳”时须说明理由");
    let response = api
        .put(url(&decision))
        .bearer_auth(&token)
        .json(&json!({"status": "not_adopted", "reason": "收费标准由省级部门另行制定。"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let decided: Value = response.json().await.unwrap();
    assert_eq!(decided["decision"], "not_adopted");
    assert_eq!(decided["decision_label"], "不予采纳");
    let logged: Vec<String> = decision_log::table
        .filter(decision_log::opinion_id.eq(first.0))
        .select(decision_log::actor_name)
        .load(&mut conn)
        .unwrap();
    assert_eq!(logged, ["API令牌“OA系统”"]);
    let undecided: Value = api
        .get(url(&format!("{base}/opinions?decision=undecided")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(undecided["items"].as_array().unwrap().len(), 1);
    assert_eq!(undecided["items"][0]["author"], "李四");

    // Feedback waits for the window to close.
    let feedback = json!({"text": "本次征求意见共收到意见2条。"});
    let response = api.post(url(&format!("{base}/feedback"))).bearer_auth(&token).json(&feedback).send().await.unwrap();
    assert_eq!(response.status(), 409);
    diesel::update(consultations::table.find(cid))
        .set((consultations::starts_on.eq(china_day(-40)), consultations::ends_on.eq(china_day(-1))))
        .execute(&mut conn)
        .unwrap();

    // Export: the public table masks the name; the internal ledger has it whole, with the contact.
    let response =
        api.get(url(&format!("{base}/export?layout=tongguan&format=csv"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = response.text().await.unwrap();
    assert!(csv.contains("建议明确物业服务收费标准。") && csv.contains("收费标准由省级部门另行制定。"), "{csv}");
    assert!(!csv.contains("13800138000") && !csv.contains("张三") && csv.contains("张*"), "{csv}");
    let internal = api
        .get(url(&format!("{base}/export?layout=ledger&format=csv&audience=staff")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(internal.contains("13800138000") && internal.contains("张三"), "{internal}");
    let response =
        api.get(url(&format!("{base}/export?layout=tongguan&format=pdf"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let xlsx =
        api.get(url(&format!("{base}/export?layout=tongguan&format=xlsx"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    let docx =
        api.get(url(&format!("{base}/export?layout=tongguan&format=docx"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(docx.status(), 200);
    assert!(docx.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));

    // Publish the feedback: the public sees it.
    let response =
        api.post(url(&format!("{base}/feedback"))).bearer_auth(&token).json(&json!({"text": ""})).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let response = api.post(url(&format!("{base}/feedback"))).bearer_auth(&token).json(&feedback).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let published: Value = response.json().await.unwrap();
    assert_eq!(published["url"], format!("/consultations/{id}/feedback"));
    let public: Value = app.get(&format!("/api/v1/consultations/{id}/feedback")).await.json().await.unwrap();
    assert_eq!(public["text"], "本次征求意见共收到意见2条。");
    assert_eq!(public["not_adopted"], 1);

    // Every change is in the audit log under the token's name.
    let audit = audit_rows(&app);
    let by_token: Vec<&str> =
        audit.iter().filter(|(actor, _, _)| actor == "API令牌“OA系统”").map(|(_, action, _)| action.as_str()).collect();
    assert_eq!(
        by_token,
        [
            "consultation_created",
            "draft_uploaded",
            "explanation_saved",
            "material_uploaded",
            "published",
            "decision_recorded",
            "export_with_contacts",
            "feedback_published"
        ]
    );
    assert!(audit.iter().all(|(_, _, subject)| !subject.contains("13800138000")));
    app.create_user("padmin", Role::Admin);
    let padmin = browser(&app, "padmin").await;
    let log = padmin.get(app.url("/staff/audit")).send().await.unwrap().text().await.unwrap();
    assert!(log.contains("API令牌“OA系统”") && log.contains("记录采纳情况"), "the audit page names the token");
}

#[actix_web::test]
async fn a_tokens_last_use_is_recorded_at_most_once_a_minute() {
    let World { app, a, .. } = world().await;
    let (c, _) = closed_consultation(&app, a, "A单位的草案");
    let token = token_for(&app, a, "aadmin", "OA系统").await;
    let last_used = || -> Option<chrono::NaiveDateTime> {
        api_tokens::table.select(api_tokens::last_used_at).first(&mut app.conn()).unwrap()
    };
    assert_eq!(last_used(), None);
    let read = || system().get(app.url(&format!("/api/v1/staff/consultations/{c}"))).bearer_auth(&token).send();
    assert_eq!(read().await.unwrap().status(), 200);
    let first = last_used().expect("the use is recorded");
    assert!((Utc::now().naive_utc() - first).num_seconds().abs() < 30);

    // Thirty seconds ago: a use now is not written again.
    let recent = first - Duration::seconds(30);
    diesel::update(api_tokens::table).set(api_tokens::last_used_at.eq(recent)).execute(&mut app.conn()).unwrap();
    assert_eq!(read().await.unwrap().status(), 200);
    assert_eq!(last_used(), Some(recent));
    // Two minutes ago: it is.
    let stale = first - Duration::seconds(120);
    diesel::update(api_tokens::table).set(api_tokens::last_used_at.eq(stale)).execute(&mut app.conn()).unwrap();
    assert_eq!(read().await.unwrap().status(), 200);
    assert!(last_used().unwrap() > stale + Duration::seconds(100));

    let admin = browser(&app, "aadmin").await;
    let page = crate::helpers::Page::from_response(
        admin.get(app.url(&format!("/staff/agencies/{a}/tokens"))).send().await.unwrap(),
    )
    .await;
    assert_ne!(page.texts(".token-row .token-last-used"), ["从未使用"]);
}

#[actix_web::test]
async fn the_openapi_document_describes_the_staff_api_with_its_bearer_scheme() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    for (path, method) in [
        ("/api/v1/staff/consultations", "post"),
        ("/api/v1/staff/consultations", "get"),
        ("/api/v1/staff/consultations/{id}", "get"),
        ("/api/v1/staff/consultations/{id}/draft", "post"),
        ("/api/v1/staff/consultations/{id}/materials", "post"),
        ("/api/v1/staff/consultations/{id}/explanation", "put"),
        ("/api/v1/staff/consultations/{id}/publish", "post"),
        ("/api/v1/staff/consultations/{id}/opinions", "get"),
        ("/api/v1/staff/consultations/{id}/opinions/{opinion}", "get"),
        ("/api/v1/staff/consultations/{id}/opinions/{opinion}/decision", "put"),
        ("/api/v1/staff/consultations/{id}/export", "get"),
        ("/api/v1/staff/consultations/{id}/feedback", "post"),
    ] {
        let operation = &doc["paths"][path][method];
        assert_eq!(operation["security"], json!([{"bearer": []}]), "{method} {path}");
        assert!(operation["responses"]["401"].is_object(), "{method} {path} documents its 401");
    }
    let upload = &doc["paths"]["/api/v1/staff/consultations/{id}/draft"]["post"]["requestBody"]["content"];
    assert!(upload["multipart/form-data"].is_object());
    // The public API stays open.
    assert!(doc["paths"]["/api/v1/consultations"]["get"]["security"].is_null());
}

#[actix_web::test]
async fn an_upload_over_the_size_limit_is_refused_as_on_the_staff_page() {
    let app = crate::helpers::spawn_app_with(|s| s.upload_max_bytes = 1024).await;
    let admin = app.create_user_with("aadmin", "王管理", Role::Drafter, STAFF_PASSWORD);
    Agency::set_member(&mut app.conn(), DEFAULT_AGENCY, admin, AgencyRole::AgencyAdmin).unwrap();
    let c = app.create_consultation_with("A单位的草案", china_day(1), china_day(40), SMALL_DRAFT, false);
    let token = token_for(&app, DEFAULT_AGENCY, "aadmin", "OA系统").await;
    let big = "第一条 ".to_owned() + &"很长的条文。".repeat(200);
    let response = system()
        .post(app.url(&format!("/api/v1/staff/consultations/{c}/draft")))
        .bearer_auth(&token)
        .multipart(draft_form(&big))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().starts_with("上传的文件超过"), "{problem}");
    let versions: i64 =
        drafts::table.filter(drafts::consultation_id.eq(c)).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(versions, 1, "the draft created with the consultation only");
}
