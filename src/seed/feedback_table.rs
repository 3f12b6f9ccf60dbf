//! The department feedback table at the end of a seed page (序号 | 单位 | 主要意见 |
//! 意见采纳情况 | 未采纳原因), loaded as invitations, replies and decisions.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::Conn;
use crate::db::schema::{consultations, invitations};
use crate::domain::adoption::AdoptionStatus;
use crate::domain::decision::Actor;
use crate::domain::decision::Decision;
use crate::domain::ids::{ConsultationId, InvitationId};
use crate::domain::source::{Channel, Source};
use crate::domain::window::china_midnight_utc;
use crate::drafts::refs::{SectionRef, resolve};
use crate::error::AppError;
use crate::models::department::{Department, DepartmentForm};
use crate::models::feedback::FeedbackCounts;
use crate::models::opinion::NewOpinion;
use crate::models::{Consultation, Draft, Section};
use crate::services::decisions::decide;
use crate::text::normalise::fingerprint;

/// The manifest's description of a feedback table.
#[derive(Debug, Deserialize)]
pub struct FeedbackTable {
    /// The table's title line; the table follows it.
    pub title: String,
    pub invited_on: NaiveDate,
    /// The day the feedback was published (China time): the consultation is loaded as
    /// finished (已反馈), its table published with the text the feedback form offers.
    pub published_on: NaiveDate,
    /// Department → the (1-based) point its row's decision belongs to, when a row holds several.
    #[serde(default)]
    pub decision_points: HashMap<String, usize>,
}

/// One row of the table as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub department: String,
    pub opinion: String,
    pub adoption: Option<String>,
    pub reason: Option<String>,
}

const HEADERS: [&str; 5] = ["序号", "单位", "主要意见", "意见采纳情况", "未采纳原因"];
/// The page's comment form starts here; the table has ended.
const TABLE_END: &str = "发表意见";

/// Reads the table that follows `title` in a scraped page: cells one per line, rows
/// introduced by their number, empty cells as blank lines.
pub fn parse_table(raw: &str, title: &str) -> Vec<TableRow> {
    let cells: Vec<&str> = raw
        .lines()
        .skip_while(|l| l.trim() != title.trim())
        .skip(1)
        .map(|l| l.trim_matches(|c: char| c.is_whitespace()))
        .take_while(|l| *l != TABLE_END)
        .filter(|l| !l.is_empty() && !HEADERS.contains(l))
        .collect();
    let mut rows: Vec<Vec<&str>> = Vec::new();
    for cell in cells {
        if cell == (rows.len() + 1).to_string() {
            rows.push(Vec::new());
        } else if let Some(row) = rows.last_mut() {
            row.push(cell);
        }
    }
    rows.into_iter()
        .filter(|cells| cells.len() >= 2)
        .map(|cells| TableRow {
            department: cells[0].to_owned(),
            opinion: cells[1].to_owned(),
            adoption: cells.get(2).map(|s| (*s).to_owned()),
            reason: cells.get(3).map(|s| (*s).to_owned()),
        })
        .collect()
}

