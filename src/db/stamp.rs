//! A stored timestamp read quickly: SQLite keeps timestamps as text, which diesel parses
//! with chrono's format strings, trying one format after another (a format string is read
//! anew on every call). Reading a million opinions for an export, that parsing was a tenth
//! of the work. [`Stamp`] reads the text diesel writes (`2026-12-05 08:30:00.123456789`)
//! by hand and leaves anything else to diesel.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::Timestamp;
use diesel::sqlite::Sqlite;

/// A `Timestamp` column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(at) = parse_iso(value.read_text()) {
            return Ok(Stamp(at));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`), with up to nine digits of fraction; `None` for any
/// other text or an impossible date or time.
fn parse_iso(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            number(20, b.len())? * 10u32.pow(9 - u32::try_from(digits.len()).ok()?)
        }
        _ => return None,
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?.and_hms_nano_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        nanos,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What chrono makes of the same text with diesel's formats.
    fn chrono(text: &str) -> Option<NaiveDateTime> {
        ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    }

    #[test]
    fn stored_timestamps_read_as_chrono_reads_them() {
        for text in [
            "2026-12-05 00:01:28.445022998",
            "2026-12-05 00:01:28",
            "2026-12-05T23:59:59.5",
            "2018-01-12 09:30:00.000001",
            "2024-02-29 12:00:00.12",
            "0001-01-01 00:00:00",
        ] {
            assert_eq!(parse_iso(text), chrono(text), "{text}");
            assert!(parse_iso(text).is_some(), "{text}");
        }
    }

    #[test]
    fn other_text_is_left_to_diesel() {
        for text in [
            "2026-12-05",
            "2026-12-05 00:01",
            "2025-02-29 12:00:00",
            "2026-13-01 00:00:00",
            "2026-12-05 24:00:00",
            "2026-12-05 00:01:28.",
            "2026-12-05 00:01:28.1234567890",
            "2026-12-05 00:01:28Z",
            "2026-12-05 00:01:2x",
            "2459000.5",
            "",
        ] {
            assert_eq!(parse_iso(text), None, "{text}");
        }
    }
}
