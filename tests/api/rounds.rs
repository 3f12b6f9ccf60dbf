//! 「再次征求意见」: a second round on the revised version of 《保障中小企业款项支付条例》 (the real
//! 2020 → 2025 pair in `seeds/raw/versions/`), its window, its opinions anchored to the revised
//! text, the review list, counts and exports per round, the public history and departments
//! invited again.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use reqwest::multipart::{Form, Part};

use zhengqiu::db::schema::{invitations, opinions};
use zhengqiu::domain::account::Role;
use zhengqiu::domain::adoption::AdoptionStatus;
use zhengqiu::domain::decision::{Actor, Decision};
use zhengqiu::domain::ids::{ConsultationId, OpinionId, SectionId};
use zhengqiu::domain::window::{Status, china_today};
use zhengqiu::emails::invitation_letters;
use zhengqiu::models::department::{Department, DepartmentForm};
use zhengqiu::models::opinion::NewOpinion;
use zhengqiu::models::round::Round;
use zhengqiu::models::{Consultation, Draft, Section};

use crate::helpers::{
    OpenForm, STAFF_PASSWORD, TestApp, china_day, form_state, login_ok, plain_opinion, spawn_app, spawn_seeded_app,
};

const V1: &str = include_str!("../../seeds/raw/versions/kuanxiang-v1.txt");
const V2: &str = include_str!("../../seeds/raw/versions/kuanxiang-v2.txt");

/// Round 1's opinions in these tests, on the 2020 text: (article, body, decision).
const ROUND_ONE: [(&str, &str, Option<AdoptionStatus>); 3] = [
    ("第八条", "建议对大型企业也规定最长付款期限。", Some(AdoptionStatus::Adopted)),
    ("第十八条", "建议把提出付款请求的中小企业也纳入保护范围。", Some(AdoptionStatus::Adopted)),
    ("第二条", "建议将社会团体也纳入适用范围。", None),
];

/// A drafter `wang` logged in, owning a consultation on the 2020 text consulted on from
/// `starts` to `ends` (days from today).
async fn drafter_with_consultation(starts: i64, ends: i64) -> (TestApp, ConsultationId) {
    let app = spawn_app().await;
    let wang = app.create_user_with("wang", "王起草", Role::Drafter, STAFF_PASSWORD);
    let id = app.create_consultation("保障中小企业款项支付条例", china_day(starts), china_day(ends), V1);
    app.set_owner(id, Some(wang));
    login_ok(&app, "wang").await;
    (app, id)
}

fn section_of(app: &TestApp, id: ConsultationId, version: i32, number: &str) -> SectionId {
    let draft = Draft::version(&mut app.conn(), id, version).unwrap();
    Section::for_draft(&mut app.conn(), draft.id).unwrap().into_iter().find(|s| s.number == number).expect(number).id
}

/// Round 1's opinions, received during its window, two of them decided.
fn round_one_opinions(app: &TestApp, id: ConsultationId) -> Vec<OpinionId> {
    let at = Utc::now().naive_utc() - Duration::days(20);
    let mut ids = Vec::new();
    for (number, body, decision) in ROUND_ONE {
        let section = section_of(app, id, 1, number);
        let opinion = NewOpinion { section_id: Some(section), ..plain_opinion(id, "公众甲", body, at) };
        let opinion = opinion.insert_counted(&mut app.conn()).unwrap();
        if let Some(status) = decision {
            let actor = Actor { id: None, name: "王起草".to_owned() };
            let decision = Decision { status, reason: None };
            zhengqiu::services::decisions::decide(&mut app.conn(), id, &[opinion], Some(&decision), &actor, at)
                .unwrap();
        }
        ids.push(opinion);
    }
    ids
}

/// Uploads the 2025 text as a revision and confirms its matching.
async fn revise(app: &TestApp, id: ConsultationId) {
    let path = format!("/staff/consultations/{id}/versions");
    let token = app.csrf_token(&path).await;
    let form = Form::new()
        .text("csrf", token.clone())
        .text("version_label", "修订稿")
        .part("file", Part::bytes(V2.as_bytes().to_vec()).file_name("条例修订稿.txt"));
    let response = app.client.post(app.url(&path)).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    let pending = format!("{path}/pending");
    let response = app.post_form(&pending, &[("csrf", &token), ("action", "confirm")]).await;
    assert_eq!(response.status().as_u16(), 303);
}

