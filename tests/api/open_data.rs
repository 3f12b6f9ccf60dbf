//! Open data: the published feedback of every consultation as JSON and CSV under stable
//! addresses, in the documented schema, with nothing personal in it.

use serde_json::{Value, json};
use zhengqiu::domain::ids::ConsultationId;
use zhengqiu::models::Consultation;

use crate::feedback::publish_feedback;
use crate::helpers::{SMALL_DRAFT, TestApp, china_day, spawn_app, spawn_seeded_app};
use crate::review::{closed_consultation_as_owner, public_opinion};

fn tongguan(app: &TestApp) -> ConsultationId {
    Consultation::find_by_seed_key(&mut app.conn(), "tongguan-2018").unwrap().expect("the seeded Tongguan").id
}

fn base(app: &TestApp) -> String {
    app.settings.public_url.trim_end_matches('/').to_owned()
}

async fn json(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/json", "{path}");
    assert_eq!(response.headers()["access-control-allow-origin"], "*", "{path}");
    response.json().await.expect("JSON")
}

/// The CSV at `path` as Excel and WPS read it: UTF-8 with a BOM, CRLF line ends.
async fn csv_rows(app: &TestApp, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let bytes = response.bytes().await.unwrap();
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM")).expect("UTF-8");
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\r'), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    (headers, rows)
}

const INDEX_HEADERS: [&str; 20] = [
    "编号",
    "标题",
    "单位编号",
    "单位",
    "发布单位",
    "征集开始日期",
    "征集截止日期",
    "反馈公布时间",
    "收到意见",
    "采纳",
    "部分采纳",
    "不予采纳",
    "解释说明",
    "未作处理",
    "书面征求意见单位",
    "已回复单位",
    "征集页面",
    "意见反馈页面",
    "JSON数据",
    "CSV数据",
];

const OPINION_HEADERS: [&str; 9] =
    ["序号", "提出者类型", "提出者", "渠道", "所涉章节", "收到日期", "意见内容", "采纳情况", "理由"];

#[actix_web::test]
async fn the_index_lists_the_seeded_consultation_with_published_feedback_as_json_and_csv() {
    let app = spawn_seeded_app().await;
    let id = tongguan(&app);
    let base = base(&app);
    let title = "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见征求意见";
    // From seeds/consultations.toml and the table in seeds/raw/003_…: six departments, all
    // replied, twelve points (2+2+4+1+2+1), one decided (区科技局's second: 部分采纳).
    let expected = json!({
        "id": id.0,
        "title": title,
        "agency_id": 1,
        "agency": "默认单位",
        "issuer": "中共铜官区委 铜官区人民政府",
        "starts_on": "2018-01-08",
        "ends_on": "2018-01-15",
        "feedback_published_at": "2018-01-16 00:00",
        "received": 12,
        "adopted": 0,
        "partly_adopted": 1,
        "not_adopted": 0,
        "explained": 0,
        "undecided": 11,
        "departments_consulted": 6,
        "departments_answered": 6,
        "page_url": format!("{base}/consultations/{id}"),
        "feedback_url": format!("{base}/consultations/{id}/feedback"),
        "json_url": format!("{base}/open-data/consultations/{id}/feedback.json"),
        "csv_url": format!("{base}/open-data/consultations/{id}/feedback.csv"),
    });
    let index = json(&app, "/open-data/feedback.json").await;
    assert_eq!(index, json!({ "consultations": [expected] }));

    let (headers, rows) = csv_rows(&app, "/open-data/feedback.csv").await;
    assert_eq!(headers, INDEX_HEADERS);
    let id_text = id.0.to_string();
    let expected_row = [
        id_text.as_str(),
        title,
        "1",
        "默认单位",
        "中共铜官区委 铜官区人民政府",
        "2018-01-08",
        "2018-01-15",
        "2018-01-16 00:00",
        "12",
        "0",
        "1",
        "0",
        "0",
        "11",
        "6",
        "6",
        &format!("{base}/consultations/{id}"),
        &format!("{base}/consultations/{id}/feedback"),
        &format!("{base}/open-data/consultations/{id}/feedback.json"),
        &format!("{base}/open-data/consultations/{id}/feedback.csv"),
    ];
    assert_eq!(rows, [expected_row]);
}

