//! Decisions that point at the text: a 采纳 / 部分采纳 names the article of a later version that took
//! the opinion up; the feedback page, the receipt lookup, the adoption table and the 修改对照表 say
//! so. The pair is 《保障中小企业款项支付条例》 2020 → 2025; which article went where is read from
//! the article map in `seeds/raw/versions/SOURCES.md`.

use chrono::Utc;
use diesel::prelude::*;

use zhengqiu::db::schema::consultations;
use zhengqiu::domain::ids::{ConsultationId, OpinionId, SectionId};
use zhengqiu::domain::receipt::ReceiptCode;
use zhengqiu::models::{Draft, Opinion};

use crate::helpers::{Page, TestApp, china_day, plain_opinion, squeeze};
use crate::versions::{drafter_with_consultation, section, upload_revision};

const V1: &str = include_str!("../../seeds/raw/versions/kuanxiang-v1.txt");
const V2: &str = include_str!("../../seeds/raw/versions/kuanxiang-v2.txt");

/// The consultation revised from the 2020 text to the 2025 one, with the two versions.
pub(crate) struct Revised {
    pub app: TestApp,
    pub id: ConsultationId,
    pub v1: Draft,
    pub v2: Draft,
}

pub(crate) async fn revised() -> Revised {
    let (app, id) = drafter_with_consultation(-40, -10).await;
    let v1 = Draft::current_for(&mut app.conn(), id).unwrap().unwrap();
    let response = upload_revision(&app, id, V2).await;
    assert_eq!(response.status().as_u16(), 303);
    let path = format!("/staff/consultations/{id}/versions/pending");
    let token = app.csrf_token(&path).await;
    let response = app.post_form(&path, &[("csrf", &token), ("action", "confirm")]).await;
    assert_eq!(response.status().as_u16(), 303);
    let v2 = Draft::current_for(&mut app.conn(), id).unwrap().unwrap();
    assert_eq!(v2.version_no, 2);
    Revised { app, id, v1, v2 }
}

impl Revised {
    /// A citizen's opinion on `number` of the 2020 text (`None`: the whole draft), with a receipt code.
    pub fn opinion(&self, number: Option<&str>, body: &str) -> (OpinionId, ReceiptCode) {
        let code = ReceiptCode::generate(&mut rand::rng());
        let mut opinion = plain_opinion(self.id, "张三丰", body, Utc::now().naive_utc());
        opinion.section_id = number.map(|n| section(&self.app, &self.v1, n).id);
        opinion.receipt_code = Some(code.as_str().into());
        (opinion.insert_counted(&mut self.app.conn()).unwrap(), code)
    }

    pub fn v2_section(&self, number: &str) -> SectionId {
        section(&self.app, &self.v2, number).id
    }

    fn opinion_path(&self, opinion: OpinionId) -> String {
        format!("/staff/consultations/{}/opinions/{opinion}", self.id)
    }

    /// Sends the decision form of `opinion` as a drafter would.
    pub async fn decide(&self, opinion: OpinionId, status: &str, reason: &str, taken_up: &str) -> reqwest::Response {
        let path = self.opinion_path(opinion);
        let token = self.app.csrf_token(&path).await;
        let fields = [("csrf", token.as_str()), ("status", status), ("reason", reason), ("taken_up", taken_up)];
        self.app.post_form(&format!("{path}/decision"), &[&fields[..], &[("action", "stay")]].concat()).await
    }

    fn stored(&self, opinion: OpinionId) -> Opinion {
        Opinion::find(&mut self.app.conn(), opinion).unwrap()
    }

    fn publish_feedback(&self) {
        diesel::update(consultations::table.find(self.id))
            .set(consultations::feedback_published_at.eq(Some(Utc::now().naive_utc())))
            .execute(&mut self.app.conn())
            .unwrap();
    }
}

/// The options of the decision form's 「体现位置」, and the one selected.
fn taken_up_choices(page: &Page) -> (Vec<String>, Option<String>) {
    let options = page.select("select#d-taken_up option");
    let texts = options.iter().map(|o| squeeze(&o.text().collect::<String>())).collect();
    let selected = options
        .iter()
        .find(|o| o.value().attr("selected").is_some())
        .map(|o| o.value().attr("value").unwrap_or_default().to_owned());
    (texts, selected)
}

