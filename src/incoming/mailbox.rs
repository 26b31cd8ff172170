//! Receiving from the agency's mailbox: either the MTA delivers the agency's document
//! address to a Maildir, and [`fetch`] registers the PDF attachments of each new message,
//! then moves the message to `cur/`; or the mailbox is on an IMAP server
//! ([`super::imap`]), whose messages are registered the same way and moved to a folder.
//! `[[incoming.mailboxes]]` names each agency's mailbox ([`Settings`]), and
//! [`fetch_mailbox`] reads one of either kind.
//!
//! Read once, lose nothing: a message leaves `new/` only after every attachment of it
//! is registered (each in its own transaction), so a fetch killed half-way leaves it in
//! `new/` and the next fetch reads it again; what was registered then comes back as the
//! same entry (one agency registers one file once, by its SHA-256), so nothing is
//! duplicated. A message with an attachment that could not be registered (not a PDF,
//! too large) is left unread in `cur/` for a person, its reasons printed.

use std::path::{Path, PathBuf};

use mailparse::{DispositionType, MailHeaderMap, ParsedMail};

use super::{Arrival, IncomingError, Receipt, Source, receive};
use crate::mail::maildir;
use crate::sign::keys::Trust;
use crate::store::Store;

/// What happened to one attachment.
#[derive(Debug)]
pub enum Outcome {
    /// Registered (new or, read again, the entry it already had).
    Receipt(Box<Receipt>),
    /// Not registered, with the reason.
    Refused(IncomingError),
}

/// What a fetch did.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Messages read.
    pub messages: usize,
    /// Per attachment: the message's file name, then what happened.
    pub attachments: Vec<(String, Outcome)>,
    /// Messages without any attachment (left unread in `cur/`).
    pub without_attachment: usize,
}

/// Why the Maildir could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MailboxError {
    #[error("thư mục thư đến {}: {source}", .path.display())]
    Maildir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("hộp thư IMAP {server}: {message}")]
    Imap { server: String, message: String },
    #[error(transparent)]
    Incoming(#[from] IncomingError),
}

/// `[incoming]`: the agencies' mailboxes and how often the service reads them.
///
/// ```toml
/// [incoming]
/// every_minutes = 5                   # the service's fetch; 0 turns it off
/// [[incoming.mailboxes]]
/// agency = "ubnd-hoa-binh"
/// host = "mail.hoabinh.gov.vn"        # IMAP; or maildir = "/var/mail/vanban-den"
/// security = "tls"                    # tls (993), starttls (143), plain (loopback only)
/// username = "vanbanden@hoabinh.gov.vn"
/// password_env = "VANTHU_IMAP_PASSWORD_HOA_BINH"   # or password = "…" in the file
/// ```
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Minutes between two reads of every mailbox by `vanthu serve` (0: never).
    pub every_minutes: u64,
    pub mailboxes: Vec<MailboxSettings>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            every_minutes: 5,
            mailboxes: vec![],
        }
    }
}

/// One `[[incoming.mailboxes]]` as written; [`MailboxSettings::parse`] makes it a
/// [`Mailbox`].
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxSettings {
    /// The receiving agency.
    pub agency: String,
    /// A Maildir the MTA delivers to (instead of an IMAP server).
    pub maildir: Option<PathBuf>,
    /// The IMAP server.
    pub host: Option<String>,
    /// Default: 993 for `tls`, 143 otherwise.
    pub port: Option<u16>,
    /// `tls` (default), `starttls`, or `plain` (only to a loopback address).
    pub security: Option<String>,
    pub username: String,
    pub password: Option<secrecy::SecretString>,
    /// The environment variable holding the password (better than `password`).
    pub password_env: Option<String>,
    /// A CA certificate (PEM) trusted besides the system's, for a server whose
    /// certificate the agency issued itself.
    pub ca_file: Option<PathBuf>,
    /// The folder read (default `INBOX`).
    pub folder: Option<String>,
    /// Where a message goes once every attachment is registered (default "Đã vào sổ").
    pub registered_folder: Option<String>,
    /// Where a message goes when something of it was refused or it had no attachment,
    /// for a person to look at (default "Chưa vào sổ").
    pub refused_folder: Option<String>,
}

/// Where an agency's documents arrive, as configured.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub agency: String,
    pub at: MailboxAt,
}

/// A Maildir on this machine, or an IMAP account.
#[derive(Debug, Clone)]
pub enum MailboxAt {
    Maildir(PathBuf),
    Imap(super::imap::Account),
}

impl MailboxSettings {
    /// The mailbox it describes; `var` reads the environment (for `password_env`).
    /// Errors name the setting in Vietnamese.
    pub fn parse(&self, var: impl Fn(&str) -> Option<String>) -> Result<Mailbox, String> {
        let agency = self.agency.trim();
        if agency.is_empty() {
            return Err("incoming.mailboxes: thiếu agency (mã cơ quan nhận)".into());
        }
        let at = match (&self.maildir, &self.host) {
            (Some(dir), None) => MailboxAt::Maildir(dir.clone()),
            (None, Some(host)) => MailboxAt::Imap(super::imap::Account::parse(self, host, var)?),
            _ => {
                return Err(format!(
                    "incoming.mailboxes ({agency}): ghi một trong hai: host (máy chủ IMAP) hoặc maildir"
                ));
            }
        };
        Ok(Mailbox {
            agency: agency.to_string(),
            at,
        })
    }
}

