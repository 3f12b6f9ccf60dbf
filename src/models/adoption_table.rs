//! The adoption table's data (意见采纳情况), read from the database for the exports:
//! counts first, then the opinions as a stream in the drafter's order.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Integer;

use crate::db::schema::{drafts, invitations, opinions, sections};
use crate::db::{Conn, Stamp};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::{ConsultationId, InvitationId, SectionId};
use crate::domain::source::Channel;
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::exports::reorder::{Reorder, Spill, codec};
use crate::exports::{Audience, AuthorKind, ExportHead, Grouping, OpinionRecord, Summary};
use crate::models::invitation::Invitation;
use crate::models::{Consultation, Draft};

/// The counts above the table, the draft's title the table's title is made from, and the
/// departments that sent no opinion.
pub fn head(conn: &mut Conn, consultation: &Consultation) -> QueryResult<ExportHead> {
    head_for(conn, consultation, None)
}

/// [`head`] for one round's opinions and invitations (`None`: every round).
pub fn head_for(conn: &mut Conn, consultation: &Consultation, round: Option<i32>) -> QueryResult<ExportHead> {
    let counts = match round {
        None => crate::models::decision_count::for_consultation(conn, consultation.id)?,
        Some(n) => crate::models::round::decision_counts(conn, consultation.id, n)?,
    };
    let mut summary = Summary::default();
    for (decision, n) in counts {
        for _ in 0..n {
            summary.add(decision);
        }
    }
    let document_title = match Draft::current_for(conn, consultation.id)? {
        Some(draft) => draft.title,
        None => consultation.title.clone(),
    };
    let quiet = Invitation::quiet_departments_in(conn, consultation.id, round)?;
    let departments = !quiet.is_empty() || consulted_departments(conn, consultation.id)?;
    Ok(ExportHead { document_title, issuer: consultation.issuer.clone(), summary, quiet, departments })
}

