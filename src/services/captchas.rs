//! Issuing captcha challenges under the per-client rate limit; images are drawn by the
//! low-priority painter threads, so that a flood cannot take the CPU from page rendering.

use chrono::Utc;

use crate::captcha::painter::PaintError;
use crate::captcha::{self, Challenge, ChallengeKind};

/// When more images are waiting to be drawn than the queue holds.
const BUSY: &str = "当前获取验证码的人数较多，请稍候几秒再试。";
use crate::db::{self, ephemeral_tx};
use crate::error::AppError;
use crate::rate_limit::{self, ClientKey, Scope};
use crate::state::AppState;

/// A new challenge of `kind`, counted against the client's captcha limit. A client this
/// instance already knows to be over its limit never costs an image; otherwise the image
/// is drawn first and the count and the challenge are written in one transaction, so a
/// client over its limit costs at most one image per instance and minute. Challenges and
/// counters are written without waiting for the disk: losing one in a power cut harms
/// nobody.
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
    if let Some((scope, _)) = scopes.iter().find(|(scope, _)| state.limits.known_exhausted(*scope, client, now)) {
        return Err(refused(*scope));
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
    let (counted_client, limits, counted) = (client.clone(), state.limits.clone(), scopes.to_vec());
    let challenge = db::run(&state.pool, move |conn| {
        ephemeral_tx(conn, |conn| {
            for (scope, limit) in counted {
                if !rate_limit::hit(conn, &limits, scope, &counted_client, limit, now)? {
                    return Ok(Err(scope));
                }
            }
            Ok(Ok(captcha::store(conn, drawn, ttl, now.naive_utc())?))
        })
    })
    .await?;
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
