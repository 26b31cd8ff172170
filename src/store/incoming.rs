//! The incoming register's tables: `incoming` (one row per received document, the
//! file kept byte for byte) and `incoming_counters` (the last Số đến per agency and
//! year).
//!
//! Invariants: a Số đến is taken in the same immediate transaction that stores the
//! row, so numbers are contiguous and never reused, whoever registers at the same
//! time; one agency registers one file (by SHA-256) once; a row is never deleted and
//! its file, hash and number never change (triggers of migration 0022).

use rusqlite::{Connection, OptionalExtension, params};

use super::time::Stamp;

/// One incoming document to register (its Số đến is given by [`register`]).
#[derive(Debug, Clone)]
pub struct NewIncoming<'a> {
    pub agency_id: &'a str,
    pub year: i32,
    pub received_at: Stamp,
    /// `upload`, `api`, `cli`, `scan`, `imap` or `maildir`.
    pub source: &'a str,
    pub file_name: &'a str,
    pub pdf: &'a [u8],
    pub sha256: &'a str,
    pub author: Option<&'a str>,
    pub author_agency_id: Option<&'a str>,
    pub number_symbol: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub doc_date: Option<&'a str>,
    pub kind_subject: Option<&'a str>,
    /// `vanthu`, `text` or `none`.
    pub read_from: &'a str,
    /// The fields still to check, as a JSON list.
    pub to_check: &'a str,
    /// `valid`, `invalid` or `unsigned`.
    pub signatures: &'a str,
    pub signature_note: &'a str,
    pub recorded_by: &'a str,
    /// The e-mail it came in.
    pub message_id: Option<&'a str>,
}

/// A registered incoming document, without its file.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingRow {
    pub id: i64,
    pub agency_id: String,
    pub year: i32,
    pub number: i64,
    pub received_at: Stamp,
    pub source: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub author: Option<String>,
    pub author_agency_id: Option<String>,
    pub number_symbol: Option<String>,
    pub doc_date: Option<String>,
    pub kind_subject: Option<String>,
    pub read_from: String,
    pub to_check: String,
    pub signatures: String,
    pub signature_note: String,
    pub handler: Option<String>,
    pub passed_on: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
    /// `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// `YYYY-MM-DD`.
    pub handled_on: Option<String>,
    pub result: Option<String>,
    /// The account it was passed on to, when the handler has one.
    pub handler_login: Option<String>,
}

const ROW: &str = "SELECT id, agency_id, year, number, received_at, source, file_name, sha256,
    length(pdf), author, author_agency_id, number_symbol, doc_date, kind_subject, read_from,
    to_check, signatures, signature_note, handler, passed_on, note, recorded_by, deadline,
    handled_on, result, handler_login FROM incoming";

fn row(r: &rusqlite::Row) -> rusqlite::Result<IncomingRow> {
    Ok(IncomingRow {
        id: r.get(0)?,
        agency_id: r.get(1)?,
        year: r.get(2)?,
        number: r.get(3)?,
        received_at: r.get(4)?,
        source: r.get(5)?,
        file_name: r.get(6)?,
        sha256: r.get(7)?,
        size: r.get(8)?,
        author: r.get(9)?,
        author_agency_id: r.get(10)?,
        number_symbol: r.get(11)?,
        doc_date: r.get(12)?,
        kind_subject: r.get(13)?,
        read_from: r.get(14)?,
        to_check: r.get(15)?,
        signatures: r.get(16)?,
        signature_note: r.get(17)?,
        handler: r.get(18)?,
        passed_on: r.get(19)?,
        note: r.get(20)?,
        recorded_by: r.get(21)?,
        deadline: r.get(22)?,
        handled_on: r.get(23)?,
        result: r.get(24)?,
        handler_login: r.get(25)?,
    })
}

/// What [`register`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Registered {
    /// A new row under this Số đến.
    New(IncomingRow),
    /// The agency had registered this very file before (same SHA-256): nothing added.
    Already(IncomingRow),
}

