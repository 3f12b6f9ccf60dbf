//! A health check for load balancers: answers 200 only when the database answers.

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
