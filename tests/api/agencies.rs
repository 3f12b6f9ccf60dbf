//! Agencies (单位): who may do what, as a table of every staff route against a platform
//! administrator, an administrator of agency A, a drafter of A, a drafter of B and
//! someone not logged in; and each agency's public page.

use chrono::Utc;
use scraper::Html;
use zhengqiu::domain::account::Role;
use zhengqiu::domain::agency::{AgencyDetails, AgencyRole};
use zhengqiu::domain::ids::{AgencyId, ConsultationId, UserId};
use zhengqiu::models::agency::{Agency, DEFAULT_AGENCY};

use crate::helpers::{SMALL_DRAFT, STAFF_PASSWORD, TestApp, china_day, plain_opinion, spawn_app};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    PlatformAdmin,
    AgencyAdminA,
    DrafterA,
    DrafterB,
    Anonymous,
}

use Actor::*;

/// One client per actor, each with its own session.
struct Session {
    actor: Actor,
    client: reqwest::Client,
    address: String,
}

impl Session {
    async fn new(app: &TestApp, actor: Actor, username: Option<&str>) -> Session {
        let client = crate::helpers::browser_client(&app.address);
        let session = Session { actor, client, address: app.address.clone() };
        if let Some(username) = username {
            let token = session.csrf("/staff/login").await.expect("a login form");
            let response = session
                .post("/staff/login", &[("username", username), ("password", STAFF_PASSWORD), ("csrf", &token)])
                .await;
            assert_eq!(response.status(), 303, "login as {username}");
        }
        session
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.address)).form(form).send().await.unwrap()
    }

    /// A CSRF token from a page this session may see (the dashboard, or the login form).
    async fn csrf(&self, path: &str) -> Option<String> {
        let body = self.get(path).await.text().await.unwrap();
        let html = Html::parse_document(&body);
        let selector = scraper::Selector::parse("input[name=csrf]").unwrap();
        html.select(&selector).next().and_then(|e| e.value().attr("value")).map(str::to_owned)
    }
}

struct World {
    agency_a: AgencyId,
    agency_b: AgencyId,
    consultation: ConsultationId,
    opinion: i32,
    spare: UserId,
}

fn agency(app: &TestApp, name: &str) -> AgencyId {
    let details = AgencyDetails { name: name.into(), short_name: name.into(), parent: None, contact: String::new() };
    Agency::create(&mut app.conn(), &details, Utc::now().naive_utc()).unwrap().unwrap()
}

fn set_agency(app: &TestApp, id: ConsultationId, agency: AgencyId) {
    use diesel::prelude::*;
    use zhengqiu::db::schema::consultations::dsl;
    diesel::update(dsl::consultations.find(id)).set(dsl::agency_id.eq(agency)).execute(&mut app.conn()).unwrap();
}

/// Agency A (the default one, renamed) and B; an unpublished consultation of A assigned to
/// A's drafter, with one opinion.
fn world(app: &TestApp) -> World {
    let agency_a = DEFAULT_AGENCY;
    let agency_b = agency(app, "市交通运输局");
    app.create_user("padmin", Role::Admin);
    let admin_a = app.create_user("aadmin", Role::Drafter);
    let drafter_a = app.create_user("adrafter", Role::Drafter);
    let drafter_b = app.create_user("bdrafter", Role::Drafter);
    let spare = app.create_user("spare", Role::Drafter);
    let mut conn = app.conn();
    Agency::set_member(&mut conn, agency_a, admin_a, AgencyRole::AgencyAdmin).unwrap();
    Agency::set_member(&mut conn, agency_a, drafter_a, AgencyRole::Drafter).unwrap();
    Agency::set_member(&mut conn, agency_a, spare, AgencyRole::Drafter).unwrap();
    Agency::set_member(&mut conn, agency_b, drafter_b, AgencyRole::Drafter).unwrap();
    let consultation =
        app.create_consultation_with("A单位未发布的草案", china_day(-1), china_day(28), SMALL_DRAFT, false);
    set_agency(app, consultation, agency_a);
    app.set_owner(consultation, Some(drafter_a));
    let opinion = plain_opinion(consultation, "张三", "建议写明依据。", Utc::now().naive_utc())
        .insert_counted(&mut conn)
        .unwrap();
    World { agency_a, agency_b, consultation, opinion: opinion.0, spare }
}

/// Who may use a route.
#[derive(Clone, Copy)]
enum Rule {
    /// Every member of staff.
    Staff,
    /// Platform administrators only.
    PlatformAdmin,
    /// Platform administrators and A's administrators.
    AdminOfA,
    /// Those who manage the consultation: the two administrators and its drafter.
    ManagesConsultation,
}

fn allowed(rule: Rule, actor: Actor) -> bool {
    match (rule, actor) {
        (_, Anonymous) => false,
        (_, PlatformAdmin) => true,
        (Rule::Staff, _) => true,
        (Rule::PlatformAdmin, _) => false,
        (Rule::AdminOfA, a) => a == AgencyAdminA,
        (Rule::ManagesConsultation, a) => a == AgencyAdminA || a == DrafterA,
    }
}