/// Registers `new` under the agency's next Số đến of its year; a file the agency
/// registered before is returned as it was. Run it inside [`super::Store::write`]: the
/// number and the row are then one immediate transaction.
pub fn register(tx: &Connection, new: &NewIncoming) -> Result<Registered, rusqlite::Error> {
    let before = tx
        .prepare_cached(&format!("{ROW} WHERE agency_id = ?1 AND sha256 = ?2"))?
        .query_row(params![new.agency_id, new.sha256], row)
        .optional()?;
    if let Some(before) = before {
        return Ok(Registered::Already(before));
    }
    let number: i64 = tx.query_row(
        "INSERT INTO incoming_counters (agency_id, year, last_number) VALUES (?1, ?2, 1)
         ON CONFLICT (agency_id, year) DO UPDATE SET last_number = last_number + 1
         RETURNING last_number",
        params![new.agency_id, new.year],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO incoming (agency_id, year, number, received_at, source, file_name, pdf, sha256,
             author, author_agency_id, number_symbol, doc_date, kind_subject, read_from, to_check,
             signatures, signature_note, recorded_by, message_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        params![
            new.agency_id,
            new.year,
            number,
            new.received_at,
            new.source,
            new.file_name,
            new.pdf,
            new.sha256,
            new.author,
            new.author_agency_id,
            new.number_symbol,
            new.doc_date,
            new.kind_subject,
            new.read_from,
            new.to_check,
            new.signatures,
            new.signature_note,
            new.recorded_by,
            new.message_id
        ],
    )?;
    let id = tx.last_insert_rowid();
    let added = tx
        .prepare_cached(&format!("{ROW} WHERE id = ?1"))?
        .query_row([id], row)?;
    Ok(Registered::New(added))
}

/// The agency's incoming documents of `year`, by Số đến.
pub fn list(
    conn: &Connection,
    agency: &str,
    year: i32,
) -> Result<Vec<IncomingRow>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "{ROW} WHERE agency_id = ?1 AND year = ?2 ORDER BY number"
    ))?
    .query_map(params![agency, year], row)?
    .collect()
}

/// Entry `number` of `agency`'s `year`, without its file.
pub fn one(
    conn: &Connection,
    agency: &str,
    year: i32,
    number: i64,
) -> Result<Option<IncomingRow>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "{ROW} WHERE agency_id = ?1 AND year = ?2 AND number = ?3"
    ))?
    .query_row(params![agency, year, number], row)
    .optional()
}

/// Entry `number` of `agency`'s `year` and its file as it came.
pub fn file(
    conn: &Connection,
    agency: &str,
    year: i32,
    number: i64,
) -> Result<Option<(IncomingRow, Vec<u8>)>, rusqlite::Error> {
    let Some(found) = one(conn, agency, year, number)? else {
        return Ok(None);
    };
    let pdf: Vec<u8> =
        conn.query_row("SELECT pdf FROM incoming WHERE id = ?1", [found.id], |r| {
            r.get(0)
        })?;
    Ok(Some((found, pdf)))
}

/// The milestones on which `author` still owes a report and for which `receiver` issued
/// a reminder: `(milestone, the reminder's number and symbol)`.
pub fn owed_with_reminders(
    conn: &Connection,
    receiver: &str,
    author: &str,
) -> Result<Vec<(String, String)>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT DISTINCT m.milestone_id, doc.number_symbol
         FROM milestone_agencies m
         JOIN reminder_drafts r ON r.milestone_id = m.milestone_id
         JOIN documents doc ON doc.id = r.document_id
         WHERE m.agency_id = ?2 AND m.reported_on IS NULL AND doc.issuer = ?1
         ORDER BY m.milestone_id, doc.number_symbol",
    )?
    .query_map(params![receiver, author], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Records `agency`'s report on `milestone` on `day` (`YYYY-MM-DD`) with incoming entry
/// `evidence`, if it had not reported; returns whether it did.
pub fn record_report(
    conn: &Connection,
    milestone: &str,
    agency: &str,
    day: &str,
    evidence: i64,
) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "UPDATE milestone_agencies SET reported_on = ?3, report_incoming_id = ?4
         WHERE milestone_id = ?1 AND agency_id = ?2 AND reported_on IS NULL",
        params![milestone, agency, day, evidence],
    )? == 1)
}