/// The Tongguan departments' points as the seed's table prints them (split at the
/// semicolons between quotations), in table order, with the one decision the table gives.
fn tongguan_points() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    const REASON: &str = "高新区虽为我区创新平台建设的重要阵地,但全区创新平台建设需要全面统筹发展, 也是推动全区创新发展工作的主要任务之一,应由区科技局牵头抓总";
    let u = "未作处理";
    vec![
        (
            "区人社局",
            "第15页,建议将“开展机关事业单位养老保险制度改革”改为“基本完成机关事业单位养老保险制度改革”",
            u,
            "",
        ),
        ("区人社局", "第16页,建议将18项“建立更加健全社会保障体系”责任单位增加区民政局。", u, ""),
        (
            "社区办",
            "第16页,建议第20项中“完善社区自治组织体系”改为“完善社区自治组织体系,规范社会居民理事会建设,坚持“五中心一广场”功能定位,通过小区配套、调剂置换、租赁购置等方式,推进城乡社区综合服务设施建设。”",
            u,
            "",
        ),
        (
            "社区办",
            "另外建议在该段增加内容“进一步发挥社区、社会组织、社会工作在创新基层社会治理中的重要作用,逐步形成以社区为平台、社会组织为载体、社会工作为支撑的“三社”相互融合、相互协同、相互促进的运行机制。”",
            u,
            "",
        ),
        ("区科技局", "建议第7页第一项“深化供给侧结构性改革”增加责任单位区建投公司、金狮融资担保公司", u, ""),
        (
            "区科技局",
            "第8页第二项“加强创新平台建设”牵头单位“科技局”改为“狮子山高新区”,责任单位增加“区住建局、区环保局、区招商局”",
            "部分采纳",
            REASON,
        ),
        ("区科技局", "第8页第三项“全面促进科技创新”责任单位增加“区教育局、区金融办、区招商局”", u, ""),
        (
            "区科技局",
            "第9页第四项“推进三重一创现代化产业体系建设”中的“强力实施千百十亿工程。。。”责任单位增加区招商局,“强力推进国家服务业综合改革试点。。。”责任单位增加狮子山高新区。",
            u,
            "",
        ),
        (
            "区卫计局",
            "第15页,第17项“提升医疗卫生计生水平”建议将“预防保健机构”改为“公共卫生专业机构”,将“完善公立医院药品、耗材、设备集中采购机制”修改为“完善公立医院药品、耗材、集中采购机制”。",
            u,
            "",
        ),
        ("区市监局", "第2页,“自主创新能力显著提升。。。”改为“自主创新能力显著提升,推动创新高质量发展。。。”", u, ""),
        ("区市监局", "第4页,建议“社会托底保障水平进一步提高,教育、文化、卫生计生、。。。”增加食品安全。", u, ""),
        ("区商务局", "第3页,建议将“进出口总额达到13343万美元”改为“20000万美元”。", u, ""),
    ]
}

#[actix_web::test]
async fn a_consultations_opinions_and_decisions_read_back_exactly_as_json_and_csv() {
    let app = spawn_seeded_app().await;
    let id = tongguan(&app);
    let doc = json(&app, &format!("/open-data/consultations/{id}/feedback.json")).await;
    let index = json(&app, "/open-data/feedback.json").await;
    assert_eq!(doc["consultation"], index["consultations"][0], "the same entry as in the index");
    let api = json_api(&app, &format!("/api/v1/consultations/{id}/feedback")).await;
    assert_eq!(doc["feedback_text"], api["text"]);
    assert!(!api["text"].as_str().unwrap().is_empty());
    assert_eq!(api["open_data_json_url"], format!("/open-data/consultations/{id}/feedback.json"));
    assert_eq!(api["open_data_csv_url"], format!("/open-data/consultations/{id}/feedback.csv"));
    assert_eq!(doc["quiet_departments"], json!([]), "all six replied");

    let opinions = doc["opinions"].as_array().unwrap();
    let points = tongguan_points();
    assert_eq!(opinions.len(), points.len());
    for (i, (o, (department, text, label, reason))) in opinions.iter().zip(&points).enumerate() {
        let decided = *label != "未作处理";
        let mut expected = json!({
            "seq": i + 1,
            "author_kind": "department",
            "author": department,
            "channel": "书面反馈",
            "section": o["section"],
            "received_on": "2018-01-15",
            "opinion": text,
            "decision": if decided { json!("partly_adopted") } else { Value::Null },
            "decision_label": label,
            "reason": if reason.is_empty() { Value::Null } else { json!(reason) },
        });
        assert!(o["section"].is_null() || o["section"].is_string(), "{o}");
        expected["section"] = o["section"].clone();
        assert_eq!(o, &expected, "opinion {}", i + 1);
    }

    let (headers, rows) = csv_rows(&app, &format!("/open-data/consultations/{id}/feedback.csv")).await;
    assert_eq!(headers, OPINION_HEADERS);
    let expected: Vec<Vec<String>> = points
        .iter()
        .enumerate()
        .map(|(i, (department, text, label, reason))| {
            let section = opinions[i]["section"].as_str().unwrap_or_default();
            let seq = (i + 1).to_string();
            [seq.as_str(), "单位", department, "书面反馈", section, "2018-01-15", text, label, reason]
                .map(str::to_owned)
                .to_vec()
        })
        .collect();
    assert_eq!(rows, expected);
}

