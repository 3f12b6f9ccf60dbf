//! The JSON API: the public operations of the service (read consultations and their
//! drafts, get a captcha, send an opinion, look up a receipt, read the feedback),
//! described by the OpenAPI document at `/api/openapi.json`.

mod consultations;
mod opinions;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// An error as `application/problem+json`; validation problems add `errors` by field.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field name → message (Chinese), for 422 responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zhengqiu 征求意见 API",
        description = "公开征求意见：读取征求意见稿、获取验证码、提交意见、查询回执、查看意见反馈；\
                       开放数据（/open-data/）：已公布的意见反馈与采纳情况，字段说明见 docs/open-data.md。\
                       Errors are application/problem+json; messages are in Chinese.",
        version = "1"
    ),
    paths(
        consultations::list,
        consultations::show,
        consultations::feedback,
        opinions::new_captcha,
        opinions::create,
        opinions::receipt,
        crate::routes::open_data::index_json,
        crate::routes::open_data::index_csv,
        crate::routes::open_data::consultation_json,
        crate::routes::open_data::consultation_csv,
    ),
    components(schemas(Problem))
)]
pub struct ApiDoc;

#[get("/api/openapi.json")]
pub async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").json(ApiDoc::openapi())
}

/// The API's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_document)
        .service(consultations::list)
        .service(consultations::show)
        .service(consultations::feedback)
        .service(opinions::new_captcha)
        .service(opinions::create)
        .service(opinions::receipt);
}
