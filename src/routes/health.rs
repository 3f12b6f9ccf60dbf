//! Checks for load balancers. `/healthz` says the process is up and its database answers;
//! `/readyz` says it can serve: the database answers a query and its schema is current.

use actix_web::{HttpResponse, get, web};
use diesel::RunQueryDsl;

use crate::db;
use crate::error::AppError;
use crate::state::AppState;

#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    db::run(&state.pool, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok"))
}

/// Readiness: 200 `{"status":"ready"}` when the database answers a query and every
/// migration built into this program is applied; otherwise 503 with the reason in Chinese
/// (`{"status":"not_ready","reason":…}`), so that a load balancer sends no traffic here.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checked = db::run(&state.pool, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        db::pending_migrations(conn).map_err(AppError::internal)
    })
    .await;
    let reason = match checked {
        Ok(pending) if pending.is_empty() => None,
        Ok(pending) => {
            Some(format!("数据库结构不是最新：尚有 {} 个迁移未执行（{}）", pending.len(), pending.join("、")))
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness check: the database does not answer");
            Some("数据库无法连接或查询失败".to_owned())
        }
    };
    match reason {
        None => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Some(reason) => HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(serde_json::json!({ "status": "not_ready", "reason": reason })),
    }
}
