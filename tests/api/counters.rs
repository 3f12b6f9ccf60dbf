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
        contact: opinion.contact.as_deref(),
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
    let clash = |receipt_code| NewOpinion {
        contact: Some("13900000002"),
        contact_kind: Some(ContactKind::Mobile),
        receipt_code,
        ..plain_opinion(id, "公众乙", "另一条意见", now)
    };
    let taken =
        zhengqiu::db::write_tx(&mut conn, |conn| clash(Some(code.as_str())).insert_counted_unless_code_taken(conn));
    assert_eq!(taken.unwrap(), None, "the code belongs to the first opinion");
    assert_eq!(counted(&app, id), before, "nothing stored");
    assert_eq!(from_counters(&app, id), before, "nothing counted");
    let fresh =
        zhengqiu::db::write_tx(&mut conn, |conn| clash(Some("ABCDEFGHJK")).insert_counted_unless_code_taken(conn));
    assert!(fresh.unwrap().is_some(), "a free code stores the opinion");
    assert_eq!(from_counters(&app, id), counted(&app, id), "and counts it");
}