#[actix_web::test]
async fn the_form_offers_the_revisions_articles_starting_from_where_the_opinions_article_went() {
    let r = revised().await;
    let (opinion, _) = r.opinion(Some("第二十九条"), "建议明确新的施行日期。");
    let page = r.app.page(&r.opinion_path(opinion)).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("label[for=d-taken_up]"), "在修改稿中的体现位置");
    assert_eq!(page.select("select#d-taken_up optgroup")[0].value().attr("label"), Some("第2版（修订稿）"));
    let (texts, selected) = taken_up_choices(&page);
    assert_eq!(texts[0], "不指明");
    let articles =
        texts.iter().filter(|t| t.split(' ').next().is_some_and(|n| n.starts_with('第') && n.ends_with('条')));
    assert_eq!(articles.count(), 37, "the 37 articles of 2025: {texts:?}");
    let chapters =
        texts.iter().filter(|t| t.split(' ').next().is_some_and(|n| n.starts_with('第') && n.ends_with('章')));
    assert_eq!(chapters.count(), 5, "and its 5 chapters");
    // SOURCES.md: 2020 第二十九条 (in force) became 2025 第三十七条.
    assert_eq!(selected, Some(r.v2_section("第三十七条").to_string()));

    // An opinion on the revision itself has no later version to point at.
    let mut on_v2 = plain_opinion(r.id, "李四", "第二轮意见。", Utc::now().naive_utc());
    on_v2.section_id = Some(r.v2_section("第四条"));
    let later = on_v2.insert_counted(&mut r.app.conn()).unwrap();
    assert!(r.app.page(&r.opinion_path(later)).await.select("select#d-taken_up").is_empty());
}

#[actix_web::test]
async fn an_adopted_opinion_names_the_article_and_the_public_pages_link_to_it() {
    let r = revised().await;
    let (opinion, code) = r.opinion(Some("第二十五条"), "建议对恐吓、打击报复中小企业的行为单独规定法律责任。");
    // SOURCES.md: 2020 第二十五条（八） went; the conduct is now covered by the new 2025 第三十五条.
    let article = r.v2_section("第三十五条");
    let response = r.decide(opinion, "adopted", "", &article.to_string()).await;
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    assert_eq!(r.stored(opinion).taken_up_section_id, Some(article));
    let page = r.app.page(&r.opinion_path(opinion)).await;
    assert_eq!(taken_up_choices(&page).1, Some(article.to_string()), "the form shows what was saved");

    // Nothing public before the feedback is published.
    let receipt = r.app.page(&format!("/receipts/{}", code.as_str())).await;
    assert!(receipt.select("dd.taken-up").is_empty());

    r.publish_feedback();
    let anchor = zhengqiu::models::Section::find(&mut r.app.conn(), article).unwrap().anchor;
    let href = format!("/consultations/{}/versions/2#s-{anchor}", r.id);
    let feedback = r.app.page(&format!("/consultations/{}/feedback", r.id)).await;
    assert_eq!(
        feedback.texts("ul.taken-up li"),
        ["建议对恐吓、打击报复中小企业的行为单独规定法律责任。（采纳）：已在第2版（修订稿）第三十五条体现。"]
    );
    let links = feedback.select("ul.taken-up a");
    assert_eq!(links[0].value().attr("href"), Some(href.as_str()));
    // The adoption table on the page says it too, in its reason column.
    let row = feedback.select("table.feedback-table tbody tr");
    let cells: Vec<String> = row[0].text().map(str::to_owned).collect();
    assert!(cells.iter().any(|c| c == "已在第2版（修订稿）第三十五条体现"), "{cells:?}");

    let receipt = r.app.page(&format!("/receipts/{}", code.as_str())).await;
    assert_eq!(receipt.text("dd.taken-up"), "已在第2版（修订稿）第三十五条体现");
    assert_eq!(receipt.select("dd.taken-up a")[0].value().attr("href"), Some(href.as_str()));
    let json: serde_json::Value = r.app.get(&format!("/api/v1/receipts/{}", code.as_str())).await.json().await.unwrap();
    assert_eq!(json["taken_up"]["text"], "已在第2版（修订稿）第三十五条体现");
    assert_eq!(json["taken_up"]["url"], href.as_str());

    // The link leads to the article on the 2025 version's page.
    let version = r.app.page(&format!("/consultations/{}/versions/2", r.id)).await;
    let target = version.text(&format!("#s-{anchor} h3"));
    assert_eq!(target.split(' ').next(), Some("第三十五条"), "{target}");

    // The published table as a file names it in the same column.
    let csv = r.app.get(&format!("/consultations/{}/feedback/table.csv", r.id)).await.bytes().await.unwrap();
    let table = crate::review::cells("csv", &csv);
    let header = table.iter().position(|row| row.first().map(String::as_str) == Some("序号")).unwrap();
    assert_eq!(table[header], ["序号", "单位", "主要意见", "意见采纳情况", "未采纳原因"]);
    assert_eq!(
        table[header + 1],
        [
            "1",
            "张*丰",
            "建议对恐吓、打击报复中小企业的行为单独规定法律责任。",
            "采纳",
            "已在第2版（修订稿）第三十五条体现"
        ]
    );
}

