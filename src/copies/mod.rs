//! Electronic copies (bản sao y điện tử, Nghị định 30 Phụ lục I): an incoming document
//! forwarded with the copying agency's own digital signature.
//!
//! # The steps of [`make`]
//! 1. **Choose what may be copied**: an incoming entry of the agency whose digital
//!    signatures are valid, or a paper original scanned to PDF. A file whose signature
//!    is broken or that came unsigned by e-mail is no original and is refused.
//! 2. **Check the recipients**: each names a stored agency, person or group (by id or
//!    printed name), as a letter's "Nơi nhận" does; an unknown one is refused before
//!    anything is numbered.
//! 3. **Make the copy**: every page of the original at 100 % and, at the top right of
//!    page 1, the copy form ("SAO Y"), the copying agency's name and the signing time
//!    (ISO 8601, Vietnam time) in Times New Roman 10 pt ([`crate::render::CopyMark`]).
//! 4. **Sign it** with the agency's key, no image (PAdES, with the configured
//!    timestamp and long-term data, like an issued document's agency signature).
//! 5. **Number it** in the agency's copy series (`01/BSY-UBND`, from 1 each calendar
//!    year, beside the documents' own numbers) and store it with its signature, in one
//!    transaction ([`crate::store::register::issue_copy`]). From then on it is a row of
//!    the outgoing register: listed, downloaded, verified and e-mailed to its
//!    recipients by `vanthu send` like any issued document.

use chrono::{DateTime, Utc};

use crate::incoming::{self, IncomingError, Signatures};
use crate::mail::recipients::Named;
use crate::render::{CopyMark, Renderer};
use crate::sign::keys::Owner;
use crate::sign::pades::{self, Request};
use crate::sign::{Keyring, Role, SignError, Unlock};
use crate::store::register::{self, Entry, RegisterError};
use crate::store::{Store, agencies};
use crate::text::Line;

/// The forms of copy Nghị định 30 names. Only "sao y" (the whole document, as it is)
/// is made here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Sao y: a copy of the whole document.
    SaoY,
}

impl Form {
    /// As printed at the top of the copy.
    pub fn label(self) -> &'static str {
        match self {
            Form::SaoY => "SAO Y",
        }
    }

    /// The kind as the register lists it.
    pub fn kind(self) -> &'static str {
        match self {
            Form::SaoY => "Bản sao y",
        }
    }

    /// The abbreviation of the copy's symbol (Phụ lục III, as `shared/reference/nd30.md`
    /// lists it).
    pub fn abbreviation(self) -> &'static str {
        match self {
            Form::SaoY => "BSY",
        }
    }
}

/// What to copy and for whom.
#[derive(Debug, Clone)]
pub struct CopyRequest<'a> {
    /// The copying agency (the incoming entry's receiving agency).
    pub agency: &'a str,
    /// The incoming entry: its year and Số đến.
    pub year: i32,
    pub number: i64,
    /// Who receives the copy: stored agencies, people or groups, by id or printed name.
    pub recipients: Vec<Line>,
    /// The signing time (now).
    pub at: DateTime<Utc>,
    /// Who asks (a login, or `cli`), for the audit row.
    pub by: &'a str,
}