impl Settings {
    /// Every configured mailbox, parsed.
    pub fn mailboxes(&self, var: impl Fn(&str) -> Option<String>) -> Result<Vec<Mailbox>, String> {
        self.mailboxes.iter().map(|m| m.parse(&var)).collect()
    }
}

/// Reads one configured mailbox for its agency.
pub fn fetch_mailbox(
    store: &Store,
    trust: &Trust,
    mailbox: &Mailbox,
) -> Result<Fetched, MailboxError> {
    match &mailbox.at {
        MailboxAt::Maildir(dir) => fetch(store, trust, &mailbox.agency, dir),
        MailboxAt::Imap(account) => super::imap::fetch(store, trust, &mailbox.agency, account),
    }
}

/// Registers the attachments of every new message of the Maildir `dir` for `agency`
/// and moves each message to `cur/` (seen when all of its attachments were registered).
pub fn fetch(
    store: &Store,
    trust: &Trust,
    agency: &str,
    dir: &Path,
) -> Result<Fetched, MailboxError> {
    let failed = |(path, source)| MailboxError::Maildir { path, source };
    let mut fetched = Fetched::default();
    for name in maildir::new_messages(dir).map_err(failed)? {
        let path = dir.join("new").join(&name);
        fetched.messages += 1;
        // A message is read into memory: one far over an attachment's limit is not.
        let io = |e| failed((path.clone(), e));
        let size = std::fs::metadata(&path).map_err(io)?.len() as usize;
        let shown = name.to_string_lossy();
        let registered = if size > TOO_LARGE {
            fetched.too_large(&shown, size);
            false
        } else {
            let raw = std::fs::read(&path).map_err(io)?;
            let message = Message {
                agency,
                source: Source::Maildir,
                raw: &raw,
            };
            register_message(store, trust, &message, &mut fetched)?
        };
        maildir::file_away(dir, &name, registered).map_err(failed)?;
    }
    Ok(fetched)
}

/// A message over this size is not read (twice an attachment's limit: base64 and the
/// rest of the message).
pub(super) const TOO_LARGE: usize = 2 * super::MAX_FILE;

/// One message read from a mailbox.
pub(super) struct Message<'a> {
    pub agency: &'a str,
    pub source: Source,
    pub raw: &'a [u8],
}

impl Fetched {
    /// How many attachments (or messages too large to read) were not registered.
    pub fn refused(&self) -> usize {
        self.attachments
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Refused(_)))
            .count()
    }

    /// Counts a message not read for its size, refused as too large.
    pub(super) fn too_large(&mut self, name: &str, size: usize) {
        let refusal = IncomingError::TooLarge {
            name: name.to_string(),
            size,
            max: super::MAX_FILE,
        };
        self.attachments
            .push((name.to_string(), Outcome::Refused(refusal)));
    }
}

/// Registers every attachment of `message` (each in its own transaction), recording
/// what happened in `fetched`; true when it had attachments and all were registered
/// (then the message may leave the unread mail). A database failure stops at once: the
/// message is read again by the next fetch.
pub(super) fn register_message(
    store: &Store,
    trust: &Trust,
    message: &Message,
    fetched: &mut Fetched,
) -> Result<bool, MailboxError> {
    let mut all_registered = true;
    let mut any = false;
    if let Ok(mail) = mailparse::parse_mail(message.raw) {
        let message_id = mail.headers.get_first_value("Message-ID");
        for (file_name, bytes) in attachments(&mail) {
            any = true;
            let arrival = Arrival {
                agency: message.agency,
                file_name: &file_name,
                bytes: &bytes,
                source: message.source,
                by: "mailbox",
                message_id: message_id.as_deref(),
            };
            let outcome = match receive(store, trust, &arrival) {
                Ok(r) => Outcome::Receipt(Box::new(r)),
                // The database failing is not the attachment's fault: stop, the
                // message stays unread for the next fetch.
                Err(IncomingError::Store(e)) => return Err(IncomingError::Store(e).into()),
                Err(e) => {
                    all_registered = false;
                    Outcome::Refused(e)
                }
            };
            fetched.attachments.push((file_name, outcome));
        }
    }
    if !any {
        fetched.without_attachment += 1;
    }
    Ok(any && all_registered)
}

/// The attached files of a message: `(file name, bytes)` of each part sent as an
/// attachment or carrying a file name.
fn attachments(mail: &ParsedMail) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    collect(mail, &mut out);
    out
}

fn collect(part: &ParsedMail, out: &mut Vec<(String, Vec<u8>)>) {
    if part.subparts.is_empty() {
        let disposition = part.get_content_disposition();
        let name = disposition
            .params
            .get("filename")
            .or_else(|| part.ctype.params.get("name"))
            .cloned();
        let attached = disposition.disposition == DispositionType::Attachment || name.is_some();
        if attached && let Ok(bytes) = part.get_body_raw() {
            out.push((name.unwrap_or_else(|| "tệp đính kèm".to_string()), bytes));
        }
        return;
    }
    for sub in &part.subparts {
        collect(sub, out);
    }
}
