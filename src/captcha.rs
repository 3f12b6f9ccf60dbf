//! Captcha challenges: a distorted image or, for people who cannot see it, a question in
//! Chinese text. Challenges live in the database (any instance can check them), expire,
//! and are consumed by the first attempt, right or wrong.

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::db::Conn;

pub mod painter;
pub mod questions;
use crate::db::schema::captcha_challenges;

/// Characters that are easy to misread (i/l/1, o/0) are never drawn.
const LOOK_ALIKES: &[char] = &['i', 'I', 'l', 'L', '1', '0', 'o', 'O'];
const IMAGE_LENGTH: u32 = 5;

/// How the challenge is put to the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum ChallengeKind {
    Image,
    /// A short arithmetic question in Chinese text, readable by a screen reader.
    Question,
}

crate::stored_as_text!(ChallengeKind { Image => "image", Question => "question" });

/// A freshly drawn challenge, before it is stored.
pub struct Drawn {
    pub kind: ChallengeKind,
    pub answer: String,
    /// `data:image/png;base64,…` for images.
    pub image: Option<String>,
    /// The question text for text challenges.
    pub question: Option<String>,
}

/// A stored challenge as a form shows it.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: String,
    pub kind: ChallengeKind,
    pub image: Option<String>,
    pub question: Option<String>,
}

/// Why an answer was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CaptchaFailure {
    #[error("验证码已失效，请输入新的验证码")]
    Missing,
    #[error("验证码已过期，请输入新的验证码")]
    Expired,
    #[error("验证码不正确，请重新输入")]
    Wrong,
}

/// Draws an image challenge. CPU-bound (a few milliseconds): call it off the async threads.
pub fn draw_image() -> anyhow::Result<Drawn> {
    let captcha = drawing();
    let answer = captcha.chars_as_string();
    let (width, height, grey) = captcha.as_grey();
    let png = encode_grey(width, height, &grey)?;
    Ok(image_challenge(&answer, &png))
}

/// [`draw_image`] with the crate's own PNG encoder: what the benchmark compares with.
pub fn draw_image_crate_encoded() -> anyhow::Result<Drawn> {
    let (answer, png) =
        drawing().as_tuple().ok_or_else(|| anyhow::anyhow!("the captcha image could not be encoded"))?;
    Ok(image_challenge(&answer, &png))
}

/// Five characters drawn by the captcha crate, with its noise, wave and dots.
fn drawing() -> captcha::Captcha {
    let mut captcha = captcha::Captcha::new();
    let alphabet: Vec<char> = captcha.supported_chars().into_iter().filter(|c| !LOOK_ALIKES.contains(c)).collect();
    captcha
        .set_chars(&alphabet)
        .add_chars(IMAGE_LENGTH)
        .apply_filter(captcha::filters::Noise::new(0.2))
        .apply_filter(captcha::filters::Wave::new(2.0, 12.0))
        .view(220, 100)
        .apply_filter(captcha::filters::Dots::new(8));
    captcha
}

fn image_challenge(answer: &str, png: &[u8]) -> Drawn {
    let image = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png));
    Drawn { kind: ChallengeKind::Image, answer: normalise_answer(answer), image: Some(image), question: None }
}

/// The drawn image as an 8-bit grey PNG with fast compression. The crate draws black on
/// white, so grey levels keep every pixel as drawn (the image is as hard to read as the
/// crate's own RGB PNG), in a third of the bytes to compress; its own encoder spends most
/// of a captcha's time in zlib at a high level.
fn encode_grey(width: u32, height: u32, grey: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(grey.len() / 2);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Sub);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(grey)?;
    writer.finish()?;
    Ok(out)
}

/// Draws a text challenge from the bank of question forms (see [`questions`]).
pub fn draw_question() -> Drawn {
    let question = questions::Question::draw(&mut rand::rng());
    Drawn {
        kind: ChallengeKind::Question,
        answer: question.answer().to_string(),
        image: None,
        question: Some(format!("请回答：{}（填写数字即可，如 7 或 七）", question.text())),
    }
}

/// Full-width to half-width, trimmed, lower case; a number in digits or Chinese words (up
/// to 99, with or without a unit such as 天 or 个) becomes digits.
pub fn normalise_answer(given: &str) -> String {
    let plain: String = given.nfkc().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    questions::read_number(&plain).map(|n| n.to_string()).unwrap_or(plain)
}

#[derive(Insertable)]
#[diesel(table_name = captcha_challenges)]
struct NewChallenge<'a> {
    id: &'a str,
    kind: ChallengeKind,
    answer: &'a str,
    expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Stores a drawn challenge; returns it with its new random id.
pub fn store(conn: &mut Conn, drawn: Drawn, ttl_secs: i64, now: NaiveDateTime) -> QueryResult<Challenge> {
    let id = hex::encode(rand::random::<[u8; 16]>());
    diesel::insert_into(captcha_challenges::table)
        .values(&NewChallenge {
            id: &id,
            kind: drawn.kind,
            answer: &drawn.answer,
            expires_at: now + Duration::seconds(ttl_secs),
            created_at: now,
        })
        .execute(conn)?;
    Ok(Challenge { id, kind: drawn.kind, image: drawn.image, question: drawn.question })
}

