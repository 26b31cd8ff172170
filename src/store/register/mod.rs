//! The outgoing-document register: the next number for (issuer, calendar year), taken
//! in the same transaction that stores the rendered files, so no number is ever
//! consumed without its document, skipped, or given twice.
//!
//! The document is rendered and signed with the number it will get *before* that
//! transaction opens, because a signature may wait minutes for a signer's phone and the
//! database must not stay locked meanwhile. Issues of one register are taken one at a
//! time, in this process (a mutex) and across processes (a lock file beside the
//! database); should an issue by another writer still come in between, it is seen by
//! reading the counter again inside the transaction, and the document is rendered again
//! with the next number (at most [`ATTEMPTS`] times).

use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::{Store, StoreError};
use crate::model::Document;
use crate::render::{Format, RenderError, Renderer};

/// Why a document could not be issued or found.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(
        "thư đã ghi sẵn số {0}; số do sổ văn bản cấp khi ban hành, hãy bỏ dòng `number` trong thư"
    )]
    AlreadyNumbered(u32),
    #[error("không có văn bản {0} năm {1} trong sổ")]
    NotFound(String, i32),
    #[error("không có văn bản mã {0} trong sổ")]
    NoSuchDocument(i64),
    #[error("{0} là bản sao điện tử: chỉ có tệp PDF đã ký số, không có tệp DOCX")]
    NoDocx(String),
    /// An [`issue_then`] step found its draft already issued by someone else: nothing
    /// was stored and no number used.
    #[error("bản nháp này vừa được ban hành ở nơi khác; không lấy thêm số")]
    AlreadyIssued,
    #[error(
        "sổ văn bản vừa cấp số cho văn bản khác trong lúc ký, {0} lần liền; văn bản chưa ban hành, hãy ban hành lại"
    )]
    Contended(usize),
    #[error("không giữ được sổ văn bản để cấp số ({path}): {message}")]
    Lock { path: String, message: String },
    #[error(
        "có {0} văn bản cùng số {1} năm {2} của các cơ quan khác nhau; hãy chỉ rõ --issuer ({3})"
    )]
    Ambiguous(usize, String, i32, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("không xuất được văn bản: {0}")]
    Render(#[from] RenderError),
    /// Signing failed: nothing was stored and no number used.
    #[error("không ký số được, văn bản chưa ban hành: {0}")]
    Sign(#[from] crate::sign::SignError),
}

impl From<crate::sign::issue::IssueError> for RegisterError {
    fn from(e: crate::sign::issue::IssueError) -> Self {
        match e {
            crate::sign::issue::IssueError::Sign(e) => RegisterError::Sign(e),
            crate::sign::issue::IssueError::Render(e) => RegisterError::Render(e),
        }
    }
}

impl From<rusqlite::Error> for RegisterError {
    fn from(e: rusqlite::Error) -> Self {
        RegisterError::Store(StoreError::Sqlite(e))
    }
}

/// Today in Vietnam (UTC+7, no daylight saving).
pub fn today_vn() -> NaiveDate {
    let vn = crate::vietnam_offset();
    Utc::now().with_timezone(&vn).date_naive()
}

/// One row of the register, without the files; serialized as the API shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub issuer: String,
    pub issuer_name: String,
    /// The register's documents, or its electronic copies.
    pub series: Series,
    pub year: i32,
    pub number: u32,
    pub number_symbol: String,
    pub date: String,
    pub kind: String,
    pub subject: String,
    pub signer: String,
    pub recipients: Vec<String>,
    pub pages: u32,
    pub pdf_sha256: String,
    pub docx_sha256: String,
    pub issued_at: String,
    /// How many digital signatures the stored PDF carries (0: not an electronic
    /// original; 2: the signer's and the agency's).
    pub signatures: u32,
}

/// The SHA-256 of `bytes` in lower-case hex (the register's file hashes; the service's
/// stored session and token hashes).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues a draft: takes the next number of its issuer for the year of `date` (the
/// letter's own date when it has a complete one), renders the numbered document to
/// PDF and DOCX and stores everything, all in one transaction.
pub fn issue(
    store: &mut Store,
    renderer: &Renderer,
    draft: &Document,
    letter: &str,
    date: NaiveDate,
) -> Result<Entry, RegisterError> {
    issue_with(store, draft, letter, date, |doc| {
        render_files(renderer, doc)
    })
}

/// [`issue`] as an electronic original: the PDF carries the signature and seal images
/// and the signer's and agency's digital signatures, made with the keys of `keyring`
/// inside the register's transaction (a refused key takes no number).
pub fn issue_signed(
    store: &mut Store,
    renderer: &Renderer,
    keyring: &crate::sign::Keyring,
    unlock: crate::sign::Unlock,
    draft: &Document,
    letter: &str,
    date: NaiveDate,
) -> Result<Entry, RegisterError> {
    let electronic = electronic(store, keyring, unlock, draft)?;
    issue_with(store, draft, letter, date, |doc| {
        render_signed(renderer, doc, &electronic)
    })
}