/// Why a copy was not made (nothing is numbered or stored).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Incoming(#[from] IncomingError),
    #[error(
        "văn bản đến số {0} có chữ ký số không hợp lệ ({1}); không sao y văn bản này — hãy đề nghị nơi gửi gửi lại bản gốc"
    )]
    InvalidOriginal(i64, String),
    #[error(
        "văn bản đến số {0} không có chữ ký số và không phải bản giấy được quét; chỉ sao y bản gốc điện tử có chữ ký số hợp lệ hoặc bản giấy quét từ bản gốc"
    )]
    NotAnOriginal(i64),
    #[error("chưa chọn nơi nhận bản sao; hãy chọn ít nhất một cơ quan hoặc người nhận")]
    NoRecipients,
    #[error(
        "không tìm thấy nơi nhận trong dữ liệu: {}; hãy chọn cơ quan, người hoặc nhóm đã có",
        .0.join(", ")
    )]
    UnknownRecipients(Vec<String>),
    #[error("tệp văn bản đến số {0} không đọc được để sao: {1}")]
    Unreadable(i64, String),
    #[error(transparent)]
    Register(#[from] RegisterError),
    #[error("cơ sở dữ liệu: {0}")]
    Store(#[from] rusqlite::Error),
}

impl From<SignError> for CopyError {
    fn from(e: SignError) -> Self {
        CopyError::Register(RegisterError::Sign(e))
    }
}

impl From<crate::render::RenderError> for CopyError {
    fn from(e: crate::render::RenderError) -> Self {
        CopyError::Register(RegisterError::Render(e))
    }
}

/// Makes, signs and registers an electronic copy of an incoming document (the steps in
/// the module's comment); returns its register entry, ready to send.
pub fn make(
    store: &mut Store,
    renderer: &Renderer,
    keyring: &Keyring,
    unlock: &Unlock,
    request: &CopyRequest,
) -> Result<Entry, CopyError> {
    let (entry, original) = incoming::file(store, request.agency, request.year, request.number)?;
    let row = &entry.row;
    match entry.signatures {
        Signatures::Valid => {}
        Signatures::Invalid => {
            return Err(CopyError::InvalidOriginal(
                row.number,
                row.signature_note.clone(),
            ));
        }
        Signatures::Unsigned if row.source == incoming::Source::Scan.code() => {}
        Signatures::Unsigned => return Err(CopyError::NotAnOriginal(row.number)),
    }
    let recipients = check_recipients(store, &request.recipients)?;
    let agency = agencies::agency(store.conn(), request.agency)?.ok_or_else(|| {
        CopyError::Incoming(IncomingError::UnknownAgency(request.agency.to_string()))
    })?;
    let pages = lopdf::Document::load_mem(&original)
        .map_err(|e| CopyError::Unreadable(row.number, e.to_string()))?
        .get_pages()
        .len();
    let form = Form::SaoY;
    let original_name = row
        .number_symbol
        .clone()
        .unwrap_or_else(|| format!("đến số {}", row.number));
    let vn = request.at.with_timezone(&crate::vietnam_offset());
    let mark = CopyMark {
        form: form.label().to_string(),
        agency: agency.one_line(),
        time: crate::sign::vietnam_time(request.at),
        title: format!("{} văn bản {original_name}", form.kind()),
        year: chrono::Datelike::year(&vn),
        month: chrono::Datelike::month(&vn),
        day: chrono::Datelike::day(&vn),
    };
    let (pdf, pages) = renderer.copy(&original, pages, &mark)?;
    let key = keyring.key(&Owner::Agency(agency.id.clone()), request.at, unlock)?;
    let reason = format!("{} văn bản {original_name}", form.kind());
    let (pdf, record) = pades::sign(
        &pdf,
        key.as_ref(),
        &Request {
            role: Role::Agency,
            reason: &reason,
            location: agency.place.trim(),
            at: request.at,
            tsa: keyring.signature_tsa(),
        },
    )?;
    let pdf = crate::sign::issue::long_term(pdf, keyring)?;
    let subject = match &row.kind_subject {
        Some(s) => format!("Sao y {original_name}: {s}"),
        None => format!("Sao y {original_name}"),
    };
    let letter = copy_letter(row.year, row.number, &original_name, &recipients);
    Ok(register::issue_copy(
        store,
        register::NewCopy {
            issuer: &agency.id,
            issuer_name: &agency.one_line(),
            abbreviation: &format!("{}-{}", form.abbreviation(), agency.abbreviation.trim()),
            date: vn.date_naive(),
            kind: form.kind(),
            subject: &subject,
            recipients: recipients.iter().map(|r| r.printed.clone()).collect(),
            pages,
            pdf,
            letter: &letter,
            signature: record,
            copy_of: row.id,
        },
        |tx, copy| {
            let what = format!(
                "sao y thành {} gửi {}",
                copy.number_symbol,
                copy.recipients.join("; ")
            );
            Ok(incoming::audit(
                tx,
                request.by,
                "incoming.copy",
                row,
                &what,
            )?)
        },
    )?)
}

/// The recipients as given, each resolved to a stored agency, person or group.
fn check_recipients(store: &Store, recipients: &[Line]) -> Result<Vec<Named>, CopyError> {
    let given: Vec<String> = recipients
        .iter()
        .map(|l| l.as_str().trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if given.is_empty() {
        return Err(CopyError::NoRecipients);
    }
    let (mut known, mut unknown) = (vec![], vec![]);
    for r in crate::mail::recipients::named(store, &given)? {
        match r {
            Ok(named) => known.push(named),
            Err(given) => unknown.push(given),
        }
    }
    if unknown.is_empty() {
        Ok(known)
    } else {
        Err(CopyError::UnknownRecipients(unknown))
    }
}

/// The stored "letter" of a copy: what it copies and its recipients, in a letter's
/// TOML keys (delivery reads `recipients` as it reads a letter's Nơi nhận).
fn copy_letter(year: i32, number: i64, original: &str, recipients: &[Named]) -> String {
    #[derive(serde::Serialize)]
    struct Copied<'a> {
        incoming_year: i32,
        incoming_number: i64,
        original: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Letter<'a> {
        recipients: Vec<&'a str>,
        copy: Copied<'a>,
    }
    toml::to_string(&Letter {
        recipients: recipients.iter().map(|r| r.entry.as_str()).collect(),
        copy: Copied {
            incoming_year: year,
            incoming_number: number,
            original,
        },
    })
    .expect("strings serialize")
}