diesel::define_sql_function! {
    /// PostgreSQL only, outside any transaction (migration 2026-12-08-100001): counts the
    /// request in each bucket and stores the challenge if every count is within its limit,
    /// in one statement that commits at once without waiting for the disk.
    #[allow(clippy::too_many_arguments)]
    fn captcha_store_counted(
        id: diesel::sql_types::Text,
        kind: diesel::sql_types::Text,
        answer: diesel::sql_types::Text,
        expires_at: diesel::sql_types::Timestamp,
        created_at: diesel::sql_types::Timestamp,
        buckets: diesel::sql_types::Array<diesel::sql_types::Text>,
        bucket_expires_at: diesel::sql_types::Array<diesel::sql_types::Timestamp>,
        limits: diesel::sql_types::Array<diesel::sql_types::Integer>
    ) -> diesel::sql_types::Array<diesel::sql_types::Integer>;
}

/// Counts the request against its limits and stores the drawn challenge unless a limit is
/// used up (`Err` names it). On PostgreSQL outside a transaction: one statement, see
/// [`crate::rate_limit::count`] for why; otherwise in a transaction that does not wait for
/// the disk.
pub fn store_counted(
    conn: &mut Conn,
    drawn: Drawn,
    ttl_secs: i64,
    now: chrono::DateTime<chrono::Utc>,
    exhausted: &crate::rate_limit::Exhausted,
    counting: &crate::rate_limit::Counting,
) -> Result<Result<Challenge, crate::rate_limit::Scope>, crate::error::AppError> {
    let at = now.naive_utc();
    if crate::db::transaction_depth(conn)?.is_none()
        && let Conn::Postgres(c) = conn
    {
        let id = hex::encode(rand::random::<[u8; 16]>());
        let kind = drawn.kind.code();
        let stored = captcha_store_counted(
            &id,
            kind,
            &drawn.answer,
            at + Duration::seconds(ttl_secs),
            at,
            &counting.buckets,
            &counting.expires_at,
            counting.limits(),
        );
        let hits: Vec<i32> = diesel::select(stored).get_result(c)?;
        return Ok(match counting.over(exhausted, &hits) {
            Some(scope) => Err(scope),
            None => Ok(Challenge { id, kind: drawn.kind, image: drawn.image, question: drawn.question }),
        });
    }
    crate::db::ephemeral_tx(conn, |conn| {
        if let Err(scope) = crate::rate_limit::count(conn, exhausted, counting)? {
            return Ok(Err(scope));
        }
        Ok(Ok(store(conn, drawn, ttl_secs, at)?))
    })
}

/// A person's answer to the challenge with this id.
#[derive(Debug, Clone, Default)]
pub struct CaptchaAnswer {
    pub id: String,
    pub answer: String,
}

/// A challenge as deleted: its kind, answer and expiry.
type Deleted = (ChallengeKind, String, NaiveDateTime);

/// Checks an answer and deletes the challenge whatever the outcome, so that each
/// challenge allows exactly one attempt; a right answer says which kind it was. Run it
/// outside any transaction that might roll back, or the attempt would not count.
pub fn consume(
    conn: &mut Conn,
    given: &CaptchaAnswer,
    now: NaiveDateTime,
) -> QueryResult<Result<ChallengeKind, CaptchaFailure>> {
    let target = captcha_challenges::table.filter(captcha_challenges::id.eq(&given.id));
    let cols = (captcha_challenges::kind, captcha_challenges::answer, captcha_challenges::expires_at);
    let row: Option<Deleted> =
        crate::on_inner!(conn, c => diesel::delete(target).returning(cols).get_result(c).optional()?);
    Ok(check(row, given, now))
}

/// The challenges answered by the writes of one batch, used up in one statement.
#[derive(Default)]
pub struct Taken {
    asked: Vec<String>,
    fetched: bool,
    /// Each challenge deleted, with its kind, answer and expiry, until an attempt checks it.
    rows: std::collections::HashMap<String, Deleted>,
}

/// Asks the batch this write runs in to use up the challenge `id` with the others.
pub fn ask(asks: &mut crate::db::Asks<'_>, id: &str) {
    let id = id.to_owned();
    asks.ask(move |taken: &mut Taken| taken.asked.push(id), take_asked);
}