/// Whether departments were invited or sent opinions (offline letters included).
fn consulted_departments(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<bool> {
    let invited: i64 =
        invitations::table.filter(invitations::consultation_id.eq(consultation)).count().get_result(conn)?;
    if invited > 0 {
        return Ok(true);
    }
    let wrote: i64 = opinions::table
        .filter(opinions::consultation_id.eq(consultation))
        .filter(opinions::source.eq(crate::domain::source::Source::Department.code()))
        .count()
        .get_result(conn)?;
    Ok(wrote > 0)
}

/// "二、实施创新发展行动 › 1.深化供给侧结构性改革" for every section of every version of
/// the consultation's draft (opinions may refer to an earlier version).
pub fn section_paths(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<HashMap<SectionId, String>> {
    let rows: Vec<crate::models::Section> = sections::table
        .inner_join(drafts::table)
        .filter(drafts::consultation_id.eq(consultation))
        .order((sections::draft_id.asc(), sections::position.asc()))
        .select(crate::models::Section::as_select())
        .load(conn)?;
    let mut paths: HashMap<SectionId, String> = HashMap::with_capacity(rows.len());
    for s in &rows {
        let own = s.title();
        let path = match s.parent_id.and_then(|p| paths.get(&p)) {
            Some(parent) => format!("{parent} › {own}"),
            None => own,
        };
        paths.insert(s.id, path);
    }
    Ok(paths)
}

/// 「已在第2版（修订稿）第五条体现」 for each section the consultation's decisions name.
fn taken_up_sentences(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<HashMap<SectionId, String>> {
    Ok(crate::models::taken_up::SectionPlace::of_consultation(conn, consultation)?
        .into_iter()
        .map(|(id, place)| (id, place.sentence()))
        .collect())
}

/// The columns an export reads of an opinion.
type Row = (
    i32,
    Option<InvitationId>,
    Option<i32>,
    Option<SectionId>,
    Channel,
    String,
    Option<String>,
    String,
    Stamp,
    Option<AdoptionStatus>,
    Option<String>,
    Option<SectionId>,
);

/// The size in bytes above which the rows being put in order go to temporary files
/// ([`crate::exports::reorder`]): up to this much of them is held in memory at a time.
const IN_MEMORY_BYTES: u64 = 16 * 1024 * 1024;

/// Most opinions [`records`] fetches by id for the first rows of the table (SQLite binds each
/// id as a parameter, up to 32,766 in a statement).
const MAX_FETCHED_BY_ID: usize = 10_000;

/// The consultation's opinions (of one round, if given; only those with the ids `$only`, if
/// given), on the backend `$db`, selecting `$columns`.
macro_rules! opinions_of {
    ($db:ty, $consultation:expr, $round:expr, $only:expr, $columns:expr) => {{
        let mut query = opinions::table
            .left_join(invitations::table)
            .filter(opinions::consultation_id.eq($consultation))
            .select($columns)
            .into_boxed::<$db>();
        if let Some(round) = $round {
            query = query.filter(opinions::round_no.eq(round));
        }
        if let Some(ids) = $only {
            query = query.filter(opinions::id.eq_any(ids));
        }
        query
    }};
}

/// The consultation's opinions as `$columns` read into `$row`s, one at a time, in the order
/// they are stored. PostgreSQL is read row by row, where its default mode would hold the
/// whole result in memory first (a million opinions: ~450 MB in the service).
macro_rules! stream_opinions {
    ($conn:expr, $consultation:expr, $round:expr, $only:expr, $columns:expr, $row:ty) => {{
        let rows: Box<dyn Iterator<Item = QueryResult<$row>> + '_> = match $conn {
            Conn::Sqlite(c) => Box::new(
                opinions_of!(diesel::sqlite::Sqlite, $consultation, $round, $only, $columns)
                    .load_iter::<$row, diesel::connection::DefaultLoadingMode>(c)?,
            ),
            Conn::Postgres(c) => Box::new(
                opinions_of!(diesel::pg::Pg, $consultation, $round, $only, $columns)
                    .load_iter::<$row, diesel::pg::PgRowByRowLoadingMode>(c)?,
            ),
        };
        rows
    }};
}

/// What placing an opinion in the table takes: id, invitation and its position,
/// department, contact, name, time, point number, and the size in bytes of its texts.
type Placing = (i32, Option<InvitationId>, Option<i32>, Option<i32>, Option<String>, String, Stamp, Option<i32>, i32);

/// Where an opinion goes, as the drafter orders the table: invited departments first, in
/// invitation order, then the rest; with [`Grouping::PerAuthor`] by when the author first
/// wrote (their first time, then their first id, keeps two authors apart), else by point
/// number and time; the id last. An absent invitation position or point number comes first.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    not_invited: bool,
    position: Option<i32>,
    author_first: Option<(NaiveDateTime, i32)>,
    seq: Option<i32>,
    received_at: NaiveDateTime,
    id: i32,
}

/// Who wrote an opinion, as two 64-bit hashes: a department, or a person known by contact (else
/// name), the same key as [`OpinionRecord::author_key`], hashed with two keys drawn for
/// this export, so that a million contacts need not be held as text. Two authors whose
/// hashes agree (a chance of about one in 10^26 at a million) would only be placed by the
/// same first opinion; their rows stay apart.
struct AuthorHash(std::hash::RandomState, std::hash::RandomState);

impl AuthorHash {
    fn of(&self, department: Option<i32>, contact: Option<&str>, name: &str) -> (u64, u64) {
        use std::hash::BuildHasher;
        let key = |state: &std::hash::RandomState| match (department, contact) {
            (Some(d), _) => state.hash_one(("department", d)),
            (None, Some(c)) => state.hash_one(("person", c)),
            (None, None) => state.hash_one(("person", name)),
        };
        (key(&self.0), key(&self.1))
    }
}

/// Every opinion's id, size in bytes and row (its author's number per author, else its own),
/// in the table's order; read without the texts.
/// (Finding each author's first opinion here costs half of what the database's window
/// function did, which sorts every row by author first.)
fn table_order(
    conn: &mut Conn,
    consultation: ConsultationId,
    round: Option<i32>,
    grouping: Grouping,
) -> QueryResult<Vec<(i32, u64, u32)>> {
    // Counted first, so that the list is made once at its size (growing it by doubling
    // would hold it twice over for a moment: at a million opinions, ~100 MB more).
    let mut count = opinions::table.filter(opinions::consultation_id.eq(consultation)).into_boxed();
    if let Some(round) = round {
        count = count.filter(opinions::round_no.eq(round));
    }
    let expected: i64 = count.count().get_result(conn)?;
    let columns = (
        opinions::id,
        opinions::invitation_id,
        invitations::position.nullable(),
        opinions::department_id,
        opinions::contact,
        opinions::author_name,
        opinions::received_at,
        opinions::seq,
        sql::<Integer>("OCTET_LENGTH(opinions.body) + COALESCE(OCTET_LENGTH(opinions.decision_reason), 0)"),
    );
    let placings = stream_opinions!(conn, consultation, round, None::<&[i32]>, columns, Placing);
    let per_author = grouping == Grouping::PerAuthor;
    let hash = AuthorHash(Default::default(), Default::default());
    // Each author's first time and first id, by an index into `firsts`.
    let mut authors: HashMap<(u64, u64), u32> = HashMap::new();
    let mut firsts: Vec<(NaiveDateTime, i32)> = Vec::new();
    let mut places: Vec<(Place, u32, u64)> = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    for placing in placings {
        let (id, invitation, position, department, contact, author, Stamp(received_at), seq, bytes) = placing?;
        let group = if per_author {
            let next = u32::try_from(firsts.len()).unwrap_or(u32::MAX);
            let group = *authors.entry(hash.of(department, contact.as_deref(), &author)).or_insert(next);
            match firsts.get_mut(group as usize) {
                Some(first) => *first = (first.0.min(received_at), first.1.min(id)),
                None => firsts.push((received_at, id)),
            }
            group
        } else {
            u32::try_from(places.len()).unwrap_or(u32::MAX)
        };
        let place = Place { not_invited: invitation.is_none(), position, author_first: None, seq, received_at, id };
        // Names, contact and the rest fit in the 256.
        places.push((place, group, 256 + u64::try_from(bytes).unwrap_or(0)));
    }
    drop(authors);
    if per_author {
        for (place, group, _) in &mut places {
            place.author_first = firsts.get(*group as usize).copied();
        }
    }
    places.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(places.into_iter().map(|(place, group, size)| (place.id, size, group)).collect())
}

impl Spill for Row {
    fn put(&self, out: &mut Vec<u8>) {
        let (id, invitation, department, section, channel, author, contact, body, received_at, decision, reason, place) =
            self;
        codec::put_i32(out, *id);
        codec::put_opt_i32(out, invitation.map(|i| i.0));
        codec::put_opt_i32(out, *department);
        codec::put_opt_i32(out, section.map(|s| s.0));
        codec::put_str(out, channel.code());
        codec::put_str(out, author);
        codec::put_opt_str(out, contact.as_deref());
        codec::put_str(out, body);
        let at = received_at.0.and_utc();
        codec::put_i64(out, at.timestamp());
        codec::put_i32(out, i32::try_from(at.timestamp_subsec_nanos()).unwrap_or_default());
        codec::put_opt_str(out, decision.map(AdoptionStatus::code));
        codec::put_opt_str(out, reason.as_deref());
        codec::put_opt_i32(out, place.map(|s| s.0));
    }

    fn take(input: &mut &[u8]) -> Option<Row> {
        let id = codec::take_i32(input)?;
        let invitation = codec::take_opt_i32(input)?.map(InvitationId);
        let department = codec::take_opt_i32(input)?;
        let section = codec::take_opt_i32(input)?.map(SectionId);
        let channel = Channel::from_code(&codec::take_string(input)?)?;
        let author = codec::take_string(input)?;
        let contact = codec::take_opt_string(input)?;
        let body = codec::take_string(input)?;
        let (secs, nanos) = (codec::take_i64(input)?, codec::take_i32(input)?);
        let received_at = Stamp(chrono::DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?)?.naive_utc());
        let decision = match codec::take_opt_string(input)? {
            Some(code) => Some(AdoptionStatus::from_code(&code)?),
            None => None,
        };
        let reason = codec::take_opt_string(input)?;
        let place = codec::take_opt_i32(input)?.map(SectionId);
        Some((
            id,
            invitation,
            department,
            section,
            channel,
            author,
            contact,
            body,
            received_at,
            decision,
            reason,
            place,
        ))
    }
}

