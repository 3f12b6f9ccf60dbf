//! The adoption table's data (意见采纳情况), read from the database for the exports:
//! counts first, then the opinions as a stream in the drafter's order.

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Timestamp};

use crate::db::Conn;
use crate::db::schema::{drafts, invitations, opinions, sections};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::{ConsultationId, InvitationId, SectionId};
use crate::domain::source::Channel;
use crate::domain::window::format_china;
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
pub fn taken_up_sentences(conn: &mut Conn, consultation: ConsultationId) -> QueryResult<HashMap<SectionId, String>> {
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
    chrono::NaiveDateTime,
    Option<AdoptionStatus>,
    Option<String>,
    Option<SectionId>,
);

/// Who wrote an opinion, as SQL: a department, or a person known by contact (else name).
/// The same key as [`OpinionRecord::author_key`].
const AUTHOR_KEY_SQL: &str = "CASE WHEN opinions.department_id IS NOT NULL \
     THEN 'd' || CAST(opinions.department_id AS TEXT) \
     ELSE 'p' || COALESCE(opinions.contact, opinions.author_name) END";

/// The query of [`records`] on the backend `$db`.
macro_rules! records_query {
    ($db:ty, $consultation:expr, $round:expr, $grouping:expr) => {{
        let mut query = opinions::table
            .left_join(invitations::table)
            .filter(opinions::consultation_id.eq($consultation))
            .select((
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
            ))
            .into_boxed::<$db>();
        if let Some(round) = $round {
            query = query.filter(opinions::round_no.eq(round));
        }
        let invited_first = (opinions::invitation_id.is_null().asc(), invitations::position.nullable().asc());
        match $grouping {
            Grouping::PerOpinion => {
                query.order(invited_first).then_order_by((opinions::seq.asc(), opinions::received_at.asc()))
            }
            Grouping::PerAuthor => {
                // An author's first opinion places all of them; its id keeps two authors who
                // wrote at the same moment apart.
                let first_at = format!("MIN(opinions.received_at) OVER (PARTITION BY {AUTHOR_KEY_SQL})");
                let first_id = format!("MIN(opinions.id) OVER (PARTITION BY {AUTHOR_KEY_SQL})");
                query.order(invited_first).then_order_by((
                    sql::<Timestamp>(&first_at).asc(),
                    sql::<Integer>(&first_id).asc(),
                    opinions::seq.asc(),
                    opinions::received_at.asc(),
                ))
            }
        }
        .then_order_by(opinions::id.asc())
    }};
}

/// Every opinion of the consultation as an export record, streamed from the database:
/// departments in invitation order and by point number, then the other opinions by
/// time; with [`Grouping::PerAuthor`] each author's opinions come together, where the
/// author's first opinion stands (so that one author is one row, however their opinions
/// interleave with others'). For [`Audience::Public`] contacts only tell persons apart and go no further.
/// A decision that names where a later version took the opinion up says so after its reason
/// (`taken_up`: 「已在第2版（修订稿）第五条体现」 by section).
pub fn records<'a>(
    conn: &'a mut Conn,
    consultation: ConsultationId,
    round: Option<i32>,
    audience: Audience,
    grouping: Grouping,
    paths: &'a HashMap<SectionId, String>,
    taken_up: &'a HashMap<SectionId, String>,
) -> QueryResult<impl Iterator<Item = QueryResult<OpinionRecord>> + 'a> {
    // The same query on either database, built for its own backend: PostgreSQL is read row by
    // row, where its default mode would hold the whole result in memory before the first row
    // is written out (a million opinions: ~450 MB in the service).
    let rows: Box<dyn Iterator<Item = QueryResult<Row>> + 'a> = match conn {
        Conn::Sqlite(c) => Box::new(
            records_query!(diesel::sqlite::Sqlite, consultation, round, grouping)
                .load_iter::<Row, diesel::connection::DefaultLoadingMode>(c)?,
        ),
        Conn::Postgres(c) => Box::new(
            records_query!(diesel::pg::Pg, consultation, round, grouping)
                .load_iter::<Row, diesel::pg::PgRowByRowLoadingMode>(c)?,
        ),
    };
    Ok(rows.map(move |row| row.map(|row| record(row, audience, paths, taken_up))))
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
        received_at: format_china(received_at),
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
    let paths = section_paths(conn, consultation.id)?;
    let taken_up = taken_up_sentences(conn, consultation.id)?;
    let mut failure = None;
    let grouping = crate::exports::rows::grouping(layout, opts);
    let records =
        records(conn, consultation.id, round, opts.audience, grouping, &paths, &taken_up)?.map_while(|r| match r {
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
        Some(err) => Err(err.into()),
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
    let paths = section_paths(conn, consultation.id)?;
    let taken_up = taken_up_sentences(conn, consultation.id)?;
    let mut failure = None;
    let grouping = crate::exports::rows::grouping(layout, opts);
    let records =
        records(conn, consultation.id, round, opts.audience, grouping, &paths, &taken_up)?.map_while(|r| match r {
            Ok(record) => Some(record),
            Err(err) => {
                failure = Some(err);
                None
            }
        });
    let mut rows: Vec<Vec<String>> =
        crate::exports::rows::stream_rows(records, &head.quiet, layout, opts).take(limit + 1).collect();
    if let Some(err) = failure {
        return Err(err.into());
    }
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok((sheet, rows, more))
}
