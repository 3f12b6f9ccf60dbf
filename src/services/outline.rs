//! Correcting a draft's outline before it is published, and choosing the notice found in front
//! of the draft as the consultation's 公告.

use diesel::prelude::*;

use crate::db::schema::{opinions, sections};
use crate::db::{Conn, write_tx};
use crate::domain::ids::{ConsultationId, DraftId};
use crate::drafts::outline::{Correction, Outline};
use crate::error::AppError;
use crate::models::{Consultation, Draft};

/// Why the outline cannot be changed now, in words for the drafter.
pub fn locked(conn: &mut Conn, consultation: &Consultation, draft: DraftId) -> QueryResult<Option<&'static str>> {
    if consultation.is_published() {
        return Ok(Some(
            "已发布的意见征集不能再修改大纲：公众可能已经在看或引用这些条目。请先撤回（取消发布）再修改。",
        ));
    }
    let with_opinions: i64 = opinions::table
        .filter(
            opinions::section_id
                .eq_any(sections::table.filter(sections::draft_id.eq(draft)).select(sections::id.nullable())),
        )
        .count()
        .get_result(conn)?;
    Ok((with_opinions > 0).then_some("已有意见针对这一版本的条目，不能再修改它的大纲。如需调整，请上传新版本。"))
}

/// Applies one correction, chosen by `choose` from the outline as it is stored now, to the
/// consultation's current draft. `Ok(Err(message))` when it is refused: the outline is then
/// unchanged.
pub fn correct(
    conn: &mut Conn,
    id: ConsultationId,
    choose: impl FnOnce(&Outline) -> Result<Correction, String>,
) -> Result<Result<(), String>, AppError> {
    write_tx(conn, |conn| {
        let consultation = Consultation::find(conn, id)?;
        let Some(draft) = Draft::current_for(conn, id)? else {
            return Ok(Err("尚未上传征求意见稿。".to_owned()));
        };
        if let Some(why) = locked(conn, &consultation, draft.id)? {
            return Ok(Err(why.to_owned()));
        }
        let mut outline = draft.outline(conn)?;
        let correction = match choose(&outline) {
            Ok(correction) => correction,
            Err(message) => return Ok(Err(message)),
        };
        if let Err(err) = outline.apply(correction) {
            return Ok(Err(err.to_string()));
        }
        Draft::replace_outline(conn, draft.id, &outline)?;
        Ok(Ok(()))
    })
}

/// Offers (or stops offering) the notice found before the draft as the consultation's 公告.
pub fn announce_notice(conn: &mut Conn, id: ConsultationId, announce: bool) -> Result<Result<(), String>, AppError> {
    write_tx(conn, |conn| {
        let consultation = Consultation::find(conn, id)?;
        let Some(draft) = Draft::current_for(conn, id)? else {
            return Ok(Err("尚未上传征求意见稿。".to_owned()));
        };
        if draft.notice.is_none() {
            return Ok(Err("征求意见稿正文前没有找到公告。".to_owned()));
        }
        if consultation.is_published() && draft.notice_is_announcement != announce {
            return Ok(Err("已发布的意见征集不能再更换公告：请先撤回（取消发布）再修改。".to_owned()));
        }
        Draft::set_notice_is_announcement(conn, draft.id, announce)?;
        Ok(Ok(()))
    })
}
