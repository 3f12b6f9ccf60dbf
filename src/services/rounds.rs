//! 「再次征求意见」: a new round on the latest version of a closed consultation, linked to the
//! rounds before it.

use chrono::{DateTime, Utc};

use crate::db::{Conn, write_tx};
use crate::domain::consultation::RoundWindow;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::ConsultationId;
use crate::domain::window::Status;
use crate::error::AppError;
use crate::models::round::{Round, ordinal};
use crate::models::{Consultation, Draft};

/// Why no new round can open now, if it cannot: the latest round is not over, or there is no
/// version newer than the one it consulted on.
pub fn refusal(conn: &mut Conn, consultation: &Consultation, now: DateTime<Utc>) -> Result<Option<String>, AppError> {
    let rounds = Round::for_consultation(conn, consultation.id)?;
    let Some(latest) = rounds.last() else {
        return Ok(Some("这项意见征集还没有征求意见记录。".to_owned()));
    };
    let name = ordinal(latest.number);
    match consultation.status(now) {
        Status::Scheduled => {
            return Ok(Some(format!("{name}尚未开始（{} 开始），结束后才能再次征求意见。", latest.starts_on)));
        }
        Status::Open => {
            return Ok(Some(format!("{name}正在进行（{} 截止），结束后才能再次征求意见。", latest.ends_on)));
        }
        Status::Closed | Status::FeedbackPublished => {}
    }
    let versions = Draft::versions(conn, consultation.id)?;
    let consulted = latest
        .draft_id
        .and_then(|id| versions.iter().find(|d| d.id == id))
        .or(versions.first())
        .map_or(0, |d| d.version_no);
    match versions.last() {
        Some(newest) if newest.version_no > consulted => Ok(None),
        _ => Ok(Some(format!(
            "还没有比{name}所用版本更新的版本：请先在“版本”页上传修改稿并确认，再次征求意见将针对最新版本。"
        ))),
    }
}

/// Opens the next round on the latest version with `window`, which must start after the latest
/// round ended. Returns the new round's number; field errors keep the form's place.
pub fn open_next(
    conn: &mut Conn,
    id: ConsultationId,
    window: &RoundWindow,
    now: DateTime<Utc>,
) -> Result<Result<i32, FieldErrors>, AppError> {
    write_tx(conn, |conn| {
        let consultation = Consultation::find(conn, id)?;
        if let Some(message) = refusal(conn, &consultation, now)? {
            return Err(AppError::Closed(message));
        }
        if window.window.starts_on() <= consultation.ends_on {
            let mut errors = FieldErrors::new();
            errors.add("starts_on", format!("开始日期应晚于上一轮的截止日期 {}", consultation.ends_on));
            return Ok(Err(errors));
        }
        let latest = Draft::versions(conn, id)?
            .pop()
            .ok_or_else(|| AppError::BadRequest("这项意见征集还没有草案。".to_owned()))?;
        let number = Round::open_next(
            conn,
            id,
            latest.id,
            window.window,
            window.short_period_reason.as_deref(),
            now.naive_utc(),
        )?;
        crate::models::consultation_index::index(conn, id)?;
        Ok(Ok(number))
    })
}
