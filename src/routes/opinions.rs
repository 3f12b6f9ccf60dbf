//! The public opinion form: shown while a consultation is open, on a section or the whole draft.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::captcha::{self, Challenge, ChallengeKind};
use crate::db;
use crate::domain::opinion::{FieldErrors, OpinionForm, OpinionText};
use crate::domain::window::{Status, format_china};
use crate::emails::{ReceiptMail, summary};
use crate::error::AppError;
use crate::models::opinion::{PublicSubmission, Submitted};
use crate::models::{Consultation, ConsultationId, Draft, Section};
use crate::rate_limit::{self, ClientKey, Scope};
use crate::routes::challenge;
use crate::routes::views::{ConsultationView, SectionView, section_views};
use crate::startup::AppState;

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
    captcha: Challenge,
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

/// The consultation and the sections of its current draft.
struct Target {
    consultation: Consultation,
    sections: Vec<Section>,
}

async fn load_target(state: &AppState, id: ConsultationId) -> Result<Target, AppError> {
    db::run(&state.pool, move |conn| {
        let consultation = Consultation::find_published(conn, id)?;
        let sections = match Draft::current_for(conn, id)? {
            Some(draft) => Section::for_draft(conn, draft.id)?,
            None => Vec::new(),
        };
        Ok(Target { consultation, sections })
    })
    .await
}

impl Target {
    fn section(&self, anchor: &str) -> Result<Option<&Section>, AppError> {
        if anchor.is_empty() {
            return Ok(None);
        }
        self.sections.iter().find(|s| s.anchor == anchor).map(Some).ok_or(AppError::NotFound)
    }

    fn section_view(&self, anchor: &str) -> Option<SectionView> {
        let url = format!("/consultations/{}", self.consultation.id);
        section_views(&url, &self.sections).into_iter().find(|s| s.anchor == anchor)
    }

    /// Why the form is not available now, if it is not.
    fn closed_message(&self) -> Option<(&'static str, String)> {
        let window = self.consultation.window();
        match self.consultation.status(Utc::now()) {
            Status::Open => None,
            Status::Scheduled => {
                Some(("意见征集尚未开始", format!("本次意见征集将于 {} 开始，届时欢迎提出意见。", window.starts_on())))
            }
            Status::Closed | Status::FeedbackPublished => {
                Some(("意见征集已结束", format!("本次意见征集已于 {} 结束，不再接收意见。", window.ends_on())))
            }
        }
    }

    fn form_page(&self, state: &AppState, values: OpinionForm, captcha: Challenge) -> FormPage {
        let c = ConsultationView::new(&self.consultation, Utc::now());
        FormPage {
            section: self.section_view(&values.section),
            form_action: format!("{}/opinions", c.url),
            whole_url: format!("{}/opinions/new", c.url),
            c,
            values,
            errors: FieldErrors::default(),
            notice: None,
            captcha,
            max_chars: state.settings.opinion_max_chars,
            retention_days: state.settings.contact_retention_days,
        }
    }
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
    /// `text` asks for the text question instead of an image.
    #[serde(default)]
    captcha: String,
}

#[get("/consultations/{id}/opinions/new")]
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
    let kind = if query.captcha == "text" { ChallengeKind::Question } else { ChallengeKind::Image };
    let client = ClientKey::from_request(&req, &state.settings);
    let challenge = challenge::issue(&state, &client, kind).await?;
    let values = OpinionForm { section: query.section.clone(), ..OpinionForm::default() };
    page_response(StatusCode::OK, &target.form_page(&state, values, challenge))
}