/// What signing `draft` needs from the store: the signer's signature image and the
/// issuer's seal, signed now with the keys `unlock` opens.
pub fn electronic<'k>(
    store: &Store,
    keyring: &'k crate::sign::Keyring,
    unlock: crate::sign::Unlock,
    draft: &Document,
) -> Result<crate::sign::issue::Electronic<'k>, RegisterError> {
    let image_error = |e: crate::store::images::ImagesError| {
        RegisterError::Sign(crate::sign::SignError::Image(e.to_string()))
    };
    let parts = draft.parts();
    let signature_image = match &parts.signature.id {
        Some(person) => {
            crate::store::images::signature_image(store, person).map_err(image_error)?
        }
        None => None,
    };
    let seal = match &parts.issuer.id {
        Some(agency) => crate::store::images::seal(store, agency).map_err(image_error)?,
        None => None,
    };
    Ok(crate::sign::issue::Electronic {
        keyring,
        signature_image,
        seal,
        at: Utc::now(),
        unlock,
    })
}

/// Renders a numbered document to the PDF and DOCX the register stores.
pub fn render_files(renderer: &Renderer, doc: &Document) -> Result<Files, RegisterError> {
    let r = renderer.render(doc, &[Format::Pdf, Format::Docx])?;
    Ok(Files {
        pdf: r.pdf.expect("pdf requested"),
        docx: r.docx.expect("docx requested"),
        pages: r.pages.unwrap_or(0),
        signatures: vec![],
    })
}

/// Renders a numbered document as an electronic original: the PDF with the signature
/// and seal images, signed by the signer's key and then the agency's ([`crate::sign`]);
/// the DOCX (the editable copy) keeps the blank signature space.
pub fn render_signed(
    renderer: &Renderer,
    doc: &Document,
    electronic: &crate::sign::issue::Electronic,
) -> Result<Files, RegisterError> {
    let (pdf, pages, signatures) = crate::sign::issue::sign_document(renderer, doc, electronic)?;
    Ok(Files {
        pdf,
        docx: renderer.docx(doc)?,
        pages,
        signatures,
    })
}

/// The rendered files of a numbered document.
pub struct Files {
    pub pdf: Vec<u8>,
    pub docx: Vec<u8>,
    pub pages: usize,
    /// The digital signatures in `pdf`, in order (none for an unsigned document).
    pub signatures: Vec<crate::sign::Record>,
}

/// [`issue`] with the rendering step supplied by the caller (it runs before the write
/// transaction, with the number the document will get; again with the next number if
/// another process took that one meanwhile). Benchmarks use it to time the register alone.
pub fn issue_with(
    store: &mut Store,
    draft: &Document,
    letter: &str,
    date: NaiveDate,
    render: impl FnMut(&Document) -> Result<Files, RegisterError>,
) -> Result<Entry, RegisterError> {
    issue_then(store, draft, letter, date, render, |_, _| Ok(()))
}

/// [`issue_with`] plus `then`: more writes that belong to the issued document (e.g. the
/// certificates a decision grants), made in the same transaction, so either the
/// document and those rows are stored together or neither is.
pub fn issue_then(
    store: &mut Store,
    draft: &Document,
    letter: &str,
    date: NaiveDate,
    mut render: impl FnMut(&Document) -> Result<Files, RegisterError>,
    then: impl FnOnce(&rusqlite::Transaction, &Entry) -> Result<(), RegisterError>,
) -> Result<Entry, RegisterError> {
    if let Some(n) = draft.number() {
        return Err(RegisterError::AlreadyNumbered(n));
    }
    let date = draft.date().as_naive().unwrap_or(date);
    let year = chrono::Datelike::year(&date);
    let issuer = draft.issuer_key();
    let place = Place {
        issuer: &issuer,
        series: Series::Main,
        year,
    };
    numbering::store_numbered(
        store,
        place,
        |number| {
            let doc = draft.numbered(number, date);
            let Files {
                pdf,
                docx,
                pages,
                signatures,
            } = render(&doc)?;
            Ok(Numbered {
                entry: Entry {
                    id: 0,
                    issuer: issuer.clone(),
                    issuer_name: doc.issuer_one_line(),
                    series: Series::Main,
                    year,
                    number,
                    number_symbol: doc.number_symbol(),
                    date: date.format("%Y-%m-%d").to_string(),
                    kind: doc.kind().name().to_string(),
                    subject: doc.subject_one_line(),
                    signer: doc.parts().signature.name.trim().to_string(),
                    recipients: doc.recipient_lines(),
                    pages: pages as u32,
                    pdf_sha256: sha256_hex(&pdf),
                    docx_sha256: sha256_hex(&docx),
                    issued_at: super::time::Stamp::now().to_string(),
                    signatures: signatures.len() as u32,
                },
                pdf,
                docx,
                letter: letter.to_string(),
                signatures,
                copy_of: None,
            })
        },
        then,
    )
}

pub use super::signatures::{SignedFile, add_extension, signatures, signed_files};
mod copies;
mod notes;
mod numbering;
mod read;
pub use copies::{NewCopy, issue_copy};
pub use notes::*;
use numbering::Numbered;
pub use numbering::{ATTEMPTS, Place, Series};
pub use read::*;
