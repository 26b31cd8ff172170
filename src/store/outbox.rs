//! The outbox's tables: `deliveries` (one row per issued document and recipient) and
//! `delivery_attempts` (every attempt and notice, with the server's reply).
//!
//! Invariants (the rules of delivery live in `mail`; these are what the rows keep):
//! - a document's rows are queued in one transaction, and queuing again adds only
//!   recipients whose key is not there yet (a mailbox is never queued twice);
//! - a row moves `queued → sending → sent | queued (retry) | failed`; only a worker that
//!   claimed it (status `sending`, `lease_until` in the future) moves it on;
//! - a `sent` row is final: nothing ever sends it again, a retry of failures included;
//! - every attempt is recorded in `delivery_attempts` in the same transaction that
//!   moves the row.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::Store;
use super::time::Stamp;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Queued,
    Sending,
    Sent,
    Failed,
    Paper,
}

impl Status {
    /// The status as stored and as the API writes it.
    pub fn code(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Paper => "paper",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "sending" => Status::Sending,
            "sent" => Status::Sent,
            "failed" => Status::Failed,
            "paper" => Status::Paper,
            _ => Status::Queued,
        }
    }
}

/// One row of the outbox, as `vanthu deliveries` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub document_id: i64,
    pub recipient: String,
    pub email: Option<String>,
    pub message_id: Option<String>,
    pub status: Status,
    pub attempts: u32,
    pub next_attempt_at: Option<Stamp>,
    pub last_reply: Option<String>,
    pub sent_at: Option<Stamp>,
    /// A paper copy: the day it left (`YYYY-MM-DD`), once the clerk recorded it.
    pub paper_sent_on: Option<String>,
}

/// One row to queue: a mailbox (queued now) or a paper recipient (recorded with its
/// reason, never due).
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The printed name.
    pub recipient: String,
    /// The stored agency or person it resolved to.
    pub agency_id: Option<String>,
    pub email: Option<String>,
    /// What makes two rows of a document the same recipient.
    pub key: String,
    pub message_id: Option<String>,
    pub paper: bool,
    /// A paper recipient's reason.
    pub reason: Option<String>,
}

/// What queuing a document added to the outbox.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queued {
    /// New messages queued now.
    pub queued: usize,
    /// Mailboxes already in the outbox (queued, sent or failed earlier): not queued again.
    pub already: usize,
    /// Recipients recorded as "gửi bản giấy".
    pub paper: usize,
}

/// Queues `rows` after the document's existing rows, in one immediate transaction;
/// rows whose key is already there are left as they are.
pub fn queue(
    store: &mut Store,
    document_id: i64,
    rows: &[NewDelivery],
    priority: i64,
) -> Result<Queued, rusqlite::Error> {
    let now = Stamp::now();
    let tx = store
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut report = Queued::default();
    let mut position: i64 = tx.query_row(
        "SELECT coalesce(max(position), 0) FROM deliveries WHERE document_id = ?1",
        [document_id],
        |r| r.get(0),
    )?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO deliveries (document_id, position, recipient, agency_id, email, recipient_key,
                message_id, status, next_attempt_at, last_reply, queued_at, priority)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (document_id, recipient_key) DO NOTHING",
        )?;
        for row in rows {
            position += 1;
            let added = insert.execute(params![
                document_id,
                position,
                row.recipient,
                row.agency_id,
                row.email,
                row.key,
                row.message_id,
                if row.paper { "paper" } else { "queued" },
                (!row.paper).then_some(now),
                row.reason,
                now,
                priority
            ])?;
            match (row.paper, added) {
                (true, n) => report.paper += n,
                (false, 1) => report.queued += 1,
                (false, _) => report.already += 1,
            }
        }
    }
    tx.commit()?;
    Ok(report)
}

