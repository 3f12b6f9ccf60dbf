//! Builds the application: database, shared state, and the whole route table.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use chrono::Utc;

use std::time::Duration;

use tokio::sync::Notify;

use crate::auth;
use crate::config::{Backend, Settings};
use crate::db::{self, Pool};
use crate::domain::window::china_today;
use crate::error::AppError;
use crate::mail::{Mailer, Worker};
use crate::models::Consultation;
use crate::rate_limit::Exhausted;
use crate::routes;
use crate::seed;
use crate::services::accounts::DemoLogins;
use crate::state::AppState;
use crate::text::sensitive::SensitiveWords;

/// The sensitive-word list used when `ZHENGQIU_SENSITIVE_WORDS_FILE` is not set.
const DEFAULT_SENSITIVE_WORDS: &str = include_str!("../seeds/sensitive-words.txt");

/// Captcha images that may wait to be drawn; a request beyond them is asked to retry.
const CAPTCHA_QUEUE: usize = 256;

fn load_sensitive_words(settings: &Settings) -> anyhow::Result<SensitiveWords> {
    let list = match &settings.sensitive_words_file {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        None => DEFAULT_SENSITIVE_WORDS.to_owned(),
    };
    SensitiveWords::from_lines(&list).map_err(|e| anyhow::anyhow!("the sensitive-word list cannot be used: {e}"))
}

/// Writer threads for group commits: SQLite has one writer at a time anyway; PostgreSQL
/// gains from a few, each committing its own batches, but not from many: each writer makes
/// smaller batches, and every batch pays its round trips. On 2 cores (pool 8: 2 writers) the
/// benchmark's opinion POST measured 29–30 % of the raw INSERT rate with 1 writer, 41–43 %
/// with 2 and 26–28 % with 4, in runs taken in turn (2026-12-07).
fn writer_threads(settings: &Settings) -> usize {
    match settings.database_url.backend() {
        crate::config::Backend::Sqlite => 1,
        crate::config::Backend::Postgres if settings.db_writers > 0 => settings.db_writers,
        crate::config::Backend::Postgres => (settings.pool_size as usize / 4).clamp(1, 4),
    }
}

/// Opens the pool, applies migrations, and loads the demo data into an empty database,
/// with demo accounts if there are none (their passwords are returned, to be shown once).
pub fn prepare_database(settings: &Settings) -> anyhow::Result<(Pool, Option<DemoLogins>)> {
    let pool = db::build_pool(&settings.database_url, settings.pool_size)?;
    let mut conn = pool.get().context("taking a connection from the pool")?;
    let applied = crate::models::migrate(&mut conn).context("applying migrations")?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    if settings.seed_on_start && Consultation::count(&mut conn)? == 0 {
        let now = Utc::now();
        // One transaction: a start that dies or fails half-way leaves an empty database,
        // which the next start seeds again, never a half-loaded one it would skip.
        let (report, demo_logins) = db::write_tx(&mut conn, |conn| {
            let report = seed::run(conn, china_today(now), now.naive_utc(), |_, _| {}).map_err(AppError::Internal)?;
            let demo_logins = seed::demo_accounts(conn, now.naive_utc()).map_err(AppError::Internal)?;
            Ok((report, demo_logins))
        })
        .context("loading the demo data (nothing of it was kept)")?;
        tracing::info!(created = ?report.created, "loaded the demo consultations into the empty database");
        return Ok((pool, demo_logins));
    }
    Ok((pool, None))
}

