//! The JSON API reads of versions, their materials and the 修改对照表, parsed back. What is expected
//! is read from the uploaded drafts (`seeds/raw/versions/kuanxiang-v1.txt`, `-v2.txt`) and their
//! article map in `seeds/raw/versions/SOURCES.md`.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::decision_sections::revised;
use crate::helpers::{TestApp, china_day};

const V1: &str = include_str!("../../seeds/raw/versions/kuanxiang-v1.txt");

async fn json(app: &TestApp, path: &str) -> (u16, String, Value) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let kind = response.headers()["content-type"].to_str().unwrap().to_owned();
    (status, kind, response.json().await.unwrap())
}

/// The sections of a version whose title is an article's (第N条 …).
fn articles(sections: &[Value]) -> Vec<&Value> {
    sections
        .iter()
        .filter(|s| s["title"].as_str().unwrap().split(' ').next().is_some_and(|n| n.ends_with('条')))
        .collect()
}

fn titled<'a>(sections: &'a [Value], number: &str) -> &'a Value {
    sections
        .iter()
        .find(|s| s["title"].as_str().unwrap().split(' ').next() == Some(number))
        .unwrap_or_else(|| panic!("a section {number}"))
}

#[actix_web::test]
async fn the_versions_are_listed_and_each_is_read_section_by_section() {
    let r = revised().await;
    let id = r.id;
    let (status, _, list) = json(&r.app, &format!("/api/v1/consultations/{id}/versions")).await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["no"].as_i64(), items[0]["version_label"].as_str(), items[0]["current"].as_bool()),
        (Some(1), Some("征求意见稿"), Some(false))
    );
    assert_eq!(
        (items[1]["no"].as_i64(), items[1]["version_label"].as_str(), items[1]["current"].as_bool()),
        (Some(2), Some("修订稿"), Some(true))
    );
    assert_eq!(items[1]["title"], "保障中小企业款项支付条例");
    assert_eq!(items[0]["url"], format!("/consultations/{id}/versions/1"));
    assert_eq!(items[1]["api_url"], format!("/api/v1/consultations/{id}/versions/2"));

    // The 2020 text: 29 articles, no chapters.
    let (_, _, first) = json(&r.app, &format!("/api/v1/consultations/{id}/versions/1")).await;
    let sections = first["sections"].as_array().unwrap();
    assert_eq!(articles(sections).len(), 29);
    let in_force = titled(sections, "第二十九条");
    assert_eq!(in_force["text"].as_str().unwrap().trim(), "第二十九条 本条例自2020年9月1日起施行。");
    assert_eq!(in_force["depth"], 1);

    // The 2025 text: 37 articles in 5 chapters, 第三十七条 in 第五章 附则.
    let (_, _, second) = json(&r.app, &format!("/api/v1/consultations/{id}/versions/2")).await;
    assert_eq!(second["no"], 2);
    assert_eq!(second["materials_url"], format!("/api/v1/consultations/{id}/versions/2/materials"));
    let sections = second["sections"].as_array().unwrap();
    assert_eq!(articles(sections).len(), 37);
    let chapters: Vec<&str> = sections
        .iter()
        .filter(|s| s["title"].as_str().unwrap().split(' ').next().is_some_and(|n| n.ends_with('章')))
        .map(|s| s["title"].as_str().unwrap().split(' ').next().unwrap())
        .collect();
    assert_eq!(chapters, ["第一章", "第二章", "第三章", "第四章", "第五章"]);
    let last = titled(sections, "第三十七条");
    assert_eq!(last["text"].as_str().unwrap().trim(), "第三十七条 本条例自2025年6月1日起施行。");
    assert_eq!(last["depth"], 2);
    assert_eq!(last["parent"], titled(sections, "第五章")["anchor"]);
    let anchor = last["anchor"].as_str().unwrap();
    assert_eq!(last["url"], format!("/consultations/{id}/versions/2#s-{anchor}"));
    assert!(r.app.page(&format!("/consultations/{id}/versions/2")).await.select(&format!("#s-{anchor}")).len() == 1);

    let (status, kind, problem) = json(&r.app, &format!("/api/v1/consultations/{id}/versions/3")).await;
    assert_eq!((status, kind.as_str()), (404, "application/problem+json"));
    assert_eq!(problem["status"], 404);
}

