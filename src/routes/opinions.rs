//! The public opinion form: shown while a consultation is open, on a section or the whole draft.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::captcha::{self, CaptchaAnswer, Challenge, ChallengeKind};
use crate::db;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::ConsultationId;
use crate::domain::opinion::OpinionInput;
use crate::error::AppError;
use crate::models::consultation::Commentable;
use crate::rate_limit::ClientKey;
use crate::routes::views::{ConsultationView, SectionView, section_views};
use crate::services::captchas;
use crate::services::opinions::{Refused, SubmitOpinion, Submitted, load_target, submit};
use crate::state::AppState;

/// The public form exactly as submitted; kept whole so an error never loses what was typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OpinionForm {
    /// The section's anchor, or empty for the draft as a whole.
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub original_text: String,
    #[serde(default)]
    pub proposed_text: String,
    #[serde(default)]
    pub consent: Option<String>,
    #[serde(default)]
    pub captcha_id: String,
    #[serde(default)]
    pub captcha_answer: String,
    /// `image` or `question`: a retry keeps the kind the person was answering.
    #[serde(default)]
    pub captcha_kind: String,
    /// Hidden from people; bots fill it in.
    #[serde(default)]
    pub website: String,
    /// Which button was pressed: send, or ask for another captcha.
    #[serde(default)]
    pub action: Option<String>,
}

impl OpinionForm {
    fn input(&self) -> OpinionInput {
        OpinionInput {
            name: self.name.clone(),
            contact: self.contact.clone(),
            body: self.body.clone(),
            original_text: self.original_text.clone(),
            proposed_text: self.proposed_text.clone(),
            consent: self.consent.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "opinions/form.html")]
struct FormPage {
    c: ConsultationView,
    section: Option<SectionView>,
    form_action: String,
    whole_url: String,
    values: OpinionForm,
    errors: FieldErrors,
    notice: Option<String>,
    /// `None` when the client asked for too many challenges in the last minute.
    captcha: Option<Challenge>,
    /// The kind of challenge shown, or asked for.
    captcha_kind: ChallengeKind,
    max_chars: usize,
    retention_days: i64,
}

#[derive(Template)]
#[template(path = "opinions/closed.html")]
struct ClosedPage {
    c: ConsultationView,
    heading: &'static str,
    message: String,
}

/// Said above the form when no new challenge could be given.
const NO_CAPTCHA_NOTICE: &str = "获取验证码过于频繁（同一网络的用户较多时也会出现），请稍候一分钟，\
     再点击下方按钮获取新的验证码后提交。您填写的内容均已保留，请不要关闭本页。";

/// The section's view, for the form's heading.
fn section_view(target: &Commentable, anchor: &str) -> Option<SectionView> {
    let url = format!("/consultations/{}", target.consultation.id);
    section_views(&url, &target.sections).into_iter().find(|s| s.anchor == anchor)
}

fn form_page(
    target: &Commentable,
    state: &AppState,
    values: OpinionForm,
    kind: ChallengeKind,
    captcha: Option<Challenge>,
) -> FormPage {
    let c = ConsultationView::new(&target.consultation, Utc::now());
    FormPage {
        section: section_view(target, &values.section),
        form_action: format!("{}/opinions", c.url),
        whole_url: format!("{}/opinions/new", c.url),
        c,
        values,
        errors: FieldErrors::default(),
        notice: captcha.is_none().then(|| NO_CAPTCHA_NOTICE.to_owned()),
        captcha,
        captcha_kind: kind,
        max_chars: state.settings.opinion_max_chars,
        retention_days: state.settings.contact_retention_days,
    }
}

/// The form's status: 429 when it could not come with a challenge.
fn form_status(page: &FormPage, otherwise: StatusCode) -> StatusCode {
    if page.captcha.is_none() { StatusCode::TOO_MANY_REQUESTS } else { otherwise }
}

fn page_response(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(page.render()?))
}

#[derive(Deserialize)]
pub struct FormQuery {
    #[serde(default)]
    section: String,
    /// `question` asks for the text question instead of an image.
    #[serde(default)]
    captcha: String,
}