/// Puts a document's failed messages back in the queue (a fresh set of attempts).
/// Sent messages are never touched.
pub fn retry_failed(store: &mut Store, document_id: i64) -> Result<usize, rusqlite::Error> {
    store.conn().execute(
        "UPDATE deliveries SET status = 'queued', attempts = 0, next_attempt_at = ?2, lease_until = NULL
         WHERE document_id = ?1 AND status = 'failed'",
        params![document_id, Stamp::now()],
    )
}

fn delivery(r: &rusqlite::Row) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        document_id: r.get(1)?,
        recipient: r.get(2)?,
        email: r.get(3)?,
        message_id: r.get(4)?,
        status: Status::parse(&r.get::<_, String>(5)?),
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        last_reply: r.get(8)?,
        sent_at: r.get(9)?,
        paper_sent_on: r.get(10)?,
    })
}

/// The outbox rows of one document, in plan order.
pub fn list(store: &Store, document_id: i64) -> Result<Vec<Delivery>, rusqlite::Error> {
    let mut stmt = store.conn().prepare(
        "SELECT id, document_id, recipient, email, message_id, status, attempts, next_attempt_at,
                last_reply, sent_at, paper_sent_on
         FROM deliveries WHERE document_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([document_id], delivery)?;
    rows.collect()
}

/// The stored agencies a document was addressed to (its deliveries, e-mail or paper).
pub fn agencies_of(conn: &Connection, document_id: i64) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT DISTINCT agency_id FROM deliveries WHERE document_id = ?1 AND agency_id IS NOT NULL",
    )?
    .query_map([document_id], |r| r.get(0))?
    .collect()
}

/// A message a worker has claimed and must send.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub document_id: i64,
    pub recipient: String,
    pub email: String,
    pub message_id: String,
    /// This attempt's number (1 for the first).
    pub attempt: u32,
    /// The claim token of the worker run holding the row.
    pub claim: String,
}

/// Claims up to `limit` messages that are due (queued and due, or "sending" with an
/// expired lease, i.e. left by a worker that died), the most urgent first, then by due
/// time and queue order, optionally of one document, under
/// `claim` (the worker run's token), in one immediate transaction. A row taken back
/// from an expired lease gets an 'abandoned' attempt with `abandoned` as its reply
/// first.
pub fn claim(
    conn: &Connection,
    lease: Duration,
    limit: usize,
    document: Option<i64>,
    claim: &str,
    abandoned: &str,
) -> Result<Vec<Claimed>, rusqlite::Error> {
    let now = Stamp::now();
    let until = now.plus(lease);
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    // Two searches, each stopping at `limit` rows: the due queue read in the order of
    // `deliveries_by_priority` (the `+` keeps SQLite from sorting every queued row by
    // way of `deliveries_due`: with 2,000 waiting, that sort was most of a claim), and
    // the few rows whose lease ran out.
    let ids: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM (
               SELECT * FROM (
                 SELECT id, priority, next_attempt_at FROM deliveries
                 WHERE status = 'queued' AND +next_attempt_at <= ?1 AND (?3 IS NULL OR document_id = ?3)
                 ORDER BY priority DESC, next_attempt_at, id LIMIT ?2)
               UNION ALL
               SELECT * FROM (
                 SELECT id, priority, next_attempt_at FROM deliveries
                 WHERE status = 'sending' AND lease_until < ?1 AND (?3 IS NULL OR document_id = ?3)
                 ORDER BY priority DESC, next_attempt_at, id LIMIT ?2))
             ORDER BY priority DESC, next_attempt_at, id LIMIT ?2",
        )?
        .query_map(params![now, limit as i64, document], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        tx.prepare_cached(
            "INSERT INTO delivery_attempts (delivery_id, at, outcome, reply)
             SELECT id, ?2, 'abandoned', ?3 FROM deliveries WHERE id = ?1 AND status = 'sending'",
        )?
        .execute(params![id, now, abandoned])?;
        let c = tx
            .prepare_cached(
                "UPDATE deliveries SET status = 'sending', lease_until = ?2, attempts = attempts + 1, claim = ?3
                 WHERE id = ?1
                 RETURNING id, document_id, recipient, email, message_id, attempts, claim",
            )?
            .query_row(params![id, until, claim], |r| {
                Ok(Claimed {
                    id: r.get(0)?,
                    document_id: r.get(1)?,
                    recipient: r.get(2)?,
                    email: r.get(3)?,
                    message_id: r.get(4)?,
                    attempt: r.get(5)?,
                    claim: r.get(6)?,
                })
            })?;
        claimed.push(c);
    }
    tx.commit()?;
    Ok(claimed)
}

