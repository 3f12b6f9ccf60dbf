//! Drafters decide on every opinion and publish the feedback: decisions with reasons,
//! groups, the audit trail, the adoption table in every layout and format, publishing.

use std::io::{Cursor, Read};

use calamine::Reader;
use chrono::Utc;
use diesel::prelude::*;

use zhengqiu::db::schema::{consultations, decision_log, opinions, outbox};
use zhengqiu::domain::account::Role;
use zhengqiu::domain::contact::Contact;
use zhengqiu::domain::ids::{ConsultationId, OpinionId};
use zhengqiu::domain::opinion::OpinionText;
use zhengqiu::models::outbox::MailKind;
use zhengqiu::rate_limit::ClientKey;
use zhengqiu::services::opinions::{PublicSubmission, Submitted};

use crate::helpers::{SMALL_DRAFT, TestApp, china_day, login_ok, spawn_app, spawn_seeded_app};

/// A citizen's opinion stored directly (the form itself is tested elsewhere).
pub fn public_opinion(
    app: &TestApp,
    id: ConsultationId,
    section: Option<&str>,
    name: &str,
    contact: &str,
    body: &str,
) -> (OpinionId, String) {
    public_opinion_with(app, id, section, name, contact, body, None)
}

pub fn public_opinion_with(
    app: &TestApp,
    id: ConsultationId,
    section: Option<&str>,
    name: &str,
    contact: &str,
    body: &str,
    wording: Option<(&str, &str)>,
) -> (OpinionId, String) {
    let mut conn = app.conn();
    let section_id = section.map(|anchor| {
        use zhengqiu::db::schema::{drafts, sections};
        sections::table
            .inner_join(drafts::table)
            .filter(drafts::consultation_id.eq(id))
            .filter(sections::anchor.eq(anchor))
            .select(sections::id)
            .first(&mut conn)
            .unwrap()
    });
    let text = OpinionText {
        name: name.into(),
        contact: Contact::parse(contact).unwrap(),
        body: body.into(),
        suggestion: wording
            .map(|(o, p)| zhengqiu::domain::opinion::Suggestion { original: Some(o.into()), proposed: Some(p.into()) }),
    };
    let client = ClientKey::from_ip(None, b"test");
    let submission = PublicSubmission {
        consultation_id: id,
        round_no: 1,
        section_id,
        text: &text,
        client: &client,
        flag_reason: None,
        now: Utc::now().naive_utc(),
    };
    let Submitted::New(code) =
        submission.store(&mut conn, &mut zhengqiu::db::Scratch::default(), b"secret", |_| None).unwrap()
    else {
        panic!("a new opinion")
    };
    let id: OpinionId =
        opinions::table.filter(opinions::receipt_code.eq(code.as_str())).select(opinions::id).first(&mut conn).unwrap();
    (id, code.as_str().to_owned())
}

/// A consultation that closed five days ago, owned by the logged-in drafter `zhao`.
pub async fn closed_consultation_as_owner(app: &TestApp) -> ConsultationId {
    let id = app.create_consultation("关于测试办法的意见反馈", china_day(-35), china_day(-6), SMALL_DRAFT);
    let owner = app.create_user("zhao", Role::Drafter);
    app.set_owner(id, Some(owner));
    login_ok(app, "zhao").await;
    id
}

fn decision_of(app: &TestApp, id: OpinionId) -> (Option<String>, Option<String>) {
    opinions::table.find(id).select((opinions::decision, opinions::decision_reason)).first(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn a_decision_needs_a_reason_when_not_fully_adopted_and_its_history_is_kept() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (oid, _) = public_opinion(&app, id, Some("1-1"), "张三丰", "13812345678", "建议删除第一条。");
    let page_url = format!("/staff/consultations/{id}/opinions/{oid}");
    let page = app.page(&page_url).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("建议删除第一条。") && page.body.contains("13812345678"), "staff see the contact");
    let save = format!("{page_url}/decision");
    let refused =
        app.post_with_csrf(&page_url, &save, &[("status", "not_adopted"), ("reason", " "), ("action", "stay")]).await;
    assert_eq!(refused.status(), 422);
    let refused = crate::helpers::Page::from_response(refused).await;
    assert_eq!(refused.text("#e-reason"), "选择“不予采纳”时须说明理由");
    assert_eq!(decision_of(&app, oid), (None, None));

    let ok = app
        .post_with_csrf(
            &page_url,
            &save,
            &[("status", "not_adopted"), ("reason", "第一条为立法目的，不宜删除。"), ("action", "stay")],
        )
        .await;
    assert_eq!(ok.status(), 303);
    assert_eq!(decision_of(&app, oid), (Some("not_adopted".into()), Some("第一条为立法目的，不宜删除。".into())));
    app.post_with_csrf(&page_url, &save, &[("status", "adopted"), ("reason", ""), ("action", "stay")]).await;
    let history = app.page(&page_url).await.texts("#history-title ~ .table-scroll tbody tr");
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(
        history[0].contains("测试起草人员") && history[0].contains("未处理") && history[0].contains("不予采纳"),
        "{history:?}"
    );
    assert!(history[1].contains("不予采纳") && history[1].contains("采纳"));
    let logged: i64 =
        decision_log::table.filter(decision_log::opinion_id.eq(oid)).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(logged, 2);
}