/// Posts the 「再次征求意见」 form.
async fn open_round(app: &TestApp, id: ConsultationId, fields: &[(&str, &str)]) -> crate::helpers::Page {
    let path = format!("/staff/consultations/{id}/rounds");
    let token = app.csrf_token(&path).await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    app.post_page(&path, &form).await
}

fn rounds(app: &TestApp, id: ConsultationId) -> Vec<Round> {
    Round::for_consultation(&mut app.conn(), id).unwrap()
}

/// A consultation on the 2020 text closed ten days ago with round 1's opinions, revised to the
/// 2025 text, and its second round open from yesterday for 30 days.
async fn second_round_open() -> (TestApp, ConsultationId) {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    round_one_opinions(&app, id);
    revise(&app, id).await;
    let (starts, ends) = (china_day(-1).to_string(), china_day(28).to_string());
    let page = open_round(&app, id, &[("starts_on", &starts), ("ends_on", &ends)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    (app, id)
}

/// Sends a citizen's opinion through the public form at `path`.
async fn send_opinion(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    let form: OpenForm = form_state(app.page(path).await);
    let answer = app.captcha_answer(&form.captcha_id);
    let fields = [
        ("section", form.section.as_str()),
        ("captcha_id", form.captcha_id.as_str()),
        ("captcha_kind", form.captcha_kind.as_str()),
        ("captcha_answer", answer.as_str()),
        ("name", "李四"),
        ("contact", "13912345678"),
        ("body", body),
        ("consent", "yes"),
        ("action", "send"),
        ("website", ""),
    ];
    app.post_form(&form.action, &fields).await
}

#[actix_web::test]
async fn a_second_round_is_refused_while_the_first_is_open_and_without_a_newer_version() {
    let (app, id) = drafter_with_consultation(-3, 26).await;
    let page = app.page(&format!("/staff/consultations/{id}/rounds")).await;
    assert_eq!(page.status, 200);
    assert!(page.text(".round-refusal").starts_with("第一次征求意见正在进行"), "{}", page.body);
    assert!(page.select("form[action$='/rounds']").is_empty(), "no form is offered");
    let (starts, ends) = (china_day(30).to_string(), china_day(59).to_string());
    let page = open_round(&app, id, &[("starts_on", &starts), ("ends_on", &ends)]).await;
    assert_eq!(page.status, 422);
    assert_eq!(rounds(&app, id).len(), 1);

    // Closed, but still on its only version.
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let page = open_round(&app, id, &[("starts_on", &starts), ("ends_on", &ends)]).await;
    assert_eq!(page.status, 422);
    assert!(page.text(".round-refusal").starts_with("还没有比第一次征求意见所用版本更新的版本"), "{}", page.body);
    assert_eq!(rounds(&app, id).len(), 1);
}

#[actix_web::test]
async fn the_new_window_is_checked_like_the_consultation_form_and_what_was_typed_stays() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    revise(&app, id).await;

    // Ten days without a reason.
    let (starts, ends) = (china_day(1).to_string(), china_day(10).to_string());
    let page = open_round(&app, id, &[("starts_on", &starts), ("ends_on", &ends), ("short_period_reason", "")]).await;
    assert_eq!(page.status, 422);
    assert!(page.text("#short_period_reason-error").contains("征集期少于30日，请说明理由"), "{}", page.body);
    assert_eq!(page.field_value("starts_on").as_deref(), Some(starts.as_str()));
    assert_eq!(page.field_value("ends_on").as_deref(), Some(ends.as_str()));

    // Starting before round 1 ended.
    let early = china_day(-20).to_string();
    let late = china_day(20).to_string();
    let page = open_round(&app, id, &[("starts_on", &early), ("ends_on", &late)]).await;
    assert_eq!(page.status, 422);
    let expected = format!("开始日期应晚于上一轮的截止日期 {}", china_day(-10));
    assert!(page.text("#starts_on-error").contains(&expected), "{}", page.body);
    assert_eq!(page.field_value("starts_on").as_deref(), Some(early.as_str()));

    // Not a date.
    let page = open_round(&app, id, &[("starts_on", "下周一"), ("ends_on", &late)]).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.field_value("starts_on").as_deref(), Some("下周一"));
    assert_eq!(rounds(&app, id).len(), 1, "nothing was opened");

    // Ten days with a reason: round 2 on version 2, the consultation open again.
    let reason = "修改内容较少，仅就修改部分征求意见。";
    let page =
        open_round(&app, id, &[("starts_on", &starts), ("ends_on", &ends), ("short_period_reason", reason)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = app.page(&format!("/staff/consultations/{id}/rounds")).await;
    assert!(page.body.contains("已开始第二次征求意见。"));
    let all = rounds(&app, id);
    assert_eq!(all.len(), 2);
    let v2 = Draft::version(&mut app.conn(), id, 2).unwrap();
    assert_eq!(
        (all[1].number, all[1].draft_id, all[1].starts_on, all[1].ends_on),
        (2, Some(v2.id), china_day(1), china_day(10))
    );
    assert_eq!(all[1].short_period_reason.as_deref(), Some(reason));
    let v1 = Draft::version(&mut app.conn(), id, 1).unwrap();
    assert_eq!((all[0].draft_id, all[0].ends_on), (Some(v1.id), china_day(-10)), "round 1 keeps its window");
    let c = Consultation::find(&mut app.conn(), id).unwrap();
    assert_eq!((c.starts_on, c.ends_on), (china_day(1), china_day(10)));
    assert_eq!(c.status(Utc::now()), Status::Scheduled);

    // A third round waits for this one to end and for a newer version.
    let page = app.page(&format!("/staff/consultations/{id}/rounds")).await;
    assert!(page.text(".round-refusal").starts_with("第二次征求意见尚未开始"), "{}", page.body);
}

#[actix_web::test]
async fn opinions_of_the_second_round_anchor_to_the_revised_text_and_are_counted_per_round() {
    let (app, id) = second_round_open().await;

    // The public page shows the revised text: 第三十五条 exists only in 2025.
    let public = app.page(&format!("/consultations/{id}")).await;
    assert!(public.body.contains("坚持支付主体负责、行业规范自律、政府依法监管、社会协同监督的原则"));
    let link = public
        .select(".comment-link a")
        .into_iter()
        .find(|a| a.text().collect::<String>().contains("第三十五条"))
        .and_then(|a| a.value().attr("href"))
        .expect("a comment link for 第三十五条")
        .to_owned();
    let response = send_opinion(&app, &link, "建议明确打击报复行为的具体情形。").await;
    assert_eq!(response.status().as_u16(), 303);
    let whole = format!("/consultations/{id}/opinions/new");
    let response = send_opinion(&app, &whole, "修改稿结构更清楚了。").await;
    assert_eq!(response.status().as_u16(), 303);

    let stored: Vec<(Option<SectionId>, i32)> = opinions::table
        .filter(opinions::consultation_id.eq(id))
        .order(opinions::id.asc())
        .select((opinions::section_id, opinions::round_no))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(stored.len(), 5);
    assert!(stored[..3].iter().all(|(_, round)| *round == 1));
    assert_eq!(stored[3], (Some(section_of(&app, id, 2, "第三十五条")), 2));
    assert_eq!(stored[4], (None, 2));

    // The history: three opinions in round 1, two in round 2, each round with its version.
    let public = app.page(&format!("/consultations/{id}")).await;
    let lines = public.texts("li.round");
    assert_eq!(lines.len(), 2, "{}", public.body);
    let first = format!("第一次征求意见 {} 至 {}，收到 3 条意见", china_day(-40), china_day(-10));
    let second = format!("第二次征求意见 {} 至 {}，收到 2 条意见", china_day(-1), china_day(28));
    assert!(lines[0].starts_with(&first), "{}", lines[0]);
    assert!(lines[1].starts_with(&second), "{}", lines[1]);
    let version_links: Vec<String> = public
        .select("li.round a")
        .into_iter()
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .filter(|h| h.contains("/versions/"))
        .collect();
    assert_eq!(version_links, [format!("/consultations/{id}/versions/1"), format!("/consultations/{id}/versions/2")]);
}

/// The review list's opinion bodies, in order.
async fn review_bodies(app: &TestApp, id: ConsultationId, query: &str) -> (Vec<String>, String) {
    let page = app.page(&format!("/staff/consultations/{id}/review{query}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let bodies = page.texts(".opinion-card");
    (bodies, page.text(".review-counts"))
}

#[actix_web::test]
async fn the_review_list_its_counts_and_the_export_are_per_round() {
    let (app, id) = second_round_open().await;
    let section = section_of(&app, id, 2, "第十五条");
    let at = Utc::now().naive_utc();
    NewOpinion {
        section_id: Some(section),
        round_no: 2,
        ..plain_opinion(id, "公众乙", "无争议部分应当明确支付期限。", at)
    }
    .insert_counted(&mut app.conn())
    .unwrap();

    // The current round by default; round 1 and all rounds on request.
    let (bodies, counts) = review_bodies(&app, id, "").await;
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].contains("无争议部分应当明确支付期限。"));
    assert!(counts.starts_with("共 1 条"), "{counts}");
    let (bodies, counts) = review_bodies(&app, id, "?round=1").await;
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    assert!(counts.starts_with("共 3 条") && counts.contains("未处理 1 "), "{counts}");
    let (bodies, counts) = review_bodies(&app, id, "?round=all").await;
    assert_eq!(bodies.len(), 4);
    assert!(counts.starts_with("共 4 条") && counts.contains("未处理 2 "), "{counts}");
    let (_, counts) = review_bodies(&app, id, "?round=1&decision=adopted").await;
    assert!(counts.starts_with("共 3 条"), "the counts are the round's, whatever the other filters");
    // The chart of opinions per day is the round's too: round 1's three arrived 20 days ago,
    // round 2's one today.
    let per_day = |query: &'static str| {
        let app = &app;
        async move { app.page(&format!("/staff/consultations/{id}/review{query}")).await.text("#review-days-desc") }
    };
    let first = per_day("?round=1").await;
    assert!(first.contains("共 3 条") && first.contains(&format!("{}（3 条）", china_day(-20))), "{first}");
    assert!(per_day("").await.contains("共 1 条"), "the current round");
    assert!(per_day("?round=all").await.contains("共 4 条"), "every round");

    // The export of round 1 holds its three opinions and says which round it is.
    let export = |round: &str| {
        format!("/staff/consultations/{id}/export?layout=tongguan&format=json&grouping=per_opinion&round={round}")
    };
    let response = app.get(&export("1")).await;
    assert_eq!(response.status().as_u16(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains(&percent_encoded("（第一次征求意见）")), "{disposition}");
    let table: serde_json::Value = response.json().await.unwrap();
    assert!(table["title"].as_str().unwrap().ends_with("（第一次征求意见）"), "{}", table["title"]);
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for (_, body, _) in ROUND_ONE {
        assert!(rows.iter().any(|r| r.to_string().contains(body)), "{body}");
    }
    // Default: the current round; `all`: every opinion.
    let table: serde_json::Value = app.get(&export("")).await.json().await.unwrap();
    assert_eq!(table["rows"].as_array().unwrap().len(), 1);
    assert!(table["title"].as_str().unwrap().ends_with("（第二次征求意见）"));
    let response = app.get(&export("all")).await;
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains(&percent_encoded("（全部轮次）")));
    let table: serde_json::Value = response.json().await.unwrap();
    assert_eq!(table["rows"].as_array().unwrap().len(), 4);
}

#[actix_web::test]
async fn a_consultation_with_one_round_exports_and_reviews_as_before() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    round_one_opinions(&app, id);
    let (bodies, counts) = review_bodies(&app, id, "").await;
    assert_eq!(bodies.len(), 3);
    assert!(counts.starts_with("共 3 条"), "{counts}");
    let page = app.page(&format!("/staff/consultations/{id}/review")).await;
    assert!(page.select("#f-round").is_empty(), "no round to choose");
    let response = app.get(&format!("/staff/consultations/{id}/export?layout=tongguan&format=json")).await;
    assert!(!response.headers()["content-disposition"].to_str().unwrap().contains(&percent_encoded("征求意见）")));
    let table: serde_json::Value = response.json().await.unwrap();
    assert!(!table["title"].as_str().unwrap().contains("第一次"));
    let public = app.page(&format!("/consultations/{id}")).await;
    assert!(public.select("li.round").is_empty(), "a single round needs no history");
}

fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn department(app: &TestApp, name: &str) -> Department {
    let mut conn = app.conn();
    let form = DepartmentForm { name, emails: "", contact_person: "办公室", phone: "0562-2880000", active: true };
    let id = Department::create(&mut conn, &form, Utc::now().naive_utc()).unwrap();
    Department::find(&mut conn, id).unwrap()
}

fn invite(app: &TestApp, id: ConsultationId, departments: &[Department]) {
    let mut conn = app.conn();
    let c = Consultation::find(&mut conn, id).unwrap();
    let today = china_today(Utc::now());
    let draft = Draft::name_for(&mut conn, &c).unwrap();
    let opening = draft.letter_opening();
    let deadline = china_day(28);
    let letters = invitation_letters(&draft, &opening, &c.issuer, deadline, &app.settings.public_url, today);
    zhengqiu::services::invitations::invite(&mut conn, id, departments, deadline, Utc::now().naive_utc(), letters)
        .unwrap();
}

/// The departments ticked on the invitations page.
fn ticked(page: &crate::helpers::Page) -> Vec<String> {
    page.select("input[name=department][checked]")
        .into_iter()
        .filter_map(|i| i.value().attr("id"))
        .filter_map(|id| page.select(&format!("label[for={id}]")).first().map(|l| l.text().collect::<String>()))
        .collect()
}

