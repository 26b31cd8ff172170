//! Numbering: the next number of a series of an agency's register for a calendar
//! year, taken in the transaction that stores the row, one issue of a register at a
//! time (see the module above).

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Entry, RegisterError, sha256_hex};
use crate::sign::Record;
use crate::store::Store;

/// Which numbering of an agency's outgoing register a row belongs to: its documents
/// (`01/KH-UBND` …) or its electronic copies (`01/BSY-UBND` …), each from 1 every
/// calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Series {
    /// The documents the agency issues.
    Main,
    /// The copies it makes (sao y).
    Copy,
}

impl Series {
    /// The code stored in the register.
    pub fn code(self) -> &'static str {
        match self {
            Series::Main => "main",
            Series::Copy => "copy",
        }
    }

    /// The series of a stored code.
    pub fn of_code(code: &str) -> Series {
        if code == "copy" {
            Series::Copy
        } else {
            Series::Main
        }
    }
}

/// One numbering: an issuer's series for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub issuer: &'a str,
    pub series: Series,
    pub year: i32,
}

/// A numbered row ready to store: everything but its id.
pub(super) struct Numbered {
    pub(super) entry: Entry,
    pub(super) pdf: Vec<u8>,
    pub(super) docx: Vec<u8>,
    pub(super) letter: String,
    pub(super) signatures: Vec<Record>,
    /// The incoming entry a copy reproduces.
    pub(super) copy_of: Option<i64>,
}

/// Takes the next number of `place`, has `make` render (and sign) the row with it
/// before the write transaction opens, then stores the counter, the row, its
/// signatures and `then`'s writes in one transaction. Should another writer take the
/// number meanwhile, `make` runs again with the next one (at most [`ATTEMPTS`] times).
pub(super) fn store_numbered(
    store: &mut Store,
    place: Place,
    mut make: impl FnMut(u32) -> Result<Numbered, RegisterError>,
    then: impl FnOnce(&rusqlite::Transaction, &Entry) -> Result<(), RegisterError>,
) -> Result<Entry, RegisterError> {
    let lock = register_lock(place.issuer, place.year);
    let _one_at_a_time = lock.lock().unwrap_or_else(|e| e.into_inner());
    let _one_process_at_a_time = file_lock(store.path(), place.issuer, place.year)?;
    let mut attempt = 0;
    let (tx, numbered) = loop {
        let last = last_number(store.conn(), place)?;
        let numbered = make(last.unwrap_or(0) + 1)?;
        let tx = store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if last_number(&tx, place)? == last {
            break (tx, numbered);
        }
        // Another process issued meanwhile: this number is taken.
        drop(tx);
        attempt += 1;
        if attempt == ATTEMPTS {
            return Err(RegisterError::Contended(attempt));
        }
    };
    let Numbered {
        entry,
        pdf,
        docx,
        letter,
        signatures,
        copy_of,
    } = numbered;
    tx.execute(
        "INSERT INTO register_counters (issuer, series, year, last_number) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (issuer, series, year) DO UPDATE SET last_number = excluded.last_number",
        params![place.issuer, place.series.code(), place.year, entry.number],
    )?;
    tx.execute(
        "INSERT INTO documents (issuer, issuer_name, series, year, number, number_symbol, date, kind,
            subject, signer, recipients, pages, pdf, pdf_sha256, docx, docx_sha256, letter, issued_at,
            copy_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        params![
            entry.issuer,
            entry.issuer_name,
            place.series.code(),
            place.year,
            entry.number,
            entry.number_symbol,
            entry.date,
            entry.kind,
            entry.subject,
            entry.signer,
            serde_json::to_string(&entry.recipients).expect("strings serialize"),
            entry.pages,
            pdf,
            entry.pdf_sha256,
            docx,
            entry.docx_sha256,
            letter,
            entry.issued_at,
            copy_of,
        ],
    )?;
    let entry = Entry {
        id: tx.last_insert_rowid(),
        ..entry
    };
    for (position, record) in signatures.iter().enumerate() {
        tx.execute(
            "INSERT INTO document_signatures (document_id, position, role, subject, serial, signed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                entry.id,
                position as i64 + 1,
                record.role.code(),
                record.subject,
                record.serial,
                record.signed_at
            ],
        )?;
    }
    then(&tx, &entry)?;
    tx.commit()?;
    Ok(entry)
}

/// How many times an issue renders again when another process took its number.
pub const ATTEMPTS: usize = 3;

/// The last number given in the series of `place`.
fn last_number(conn: &rusqlite::Connection, place: Place) -> Result<Option<u32>, RegisterError> {
    Ok(conn
        .query_row(
            "SELECT last_number FROM register_counters WHERE issuer = ?1 AND series = ?2 AND year = ?3",
            params![place.issuer, place.series.code(), place.year],
            |r| r.get(0),
        )
        .optional()?)
}

/// The lock file that takes the issues of one register one at a time across the
/// processes that share the database (`vanthu serve` and a `vanthu issue` beside it):
/// `<db>.lock-<hash of issuer and year>`, locked (flock) while the document is rendered,
/// signed and stored, and unlocked when the returned file is dropped. The lock makes
/// the other process wait rather than render and sign for a number it then loses (a
/// remote signer would have to confirm twice).
fn file_lock(
    db: &std::path::Path,
    issuer: &str,
    year: i32,
) -> Result<Option<std::fs::File>, RegisterError> {
    let Some(name) = db.file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    if name == ":memory:" {
        return Ok(None);
    }
    let key = sha256_hex(format!("{issuer}\u{0}{year}").as_bytes());
    let path = db.with_file_name(format!("{name}.lock-{}", &key[..16]));
    let fail = |e: std::io::Error| RegisterError::Lock {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(fail)?;
    file.lock().map_err(fail)?;
    Ok(Some(file))
}

/// One lock per register (issuer, year).
type RegisterLocks = std::sync::Mutex<
    std::collections::HashMap<(String, i32), std::sync::Arc<std::sync::Mutex<()>>>,
>;

/// The lock that takes the issues of one register one at a time in this process (an
/// issue waiting on a signer's phone holds it: the next issue of that register waits
/// rather than take the number and make the signer confirm twice).
fn register_lock(issuer: &str, year: i32) -> std::sync::Arc<std::sync::Mutex<()>> {
    static LOCKS: std::sync::OnceLock<RegisterLocks> = std::sync::OnceLock::new();
    LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry((issuer.to_string(), year))
        .or_default()
        .clone()
}
