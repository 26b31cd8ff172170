//! Receiving from the agency's mailbox: the MTA delivers the agency's document address
//! to a Maildir, and [`fetch`] registers the PDF attachments of each new message, then
//! moves the message to `cur/`.
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
    #[error(transparent)]
    Incoming(#[from] IncomingError),
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
        let mut all_registered = true;
        let mut any = false;
        // A message is read into memory: one far over an attachment's limit is not.
        let io = |e| failed((path.clone(), e));
        let size = std::fs::metadata(&path).map_err(io)?.len() as usize;
        let raw = if size > 2 * super::MAX_FILE {
            any = true;
            all_registered = false;
            let shown = name.to_string_lossy().into_owned();
            let refusal = IncomingError::TooLarge {
                name: shown.clone(),
                size,
                max: super::MAX_FILE,
            };
            fetched.attachments.push((shown, Outcome::Refused(refusal)));
            vec![]
        } else {
            std::fs::read(&path).map_err(io)?
        };
        if !raw.is_empty()
            && let Ok(mail) = mailparse::parse_mail(&raw)
        {
            let message_id = mail.headers.get_first_value("Message-ID");
            for (file_name, bytes) in attachments(&mail) {
                any = true;
                let arrival = Arrival {
                    agency,
                    file_name: &file_name,
                    bytes: &bytes,
                    source: Source::Maildir,
                    by: "mailbox",
                    message_id: message_id.as_deref(),
                };
                let outcome = match receive(store, trust, &arrival) {
                    Ok(r) => Outcome::Receipt(Box::new(r)),
                    // The database failing is not the attachment's fault: stop, the
                    // message stays in new/ for the next fetch.
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
        maildir::file_away(dir, &name, any && all_registered).map_err(failed)?;
    }
    Ok(fetched)
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
