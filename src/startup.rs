//! Builds the application: database, shared state, and the whole route table.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, Logger};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use chrono::Utc;

use crate::auth;
use crate::auth::accounts::DemoLogins;
use crate::config::Settings;
use crate::db::{self, Pool};
use crate::domain::window::china_today;
use crate::error::AppError;
use crate::models::Consultation;
use crate::routes;
use crate::seed;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
}

/// Opens the pool, applies migrations, and loads the demo data into an empty database,
/// with demo accounts if there are none (their passwords are returned, to be shown once).
pub fn prepare_database(settings: &Settings) -> anyhow::Result<(Pool, Option<DemoLogins>)> {
    let pool = db::build_pool(&settings.database_url, settings.pool_size)?;
    let mut conn = pool.get().context("taking a connection from the pool")?;
    let applied = db::run_migrations(&mut conn).context("applying migrations")?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    if settings.seed_on_start && Consultation::count(&mut conn)? == 0 {
        let now = Utc::now();
        let report = seed::run(&mut conn, china_today(now), now.naive_utc(), |_, _| {})?;
        tracing::info!(created = ?report.created, "loaded the demo consultations into the empty database");
        let demo_logins = seed::demo_accounts(&mut conn, now.naive_utc())?;
        return Ok((pool, demo_logins));
    }
    Ok((pool, None))
}

/// The whole route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(routes::assets::site_css)
        .service(routes::health::healthz)
        .service(routes::consultations::index)
        .service(routes::consultations::show)
        .service(routes::consultations::section)
        .service(
            web::scope("/staff")
                .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")).add(("X-Robots-Tag", "noindex")))
                .service(routes::staff::login::login_form)
                .service(routes::staff::login::login)
                .service(routes::staff::login::logout)
                .service(routes::staff::dashboard::index)
                .service(routes::staff::consultations::new_form)
                .service(routes::staff::consultations::create)
                .service(routes::staff::consultations::show)
                .service(routes::staff::consultations::update)
                .service(routes::staff::consultations::publish)
                .service(routes::staff::consultations::withdraw)
                .service(routes::staff::drafts::upload_form)
                .service(routes::staff::drafts::upload)
                .service(routes::staff::accounts::index)
                .service(routes::staff::accounts::create)
                .service(routes::staff::accounts::show)
                .service(routes::staff::accounts::reset_password)
                .service(routes::staff::accounts::set_active),
        );
}

/// Malformed paths, queries and forms get the standard error pages.
fn extractor_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|_, _| AppError::BadRequest("链接中的参数有误。".to_owned()).into()),
        )
        .app_data(web::FormConfig::default().limit(256 * 1024).error_handler(|err, _| match err {
            actix_web::error::UrlencodedError::Overflow { .. } => {
                AppError::PayloadTooLarge("提交的内容过长，请精简后再提交。".to_owned()).into()
            }
            _ => AppError::BadRequest("提交的表单格式有误，请返回重新填写。".to_owned()).into(),
        }));
}

pub struct Application {
    port: u16,
    server: Server,
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
        let state = web::Data::new(AppState { pool, settings: settings.clone() });
        let session_settings = settings.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(extractor_config)
                .wrap(auth::session::middleware(&session_settings))
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
                // The client address is personal data: it is not logged.
                .wrap(Logger::new("\"%{method}xi %U\" %s %b %Dms").custom_request_replace("method", |req| {
                    req.method().to_string()
                }))
                .configure(routes)
                .default_service(web::to(routes::not_found))
        })
        .workers(settings.workers)
        .listen(listener)?
        .run();
        Ok(Application { port, server, demo_logins })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The demo accounts created at this start, if any: for the operator's console only.
    pub fn demo_logins(&self) -> Option<&DemoLogins> {
        self.demo_logins.as_ref()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
