//! HTTP handlers, one module per area; the route table itself is in `startup.rs`.

pub mod assets;
pub mod challenge;
pub mod consultations;
pub mod feedback;
pub mod health;
pub mod opinions;
pub mod receipts;
pub mod replies;
pub mod staff;
pub mod submission;
pub mod views;

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;

/// Renders a page template as an HTML response.
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page.render()?))
}

/// Fallback for every unknown URL.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