/// Extends the lease of every row `claim` still holds; returns how many.
pub fn renew(conn: &Connection, lease: Duration, claim: &str) -> Result<usize, rusqlite::Error> {
    let until = Stamp::now().plus(lease);
    conn.prepare_cached(
        "UPDATE deliveries SET lease_until = ?2 WHERE status = 'sending' AND claim = ?1",
    )?
    .execute(params![claim, until])
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server accepted the message (its reply).
    Sent(String),
    /// Worth trying again: connection trouble, a timeout, a 4xx reply.
    Transient(String),
    /// Refused for good: a 5xx reply, a message that cannot be built.
    Permanent(String),
}

/// Where a claimed row goes after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// Sent: final, whoever holds the row now (the server has the message).
    Sent,
    /// Queued again, due at this time.
    RetryAt(Stamp),
    /// Failed for good, with this reply shown.
    Fail(String),
}

/// Records an attempt's outcome in the log and moves the row by `then`, in one
/// immediate transaction: to `sent` whoever holds it now; otherwise only if `claimed`'s
/// worker still holds it.
pub fn record(
    conn: &mut Connection,
    claimed: &Claimed,
    outcome: &Outcome,
    then: Then,
) -> Result<(), rusqlite::Error> {
    let now = Stamp::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (kind, reply) = match outcome {
        Outcome::Sent(r) => ("sent", r),
        Outcome::Transient(r) => ("transient", r),
        Outcome::Permanent(r) => ("permanent", r),
    };
    tx.prepare_cached(
        "INSERT INTO delivery_attempts (delivery_id, at, outcome, reply) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![claimed.id, now, kind, reply])?;
    match then {
        Then::Sent => {
            tx.prepare_cached(
                "UPDATE deliveries SET status = 'sent', sent_at = ?2, last_reply = ?3, lease_until = NULL,
                    next_attempt_at = NULL, claim = NULL WHERE id = ?1 AND status != 'sent'",
            )?
            .execute(params![claimed.id, now, reply])?;
        }
        Then::RetryAt(next) => {
            tx.prepare_cached(
                "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, last_reply = ?3, lease_until = NULL,
                    claim = NULL WHERE id = ?1 AND status = 'sending' AND claim = ?4",
            )?
            .execute(params![claimed.id, next, reply, claimed.claim])?;
        }
        Then::Fail(shown) => {
            tx.prepare_cached(
                "UPDATE deliveries SET status = 'failed', last_reply = ?2, lease_until = NULL, next_attempt_at = NULL,
                    claim = NULL WHERE id = ?1 AND status = 'sending' AND claim = ?3",
            )?
            .execute(params![claimed.id, shown, claimed.claim])?;
        }
    }
    tx.commit()
}

/// What is left to do in the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pending {
    /// Messages a worker may claim now (due, or left "sending" by a dead worker).
    pub due: usize,
    /// Messages waiting for a later retry.
    pub waiting: usize,
    /// Messages another worker is sending (lease still running).
    pub sending: usize,
    /// When the next waiting message becomes due or the next lease ends.
    pub next_at: Option<Stamp>,
}

