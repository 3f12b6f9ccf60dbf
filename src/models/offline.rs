//! The opinions staff entered from letters, faxes, e-mails, meetings and calls, as the
//! intake page lists them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::opinions;
use crate::domain::ids::{AttachmentId, ConsultationId, OpinionId};
use crate::domain::source::Channel;

/// An offline opinion as the intake page lists it.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = opinions)]
pub struct OfflineOpinion {
    pub id: OpinionId,
    pub author_name: String,
    pub channel: Channel,
    pub body: String,
    pub received_at: NaiveDateTime,
    pub seq: Option<i32>,
    pub attachment_id: Option<AttachmentId>,
}

impl OfflineOpinion {
    /// The opinions of a consultation that staff entered (not sent through the site), newest first.
    pub fn list(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<Vec<OfflineOpinion>> {
        use crate::domain::source::Channel;
        let online = [Channel::Online.code(), Channel::DepartmentLink.code()];
        opinions::table
            .filter(opinions::consultation_id.eq(consultation))
            .filter(opinions::channel.ne_all(online))
            .order(opinions::id.desc())
            .select(OfflineOpinion::as_select())
            .load(conn)
    }
}

/// Opinion `id` of `consultation`, to enter the next opinion of the same letter.
pub fn find_in(conn: &mut Conn, consultation: ConsultationId, id: OpinionId) -> QueryResult<crate::models::Opinion> {
    opinions::table
        .filter(opinions::id.eq(id))
        .filter(opinions::consultation_id.eq(consultation))
        .select(crate::models::Opinion::as_select())
        .first(conn)
}
