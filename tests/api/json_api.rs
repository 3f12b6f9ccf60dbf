//! The JSON API: the same operations as the public pages, with problem+json errors.

use serde_json::{Value, json};

use crate::helpers::{SMALL_DRAFT, TestApp, china_day, spawn_app, spawn_seeded_app};

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post_json(app: &TestApp, path: &str, body: &Value) -> (u16, String, Value) {
    let response = app.client.post(app.url(path)).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, response.json().await.unwrap_or(Value::Null))
}

fn opinion(captcha_id: &str, answer: &str) -> Value {
    json!({
        "section": "1-1", "name": "张三丰", "contact": "zhang@example.com", "body": "建议写明依据。",
        "consent": true, "captcha_id": captcha_id, "captcha_answer": answer
    })
}

#[actix_web::test]
async fn consultations_and_their_drafts_can_be_read_as_json() {
    let app = spawn_seeded_app().await;
    let (status, list) = get_json(&app, "/api/v1/consultations").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 6);
    assert_eq!(list["total"], 6);
    let (status, tongguan) = get_json(&app, "/api/v1/consultations/1").await;
    assert_eq!(status, 200);
    assert_eq!(tongguan["status"], "feedback_published");
    assert_eq!(tongguan["status_label"], "已反馈");
    assert_eq!(tongguan["starts_on"], "2018-01-08");
    let sections = tongguan["draft"]["sections"].as_array().unwrap();
    let item = sections.iter().find(|s| s["anchor"] == "5-1").unwrap();
    assert_eq!(item["title"], "11.加快大开放平台建设");
    assert_eq!(item["parent"], "5");
    assert_eq!(item["depth"], 2);
}

#[actix_web::test]
async fn an_opinion_is_sent_with_a_captcha_and_its_receipt_looked_up() {
    let app = spawn_app().await;
    let id = app.create_consultation("接口测试", china_day(-1), china_day(28), SMALL_DRAFT);
    let (status, _, captcha) = post_json(&app, "/api/v1/captchas", &json!({"kind": "question"})).await;
    assert_eq!(status, 201);
    assert!(captcha["question"].as_str().unwrap().starts_with("请回答："));
    let captcha_id = captcha["id"].as_str().unwrap();
    let answer = app.captcha_answer(captcha_id);
    let (status, _, receipt) =
        post_json(&app, &format!("/api/v1/consultations/{id}/opinions"), &opinion(captcha_id, &answer)).await;
    assert_eq!(status, 201, "{receipt}");
    let code = receipt["receipt_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 11);
    assert_eq!(receipt["duplicate"], false);
    // The same opinion again returns its first receipt.
    let (_, _, image) = post_json(&app, "/api/v1/captchas", &json!({})).await;
    assert!(image["image"].as_str().unwrap().starts_with("data:image/png;base64,"));
    let second = image["id"].as_str().unwrap();
    let answer = app.captcha_answer(second);
    let (status, _, again) =
        post_json(&app, &format!("/api/v1/consultations/{id}/opinions"), &opinion(second, &answer)).await;
    assert_eq!(
        (status, again["receipt_code"].as_str().unwrap(), again["duplicate"].as_bool()),
        (200, code.as_str(), Some(true))
    );
    let (status, looked_up) = get_json(&app, &format!("/api/v1/receipts/{}", code.to_lowercase())).await;
    assert_eq!(status, 200);
    assert_eq!(looked_up["status"], "received");
    assert_eq!(looked_up["section"], "第一条 为了规范测试，制定本办法");
    assert!(looked_up.get("contact").is_none());
}

#[actix_web::test]
async fn the_json_list_counts_a_new_opinion_at_once_though_it_is_cached() {
    let app = spawn_app().await;
    let id = app.create_consultation("接口缓存", china_day(-1), china_day(28), SMALL_DRAFT);
    let count = |list: &Value| {
        let item = list["items"].as_array().unwrap().iter().find(|c| c["id"] == id.0).cloned();
        item.map(|c| c["opinion_count"].as_i64().unwrap())
    };
    let (_, first) = get_json(&app, "/api/v1/consultations").await;
    assert_eq!(count(&first), Some(0));
    // Read again at once: the cached list, the same bytes.
    let (_, again) = get_json(&app, "/api/v1/consultations").await;
    assert_eq!(again, first);
    let (_, _, captcha) = post_json(&app, "/api/v1/captchas", &json!({"kind": "question"})).await;
    let captcha_id = captcha["id"].as_str().unwrap();
    let answer = app.captcha_answer(captcha_id);
    let (status, _, receipt) =
        post_json(&app, &format!("/api/v1/consultations/{id}/opinions"), &opinion(captcha_id, &answer)).await;
    assert_eq!(status, 201, "{receipt}");
    let (status, after) = get_json(&app, "/api/v1/consultations").await;
    assert_eq!(status, 200);
    assert_eq!(count(&after), Some(1), "the opinion forgets the cached list");
}

#[actix_web::test]
async fn wrong_fields_and_captchas_come_back_as_problems_by_field() {
    let app = spawn_app().await;
    let id = app.create_consultation("接口校验", china_day(-1), china_day(28), SMALL_DRAFT);
    let (_, _, captcha) = post_json(&app, "/api/v1/captchas", &json!({})).await;
    let mut body = opinion(captcha["id"].as_str().unwrap(), "WRONG");
    body["contact"] = json!("12345");
    body["consent"] = json!(false);
    let (status, kind, problem) = post_json(&app, &format!("/api/v1/consultations/{id}/opinions"), &body).await;
    assert_eq!(status, 422);
    assert_eq!(kind, "application/problem+json");
    assert_eq!(problem["errors"]["captcha_answer"], "验证码不正确，请重新输入");
    assert_eq!(problem["errors"]["contact"], "手机号码应为11位数字，以1开头");
    assert_eq!(problem["errors"]["consent"], "请阅读并同意个人信息处理说明后再提交");
    let (status, _, problem) =
        post_json(&app, &format!("/api/v1/consultations/{id}/opinions"), &json!({"name": 1})).await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().unwrap().contains("JSON"));
}

