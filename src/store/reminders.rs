//! The schedule's tables: `reminder_policies`, `holidays`, `reminder_drafts` (what a
//! run drafted), `reminder_firings` and `certificate_firings` (who each draft reached,
//! so a step fires once per agency or certificate), `reminder_closed` and
//! `reminder_runs`. The rules of when a step comes are in `remind`.

use rusqlite::{Connection, OptionalExtension, params};

/// One stored reminder policy, as written (`remind` reads its lists and words).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRow {
    /// A milestone, `programme:<id>`, an agency, or empty: the default.
    pub scope: String,
    /// Days before the due day, comma-separated.
    pub before_days: String,
    pub on_due: bool,
    pub overdue_every: Option<u32>,
    pub working_days: bool,
    /// `draft`, `issue` or `send`.
    pub auto: String,
    pub issuer_id: Option<String>,
    /// Months before a certificate expires, comma-separated.
    pub expiry_months: String,
    pub on_expiry: bool,
}

/// Every stored policy.
pub fn policies(conn: &Connection) -> Result<Vec<PolicyRow>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT scope, before_days, on_due, overdue_every, working_days, auto, issuer_id, expiry_months, on_expiry
         FROM reminder_policies",
    )?
    .query_map([], |r| {
        Ok(PolicyRow {
            scope: r.get(0)?,
            before_days: r.get(1)?,
            on_due: r.get(2)?,
            overdue_every: r.get(3)?,
            working_days: r.get(4)?,
            auto: r.get(5)?,
            issuer_id: r.get(6)?,
            expiry_months: r.get(7)?,
            on_expiry: r.get(8)?,
        })
    })?
    .collect()
}

/// The stored holidays (`YYYY-MM-DD`).
pub fn holidays(conn: &Connection) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare_cached("SELECT date FROM holidays")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// Whether step `step` of `milestone` has fired.
pub fn step_fired(conn: &Connection, milestone: &str, step: &str) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached("SELECT 1 FROM reminder_drafts WHERE milestone_id = ?1 AND step = ?2")?
        .exists(params![milestone, step])
}

/// Fires step `step` of `milestone` on `day` (`now`: RFC 3339): drafts one reminder to
/// every agency that had not reported by the day, each recorded in a firing. Returns
/// the draft and how many agencies it reaches, or None (nothing drafted) when every
/// agency had reported: the milestone is then closed from that day.
pub fn fire_milestone(
    conn: &Connection,
    milestone: &str,
    step: &str,
    day: &str,
    now: &str,
) -> Result<Option<(i64, usize)>, rusqlite::Error> {
    // Draft row first (its id goes on the firings), then one set-based insert of every
    // agency that has not reported by this day.
    conn.prepare_cached(
        "INSERT INTO reminder_drafts (milestone_id, step, fired_on, agencies, status, created_at)
         VALUES (?1, ?2, ?3, 0, 'draft', ?4)",
    )?
    .execute(params![milestone, step, day, now])?;
    let draft = conn.last_insert_rowid();
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO reminder_firings (milestone_id, step, agency_id, draft_id)
             SELECT milestone_id, ?2, agency_id, ?4 FROM milestone_agencies
             WHERE milestone_id = ?1 AND (reported_on IS NULL OR reported_on > ?3)",
        )?
        .execute(params![milestone, step, day, draft])?;
    if n == 0 {
        conn.execute("DELETE FROM reminder_drafts WHERE id = ?1", [draft])?;
        conn.prepare_cached(
            "INSERT INTO reminder_closed (milestone_id, closed_on) VALUES (?1, ?2)
             ON CONFLICT (milestone_id) DO UPDATE SET closed_on = min(closed_on, excluded.closed_on)",
        )?
        .execute(params![milestone, day])?;
        return Ok(None);
    }
    conn.execute(
        "UPDATE reminder_drafts SET agencies = ?2 WHERE id = ?1",
        params![draft, n as i64],
    )?;
    Ok(Some((draft, n)))
}

/// A certificate that expires by a horizon, not renewed and not yet noticed as expired.
#[derive(Debug, Clone, PartialEq)]
pub struct Expiring {
    pub id: i64,
    pub issuer: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
    pub product: String,
}

/// The certificates with a certifying agency that expire on or before `horizon`, not
/// re-evaluated since and not noticed as expired, by agency and day.
pub fn expiring_by(conn: &Connection, horizon: &str) -> Result<Vec<Expiring>, rusqlite::Error> {
    conn.prepare(
        "SELECT c.id, c.issuer_id, c.expires_on, p.name FROM certificates c JOIN products p ON p.id = c.product_id
         WHERE c.issuer_id IS NOT NULL AND c.expires_on <= ?1
           AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.product_id = c.product_id AND e.date > c.issued_on)
           AND NOT EXISTS (SELECT 1 FROM certificate_firings f WHERE f.certificate_id = c.id AND f.step = 'expired')
         ORDER BY c.issuer_id, c.expires_on, c.id",
    )?
    .query_map([horizon], |r| {
        Ok(Expiring {
            id: r.get(0)?,
            issuer: r.get(1)?,
            expires_on: r.get(2)?,
            product: r.get(3)?,
        })
    })?
    .collect()
}

/// Whether step `step` of certificate `id` has been noticed.
pub fn certificate_step_fired(
    conn: &Connection,
    id: i64,
    step: &str,
) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT 1 FROM certificate_firings WHERE certificate_id = ?1 AND step = ?2",
    )?
    .exists(params![id, step])
}

