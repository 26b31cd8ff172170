//! The register's books for the service: the clerk's notes on an issued document
//! (who may write them, the audit line), the outgoing register book's files, the paper
//! copies, the postal book and the envelopes. Each is its agency's: written by its
//! clerk, read by its accounts ([`crate::service::access`]).

use crate::books::{self, BookError, notes};
use crate::service::access;
use crate::service::access::Denial;
use crate::service::accounts::{Action, User};
use crate::service::audit::{self, Outcome};
use crate::service::documents::ReadError;
use crate::store::Store;
use crate::store::register::Entry;

/// Why a note was not kept.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error(transparent)]
    Denied(#[from] Denial),
    #[error(transparent)]
    Read(#[from] ReadError),
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
    access::role(store, user, Action::Issue, &target)?;
    let entry = crate::service::documents::entry(store, user, id)?;
    access::act_for(
        store,
        user,
        Action::Issue,
        Some(&entry.issuer),
        "sổ văn bản",
        &target,
    )?;
    let note = notes::Note::parse(input, notes::issued_on(store, id)?)?;
    // The note and its audit line are one write.
    let tx = store.write()?;
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
    row(store, user, id)
}

/// The book's row of document `id`.
pub fn row(store: &Store, user: &User, id: i64) -> Result<books::OutgoingRow, NoteError> {
    let e = crate::service::documents::entry(store, user, id)?;
    Ok(books::row(store, &e)?)
}

/// The register's books of `issuer` are read by that agency's accounts only (an issuer
/// that keeps no register is said as such first).
fn book_of(store: &Store, user: &User, issuer: &str) -> Result<(), NoteError> {
    let known = crate::store::agencies::agency_exists(store.conn(), issuer)?
        || crate::store::register::issuer_name(store, issuer)
            .map_err(BookError::from)?
            .is_some();
    if !known {
        return Err(BookError::UnknownIssuer(issuer.to_string()).into());
    }
    access::read(
        store,
        user,
        Some(issuer),
        &[],
        "sổ văn bản",
        &format!("book:{issuer}"),
    )
    .map_err(NoteError::Denied)
}

/// The file of the outgoing register book of `issuer` and `year`, with its name.
pub fn book_file(
    store: &Store,
    user: &User,
    renderer: &crate::Renderer,
    issuer: &str,
    year: i32,
    xlsx: bool,
) -> Result<(Vec<u8>, String), NoteError> {
    book_of(store, user, issuer)?;
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
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperInput {
    /// The recipient, as the document's Nơi nhận names it.
    pub recipient: String,
    /// 2026-06-26 or 26/06/2026, not before the document's date.
    pub sent_on: String,
    /// 1–99, default 1.
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
    access::role(store, user, Action::Send, &target)?;
    let entry = crate::service::documents::entry(store, user, id)?;
    access::act_for(
        store,
        user,
        Action::Send,
        Some(&entry.issuer),
        "văn bản",
        &target,
    )?;
    let envelopes = match input.envelopes.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(n) => n.parse::<u32>().map_err(|_| BookError::Invalid {
            field: "envelopes",
            message: format!("số lượng bì \"{n}\" không hợp lệ; hãy ghi từ 1 đến 99"),
        })?,
    };
    let tx = store.write()?;
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

/// The paper copies of document `id` and the day each left.
pub fn paper_copies(
    store: &Store,
    user: &User,
    id: i64,
) -> Result<Vec<books::paper::PaperCopy>, NoteError> {
    let entry = crate::service::documents::entry(store, user, id)?;
    Ok(books::paper::copies(store, &entry)?)
}

/// The envelopes (DL) of document `id`'s paper copies as a PDF, and the document; an
/// empty list when it has no paper recipient.
pub fn envelopes_file(
    store: &Store,
    user: &User,
    renderer: &crate::Renderer,
    id: i64,
) -> Result<(Entry, Option<Vec<u8>>), NoteError> {
    let entry = crate::service::documents::entry(store, user, id)?;
    let envelopes = books::paper::envelopes(store, &entry)?;
    if envelopes.is_empty() {
        return Ok((entry, None));
    }
    let pdf = books::pdf::envelopes(renderer, &entry.number_symbol, &envelopes)?;
    Ok((entry, Some(pdf)))
}

/// The postal dispatch book (Sổ gửi văn bản đi bưu điện) of `issuer` and `year`.
pub fn postal_file(
    store: &Store,
    user: &User,
    renderer: &crate::Renderer,
    issuer: &str,
    year: i32,
) -> Result<Vec<u8>, NoteError> {
    book_of(store, user, issuer)?;
    let book = books::paper::postal(store, issuer, year)?;
    Ok(books::pdf::postal(renderer, &book)?)
}

/// Everything the document page shows of document `id`, as `user` may read it.
pub struct Sheet {
    pub entry: Entry,
    pub deliveries: Vec<crate::mail::outbox::Delivery>,
    /// The draft it was issued from, if any.
    pub draft: Option<i64>,
    pub signatures: Vec<crate::sign::Record>,
    pub row: crate::books::OutgoingRow,
    pub note: crate::books::notes::Note,
    pub paper: Vec<crate::books::paper::PaperCopy>,
}

/// The document page of `id`.
pub fn sheet(store: &Store, user: &User, id: i64) -> Result<Sheet, NoteError> {
    let entry = super::documents::entry(store, user, id)?;
    let deliveries = crate::mail::outbox::list(store, id)?;
    let draft = crate::store::drafts::approval_of_document(store.conn(), id)?.map(|a| a.draft);
    let signatures = crate::store::register::signatures(store, id).map_err(ReadError::from)?;
    let row = crate::books::row(store, &entry)?;
    let note = crate::books::notes::get(store, id)?;
    let paper = crate::books::paper::copies(store, &entry)?;
    Ok(Sheet {
        entry,
        deliveries,
        draft,
        signatures,
        row,
        note,
        paper,
    })
}
