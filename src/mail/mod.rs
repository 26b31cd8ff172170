//! E-mail delivery of issued documents to every "Nơi nhận" recipient.
//!
//! 1. **Recipients** ([`recipients`]): the document's "Kính gửi" and "Nơi nhận" entries
//!    resolve to stored agencies, groups (each member) and people; "Như trên" is the
//!    addressees, "Lưu: …" the archive; entries without a mailbox go on paper.
//! 2. **Outbox** ([`outbox`]): one row per mailbox, queued in the transaction that plans
//!    it, with a stable Message-ID; every attempt is recorded.
//! 3. **Message** ([`message`]): subject `[number] subject`, plain and HTML bodies from
//!    `templates/email/`, the register's PDF and DOCX attached byte for byte.
//! 4. **Worker** ([`worker`]): claims due rows, sends through [`smtp`] (lettre's
//!    connection, pooled per run, PIPELINING, DSN, QUIT) or writes .eml files, retries
//!    transient failures with capped exponential backoff, and marks permanent ones failed.
//! 5. **Bounces** ([`bounces`]): each message's envelope sender is its own VERP address;
//!    the notifications that come back (RFC 3464) mark their deliveries failed.
//!
//! [`plan`] and [`queue`] are what `vanthu send` and the service call.

pub mod bounces;
pub mod dkim;
pub mod maildir;
pub mod message;
pub mod outbox;
pub mod recipients;
pub mod settings;
pub mod smtp;
pub mod worker;

pub use outbox::{Delivery, Status};
pub use recipients::Recipients;
pub use settings::MailSettings;

use crate::model::LetterMarks;
use crate::store::Store;
use crate::store::register::{Entry, RegisterError};

/// Why mail could not be planned, built or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error(
        "cơ quan ban hành \"{0}\" chưa có địa chỉ thư điện tử để gửi đi; thêm email cho cơ quan trong tệp dữ liệu (vanthu import) hoặc đặt mail.from / VANTHU_MAIL_FROM"
    )]
    NoSender(String),
    #[error("địa chỉ thư không hợp lệ: {0}")]
    Address(String),
    #[error("cấu hình gửi thư: {0}")]
    Settings(String),
    #[error("mẫu thư (templates/email): {0}")]
    Template(String),
    #[error("không tạo được thư: {0}")]
    Build(String),
    #[error(
        "văn bản {0} mang dấu độ mật \"{1}\": văn bản mật không được gửi qua thư điện tử hay mạng (Nghị định 30/2020/NĐ-CP; Luật Bảo vệ bí mật nhà nước); không có thư nào được gửi, hãy chuyển bản giấy cho mọi nơi nhận"
    )]
    Secret(String, &'static str),
    #[error(transparent)]
    Register(#[from] RegisterError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The delivery plan of an issued document: who gets an e-mail, who gets paper, and
/// the archive line. Changes nothing.
///
/// A document marked MẬT, TỐI MẬT or TUYỆT MẬT has every recipient on paper: it is
/// never e-mailed.
pub fn plan(store: &Store, entry: &Entry) -> Result<Recipients, MailError> {
    let (letter, marks) = stored(store, entry)?;
    plan_of(store, &letter, marks)
}

fn plan_of(store: &Store, letter: &str, marks: LetterMarks) -> Result<Recipients, MailError> {
    let mut plan = recipients::resolve(store, letter)?;
    if let Some(secrecy) = marks.secrecy {
        let reason = format!("văn bản {}: chỉ gửi bản giấy", secrecy.label());
        let mailboxes = std::mem::take(&mut plan.mailboxes);
        let paper = mailboxes.into_iter().map(|m| recipients::Paper {
            name: m.name,
            reason: reason.clone(),
        });
        plan.paper = paper.chain(plan.paper).collect();
    }
    Ok(plan)
}

/// The stored letter of an issued document and the marks delivery acts on: read and
/// parsed once per call.
fn stored(store: &Store, entry: &Entry) -> Result<(String, LetterMarks), MailError> {
    let letter = crate::store::register::letter(store, entry.id)?;
    let marks = LetterMarks::of_letter(&letter);
    Ok((letter, marks))
}

fn refuse(entry: &Entry, marks: LetterMarks) -> Result<(), MailError> {
    match marks.secrecy {
        Some(s) => Err(MailError::Secret(entry.number_symbol.clone(), s.label())),
        None => Ok(()),
    }
}

/// Refuses a document with a secrecy mark: it is never sent over the network.
pub fn refuse_secret(store: &Store, entry: &Entry) -> Result<(), MailError> {
    refuse(entry, stored(store, entry)?.1)
}

/// Plans the document's recipients and queues one message per mailbox (and the paper
/// recipients) in one transaction; recipients already queued are not queued again. A
/// secret document is refused before anything is written; an urgent one is queued
/// ahead of the others.
pub fn queue(
    store: &mut Store,
    entry: &Entry,
    settings: &MailSettings,
) -> Result<(Recipients, outbox::Queued), MailError> {
    let (letter, marks) = stored(store, entry)?;
    refuse(entry, marks)?;
    let recipients = plan_of(store, &letter, marks)?;
    let sender = message::sender(store, entry, settings)?;
    let priority = marks.urgency.map_or(0, |u| u.priority());
    let queued = outbox::queue(store, entry, &recipients, sender.domain(), priority)?;
    Ok((recipients, queued))
}
