//! The register as an account reads it: the documents its agency issued (a signer's
//! also those of the agencies they sign for), and one addressed to its agency by id
//! (its incoming copy); the service's administrator reads every one. The faces call
//! these, never the store directly, so every read passes [`super::access`].

use super::access;
use super::access::Denial;
use super::accounts::User;
use crate::Format;
use crate::mail::outbox::Delivery;
use crate::store::register::{self, Entry, Search};
use crate::store::{Store, outbox};

/// Why a document of the register was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Denied(#[from] Denial),
    #[error(transparent)]
    Register(#[from] crate::store::register::RegisterError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Document `id`, if `user` may read it (a refusal is audited).
pub fn entry(store: &Store, user: &User, id: i64) -> Result<Entry, ReadError> {
    let e = register::by_id(store, id)?;
    let addressed = outbox::agencies_of(store.conn(), id)?;
    access::read(
        store,
        user,
        Some(&e.issuer),
        &addressed,
        "văn bản",
        &format!("document:{id}"),
    )?;
    Ok(e)
}

/// The register search, within the agencies `user` reads.
pub fn search(
    store: &Store,
    user: &User,
    mut q: Search,
    limit: u32,
) -> Result<Vec<Entry>, ReadError> {
    q.issuers = access::listed(user);
    Ok(register::search(store, &q, limit)?)
}

/// The stored file of document `id` (byte for byte as issued), with its entry.
pub fn file(
    store: &Store,
    user: &User,
    id: i64,
    format: Format,
) -> Result<(Entry, Vec<u8>), ReadError> {
    let e = entry(store, user, id)?;
    let bytes = register::file(store, id, format)?;
    Ok((e, bytes))
}

/// The deliveries of document `id`, one per recipient.
pub fn deliveries(store: &Store, user: &User, id: i64) -> Result<Vec<Delivery>, ReadError> {
    entry(store, user, id)?;
    Ok(crate::mail::outbox::list(store, id)?)
}

/// The registers `user` keeps or reads (issuer, name, years), for the "In sổ" choices.
pub fn registers(
    store: &Store,
    user: &User,
) -> Result<Vec<crate::books::KeptRegister>, crate::books::BookError> {
    Ok(crate::books::keepers(store)?
        .into_iter()
        .filter(|k| access::listed(user).is_none_or(|l| l.contains(&k.issuer)))
        .collect())
}
