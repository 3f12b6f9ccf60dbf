//! Issuing captcha challenges under the per-client rate limit; images are drawn by the
//! low-priority painter threads, so that a flood cannot take the CPU from page rendering.

use chrono::Utc;

use crate::captcha::painter::PaintError;
use crate::captcha::{self, Challenge, ChallengeKind};

/// When more images are waiting to be drawn than the queue holds.
const BUSY: &str = "当前获取验证码的人数较多，请稍候几秒再试。";
use crate::db;
use crate::error::AppError;
use crate::rate_limit::{ClientKey, Counting, Scope};
use crate::state::AppState;

/// A new challenge of `kind`, counted against the client's captcha limit. A client this
/// instance already knows to be over its limit never costs an image; otherwise the image
/// is drawn first and the count and the challenge are written together (the challenge only
/// when within the limits), so a client over its limit costs at most one image per instance
/// and minute. Challenges and counters are written without waiting for the disk: losing one
/// in a power cut harms nobody.
pub async fn issue(state: &AppState, client: &ClientKey, kind: ChallengeKind) -> Result<Challenge, AppError> {
    let now = Utc::now();
    // A text question counts twice: against the captcha limit, and against its own stricter one.
    let scopes: &[(Scope, i32)] = match kind {
        ChallengeKind::Image => &[(Scope::Captcha, state.settings.rate_captcha_per_minute)],
        ChallengeKind::Question => &[
            (Scope::Captcha, state.settings.rate_captcha_per_minute),
            (Scope::Question, state.settings.rate_question_per_minute),
        ],
    };
    let refused = |scope: Scope| AppError::TooManyRequests(scope.message().to_owned());
    let counting = Counting::new(scopes, client, now);
    if let Some(scope) = counting.known_over(&state.limits) {
        return Err(refused(scope));
    }
    let drawn = match kind {
        ChallengeKind::Question => captcha::draw_question(),
        ChallengeKind::Image => match state.painter.draw().await {
            Ok(drawn) => drawn,
            Err(PaintError::Busy) => {
                tracing::warn!("captcha drawing queue full: a request was asked to retry");
                return Err(AppError::TooManyRequests(BUSY.to_owned()));
            }
            Err(PaintError::Failed(err)) => return Err(AppError::Internal(err)),
        },
    };
    let ttl = state.settings.captcha_ttl_secs;
    let limits = state.limits.clone();
    let challenge =
        db::run(&state.pool, move |conn| captcha::store_counted(conn, drawn, ttl, now, &limits, &counting)).await?;
    challenge.map_err(refused)
}

/// Like [`issue`], for a form shown again: a client over its captcha limit gets `None`
/// instead of an error page, so that nothing the person typed is lost.
pub async fn issue_for_form(
    state: &AppState,
    client: &ClientKey,
    kind: ChallengeKind,
) -> Result<Option<Challenge>, AppError> {
    match issue(state, client, kind).await {
        Ok(challenge) => Ok(Some(challenge)),
        Err(AppError::TooManyRequests(_)) => Ok(None),
        Err(err) => Err(err),
    }
}
