//! The service's clock: one way to write "now" in the tables it keeps.

/// Now, UTC, RFC 3339 to the second: the service's `created_at`/`updated_at`.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
