//! The outbox: one row per (issued document, recipient) in SQLite.
//!
//! Invariants:
//! - a document's rows are planned and queued in one transaction, and planning again
//!   adds only recipients that are not there yet (a mailbox is never queued twice);
//! - a row moves `queued → sending → sent | queued (retry) | failed`; only a worker that
//!   claimed it (status `sending`, `lease_until` in the future) sends it;
//! - a `sent` row is final: nothing ever sends it again, `--retry-failed` included;
//! - every attempt is recorded in `delivery_attempts` with the server's reply, in the
//!   same transaction that moves the row.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{TransactionBehavior, params};

use super::recipients::Recipients;
use super::settings::MailSettings;
use crate::store::Store;
use crate::store::register::Entry;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

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
    pub next_attempt_at: Option<i64>,
    pub last_reply: Option<String>,
    pub sent_at: Option<i64>,
    /// A paper copy: the day it left (`YYYY-MM-DD`), once the clerk recorded it.
    pub paper_sent_on: Option<String>,
}

/// What planning a document added to the outbox.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queued {
    /// New messages queued now.
    pub queued: usize,
    /// Mailboxes already in the outbox (queued, sent or failed earlier): not queued again.
    pub already: usize,
    /// Recipients recorded as "gửi bản giấy".
    pub paper: usize,
}

/// The stable Message-ID of the message of `entry` to `email`: the same on every
/// attempt and every run, so a receiving system can recognise a repeat.
pub fn message_id(entry: &Entry, email: &str, domain: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = |s: &str| {
        Sha256::digest(s.as_bytes())
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let issuer: String = if entry
        .issuer
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        entry.issuer.clone()
    } else {
        hash(&entry.issuer)
    };
    format!(
        "<vanthu.{issuer}.{}.{}.{}@{domain}>",
        entry.year,
        entry.number,
        hash(&email.to_ascii_lowercase())
    )
}