#[actix_web::test]
async fn departments_invited_to_the_first_round_are_ticked_when_invited_again() {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let finance = department(&app, "区财政局");
    let justice = department(&app, "区司法局");
    department(&app, "区统计局");
    invite(&app, id, &[finance.clone(), justice.clone()]);
    revise(&app, id).await;
    let path = format!("/staff/consultations/{id}/invitations");
    assert!(app.page(&path).await.select("a.invite-again").is_empty(), "round 1 has no round before it");

    let (starts, ends) = (china_day(-1).to_string(), china_day(28).to_string());
    open_round(&app, id, &[("starts_on", &starts), ("ends_on", &ends)]).await;
    let page = app.page(&path).await;
    assert_eq!(page.select("a.invite-again").len(), 1);
    assert!(page.text("#invite-heading").contains("第二次征求意见"));
    assert!(ticked(&page).is_empty(), "nothing ticked until asked");
    let again = app.page(&format!("{path}?again=1")).await;
    let mut names = ticked(&again);
    names.sort();
    assert_eq!(names, ["区司法局（未登记电子邮箱）", "区财政局（未登记电子邮箱）"]);

    // Sending the form invites them to round 2; their round-1 invitations stay as they were.
    let token = again.field_value("csrf").unwrap();
    let (f, j) = (finance.id.to_string(), justice.id.to_string());
    let deadline = china_day(28).to_string();
    let form = [
        ("csrf", token.as_str()),
        ("department", f.as_str()),
        ("department", j.as_str()),
        ("deadline", deadline.as_str()),
    ];
    let response = app.post_form(&path, &form).await;
    assert_eq!(response.status().as_u16(), 303);
    let mut stored: Vec<(i32, i32)> = invitations::table
        .filter(invitations::consultation_id.eq(id))
        .select((invitations::round_no, invitations::department_id))
        .load::<(i32, zhengqiu::domain::ids::DepartmentId)>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|(r, d)| (r, d.0))
        .collect();
    stored.sort();
    assert_eq!(stored, [(1, finance.id.0), (1, justice.id.0), (2, finance.id.0), (2, justice.id.0)]);
}