#[actix_web::test]
async fn a_return_address_that_is_not_a_plain_staff_path_falls_back_to_the_list_after_saving() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let review = format!("/staff/consultations/{id}/review");
    let bad_backs = [
        format!("/staff/consultations/{id}/review\r\nSet-Cookie: zq=1"),
        format!("/staff/consultations/{id}/review\nX: y"),
        "//evil.example/staff/".to_owned(),
        "https://evil.example/staff/".to_owned(),
        "javascript:alert(1)".to_owned(),
        "/consultations/1".to_owned(),
    ];
    for (n, back) in bad_backs.iter().enumerate() {
        let (oid, _) = public_opinion(&app, id, Some("1-1"), "张三丰", "13812345678", &format!("第{n}条建议。"));
        let response = app
            .post_with_csrf(
                &review,
                &format!("/staff/consultations/{id}/decisions"),
                &[("ids", &oid.to_string()), ("status", "adopted"), ("reason", ""), ("back", back)],
            )
            .await;
        assert_eq!(response.status(), 303, "{back:?}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, format!("/staff/consultations/{id}/review?"), "{back:?}");
        assert_eq!(decision_of(&app, oid).0.as_deref(), Some("adopted"), "saved once: {back:?}");
    }
    let groups = format!("/staff/consultations/{id}/groups");
    let (oid, _) = public_opinion(&app, id, Some("1-1"), "李四", "13900000000", "来自归并页的建议。");
    let response = app
        .post_with_csrf(
            &groups,
            &format!("/staff/consultations/{id}/decisions"),
            &[("ids", &oid.to_string()), ("status", "adopted"), ("reason", ""), ("back", &groups)],
        )
        .await;
    assert_eq!(response.headers()["location"].to_str().unwrap(), groups, "a plain staff path is followed");
}

#[actix_web::test]
async fn save_and_next_goes_to_the_next_undecided_opinion_of_the_filter() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (a, _) = public_opinion(&app, id, Some("1-1"), "甲", "13800000001", "第一条意见");
    let (_, _) = public_opinion(&app, id, Some("2"), "乙", "13800000002", "第二章意见");
    let (c, _) = public_opinion(&app, id, Some("1-1"), "丙", "13800000003", "又一条第一条意见");
    let page_url = format!("/staff/consultations/{id}/opinions/{a}?section=1-1");
    let response = app
        .post_with_csrf(
            &page_url,
            &format!("/staff/consultations/{id}/opinions/{a}/decision?section=1-1"),
            &[("status", "adopted"), ("action", "next"), ("section", "1-1")],
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("/staff/consultations/{id}/opinions/{c}")),
        "skips the other section: {location}"
    );
}

