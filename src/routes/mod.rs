//! HTTP handlers, one module per area; the route table itself is in `startup.rs`.

pub mod agencies;
pub mod api;
pub mod assets;
pub mod charts;
pub mod consultations;
pub mod download;
pub mod feedback;
pub mod feeds;
pub mod health;
pub mod listing;
pub mod notices;
pub mod open_data;
pub mod opinions;
pub mod receipts;
pub mod replies;
pub mod staff;
pub mod unsaved;
pub mod versions;
pub mod views;

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;

/// Renders a page template as an HTML response.
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page.render()?))
}

/// Fallback for every unknown URL (problem+json under /api/).
pub async fn not_found(req: actix_web::HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if req.path().starts_with("/api/") {
        return Err(crate::error::ApiError(AppError::NotFound).into());
    }
    Err(AppError::NotFound.into())
}