#[actix_web::test]
async fn the_demo_data_has_a_consultation_consulted_on_twice() {
    let app = spawn_seeded_app().await;
    let c = Consultation::find_by_seed_key(&mut app.conn(), "kuanxiang-rounds").unwrap().expect("the seed");
    assert_eq!(c.status(Utc::now()), Status::Open);
    let all = rounds(&app, c.id);
    assert_eq!(all.len(), 2);
    let versions = Draft::versions(&mut app.conn(), c.id).unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!((all[0].draft_id, all[1].draft_id), (Some(versions[0].id), Some(versions[1].id)));
    assert!(all[0].feedback_published_at.is_some(), "round 1's feedback was published");

    // seeds/rounds.toml: six opinions in round 1, all decided; three in round 2 on the 2025 text.
    let per_round: Vec<(i32, Option<String>, Option<SectionId>)> = opinions::table
        .filter(opinions::consultation_id.eq(c.id))
        .order(opinions::id.asc())
        .select((opinions::round_no, opinions::decision, opinions::section_id))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(per_round.iter().filter(|o| o.0 == 1).count(), 6);
    assert_eq!(per_round.iter().filter(|o| o.0 == 1 && o.1.is_some()).count(), 6);
    assert_eq!(per_round.iter().filter(|o| o.0 == 2).count(), 3);
    let article_22 = section_of(&app, c.id, 2, "第二十二条");
    assert!(per_round.iter().any(|o| o.0 == 2 && o.2 == Some(article_22)));

    let public = app.page(&format!("/consultations/{}", c.id)).await;
    let lines = public.texts("li.round");
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("第一次征求意见") && lines[0].contains("收到 6 条意见"), "{}", lines[0]);
    assert!(lines[1].starts_with("第二次征求意见") && lines[1].contains("收到 3 条意见"), "{}", lines[1]);
    let feedback = format!("/consultations/{}/feedback?round=1", c.id);
    assert_eq!(public.select(&format!("li.round a[href='{feedback}']")).len(), 1);
    // Round 1's feedback: its six opinions, none of round 2's.
    let page = app.page(&feedback).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.select("table.feedback-table tbody tr").len(), 6, "{}", page.body);
    assert!(page.body.contains("本条只保护“投诉人”"));
    assert!(!page.body.contains("自然日还是工作日"));
    // Its download holds the same rows and names the round.
    let download = format!("/consultations/{}/feedback/table.json?round=1", c.id);
    assert_eq!(page.select(&format!("a[href='{download}']")).len(), 1, "the page links the round's table");
    let response = app.get(&download).await;
    assert_eq!(response.status().as_u16(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains(&percent_encoded("（第一次征求意见）")), "{disposition}");
    let table: serde_json::Value = response.json().await.unwrap();
    assert_eq!(table["rows"].as_array().unwrap().len(), 6);
    // Round 2 has published no feedback yet.
    assert_eq!(app.get(&format!("/consultations/{}/feedback/table.json", c.id)).await.status().as_u16(), 404);

    // A citizen of round 1 still sees the decision on their opinion while round 2 is open
    // (the consultation's own feedback date is round 2's, still empty); receipts name the round.
    // The seeded opinions came by other channels: two of them get the receipt codes a web
    // form would have given.
    let seeded: Vec<(zhengqiu::domain::ids::OpinionId, i32, Option<String>)> = opinions::table
        .filter(opinions::consultation_id.eq(c.id))
        .order(opinions::id.asc())
        .select((opinions::id, opinions::round_no, opinions::decision))
        .load(&mut app.conn())
        .unwrap();
    let first = seeded.iter().find(|o| o.1 == 1 && o.2.is_some()).expect("a decided round-1 opinion");
    let second = seeded.iter().find(|o| o.1 == 2).expect("a round-2 opinion");
    for (id, code) in [(first.0, "ABCDEFGHJK"), (second.0, "BCDEFGHJKM")] {
        diesel::update(opinions::table.find(id)).set(opinions::receipt_code.eq(code)).execute(&mut app.conn()).unwrap();
    }
    let status = zhengqiu::domain::adoption::AdoptionStatus::from_code(first.2.as_deref().unwrap()).unwrap();
    let code = "ABCDEFGHJK";
    let receipt = app.page(&format!("/receipts/{code}")).await;
    assert_eq!(receipt.text(".receipt-round"), "（第一次征求意见）");
    assert_eq!(receipt.text(".receipt .status"), status.label(), "{}", receipt.body);
    let json: serde_json::Value = app.get(&format!("/api/v1/receipts/{code}")).await.json().await.unwrap();
    assert_eq!(json["status"], status.code());
    let receipt = app.page("/receipts/BCDEFGHJKM").await;
    assert_eq!(receipt.text(".receipt-round"), "（第二次征求意见）");
    assert_eq!(receipt.text(".receipt .status"), "已收到", "round 2's feedback is not published");
}
