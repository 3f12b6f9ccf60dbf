//! The groups page from stored signatures: it follows opinions that are edited, withdrawn or added
//! after a view, and recomputes what an older version stored.

use diesel::prelude::*;

use zhengqiu::db::schema::{opinion_signatures, opinions};
use zhengqiu::domain::account::Role;
use zhengqiu::domain::ids::{ConsultationId, OpinionId};
use zhengqiu::text::similar::SIGNATURE_VERSION;

use crate::departments::{department, invitation_link, invite};
use crate::helpers::{SMALL_DRAFT, TestApp, china_day, login_ok, spawn_app, spawn_app_with};
use crate::review::public_opinion;

const CAMPAIGN: &str = "坚决反对在本小区附近建设垃圾焚烧厂，请重新选址！";

/// An open consultation owned by the logged-in drafter `zhao`.
async fn open_consultation_as_owner(app: &TestApp) -> ConsultationId {
    let id = app.create_consultation("关于测试办法的意见", china_day(-1), china_day(28), SMALL_DRAFT);
    let owner = app.create_user("zhao", Role::Drafter);
    app.set_owner(id, Some(owner));
    login_ok(app, "zhao").await;
    id
}

/// The groups as the page shows them: each group's title and its opinion ids, sorted.
async fn shown_groups(app: &TestApp, id: ConsultationId) -> Vec<(String, Vec<i32>)> {
    let page = app.page(&format!("/staff/consultations/{id}/groups")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let titles = page.texts(".group-title");
    let ids: Vec<Vec<i32>> = page
        .select("form.group-decide input[name=ids]")
        .iter()
        .map(|input| {
            let mut ids: Vec<i32> =
                input.value().attr("value").unwrap().split(',').map(|id| id.parse().unwrap()).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    assert_eq!(titles.len(), ids.len());
    titles.into_iter().zip(ids).collect()
}

fn sorted(ids: &[OpinionId]) -> Vec<i32> {
    let mut ids: Vec<i32> = ids.iter().map(|id| id.0).collect();
    ids.sort_unstable();
    ids
}

/// The stored signatures: (opinion, version), by opinion.
fn stored(app: &TestApp) -> Vec<(i32, i16)> {
    opinion_signatures::table
        .order(opinion_signatures::opinion_id.asc())
        .select((opinion_signatures::opinion_id, opinion_signatures::version))
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn the_groups_follow_an_edited_or_withdrawn_opinion_and_take_in_new_ones() {
    let app = spawn_app().await;
    let id = open_consultation_as_owner(&app).await;
    let citizens: Vec<OpinionId> = (0..2)
        .map(|n| public_opinion(&app, id, None, &format!("居民{n}"), &format!("1380000001{n}"), CAMPAIGN).0)
        .collect();
    invite(&app, id, &[department(&app, "区科技局", "kjj@tg.gov.cn")], china_day(10));
    let link = invitation_link(&app, "kjj@tg.gov.cn").await;
    let reply = |rows: &[(&'static str, &'static str)]| {
        let mut fields = vec![("contact_person", "赵工"), ("contact_phone", "13800001111"), ("action", "send")];
        fields.extend_from_slice(rows);
        fields
    };
    let copy = "坚决反对在本小区附近建设垃圾焚烧厂。请重新选址";
    app.post_form(&link, &reply(&[("body_1", copy), ("body_2", "建议增加附则的施行日期。")])).await;
    let department: Vec<OpinionId> = opinions::table
        .filter(opinions::department_id.is_not_null())
        .order(opinions::seq.asc())
        .select(opinions::id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(department.len(), 2);

    let first_view = shown_groups(&app, id).await;
    assert_eq!(first_view, [("内容相同：3 条".to_owned(), sorted(&[citizens[0], citizens[1], department[0]]))]);
    assert_eq!(stored(&app).len(), 4, "every opinion's signature is kept after the first view");
    // Deciding the group changes what its members carry, not the groups.
    let groups_url = format!("/staff/consultations/{id}/groups");
    let ids = first_view[0].1.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    app.post_with_csrf(
        &groups_url,
        &format!("/staff/consultations/{id}/decisions"),
        &[("ids", &ids), ("status", "adopted"), ("reason", ""), ("back", &groups_url)],
    )
    .await;
    let page = app.page(&groups_url).await;
    assert_eq!(page.texts(".group-title"), ["内容相同：3 条"]);
    assert!(page.texts(".opinion-card .muted").iter().any(|t| t.contains("目前：采纳 3")), "{}", page.body);
    assert_eq!(shown_groups(&app, id).await, first_view, "the same groups on the next view");

    // The department rewrites its first opinion and turns its second into a copy of the campaign.
    app.post_form(&link, &reply(&[("body_1", "建议删除第五条。"), ("body_2", CAMPAIGN)])).await;
    let body: String = opinions::table.find(department[0]).select(opinions::body).first(&mut app.conn()).unwrap();
    assert_eq!(body, "建议删除第五条。", "edited in place, same opinion");
    assert_eq!(
        shown_groups(&app, id).await,
        [("内容相同：3 条".to_owned(), sorted(&[citizens[0], citizens[1], department[1]]))],
        "the edited opinions are grouped by their new text"
    );

    // A citizen sends the campaign after the page was seen, with a changed ending.
    let (late, _) = public_opinion(&app, id, None, "居民9", "13800000019", &CAMPAIGN.replace('！', "。谢谢！"));
    let groups = shown_groups(&app, id).await;
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert!(groups[0].0.starts_with("内容相似") && groups[0].0.ends_with("：4 条"), "{groups:?}");
    assert_eq!(groups[0].1, sorted(&[citizens[0], citizens[1], department[1], late]));

    // The department withdraws its second opinion: its signature goes with it.
    app.post_form(&link, &reply(&[("body_1", "建议删除第五条。")])).await;
    let groups = shown_groups(&app, id).await;
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].1, sorted(&[citizens[0], citizens[1], late]));
    let kept: Vec<i32> = stored(&app).into_iter().map(|(opinion, _)| opinion).collect();
    assert_eq!(kept, sorted(&[citizens[0], citizens[1], department[0], late]));
}

#[actix_web::test]
async fn signatures_stored_by_another_version_or_damaged_are_computed_again() {
    let app = spawn_app().await;
    let id = open_consultation_as_owner(&app).await;
    let copies: Vec<OpinionId> = (0..3)
        .map(|n| public_opinion(&app, id, None, &format!("居民{n}"), &format!("1380000001{n}"), CAMPAIGN).0)
        .collect();
    let near: Vec<OpinionId> = [("张伟", "。"), ("王芳", "。谢谢！")]
        .iter()
        .enumerate()
        .map(|(n, (name, end))| {
            let text = format!(
                "我是{name}，家住城东新区。对征求意见稿第三条关于在滨河公园旁建设垃圾中转站的规定，我坚决反对。\
                 该选址距离实验小学不足两百米，建议重新论证选址，将中转站迁至工业园区北侧{end}"
            );
            public_opinion(&app, id, None, name, &format!("1390000001{n}"), &text).0
        })
        .collect();
    public_opinion(&app, id, None, "李四", "13900000000", "建议增加附则的施行日期。");
    let first = shown_groups(&app, id).await;
    let ids: Vec<&Vec<i32>> = first.iter().map(|(_, ids)| ids).collect();
    assert_eq!(ids, [&sorted(&copies), &sorted(&near)], "{first:?}");
    let row = |opinion: OpinionId| opinion_signatures::table.find(opinion.0);
    let columns = |opinion: OpinionId| -> (Vec<u8>, Vec<u8>) {
        row(opinion).select((opinion_signatures::bag, opinion_signatures::band_keys)).first(&mut app.conn()).unwrap()
    };
    let (keys_before, bag_before) = (columns(copies[1]).1, columns(near[1]).0);
    // One row from an older format, one whose band keys lost bytes, one whose bag lost a byte and
    // one whose bag says something else in the same number of bytes.
    diesel::update(row(copies[0]))
        .set(opinion_signatures::version.eq(SIGNATURE_VERSION - 1))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(row(copies[1]))
        .set(opinion_signatures::band_keys.eq(vec![1u8, 2, 3]))
        .execute(&mut app.conn())
        .unwrap();
    let mut changed = bag_before.clone();
    changed[0] ^= 1;
    diesel::update(row(near[1])).set(opinion_signatures::bag.eq(&changed)).execute(&mut app.conn()).unwrap();
    diesel::update(row(near[0])).set(opinion_signatures::bag.eq(vec![1u8, 2, 3])).execute(&mut app.conn()).unwrap();
    // A new opinion: the groups found last no longer answer, so the rows are read.
    public_opinion(&app, id, None, "王五", "13700000000", "建议明确牵头部门。");
    assert_eq!(shown_groups(&app, id).await, first, "stale and damaged rows are not trusted");
    assert!(stored(&app).iter().all(|(_, version)| *version == SIGNATURE_VERSION), "{:?}", stored(&app));
    assert_eq!(columns(copies[1]).1, keys_before, "the damaged band keys were stored again");
    assert_eq!(columns(near[1]).0, bag_before, "the changed bag was stored again");
    let bag = columns(near[0]).0;
    assert!(bag.len() > 8 && bag.len().is_multiple_of(8), "the damaged bag was not stored again: {bag:?}");
}

/// The page's groups and its notice of a grouping under way, if any.
async fn groups_and_notice(app: &TestApp, id: ConsultationId) -> (Vec<String>, Option<String>) {
    let page = app.page(&format!("/staff/consultations/{id}/groups")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let notice = page.texts("p[role=status]").into_iter().next();
    (page.texts(".group-title"), notice)
}

/// Views the page until `done` holds of what it shows (a grouping runs on a thread of its own).
async fn view_until(
    app: &TestApp,
    id: ConsultationId,
    done: impl Fn(&(Vec<String>, Option<String>)) -> bool,
) -> (Vec<String>, Option<String>) {
    let start = std::time::Instant::now();
    loop {
        let shown = groups_and_notice(app, id).await;
        if done(&shown) || start.elapsed() > std::time::Duration::from_secs(60) {
            return shown;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn while_a_grouping_is_under_way_the_page_says_so_and_shows_the_groups_found_before() {
    // The page does not wait for the grouping at all: what it shows meanwhile can be seen.
    let app = spawn_app_with(|s| s.groups_wait_ms = 0).await;
    let id = open_consultation_as_owner(&app).await;
    for n in 0..3 {
        public_opinion(&app, id, None, &format!("居民{n}"), &format!("1380000001{n}"), CAMPAIGN);
    }
    let (groups, notice) = groups_and_notice(&app, id).await;
    assert!(groups.is_empty(), "{groups:?}");
    let notice = notice.expect("a notice that the grouping is under way");
    assert!(notice.contains("正在") && notice.contains("刷新"), "{notice}");

    let (groups, notice) = view_until(&app, id, |(groups, _)| !groups.is_empty()).await;
    assert_eq!(groups, ["内容相同：3 条"]);
    assert_eq!(notice, None, "nothing under way once the texts are grouped");

    // A fourth copy: the groups found before are shown, marked as such, until the new ones are found.
    public_opinion(&app, id, None, "居民3", "13800000013", CAMPAIGN);
    let (groups, notice) = groups_and_notice(&app, id).await;
    assert_eq!(groups, ["内容相同：3 条"]);
    assert!(notice.as_deref().is_some_and(|n| n.contains("上次分析的结果")), "{notice:?}");
    let (groups, notice) = view_until(&app, id, |(groups, _)| groups == &["内容相同：4 条"]).await;
    assert_eq!((groups, notice), (vec!["内容相同：4 条".to_owned()], None));
}
