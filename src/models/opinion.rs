//! Opinions (意见) from every source: citizens online, departments, and letters entered by staff.

use std::borrow::Cow;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{consultations, decision_log, opinions};
use crate::db::{Conn, Prepared, Scratch};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::contact::ContactKind;
use crate::domain::ids::{AttachmentId, ConsultationId, DepartmentId, InvitationId, OpinionId, SectionId};
use crate::domain::receipt::ReceiptCode;
use crate::domain::source::{Channel, Source};
use crate::error::AppError;
use crate::models::opinion_versions::{self, Change};
use crate::models::{decision_count, opinion_count, opinion_day};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = opinions)]
pub struct Opinion {
    pub id: OpinionId,
    pub consultation_id: ConsultationId,
    pub section_id: Option<SectionId>,
    pub source: Source,
    pub channel: Channel,
    pub author_name: String,
    pub contact: Option<String>,
    pub contact_kind: Option<ContactKind>,
    pub body: String,
    pub original_text: Option<String>,
    pub proposed_text: Option<String>,
    pub receipt_code: Option<String>,
    pub client_hash: Option<String>,
    pub dedupe_key: Option<String>,
    pub fingerprint: String,
    pub flagged: bool,
    pub flag_reason: Option<String>,
    pub decision: Option<AdoptionStatus>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub received_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub department_id: Option<DepartmentId>,
    pub invitation_id: Option<InvitationId>,
    /// The opinion's number within a department's reply.
    pub seq: Option<i32>,
    pub attachment_id: Option<AttachmentId>,
    /// The round (第几次征求意见) it was sent in.
    pub round_no: i32,
    /// Where a 采纳 / 部分采纳 decision was taken up: a section of a later version.
    pub taken_up_section_id: Option<SectionId>,
}

impl Opinion {
    pub fn find(conn: &mut Conn, id: OpinionId) -> QueryResult<Opinion> {
        opinions::table.find(id).select(Opinion::as_select()).first(conn)
    }

    pub fn find_by_receipt(conn: &mut Conn, code: &ReceiptCode) -> QueryResult<Option<Opinion>> {
        opinions::table
            .filter(opinions::receipt_code.eq(code.as_str()))
            .select(Opinion::as_select())
            .first(conn)
            .optional()
    }

    /// Whether `new` says the same as this opinion (same section, text and wording).
    pub fn same_content(&self, new: &NewOpinion<'_>) -> bool {
        self.section_id == new.section_id
            && self.body == new.body
            && self.original_text.as_deref() == new.original_text.as_deref()
            && self.proposed_text.as_deref() == new.proposed_text.as_deref()
    }

    /// Replaces what the opinion says, in the caller's transaction. A decision taken
    /// on the old text no longer applies and is cleared (and the clearing logged); the
    /// section counters follow, and the stored signature of the old text goes.
    pub fn replace_content(&self, conn: &mut Conn, new: &NewOpinion<'_>) -> Result<(), AppError> {
        if self.decision.is_some() {
            diesel::insert_into(decision_log::table)
                .values((
                    decision_log::opinion_id.eq(self.id),
                    decision_log::actor_name.eq(format!("{}（修改意见，原决定失效）", new.author_name)),
                    decision_log::from_decision.eq(&self.decision),
                    decision_log::from_reason.eq(&self.decision_reason),
                    decision_log::created_at.eq(new.received_at),
                ))
                .execute(conn)?;
        }
        diesel::update(opinions::table.find(self.id))
            .set((
                opinions::section_id.eq(new.section_id),
                opinions::body.eq(&*new.body),
                opinions::original_text.eq(new.original_text.as_deref()),
                opinions::proposed_text.eq(new.proposed_text.as_deref()),
                opinions::fingerprint.eq(&*new.fingerprint),
                opinions::contact.eq(new.contact.as_deref()),
                opinions::contact_kind.eq(new.contact_kind),
                opinions::received_at.eq(new.received_at),
                opinions::decision.eq(None::<String>),
                opinions::decision_reason.eq(None::<String>),
                opinions::decided_at.eq(None::<NaiveDateTime>),
                opinions::taken_up_section_id.eq(None::<SectionId>),
            ))
            .execute(conn)?;
        crate::models::search::index(conn, self.id, self.consultation_id, &self.author_name, &new.body)?;
        crate::models::opinion_signature::forget(conn, self.id)?;
        let change = if self.decision.is_some() { Change::Both } else { Change::Texts };
        opinion_versions::bump(conn, self.consultation_id, change)?;
        decision_count::change(conn, self.consultation_id, self.decision, None)?;
        if self.section_id != new.section_id {
            opinion_count::on_section(conn, self.section_id, -1)?;
            opinion_count::on_section(conn, new.section_id, 1)?;
        }
        opinion_day::recount(conn, self.consultation_id, self.received_at, new.received_at)?;
        Ok(())
    }

