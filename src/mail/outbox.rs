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

use std::time::Duration;

use super::recipients::Recipients;
use super::settings::MailSettings;
use crate::store::Store;
use crate::store::outbox::{self as rows, NewDelivery, Then};
use crate::store::register::Entry;

pub use crate::store::outbox::{
    Claimed, Delivery, Outcome, Pending, Queued, Status, list, pending, renew, retry_failed,
};
use crate::store::time::Stamp;

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
    let mailboxes = recipients.mailboxes.iter().map(|m| {
        let email = m.email.as_str();
        NewDelivery {
            recipient: m.name.clone(),
            agency_id: Some(m.id.clone()),
            email: Some(email.to_string()),
            key: email.to_ascii_lowercase(),
            message_id: Some(message_id(entry, email, domain)),
            paper: false,
            reason: None,
        }
    });
    let paper = recipients.paper.iter().map(|p| NewDelivery {
        recipient: p.name.clone(),
        agency_id: None,
        email: None,
        key: paper_key(&p.name),
        message_id: None,
        paper: true,
        reason: Some(p.reason.clone()),
    });
    let planned: Vec<NewDelivery> = mailboxes.chain(paper).collect();
    rows::queue(store, entry.id, &planned, priority)
}

/// The outbox key of a paper recipient (one row per document and recipient).
pub fn paper_key(recipient: &str) -> String {
    format!("giấy:{}", recipient.to_lowercase())
}

/// A claim token for one worker run, unique across processes and runs.
pub fn new_claim_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static RUNS: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        Stamp::now().utc().timestamp_millis(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    )
}

/// What the attempt log says of a row whose lease ran out before an outcome was
/// recorded (its worker died or stalled).
pub const ABANDONED: &str = "người gửi dừng trước khi ghi được kết quả (hết hạn giữ chỗ); gửi lại";

/// Claims up to `limit` due messages under `claim` (see [`rows::claim`]); a row taken
/// back from a dead worker's lease gets an attempt saying [`ABANDONED`].
pub fn claim(
    conn: &rusqlite::Connection,
    lease: Duration,
    limit: usize,
    document: Option<i64>,
    claim: &str,
) -> Result<Vec<Claimed>, rusqlite::Error> {
    rows::claim(conn, lease, limit, document, claim, ABANDONED)
}

/// Records an attempt's outcome and moves the row, in one transaction: a transient
/// failure is retried after the settings' backoff until `max_attempts`, then fails.
pub fn record(
    conn: &mut rusqlite::Connection,
    claimed: &Claimed,
    outcome: &Outcome,
    settings: &MailSettings,
) -> Result<(), rusqlite::Error> {
    let then = match outcome {
        Outcome::Sent(_) => Then::Sent,
        Outcome::Transient(_) if claimed.attempt < settings.max_attempts => {
            Then::RetryAt(Stamp::now().plus(settings.backoff(claimed.attempt)))
        }
        Outcome::Transient(r) => Then::Fail(format!("{r} (đã thử {} lần)", claimed.attempt)),
        Outcome::Permanent(r) => Then::Fail(r.clone()),
    };
    rows::record(conn, claimed, outcome, then)
}

impl Delivery {
    /// [`Delivery::state`] for a clerk's page: an SMTP server's acceptance ("250 2.0.0
    /// Ok: queued as …", kept in `last_reply` and in `vanthu status`) said in words.
    pub fn clerk_state(&self) -> String {
        let reply = self.last_reply.as_deref().unwrap_or("");
        if self.status == Status::Sent && reply.starts_with('2') {
            return format!(
                "đã gửi lúc {} (máy chủ thư đã nhận)",
                self.sent_at.map(Stamp::vietnam_text).unwrap_or_default()
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
                self.sent_at.map(Stamp::vietnam_text).unwrap_or_default()
            ),
            Status::Failed => format!("thất bại sau {} lần: {reply}", self.attempts),
            Status::Sending => format!("đang gửi (lần {})", self.attempts),
            Status::Queued if self.attempts == 0 => "đang chờ gửi".to_string(),
            Status::Queued => format!(
                "gửi lại lúc {} (lần {} lỗi: {reply})",
                self.next_attempt_at
                    .map(Stamp::vietnam_text)
                    .unwrap_or_default(),
                self.attempts
            ),
        }
    }
}
