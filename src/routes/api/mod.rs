//! The JSON API: the public operations of the service (read consultations and their
//! drafts, their versions, materials and 修改对照表, get a captcha, send an opinion, look up a
//! receipt, read the feedback), described by the OpenAPI document at `/api/openapi.json`; and
//! the staff API under `/api/v1/staff/` for an agency's own systems, authenticated by an API
//! token.

mod consultations;
mod opinions;
pub mod staff;
mod versions;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

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
        description = "公开征求意见：读取征求意见稿及其各版本、材料与修改对照表，获取验证码、提交意见、查询回执、查看意见反馈；\
                       开放数据（/open-data/）：已公布的意见反馈与采纳情况，字段说明见 docs/open-data.md。\
                       工作人员接口（/api/v1/staff/）：以单位的 API 令牌（Authorization: Bearer）新建意见征集、\
                       上传草案和材料、发布、读取意见、记录采纳情况、导出采纳情况表、公布意见反馈。\
                       Errors are application/problem+json; messages are in Chinese.",
        version = "1"
    ),
    paths(
        consultations::list,
        consultations::show,
        consultations::feedback,
        versions::list,
        versions::show,
        versions::materials,
        versions::compare,
        opinions::new_captcha,
        opinions::create,
        opinions::receipt,
        crate::routes::open_data::index_json,
        crate::routes::open_data::index_csv,
        crate::routes::open_data::consultation_json,
        crate::routes::open_data::consultation_csv,
        staff::consultations::list,
        staff::consultations::create,
        staff::consultations::show,
        staff::consultations::upload_draft,
        staff::consultations::upload_material,
        staff::consultations::save_explanation,
        staff::consultations::publish,
        staff::opinions::list,
        staff::opinions::show,
        staff::opinions::decide_one,
        staff::opinions::export,
        staff::opinions::publish_feedback,
    ),
    components(schemas(Problem)),
    modifiers(&BearerToken)
)]
pub struct ApiDoc;

/// The staff API's security scheme: an agency's API token as a bearer token.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("单位管理员在单位页面的“API 令牌”中创建的令牌（zqs_…），只能访问本单位的意见征集。"))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

#[get("/openapi.json")]
pub async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").json(ApiDoc::openapi())
}

/// The API's routes, in scopes: a scope is matched by its prefix alone, so a request
/// elsewhere on the site does not try the API's patterns one by one.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api").service(openapi_document).service(
            web::scope("/v1")
                .service(web::scope("/staff").configure(staff::routes))
                .service(consultations::list)
                .service(consultations::show)
                .service(consultations::feedback)
                .service(versions::list)
                .service(versions::materials)
                .service(versions::show)
                .service(versions::compare)
                .service(opinions::new_captcha)
                .service(opinions::create)
                .service(opinions::receipt),
        ),
    );
}