/// Undoes the report `evidence` recorded for `agency` on `milestone` (the milestone is
/// open again for the reminders); returns whether there was one.
pub fn undo_report(
    conn: &Connection,
    milestone: &str,
    agency: &str,
    evidence: i64,
) -> Result<bool, rusqlite::Error> {
    let undone = conn.execute(
        "UPDATE milestone_agencies SET reported_on = NULL, report_incoming_id = NULL
         WHERE milestone_id = ?1 AND agency_id = ?2 AND report_incoming_id = ?3",
        params![milestone, agency, evidence],
    )? == 1;
    if undone {
        conn.execute(
            "DELETE FROM reminder_closed WHERE milestone_id = ?1",
            [milestone],
        )?;
    }
    Ok(undone)
}

/// The milestones incoming entry `id` is the report for.
pub fn reports_of(conn: &Connection, id: i64) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT milestone_id FROM milestone_agencies WHERE report_incoming_id = ?1 ORDER BY milestone_id",
    )?
    .query_map([id], |r| r.get(0))?
    .collect()
}

/// Passes entry `id` on to `handler` (the account `login`, when there is one) on `on`,
/// to be handled by `deadline` (days `YYYY-MM-DD`).
pub fn assign(
    conn: &Connection,
    id: i64,
    handler: &str,
    login: Option<&str>,
    on: &str,
    deadline: Option<&str>,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE incoming SET handler = ?2, handler_login = ?3, passed_on = ?4, deadline = ?5
         WHERE id = ?1",
        params![id, handler, login, on, deadline],
    )?;
    Ok(())
}

/// The agency's entries passed on to account `login` and not handled yet, oldest
/// deadline first (those without one last).
pub fn assigned(
    conn: &Connection,
    agency: &str,
    login: &str,
) -> Result<Vec<IncomingRow>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "{ROW} WHERE agency_id = ?1 AND handler_login = ?2 AND handled_on IS NULL
         ORDER BY deadline IS NULL, deadline, year, number"
    ))?
    .query_map(params![agency, login], row)?
    .collect()
}

/// Records that entry `id` was handled on `on`, with its result.
pub fn handled(conn: &Connection, id: i64, on: &str, result: &str) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE incoming SET handled_on = ?2, result = ?3 WHERE id = ?1",
        params![id, on, result],
    )?;
    Ok(())
}

/// The agency's entries (any year) passed on with a deadline before `day` and not
/// handled, oldest deadline first.
pub fn overdue(
    conn: &Connection,
    agency: &str,
    day: &str,
) -> Result<Vec<IncomingRow>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "{ROW} WHERE agency_id = ?1 AND deadline < ?2 AND handled_on IS NULL ORDER BY deadline, year, number"
    ))?
    .query_map(params![agency, day], row)?
    .collect()
}

/// The fields of entry `id` as the văn thư confirmed them.
#[derive(Debug, Clone)]
pub struct Confirmed<'a> {
    pub author: Option<&'a str>,
    pub author_agency_id: Option<&'a str>,
    pub number_symbol: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub doc_date: Option<&'a str>,
    pub kind_subject: Option<&'a str>,
    /// The fields still to check, as a JSON list.
    pub to_check: &'a str,
}

/// Writes the confirmed fields of entry `id`.
pub fn confirm(conn: &Connection, id: i64, c: &Confirmed) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE incoming SET author = ?2, author_agency_id = ?3, number_symbol = ?4, doc_date = ?5,
             kind_subject = ?6, to_check = ?7 WHERE id = ?1",
        params![
            id,
            c.author,
            c.author_agency_id,
            c.number_symbol,
            c.doc_date,
            c.kind_subject,
            c.to_check
        ],
    )?;
    Ok(())
}