#[actix_web::test]
async fn malformed_json_is_explained_in_chinese_with_the_position_in_its_own_fields() {
    let app = spawn_app().await;
    let id = app.create_consultation("接口格式", china_day(-1), china_day(28), SMALL_DRAFT);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/consultations/{id}/opinions")))
        .header("content-type", "application/json")
        .body("{\n  \"name\": \"张三\",\n  oops\n}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.starts_with("请求内容不是有效的 JSON"), "{detail}");
    for english in ["deserialize", "error", "expected", "Json"] {
        assert!(!detail.contains(english), "{detail}");
    }
    assert_eq!((problem["line"].as_u64(), problem["column"].as_u64()), (Some(3), Some(3)));
}

#[actix_web::test]
async fn a_closed_consultation_and_unknown_things_answer_in_problem_json() {
    let app = spawn_app().await;
    let closed = app.create_consultation("已结束", china_day(-40), china_day(-11), SMALL_DRAFT);
    let (_, _, captcha) = post_json(&app, "/api/v1/captchas", &json!({})).await;
    let id = captcha["id"].as_str().unwrap();
    let (status, kind, problem) =
        post_json(&app, &format!("/api/v1/consultations/{closed}/opinions"), &opinion(id, &app.captcha_answer(id)))
            .await;
    assert_eq!((status, kind.as_str()), (409, "application/problem+json"));
    assert!(problem["detail"].as_str().unwrap().contains("不再接收意见"));
    for path in [
        "/api/v1/consultations/999",
        "/api/v1/consultations/abc",
        "/api/v1/nothing",
        &format!("/api/v1/consultations/{closed}/feedback"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
    }
}

#[actix_web::test]
async fn the_openapi_document_describes_every_operation() {
    let app = spawn_app().await;
    let (status, doc) = get_json(&app, "/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/consultations",
        "/api/v1/consultations/{id}",
        "/api/v1/consultations/{id}/feedback",
        "/api/v1/captchas",
        "/api/v1/consultations/{id}/opinions",
        "/api/v1/receipts/{code}",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["OpinionRequest"]["properties"]["captcha_answer"].is_object());
}
