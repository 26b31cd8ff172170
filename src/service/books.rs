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
    let book = books::outgoing(store, &e.issuer, e.year)?;
    Ok(book
        .rows
        .into_iter()
        .find(|r| r.document_id == id)
        .ok_or(BookError::NoSuchDocument(id))?)
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
