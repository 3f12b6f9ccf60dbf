//! Accepting a citizen's opinion, for the public form and the JSON API alike: the window,
//! the rate limit, the captcha (used up by any attempt), the fields, and storage with its
//! receipt code and receipt mail, committed before the receipt is shown.

use std::sync::Arc;

use actix_web::http::StatusCode;
use chrono::{Duration, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::captcha::{self, CaptchaAnswer, ChallengeKind};
use crate::db::{self, Conn, Scratch};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{ConsultationId, SectionId};
use crate::domain::opinion::{OpinionInput, OpinionText};
use crate::domain::receipt::ReceiptCode;
use crate::domain::source::{Channel, Source};
use crate::domain::window::format_china;
use crate::emails::{ReceiptMail, summary};
use crate::error::AppError;
use crate::models::Section;
use crate::models::consultation::Commentable;
use crate::models::opinion::{NewOpinion, RecentDuplicates};
use crate::models::outbox::NewMail;
use crate::models::question_answer;
use crate::rate_limit::{BatchHits, ClientKey, Scope};
use crate::state::AppState;
use crate::text::normalise::fingerprint;

/// A resend of the same opinion within this time returns the first receipt.
pub const DUPLICATE_WINDOW_MINUTES: i64 = 10;

/// The consultation an opinion is for, kept for a moment with the rendered pages (staff
/// changes drop it at once; opinions do not change it).
pub async fn load_target(state: &AppState, id: ConsultationId) -> Result<Arc<Commentable>, AppError> {
    if let Some(target) = state.pages.target(id) {
        return Ok(target);
    }
    let target = db::run(&state.pool, move |conn| Commentable::load(conn, id)).await?;
    let target = Arc::new(target);
    state.pages.put_target(id, target.clone());
    Ok(target)
}

/// One citizen's opinion as sent: where, what, and the captcha answered with it.
pub struct SubmitOpinion {
    /// The section's anchor, or empty for the draft as a whole.
    pub section: String,
    pub input: OpinionInput,
    pub captcha: CaptchaAnswer,
    pub client: ClientKey,
}

/// The outcome of a stored submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    New(ReceiptCode),
    /// The same opinion was sent within the last ten minutes: its first receipt.
    Duplicate(ReceiptCode),
}

impl Submitted {
    pub fn receipt(&self) -> &ReceiptCode {
        match self {
            Submitted::New(code) | Submitted::Duplicate(code) => code,
        }
    }
}

