//! Accepting a citizen's opinion, shared by the form and the JSON API: the window, the
//! honeypot, the rate limit, the captcha (used up by any attempt), the fields, storage
//! with its receipt mail.

use std::sync::Arc;

use actix_web::http::StatusCode;
use chrono::Utc;

use crate::captcha;
use crate::db;
use crate::domain::ids::ConsultationId;
use crate::domain::opinion::{FieldErrors, OpinionForm, OpinionText};
use crate::domain::window::{Status, format_china};
use crate::emails::{ReceiptMail, summary};
use crate::error::AppError;
use crate::models::opinion::{PublicSubmission, Submitted};
use crate::models::{Consultation, Draft, Section};
use crate::rate_limit::{self, ClientKey, Scope};
use crate::routes::views::{SectionView, section_views};
use crate::startup::AppState;

/// The consultation and the sections of its current draft.
pub struct Target {
    pub consultation: Consultation,
    pub sections: Vec<Section>,
}

/// The consultation an opinion is for, kept for a moment with the rendered pages (staff
/// changes drop it at once; opinions do not change it).
pub async fn load_target(state: &AppState, id: ConsultationId) -> Result<Arc<Target>, AppError> {
    if let Some(target) = state.pages.target(id) {
        return Ok(target);
    }
    let target = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find_published(conn, id)?;
        let sections = match Draft::current_for(conn, id)? {
            Some(draft) => Section::for_draft(conn, draft.id)?,
            None => Vec::new(),
        };
        Ok(Target { consultation, sections })
    })
    .await?;
    let target = Arc::new(target);
    state.pages.put_target(id, target.clone());
    Ok(target)
}

impl Target {
    pub fn section(&self, anchor: &str) -> Result<Option<&Section>, AppError> {
        if anchor.is_empty() {
            return Ok(None);
        }
        self.sections.iter().find(|s| s.anchor == anchor).map(Some).ok_or(AppError::NotFound)
    }

    pub fn section_view(&self, anchor: &str) -> Option<SectionView> {
        let url = format!("/consultations/{}", self.consultation.id);
        section_views(&url, &self.sections).into_iter().find(|s| s.anchor == anchor)
    }

    /// Why the form is not available now, if it is not.
    pub fn closed_message(&self) -> Option<(&'static str, String)> {
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
}

/// Why a submission was not stored; the person's text is kept by the caller.
pub struct Rejection {
    pub status: StatusCode,
    pub errors: FieldErrors,
    /// A message for the whole form (e.g. the rate limit).
    pub notice: Option<&'static str>,
}

/// What one attempt came to, decided in the writer's transaction.
enum Attempt {
    Limited,
    /// The captcha or the fields were wrong (the captcha is used up all the same).
    Refused(Option<captcha::CaptchaFailure>),
    Stored(Submitted),
}

/// Checks and stores one submission. `values` carries the captcha id and answer.
///
/// The rate count, the captcha (used up by any attempt) and the opinion with its receipt
/// mail are one write in the next group commit: the receipt is shown only once the
/// opinion is on disk, and a burst of opinions shares the disk flushes.
pub async fn submit(
    state: &AppState,
    target: &Target,
    values: &OpinionForm,
    client: &ClientKey,
) -> Result<Result<Submitted, Rejection>, AppError> {
    let section_id = target.section(&values.section)?.map(|s| s.id);
    if let Some((_, message)) = target.closed_message() {
        return Err(AppError::Closed(message));
    }
    if !values.website.is_empty() {
        tracing::info!(consultation = %target.consultation.id, "honeypot field filled in: submission refused");
        return Err(AppError::BadRequest("提交未被接受。".to_owned()));
    }
    let now = Utc::now();
    let parsed = OpinionText::parse(values, state.settings.opinion_max_chars);
    let store = parsed.as_ref().ok().map(|text| prepare(state, target, section_id, text.clone(), client.clone()));
    let limit = state.settings.rate_submit_per_minute;
    let limits = state.limits.clone();
    let submit_client = client.clone();
    let (challenge_id, answer) = (values.captcha_id.clone(), values.captcha_answer.clone());
    let attempt = state
        .writes
        .run(move |conn| {
            let allowed = rate_limit::hit(conn, &limits, Scope::Submit, &submit_client, limit, now)?;
            // The challenge is used up by this attempt whatever happens next.
            let captcha = captcha::consume(conn, &challenge_id, &answer, now.naive_utc())?;
            Ok(match (allowed, captcha, store) {
                (false, _, _) => Attempt::Limited,
                (true, Ok(()), Some(store)) => Attempt::Stored(store(conn)?),
                (true, captcha, _) => Attempt::Refused(captcha.err()),
            })
        })
        .await?;
    match attempt {
        Attempt::Limited => {
            let notice = Some(Scope::Submit.message());
            Ok(Err(Rejection { status: StatusCode::TOO_MANY_REQUESTS, errors: FieldErrors::default(), notice }))
        }
        Attempt::Stored(submitted) => {
            state.pages.forget_consultation(target.consultation.id);
            state.mail_wakeup.notify_one();
            Ok(Ok(submitted))
        }
        Attempt::Refused(failure) => {
            let mut errors = parsed.err().unwrap_or_default();
            if let Some(failure) = failure {
                errors.add("captcha_answer", failure.to_string());
            }
            Ok(Err(Rejection { status: StatusCode::UNPROCESSABLE_ENTITY, errors, notice: None }))
        }
    }
}

/// Everything storing a parsed opinion needs, worked out before the write: the flag for
/// sensitive words and the receipt mail's wording.
fn prepare(
    state: &AppState,
    target: &Target,
    section_id: Option<crate::domain::ids::SectionId>,
    text: OpinionText,
    client: ClientKey,
) -> impl FnOnce(&mut db::Conn) -> Result<Submitted, AppError> + Send + 'static {
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
    move |conn| {
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
    }
}
