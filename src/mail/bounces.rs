//! Bounces: a message the first server accepted may still fail further on ("5.1.1 user
//! unknown" from the recipient's relay). The failure comes back later as a delivery
//! status notification (RFC 3464) to the envelope sender, so vanthu gives each message
//! its own envelope sender (VERP): `bounces+<delivery>-<tag>@domain` from the configured
//! `[mail.bounces] address`, and, where the server offers DSN, the same token as the
//! DSN envelope id.
//!
//! The MTA delivers the bounce address to a Maildir ([`scan`] reads its `new/` and moves
//! each message to `cur/`: read when it was a bounce of ours, unread otherwise) or pipes
//! one message into `vanthu bounces --stdin` ([`take`]). A bounce marks its delivery
//! failed with the reason ([`apply`]); a delay notice is recorded in the attempt log and
//! changes nothing else.
//!
//! The tag is the first 8 hex digits of the SHA-256 of the delivery's Message-ID: a
//! notification naming a delivery without its tag is ignored, so guessing numbers cannot
//! fail someone else's delivery.

use std::path::{Path, PathBuf};

use mailparse::{MailHeaderMap, ParsedMail};

use crate::store::Store;
use crate::store::outbox::{self, Status};

/// The token of delivery `id`: `<id>-<tag>`.
pub fn token(id: i64, message_id: &str) -> String {
    format!("{id}-{}", tag(message_id))
}

fn tag(message_id: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(message_id.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The envelope sender of delivery `id`: `address` with `+<token>` before the `@`.
pub fn verp(address: &str, id: i64, message_id: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    format!("{local}+{}@{domain}", token(id, message_id))
}

fn parse_token(s: &str) -> Option<(i64, String)> {
    let (id, tag) = s.trim().split_once('-')?;
    let id = id.parse().ok()?;
    (tag.len() == 8 && tag.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| (id, tag.to_ascii_lowercase()))
}

/// What a notification says happened to the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// It could not be delivered, for good.
    Failed,
    /// Not delivered yet; the relay keeps trying.
    Delayed,
}

/// A delivery status notification about one of our messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub delivery: i64,
    tag: String,
    pub action: Action,
    /// The enhanced status code, e.g. `5.1.1`.
    pub status: String,
    /// The remote server's words, e.g. `550 5.1.1 <x@…>: user unknown`.
    pub diagnostic: String,
}

impl Notice {
    /// The reason as the delivery table shows it.
    pub fn reason(&self) -> String {
        let what = match self.action {
            Action::Failed => "thư bị trả lại",
            Action::Delayed => "thư đang bị chậm ở máy chủ trung gian",
        };
        if self.diagnostic.is_empty() {
            format!("{what} ({})", self.status)
        } else {
            format!("{what} ({}): {}", self.status, self.diagnostic)
        }
    }
}

/// Reads a notification sent to a bounce address whose local part is `local` (e.g.
/// `bounces`). `None`: not a notification about one of our messages that says failed or
/// delayed (a success report, an auto-reply, spam).
pub fn read(raw: &[u8], local: &str) -> Option<Notice> {
    let mail = mailparse::parse_mail(raw).ok()?;
    let report = mail.parts().find(|p| {
        p.ctype
            .mimetype
            .eq_ignore_ascii_case("message/delivery-status")
    })?;
    let body = report.get_body_raw().ok()?;
    let text = String::from_utf8_lossy(&body).replace("\r\n", "\n");
    let mut blocks = text
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .filter_map(|b| mailparse::parse_headers(b.as_bytes()).ok().map(|(h, _)| h));
    let per_message = blocks.next()?;
    let token = per_message
        .get_first_value("Original-Envelope-Id")
        .and_then(|t| parse_token(&t))
        .or_else(|| token_in_headers(&mail, local))?;
    // The first recipient block that failed, else the first that is delayed.
    let recipients: Vec<_> = blocks.collect();
    let action_of = |h: &Vec<mailparse::MailHeader>| {
        h.get_first_value("Action")
            .map(|a| a.trim().to_ascii_lowercase())
    };
    let (action, block) = recipients
        .iter()
        .find(|h| action_of(h).as_deref() == Some("failed"))
        .map(|h| (Action::Failed, h))
        .or_else(|| {
            recipients
                .iter()
                .find(|h| action_of(h).as_deref() == Some("delayed"))
                .map(|h| (Action::Delayed, h))
        })?;
    let field = |name: &str| {
        block
            .get_first_value(name)
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let diagnostic = field("Diagnostic-Code");
    let diagnostic = match diagnostic.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') => rest.trim().to_string(),
        _ => diagnostic,
    };
    Some(Notice {
        delivery: token.0,
        tag: token.1,
        action,
        status: field("Status"),
        diagnostic: crate::text::header_safe(&diagnostic),
    })
}

/// The token in the address the notification was delivered to (`local+<token>@…` in
/// X-Original-To, Delivered-To or To).
fn token_in_headers(mail: &ParsedMail, local: &str) -> Option<(i64, String)> {
    let prefix = format!("{}+", local.to_ascii_lowercase());
    ["X-Original-To", "Delivered-To", "To"]
        .iter()
        .flat_map(|h| mail.headers.get_all_values(h))
        .find_map(|v| {
            let v = v.to_ascii_lowercase();
            let start = v.find(&prefix)? + prefix.len();
            let rest = &v[start..];
            parse_token(&rest[..rest.find('@')?])
        })
}

/// What applying a notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The delivery was sent and is now failed, with the reason.
    Bounced { delivery: i64 },
    /// A delay notice, recorded in the attempt log; the delivery is unchanged.
    Delayed { delivery: i64 },
    /// About one of our deliveries, but nothing to change (already failed: the same
    /// notice read twice, or one for a message not marked sent).
    Unchanged { delivery: i64 },
    /// Not about a delivery of ours (unknown number, wrong tag).
    Unknown,
}