/// Drafts one expiry notice of `issuer` on `day` for `certificates` (id, step), each
/// recorded in a firing; returns the draft.
pub fn fire_expiry(
    conn: &Connection,
    issuer: &str,
    day: &str,
    certificates: &[(i64, &str)],
    now: &str,
) -> Result<i64, rusqlite::Error> {
    conn.execute(
        "INSERT INTO reminder_drafts (issuer_id, step, fired_on, agencies, status, created_at)
         VALUES (?1, 'expiry', ?2, ?3, 'draft', ?4)",
        params![issuer, day, certificates.len() as i64, now],
    )?;
    let draft = conn.last_insert_rowid();
    for (id, step) in certificates {
        conn.prepare_cached(
            "INSERT INTO certificate_firings (certificate_id, step, draft_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, step, draft])?;
    }
    Ok(draft)
}

/// Records a run of `day` with what it drafted; returns its id.
pub fn record_run(
    conn: &Connection,
    day: &str,
    now: &str,
    drafts: usize,
    firings: usize,
) -> Result<i64, rusqlite::Error> {
    conn.execute(
        "INSERT INTO reminder_runs (run_date, at, drafts, firings, issued) VALUES (?1, ?2, ?3, ?4, 0)",
        params![day, now, drafts as i64, firings as i64],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Sets how many drafts run `id` issued.
pub fn set_run_issued(conn: &Connection, id: i64, issued: usize) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE reminder_runs SET issued = ?2 WHERE id = ?1",
        params![id, issued as i64],
    )?;
    Ok(())
}

/// The drafts waiting to be issued by the schedule (not issued, not taken into the
/// workflow), oldest first.
pub fn waiting(conn: &Connection) -> Result<Vec<i64>, rusqlite::Error> {
    conn.prepare(
        "SELECT id FROM reminder_drafts WHERE status = 'draft' AND draft_id IS NULL ORDER BY id",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

/// A drafted reminder as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftRecord {
    pub milestone: Option<String>,
    pub programme: Option<String>,
    /// An expiry notice's certifying agency.
    pub issuer: Option<String>,
    pub fired_on: chrono::NaiveDate,
    pub status: String,
}

/// Drafted reminder `id` (not an empty one).
pub fn draft(conn: &Connection, id: i64) -> Result<Option<DraftRecord>, rusqlite::Error> {
    conn.query_row(
        "SELECT d.milestone_id, m.programme_id, d.issuer_id, d.fired_on, d.status FROM reminder_drafts d
         LEFT JOIN milestones m ON m.id = d.milestone_id WHERE d.id = ?1 AND d.status != 'empty'",
        [id],
        |r| {
            Ok(DraftRecord {
                milestone: r.get(0)?,
                programme: r.get(1)?,
                issuer: r.get(2)?,
                fired_on: r.get(3)?,
                status: r.get(4)?,
            })
        },
    )
    .optional()
}

/// The certificates expiry notice `draft` is about.
pub fn notice_certificates(conn: &Connection, draft: i64) -> Result<Vec<i64>, rusqlite::Error> {
    conn.prepare_cached("SELECT certificate_id FROM certificate_firings WHERE draft_id = ?1")?
        .query_map([draft], |r| r.get(0))?
        .collect()
}

/// Marks drafted reminder `id` issued as `document`; false if it was not waiting
/// (another run issued it).
pub fn mark_issued(conn: &Connection, id: i64, document: i64) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "UPDATE reminder_drafts SET status = 'issued', document_id = ?2 WHERE id = ?1 AND status = 'draft'",
        params![id, document],
    )? > 0)
}

/// One drafted reminder in the schedule's list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: i64,
    /// The milestone, or `het-han-gcn:<agency>`.
    pub about: String,
    pub step: String,
    pub fired_on: String,
    pub agencies: i64,
    pub status: String,
    /// The register's number once issued.
    pub number: Option<String>,
    /// An expiry notice's agency.
    pub issuer: Option<String>,
    pub milestone: Option<String>,
    pub programme: Option<String>,
    /// The programme's issuing agency.
    pub programme_issuer: Option<String>,
}

/// Everything the schedule drafted, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Listed>, rusqlite::Error> {
    conn.prepare(
        "SELECT d.id, coalesce(d.milestone_id, 'het-han-gcn:' || d.issuer_id), d.step, d.fired_on, d.agencies,
                d.status, doc.number_symbol, d.issuer_id, d.milestone_id, m.programme_id, p.issuer_id
         FROM reminder_drafts d LEFT JOIN documents doc ON doc.id = d.document_id
         LEFT JOIN milestones m ON m.id = d.milestone_id LEFT JOIN programmes p ON p.id = m.programme_id
         ORDER BY d.fired_on DESC, d.id DESC",
    )?
    .query_map([], |r| {
        Ok(Listed {
            id: r.get(0)?,
            about: r.get(1)?,
            step: r.get(2)?,
            fired_on: r.get(3)?,
            agencies: r.get(4)?,
            status: r.get(5)?,
            number: r.get(6)?,
            issuer: r.get(7)?,
            milestone: r.get(8)?,
            programme: r.get(9)?,
            programme_issuer: r.get(10)?,
        })
    })?
    .collect()
}