/// The whole route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(routes::api::routes)
        .service(routes::assets::site_css)
        .service(routes::assets::workbench_js)
        .service(routes::assets::opinion_form_js)
        .service(routes::assets::notice_css)
        .service(routes::assets::favicon_svg)
        .service(routes::assets::favicon_ico)
        .service(routes::health::healthz)
        .service(routes::health::readyz)
        .service(routes::consultations::index)
        .service(
            // One scope for a consultation's public pages: the other routes are not tried
            // against its paths, nor its routes against theirs (see `routes::api::routes`).
            web::scope("/consultations")
                .service(routes::opinions::create_service())
                .service(routes::consultations::show)
                .service(routes::consultations::section)
                .service(routes::opinions::new)
                .service(routes::notices::notice)
                .service(routes::notices::qr_svg)
                .service(routes::notices::qr_png)
                .service(routes::versions::show)
                .service(routes::versions::compare)
                .service(routes::versions::material)
                .service(routes::feedback::show)
                .service(routes::feedback::table),
        )
        .service(routes::agencies::index)
        .service(routes::agencies::show)
        .service(routes::feeds::consultations)
        .service(routes::feeds::feedback)
        .service(routes::feeds::agency_consultations)
        .service(routes::feeds::agency_feedback)
        .service(routes::feeds::sitemap)
        .service(routes::open_data::index_json)
        .service(routes::open_data::index_csv)
        .service(routes::open_data::consultation_json)
        .service(routes::open_data::consultation_csv)
        .service(routes::receipts::lookup)
        .service(routes::receipts::show)
        .service(routes::replies::show)
        .service(routes::replies::submit)
        .service(
            web::scope("/staff")
                .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")).add(("X-Robots-Tag", "noindex")))
                .service(routes::staff::login::login_form)
                .service(routes::staff::login::login)
                .service(routes::staff::login::logout)
                .service(routes::staff::login::logout_everywhere)
                .service(routes::staff::dashboard::index)
                .service(routes::staff::consultations::new_form)
                .service(routes::staff::consultations::create)
                .service(routes::staff::consultations::show)
                .service(routes::staff::consultations::update)
                .service(routes::staff::consultations::publish)
                .service(routes::staff::consultations::withdraw)
                .service(routes::staff::drafts::upload_form)
                .service(routes::staff::change_table::show)
                .service(routes::staff::change_table::download)
                .service(routes::staff::versions::list)
                .service(routes::staff::versions::save_explanation_service())
                .service(routes::staff::versions::upload_material)
                .service(routes::staff::versions::delete_material)
                .service(routes::staff::versions::upload)
                .service(routes::staff::versions::matching)
                .service(routes::staff::versions::save_matching)
                .service(routes::staff::rounds::list)
                .service(routes::staff::rounds::open)
                .service(routes::staff::drafts::upload)
                .service(routes::staff::outline::show)
                .service(routes::staff::outline::update)
                .service(routes::staff::accounts::index)
                .service(routes::staff::accounts::create)
                .service(routes::staff::accounts::show)
                .service(routes::staff::accounts::reset_password)
                .service(routes::staff::accounts::set_active)
                .service(routes::staff::review::list)
                .service(routes::staff::review::decide_many)
                .service(routes::staff::opinion::show)
                .service(routes::staff::opinion::save)
                .service(routes::staff::groups::list)
                .service(routes::staff::feedback::exports)
                .service(routes::staff::feedback::export)
                .service(routes::staff::feedback::feedback_form)
                .service(routes::staff::feedback::publish_feedback)
                .service(routes::staff::departments::index)
                .service(routes::staff::departments::create)
                .service(routes::staff::departments::edit)
                .service(routes::staff::departments::update)
                .service(routes::staff::departments::set_active)
                .service(routes::staff::invitations::show)
                .service(routes::staff::invitations::invite)
                .service(routes::staff::invitations::renew_link)
                .service(routes::staff::intake::form)
                .service(routes::staff::intake::create)
                .service(routes::staff::attachments::show)
                .service(routes::staff::mail::index)
                .service(routes::staff::audit::index)
                .service(routes::staff::audit::download)
                .service(routes::staff::mail::retry)
                .service(routes::staff::agencies::index)
                .service(routes::staff::agencies::create)
                .service(routes::staff::agencies::show)
                .service(routes::staff::agencies::update)
                .service(routes::staff::agencies::add_member)
                .service(routes::staff::agencies::remove_member)
                .service(routes::staff::api_tokens::index)
                .service(routes::staff::api_tokens::create)
                .service(routes::staff::api_tokens::revoke),
        );
}

/// An error as the client expects it: problem+json under /api/, a page elsewhere.
fn error_for(req: &actix_web::HttpRequest, err: AppError) -> actix_web::Error {
    if req.path().starts_with("/api/") { crate::error::ApiError(err).into() } else { err.into() }
}

