//! The staff API under `/api/v1/staff/`: what an agency's own systems (an OA system, the portal's
//! CMS) do with its consultations — create one, upload its draft and materials, publish, read the
//! opinions, record decisions, export the adoption table, publish the feedback. Every call carries
//! an API token of the agency (`Authorization: Bearer …`) and reaches that agency's consultations
//! only; every change is written to the staff audit log under the token's name.

pub mod consultations;
pub mod opinions;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::Problem;
use crate::domain::fields::FieldErrors;

/// A 422 naming each field that was refused, as the public API does.
fn invalid(errors: &FieldErrors) -> HttpResponse {
    let problem = Problem {
        title: "提交未成功".to_owned(),
        status: 422,
        detail: "提交未成功，请按 errors 中的说明修改后重新提交。".to_owned(),
        errors: Some(errors.iter().map(|(f, m)| (f.to_owned(), m.to_owned())).collect()),
    };
    HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY).content_type("application/problem+json").json(problem)
}

/// The staff API's routes.
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(consultations::list)
        .service(consultations::create)
        .service(consultations::show)
        .service(consultations::upload_draft)
        .service(consultations::upload_material)
        .service(consultations::save_explanation)
        .service(consultations::publish)
        .service(opinions::list)
        .service(opinions::show)
        .service(opinions::decide_one)
        .service(opinions::export)
        .service(opinions::publish_feedback);
}
