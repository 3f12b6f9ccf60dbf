//! The drafters' text search: it finds what the text and author hold, through the
//! bigram index, and follows opinions that change, disappear, or predate the index.

use diesel::prelude::*;

use zhengqiu::db::schema::opinions;
use zhengqiu::models::Opinion;
use zhengqiu::models::opinion::NewOpinion;

use crate::helpers::{TestApp, plain_opinion};
use crate::review::{closed_consultation_as_owner, public_opinion};

fn ids_found(page: &crate::helpers::Page) -> Vec<String> {
    page.select("input[name=ids]").iter().map(|e| e.value().attr("value").unwrap().to_owned()).collect()
}

async fn search(app: &TestApp, id: zhengqiu::domain::ids::ConsultationId, query: &str) -> Vec<String> {
    let q = serde_urlencoded::to_string([("q", query)]).unwrap();
    let page = app.page(&format!("/staff/consultations/{id}/review?{q}")).await;
    assert_eq!(page.status, 200, "{query}");
    ids_found(&page)
}

#[actix_web::test]
async fn text_and_author_are_found_by_any_part_of_two_or_more_characters_or_one() {
    let app = crate::helpers::spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (a, _) = public_opinion(&app, id, None, "欧阳修远", "13800000001", "建议增设湿地公园的候鸟保护条款。");
    let (b, _) = public_opinion(&app, id, None, "李四", "13800000002", "建议明确责任单位和完成时限。");
    let (a, b) = (a.to_string(), b.to_string());
    assert_eq!(search(&app, id, "湿地公园").await, vec![a.clone()]);
    assert_eq!(search(&app, id, "阳修").await, vec![a.clone()], "the author's name is searched too");
    assert_eq!(search(&app, id, "建议").await, vec![a.clone(), b.clone()]);
    assert_eq!(search(&app, id, "鸟").await, vec![a.clone()], "one character is searched without the index");
    assert!(search(&app, id, "公园的候鸟保护条例").await.is_empty(), "every character counts, not only some");
    assert!(search(&app, id, "修远建议").await.is_empty(), "no match across the author and the text");
}

#[actix_web::test]
async fn an_amended_opinion_is_found_by_its_new_text_and_a_deleted_one_not_at_all() {
    let app = crate::helpers::spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (oid, _) = public_opinion(&app, id, None, "王五", "13800000003", "建议删除第三条。");
    let mut conn = app.conn();
    let opinion = Opinion::find(&mut conn, oid).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let fingerprint = zhengqiu::text::normalise::fingerprint("建议保留第三条并补充罚则。");
    let amended = NewOpinion {
        contact: opinion.contact.as_deref().map(Into::into),
        contact_kind: opinion.contact_kind,
        fingerprint: (&fingerprint).into(),
        ..plain_opinion(id, "王五", "建议保留第三条并补充罚则。", now)
    };
    opinion.replace_content(&mut conn, &amended).unwrap();
    assert!(search(&app, id, "删除第三条").await.is_empty(), "the old wording is gone");
    assert_eq!(search(&app, id, "补充罚则").await, vec![oid.to_string()]);
    Opinion::find(&mut conn, oid).unwrap().delete_counted(&mut conn).unwrap();
    assert!(search(&app, id, "补充罚则").await.is_empty());
}

#[actix_web::test]
async fn opinions_stored_before_the_index_existed_are_indexed_by_the_next_migration_run() {
    let app = crate::helpers::spawn_app().await;
    let id = closed_consultation_as_owner(&app).await;
    let (oid, _) = public_opinion(&app, id, None, "赵六", "13800000004", "建议对老旧小区加装电梯给予补贴。");
    let mut conn = app.conn();
    // As if the opinion had been stored by a version without the index.
    zhengqiu::models::search::unindex(&mut conn, oid).unwrap();
    assert!(search(&app, id, "加装电梯").await.is_empty());
    diesel::sql_query("INSERT INTO pending_tasks (name) VALUES ('index opinion text')").execute(&mut conn).unwrap();
    zhengqiu::models::migrate(&mut conn).unwrap();
    assert_eq!(search(&app, id, "加装电梯").await, vec![oid.to_string()]);
    let left: i64 = opinions::table.count().get_result(&mut conn).unwrap();
    assert_eq!(left, 1);
    let pending: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM pending_tasks")
        .get_result::<Count>(&mut conn)
        .map(|c| c.n)
        .unwrap();
    assert_eq!(pending, 0, "the task is done once");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
