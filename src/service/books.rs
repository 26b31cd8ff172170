//! The register's books for the service: the clerk's notes on an issued document
//! (who may write them, the audit line) and the outgoing register book's files.

use crate::books::{self, BookError, notes};
use crate::service::accounts::{Action, User};
use crate::service::audit::{self, Outcome};
use crate::service::drafts::{self, DraftError};
use crate::store::Store;

/// Why a note was not kept.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error(transparent)]
    Denied(#[from] DraftError),
    #[error(transparent)]
    Book(#[from] BookError),
}

impl From<rusqlite::Error> for NoteError {
    fn from(e: rusqlite::Error) -> Self {
        NoteError::Book(e.into())
    }
}

/// Writes the clerk's note on document `id` (the clerk keeps the register: the issue
/// right) and returns the book's row as it now reads.
pub fn save_note(
    store: &Store,
    user: &User,
    id: i64,
    input: &notes::NoteInput,
) -> Result<books::OutgoingRow, NoteError> {
    let target = format!("document:{id}");
    drafts::authorize(store, user, Action::Issue, &target)?;
    let note = notes::Note::parse(input, notes::issued_on(store, id)?)?;
    // The note and its audit line are one write.
    let tx = store.conn().unchecked_transaction()?;
    notes::save(store, id, &note, Some(&user.login))?;
    audit::record(
        store.conn(),
        Some(user),
        "register-note",
        &target,
        Outcome::Ok,
        "",
    )?;
    tx.commit()?;
    row(store, id)
}

/// The book's row of document `id`.
pub fn row(store: &Store, id: i64) -> Result<books::OutgoingRow, NoteError> {
    let e = crate::store::register::by_id(store, id).map_err(BookError::from)?;
    Ok(books::row(store, &e)?)
}

/// The file of the outgoing register book of `issuer` and `year`, with its name.
pub fn book_file(
    store: &Store,
    renderer: &crate::Renderer,
    issuer: &str,
    year: i32,
    xlsx: bool,
) -> Result<(Vec<u8>, String), BookError> {
    let book = books::outgoing(store, issuer, year)?;
    let stem = format!("so-di-{issuer}-{year}");
    Ok(if xlsx {
        (books::xlsx::outgoing(&book)?, format!("{stem}.xlsx"))
    } else {
        (
            books::pdf::outgoing(renderer, &book)?,
            format!("{stem}.pdf"),
        )
    })
}

/// A paper copy's dispatch as typed in a form or an API body.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperInput {
    pub recipient: String,
    pub sent_on: String,
    #[serde(default)]
    pub envelopes: Option<String>,
}

/// The clerk records that the paper copy of document `id` for a recipient left (the
/// send right), with its audit line in the same transaction.
pub fn record_paper(
    store: &Store,
    user: &User,
    id: i64,
    input: &PaperInput,
) -> Result<books::paper::PaperCopy, NoteError> {
    let target = format!("document:{id}");
    drafts::authorize(store, user, Action::Send, &target)?;
    let entry = crate::store::register::by_id(store, id).map_err(BookError::from)?;
    let envelopes = match input.envelopes.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(n) => n.parse::<u32>().map_err(|_| BookError::Invalid {
            field: "envelopes",
            message: format!("số lượng bì \"{n}\" không hợp lệ; hãy ghi từ 1 đến 99"),
        })?,
    };
    let tx = store.conn().unchecked_transaction()?;
    let copy =
        books::paper::record_sent(store, &entry, &input.recipient, &input.sent_on, envelopes)?;
    audit::record(
        store.conn(),
        Some(user),
        "paper-sent",
        &target,
        Outcome::Ok,
        &copy.recipient,
    )?;
    tx.commit()?;
    Ok(copy)
}