    /// Deletes the opinion and uncounts it, in the caller's transaction. (Its stored
    /// signature goes with it: `ON DELETE CASCADE`.)
    pub fn delete_counted(&self, conn: &mut Conn) -> Result<(), AppError> {
        crate::models::search::unindex(conn, self.id)?;
        diesel::delete(opinions::table.find(self.id)).execute(conn)?;
        decision_count::add(conn, self.consultation_id, self.decision, -1)?;
        opinion_count::on_consultation(conn, self.consultation_id, -1)?;
        opinion_count::on_section(conn, self.section_id, -1)?;
        opinion_day::count(conn, self.consultation_id, self.received_at, -1)?;
        Ok(())
    }

    /// Erases the contacts of opinions whose consultation published its feedback more
    /// than `retention_days` ago (the retention the form promises). Returns how many.
    pub fn erase_expired_contacts(conn: &mut Conn, now: NaiveDateTime, retention_days: i64) -> QueryResult<usize> {
        let cutoff = now - Duration::days(retention_days);
        let done =
            consultations::table.filter(consultations::feedback_published_at.lt(cutoff)).select(consultations::id);
        diesel::update(
            opinions::table.filter(opinions::contact.is_not_null()).filter(opinions::consultation_id.eq_any(done)),
        )
        .set((opinions::contact.eq(None::<String>), opinions::contact_kind.eq(None::<String>)))
        .execute(conn)
    }

    /// The first opinion stored with this duplicate key since `since`.
    pub fn recent_duplicate(conn: &mut Conn, dedupe_key: &str, since: NaiveDateTime) -> QueryResult<Option<Opinion>> {
        opinions::table
            .filter(opinions::dedupe_key.eq(dedupe_key))
            .filter(opinions::created_at.ge(since))
            .order(opinions::id.asc())
            .select(Opinion::as_select())
            .first(conn)
            .optional()
    }
}

/// An earlier opinion with a duplicate key: the key, when it was stored, its receipt code.
type Earlier = (String, NaiveDateTime, String);

/// Earlier opinions with the duplicate keys of one batch's opinions, looked up in one
/// statement, and the opinions the batch itself has stored so far. On PostgreSQL the same
/// statement draws an id for each write that asked (`OpinionIds`): each may store an opinion.
#[derive(Default)]
pub struct RecentDuplicates {
    asked: Vec<(String, NaiveDateTime)>,
    fetched: bool,
    /// Per key, `(created_at, receipt code)` in the order the opinions were stored.
    found: std::collections::HashMap<String, Vec<(NaiveDateTime, String)>>,
}

impl RecentDuplicates {
    /// Asks the batch this write runs in to look up opinions with `key` stored since `since`.
    pub fn ask(asks: &mut crate::db::Asks<'_>, key: &str, since: NaiveDateTime) {
        let key = key.to_owned();
        asks.ask(move |d: &mut RecentDuplicates| d.asked.push((key, since)), Self::fetch);
    }

    fn fetch(conn: &mut Conn, scratch: &mut crate::db::Scratch) -> QueryResult<()> {
        let dups = scratch.get::<RecentDuplicates>();
        let Some(since) = dups.asked.iter().map(|(_, since)| *since).min() else { return Ok(()) };
        let mut keys: Vec<String> = dups.asked.iter().map(|(k, _)| k.clone()).collect();
        keys.sort_unstable();
        keys.dedup();
        let wanted = dups.asked.len() as i64;
        let rows: Vec<Earlier> = match conn {
            Conn::Postgres(c) => {
                let (rows, drawn) = Self::fetch_drawing_ids(c, keys, since, wanted)?;
                scratch.get::<OpinionIds>().drawn = drawn;
                rows
            }
            Conn::Sqlite(c) => opinions::table
                .filter(opinions::dedupe_key.eq_any(&keys))
                .filter(opinions::created_at.ge(since))
                .filter(opinions::receipt_code.is_not_null())
                .order(opinions::id.asc())
                .select((
                    opinions::dedupe_key.assume_not_null(),
                    opinions::created_at,
                    opinions::receipt_code.assume_not_null(),
                ))
                .load(c)?,
        };
        let dups = scratch.get::<RecentDuplicates>();
        for (key, at, code) in rows {
            dups.found.entry(key).or_default().push((at, code));
        }
        dups.fetched = true;
        Ok(())
    }

