//! Issuing captcha challenges under the per-client rate limit, with image drawing
//! bounded to one per core so that a flood cannot take the CPU from page rendering.

use actix_web::web;
use chrono::Utc;

use crate::captcha::{self, Challenge, ChallengeKind};
use crate::db::{self, ephemeral_tx};
use crate::error::AppError;
use crate::rate_limit::{self, ClientKey, Scope};
use crate::startup::AppState;

/// A new challenge of `kind`, counted against the client's captcha limit. The count comes
/// first, so a client over its limit never costs an image. Challenges and counters are
/// written without waiting for the disk: losing one in a power cut harms nobody.
pub async fn issue(state: &AppState, client: &ClientKey, kind: ChallengeKind) -> Result<Challenge, AppError> {
    let now = Utc::now();
    let refused = || AppError::TooManyRequests(Scope::Captcha.message().to_owned());
    if state.limits.known_exhausted(Scope::Captcha, client, now) {
        return Err(refused());
    }
    let limit = state.settings.rate_captcha_per_minute;
    let (counted_client, limits) = (client.clone(), state.limits.clone());
    let allowed = db::run(&state.pool, move |conn| {
        ephemeral_tx(conn, |conn| Ok(rate_limit::hit(conn, &limits, Scope::Captcha, &counted_client, limit, now)?))
    })
    .await?;
    if !allowed {
        return Err(refused());
    }
    let drawn = match kind {
        ChallengeKind::Question => captcha::draw_question(),
        ChallengeKind::Image => {
            let _slot = state.captcha_slots.acquire().await.map_err(AppError::internal)?;
            web::block(captcha::draw_image).await.map_err(AppError::internal)?.map_err(AppError::Internal)?
        }
    };
    let ttl = state.settings.captcha_ttl_secs;
    db::run(&state.pool, move |conn| ephemeral_tx(conn, |conn| Ok(captcha::store(conn, drawn, ttl, now.naive_utc())?)))
        .await
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