/// Records `notice`: a failure marks a sent delivery failed with the reason and adds a
/// `bounced` attempt; a delay adds a `delayed` attempt. One transaction.
pub fn apply(store: &mut Store, notice: &Notice) -> Result<Applied, rusqlite::Error> {
    let Some((status, Some(message_id))) = outbox::status_of(store.conn(), notice.delivery)? else {
        return Ok(Applied::Unknown);
    };
    if tag(&message_id) != notice.tag {
        return Ok(Applied::Unknown);
    }
    let delivery = notice.delivery;
    let (kind, applied) = match notice.action {
        Action::Failed if status == Status::Sent => {
            (outbox::Notice::Bounced, Applied::Bounced { delivery })
        }
        Action::Failed => return Ok(Applied::Unchanged { delivery }),
        Action::Delayed => (outbox::Notice::Delayed, Applied::Delayed { delivery }),
    };
    // A bounce recorded between the read and the write (the same notice read twice at
    // once) changes nothing the second time.
    if outbox::record_notice(store, delivery, kind, &notice.reason())? {
        Ok(applied)
    } else {
        Ok(Applied::Unchanged { delivery })
    }
}

/// Reads one notification and applies it (`vanthu bounces --stdin`).
pub fn take(store: &mut Store, raw: &[u8], local: &str) -> Result<Applied, rusqlite::Error> {
    match read(raw, local) {
        Some(n) => apply(store, &n),
        None => Ok(Applied::Unknown),
    }
}

/// What a scan of the bounce Maildir found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Deliveries marked failed.
    pub bounced: Vec<i64>,
    /// Delay notices recorded.
    pub delayed: usize,
    /// Notices about our deliveries that changed nothing (read before).
    pub unchanged: usize,
    /// Messages that were not notifications about our deliveries (left unread in cur/).
    pub other: usize,
}

/// Why the Maildir could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("thư mục thư trả lại {}: {source}", .path.display())]
    Maildir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Reads every new message of the Maildir `dir`, applies the notifications, and moves
/// each message to `cur/` (flagged seen when it was one of ours).
pub fn scan(store: &mut Store, dir: &Path, local: &str) -> Result<Scan, ScanError> {
    let failed = |(path, source)| ScanError::Maildir { path, source };
    let mut scan = Scan::default();
    for name in super::maildir::new_messages(dir).map_err(failed)? {
        let path = dir.join("new").join(&name);
        let raw = std::fs::read(&path).map_err(|e| failed((path, e)))?;
        let seen = match take(store, &raw, local)? {
            Applied::Bounced { delivery } => {
                scan.bounced.push(delivery);
                true
            }
            Applied::Delayed { .. } => {
                scan.delayed += 1;
                true
            }
            Applied::Unchanged { .. } => {
                scan.unchanged += 1;
                true
            }
            Applied::Unknown => {
                scan.other += 1;
                false
            }
        };
        super::maildir::file_away(dir, &name, seen).map_err(failed)?;
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DSN: &str = "From: MAILER-DAEMON@relay.example\r\n\
To: bounces+42-0a1b2c3d@so.example\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry.\r\n\
--B\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; relay.example\r\n\
ENVID-LINE\
\r\n\
Final-Recipient: rfc822; x@gone.example\r\n\
Action: ACTION\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <x@gone.example>: Recipient address rejected:\r\n\
\x20   user unknown\r\n\
\r\n\
--B--\r\n";

    fn dsn(envid: &str, action: &str) -> Vec<u8> {
        DSN.replace("ENVID-LINE", envid)
            .replace("ACTION", action)
            .into_bytes()
    }

    #[test]
    fn the_envelope_id_or_the_address_names_the_delivery() {
        let n = read(
            &dsn("Original-Envelope-Id: 7-deadbeef\r\n", "failed"),
            "bounces",
        )
        .unwrap();
        assert_eq!((n.delivery, n.tag.as_str()), (7, "deadbeef"));
        assert_eq!(n.action, Action::Failed);
        assert_eq!(n.status, "5.1.1");
        assert_eq!(
            n.diagnostic,
            "550 5.1.1 <x@gone.example>: Recipient address rejected: user unknown"
        );
        // Without ENVID (a server without DSN): the VERP address it came back to.
        let n = read(&dsn("", "failed"), "bounces").unwrap();
        assert_eq!((n.delivery, n.tag.as_str()), (42, "0a1b2c3d"));
        assert!(n.reason().starts_with("thư bị trả lại (5.1.1): 550"));
    }

    #[test]
    fn delays_are_notices_and_other_reports_are_not() {
        let n = read(&dsn("", "delayed"), "bounces").unwrap();
        assert_eq!(n.action, Action::Delayed);
        assert_eq!(read(&dsn("", "delivered"), "bounces"), None);
        assert_eq!(
            read(b"From: a@b.example\r\n\r\nOut of office\r\n", "bounces"),
            None
        );
        // Another local part: not ours.
        assert_eq!(read(&dsn("", "failed"), "postmaster"), None);
    }

    #[test]
    fn verp_addresses_carry_a_token_that_reads_back() {
        let a = verp("bounces@so.example", 12, "<m@so.example>");
        let (local, domain) = a.split_once('@').unwrap();
        assert_eq!(domain, "so.example");
        let t = local.strip_prefix("bounces+").unwrap();
        assert_eq!(parse_token(t), Some((12, tag("<m@so.example>"))));
        assert_eq!(parse_token("12-xyz"), None);
        assert_eq!(parse_token("x-0a1b2c3d"), None);
    }
}