#[actix_web::test]
async fn one_decision_applies_to_a_selection_and_to_a_group_of_copies() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let campaign = "坚决反对在本小区附近建设垃圾焚烧厂，请重新选址！";
    let copies: Vec<OpinionId> = (0..4)
        .map(|n| {
            public_opinion(
                &app,
                id,
                None,
                &format!("居民{n}"),
                &format!("1380000001{n}"),
                &campaign.replace('！', if n % 2 == 0 { "！" } else { "。" }),
            )
            .0
        })
        .collect();
    let (other, _) = public_opinion(&app, id, Some("2"), "李四", "13900000000", "建议增加附则的施行日期。");
    let groups = app.page(&format!("/staff/consultations/{id}/groups")).await;
    assert_eq!(groups.status, 200, "{}", groups.body);
    let titles = groups.texts(".group-title");
    assert_eq!(titles, ["内容相同：4 条"], "{}", groups.body);
    let ids =
        groups.select("form.group-decide input[name=ids]").first().unwrap().value().attr("value").unwrap().to_owned();
    let response = app
        .post_with_csrf(
            &format!("/staff/consultations/{id}/groups"),
            &format!("/staff/consultations/{id}/decisions"),
            &[
                ("ids", &ids),
                ("status", "explained"),
                ("reason", "选址不属于本办法调整范围。"),
                ("back", &format!("/staff/consultations/{id}/groups")),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    for copy in &copies {
        assert_eq!(decision_of(&app, *copy).0.as_deref(), Some("explained"));
    }
    assert_eq!(decision_of(&app, other), (None, None), "outside the group");
    // A selection on the list page, with a reason missing: nothing changes.
    let review = format!("/staff/consultations/{id}/review");
    let selected = other.to_string();
    let refused = app
        .post_with_csrf(
            &review,
            &format!("/staff/consultations/{id}/decisions"),
            &[("ids", &selected), ("status", "partly_adopted"), ("reason", "")],
        )
        .await;
    assert_eq!(refused.status(), 303);
    assert!(app.page(&review).await.text(".flash").contains("须说明理由"));
    assert_eq!(decision_of(&app, other), (None, None));
    app.post_with_csrf(
        &review,
        &format!("/staff/consultations/{id}/decisions"),
        &[("ids", &selected), ("status", "partly_adopted"), ("reason", "施行日期另行规定。")],
    )
    .await;
    assert_eq!(decision_of(&app, other).0.as_deref(), Some("partly_adopted"));
    let logged: i64 = decision_log::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(logged, 5, "one entry per opinion changed");
}

#[actix_web::test]
async fn the_review_list_filters_and_pages_without_skipping_or_repeating() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    for n in 0..120 {
        let section = if n % 3 == 0 { Some("1-1") } else { None };
        public_opinion(
            &app,
            id,
            section,
            &format!("公众{n}"),
            &format!("138{n:08}"),
            &format!("第{n}号意见：内容{}", if n == 77 { "含关键词丙烯酸" } else { "" }),
        );
    }
    let review = format!("/staff/consultations/{id}/review");
    let mut seen = Vec::new();
    let mut url = review.clone();
    loop {
        let page = app.page(&url).await;
        assert_eq!(page.status, 200);
        seen.extend(page.select("input[name=ids]").iter().map(|e| e.value().attr("value").unwrap().to_owned()));
        match page.select("a[rel=next]").first().and_then(|a| a.value().attr("href")) {
            Some(next) => url = format!("{review}{}", &next[next.find('?').unwrap()..]),
            None => break,
        }
    }
    assert_eq!(seen.len(), 120);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 120, "no opinion shown twice");
    let by_section = app.page(&format!("{review}?section=1-1")).await;
    assert_eq!(by_section.select("input[name=ids]").len(), 40);
    let whole = app.page(&format!("{review}?section=whole&q=%E5%86%85%E5%AE%B9")).await;
    assert_eq!(whole.select("input[name=ids]").len(), 50, "first page of 80");
    let found = app.page(&format!("{review}?q=%E4%B8%99%E7%83%AF%E9%85%B8")).await;
    assert_eq!(found.select("input[name=ids]").len(), 1);
    assert!(found.body.contains("第77号意见"));
    let undecided = app.page(&format!("{review}?decision=undecided&source=department")).await;
    assert!(undecided.select("input[name=ids]").is_empty());
    assert!(undecided.body.contains("没有符合条件的意见"));
    // Flagged only: the two opinions the sensitive-word list flagged (set here directly).
    let mut conn = app.conn();
    diesel::update(opinions::table.filter(opinions::body.like("第5号意见%").or(opinions::body.like("第88号意见%"))))
        .set((opinions::flagged.eq(true), opinions::flag_reason.eq("含敏感词：测试")))
        .execute(&mut conn)
        .unwrap();
    let flagged = app.page(&format!("{review}?flagged=1")).await;
    assert_eq!(flagged.select("input[name=ids]").len(), 2);
    assert!(flagged.body.contains("第5号意见") && flagged.body.contains("第88号意见"));
    assert!(flagged.body.contains("含敏感词：测试"), "the reason is shown");
    let flagged_section = app.page(&format!("{review}?flagged=1&section=1-1")).await;
    assert_eq!(flagged_section.select("input[name=ids]").len(), 0, "5 and 88 are not on section 1-1");
}