    /// The look-up on PostgreSQL, with `wanted` ids drawn from the opinions' sequence in the
    /// same statement (one round trip for both): the earlier opinions in id order, and the
    /// drawn ids the last first (taken with `pop`). The sequence is named, not looked up with
    /// `pg_get_serial_sequence`, which ran once per drawn id (16 ids: 0.155-0.184 ms instead of
    /// 0.196-0.235, pgbench in turn).
    fn fetch_drawing_ids(
        c: &mut diesel::PgConnection,
        keys: Vec<String>,
        since: NaiveDateTime,
        wanted: i64,
    ) -> QueryResult<(Vec<Earlier>, Vec<OpinionId>)> {
        use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamp};
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Integer)]
            id: i32,
            #[diesel(sql_type = Nullable<Text>)]
            dedupe_key: Option<String>,
            #[diesel(sql_type = Nullable<Timestamp>)]
            created_at: Option<NaiveDateTime>,
            #[diesel(sql_type = Nullable<Text>)]
            receipt_code: Option<String>,
        }
        let mut rows: Vec<Row> = crate::db::prepared(
            "SELECT id, dedupe_key, created_at, receipt_code FROM opinions \
             WHERE dedupe_key = ANY($1) AND created_at >= $2 AND receipt_code IS NOT NULL \
             UNION ALL \
             SELECT nextval('opinions_id_seq'::regclass)::integer, NULL, NULL, NULL \
             FROM generate_series(1, $3)",
        )
        .bind::<Array<Text>, _>(keys)
        .bind::<Timestamp, _>(since)
        .bind::<BigInt, _>(wanted)
        .load(c)?;
        rows.sort_by_key(|r| r.id);
        let mut found = Vec::new();
        let mut drawn = Vec::new();
        for row in rows {
            match (row.dedupe_key, row.created_at, row.receipt_code) {
                (Some(key), Some(at), Some(code)) => found.push((key, at, code)),
                _ => drawn.push(OpinionId(row.id)),
            }
        }
        drawn.reverse();
        Ok((found, drawn))
    }

    /// The receipt code of the first opinion with `key` stored since `since`: from the
    /// batch's look-up when the write asked for it, else looked up here.
    pub fn first(
        conn: &mut Conn,
        answers: &mut crate::db::Scratch,
        key: &str,
        since: NaiveDateTime,
    ) -> QueryResult<Option<String>> {
        let dups = answers.get::<RecentDuplicates>();
        if dups.fetched && dups.asked.iter().any(|(k, _)| k == key) {
            let found = dups.found.get(key).into_iter().flatten();
            return Ok(found.filter(|(at, _)| *at >= since).map(|(_, code)| code.clone()).next());
        }
        Ok(Opinion::recent_duplicate(conn, key, since)?.and_then(|o| o.receipt_code))
    }

    /// Records an opinion stored in this batch, for the batch's later writes with its key.
    pub fn stored(answers: &mut crate::db::Scratch, key: &str, at: NaiveDateTime, code: &str) {
        answers.get::<RecentDuplicates>().found.entry(key.to_owned()).or_default().push((at, code.to_owned()));
    }
}