/// Every opinion of the consultation as an export record, in the drafter's order:
/// departments in invitation order and by point number, then the other opinions by
/// time; with [`Grouping::PerAuthor`] each author's opinions come together, where the
/// author's first opinion stands (so that one author is one row, however their opinions
/// interleave with others'). For [`Audience::Public`] contacts only tell persons apart and go no further.
/// A decision that names where a later version took the opinion up says so after its reason
/// (「已在第2版（修订稿）第五条体现」). With `first_rows` (a page showing the start of the
/// table), the order is still worked out for all, but only the first rows' opinions are
/// fetched, by id.
///
/// The order is worked out from a narrow first read; then the rows are read once in the
/// order they are stored and put in the table's order in bounded memory
/// ([`crate::exports::reorder`]): past [`IN_MEMORY_BYTES`], through temporary files.
/// An opinion stored between the two reads is left out; one changed shows its change.
pub fn records(
    conn: &mut Conn,
    consultation: ConsultationId,
    round: Option<i32>,
    audience: Audience,
    grouping: Grouping,
    first_rows: Option<usize>,
) -> Result<impl Iterator<Item = Result<OpinionRecord, AppError>> + use<>, AppError> {
    let paths = section_paths(conn, consultation)?;
    let taken_up = taken_up_sentences(conn, consultation)?;
    let mut order = table_order(conn, consultation, round, grouping)?;
    let mut only = None;
    if let Some(rows) = first_rows {
        order.truncate(end_of_rows(order.iter().map(|&(.., row)| row), rows));
        // A page's worth is fetched by id; past that (an author with thousands of
        // opinions) one read of all is cheaper than a statement with that many ids.
        if order.len() <= MAX_FETCHED_BY_ID {
            only = Some(order.iter().map(|&(id, ..)| id).collect::<Vec<i32>>());
        }
    }
    let mut reorder: Reorder<Row> = Reorder::new(order.iter().map(|&(_, size, _)| size), IN_MEMORY_BYTES);
    let mut position_of: Vec<(i32, u32)> =
        order.iter().enumerate().map(|(pos, &(id, ..))| (id, u32::try_from(pos).unwrap_or(u32::MAX))).collect();
    drop(order);
    position_of.sort_unstable();
    let columns = (
        opinions::id,
        opinions::invitation_id,
        opinions::department_id,
        opinions::section_id,
        opinions::channel,
        opinions::author_name,
        opinions::contact,
        opinions::body,
        opinions::received_at,
        opinions::decision,
        opinions::decision_reason,
        opinions::taken_up_section_id,
    );
    let rows = stream_opinions!(conn, consultation, round, only.as_deref(), columns, Row);
    let spill =
        |err: std::io::Error| AppError::internal(anyhow::Error::new(err).context("putting the opinions in order"));
    for row in rows {
        let row = row?;
        if let Ok(found) = position_of.binary_search_by_key(&row.0, |&(id, _)| id) {
            reorder.push(position_of[found].1, row).map_err(spill)?;
        }
    }
    Ok(reorder.finish().map(move |row| row.map(|row| record(row, audience, &paths, &taken_up)).map_err(spill)))
}