#[actix_web::test]
async fn a_place_outside_the_later_versions_or_for_a_rejection_is_refused_and_the_form_keeps_what_was_typed() {
    let r = revised().await;
    let (opinion, _) = r.opinion(Some("第十九条"), "建议把限制公务消费的规定并入失信惩戒条款。");
    let other = r.app.create_consultation("另一项征集", china_day(-40), china_day(-10), V1);
    let other_draft = Draft::current_for(&mut r.app.conn(), other).unwrap().unwrap();
    let elsewhere = section(&r.app, &other_draft, "第十九条").id;
    let reason = "部分内容已在第二十六条吸收";

    for (status, place, message) in [
        ("partly_adopted", elsewhere, "所选条文不在本意见所针对的第1版之后的版本中，请从列表中重新选择。"),
        (
            "partly_adopted",
            section(&r.app, &r.v1, "第十九条").id,
            "所选条文不在本意见所针对的第1版之后的版本中，请从列表中重新选择。",
        ),
        ("not_adopted", r.v2_section("第二十六条"), "选择“不予采纳”时不能指明在修改稿中的体现位置，请选“不指明”"),
    ] {
        let response = r.decide(opinion, status, reason, &place.to_string()).await;
        assert_eq!(response.status().as_u16(), 422, "{status} {place}");
        let page = Page::from_response(response).await;
        assert_eq!(page.text("#e-taken_up"), message);
        assert_eq!(page.select("#d-taken_up[aria-invalid=true]").len(), 1);
        assert!(page.text(".error-summary").contains(message));
        assert_eq!(page.field_value("reason").as_deref(), Some(reason), "the reason stays as typed");
        let checked = page.select(&format!("input[name=status][value={status}][checked]"));
        assert_eq!(checked.len(), 1, "the status stays as chosen");
        let stored = r.stored(opinion);
        assert_eq!((stored.decision, stored.taken_up_section_id), (None, None), "nothing saved");
    }
    // The rejection's own choice stays selected, to be changed.
    let response = r.decide(opinion, "not_adopted", reason, &r.v2_section("第二十六条").to_string()).await;
    let page = Page::from_response(response).await;
    assert_eq!(taken_up_choices(&page).1, Some(r.v2_section("第二十六条").to_string()));

    // Taken back to 不予采纳 later, a saved place goes with it.
    r.decide(opinion, "partly_adopted", reason, &r.v2_section("第二十六条").to_string()).await;
    assert_eq!(r.stored(opinion).taken_up_section_id, Some(r.v2_section("第二十六条")));
    let response = r.decide(opinion, "not_adopted", "上位法已有规定", "").await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(r.stored(opinion).taken_up_section_id, None);
}

#[actix_web::test]
async fn the_change_tables_notes_follow_the_article_a_decision_names() {
    let r = revised().await;
    // Made on 2020 第二十五条 (now 第三十一条), taken up in the new 第三十五条.
    let (named, _) = r.opinion(Some("第二十五条"), "建议单列打击报复的法律责任。");
    r.decide(named, "adopted", "", &r.v2_section("第三十五条").to_string()).await;
    // Made on 2020 第二十九条, no place named: its note stays with 第三十七条.
    let (plain, _) = r.opinion(Some("第二十九条"), "建议明确新的施行日期。");
    r.decide(plain, "adopted", "", "").await;
    // On the whole draft, taken up in the new 第十五条 (undisputed amounts paid on time).
    let (general, _) = r.opinion(None, "建议规定无争议部分的款项应当及时支付。");
    r.decide(general, "partly_adopted", "已部分吸收", &r.v2_section("第十五条").to_string()).await;
    assert_eq!(r.stored(general).taken_up_section_id, Some(r.v2_section("第十五条")));

    let page = r.app.page(&format!("/staff/consultations/{}/versions/changes", r.id)).await;
    let rows = page.select("table.change-table tbody tr");
    let note_of = |after_start: &str| {
        let k = rows
            .iter()
            .position(|row| {
                let cells: Vec<String> = row
                    .select(&scraper::Selector::parse("td").unwrap())
                    .map(|td| squeeze(&td.text().collect::<String>()))
                    .collect();
                cells.iter().any(|c| c.starts_with(after_start))
            })
            .unwrap_or_else(|| panic!("a row for {after_start}"));
        page.field_value(&format!("note_{}", k + 1)).unwrap_or_default()
    };
    assert_eq!(note_of("第三十五条"), format!("采纳第{named}号意见"));
    assert_eq!(note_of("第三十七条"), format!("采纳第{plain}号意见"));
    assert_eq!(note_of("第十五条"), format!("部分采纳第{general}号意见"));
    assert_eq!(note_of("第三十一条"), "", "the named opinion no longer explains its own article's row");
}