/// `None` is written as NULL rather than DEFAULT (no nullable column here has a default):
/// the statement then has one text whatever is missing, so PostgreSQL keeps it prepared
/// instead of parsing and planning it for every opinion. The texts are borrowed or owned
/// (an opinion kept for its batch's COMMIT owns them: see [`NewOpinion::insert_in_batch`]).
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = opinions, treat_none_as_default_value = false)]
pub struct NewOpinion<'a> {
    pub consultation_id: ConsultationId,
    pub section_id: Option<SectionId>,
    pub source: Source,
    pub channel: Channel,
    pub author_name: Cow<'a, str>,
    pub contact: Option<Cow<'a, str>>,
    pub contact_kind: Option<ContactKind>,
    pub body: Cow<'a, str>,
    pub original_text: Option<Cow<'a, str>>,
    pub proposed_text: Option<Cow<'a, str>>,
    pub receipt_code: Option<Cow<'a, str>>,
    pub client_hash: Option<Cow<'a, str>>,
    pub dedupe_key: Option<Cow<'a, str>>,
    pub fingerprint: Cow<'a, str>,
    pub flagged: bool,
    pub flag_reason: Option<Cow<'a, str>>,
    pub received_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub department_id: Option<DepartmentId>,
    pub invitation_id: Option<InvitationId>,
    pub seq: Option<i32>,
    pub attachment_id: Option<AttachmentId>,
    /// The round (第几次征求意见) it is sent in.
    pub round_no: i32,
}

impl NewOpinion<'_> {
    /// Inserts the opinion and counts it on its consultation, section and day, in the
    /// caller's transaction: the counters are what keep page renders independent of
    /// how many opinions there are.
    pub fn insert_counted(&self, conn: &mut Conn) -> Result<OpinionId, AppError> {
        let id = crate::insert_returning!(conn, opinions::table, self, opinions::id)?;
        self.count(conn, id)
    }

    /// Like [`NewOpinion::insert_counted`], but stores nothing and returns `None` when
    /// another opinion already has this receipt code: the caller draws another. One
    /// statement, where looking the code up first would take two.
    pub fn insert_counted_unless_code_taken(&self, conn: &mut Conn) -> Result<Option<OpinionId>, AppError> {
        let inserted: Option<OpinionId> = crate::on_inner!(conn, c => diesel::insert_into(opinions::table)
            .values(self)
            .on_conflict(opinions::receipt_code)
            .do_nothing()
            .returning(opinions::id)
            .get_result(c)
            .optional()?);
        inserted.map(|id| self.count(conn, id)).transpose()
    }

    /// Like [`NewOpinion::insert_counted_unless_code_taken`], for a write in a batch that
    /// asked for its duplicates ([`RecentDuplicates::ask`], which draws an id for it). On
    /// PostgreSQL the opinion takes one of the ids the batch drew and is written with the
    /// batch's other new opinions just before its COMMIT, in one statement instead of one
    /// each (a round trip and an execution apiece).
    /// A receipt code already taken then fails the batch, which is written again one write
    /// at a time, each drawing a new code. Without a drawn id (SQLite, whose statements cost
    /// no round trip) it is inserted at once.
    pub fn insert_in_batch(&self, conn: &mut Conn, answers: &mut Scratch) -> Result<Option<OpinionId>, AppError> {
        let Some(id) = answers.get::<OpinionIds>().drawn.pop() else {
            return self.insert_counted_unless_code_taken(conn);
        };
        let kept = self.clone().into_owned();
        crate::db::write_at_commit(conn, move |rows: &mut KeptRows| rows.0.push((id, kept)), write_kept_rows)?;
        self.count(conn, id).map(Some)
    }

    /// The same opinion, owning its texts.
    fn into_owned(self) -> NewOpinion<'static> {
        let own = |text: Option<Cow<'_, str>>| text.map(|t| Cow::Owned(t.into_owned()));
        NewOpinion {
            author_name: Cow::Owned(self.author_name.into_owned()),
            contact: own(self.contact),
            body: Cow::Owned(self.body.into_owned()),
            original_text: own(self.original_text),
            proposed_text: own(self.proposed_text),
            receipt_code: own(self.receipt_code),
            client_hash: own(self.client_hash),
            dedupe_key: own(self.dedupe_key),
            fingerprint: Cow::Owned(self.fingerprint.into_owned()),
            flag_reason: own(self.flag_reason),
            consultation_id: self.consultation_id,
            section_id: self.section_id,
            source: self.source,
            channel: self.channel,
            contact_kind: self.contact_kind,
            flagged: self.flagged,
            received_at: self.received_at,
            created_at: self.created_at,
            department_id: self.department_id,
            invitation_id: self.invitation_id,
            seq: self.seq,
            attachment_id: self.attachment_id,
            round_no: self.round_no,
        }
    }

    /// Indexes the new opinion's text and counts it on its consultation, section and day.
    fn count(&self, conn: &mut Conn, id: OpinionId) -> Result<OpinionId, AppError> {
        crate::models::search::index_new(conn, id, self.consultation_id, &self.author_name, &self.body)?;
        opinion_count::count_new(conn, self.consultation_id, self.section_id, self.received_at)?;
        Ok(id)
    }
}