/// Deletes every challenge the batch asked for, in one statement.
fn take_asked(conn: &mut Conn, scratch: &mut crate::db::Scratch) -> QueryResult<()> {
    let taken = scratch.get::<Taken>();
    let mut ids = taken.asked.clone();
    ids.sort();
    ids.dedup();
    let target = captcha_challenges::table.filter(captcha_challenges::id.eq_any(&ids));
    let cols =
        (captcha_challenges::id, captcha_challenges::kind, captcha_challenges::answer, captcha_challenges::expires_at);
    let rows: Vec<(String, ChallengeKind, String, NaiveDateTime)> =
        crate::on_inner!(conn, c => diesel::delete(target).returning(cols).load(c)?);
    taken.rows = rows.into_iter().map(|(id, kind, answer, expires)| (id, (kind, answer, expires))).collect();
    taken.fetched = true;
    Ok(())
}

/// [`consume`], for a write that asked for the challenge with [`ask`]: the batch has
/// deleted it already, and the first attempt with it checks it (a replay in the same
/// batch finds it gone). Without the ask it is deleted here.
pub fn consume_asked(
    conn: &mut Conn,
    answers: &mut crate::db::Scratch,
    given: &CaptchaAnswer,
    now: NaiveDateTime,
) -> QueryResult<Result<ChallengeKind, CaptchaFailure>> {
    let taken = answers.get::<Taken>();
    if !(taken.fetched && taken.asked.contains(&given.id)) {
        return consume(conn, given, now);
    }
    Ok(check(taken.rows.remove(&given.id), given, now))
}

fn check(row: Option<Deleted>, given: &CaptchaAnswer, now: NaiveDateTime) -> Result<ChallengeKind, CaptchaFailure> {
    match row {
        None => Err(CaptchaFailure::Missing),
        Some((_, _, expires_at)) if expires_at <= now => Err(CaptchaFailure::Expired),
        Some((kind, answer, _)) if constant_time_eq(answer.as_bytes(), normalise_answer(&given.answer).as_bytes()) => {
            Ok(kind)
        }
        Some(_) => Err(CaptchaFailure::Wrong),
    }
}

/// Forgets a challenge that was replaced before being answered.
pub fn discard(conn: &mut Conn, id: &str) -> QueryResult<()> {
    diesel::delete(captcha_challenges::table.filter(captcha_challenges::id.eq(id))).execute(conn).map(|_| ())
}

/// Removes expired challenges; returns how many.
pub fn purge_expired(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(captcha_challenges::table.filter(captcha_challenges::expires_at.le(now))).execute(conn)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_challenge_never_uses_look_alike_characters() {
        for _ in 0..20 {
            let drawn = draw_image().unwrap();
            assert_eq!(drawn.answer.chars().count(), IMAGE_LENGTH as usize);
            assert!(!drawn.answer.chars().any(|c| LOOK_ALIKES.contains(&c)), "{}", drawn.answer);
            assert!(drawn.image.unwrap().starts_with("data:image/png;base64,"));
        }
    }

    #[test]
    fn the_grey_image_keeps_every_pixel_the_crate_drew() {
        let mut captcha = captcha::Captcha::new();
        captcha.add_chars(IMAGE_LENGTH).apply_filter(captcha::filters::Noise::new(0.2)).view(220, 100);
        // The crate's own PNG, decoded (its encoder picks grey or RGB by what it finds).
        let decoder = png::Decoder::new(std::io::Cursor::new(captcha.as_png().unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut rgb = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut rgb).unwrap();
        let (w, h, grey) = captcha.as_grey();
        let ours = png::Decoder::new(std::io::Cursor::new(encode_grey(w, h, &grey).unwrap()));
        let mut ours = ours.read_info().unwrap();
        let mut decoded = vec![0; ours.output_buffer_size()];
        ours.next_frame(&mut decoded).unwrap();
        assert_eq!((w, h), (220, 100));
        let channels = rgb.len() / decoded.len();
        assert!(channels == 1 || channels == 3, "{channels}");
        for (n, px) in rgb.chunks(channels).enumerate() {
            let px = if channels == 1 { [px[0]; 3] } else { [px[0], px[1], px[2]] };
            assert!(px[0] == px[1] && px[1] == px[2], "pixel {n} is not grey: {px:?}");
            assert_eq!(decoded[n], px[0], "pixel {n}");
        }
    }

    #[test]
    fn answers_are_compared_without_case_width_or_spaces() {
        assert_eq!(normalise_answer(" AbC 7 "), "abc7");
        assert_eq!(normalise_answer("ＡＢＣ７"), "abc7");
    }

    #[test]
    fn a_question_accepts_arabic_or_chinese_numerals() {
        assert_eq!(normalise_answer("八"), "8");
        assert_eq!(normalise_answer("十二"), "12");
        assert_eq!(normalise_answer("十"), "10");
        assert_eq!(normalise_answer("１２"), "12");
        assert_eq!(normalise_answer(" 二十四 个"), "24");
        for _ in 0..200 {
            let q = draw_question();
            let text = q.question.unwrap();
            let n: u32 = q.answer.parse().unwrap();
            assert_eq!(normalise_answer(&questions::in_words(n)), q.answer, "{text}: the answer in words");
            assert_eq!(normalise_answer(&questions::in_full_width(n)), q.answer, "{text}: in full-width digits");
        }
    }
}