/// Why a submission was not stored; the caller shows the person's text again.
#[derive(Debug)]
pub enum Refused {
    /// The person can fix it: field messages, or a message for the whole form.
    Fields { status: StatusCode, errors: FieldErrors, notice: Option<&'static str> },
    /// The request cannot succeed as it is (closed, unknown section) or the service failed.
    Error(AppError),
}

impl From<AppError> for Refused {
    fn from(err: AppError) -> Refused {
        Refused::Error(err)
    }
}

/// What one attempt came to, decided in the writer's transaction.
enum Attempt {
    Limited,
    /// The captcha or the fields were wrong (the captcha is used up all the same).
    Refused(Option<captcha::CaptchaFailure>),
    Stored(Submitted),
}

/// Checks and stores one submission.
///
/// The rate count, the captcha (used up by any attempt) and the opinion with its receipt
/// mail are one write in the next group commit: the receipt is shown only once the
/// opinion is on disk, and a burst of opinions shares the disk flushes.
pub async fn submit(state: &AppState, target: &Commentable, command: SubmitOpinion) -> Result<Submitted, Refused> {
    let section_id = target.section(&command.section)?.map(|s| s.id);
    if let Some((_, message)) = target.closed_message() {
        return Err(AppError::Closed(message).into());
    }
    let now = Utc::now();
    let parsed = OpinionText::parse(&command.input, state.settings.opinion_max_chars);
    let store = parsed.as_ref().ok().map(|text| prepare(state, target, section_id, text.clone(), &command.client));
    // Only an e-mail address gets a receipt mail: the mail worker is woken for nothing else.
    let mails = parsed.as_ref().is_ok_and(|text| text.contact.email().is_some());
    let limit = state.settings.rate_submit_per_minute;
    let limits = state.limits.clone();
    let SubmitOpinion { captcha: answer, client, .. } = command;
    let consultation = target.consultation.id;
    let (limits_asked, client_asked) = (limits.clone(), client.clone());
    // Identical opinions go to the same writer: checked one after the other.
    let key = store.as_ref().map(|s| s.dedupe_key.clone());
    let asked = (answer.id.clone(), key.clone());
    let since = now.naive_utc() - Duration::minutes(DUPLICATE_WINDOW_MINUTES);
    let attempt = state
        .writes
        .run(
            key.as_deref(),
            move |asks| {
                BatchHits::ask(asks, &limits_asked, Scope::Submit, &client_asked, now);
                captcha::ask(asks, &asked.0);
                if let Some(key) = &asked.1 {
                    RecentDuplicates::ask(asks, key, since);
                }
            },
            move |conn, answers| {
                let allowed = BatchHits::allowed(answers, &limits, Scope::Submit, &client, limit, now);
                // The challenge is used up by this attempt whatever happens next.
                let captcha = captcha::consume_asked(conn, answers, &answer, now.naive_utc())?;
                Ok(match (allowed, captcha, &store) {
                    (false, _, _) => Attempt::Limited,
                    (true, Ok(kind), Some(store)) => {
                        let stored = (store.run)(conn, answers)?;
                        if kind == ChallengeKind::Question && matches!(stored, Submitted::New(_)) {
                            question_answer::record(conn, consultation, &client, now.naive_utc())?;
                        }
                        Attempt::Stored(stored)
                    }
                    (true, captcha, _) => Attempt::Refused(captcha.err()),
                })
            },
        )
        .await?;
    match attempt {
        Attempt::Limited => Err(Refused::Fields {
            status: StatusCode::TOO_MANY_REQUESTS,
            errors: FieldErrors::default(),
            notice: Some(Scope::Submit.message()),
        }),
        Attempt::Stored(submitted) => {
            state.pages.forget_consultation(target.consultation.id);
            if mails && matches!(submitted, Submitted::New(_)) {
                state.mail_wakeup.notify_one();
            }
            Ok(submitted)
        }
        Attempt::Refused(failure) => {
            let mut errors = parsed.err().unwrap_or_default();
            if let Some(failure) = failure {
                errors.add("captcha_answer", failure.to_string());
            }
            Err(Refused::Fields { status: StatusCode::UNPROCESSABLE_ENTITY, errors, notice: None })
        }
    }
}

/// A parsed opinion's write: its duplicate key, and the write itself (which may run twice:
/// in its batch, then alone if the batch failed).
struct Store<F> {
    dedupe_key: String,
    run: F,
}

/// Everything storing a parsed opinion needs, worked out before the write: the flag for
/// sensitive words, the duplicate key and the receipt mail's wording.
fn prepare(
    state: &AppState,
    target: &Commentable,
    section_id: Option<SectionId>,
    text: OpinionText,
    client: &ClientKey,
) -> Store<impl Fn(&mut Conn, &mut Scratch) -> Result<Submitted, AppError> + Send + 'static> {
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
    let round_no = target.round_no;
    let draft = target.draft.clone();
    let secret = state.settings.secret_key.expose().clone();
    let public_url = state.settings.public_url.clone();
    let client = client.clone();
    let dedupe_key = PublicSubmission {
        consultation_id: consultation.id,
        round_no,
        section_id,
        text: &text,
        client: &client,
        flag_reason: None,
        now: Utc::now().naive_utc(),
    }
    .dedupe_key(&secret);
    let run = move |conn: &mut Conn, answers: &mut Scratch| {
        let now = Utc::now().naive_utc();
        let submission = PublicSubmission {
            consultation_id: consultation.id,
            round_no,
            section_id,
            text: &text,
            client: &client,
            flag_reason: flag_reason.clone(),
            now,
        };
        submission.store(conn, answers, &secret, |code| {
            let email = text.contact.email()?;
            let received_at = format_china(now);
            let summary = summary(&text.body, 200);
            let receipt = code.to_string();
            let lookup_url = crate::links::receipt_url(&public_url, code);
            let mail = ReceiptMail {
                name: &text.name,
                draft: &draft,
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
    };
    Store { dedupe_key, run }
}

/// A citizen's parsed opinion ready to be stored.
pub struct PublicSubmission<'a> {
    pub consultation_id: ConsultationId,
    /// The round it is sent in.
    pub round_no: i32,
    pub section_id: Option<SectionId>,
    pub text: &'a OpinionText,
    pub client: &'a ClientKey,
    /// Sensitive words found, if any: the opinion is flagged for review but kept.
    pub flag_reason: Option<String>,
    pub now: NaiveDateTime,
}

impl PublicSubmission<'_> {
    /// Same consultation, section, contact and text (ignoring layout and punctuation).
    pub fn dedupe_key(&self, secret: &[u8]) -> String {
        self.dedupe_key_of(secret, &fingerprint(&self.text.body))
    }

    /// [`PublicSubmission::dedupe_key`], given the body's fingerprint (its normalising is
    /// the dear part: a writer thread works it out once per opinion, not twice).
    fn dedupe_key_of(&self, secret: &[u8], fingerprint: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
        let section = self.section_id.map_or(-1, |s| s.0);
        mac.update(format!("{}|{section}|{}|", self.consultation_id, self.text.contact.as_str()).as_bytes());
        mac.update(fingerprint.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// Stores the opinion with a new receipt code and, when the contact is an e-mail
    /// address, queues the receipt mail in the same transaction. A resend within ten
    /// minutes returns the first receipt instead: earlier opinions are found in the
    /// batch's look-up when the write asked for it ([`RecentDuplicates::ask`]), and the
    /// batch's writer is chosen by the duplicate key, so two identical opinions sent at
    /// once are checked one after the other.
    pub fn store(
        &self,
        conn: &mut Conn,
        answers: &mut Scratch,
        secret: &[u8],
        receipt_mail: impl FnOnce(&ReceiptCode) -> Option<NewMail>,
    ) -> Result<Submitted, AppError> {
        let fingerprint = fingerprint(&self.text.body);
        let dedupe_key = self.dedupe_key_of(secret, &fingerprint);
        db::atomic(conn, |conn| {
            let since = self.now - Duration::minutes(DUPLICATE_WINDOW_MINUTES);
            let first = RecentDuplicates::first(conn, answers, &dedupe_key, since)?;
            if let Some(code) = first.as_deref().and_then(|c| ReceiptCode::parse(c).ok()) {
                return Ok(Submitted::Duplicate(code));
            }
            let suggestion = self.text.suggestion.as_ref();
            // A receipt code no opinion has yet: a collision is astronomically unlikely,
            // and then the insert stores nothing and another code is drawn (or, written at
            // the batch's COMMIT, the batch fails and is written again write by write).
            let mut stored = None;
            for _ in 0..8 {
                let code = ReceiptCode::generate(&mut rand::rng());
                let inserted = NewOpinion {
                    consultation_id: self.consultation_id,
                    section_id: self.section_id,
                    source: Source::Public,
                    channel: Channel::Online,
                    author_name: self.text.name.as_str().into(),
                    contact: Some(self.text.contact.as_str().into()),
                    contact_kind: Some(self.text.contact.kind()),
                    body: self.text.body.as_str().into(),
                    original_text: suggestion.and_then(|s| s.original.as_deref()).map(Into::into),
                    proposed_text: suggestion.and_then(|s| s.proposed.as_deref()).map(Into::into),
                    receipt_code: Some(code.as_str().into()),
                    client_hash: Some(self.client.as_str().into()),
                    dedupe_key: Some(dedupe_key.as_str().into()),
                    fingerprint: fingerprint.as_str().into(),
                    flagged: self.flag_reason.is_some(),
                    flag_reason: self.flag_reason.as_deref().map(Into::into),
                    received_at: self.now,
                    created_at: self.now,
                    department_id: None,
                    invitation_id: None,
                    seq: None,
                    attachment_id: None,
                    round_no: self.round_no,
                }
                .insert_in_batch(conn, answers)?;
                if inserted.is_some() {
                    stored = Some(code);
                    break;
                }
            }
            let code =
                stored.ok_or_else(|| AppError::internal(anyhow::anyhow!("could not find an unused receipt code")))?;
            RecentDuplicates::stored(answers, &dedupe_key, self.now, code.as_str());
            if let Some(mail) = receipt_mail(&code) {
                mail.enqueue(conn, self.now)?;
            }
            Ok(Submitted::New(code))
        })
    }
}
