//! The counters the pages read instead of counting opinions (per decision, per section)
//! stay equal to a count of the opinions themselves, whatever happens to the opinions.

use chrono::Utc;
use diesel::prelude::*;
use zhengqiu::domain::contact::ContactKind;

use zhengqiu::db::schema::opinions;
use zhengqiu::domain::adoption::AdoptionStatus;
use zhengqiu::domain::decision::Actor;
use zhengqiu::domain::decision::Decision;
use zhengqiu::domain::ids::{ConsultationId, OpinionId};
use zhengqiu::models::feedback::FeedbackCounts;
use zhengqiu::models::opinion::NewOpinion;
use zhengqiu::models::{Consultation, Opinion, review};
use zhengqiu::services::decisions::decide;

use crate::helpers::{TestApp, plain_opinion};
use crate::review::{closed_consultation_as_owner, public_opinion};

/// Opinions per decision code and per section id.
type Counts = (Vec<(Option<String>, i64)>, Vec<(Option<i32>, i64)>);

/// Counts taken from the opinions themselves, to compare the counters with.
fn counted(app: &TestApp, id: ConsultationId) -> Counts {
    let mut conn = app.conn();
    let mut by_decision: Vec<(Option<String>, i64)> = opinions::table
        .filter(opinions::consultation_id.eq(id))
        .group_by(opinions::decision)
        .select((opinions::decision, diesel::dsl::count_star()))
        .load(&mut conn)
        .unwrap();
    by_decision.sort();
    let mut by_section: Vec<(Option<i32>, i64)> = opinions::table
        .filter(opinions::consultation_id.eq(id))
        .group_by(opinions::section_id)
        .select((opinions::section_id, diesel::dsl::count_star()))
        .load(&mut conn)
        .unwrap();
    by_section.sort();
    (by_decision, by_section)
}

/// The same, as the counters say.
fn from_counters(app: &TestApp, id: ConsultationId) -> Counts {
    let mut conn = app.conn();
    let c = FeedbackCounts::load(&mut conn, id).unwrap();
    let mut by_decision: Vec<(Option<String>, i64)> = [
        (None, c.undecided),
        (Some(AdoptionStatus::Adopted), c.adopted),
        (Some(AdoptionStatus::PartlyAdopted), c.partly_adopted),
        (Some(AdoptionStatus::NotAdopted), c.not_adopted),
        (Some(AdoptionStatus::Explained), c.explained),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(d, n)| (d.map(|d| d.code().to_owned()), n))
    .collect();
    by_decision.sort();
    let consultation = Consultation::find(&mut conn, id).unwrap();
    let mut by_section: Vec<(Option<i32>, i64)> = review::section_counts(&mut conn, &consultation)
        .unwrap()
        .into_iter()
        .map(|(s, n)| (s.map(|s| s.0), n))
        .collect();
    by_section.sort();
    (by_decision, by_section)
}

fn decide_as_drafter(app: &TestApp, id: ConsultationId, ids: &[OpinionId], decision: Option<Decision>) {
    let actor = Actor { id: None, name: "测试起草人".into() };
    decide(&mut app.conn(), id, ids, decision.as_ref(), &actor, Utc::now().naive_utc()).unwrap();
}

#[actix_web::test]
async fn decision_and_section_counters_agree_with_the_opinions_through_every_change() {
    let app = crate::helpers::spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let mut ids = Vec::new();
    for (n, section) in [Some("1-1"), Some("1-1"), Some("1-2"), None, None, Some("2-1")].into_iter().enumerate() {
        let (oid, _) =
            public_opinion(&app, id, section, &format!("公众{n}"), &format!("1390000{n:04}"), &format!("第{n}条意见"));
        ids.push(oid);
    }
    assert_eq!(from_counters(&app, id), counted(&app, id), "after storing");
    let adopted = Decision::parse("adopted", "").unwrap();
    let not_adopted = Decision::parse("not_adopted", "上位法已有规定").unwrap();
    decide_as_drafter(&app, id, &ids[0..3], adopted);
    decide_as_drafter(&app, id, &ids[2..4], not_adopted);
    assert_eq!(from_counters(&app, id), counted(&app, id), "after deciding, one opinion twice");
    decide_as_drafter(&app, id, &ids[3..4], None);
    assert_eq!(from_counters(&app, id), counted(&app, id), "after taking a decision back");

    // An amendment clears the decision and may move the opinion to another section.
    let mut conn = app.conn();
    let opinion = Opinion::find(&mut conn, ids[0]).unwrap();
    let now = Utc::now().naive_utc();
    let amended = NewOpinion {
        contact: opinion.contact.as_deref().map(Into::into),
        contact_kind: opinion.contact_kind,
        ..plain_opinion(id, &opinion.author_name, "改为对全文的意见", now)
    };
    opinion.replace_content(&mut conn, &amended).unwrap();
    assert_eq!(from_counters(&app, id), counted(&app, id), "after an amendment");
    Opinion::find(&mut conn, ids[2]).unwrap().delete_counted(&mut conn).unwrap();
    assert_eq!(from_counters(&app, id), counted(&app, id), "after a deletion");
    let page = app.page(&format!("/staff/consultations/{id}/review")).await;
    assert_eq!(page.status, 200);
}