#[actix_web::test]
async fn a_suggested_wording_is_shown_as_a_change_in_its_place() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (oid, _) = public_opinion_with(
        &app,
        id,
        Some("1-2"),
        "王五",
        "13800000009",
        "建议收窄适用范围。",
        Some(("本办法适用于测试", "本办法适用于本县行政区域内的测试")),
    );
    let page = app.page(&format!("/staff/consultations/{id}/opinions/{oid}")).await;
    let wording = page.select(".wording").first().unwrap().html();
    assert!(wording.contains("<ins>") && wording.contains("本县行政区域内的"), "{wording}");
    assert!(page.text(".wording .context").starts_with('…'), "shown in the section's own text");
}

#[actix_web::test]
async fn a_drafter_cannot_review_another_drafters_consultation() {
    let app = spawn_app().await;
    let id = app.create_consultation("别人的征集", china_day(-35), china_day(-6), SMALL_DRAFT);
    let owner = app.create_user("owner", Role::Drafter);
    app.set_owner(id, Some(owner));
    app.create_user("other", Role::Drafter);
    login_ok(&app, "other").await;
    for path in ["review", "groups", "exports", "feedback", "export?layout=tongguan&format=csv"] {
        assert_eq!(app.get(&format!("/staff/consultations/{id}/{path}")).await.status(), 403, "{path}");
    }
}