#[actix_web::test]
async fn a_versions_materials_are_listed_with_their_names_kinds_and_sizes() {
    let r = revised().await;
    let id = r.id;
    let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec();
    let path = format!("/staff/consultations/{id}/versions");
    let token = r.app.csrf_token(&path).await;
    let form = Form::new()
        .text("csrf", token)
        .text("version_no", "2")
        .part("file", Part::bytes(pdf.clone()).file_name("修订说明.pdf"));
    let response = r.app.client.post(r.app.url(&format!("{path}/materials"))).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);

    let (status, _, list) = json(&r.app, &format!("/api/v1/consultations/{id}/versions/2/materials")).await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["file_name"], "修订说明.pdf");
    assert_eq!(items[0]["content_type"], "application/pdf");
    assert_eq!(items[0]["kind_label"], "PDF");
    assert_eq!(items[0]["size_bytes"].as_u64(), Some(pdf.len() as u64));
    let url = items[0]["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("/consultations/{id}/materials/")), "{url}");
    assert_eq!(r.app.get(url).await.bytes().await.unwrap().to_vec(), pdf, "the listed address downloads it");
    let (_, _, first) = json(&r.app, &format!("/api/v1/consultations/{id}/versions/1/materials")).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn the_change_table_is_read_as_rows_with_their_kind_and_notes() {
    let r = revised().await;
    let id = r.id;
    let (opinion, _) = r.opinion(Some("第二十九条"), "建议明确新的施行日期。");
    r.decide(opinion, "adopted", "", "").await;

    let (status, _, table) = json(&r.app, &format!("/api/v1/consultations/{id}/compare?from=1&to=2")).await;
    assert_eq!(status, 200);
    assert_eq!((table["from"].as_i64(), table["to"].as_i64()), (Some(1), Some(2)));
    assert_eq!(table["columns"], serde_json::json!(["序号", "原条文", "修改后条文", "修改说明"]));
    let rows = table["rows"].as_array().unwrap();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["seq"].as_u64(), Some(i as u64 + 1));
        assert_ne!(row["kind"], "kept", "unchanged articles are left out");
    }
    let date = rows
        .iter()
        .find(|r| r["after"].as_str().unwrap().starts_with("第三十七条"))
        .expect("the in-force article's row");
    assert_eq!(date["before"], "第二十九条 本条例自2020年9月1日起施行。");
    assert_eq!(date["after"], "第三十七条 本条例自2025年6月1日起施行。");
    assert_eq!((date["kind"].as_str(), date["kind_label"].as_str()), (Some("changed"), Some("修改")));
    assert_eq!(date["note"], format!("采纳第{opinion}号意见"));
    // SOURCES.md: new in 2025 are 第四条, 第十五条, 第十九条, 第二十一条, 第二十二条, 第三十五条 and the 5 chapters.
    let new: Vec<&str> = rows
        .iter()
        .filter(|r| r["kind"] == "new")
        .map(|r| {
            assert_eq!((r["before"].as_str(), r["note"].as_str()), (Some(""), Some("新增")));
            r["after"].as_str().unwrap().split(' ').next().unwrap()
        })
        .collect();
    assert_eq!(
        new,
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

    let (_, _, all) = json(&r.app, &format!("/api/v1/consultations/{id}/compare?from=1&to=2&all=1")).await;
    let first = all["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["after"].as_str().unwrap().starts_with("第一条"))
        .expect("unchanged articles listed with all=1");
    let text = "为了促进机关、事业单位和大型企业及时支付中小企业款项，维护中小企业合法权益，优化营商环境，根据《中华人民共和国中小企业促进法》等法律，制定本条例。";
    assert_eq!(first["before"], format!("第一条 {text}"));
    assert_eq!(first["after"], format!("第一条 {text}"));
    assert_eq!((first["kind"].as_str(), first["note"].as_str()), (Some("kept"), Some("")));

    // Defaults: the current version against the one before it.
    let (_, _, default) = json(&r.app, &format!("/api/v1/consultations/{id}/compare")).await;
    assert_eq!(default["rows"], table["rows"]);

    let (status, kind, problem) = json(&r.app, &format!("/api/v1/consultations/{id}/compare?from=2&to=1")).await;
    assert_eq!((status, kind.as_str()), (400, "application/problem+json"));
    assert_eq!(problem["detail"], "请选择较早的版本与较晚的版本比较。");
}

#[actix_web::test]
async fn an_unpublished_consultations_versions_are_not_readable_and_the_reads_are_documented() {
    let app = crate::helpers::spawn_app().await;
    let hidden = app.create_consultation_with("未发布", china_day(-40), china_day(-10), V1, false);
    let one = app.create_consultation("只有一个版本", china_day(-40), china_day(-10), V1);
    for path in ["versions", "versions/1", "versions/1/materials", "compare?from=1&to=2"] {
        let (status, kind, problem) = json(&app, &format!("/api/v1/consultations/{hidden}/{path}")).await;
        assert_eq!((status, kind.as_str()), (404, "application/problem+json"), "{path}");
        assert!(problem["title"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    }
    let (status, _, problem) = json(&app, &format!("/api/v1/consultations/{one}/compare")).await;
    assert_eq!(status, 400);
    assert_eq!(problem["detail"], "这项意见征集只有一个版本，没有可比较的修改。");

    let (_, _, doc) = json(&app, "/api/openapi.json").await;
    for path in [
        "/api/v1/consultations/{id}/versions",
        "/api/v1/consultations/{id}/versions/{no}",
        "/api/v1/consultations/{id}/versions/{no}/materials",
        "/api/v1/consultations/{id}/compare",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    let params: Vec<&str> = doc["paths"]["/api/v1/consultations/{id}/compare"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["id", "from", "to", "all"]);
    assert!(doc["components"]["schemas"]["ChangeTableDoc"].is_object());
}