/// Queues one message per mailbox of `recipients` and records the paper recipients, in
/// one transaction. Recipients already in the outbox are left as they are.
pub fn queue(
    store: &mut Store,
    entry: &Entry,
    recipients: &Recipients,
    domain: &str,
    priority: i64,
) -> Result<Queued, rusqlite::Error> {
    let now = now_ms();
    let tx = store
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut report = Queued::default();
    let start: i64 = tx.query_row(
        "SELECT coalesce(max(position), 0) FROM deliveries WHERE document_id = ?1",
        [entry.id],
        |r| r.get(0),
    )?;
    {
        // A mailbox is queued now; a paper recipient is recorded with its reason and
        // never becomes due.
        let mut insert = tx.prepare(
            "INSERT INTO deliveries (document_id, position, recipient, agency_id, email, recipient_key,
                message_id, status, next_attempt_at, last_reply, queued_at, priority)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (document_id, recipient_key) DO NOTHING",
        )?;
        let mut position = start;
        for m in &recipients.mailboxes {
            position += 1;
            let email = m.email.as_str();
            let added = insert.execute(params![
                entry.id,
                position,
                m.name,
                m.id,
                email,
                email.to_ascii_lowercase(),
                message_id(entry, email, domain),
                "queued",
                now,
                None::<String>,
                now,
                priority
            ])?;
            if added == 1 {
                report.queued += 1;
            } else {
                report.already += 1;
            }
        }
        for p in &recipients.paper {
            position += 1;
            report.paper += insert.execute(params![
                entry.id,
                position,
                p.name,
                None::<String>,
                None::<String>,
                format!("giấy:{}", p.name.to_lowercase()),
                None::<String>,
                "paper",
                None::<i64>,
                p.reason,
                now,
                priority
            ])?;
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
        params![document_id, now_ms()],
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

/// A claim token for one worker run, unique across processes and runs.
pub fn new_claim_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static RUNS: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        now_ms(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    )
}

/// What the attempt log says of a row whose lease ran out before an outcome was
/// recorded (its worker died or stalled).
pub const ABANDONED: &str = "người gửi dừng trước khi ghi được kết quả (hết hạn giữ chỗ); gửi lại";

/// Claims up to `limit` messages that are due (queued and due, or "sending" with an
/// expired lease, i.e. left by a worker that died), optionally of one document, under
/// `claim` (the worker run's token), in one immediate transaction. A row taken back
/// from an expired lease gets its 'abandoned' attempt first.
pub fn claim(
    conn: &rusqlite::Connection,
    lease: Duration,
    limit: usize,
    document: Option<i64>,
    claim: &str,
) -> Result<Vec<Claimed>, rusqlite::Error> {
    let now = now_ms();
    let until = now + lease.as_millis() as i64;
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let ids: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM deliveries
             WHERE ((status = 'queued' AND next_attempt_at <= ?1) OR (status = 'sending' AND lease_until < ?1))
               AND (?3 IS NULL OR document_id = ?3)
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
        .execute(params![id, now, ABANDONED])?;
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
pub fn renew(
    conn: &rusqlite::Connection,
    lease: Duration,
    claim: &str,
) -> Result<usize, rusqlite::Error> {
    let until = now_ms() + lease.as_millis() as i64;
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

/// Records an attempt's outcome and moves the row, in one transaction.
pub fn record(
    conn: &mut rusqlite::Connection,
    claimed: &Claimed,
    outcome: &Outcome,
    settings: &MailSettings,
) -> Result<(), rusqlite::Error> {
    let now = now_ms();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (kind, reply) = match outcome {
        Outcome::Sent(r) => ("sent", r),
        Outcome::Transient(r) => ("transient", r),
        Outcome::Permanent(r) => ("permanent", r),
    };
    tx.execute(
        "INSERT INTO delivery_attempts (delivery_id, at, outcome, reply) VALUES (?1, ?2, ?3, ?4)",
        params![claimed.id, now, kind, reply],
    )?;
    match outcome {
        Outcome::Sent(r) => {
            tx.execute(
                // Sent is final whoever holds the row now: the server has the message.
                "UPDATE deliveries SET status = 'sent', sent_at = ?2, last_reply = ?3, lease_until = NULL,
                    next_attempt_at = NULL, claim = NULL WHERE id = ?1 AND status != 'sent'",
                params![claimed.id, now, r],
            )?;
        }
        Outcome::Transient(r) if claimed.attempt < settings.max_attempts => {
            let next = now + settings.backoff(claimed.attempt).as_millis() as i64;
            tx.execute(
                "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, last_reply = ?3, lease_until = NULL,
                    claim = NULL WHERE id = ?1 AND status = 'sending' AND claim = ?4",
                params![claimed.id, next, r, claimed.claim],
            )?;
        }
        Outcome::Transient(r) => {
            tx.execute(
                "UPDATE deliveries SET status = 'failed', last_reply = ?2, lease_until = NULL, next_attempt_at = NULL,
                    claim = NULL WHERE id = ?1 AND status = 'sending' AND claim = ?3",
                params![
                    claimed.id,
                    format!("{r} (đã thử {} lần)", claimed.attempt),
                    claimed.claim
                ],
            )?;
        }
        Outcome::Permanent(r) => {
            tx.execute(
                "UPDATE deliveries SET status = 'failed', last_reply = ?2, lease_until = NULL, next_attempt_at = NULL,
                    claim = NULL WHERE id = ?1 AND status = 'sending' AND claim = ?3",
                params![claimed.id, r, claimed.claim],
            )?;
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
    pub next_at: Option<i64>,
}

/// The work left in the outbox, optionally for one document.
pub fn pending(
    conn: &rusqlite::Connection,
    document: Option<i64>,
) -> Result<Pending, rusqlite::Error> {
    let now = now_ms();
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

/// A time in Vietnam (UTC+7), `dd/mm/yyyy HH:MM:SS`.
pub fn vn_time(ms: i64) -> String {
    let vn = crate::vietnam_offset();
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&vn).format("%d/%m/%Y %H:%M:%S").to_string())
        .unwrap_or_default()
}

impl Delivery {
    /// [`Delivery::state`] for a clerk's page: an SMTP server's acceptance ("250 2.0.0
    /// Ok: queued as …", kept in `last_reply` and in `vanthu status`) said in words.
    pub fn clerk_state(&self) -> String {
        let reply = self.last_reply.as_deref().unwrap_or("");
        if self.status == Status::Sent && reply.starts_with('2') {
            return format!(
                "đã gửi lúc {} (máy chủ thư đã nhận)",
                self.sent_at.map(vn_time).unwrap_or_default()
            );
        }
        self.state()
    }

    /// Where this delivery stands, in the clerk's words.
    pub fn state(&self) -> String {
        let reply = self.last_reply.as_deref().unwrap_or("");
        match self.status {
            Status::Paper => match &self.paper_sent_on {
                Some(day) => format!(
                    "đã chuyển bản giấy ngày {} ({reply})",
                    crate::model::day_month_year(day)
                ),
                None => format!("gửi bản giấy ({reply})"),
            },
            Status::Sent => format!(
                "đã gửi lúc {} ({reply})",
                self.sent_at.map(vn_time).unwrap_or_default()
            ),
            Status::Failed => format!("thất bại sau {} lần: {reply}", self.attempts),
            Status::Sending => format!("đang gửi (lần {})", self.attempts),
            Status::Queued if self.attempts == 0 => "đang chờ gửi".to_string(),
            Status::Queued => format!(
                "gửi lại lúc {} (lần {} lỗi: {reply})",
                self.next_attempt_at.map(vn_time).unwrap_or_default(),
                self.attempts
            ),
        }
    }
}