/// Ids drawn from the opinions' sequence for a batch's new opinions, in the statement that
/// looks up earlier opinions with their duplicate keys ([`RecentDuplicates`]; PostgreSQL: on
/// SQLite none are drawn): each write that asks for its duplicates is given one, and
/// [`NewOpinion::insert_in_batch`] takes them in the order the writes run, so ids still follow
/// the order opinions were received in.
#[derive(Default)]
struct OpinionIds {
    /// The drawn ids, the last first (taken with `pop`).
    drawn: Vec<OpinionId>,
}

/// The new opinions of one batch with their drawn ids, written together before its COMMIT.
#[derive(Default)]
struct KeptRows(Vec<(OpinionId, NewOpinion<'static>)>);

/// The batch's new opinions as one statement whose text is the same for any number of rows
/// (`unnest` of one array per column), so that it stays prepared; a multi-row `VALUES` list
/// is a new text for every batch size, parsed and planned again each time.
fn write_kept_rows(conn: &mut Conn, scratch: &mut Scratch) -> QueryResult<Vec<Prepared<'static>>> {
    use diesel::sql_types::{Array, Bool, Integer, Nullable, Text, Timestamp};
    let rows = std::mem::take(scratch.get::<KeptRows>()).0;
    if let Conn::Sqlite(c) = conn {
        // Not reached (SQLite draws no ids), but as correct there.
        let values: Vec<_> = rows.iter().map(|(id, row)| (opinions::id.eq(*id), row)).collect();
        return diesel::insert_into(opinions::table).values(values).execute(c).map(|_| Vec::new());
    }
    fn column<T>(rows: &[(OpinionId, NewOpinion<'static>)], f: impl Fn(&NewOpinion<'static>) -> T) -> Vec<T> {
        rows.iter().map(|(_, r)| f(r)).collect()
    }
    let owned = |text: &Option<Cow<'static, str>>| text.as_ref().map(|t| t.to_string());
    let statement = crate::db::prepared(
        "INSERT INTO opinions (id, consultation_id, section_id, source, channel, author_name, contact, \
         contact_kind, body, original_text, proposed_text, receipt_code, client_hash, dedupe_key, \
         fingerprint, flagged, flag_reason, received_at, created_at, department_id, invitation_id, seq, \
         attachment_id, round_no) SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
    )
    .bind::<Array<Integer>, _>(rows.iter().map(|(id, _)| id.0).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(column(&rows, |r| r.consultation_id.0))
    .bind::<Array<Nullable<Integer>>, _>(column(&rows, |r| r.section_id.map(|s| s.0)))
    .bind::<Array<Text>, _>(column(&rows, |r| r.source))
    .bind::<Array<Text>, _>(column(&rows, |r| r.channel))
    .bind::<Array<Text>, _>(column(&rows, |r| r.author_name.to_string()))
    .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| owned(&r.contact)))
    .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| r.contact_kind))
    .bind::<Array<Text>, _>(column(&rows, |r| r.body.to_string()))
    .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| owned(&r.original_text)))
    .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| owned(&r.proposed_text)))
    .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| owned(&r.receipt_code)))
    .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| owned(&r.client_hash)))
    .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| owned(&r.dedupe_key)))
    .bind::<Array<Text>, _>(column(&rows, |r| r.fingerprint.to_string()))
    .bind::<Array<Bool>, _>(column(&rows, |r| r.flagged))
    .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| owned(&r.flag_reason)))
    .bind::<Array<Timestamp>, _>(column(&rows, |r| r.received_at))
    .bind::<Array<Timestamp>, _>(column(&rows, |r| r.created_at))
    .bind::<Array<Nullable<Integer>>, _>(column(&rows, |r| r.department_id.map(|d| d.0)))
    .bind::<Array<Nullable<Integer>>, _>(column(&rows, |r| r.invitation_id.map(|i| i.0)))
    .bind::<Array<Nullable<Integer>>, _>(column(&rows, |r| r.seq))
    .bind::<Array<Nullable<Integer>>, _>(column(&rows, |r| r.attachment_id.map(|a| a.0)))
    .bind::<Array<Integer>, _>(column(&rows, |r| r.round_no));
    Ok(vec![statement])
}