#[actix_web::test]
async fn a_receipt_code_already_taken_stores_and_counts_nothing() {
    let app = crate::helpers::spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (_, code) = public_opinion(&app, id, Some("1-1"), "公众甲", "13900000001", "第一条意见");
    let before = counted(&app, id);
    let mut conn = app.conn();
    let now = Utc::now().naive_utc();
    let clash = |receipt_code: Option<String>| NewOpinion {
        contact: Some("13900000002".into()),
        contact_kind: Some(ContactKind::Mobile),
        receipt_code: receipt_code.map(Into::into),
        ..plain_opinion(id, "公众乙", "另一条意见", now)
    };
    let taken =
        zhengqiu::db::write_tx(&mut conn, |conn| clash(Some(code.to_string())).insert_counted_unless_code_taken(conn));
    assert_eq!(taken.unwrap(), None, "the code belongs to the first opinion");
    assert_eq!(counted(&app, id), before, "nothing stored");
    assert_eq!(from_counters(&app, id), before, "nothing counted");
    let fresh = zhengqiu::db::write_tx(&mut conn, |conn| {
        clash(Some("ABCDEFGHJK".to_owned())).insert_counted_unless_code_taken(conn)
    });
    assert!(fresh.unwrap().is_some(), "a free code stores the opinion");
    assert_eq!(from_counters(&app, id), counted(&app, id), "and counts it");
}

/// Opinions sent through the group commit as the public form sends them: each asks the batch
/// for earlier opinions with its duplicate key, and is given an id with the answer (on
/// PostgreSQL they are then written together just before the COMMIT). A
/// receipt code already taken fails the whole batch; it is written again one write at a
/// time, and only the clashing opinion is refused.
#[actix_web::test]
async fn a_batch_of_opinions_is_stored_in_order_and_a_taken_code_refuses_only_its_own() {
    use std::time::Duration;
    use zhengqiu::db::BatchCommit;
    use zhengqiu::models::opinion::RecentDuplicates;

    let app = crate::helpers::spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (_, taken) = public_opinion(&app, id, Some("1-1"), "公众甲", "13900000001", "第一条意见");
    let pool = zhengqiu::db::build_pool(&app.settings.database_url, 4).unwrap();
    let writes = BatchCommit::start(pool, 1);
    let now = Utc::now().naive_utc();
    let send = |code: String, body: &'static str| {
        let key = format!("batch test {code}");
        let ask = move |asks: &mut zhengqiu::db::Asks<'_>| RecentDuplicates::ask(asks, &key, now);
        writes.run(None, ask, move |conn, answers| {
            let opinion =
                NewOpinion { receipt_code: Some(code.as_str().into()), ..plain_opinion(id, "公众乙", body, now) };
            opinion
                .insert_in_batch(conn, answers)?
                .ok_or_else(|| zhengqiu::error::AppError::internal(anyhow::anyhow!("the receipt code {code} is taken")))
        })
    };
    // A first write holds the writer, so that the next ones queue up and go in one batch.
    let hold = || {
        writes.run(
            None,
            |_| {},
            |_, _| {
                std::thread::sleep(Duration::from_millis(300));
                Ok(OpinionId(0))
            },
        )
    };
    let two = async {
        tokio::join!(send("AAAAAAAAAA".into(), "批中第一条"), send("BBBBBBBBBB".into(), "批中第二条"))
    };
    let (_, (first, second)) = tokio::join!(hold(), two);
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(first < second, "ids follow the order the writes were queued in: {first:?} {second:?}");
    assert_eq!(from_counters(&app, id), counted(&app, id), "both counted");

    let three = async {
        tokio::join!(
            send("CCCCCCCCCC".into(), "批中第三条"),
            send(taken.to_string(), "号码已被占用的一条"),
            send("DDDDDDDDDD".into(), "批中第四条")
        )
    };
    let (_, (third, clash, fourth)) = tokio::join!(hold(), three);
    assert!(clash.is_err(), "the opinion whose code is taken is refused");
    let (third, fourth) = (third.unwrap(), fourth.unwrap());
    assert!(second < third && third < fourth, "the others are stored, in order: {third:?} {fourth:?}");
    let mut conn = app.conn();
    let bodies: Vec<String> = opinions::table
        .filter(opinions::id.eq_any([first, second, third, fourth]))
        .order(opinions::id)
        .select(opinions::body)
        .load(&mut conn)
        .unwrap();
    assert_eq!(bodies, ["批中第一条", "批中第二条", "批中第三条", "批中第四条"]);
    let stored: i64 =
        opinions::table.filter(opinions::body.eq("号码已被占用的一条")).count().get_result(&mut conn).unwrap();
    assert_eq!(stored, 0, "nothing of the refused opinion is stored");
    assert_eq!(from_counters(&app, id), counted(&app, id), "and the counters agree");
    let found = app.page(&format!("/staff/consultations/{id}/review?q=%E6%89%B9%E4%B8%AD")).await;
    assert_eq!(found.status, 200);
    for body in ["批中第一条", "批中第二条", "批中第三条", "批中第四条"] {
        assert!(found.body.contains(body), "the text index finds {body}");
    }
}