/// The work left in the outbox, optionally for one document.
pub fn pending(conn: &Connection, document: Option<i64>) -> Result<Pending, rusqlite::Error> {
    let now = Stamp::now();
    conn.query_row(
        "SELECT
            count(*) FILTER (WHERE (status = 'queued' AND next_attempt_at <= ?1)
                                OR (status = 'sending' AND lease_until < ?1)),
            count(*) FILTER (WHERE status = 'queued' AND next_attempt_at > ?1),
            count(*) FILTER (WHERE status = 'sending' AND lease_until >= ?1),
            min(CASE WHEN status = 'queued' AND next_attempt_at > ?1 THEN next_attempt_at
                     WHEN status = 'sending' AND lease_until >= ?1 THEN lease_until END)
         FROM deliveries WHERE status IN ('queued', 'sending') AND (?2 IS NULL OR document_id = ?2)",
        params![now, document],
        |r| {
            Ok(Pending {
                due: r.get::<_, i64>(0)? as usize,
                waiting: r.get::<_, i64>(1)? as usize,
                sending: r.get::<_, i64>(2)? as usize,
                next_at: r.get(3)?,
            })
        },
    )
}

/// A delivery notice (bounce or delay) to record against one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The message could not be delivered: a sent row becomes failed.
    Bounced,
    /// Delivery is delayed: only the attempt log changes.
    Delayed,
}

/// A delivery's status and Message-ID, if it exists.
pub fn status_of(
    conn: &Connection,
    delivery: i64,
) -> Result<Option<(Status, Option<String>)>, rusqlite::Error> {
    conn.query_row(
        "SELECT status, message_id FROM deliveries WHERE id = ?1",
        [delivery],
        |r| Ok((Status::parse(&r.get::<_, String>(0)?), r.get(1)?)),
    )
    .optional()
}

/// Records `notice` with `reason` against `delivery`, in one immediate transaction: a
/// delay adds a `delayed` attempt; a bounce fails a row that is `sent` and adds a
/// `bounced` attempt, and changes nothing (returns false) if the row is not `sent`
/// (the same notice read twice).
pub fn record_notice(
    store: &mut Store,
    delivery: i64,
    notice: Notice,
    reason: &str,
) -> Result<bool, rusqlite::Error> {
    let tx = store
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let kind = match notice {
        Notice::Bounced => {
            let failed = tx.execute(
                "UPDATE deliveries SET status = 'failed', last_reply = ?2 WHERE id = ?1 AND status = 'sent'",
                params![delivery, reason],
            )?;
            if failed == 0 {
                return Ok(false);
            }
            "bounced"
        }
        Notice::Delayed => "delayed",
    };
    tx.execute(
        "INSERT INTO delivery_attempts (delivery_id, at, outcome, reply) VALUES (?1, ?2, ?3, ?4)",
        params![delivery, Stamp::now(), kind, reason],
    )?;
    tx.commit()?;
    Ok(true)
}

/// What the clerk recorded for a paper recipient of a document (`key` as queued): the
/// day it left (`YYYY-MM-DD`) and the envelopes, if the row exists.
pub fn paper_recorded(
    conn: &Connection,
    document_id: i64,
    key: &str,
) -> Result<Option<(Option<String>, u32)>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT paper_sent_on, envelopes FROM deliveries WHERE document_id = ?1 AND recipient_key = ?2",
    )?
    .query_row(params![document_id, key], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// A paper copy as it left: who, under which key, why, the day and the envelopes.
#[derive(Debug, Clone)]
pub struct PaperSent<'a> {
    pub recipient: &'a str,
    pub key: &'a str,
    pub reason: &'a str,
    /// `YYYY-MM-DD`.
    pub on: &'a str,
    pub envelopes: u32,
}