/// The points of one department's opinion, split at semicolons outside quotation marks.
pub fn split_points(text: &str) -> Vec<String> {
    let mut points = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '“' => depth += 1,
            '”' => depth = (depth - 1).max(0),
            ';' | '；' if depth == 0 => {
                points.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    points.push(current);
    points.into_iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
}

/// Loads the table found in `raw` as invited departments with their replies, in the
/// caller's transaction. Invitations are dated with `invited_on`, replies with the deadline.
pub fn load(
    conn: &mut Conn,
    table: &FeedbackTable,
    raw: &str,
    consultation_id: ConsultationId,
    sections: &[Section],
    deadline: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let rows = parse_table(raw, &table.title);
    let refs: Vec<SectionRef<'_>> = sections
        .iter()
        .map(|s| SectionRef { anchor: &s.anchor, number: &s.number, heading: &s.heading, text: &s.body })
        .collect();
    let invited_at = china_midnight_utc(table.invited_on);
    let replied_at = china_midnight_utc(deadline);
    for (position, row) in rows.iter().enumerate() {
        let department = match Department::find_by_name(conn, &row.department)? {
            Some(d) => d,
            None => {
                let form =
                    DepartmentForm { name: &row.department, emails: "", contact_person: "", phone: "", active: true };
                let id = Department::create(conn, &form, now)?;
                Department::find(conn, id)?
            }
        };
        let invitation: InvitationId = crate::insert_returning!(
            conn,
            invitations::table,
            (
                invitations::consultation_id.eq(consultation_id),
                invitations::department_id.eq(department.id),
                invitations::position.eq(position as i32),
                invitations::deadline.eq(deadline),
                invitations::invited_at.eq(invited_at),
                invitations::responded_at.eq(replied_at),
                invitations::updated_at.eq(now),
                invitations::reply.eq(crate::models::invitation::Reply::Opinions),
            ),
            invitations::id
        )?;
        let points = split_points(&row.opinion);
        let decision = row.adoption.as_deref().and_then(|a| a.parse::<AdoptionStatus>().ok());
        let decided_point = table.decision_points.get(&row.department).copied().unwrap_or(1);
        let mut previous: Option<String> = None;
        for (index, point) in points.iter().enumerate() {
            let anchor = resolve(point, &refs, previous.as_deref());
            let section_id = anchor.as_deref().and_then(|a| sections.iter().find(|s| s.anchor == a)).map(|s| s.id);
            previous = anchor;
            let id = NewOpinion {
                consultation_id,
                section_id,
                source: Source::Department,
                channel: Channel::DepartmentLink,
                author_name: (&department.name).into(),
                contact: None,
                contact_kind: None,
                body: point.into(),
                original_text: None,
                proposed_text: None,
                receipt_code: None,
                client_hash: None,
                dedupe_key: None,
                fingerprint: fingerprint(point).into(),
                flagged: false,
                flag_reason: None,
                received_at: replied_at,
                created_at: now,
                department_id: Some(department.id),
                invitation_id: Some(invitation),
                seq: Some(index as i32 + 1),
                attachment_id: None,
                round_no: 1,
            }
            .insert_counted(conn)?;
            if let Some(status) = decision.filter(|_| index + 1 == decided_point) {
                let decision = Decision { status, reason: row.reason.clone() };
                let actor = Actor { id: None, name: "演示数据（据原部门反馈情况表录入）".to_owned() };
                decide(conn, consultation_id, &[id], Some(&decision), &actor, replied_at)?;
            }
        }
    }
    publish(conn, table, consultation_id, now)
}

/// Publishes the feedback as the real page shows it: the table under its printed heading,
/// after the text a drafter is offered for these counts.
fn publish(conn: &mut Conn, table: &FeedbackTable, id: ConsultationId, now: NaiveDateTime) -> Result<(), AppError> {
    let consultation = Consultation::find(conn, id)?;
    let tally = FeedbackCounts::load(conn, id)?.tally();
    let text =
        Draft::name_for(conn, &consultation)?.feedback_text(consultation.starts_on, consultation.ends_on, &tally);
    diesel::update(consultations::table.find(id))
        .set((
            consultations::feedback_text.eq(text),
            consultations::feedback_published_at.eq(china_midnight_utc(table.published_on)),
            consultations::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TONGGUAN: &str = include_str!("../../seeds/raw/003_08dfc49d6e2fc626.txt");
    const TITLE: &str = "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况";

    #[test]
    fn the_tongguan_table_has_six_departments_and_one_decision() {
        let rows = parse_table(TONGGUAN, TITLE);
        let names: Vec<&str> = rows.iter().map(|r| r.department.as_str()).collect();
        assert_eq!(names, ["区人社局", "社区办", "区科技局", "区卫计局", "区市监局", "区商务局"]);
        assert_eq!(rows[2].adoption.as_deref(), Some("部分采纳"));
        assert!(rows[2].reason.as_deref().unwrap().starts_with("高新区虽为我区创新平台建设的重要阵地"));
        assert!(rows.iter().enumerate().all(|(i, r)| i == 2 || r.adoption.is_none()), "the others are empty");
        assert_eq!(rows[5].opinion, "第3页,建议将“进出口总额达到13343万美元”改为“20000万美元”。");
    }

    #[test]
    fn points_split_at_semicolons_outside_quotes_only() {
        let rows = parse_table(TONGGUAN, TITLE);
        let counts: Vec<usize> = rows.iter().map(|r| split_points(&r.opinion).len()).collect();
        assert_eq!(counts, [2, 2, 4, 1, 2, 1]);
        assert_eq!(split_points(&rows[0].opinion).join(";"), rows[0].opinion, "joining gives the printed text back");
    }
}