#[post("/consultations/{id}/opinions")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<ConsultationId>,
    form: web::Form<OpinionForm>,
) -> Result<HttpResponse, AppError> {
    let mut values = form.into_inner();
    let target = load_target(&state, id.into_inner()).await?;
    let section_id = target.section(&values.section)?.map(|s| s.id);
    if let Some((_, message)) = target.closed_message() {
        return Err(AppError::Closed(message));
    }
    if !values.website.is_empty() {
        tracing::info!(consultation = %target.consultation.id, "honeypot field filled in: submission refused");
        return Err(AppError::BadRequest("提交未被接受。".to_owned()));
    }
    let client = ClientKey::from_request(&req, &state.settings);
    let old_captcha = std::mem::take(&mut values.captcha_id);
    let answer = std::mem::take(&mut values.captcha_answer);
    let old_kind = values.action.as_deref();
    // Another challenge was asked for: nothing is checked, everything typed is kept.
    if let Some(kind) = match old_kind {
        Some("new_captcha" | "image_captcha") => Some(ChallengeKind::Image),
        Some("text_captcha") => Some(ChallengeKind::Question),
        _ => None,
    } {
        db::run(&state.pool, move |conn| Ok(captcha::discard(conn, &old_captcha)?)).await?;
        let challenge = challenge::issue(&state, &client, kind).await?;
        return page_response(StatusCode::OK, &target.form_page(&state, values, challenge));
    }

    let now = Utc::now();
    let limit = state.settings.rate_submit_per_minute;
    let limits = state.limits.clone();
    let submit_client = client.clone();
    let (allowed, captcha_result) = db::run(&state.pool, move |conn| {
        let allowed = rate_limit::hit(conn, &limits, Scope::Submit, &submit_client, limit, now)?;
        // The challenge is used up by this attempt whatever happens next.
        let result = captcha::consume(conn, &old_captcha, &answer, now.naive_utc())?;
        Ok((allowed, result))
    })
    .await?;
    let parsed = OpinionText::parse(&values, state.settings.opinion_max_chars);
    let retry_kind = if values.captcha_kind == "question" { ChallengeKind::Question } else { ChallengeKind::Image };
    let problems = match (&parsed, captcha_result, allowed) {
        (_, _, false) => Some((StatusCode::TOO_MANY_REQUESTS, FieldErrors::default(), Some(Scope::Submit.message()))),
        (Ok(_), Ok(()), true) => None,
        (parsed, captcha_result, true) => {
            let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
            if let Err(failure) = captcha_result {
                errors.add("captcha_answer", failure.to_string());
            }
            Some((StatusCode::UNPROCESSABLE_ENTITY, errors, None))
        }
    };
    if let Some((status, errors, notice)) = problems {
        let challenge = challenge::issue(&state, &client, retry_kind).await?;
        let mut page = target.form_page(&state, values, challenge);
        page.errors = errors;
        page.notice = notice.map(str::to_owned);
        return page_response(status, &page);
    }
    let text = parsed.map_err(|_| AppError::internal(anyhow::anyhow!("parsed form vanished")))?;
    let submitted = store(&state, &target, section_id, text, client).await?;
    state.mail_wakeup.notify_one();
    let flag = match submitted {
        Submitted::New(_) => "submitted",
        Submitted::Duplicate(_) => "duplicate",
    };
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/receipts/{}?{flag}=1", submitted.receipt().as_str())))
        .finish())
}

async fn store(
    state: &AppState,
    target: &Target,
    section_id: Option<crate::models::SectionId>,
    text: OpinionText,
    client: ClientKey,
) -> Result<Submitted, AppError> {
    let flagged: Vec<String> = [text.name.as_str(), text.body.as_str()]
        .into_iter()
        .chain(text.suggestion.iter().filter_map(|s| s.proposed.as_deref()))
        .flat_map(|t| state.sensitive.find(t))
        .collect();
    let flag_reason = (!flagged.is_empty()).then(|| format!("含敏感词：{}", flagged.join("、")));
    let section_title = section_id
        .and_then(|id| target.sections.iter().find(|s| s.id == id))
        .map(Section::title)
        .unwrap_or_else(|| "全文".to_owned());
    let consultation = target.consultation.clone();
    let secret = state.settings.secret_key.expose().clone();
    let lookup_base = format!("{}/receipts", state.settings.public_url);
    db::run(&state.pool, move |conn| {
        let now = Utc::now().naive_utc();
        let submission = PublicSubmission {
            consultation_id: consultation.id,
            section_id,
            text: &text,
            client: &client,
            flag_reason,
            now,
        };
        let received_at = format_china(now);
        let summary = summary(&text.body, 200);
        submission.submit(conn, &secret, |code| {
            let email = text.contact.email()?;
            let receipt = code.to_string();
            let lookup_url = format!("{lookup_base}/{}", code.as_str());
            let mail = ReceiptMail {
                name: &text.name,
                consultation_title: &consultation.title,
                issuer: &consultation.issuer,
                section_title: &section_title,
                received_at: &received_at,
                receipt: &receipt,
                summary: &summary,
                lookup_url: &lookup_url,
            };
            match mail.to_mail(email) {
                Ok(mail) => Some(mail),
                Err(err) => {
                    tracing::error!(error = %err, "receipt mail could not be rendered; the opinion is kept");
                    None
                }
            }
        })
    })
    .await
}