/// Cells of an exported table, whatever the format.
pub fn cells(format: &str, bytes: &[u8]) -> Vec<Vec<String>> {
    match format {
        "csv" => {
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV has a BOM for Excel");
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&bytes[3..]);
            reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
        }
        "xlsx" => {
            let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
            let range = book.worksheet_range_at(0).unwrap().unwrap();
            range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
        }
        "docx" => {
            let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
            let mut xml = String::new();
            zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
            assert!(
                xml.contains("w:orient=\"landscape\"") && xml.contains("<w:tblHeader"),
                "A4 landscape, header repeated"
            );
            let doc = roxmltree::Document::parse(&xml).unwrap();
            doc.descendants()
                .filter(|n| n.has_tag_name(("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "tr")))
                .map(|tr| {
                    tr.children()
                        .filter(|c| {
                            c.has_tag_name(("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "tc"))
                        })
                        .map(|tc| {
                            tc.descendants()
                                .filter(|t| {
                                    t.has_tag_name((
                                        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                        "t",
                                    ))
                                })
                                .filter_map(|t| t.text())
                                .collect::<String>()
                        })
                        .collect()
                })
                .collect()
        }
        "json" => {
            let value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let mut rows = vec![
                value["columns"].as_array().unwrap().iter().map(|c| c["header"].as_str().unwrap().to_owned()).collect(),
            ];
            rows.extend(
                value["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().unwrap_or_default().to_owned()).collect()),
            );
            rows
        }
        other => panic!("{other}"),
    }
}

/// The table part: the rows from the header row on.
fn table_from<'a>(rows: &'a [Vec<String>], first_header: &str) -> &'a [Vec<String>] {
    let start = rows
        .iter()
        .position(|r| r.first().map(String::as_str) == Some(first_header))
        .unwrap_or_else(|| panic!("no header row in {rows:?}"));
    &rows[start..]
}

#[actix_web::test]
async fn the_tongguan_export_reproduces_the_six_rows_of_the_table_in_every_format() {
    let app = spawn_seeded_app().await;
    let owner = app.create_user("tg", Role::Drafter);
    app.set_owner(ConsultationId(1), Some(owner));
    login_ok(&app, "tg").await;
    let raw = include_str!("../../seeds/raw/003_08dfc49d6e2fc626.txt");
    let expected = zhengqiu::seed::parse_table(raw, "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况");
    for format in ["csv", "xlsx", "docx", "json"] {
        let response = app.get(&format!("/staff/consultations/1/export?layout=tongguan&format={format}")).await;
        assert_eq!(response.status(), 200, "{format}");
        let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.contains("filename*=UTF-8''"), "a Chinese file name: {disposition}");
        let rows = cells(format, &response.bytes().await.unwrap());
        let table = table_from(&rows, "序号");
        assert_eq!(table[0], ["序号", "单位", "主要意见", "意见采纳情况", "未采纳原因"], "{format}");
        assert_eq!(table.len(), 7, "{format}: six departments");
        for (n, (row, seed)) in table[1..].iter().zip(&expected).enumerate() {
            assert_eq!(row[0], (n + 1).to_string(), "{format}");
            assert_eq!(row[1], seed.department, "{format}");
            assert_eq!(row[2], seed.opinion, "{format}: row {}", n + 1);
            assert_eq!(row[3], seed.adoption.clone().unwrap_or_default(), "{format}");
            assert_eq!(row[4], seed.reason.clone().unwrap_or_default(), "{format}");
        }
    }
    // The heading reads like the seed table's own, not 「关于中共铜官区委…征求意见征求意见…」.
    let heading = "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况";
    for format in ["xlsx", "docx", "json"] {
        let url = format!("/staff/consultations/1/export?layout=tongguan&format={format}");
        assert_eq!(exported_title(format, &app.get(&url).await.bytes().await.unwrap()), heading, "{format}");
    }
    let own = "/staff/consultations/1/export?layout=tongguan&format=json&title=%E9%93%9C%E5%AE%98%E5%8C%BA%E5%8F%8D%E9%A6%88%E6%83%85%E5%86%B5";
    assert_eq!(
        exported_title("json", &app.get(own).await.bytes().await.unwrap()),
        "铜官区反馈情况",
        "the drafter's own"
    );
    let page = app.get("/staff/consultations/1/exports").await;
    assert_eq!(page.status(), 200);
    assert_eq!(crate::helpers::Page::from_response(page).await.texts("h1"), ["导出意见采纳情况表"]);
}

/// The title printed above an exported table.
pub fn exported_title(format: &str, bytes: &[u8]) -> String {
    match format {
        "json" => serde_json::from_slice::<serde_json::Value>(bytes).unwrap()["title"].as_str().unwrap().to_owned(),
        "xlsx" => cells(format, bytes)[0][0].clone(),
        "docx" => {
            let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
            let mut xml = String::new();
            zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let first = doc.descendants().find(|n| n.tag_name().name() == "p").unwrap();
            first.descendants().filter(|n| n.tag_name().name() == "t").filter_map(|t| t.text()).collect()
        }
        other => panic!("{other} has no title"),
    }
}

/// A layout's key, its header row, and its two data rows without the 序号.
type LayoutExpectation = (&'static str, Vec<&'static str>, [Vec<&'static str>; 2]);

#[actix_web::test]
async fn every_layout_in_every_format_masks_names_and_hides_contacts_unless_internal() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (a, _) = public_opinion(&app, id, Some("1-1"), "张三丰", "zhang.sanfeng@example.com", "第一条应写明依据。");
    let (b, _) = public_opinion(&app, id, None, "朱小明", "13912345678", "整体赞同。");
    let mut conn = app.conn();
    let actor = zhengqiu::domain::decision::Actor { id: None, name: "测试".into() };
    let decision = |status, reason: Option<&str>| zhengqiu::domain::decision::Decision {
        status,
        reason: reason.map(str::to_owned),
    };
    zhengqiu::services::decisions::decide(
        &mut conn,
        id,
        &[a],
        Some(&decision(zhengqiu::domain::adoption::AdoptionStatus::NotAdopted, Some("依据已在前言说明。"))),
        &actor,
        Utc::now().naive_utc(),
    )
    .unwrap();
    zhengqiu::services::decisions::decide(
        &mut conn,
        id,
        &[b],
        Some(&decision(zhengqiu::domain::adoption::AdoptionStatus::Adopted, None)),
        &actor,
        Utc::now().naive_utc(),
    )
    .unwrap();
    // Each layout's exact header row and its two public rows (序号 left out: the order
    // of the rows is checked by the 序号 column itself).
    let reason = "依据已在前言说明。";
    let layouts: [LayoutExpectation; 4] = [
        (
            "tongguan",
            vec!["序号", "单位", "主要意见", "意见采纳情况", "未采纳原因"],
            [vec!["张*丰", "第一条应写明依据。", "不予采纳", reason], vec!["朱*明", "整体赞同。", "采纳", ""]],
        ),
        (
            "feedback_person",
            vec!["序号", "反馈人", "意见内容", "是否采纳", "采纳理由"],
            [vec!["张*丰", "第一条应写明依据。", "否", reason], vec!["朱*明", "整体赞同。", "是", ""]],
        ),
        (
            "channel_remark",
            vec!["序号", "单位/个人", "意见", "反馈意见采纳情况", "备注"],
            [
                vec!["张**", "第一条应写明依据。", "不予采纳。理由：依据已在前言说明。", "平台反馈"],
                vec!["朱**", "整体赞同。", "采纳", "平台反馈"],
            ],
        ),
        (
            "summary_first",
            vec!["序号", "意见内容", "采纳情况及理由"],
            [vec!["第一条应写明依据。", "不予采纳。理由：依据已在前言说明。"], vec!["整体赞同。", "采纳"]],
        ),
    ];
    for (layout, header, expected) in &layouts {
        for format in ["csv", "xlsx", "docx", "json"] {
            let url = format!(
                "/staff/consultations/{id}/export?layout={layout}&format={format}&audience=public&grouping=per_opinion"
            );
            let response = app.get(&url).await;
            assert_eq!(response.status(), 200, "{url}");
            let bytes = response.bytes().await.unwrap();
            let rows = cells(format, &bytes);
            let table = table_from(&rows, "序号");
            assert_eq!(&table[0], header, "{url}");
            assert_eq!(table.len(), 3, "{url}: header and two opinions");
            let mut body: Vec<Vec<String>> = Vec::new();
            for (n, row) in table[1..].iter().enumerate() {
                assert_eq!(row[0], (n + 1).to_string(), "{url}: 序号");
                body.push(row[1..].to_vec());
            }
            body.sort();
            let mut want: Vec<Vec<String>> =
                expected.iter().map(|r| r.iter().map(|c| (*c).to_owned()).collect()).collect();
            want.sort();
            assert_eq!(body, want, "{url}");
            assert!(!String::from_utf8_lossy(&bytes).contains("zhang.sanfeng"), "{url}: not even in the file");
        }
    }
    // The ledger: public without the contact column, internal with it and the full names.
    for format in ["csv", "xlsx", "docx", "json"] {
        for audience in ["public", "staff"] {
            let url = format!(
                "/staff/consultations/{id}/export?layout=ledger&format={format}&audience={audience}&grouping=per_opinion"
            );
            let response = app.get(&url).await;
            assert_eq!(response.status(), 200, "{url}");
            let rows = cells(format, &response.bytes().await.unwrap());
            let table = table_from(&rows, "序号");
            let mut header =
                vec!["序号", "提出人", "联系方式", "渠道", "所涉章节", "收到时间", "意见内容", "采纳情况", "理由"];
            if audience == "public" {
                header.retain(|h| *h != "联系方式");
            }
            assert_eq!(table[0], header, "{url}");
            assert_eq!(table.len(), 3, "{url}: header and two opinions");
            let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
            let zhang =
                table[1..].iter().find(|r| r[column("意见内容")] == "第一条应写明依据。").expect("张三丰's row");
            assert_eq!(zhang[column("渠道")], "平台反馈", "{url}");
            assert_eq!(zhang[column("采纳情况")], "不予采纳", "{url}");
            assert_eq!(zhang[column("理由")], reason, "{url}");
            let text = rows.concat().join("|");
            if audience == "public" {
                assert_eq!(zhang[column("提出人")], "张*丰", "{url}");
                assert!(!text.contains("zhang.sanfeng") && !text.contains("13912345678") && !text.contains("张三丰"));
            } else {
                assert_eq!(zhang[column("提出人")], "张三丰", "{url}");
                assert_eq!(zhang[column("联系方式")], "zhang.sanfeng@example.com", "{url}");
            }
        }
    }
    let summary = cells(
        "csv",
        &app.get(&format!("/staff/consultations/{id}/export?layout=summary_first&format=csv"))
            .await
            .bytes()
            .await
            .unwrap(),
    );
    let summary = summary.first().expect("a summary line before the table");
    assert!(summary[0].contains("共收到意见2条，其中采纳1条，部分采纳0条，不予采纳1条"), "{summary:?}");
}

#[actix_web::test]
async fn publishing_the_feedback_shows_it_marks_the_status_answers_receipts_and_notifies_citizens() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (a, receipt_a) = public_opinion(&app, id, Some("1-1"), "张三丰", "zhang@example.com", "第一条应写明依据。");
    let (_, receipt_b) = public_opinion(&app, id, None, "张三丰", "zhang@example.com", "另一条意见。");
    public_opinion(&app, id, None, "李四", "13900000000", "电话联系的意见。");
    let mut conn = app.conn();
    let actor = zhengqiu::domain::decision::Actor { id: None, name: "测试".into() };
    let not_adopted = zhengqiu::domain::decision::Decision {
        status: zhengqiu::domain::adoption::AdoptionStatus::NotAdopted,
        reason: Some("依据已在前言说明。".into()),
    };
    zhengqiu::services::decisions::decide(&mut conn, id, &[a], Some(&not_adopted), &actor, Utc::now().naive_utc())
        .unwrap();
    // Before publishing, the citizen sees only that it was received.
    let before = app.page(&format!("/receipts/{receipt_a}")).await;
    assert_eq!(before.text(".facts .status"), "已收到");
    assert!(!before.body.contains("依据已在前言说明"));
    assert!(app.page(&format!("/consultations/{id}/feedback")).await.body.contains("尚未公布"));

    let form = format!("/staff/consultations/{id}/feedback");
    let text = app.page(&form).await.select("#f-text").first().unwrap().text().collect::<String>();
    assert!(text.contains("共收到意见3条") && text.contains("不予采纳1条"), "a suggested text: {text}");
    let empty = app.post_with_csrf(&form, &form, &[("text", "  ")]).await;
    assert_eq!(empty.status(), 422);
    let response = app.post_with_csrf(&form, &form, &[("text", "感谢各位提出宝贵意见。")]).await;
    assert_eq!(response.status(), 303);
    assert!(app.page(&form).await.text(".flash").contains("1 位"), "one notice for one address");

    let public = app.page(&format!("/consultations/{id}/feedback")).await;
    assert_eq!(public.status, 200);
    assert!(public.body.contains("感谢各位提出宝贵意见。"));
    let counts = public.texts(".counts div");
    assert!(counts.contains(&"收到意见3 条".to_owned()) && counts.contains(&"不予采纳1 条".to_owned()), "{counts:?}");
    // The default layout gives one row per author: 张三丰's two opinions share one.
    let table = public.texts("table tbody tr");
    assert_eq!(table.len(), 2, "{table:?}");
    assert!(table.iter().any(|r| r.contains("张*丰") && r.contains("依据已在前言说明。")));
    assert!(!public.body.contains("zhang@example.com") && !public.body.contains("13900000000"));
    let download = app.get(&format!("/consultations/{id}/feedback/table.csv")).await;
    assert_eq!(download.status(), 200);
    assert!(!String::from_utf8_lossy(&download.bytes().await.unwrap()).contains("zhang@"));

    let listed = app.page("/").await;
    assert!(
        listed.texts(".consultation-card").iter().any(|c| c.contains("关于测试办法的意见反馈") && c.contains("已反馈"))
    );
    let after = app.page(&format!("/receipts/{receipt_a}")).await;
    assert_eq!(after.text(".facts .status"), "不予采纳");
    assert!(after.body.contains("依据已在前言说明。"));
    assert_eq!(
        app.page(&format!("/receipts/{receipt_b}")).await.text(".facts .status"),
        "已收到",
        "undecided stays received"
    );

    let notices: Vec<(String, String, String)> = outbox::table
        .filter(outbox::kind.eq(MailKind::FeedbackNotice))
        .select((outbox::recipient, outbox::subject, outbox::body))
        .load(&mut conn)
        .unwrap();
    assert_eq!(notices.len(), 1, "one mail per address");
    let (to, subject, body) = &notices[0];
    assert_eq!(to, "zhang@example.com");
    assert_eq!(subject, "【意见反馈】《关于测试办法的意见反馈（征求意见稿）》的意见采纳情况已公布");
    assert!(body.contains("不予采纳") && body.contains("依据已在前言说明。") && body.contains("未作处理"), "{body}");
    let published: Option<chrono::NaiveDateTime> =
        consultations::table.find(id).select(consultations::feedback_published_at).first(&mut conn).unwrap();
    assert!(published.is_some());
}

#[actix_web::test]
async fn feedback_cannot_be_published_while_the_window_is_open_and_says_when_nothing_came_in() {
    let app = spawn_app().await;
    let open = app.create_consultation("仍在征集", china_day(-1), china_day(28), SMALL_DRAFT);
    let quiet = app.create_consultation("无人提意见", china_day(-40), china_day(-11), SMALL_DRAFT);
    let owner = app.create_user("qian", Role::Drafter);
    app.set_owner(open, Some(owner));
    app.set_owner(quiet, Some(owner));
    login_ok(&app, "qian").await;
    let form = format!("/staff/consultations/{open}/feedback");
    let page = app.page(&form).await;
    assert!(page.body.contains("结束后方可公布意见反馈") && page.select("#f-text").is_empty());
    let token = app.csrf_token("/staff").await;
    let refused = app.post_form(&form, &[("text", "提前公布"), ("csrf", &token)]).await;
    assert_eq!(refused.status(), 409);
    let form = format!("/staff/consultations/{quiet}/feedback");
    let text = app.page(&form).await.select("#f-text").first().unwrap().text().collect::<String>();
    assert!(text.contains("未收到意见"), "{text}");
    app.post_with_csrf(&form, &form, &[("text", &text)]).await;
    let public = app.page(&format!("/consultations/{quiet}/feedback")).await;
    assert!(public.body.contains("本次征求意见期间未收到意见"));
    assert!(public.select("table").is_empty());
}

#[actix_web::test]
async fn the_dashboard_flags_a_consultation_closed_too_long_without_feedback_until_it_is_published() {
    let app = spawn_app_with_overdue_days(10).await;
    let late = app.create_consultation("早已结束", china_day(-60), china_day(-20), SMALL_DRAFT);
    let recent = app.create_consultation("刚刚结束", china_day(-33), china_day(-3), SMALL_DRAFT);
    let owner = app.create_user("sun", Role::Drafter);
    app.set_owner(late, Some(owner));
    app.set_owner(recent, Some(owner));
    login_ok(&app, "sun").await;
    let flagged = |page: &crate::helpers::Page| -> Vec<String> {
        page.select("tr")
            .iter()
            .filter(|tr| tr.text().collect::<String>().contains("反馈逾期"))
            .map(|tr| tr.text().collect::<String>())
            .collect()
    };
    let dashboard = app.page("/staff").await;
    let rows = flagged(&dashboard);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("早已结束"));
    let form = format!("/staff/consultations/{late}/feedback");
    app.post_with_csrf(&form, &form, &[("text", "已研究处理。")]).await;
    assert!(flagged(&app.page("/staff").await).is_empty());
}

async fn spawn_app_with_overdue_days(days: i64) -> TestApp {
    crate::helpers::spawn_app_with(move |s| s.feedback_overdue_days = days).await
}

#[actix_web::test]
async fn near_identical_opinions_are_offered_as_one_group_and_decided_together() {
    let app = spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let template = "坚决反对在{}附近建设垃圾焚烧厂，这会严重影响周边居民的身体健康和生活质量，请政府重新选址，并向社会公开环境影响评价报告和论证过程。";
    let variants: Vec<OpinionId> = ["本小区", "我们小区", "我家小区"]
        .iter()
        .enumerate()
        .map(|(n, place)| {
            let body = template.replace("{}", place);
            public_opinion(&app, id, None, &format!("居民{n}"), &format!("1380000002{n}"), &body).0
        })
        .collect();
    let (other, _) = public_opinion(&app, id, None, "李四", "13900000000", "建议增加附则的施行日期。");
    let groups = app.page(&format!("/staff/consultations/{id}/groups")).await;
    assert_eq!(groups.status, 200);
    let titles = groups.texts(".group-title");
    assert_eq!(titles.len(), 1, "{titles:?}");
    assert!(titles[0].starts_with("内容相似") && titles[0].ends_with("：3 条"), "{titles:?}");
    let ids =
        groups.select("form.group-decide input[name=ids]").first().unwrap().value().attr("value").unwrap().to_owned();
    let mut grouped: Vec<String> = ids.split(',').map(str::to_owned).collect();
    grouped.sort();
    let mut expected: Vec<String> = variants.iter().map(ToString::to_string).collect();
    expected.sort();
    assert_eq!(grouped, expected, "the three variants and nothing else");
    app.post_with_csrf(
        &format!("/staff/consultations/{id}/groups"),
        &format!("/staff/consultations/{id}/decisions"),
        &[("ids", &ids), ("status", "not_adopted"), ("reason", "选址已经论证。")],
    )
    .await;
    for variant in &variants {
        assert_eq!(decision_of(&app, *variant), (Some("not_adopted".into()), Some("选址已经论证。".into())));
    }
    assert_eq!(decision_of(&app, other), (None, None), "outside the group");
}