#[actix_web::test]
async fn every_staff_route_lets_in_exactly_those_its_rule_names() {
    let app = spawn_app().await;
    let w = world(&app);
    let (c, a, b, o, spare) = (w.consultation, w.agency_a, w.agency_b, w.opinion, w.spare);
    let gets: Vec<(String, Rule)> = vec![
        ("/staff".into(), Rule::Staff),
        ("/staff/departments".into(), Rule::Staff),
        ("/staff/agencies".into(), Rule::Staff),
        ("/staff/consultations/new".into(), Rule::Staff),
        (format!("/staff/consultations/new?agency={a}"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/draft"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/outline"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/review"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/opinions/{o}"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/groups"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/exports"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/export?layout=tongguan&format=csv"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/feedback"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/invitations"), Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/intake"), Rule::ManagesConsultation),
        (format!("/staff/agencies/{a}"), Rule::AdminOfA),
        (format!("/staff/agencies/{a}/tokens"), Rule::AdminOfA),
        ("/staff/users".into(), Rule::PlatformAdmin),
        (format!("/staff/users/{spare}"), Rule::PlatformAdmin),
        ("/staff/mail".into(), Rule::PlatformAdmin),
    ];
    type Post<'a> = (String, Vec<(&'a str, String)>, Rule);
    let posts: Vec<Post> = vec![
        (format!("/staff/consultations/new?agency={a}"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/decisions"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/outline"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/opinions/{o}/decision"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/feedback"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/intake"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/invitations"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/withdraw"), vec![], Rule::ManagesConsultation),
        (format!("/staff/consultations/{c}/publish"), vec![], Rule::ManagesConsultation),
        (format!("/staff/agencies/{a}"), vec![("name", "默认单位".into())], Rule::AdminOfA),
        (
            format!("/staff/agencies/{a}/members"),
            vec![("username", "spare".into()), ("role", "drafter".into())],
            Rule::AdminOfA,
        ),
        (format!("/staff/agencies/{a}/members/{spare}/remove"), vec![], Rule::AdminOfA),
        (format!("/staff/agencies/{a}/tokens"), vec![("name", "OA系统".into())], Rule::AdminOfA),
        ("/staff/agencies".into(), vec![("name", "".into())], Rule::PlatformAdmin),
        ("/staff/departments".into(), vec![("name", "".into())], Rule::PlatformAdmin),
        ("/staff/users".into(), vec![], Rule::PlatformAdmin),
        (format!("/staff/users/{spare}/active"), vec![("active", "true".into())], Rule::PlatformAdmin),
    ];
    let mut sessions = Vec::new();
    for (actor, username) in [
        (PlatformAdmin, Some("padmin")),
        (AgencyAdminA, Some("aadmin")),
        (DrafterA, Some("adrafter")),
        (DrafterB, Some("bdrafter")),
        (Anonymous, None),
    ] {
        sessions.push(Session::new(&app, actor, username).await);
    }
    let mut wrong = Vec::new();
    for s in &sessions {
        // Anonymous has no session token; a made-up one is refused like a missing one.
        let token = if s.actor == Anonymous { "x".to_owned() } else { s.csrf("/staff").await.unwrap() };
        for (path, rule) in &gets {
            let response = s.get(path).await;
            let status = response.status().as_u16();
            let to_login =
                response.headers().get("location").is_some_and(|l| l.to_str().unwrap().starts_with("/staff/login"));
            let ok = if allowed(*rule, s.actor) {
                status == 200
            } else if s.actor == Anonymous {
                status == 303 && to_login
            } else {
                status == 403
            };
            if !ok {
                wrong.push(format!("GET {path} as {:?}: {status}", s.actor));
            }
        }
        for (path, fields, rule) in &posts {
            let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form.push(("csrf", &token));
            let status = if path.ends_with("/intake") {
                // A letter's scan comes with it: the form is multipart.
                let multipart = reqwest::multipart::Form::new().text("csrf", token.clone());
                let url = format!("{}{path}", s.address);
                s.client.post(url).multipart(multipart).send().await.unwrap().status().as_u16()
            } else {
                s.post(path, &form).await.status().as_u16()
            };
            let ok =
                if allowed(*rule, s.actor) { status != 403 && status < 500 && status != 404 } else { status == 403 };
            if !ok {
                wrong.push(format!("POST {path} as {:?}: {status}", s.actor));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of the matrix wrong:\n{}", wrong.len(), wrong.join("\n"));
    let _ = b;
}

#[actix_web::test]
async fn a_drafter_of_another_agency_sees_nothing_of_its_unpublished_work() {
    let app = spawn_app().await;
    let w = world(&app);
    let dashboard = |s: &Session| {
        let s = s.client.clone();
        let url = format!("{}/staff", app.address);
        async move { s.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let other = Session::new(&app, DrafterB, Some("bdrafter")).await;
    assert!(!dashboard(&other).await.contains("A单位未发布的草案"));
    let admin_a = Session::new(&app, AgencyAdminA, Some("aadmin")).await;
    assert!(dashboard(&admin_a).await.contains("A单位未发布的草案"), "A's administrator lists it");
    // Nor does it show publicly, on the list or on A's page.
    assert!(!app.page("/").await.body.contains("A单位未发布的草案"));
    assert!(!app.page(&format!("/agencies/{}", w.agency_a)).await.body.contains("A单位未发布的草案"));
    assert_eq!(app.get(&format!("/consultations/{}", w.consultation)).await.status(), 404);
    let _ = w.agency_b;
}

#[actix_web::test]
async fn an_agency_administrator_adds_a_member_who_then_creates_consultations_for_the_agency() {
    let app = spawn_app().await;
    let w = world(&app);
    let admin_a = Session::new(&app, AgencyAdminA, Some("aadmin")).await;
    let token = admin_a.csrf(&format!("/staff/agencies/{}", w.agency_a)).await.unwrap();
    let response = admin_a
        .post(
            &format!("/staff/agencies/{}/members", w.agency_a),
            &[("username", "bdrafter"), ("role", "drafter"), ("csrf", &token)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = admin_a.get(&format!("/staff/agencies/{}", w.agency_a)).await.text().await.unwrap();
    let html = Html::parse_document(&page);
    let rows: Vec<String> =
        html.select(&scraper::Selector::parse(".member-row").unwrap()).map(|r| r.text().collect::<String>()).collect();
    assert!(rows.iter().any(|r| r.contains("bdrafter") && r.contains("起草人员")), "{rows:#?}");
    // An unknown name is refused with a message, the typed name kept.
    let response = admin_a
        .post(
            &format!("/staff/agencies/{}/members", w.agency_a),
            &[("username", "nobody"), ("role", "drafter"), ("csrf", &token)],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("没有这个用户名的账号") && body.contains("value=\"nobody\""), "{body}");
    // B's drafter, now also A's, may create a consultation for A.
    let b = Session::new(&app, DrafterB, Some("bdrafter")).await;
    assert_eq!(b.get(&format!("/staff/consultations/new?agency={}", w.agency_a)).await.status(), 200);
}

#[actix_web::test]
async fn each_agency_has_a_public_page_listing_only_its_published_consultations() {
    let app = spawn_app().await;
    let transport = agency(&app, "市交通运输局");
    let ours = app.create_consultation("公交线网优化方案", china_day(-1), china_day(28), SMALL_DRAFT);
    set_agency(&app, ours, transport);
    app.create_consultation("默认单位的草案", china_day(-2), china_day(27), SMALL_DRAFT);
    let page = app.page(&format!("/agencies/{transport}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("h1"), "市交通运输局");
    assert_eq!(page.texts(".consultation-card h2"), ["公交线网优化方案"]);
    assert!(page.text(".list-total").contains("共 1 项"));
    // Its filter links stay on its page.
    let open: Vec<&str> = page.select(".status-tabs a").iter().filter_map(|a| a.value().attr("href")).collect();
    assert!(open.contains(&format!("/agencies/{transport}?status=open").as_str()), "{open:?}");
    // The home page can be filtered by agency too, and the agencies are listed.
    let filtered = app.page(&format!("/?agency={}", DEFAULT_AGENCY)).await;
    assert_eq!(filtered.texts(".consultation-card h2"), ["默认单位的草案"]);
    // A search keeps to the agency, and to the year: 规范测试 is in both drafts.
    let searched = app.page(&format!("/agencies/{transport}?q=%E8%A7%84%E8%8C%83%E6%B5%8B%E8%AF%95")).await;
    assert_eq!(searched.texts(".consultation-card h2"), ["公交线网优化方案"]);
    assert_eq!(searched.texts(".status-tabs a")[0], "全部 1");
    let year = chrono::Datelike::year(&china_day(-1));
    let both = app.page(&format!("/?q=%E8%A7%84%E8%8C%83%E6%B5%8B%E8%AF%95&year={year}")).await;
    assert_eq!(both.texts(".consultation-card h2").len(), 2, "{:?}", both.texts(".consultation-card h2"));
    let other_year = app.page(&format!("/?q=%E8%A7%84%E8%8C%83%E6%B5%8B%E8%AF%95&year={}", year - 3)).await;
    assert!(other_year.select(".consultation-card").is_empty());
    let agencies = app.page("/agencies").await.texts(".agency-list a");
    assert!(agencies.contains(&"市交通运输局".to_owned()) && agencies.contains(&"默认单位".to_owned()), "{agencies:?}");
    assert_eq!(app.get("/agencies/999").await.status(), 404);
}
