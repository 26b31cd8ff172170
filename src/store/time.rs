//! The one way the database holds an instant: [`Stamp`].
//!
//! Every time column (`created_at`, `updated_at`, the outbox's `next_attempt_at`,
//! `lease_until`, `sent_at`, `queued_at`, the attempts' `at`, the sessions' `expires_at`,
//! the failed sign-ins' `at`, the audit log's `at`, …) holds UTC text of one fixed shape,
//! `YYYY-MM-DDTHH:MM:SS.mmmZ` (RFC 3339, milliseconds, `Z`). One shape means that text
//! order is time order, so SQL compares and sorts the column directly (`lease_until <
//! ?1`, `ORDER BY updated_at`), and a reader never guesses the unit.
//!
//! Migration 0021 brought the older shapes to it (integer milliseconds in the outbox and
//! the sessions; RFC 3339 with seconds, nanoseconds or `+00:00` elsewhere). The
//! register's own rows (`documents.issued_at`, `document_extensions.created_at`) are
//! immutable by design and keep the shape they were written in; reading accepts any
//! RFC 3339 text, so they read the same.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// An instant as stored: UTC, to the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(DateTime<Utc>);

impl Stamp {
    /// Now, to the millisecond.
    pub fn now() -> Stamp {
        Stamp::from_utc(Utc::now())
    }

    /// `t`, cut to the millisecond (what the column can hold).
    pub fn from_utc(t: DateTime<Utc>) -> Stamp {
        let ms = t.timestamp_millis();
        Stamp(Utc.timestamp_millis_opt(ms).single().unwrap_or(t))
    }

    /// Reads RFC 3339 text in any offset or precision.
    pub fn parse(text: &str) -> Option<Stamp> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Stamp::from_utc(t.with_timezone(&Utc)))
    }

    /// The start of this instant's minute.
    pub fn minute(self) -> Stamp {
        let ms = self.0.timestamp_millis();
        Stamp::from_utc(
            Utc.timestamp_millis_opt(ms - ms.rem_euclid(60_000))
                .single()
                .unwrap_or(self.0),
        )
    }

    /// This instant `d` later.
    pub fn plus(self, d: Duration) -> Stamp {
        Stamp::from_utc(self.0 + chrono::Duration::from_std(d).unwrap_or(chrono::TimeDelta::MAX))
    }

    /// This instant `d` earlier.
    pub fn minus(self, d: Duration) -> Stamp {
        Stamp::from_utc(self.0 - chrono::Duration::from_std(d).unwrap_or(chrono::TimeDelta::MAX))
    }

    /// How long from `self` until `later` (zero if `later` is not later).
    pub fn until(self, later: Stamp) -> Duration {
        (later.0 - self.0).to_std().unwrap_or(Duration::ZERO)
    }

    /// The instant in UTC.
    pub fn utc(self) -> DateTime<Utc> {
        self.0
    }

    /// The instant on Vietnam's clock (UTC+7), as documents and pages show it.
    pub fn vietnam(self) -> DateTime<FixedOffset> {
        self.0.with_timezone(&crate::vietnam_offset())
    }

    /// `dd/mm/yyyy HH:MM:SS` on Vietnam's clock: how a clerk's page shows a time.
    pub fn vietnam_text(self) -> String {
        self.vietnam().format("%d/%m/%Y %H:%M:%S").to_string()
    }
}

impl fmt::Display for Stamp {
    /// The stored shape: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl ToSql for Stamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for Stamp {
    /// Text in RFC 3339; anything else is an error for the caller, never a panic.
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Stamp::parse(text)
            .ok_or_else(|| FromSqlError::Other(format!("not an RFC 3339 time: {text:?}").into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_shape_is_fixed_and_sorts_as_time() {
        let a = Stamp::parse("2026-12-06T05:00:00Z").unwrap();
        let b = Stamp::parse("2026-12-06T12:00:00.5+07:00").unwrap();
        assert_eq!(a.to_string(), "2026-12-06T05:00:00.000Z");
        assert_eq!(b.to_string(), "2026-12-06T05:00:00.500Z");
        assert!(a < b && a.to_string() < b.to_string());
        let c = a.plus(Duration::from_millis(1500));
        assert_eq!(c.to_string(), "2026-12-06T05:00:01.500Z");
        assert_eq!(a.until(c), Duration::from_millis(1500));
        assert_eq!(c.until(a), Duration::ZERO);
        assert_eq!(c.minus(Duration::from_millis(1500)), a);
        assert_eq!(a.vietnam_text(), "06/12/2026 12:00:00");
        // Nanoseconds (what `to_rfc3339()` wrote) are cut to the millisecond.
        let n = Stamp::parse("2026-12-06T05:00:00.123456789+00:00").unwrap();
        assert_eq!(n.to_string(), "2026-12-06T05:00:00.123Z");
    }

    #[test]
    fn a_column_round_trips_and_bad_text_is_an_error_not_a_panic() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let now = Stamp::now();
        let back: Stamp = conn.query_row("SELECT ?1", [now], |r| r.get(0)).unwrap();
        assert_eq!(back, now);
        let bad: rusqlite::Result<Stamp> = conn.query_row("SELECT 'hôm qua'", [], |r| r.get(0));
        assert!(bad.is_err());
        let number: rusqlite::Result<Stamp> =
            conn.query_row("SELECT 1733461200000", [], |r| r.get(0));
        assert!(number.is_err());
    }
}