/// How many of the opinions, whose rows (in order) are `rows`, the first `wanted` rows
/// hold: an author's opinions are adjacent, and a row is never cut.
fn end_of_rows(rows: impl Iterator<Item = u32>, wanted: usize) -> usize {
    let mut seen = 0;
    let mut last = None;
    for (i, row) in rows.enumerate() {
        if last != Some(row) {
            if seen == wanted {
                return i;
            }
            seen += 1;
            last = Some(row);
        }
    }
    usize::MAX
}

fn record(
    row: Row,
    audience: Audience,
    paths: &HashMap<SectionId, String>,
    taken_up: &HashMap<SectionId, String>,
) -> OpinionRecord {
    let (id, invitation, department, section, channel, author, contact, body, received_at, decision, reason, place) =
        row;
    let reason = match (reason.filter(|r| !r.trim().is_empty()), place.and_then(|p| taken_up.get(&p))) {
        (Some(reason), Some(place)) => Some(format!("{reason}（{place}）")),
        (None, Some(place)) => Some(place.clone()),
        (reason, None) => reason,
    };
    let author_key = match (department, &contact) {
        (Some(d), _) => format!("department:{d}"),
        (None, Some(c)) => format!("person:{c}"),
        (None, None) => format!("person:{author}"),
    };
    OpinionRecord {
        id: i64::from(id),
        author_kind: if department.is_some() { AuthorKind::Department } else { AuthorKind::Person },
        author,
        author_key,
        invited: invitation.is_some(),
        contact: contact.filter(|_| audience == Audience::Staff),
        channel: channel.label().to_owned(),
        section: section.and_then(|s| paths.get(&s).cloned()),
        body,
        received_at: format_china(received_at.0),
        decision,
        reason,
    }
}