/// Malformed paths, queries, forms and JSON bodies get the standard errors.
fn extractor_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|_, req| error_for(req, AppError::NotFound)))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|_, req| error_for(req, AppError::BadRequest("链接中的参数有误。".to_owned()))),
        )
        .app_data(web::FormConfig::default().limit(256 * 1024).error_handler(|err, req| {
            let err = match err {
                actix_web::error::UrlencodedError::Overflow { .. } => {
                    AppError::PayloadTooLarge("提交的内容过长，请精简后再提交。".to_owned())
                }
                _ => AppError::BadRequest("提交的表单格式有误，请返回重新填写。".to_owned()),
            };
            error_for(req, err)
        }))
        .app_data(web::JsonConfig::default().limit(256 * 1024).error_handler(|err, req| {
            let err = match err {
                actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
                | actix_web::error::JsonPayloadError::Overflow { .. } => {
                    AppError::PayloadTooLarge("提交的内容过长，请精简后再提交。".to_owned())
                }
                other if req.path().starts_with("/api/") => {
                    return crate::error::MalformedJson::from_payload(&other).into();
                }
                _ => AppError::BadRequest("请求内容不是有效的 JSON。".to_owned()),
            };
            error_for(req, err)
        }));
}

pub struct Application {
    port: u16,
    server: Server,
    mail: String,
    demo_logins: Option<DemoLogins>,
}

impl Application {
    /// Prepares the database and binds the listener (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let settings = Arc::new(settings);
        let (pool, demo_logins) = {
            let settings = settings.clone();
            web::block(move || prepare_database(&settings)).await??
        };
        let listener = TcpListener::bind(&settings.addr).with_context(|| format!("binding {}", settings.addr))?;
        let port = listener.local_addr()?.port();
        let mailer = Arc::new(Mailer::from_settings(&settings)?);
        let mail = mailer.describe(&settings);
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            settings: settings.clone(),
            limits: Exhausted::default(),
            sensitive: load_sensitive_words(&settings)?,
            painter: crate::captcha::painter::Painter::start(cores, CAPTCHA_QUEUE),
            writes: crate::db::BatchCommit::start(pool.clone(), writer_threads(&settings)),
            mail_wakeup: Arc::new(Notify::new()),
            groups: Default::default(),
            pages: crate::page_cache::PageCache::new(Duration::from_millis(settings.page_cache_ms)),
        });
        let worker = Worker { pool, mailer, settings: settings.clone(), wakeup: state.mail_wakeup.clone() };
        actix_web::rt::spawn(worker.run(Duration::from_millis(settings.mail_poll_ms)));
        if settings.database_url.backend() == Backend::Postgres {
            actix_web::rt::spawn(crate::models::search::merge_pending(state.pool.clone()));
        }
        let session_settings = settings.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(extractor_config)
                .wrap(actix_web::middleware::from_fn(routes::unsaved::keep_typed_form))
                .wrap(actix_web::middleware::from_fn({
                    let name: Arc<str> = Arc::from(session_settings.site_name.as_str());
                    move |req, next: actix_web::middleware::Next<_>| {
                        routes::views::with_site_name(name.clone(), next.call(req))
                    }
                }))
                .wrap(auth::session::middleware(&session_settings))
                .wrap(actix_web::middleware::from_fn({
                    let public_url = session_settings.public_url.clone();
                    move |req, next| auth::origin::check(public_url.clone(), req, next)
                }))
                .wrap(Compress::default())
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "same-origin"))
                        .add(("X-Frame-Options", "DENY"))
                        .add((
                            "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
                        )),
                )
                .wrap(crate::access_log::logger())
                .configure(routes)
                .default_service(web::to(routes::not_found))
        })
        .workers(settings.workers)
        .listen(listener)?
        .run();
        Ok(Application { port, server, mail, demo_logins })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from outside, e.g. when a test ends.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// How mail is delivered, for the start-up message.
    pub fn mail_delivery(&self) -> &str {
        &self.mail
    }

    /// The demo accounts created at this start, if any: for the operator's console only.
    pub fn demo_logins(&self) -> Option<&DemoLogins> {
        self.demo_logins.as_ref()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
