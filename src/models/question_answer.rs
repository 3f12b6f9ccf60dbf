//! Opinions sent with the text question instead of the image (question_answers), and the
//! review page's warning when a consultation, or one address, has an unusual share of them:
//! the question is cheaper to answer by program than the image, so a crowd of them is a sign
//! of a script. Addresses are stored only as the keyed hash of the rate limits.

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::{opinions, question_answers};
use crate::domain::ids::ConsultationId;
use crate::rate_limit::ClientKey;

/// The window looked at.
pub const WINDOW_HOURS: i64 = 24;
/// Fewer question answers than this are never unusual (a few people with screen readers).
pub const MIN_ANSWERS: i64 = 10;
/// A share of the consultation's opinions above this percentage is unusual.
pub const SHARE_PERCENT: i64 = 20;

/// Records that an opinion was sent with a right answer to a text question, with the
/// opinion's transaction: in a batch commit, with the batch's other records in one
/// statement just before the COMMIT.
pub fn record(conn: &mut Conn, consultation: ConsultationId, client: &ClientKey, at: NaiveDateTime) -> QueryResult<()> {
    let row = (consultation.0, client.as_str().to_owned(), at);
    crate::db::write_at_commit(conn, move |answers: &mut Answers| answers.0.push(row), write_answers)
}

/// The records of one batch.
#[derive(Default)]
struct Answers(Vec<(i32, String, NaiveDateTime)>);

fn write_answers(conn: &mut Conn, scratch: &mut crate::db::Scratch) -> QueryResult<Vec<crate::db::Prepared<'static>>> {
    let answers = std::mem::take(scratch.get::<Answers>()).0;
    if let Conn::Postgres(_) = conn {
        // One statement text for any number of rows, kept prepared.
        use diesel::sql_types::{Array, Integer, Text, Timestamp};
        let (consultations, rest): (Vec<i32>, Vec<(String, NaiveDateTime)>) =
            answers.into_iter().map(|(consultation, client, at)| (consultation, (client, at))).unzip();
        let (clients, times): (Vec<String>, Vec<NaiveDateTime>) = rest.into_iter().unzip();
        let statement = crate::db::prepared(
            "INSERT INTO question_answers (consultation_id, client_hash, answered_at) \
             SELECT * FROM unnest($1::integer[], $2::text[], $3::timestamp[])",
        )
        .bind::<Array<Integer>, _>(consultations)
        .bind::<Array<Text>, _>(clients)
        .bind::<Array<Timestamp>, _>(times);
        return Ok(vec![statement]);
    }
    for chunk in answers.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(consultation, client, at)| {
                (
                    question_answers::consultation_id.eq(*consultation),
                    question_answers::client_hash.eq(client.as_str()),
                    question_answers::answered_at.eq(*at),
                )
            })
            .collect();
        crate::insert_batch!(conn, question_answers::table, &rows)?;
    }
    Ok(Vec::new())
}

/// Removes records older than the window looked at; returns how many.
pub fn purge_old(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<usize> {
    let before = now - Duration::hours(WINDOW_HOURS * 2);
    diesel::delete(question_answers::table.filter(question_answers::answered_at.lt(before))).execute(conn)
}

/// A consultation's opinions of the last 24 hours, and how many came by text question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionShare {
    /// The consultation's opinions of the window, counted only as far as the warning needs:
    /// not at all when fewer than [`MIN_ANSWERS`] came by question (then 0), and otherwise up
    /// to the number at which no share of `by_question` is unusual any more.
    pub opinions: i64,
    pub by_question: i64,
    /// The most that came by question from one address.
    pub from_one_address: i64,
}

impl QuestionShare {
    /// Reads the share. The question answers of the window are few and indexed; the opinions
    /// are counted newest first and only as far as the warning needs, so that a consultation
    /// of a million opinions does not cost the review page a walk through all of them (which
    /// only a share that is unusual, or nearly, still takes).
    pub fn load(conn: &mut Conn, consultation: ConsultationId, now: NaiveDateTime) -> QueryResult<QuestionShare> {
        let since = now - Duration::hours(WINDOW_HOURS);
        let answers = question_answers::table
            .filter(question_answers::consultation_id.eq(consultation.0))
            .filter(question_answers::answered_at.ge(since));
        let by_question = answers.count().get_result(conn)?;
        if by_question < MIN_ANSWERS {
            return Ok(QuestionShare { opinions: 0, by_question, from_one_address: 0 });
        }
        let from_one_address = answers
            .group_by(question_answers::client_hash)
            .select(count_star())
            .order(count_star().desc())
            .first::<i64>(conn)
            .optional()?
            .unwrap_or(0);
        // With this many opinions, `by_question` (and so any one address's part) is not unusual.
        let enough = by_question * 100 / SHARE_PERCENT + 1;
        let opinions = opinions::table
            .filter(opinions::consultation_id.eq(consultation.0))
            .filter(opinions::received_at.ge(since))
            .order(opinions::id.desc())
            .select(opinions::id)
            .limit(enough)
            .load::<i32>(conn)?
            .len() as i64;
        Ok(QuestionShare { opinions, by_question, from_one_address })
    }

    fn unusual(count: i64, opinions: i64) -> bool {
        count >= MIN_ANSWERS && count * 100 > opinions * SHARE_PERCENT
    }

    /// The warning for the review page, when the share is unusual: at least 10 opinions by
    /// question in 24 hours making more than 20% of the consultation's opinions, for the
    /// consultation as a whole or for one address alone.
    pub fn warning(&self) -> Option<String> {
        if !QuestionShare::unusual(self.by_question, self.opinions) {
            return None;
        }
        let percent = self.by_question * 100 / self.opinions.max(1);
        let mut text = format!(
            "提醒：近 24 小时收到的 {} 条意见中，有 {} 条（{percent}%）是用文字验证问题代替图片验证码提交的，\
             比例异常（通常不超过 {SHARE_PERCENT}%），可能有程序在批量提交",
            self.opinions, self.by_question
        );
        if QuestionShare::unusual(self.from_one_address, self.opinions) {
            text.push_str(&format!("；其中 {} 条来自同一网络地址", self.from_one_address));
        }
        text.push_str("。请留意核对这些意见。");
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(opinions: i64, by_question: i64, from_one_address: i64) -> QuestionShare {
        QuestionShare { opinions, by_question, from_one_address }
    }

    #[test]
    fn a_few_questions_or_a_small_share_are_not_unusual() {
        assert_eq!(share(20, 9, 9).warning(), None, "fewer than ten");
        assert_eq!(share(50, 10, 10).warning(), None, "exactly 20%");
        assert_eq!(share(0, 0, 0).warning(), None);
    }

    #[test]
    fn a_large_share_is_flagged_and_one_address_is_named_as_such() {
        let crowd = share(40, 12, 2).warning().unwrap();
        assert!(crowd.contains("40 条意见中，有 12 条（30%）"), "{crowd}");
        assert!(!crowd.contains("同一网络地址"), "{crowd}");
        let one = share(40, 12, 11).warning().unwrap();
        assert!(one.contains("其中 11 条来自同一网络地址"), "{one}");
    }
}