/// Writes a consultation's adoption table in `format` to `out`; `started` learns the
/// number of opinions, `progress` is called after each one is read.
#[allow(clippy::too_many_arguments)]
pub fn export(
    conn: &mut Conn,
    consultation: &Consultation,
    layout: &crate::exports::Layout,
    opts: &crate::exports::ExportOptions,
    format: crate::exports::Format,
    out: &mut (dyn std::io::Write + Send),
    started: impl FnOnce(usize),
    mut progress: impl FnMut(),
) -> Result<(), crate::error::AppError> {
    let round = opts.round.as_ref().map(|r| r.number);
    let head = head_for(conn, consultation, round)?;
    started(head.summary.total);
    let mut failure = None;
    let grouping = crate::exports::rows::grouping(layout, opts);
    let records = records(conn, consultation.id, round, opts.audience, grouping, None)?.map_while(|r| match r {
        Ok(record) => {
            progress();
            Some(record)
        }
        Err(err) => {
            failure = Some(err);
            None
        }
    });
    crate::exports::write_stream(&head, records, layout, opts, format, out)
        .map_err(crate::error::AppError::internal)?;
    match failure {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// The first `limit` rows of the table for a web page, with its frame; `true` when
/// there are more rows than shown.
pub fn page_rows(
    conn: &mut Conn,
    consultation: &Consultation,
    layout: &crate::exports::Layout,
    opts: &crate::exports::ExportOptions,
    limit: usize,
) -> Result<(crate::exports::Sheet, Vec<Vec<String>>, bool), crate::error::AppError> {
    let round = opts.round.as_ref().map(|r| r.number);
    let head = head_for(conn, consultation, round)?;
    let sheet = crate::exports::Sheet::new(&head, layout, opts);
    let mut failure = None;
    let grouping = crate::exports::rows::grouping(layout, opts);
    let records =
        records(conn, consultation.id, round, opts.audience, grouping, Some(limit + 1))?.map_while(|r| match r {
            Ok(record) => Some(record),
            Err(err) => {
                failure = Some(err);
                None
            }
        });
    let mut rows: Vec<Vec<String>> =
        crate::exports::rows::stream_rows(records, &head.quiet, layout, opts).take(limit + 1).collect();
    if let Some(err) = failure {
        return Err(err);
    }
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok((sheet, rows, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_rows_end_after_the_last_opinion_of_the_last_row() {
        let rows = [7, 7, 3, 9, 9, 9, 1];
        let end = |wanted| end_of_rows(rows.iter().copied(), wanted).min(rows.len());
        assert_eq!(end(0), 0);
        assert_eq!(end(1), 2);
        assert_eq!(end(2), 3);
        assert_eq!(end(3), 6);
        assert_eq!(end(4), 7);
        assert_eq!(end(10), 7);
        assert_eq!(end_of_rows(std::iter::empty(), 3), usize::MAX);
    }
}