#[get("/{id}/opinions/new")]
pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<ConsultationId>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, AppError> {
    let target = load_target(&state, id.into_inner()).await?;
    target.section(&query.section)?;
    if let Some((heading, message)) = target.closed_message() {
        let c = ConsultationView::new(&target.consultation, Utc::now());
        return page_response(StatusCode::OK, &ClosedPage { c, heading, message });
    }
    let kind = ChallengeKind::from_code(&query.captcha).unwrap_or(ChallengeKind::Image);
    let client = ClientKey::from_request(&req, &state.settings);
    let challenge = captchas::issue_for_form(&state, &client, kind).await?;
    let values = OpinionForm { section: query.section.clone(), ..OpinionForm::default() };
    let page = form_page(&target, &state, values, kind, challenge);
    page_response(form_status(&page, StatusCode::OK), &page)
}

/// The opinion form's body limit. A Chinese character takes nine bytes once percent-encoded, so 2 MB carries
/// opinions far past the 5,000-字 limit: those come back as the form with the count and the text kept.
pub const OPINION_FORM_LIMIT: usize = 2 * 1024 * 1024;

/// The opinion POST route, with a body limit of its own (the general form limit would cut a long opinion off
/// with a bare error page before its length could be explained beside the text).
pub fn create_service() -> actix_web::Resource {
    let config = web::FormConfig::default().limit(OPINION_FORM_LIMIT).error_handler(|err, req| {
        let err = match err {
            actix_web::error::UrlencodedError::Overflow { .. } => {
                let max = req.app_data::<web::Data<AppState>>().map_or(5000, |s| s.settings.opinion_max_chars);
                AppError::PayloadTooLarge(format!(
                    "提交的意见过长：意见不能超过{max}字，请精简后再提交。请返回上一页复制您填写的内容，精简后重新提交。"
                ))
            }
            _ => AppError::BadRequest("提交的表单格式有误，请返回重新填写。".to_owned()),
        };
        err.into()
    });
    web::resource("/{id}/opinions").guard(actix_web::guard::Post()).app_data(config).to(create)
}

async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<ConsultationId>,
    form: web::Form<OpinionForm>,
) -> Result<HttpResponse, AppError> {
    let mut values = form.into_inner();
    let target = load_target(&state, id.into_inner()).await?;
    let client = ClientKey::from_request(&req, &state.settings);
    // Another challenge was asked for: nothing is checked, everything typed is kept.
    let wanted = match values.action.as_deref() {
        Some("new_captcha" | "image_captcha") => Some(ChallengeKind::Image),
        Some("question_captcha") => Some(ChallengeKind::Question),
        _ => None,
    };
    if let Some(kind) = wanted {
        target.section(&values.section)?;
        if let Some((_, message)) = target.closed_message() {
            return Err(AppError::Closed(message));
        }
        let old_captcha = std::mem::take(&mut values.captcha_id);
        values.captcha_answer.clear();
        db::run(&state.pool, move |conn| Ok(captcha::discard(conn, &old_captcha)?)).await?;
        let challenge = captchas::issue_for_form(&state, &client, kind).await?;
        let page = form_page(&target, &state, values, kind, challenge);
        return page_response(form_status(&page, StatusCode::OK), &page);
    }
    if !values.website.is_empty() {
        tracing::info!(consultation = %target.consultation.id, "honeypot field filled in: submission refused");
        return Err(AppError::BadRequest("提交未被接受。".to_owned()));
    }
    let command = SubmitOpinion {
        section: values.section.clone(),
        input: values.input(),
        captcha: CaptchaAnswer { id: values.captcha_id.clone(), answer: values.captcha_answer.clone() },
        client: client.clone(),
    };
    match submit(&state, &target, command).await {
        Ok(submitted) => {
            let flag = match submitted {
                Submitted::New(_) => "submitted",
                Submitted::Duplicate(_) => "duplicate",
            };
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", format!("/receipts/{}?{flag}=1", submitted.receipt().as_str())))
                .finish())
        }
        Err(Refused::Error(err)) => Err(err),
        Err(Refused::Fields { status, errors, notice }) => {
            // The retry keeps the kind of challenge the person was answering.
            let kind = ChallengeKind::from_code(&values.captcha_kind).unwrap_or(ChallengeKind::Image);
            values.captcha_id.clear();
            values.captcha_answer.clear();
            let challenge = captchas::issue_for_form(&state, &client, kind).await?;
            let mut page = form_page(&target, &state, values, kind, challenge);
            page.errors = errors;
            if let Some(notice) = notice {
                page.notice = Some(page.notice.map_or_else(|| notice.to_owned(), |n| format!("{notice}{n}")));
            }
            page_response(form_status(&page, status), &page)
        }
    }
}