#[actix_web::test]
async fn open_data_masks_citizens_names_leaves_out_their_contacts_and_guards_csv_formulas() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (first, _) = public_opinion(&app, id, Some("1-1"), "张三丰", "13912345678", "建议删除第一条。");
    public_opinion(&app, id, None, "欧阳小明", "ouyang.xiaoming@example.com", "=HYPERLINK(\"http://x\",\"点此\")");
    let page = format!("/staff/consultations/{id}/opinions/{first}");
    let decided = app
        .post_with_csrf(
            &page,
            &format!("{page}/decision"),
            &[("status", "not_adopted"), ("reason", "第一条为立法目的，不宜删除。"), ("action", "stay")],
        )
        .await;
    assert_eq!(decided.status(), 303);
    publish_feedback(&app, id).await;

    let json_body = app.get(&format!("/open-data/consultations/{id}/feedback.json")).await.text().await.unwrap();
    let csv_body = app.get(&format!("/open-data/consultations/{id}/feedback.csv")).await.text().await.unwrap();
    let index = app.get("/open-data/feedback.csv").await.text().await.unwrap();
    for body in [&json_body, &csv_body, &index] {
        for personal in ["张三丰", "欧阳小明", "13912345678", "ouyang", "example.com"] {
            assert!(!body.contains(personal), "{personal} in {body}");
        }
    }
    let doc: Value = serde_json::from_str(&json_body).unwrap();
    let authors: Vec<&str> =
        doc["opinions"].as_array().unwrap().iter().map(|o| o["author"].as_str().unwrap()).collect();
    assert_eq!(authors, ["张*丰", "欧**明"]);
    assert_eq!(doc["opinions"][0]["decision"], "not_adopted");
    assert_eq!(doc["opinions"][0]["reason"], "第一条为立法目的，不宜删除。");
    assert_eq!(doc["opinions"][0]["author_kind"], "person");
    assert_eq!(doc["opinions"][0]["channel"], "平台反馈");
    assert_eq!(doc["opinions"][1]["section"], Value::Null);
    assert_eq!(doc["opinions"][1]["opinion"], "=HYPERLINK(\"http://x\",\"点此\")", "JSON keeps the text as sent");

    let (_, rows) = csv_rows(&app, &format!("/open-data/consultations/{id}/feedback.csv")).await;
    assert_eq!(rows[0][2], "张*丰");
    assert_eq!(rows[0][7..], ["不予采纳", "第一条为立法目的，不宜删除。"]);
    assert_eq!(rows[1][6], "'=HYPERLINK(\"http://x\",\"点此\")", "a spreadsheet shows it as text");
}

#[actix_web::test]
async fn a_consultation_without_published_feedback_is_not_open_data() {
    let app = spawn_app().await;
    let closed = closed_consultation_as_owner(&app).await;
    let hidden = app.create_consultation_with("尚未发布的草案", china_day(-40), china_day(-5), SMALL_DRAFT, false);
    for id in [closed, hidden, ConsultationId(9999)] {
        for ext in ["json", "csv"] {
            let response = app.get(&format!("/open-data/consultations/{id}/feedback.{ext}")).await;
            assert_eq!(response.status(), 404, "{id}.{ext}");
            assert_eq!(response.headers()["content-type"], "application/problem+json");
        }
    }
    assert_eq!(json(&app, "/open-data/feedback.json").await, json!({ "consultations": [] }));
    let (headers, rows) = csv_rows(&app, "/open-data/feedback.csv").await;
    assert_eq!((headers, rows.len()), (INDEX_HEADERS.map(str::to_owned).to_vec(), 0));
}

#[actix_web::test]
async fn the_public_json_of_consultations_names_their_agency() {
    let app = spawn_app().await;
    let id = app.create_consultation("养老服务条例", china_day(-1), china_day(28), SMALL_DRAFT);
    let list = json_api(&app, "/api/v1/consultations").await;
    assert_eq!(list["items"][0]["agency_id"], 1);
    assert_eq!(list["items"][0]["agency"], "默认单位");
    let show = json_api(&app, &format!("/api/v1/consultations/{id}")).await;
    assert_eq!((&show["agency_id"], &show["agency"]), (&json!(1), &json!("默认单位")));
}

async fn json_api(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

#[actix_web::test]
async fn the_openapi_document_describes_the_open_data() {
    let app = spawn_app().await;
    let doc = json_api(&app, "/api/openapi.json").await;
    for path in [
        "/open-data/feedback.json",
        "/open-data/feedback.csv",
        "/open-data/consultations/{id}/feedback.json",
        "/open-data/consultations/{id}/feedback.csv",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    let opinion = &doc["components"]["schemas"]["OpenOpinion"]["properties"];
    for field in [
        "seq",
        "author_kind",
        "author",
        "channel",
        "section",
        "received_on",
        "opinion",
        "decision",
        "decision_label",
        "reason",
    ] {
        assert!(opinion[field].is_object(), "OpenOpinion.{field}");
    }
    assert!(doc["components"]["schemas"]["FeedbackEntry"]["properties"]["agency"].is_object());
    assert!(doc["components"]["schemas"]["ConsultationSummary"]["properties"]["agency"].is_object());
}