/// Records that a paper copy left (adds its row after the document's rows if it has
/// none yet).
pub fn record_paper(
    conn: &Connection,
    document_id: i64,
    sent: &PaperSent,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO deliveries (document_id, position, recipient, recipient_key, status, last_reply,
             queued_at, paper_sent_on, envelopes)
         VALUES (?1, (SELECT coalesce(max(position), 0) + 1 FROM deliveries WHERE document_id = ?1),
             ?2, ?3, 'paper', ?4, ?5, ?6, ?7)
         ON CONFLICT (document_id, recipient_key) DO UPDATE SET
             paper_sent_on = excluded.paper_sent_on, envelopes = excluded.envelopes",
        params![
            document_id,
            sent.recipient,
            sent.key,
            sent.reason,
            Stamp::now(),
            sent.on,
            sent.envelopes
        ],
    )?;
    Ok(())
}

/// One paper copy recorded as sent, with its document.
#[derive(Debug, Clone)]
pub struct PaperLine {
    /// `YYYY-MM-DD`.
    pub sent_on: String,
    pub number_symbol: String,
    pub recipient: String,
    pub envelopes: u32,
    /// The stored letter (TOML) of the document.
    pub letter: String,
}

/// The paper copies of `issuer`'s documents of `year` recorded as sent, by day.
pub fn paper_sent(
    conn: &Connection,
    issuer: &str,
    year: i32,
) -> Result<Vec<PaperLine>, rusqlite::Error> {
    conn.prepare(
        "SELECT d.paper_sent_on, doc.number_symbol, d.recipient, d.envelopes, doc.letter
         FROM deliveries d JOIN documents doc ON doc.id = d.document_id
         WHERE doc.issuer = ?1 AND doc.year = ?2 AND d.status = 'paper' AND d.paper_sent_on IS NOT NULL
         ORDER BY d.paper_sent_on, doc.number, d.position",
    )?
    .query_map(params![issuer, year], |r| {
        Ok(PaperLine {
            sent_on: r.get(0)?,
            number_symbol: r.get(1)?,
            recipient: r.get(2)?,
            envelopes: r.get(3)?,
            letter: r.get(4)?,
        })
    })?
    .collect()
}

