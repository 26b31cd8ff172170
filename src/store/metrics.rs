//! The database's state as `/metrics` shows it: counts by state, the outbox's oldest
//! waiting message.

use rusqlite::Connection;

use super::time::Stamp;

/// What the store holds, counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Drafts by state (`draft`, `submitted`, `approved`, `issued`).
    pub drafts: Vec<(String, i64)>,
    /// Issued documents by register series (`main`, `copy`).
    pub documents: Vec<(String, i64)>,
    /// Digital signatures stored with issued documents.
    pub signatures: i64,
    /// Deliveries by status (`queued`, `sending`, `sent`, `failed`, `paper`).
    pub deliveries: Vec<(String, i64)>,
    /// When the oldest message still waiting (queued or being sent) was queued.
    pub oldest_waiting: Option<Stamp>,
    /// Bounces read back (a delivery failed further on).
    pub bounces: i64,
    /// Incoming documents registered.
    pub incoming: i64,
}

fn grouped(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare_cached(sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

fn one(conn: &Connection, sql: &str) -> rusqlite::Result<i64> {
    conn.query_row(sql, [], |r| r.get(0))
}

/// Counts everything [`Counts`] holds, in one read transaction's worth of queries.
pub fn counts(conn: &Connection) -> rusqlite::Result<Counts> {
    Ok(Counts {
        drafts: grouped(
            conn,
            "SELECT state, count(*) FROM drafts GROUP BY state ORDER BY state",
        )?,
        documents: grouped(
            conn,
            "SELECT series, count(*) FROM documents GROUP BY series ORDER BY series",
        )?,
        signatures: one(conn, "SELECT count(*) FROM document_signatures")?,
        deliveries: grouped(
            conn,
            "SELECT status, count(*) FROM deliveries GROUP BY status ORDER BY status",
        )?,
        oldest_waiting: conn.query_row(
            "SELECT min(queued_at) FROM deliveries WHERE status IN ('queued', 'sending')",
            [],
            |r| r.get(0),
        )?,
        bounces: one(
            conn,
            "SELECT count(*) FROM delivery_attempts WHERE outcome = 'bounced'",
        )?,
        incoming: one(conn, "SELECT count(*) FROM incoming")?,
    })
}
