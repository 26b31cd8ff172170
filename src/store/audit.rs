//! The audit log's table: one row per action and refusal, never changed. What the
//! rows say in words is the service's.

use rusqlite::{Connection, params};

/// One event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The account (None: the command line or the system).
    pub user_id: Option<i64>,
    pub login: &'a str,
    pub action: &'a str,
    /// `kind:key` (`draft:7`, `user:vt`).
    pub target: &'a str,
    /// `ok` or `refused`.
    pub outcome: &'a str,
    pub detail: &'a str,
    /// The agency the account acted for.
    pub agency_id: Option<&'a str>,
    /// The client's address, when the event came over the network and it is known.
    pub address: Option<&'a str>,
}

/// Appends one event, stamped now (RFC 3339 UTC, to the millisecond).
pub fn record(conn: &Connection, e: &NewEvent) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, user_id, login, action, target, outcome, detail, agency_id, address)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        super::time::Stamp::now().to_string(),
        e.user_id,
        e.login,
        e.action,
        e.target,
        e.outcome,
        e.detail,
        e.agency_id,
        e.address
    ])?;
    Ok(())
}

/// One stored event with the names it points to.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub login: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    /// The account's name (None: the system).
    pub user_name: Option<String>,
    /// The agency it acted for (else the account's agency), by short name.
    pub agency_name: Option<String>,
    /// The target's name by its kind (a person's or user's name, an agency's short
    /// name, a document's number, a milestone's task), if stored.
    pub target_name: Option<String>,
    /// The client's address, when recorded.
    pub address: Option<String>,
}

/// The events with `target` (any when None) of `agency` (any when None), newest first.
pub fn list(
    conn: &Connection,
    target: Option<&str>,
    agency: Option<&str>,
    limit: u32,
) -> Result<Vec<EventRow>, rusqlite::Error> {
    // The target's name, by its kind: `kind:key`.
    conn.prepare_cached(
        "SELECT l.id, l.at, l.login, l.action, l.target, l.outcome, l.detail, u.name,
                coalesce(a.short_name, ua.short_name),
                CASE substr(l.target, 1, instr(l.target, ':') - 1)
                  WHEN 'person' THEN (SELECT name FROM people WHERE id = substr(l.target, instr(l.target, ':') + 1))
                  WHEN 'agency' THEN (SELECT short_name FROM agencies WHERE id = substr(l.target, instr(l.target, ':') + 1))
                  WHEN 'book' THEN (SELECT short_name FROM agencies WHERE id = substr(l.target, instr(l.target, ':') + 1))
                  WHEN 'user' THEN (SELECT name FROM users WHERE login = substr(l.target, instr(l.target, ':') + 1))
                  WHEN 'document' THEN (SELECT number_symbol FROM documents
                                         WHERE id = CAST(substr(l.target, instr(l.target, ':') + 1) AS INTEGER))
                  WHEN 'milestone' THEN (SELECT what FROM milestones WHERE id = substr(l.target, instr(l.target, ':') + 1))
                END,
                l.address
         FROM audit_log l LEFT JOIN users u ON u.id = l.user_id
         LEFT JOIN agencies a ON a.id = l.agency_id LEFT JOIN agencies ua ON ua.id = u.agency_id
         WHERE (?1 IS NULL OR l.target = ?1) AND (?2 IS NULL OR l.agency_id = ?2)
         ORDER BY l.id DESC LIMIT ?3",
    )?
    .query_map(params![target, agency, limit], |r| {
        Ok(EventRow {
            id: r.get(0)?,
            at: r.get(1)?,
            login: r.get(2)?,
            action: r.get(3)?,
            target: r.get(4)?,
            outcome: r.get(5)?,
            detail: r.get(6)?,
            user_name: r.get(7)?,
            agency_name: r.get(8)?,
            target_name: r.get(9)?,
            address: r.get(10)?,
        })
    })?
    .collect()
}