/// When document `id` first left: the earliest accepted e-mail and the earliest paper
/// copy recorded as sent (`YYYY-MM-DD`).
pub fn first_sent(
    conn: &Connection,
    id: i64,
) -> Result<(Option<Stamp>, Option<String>), rusqlite::Error> {
    conn.query_row(
        "SELECT min(CASE WHEN status = 'sent' THEN sent_at END), min(paper_sent_on)
         FROM deliveries WHERE document_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// A delivery that failed or is being retried, with its document's number.
#[derive(Debug, Clone, PartialEq)]
pub struct Troubled {
    pub document_id: i64,
    pub number_symbol: String,
    pub recipient: String,
    pub email: Option<String>,
    pub status: String,
    pub attempts: u32,
    pub last_reply: String,
}

/// The failed deliveries and those waiting for a retry, of the documents of `issuers`
/// (all when None), newest first, at most 200.
pub fn troubled(
    conn: &Connection,
    issuers: Option<&[String]>,
) -> Result<Vec<Troubled>, rusqlite::Error> {
    let issuers = issuers.map(|v| serde_json::to_string(v).expect("strings"));
    conn.prepare_cached(
        "SELECT d.document_id, doc.number_symbol, d.recipient, d.email, d.status, d.attempts,
                coalesce(d.last_reply, '')
         FROM deliveries d JOIN documents doc ON doc.id = d.document_id
         WHERE (d.status = 'failed' OR (d.status = 'queued' AND d.attempts > 0))
           AND (?1 IS NULL OR doc.issuer IN (SELECT value FROM json_each(?1)))
         ORDER BY d.id DESC LIMIT 200",
    )?
    .query_map([issuers], |r| {
        Ok(Troubled {
            document_id: r.get(0)?,
            number_symbol: r.get(1)?,
            recipient: r.get(2)?,
            email: r.get(3)?,
            status: r.get(4)?,
            attempts: r.get(5)?,
            last_reply: r.get(6)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(doc: &str, n: usize) -> NewDelivery {
        let email = format!("{doc}{n}@x.vn");
        NewDelivery {
            recipient: email.clone(),
            agency_id: None,
            email: Some(email.clone()),
            key: email.clone(),
            message_id: Some(format!("<{email}>")),
            paper: false,
            reason: None,
        }
    }

    fn emails(claimed: &[Claimed]) -> Vec<String> {
        claimed.iter().map(|c| c.email.clone()).collect()
    }

    /// The claim's two searches (due queue in priority order, expired leases) give the
    /// order one search over both gave: priority, then due time, then queue order; rows
    /// not yet due and rows still leased are left.
    #[test]
    fn a_claim_takes_urgent_rows_first_then_abandoned_and_due_ones_in_queue_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::init(&dir.path().join("v.db")).unwrap();
        store
            .conn()
            .execute_batch(
                "INSERT INTO documents (id, issuer, issuer_name, year, number, number_symbol, date,
                     kind, subject, signer, recipients, pages, pdf, pdf_sha256, docx, docx_sha256,
                     letter, issued_at)
                 VALUES (1, 'ubnd', 'UBND', 2026, 1, '01/UBND', '2026-12-07', 'cong-van', 'a', 'k',
                         '[]', 1, x'25', 'a', x'50', 'b', '', '2026-12-07T02:00:00.000Z'),
                        (2, 'ubnd', 'UBND', 2026, 2, '02/UBND', '2026-12-07', 'cong-van', 'b', 'k',
                         '[]', 1, x'25', 'c', x'50', 'd', '', '2026-12-07T02:00:00.000Z');",
            )
            .unwrap();
        let plain: Vec<_> = (1..=3).map(|n| row("a", n)).collect();
        let urgent: Vec<_> = (1..=3).map(|n| row("b", n)).collect();
        queue(&mut store, 1, &plain, 0).unwrap();
        queue(&mut store, 2, &urgent, 2).unwrap();
        // a1: its worker died (lease over); a2: a retry due tomorrow.
        let past = Stamp::now().minus(Duration::from_secs(60));
        let tomorrow = Stamp::now().plus(Duration::from_secs(86_400));
        store
            .conn()
            .execute(
                "UPDATE deliveries SET status = 'sending', lease_until = ?1, claim = 'dead', attempts = 1
                 WHERE email = 'a1@x.vn'",
                [past],
            )
            .unwrap();
        store
            .conn()
            .execute(
                "UPDATE deliveries SET next_attempt_at = ?1 WHERE email = 'a2@x.vn'",
                [tomorrow],
            )
            .unwrap();
        let lease = Duration::from_secs(60);
        let first = claim(store.conn(), lease, 4, None, "w", "gone").unwrap();
        assert_eq!(emails(&first), ["b1@x.vn", "b2@x.vn", "b3@x.vn", "a1@x.vn"]);
        assert_eq!(first[3].attempt, 2);
        let abandoned: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM delivery_attempts WHERE outcome = 'abandoned' AND reply = 'gone'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(abandoned, 1);
        // Only a3 is left to take: a2 waits for tomorrow, the others are leased.
        assert_eq!(
            emails(&claim(store.conn(), lease, 10, None, "w2", "gone").unwrap()),
            ["a3@x.vn"]
        );
        assert!(
            claim(store.conn(), lease, 10, None, "w3", "gone")
                .unwrap()
                .is_empty()
        );
        // One document's claim touches only its rows.
        store
            .conn()
            .execute(
                "UPDATE deliveries SET next_attempt_at = ?1 WHERE email = 'a2@x.vn'",
                [past],
            )
            .unwrap();
        assert!(
            claim(store.conn(), lease, 10, Some(2), "w4", "gone")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            emails(&claim(store.conn(), lease, 10, Some(1), "w4", "gone").unwrap()),
            ["a2@x.vn"]
        );
    }
}
