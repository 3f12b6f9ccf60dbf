//! Captchas, sending an opinion, and looking up a receipt, as JSON.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Problem;
use crate::captcha::{CaptchaAnswer, ChallengeKind};
use crate::domain::ids::ConsultationId;
use crate::domain::opinion::OpinionInput;
use crate::domain::receipt::ReceiptCode;
use crate::domain::window::format_china;
use crate::error::{ApiError, AppError};
use crate::models::Section;
use crate::rate_limit::ClientKey;
use crate::routes::receipts::{find, visible_decision};
use crate::services::captchas;
use crate::services::opinions::{Refused, SubmitOpinion, Submitted, load_target, submit};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct CaptchaRequest {
    /// `image` (default) or `question` (a short arithmetic question in Chinese text).
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaptchaDoc {
    /// Send it back with the answer; a challenge allows one attempt.
    pub id: String,
    pub kind: String,
    /// `data:image/png;base64,…` for image challenges.
    pub image: Option<String>,
    /// The question for text challenges.
    pub question: Option<String>,
    pub expires_in_seconds: i64,
}

/// A new captcha challenge (rate limited per client address).
#[utoipa::path(
    post,
    path = "/api/v1/captchas",
    request_body = CaptchaRequest,
    responses((status = 201, body = CaptchaDoc), (status = 429, body = Problem))
)]
#[post("/captchas")]
pub async fn new_captcha(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Option<web::Json<CaptchaRequest>>,
) -> Result<HttpResponse, ApiError> {
    let kind = match body.and_then(|b| b.into_inner().kind).as_deref() {
        None | Some("image") => ChallengeKind::Image,
        Some("question") => ChallengeKind::Question,
        Some(_) => return Err(AppError::BadRequest("kind 应为 image 或 question".to_owned()).into()),
    };
    let client = ClientKey::from_request(&req, &state.settings);
    let c = captchas::issue(&state, &client, kind).await?;
    Ok(HttpResponse::Created().json(CaptchaDoc {
        id: c.id,
        kind: c.kind.code().to_owned(),
        image: c.image,
        question: c.question,
        expires_in_seconds: state.settings.captcha_ttl_secs,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct OpinionRequest {
    /// The section's anchor (see the consultation's `draft.sections`); omit for the whole draft.
    #[serde(default)]
    pub section: Option<String>,
    /// 姓名
    pub name: String,
    /// 联系方式: a mainland mobile number, a landline with area code, or an e-mail address.
    pub contact: String,
    /// 意见
    pub body: String,
    /// 原文 of a suggested change.
    #[serde(default)]
    pub original_text: Option<String>,
    /// 建议修改为
    #[serde(default)]
    pub proposed_text: Option<String>,
    /// Consent to the personal-information notice; must be true.
    pub consent: bool,
    pub captcha_id: String,
    pub captcha_answer: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptDoc {
    /// 回执编号, e.g. `ABCDE-FGHJK`.
    pub receipt_code: String,
    /// True when the same opinion was sent within ten minutes: this is its first receipt.
    pub duplicate: bool,
    pub receipt_url: String,
}

/// Sends an opinion on a consultation that is open.
#[utoipa::path(
    post,
    path = "/api/v1/consultations/{id}/opinions",
    params(("id" = i32, Path, description = "The consultation's id")),
    request_body = OpinionRequest,
    responses(
        (status = 201, body = ReceiptDoc),
        (status = 200, description = "The same opinion was already received", body = ReceiptDoc),
        (status = 409, description = "The consultation is not open", body = Problem),
        (status = 422, description = "Fields or captcha are wrong; `errors` says which", body = Problem),
        (status = 429, body = Problem)
    )
)]
#[post("/consultations/{id}/opinions")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<ConsultationId>,
    body: web::Json<OpinionRequest>,
) -> Result<HttpResponse, ApiError> {
    let r = body.into_inner();
    let command = SubmitOpinion {
        section: r.section.unwrap_or_default(),
        input: OpinionInput {
            name: r.name,
            contact: r.contact,
            body: r.body,
            original_text: r.original_text.unwrap_or_default(),
            proposed_text: r.proposed_text.unwrap_or_default(),
            consent: r.consent,
        },
        captcha: CaptchaAnswer { id: r.captcha_id, answer: r.captcha_answer },
        client: ClientKey::from_request(&req, &state.settings),
    };
    let target = load_target(&state, id.into_inner()).await?;
    match submit(&state, &target, command).await {
        Ok(submitted) => {
            let code = submitted.receipt();
            let doc = ReceiptDoc {
                receipt_code: code.to_string(),
                duplicate: matches!(submitted, Submitted::Duplicate(_)),
                receipt_url: format!("/receipts/{}", code.as_str()),
            };
            let status = if doc.duplicate { StatusCode::OK } else { StatusCode::CREATED };
            Ok(HttpResponse::build(status).json(doc))
        }
        Err(Refused::Error(err)) => Err(err.into()),
        Err(Refused::Fields { status, errors, notice }) => {
            let errors = errors.iter().map(|(f, m)| (f.to_owned(), m.to_owned())).collect();
            let detail = notice.unwrap_or("提交未成功，请按 errors 中的说明修改后重新提交。").to_owned();
            let problem =
                Problem { title: "提交未成功".to_owned(), status: status.as_u16(), detail, errors: Some(errors) };
            Ok(HttpResponse::build(status).content_type("application/problem+json").json(problem))
        }
    }
}
#[derive(Serialize, ToSchema)]
pub struct ReceiptStatus {
    pub receipt_code: String,
    pub consultation_id: i32,
    pub consultation_title: String,
    pub section: String,
    /// China time.
    pub received_at: String,
    /// `received` until the feedback is published; then the decision's code
    /// (`adopted`, `partly_adopted`, `not_adopted`, `explained`).
    pub status: String,
    pub status_label: String,
    pub reason: Option<String>,
    /// Where a later version of the draft took the opinion up (采纳 / 部分采纳), once published.
    pub taken_up: Option<TakenUpDoc>,
}

/// A section of a later version where a decision was taken up.
#[derive(Serialize, ToSchema)]
pub struct TakenUpDoc {
    /// 「已在第2版（修订稿）第五条体现」
    pub text: String,
    pub version_no: i32,
    pub section_anchor: String,
    /// The section on its version's public page.
    pub url: String,
}

/// What became of an opinion, by its receipt code (rate limited per client address).
#[utoipa::path(
    get,
    path = "/api/v1/receipts/{code}",
    params(("code" = String, Path, description = "回执编号, with or without the dash, any case")),
    responses((status = 200, body = ReceiptStatus), (status = 404, body = Problem))
)]
#[get("/receipts/{code}")]
pub async fn receipt(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<web::Json<ReceiptStatus>, ApiError> {
    let code = ReceiptCode::parse(&code.into_inner()).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let client = ClientKey::from_request(&req, &state.settings);
    let (opinion, consultation, section, taken_up, round) =
        find(&state, client, code).await?.ok_or(AppError::NotFound)?;
    let decision = visible_decision(&opinion, &round);
    Ok(web::Json(ReceiptStatus {
        receipt_code: opinion
            .receipt_code
            .as_deref()
            .and_then(|c| ReceiptCode::parse(c).ok())
            .map(|c| c.to_string())
            .unwrap_or_default(),
        consultation_id: consultation.id.0,
        consultation_title: consultation.title,
        section: section.as_ref().map(Section::title).unwrap_or_else(|| "全文".to_owned()),
        received_at: format_china(opinion.received_at),
        status: decision.map_or("received", |d| d.code()).to_owned(),
        status_label: decision.map_or("已收到", |d| d.label()).to_owned(),
        reason: decision.and(opinion.decision_reason),
        taken_up: decision.and(taken_up).map(|p| TakenUpDoc {
            text: p.sentence(),
            version_no: p.version_no,
            section_anchor: p.anchor.clone(),
            url: p.url(),
        }),
    }))
}
