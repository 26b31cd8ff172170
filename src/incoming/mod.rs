//! Incoming documents (văn bản đến, Nghị định 30 Điều 20–24): what the agency receives,
//! checked and registered in its Sổ đăng ký văn bản đến.
//!
//! # The steps of [`receive`]
//! 1. **Take the file** as it came (an upload, the API, the CLI, a scan of paper): at
//!    most [`MAX_FILE`] bytes, a PDF; it is kept byte for byte with its SHA-256.
//! 2. **Check its digital signatures** with the verifier ([`crate::sign::verify`]) against
//!    the configured trust roots: every one valid, some not valid (the reason kept), or
//!    none (a scan, an unsigned file). An unsigned or invalid file is registered
//!    flagged, never as a valid electronic original.
//! 3. **Read the register's fields** ([`reading`]): exactly from a file vanthu made,
//!    best effort from the first page otherwise, each field not read marked to check.
//! 4. **Register** it ([`crate::store::incoming`]): the agency's next Số đến of the year
//!    and the row in one transaction; the same file again returns its first entry.
//! 5. **Print the book** ([`book`]): the Sổ đăng ký văn bản đến as PDF and XLSX.
//! 6. **Pass on and follow up** ([`handling`]): the unit or person who handles it, by
//!    when, and the result; what is overdue.
//! 7. **Close the loop** ([`reports`]): a validly signed document from an agency that owes
//!    a report on a milestone, citing the reminder this agency sent about it, records
//!    that report (the entry is its evidence), in the same transaction; the văn thư can
//!    link or unlink an entry by hand, each with an audit row.

pub mod book;
pub mod handling;
pub mod imap;
pub mod mailbox;
pub mod reading;
pub mod reports;

use crate::sign::keys::Trust;
use crate::sign::verify;
use crate::store::incoming::{self as rows, IncomingRow, NewIncoming, Registered};
use crate::store::time::Stamp;
use crate::store::{Store, agencies};

pub use reading::{Field, Read, ReadFrom};

/// The largest incoming file accepted (a scanned dossier of a hundred pages fits).
pub const MAX_FILE: usize = 30 * 1024 * 1024;

/// How long the signature check of one file may run.
const CHECK_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// How a document arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Uploaded in the web page.
    Upload,
    /// Sent to the API.
    Api,
    /// Added with `vanthu incoming add`.
    Cli,
    /// A paper document scanned to PDF (no digital signature expected).
    Scan,
    /// An attachment of a message in the agency's Maildir.
    Maildir,
    /// An attachment of a message in the agency's IMAP mailbox.
    Imap,
}

impl Source {
    /// As stored.
    pub fn code(self) -> &'static str {
        match self {
            Source::Upload => "upload",
            Source::Api => "api",
            Source::Cli => "cli",
            Source::Scan => "scan",
            Source::Maildir => "maildir",
            Source::Imap => "imap",
        }
    }
}

/// One file that arrived for an agency.
#[derive(Debug, Clone)]
pub struct Arrival<'a> {
    /// The receiving agency.
    pub agency: &'a str,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub source: Source,
    /// Who registers it (a login, or `cli`).
    pub by: &'a str,
    /// The Message-ID of the e-mail it came in.
    pub message_id: Option<&'a str>,
}

/// The verdict on an incoming file's digital signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signatures {
    /// Signed, and every signature valid against the trust roots.
    Valid,
    /// At least one signature is not valid (changed after signing, untrusted, revoked…).
    Invalid,
    /// No digital signature.
    Unsigned,
}

impl Signatures {
    /// As stored.
    pub fn code(self) -> &'static str {
        match self {
            Signatures::Valid => "valid",
            Signatures::Invalid => "invalid",
            Signatures::Unsigned => "unsigned",
        }
    }

    fn parse(s: &str) -> Signatures {
        match s {
            "valid" => Signatures::Valid,
            "invalid" => Signatures::Invalid,
            _ => Signatures::Unsigned,
        }
    }

    /// In the văn thư's words.
    pub fn words(self) -> &'static str {
        match self {
            Signatures::Valid => "chữ ký số hợp lệ",
            Signatures::Invalid => "CHỮ KÝ SỐ KHÔNG HỢP LỆ",
            Signatures::Unsigned => "không có chữ ký số",
        }
    }
}

/// An incoming entry as the văn thư sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub row: IncomingRow,
    pub signatures: Signatures,
    /// The fields still to check.
    pub to_check: Vec<Field>,
    /// The milestones this entry is the author's report on.
    pub reports: Vec<String>,
}

impl Entry {
    fn load(conn: &rusqlite::Connection, row: IncomingRow) -> Result<Entry, rusqlite::Error> {
        let reports = rows::reports_of(conn, row.id)?;
        Ok(Entry {
            reports,
            ..Entry::of(row)
        })
    }

    pub(crate) fn of(row: IncomingRow) -> Entry {
        let to_check: Vec<Field> = serde_json::from_str::<Vec<String>>(&row.to_check)
            .unwrap_or_default()
            .iter()
            .filter_map(|f| field_of(f))
            .collect();
        Entry {
            signatures: Signatures::parse(&row.signatures),
            to_check,
            reports: vec![],
            row,
        }
    }

    /// One line for a list: Số đến, Ngày đến, Số ký hiệu and date, author, subject, the
    /// signatures' verdict and what to check.
    pub fn line(&self) -> String {
        let r = &self.row;
        let unknown = "?";
        let mut out = format!(
            "Số đến {} ({}): {} ngày {} — {} — {}; {}",
            r.number,
            r.received_at.vietnam().format("%d/%m/%Y %H:%M"),
            r.number_symbol.as_deref().unwrap_or(unknown),
            r.doc_date
                .as_deref()
                .map(crate::model::day_month_year)
                .unwrap_or_else(|| unknown.to_string()),
            r.author.as_deref().unwrap_or(unknown),
            r.kind_subject.as_deref().unwrap_or(unknown),
            self.signatures.words(),
        );
        if self.signatures != Signatures::Valid {
            out.push_str(&format!(" ({})", r.signature_note));
        }
        if let Some(handler) = &r.handler {
            out.push_str(&format!("; chuyển {handler}"));
            if let Some(on) = &r.passed_on {
                out.push_str(&format!(" ngày {}", crate::model::day_month_year(on)));
            }
            if let Some(deadline) = &r.deadline {
                out.push_str(&format!(
                    ", hạn xử lý {}",
                    crate::model::day_month_year(deadline)
                ));
            }
        }
        if let Some(on) = &r.handled_on {
            out.push_str(&format!(
                "; đã xử lý ngày {}: {}",
                crate::model::day_month_year(on),
                r.result.as_deref().unwrap_or("")
            ));
        }
        if !self.reports.is_empty() {
            out.push_str(&format!(
                "; là báo cáo của {} cho mốc: {}",
                r.author.as_deref().unwrap_or(unknown),
                self.reports.join(", ")
            ));
        }
        if !self.to_check.is_empty() {
            let fields: Vec<&str> = self.to_check.iter().map(|f| f.label()).collect();
            out.push_str(&format!("; cần kiểm tra: {}", fields.join(", ")));
        }
        out
    }
}

fn field_of(code: &str) -> Option<Field> {
    [
        Field::Author,
        Field::NumberSymbol,
        Field::Date,
        Field::KindSubject,
    ]
    .into_iter()
    .find(|f| f.code() == code)
}

/// What [`receive`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Receipt {
    /// Registered under a new Số đến.
    Registered(Entry),
    /// This agency had registered the very same file before: its entry, unchanged.
    Already(Entry),
}

/// A size as a clerk reads it: megabytes with one decimal, a comma before it ("31,5").
fn megabytes(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
}

/// Why a file was not registered (nothing is stored).
#[derive(Debug, thiserror::Error)]
pub enum IncomingError {
    #[error("không có cơ quan \"{0}\" trong dữ liệu; hãy chọn cơ quan nhận đã có")]
    UnknownAgency(String),
    #[error("{name}: tệp rỗng; hãy chọn lại tệp văn bản")]
    Empty { name: String },
    #[error(
        "{name}: tệp {} MB, quá giới hạn {} MB của một văn bản đến; hãy tách hồ sơ hoặc quét ở độ phân giải thấp hơn",
        megabytes(*.size), megabytes(*.max)
    )]
    TooLarge {
        name: String,
        size: usize,
        max: usize,
    },
    #[error(
        "{name}: không phải tệp PDF; văn bản đến được lưu dưới dạng PDF (bản giấy hãy quét ra PDF)"
    )]
    NotPdf { name: String },
    #[error("{name}: {reason}")]
    Unreadable { name: String, reason: String },
    #[error("không có văn bản đến số {number} năm {year} của cơ quan {agency}")]
    NotFound {
        agency: String,
        year: i32,
        number: i64,
    },
    #[error(
        "văn bản đến số {0} chưa rõ cơ quan gửi (tác giả không khớp cơ quan nào đã lưu); chưa ghi nhận báo cáo được"
    )]
    AuthorUnknown(i64),
    #[error(
        "không có tài khoản \"{login}\" đang hoạt động của cơ quan {agency}; hãy chọn người xử lý trong danh sách"
    )]
    UnknownAccount { login: String, agency: String },
    #[error("không có mốc \"{0}\"")]
    UnknownMilestone(String),
    #[error("{author} không phải báo cáo mốc {milestone}")]
    NotOwed { milestone: String, author: String },
    #[error("{author} đã báo cáo mốc {milestone} ngày {on}; không ghi nhận lại")]
    AlreadyReported {
        milestone: String,
        author: String,
        on: String,
    },
    #[error("văn bản đến số {number} không phải là báo cáo đã ghi nhận cho mốc {milestone}")]
    NotLinked { number: i64, milestone: String },
    #[error("{label}: {message}")]
    Invalid {
        /// The field's name in the API and forms (`to`, `deadline`, `result`…).
        field: &'static str,
        /// The field's name in Vietnamese.
        label: &'static str,
        message: String,
    },
    #[error(transparent)]
    Book(#[from] crate::books::BookError),
    #[error("cơ sở dữ liệu: {0}")]
    Store(#[from] rusqlite::Error),
}

/// Checks, reads and registers one incoming file for its agency (the steps in the
/// module's comment). The same file registered again by the same agency returns its
/// first entry and adds nothing.
pub fn receive(store: &Store, trust: &Trust, arrival: &Arrival) -> Result<Receipt, IncomingError> {
    // The name as it can be shown and stored: one clean line.
    let name = reading::clean(arrival.file_name).unwrap_or_else(|| "tệp.pdf".to_string());
    if !agencies::agency_exists(store.conn(), arrival.agency)? {
        return Err(IncomingError::UnknownAgency(arrival.agency.to_string()));
    }
    let bytes = arrival.bytes;
    if bytes.is_empty() {
        return Err(IncomingError::Empty { name });
    }
    if bytes.len() > MAX_FILE {
        return Err(IncomingError::TooLarge {
            name,
            size: bytes.len(),
            max: MAX_FILE,
        });
    }
    // A PDF's header is within its first 1024 bytes (ISO 32000-1, 7.5.2).
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(IncomingError::NotPdf { name });
    }
    let (signatures, note) = check(bytes, trust).map_err(|reason| IncomingError::Unreadable {
        name: name.clone(),
        reason,
    })?;
    let pdf = lopdf::Document::load_mem(bytes).map_err(|e| IncomingError::Unreadable {
        name: name.clone(),
        reason: format!("tệp PDF hỏng, không đọc được ({e}); hãy đề nghị nơi gửi gửi lại"),
    })?;
    // The first page's words, read once: for the fields and for the reports it cites.
    let text = reading::first_page_text(&pdf);
    let agencies: Vec<(String, String)> = agencies::agencies(store.conn())?
        .into_iter()
        .map(|a| (a.id.clone(), a.one_line()))
        .collect();
    let read = reading::read(&pdf, &text, &agencies);
    let sha256 = crate::store::register::sha256_hex(bytes);
    let received_at = Stamp::now();
    let to_check = serde_json::to_string(&read.to_check).expect("fields serialize");
    let doc_date = read.date.map(|d| d.format("%Y-%m-%d").to_string());
    let new = NewIncoming {
        agency_id: arrival.agency,
        year: chrono::Datelike::year(&received_at.vietnam()),
        received_at,
        source: arrival.source.code(),
        file_name: &name,
        pdf: bytes,
        sha256: &sha256,
        author: read.author.as_deref(),
        author_agency_id: read.author_agency.as_deref(),
        number_symbol: read.number_symbol.as_deref(),
        doc_date: doc_date.as_deref(),
        kind_subject: read.kind_subject.as_deref(),
        read_from: read.from.code(),
        to_check: &to_check,
        signatures: signatures.code(),
        signature_note: &note,
        recorded_by: arrival.by,
        message_id: arrival.message_id,
    };
    let tx = store.write()?;
    let receipt = match rows::register(&tx, &new)? {
        Registered::New(row) => {
            if signatures == Signatures::Valid {
                reports::close_cited(&tx, &row, &text)?;
            }
            Receipt::Registered(Entry::load(&tx, row)?)
        }
        Registered::Already(row) => Receipt::Already(Entry::load(&tx, row)?),
    };
    tx.commit()?;
    Ok(receipt)
}

/// The verdict on the file's signatures and its reason in words; `Err` when the file
/// cannot be checked at all.
fn check(bytes: &[u8], trust: &Trust) -> Result<(Signatures, String), String> {
    let report = verify::verify_within(bytes, trust, CHECK_WITHIN).map_err(|e| e.to_string())?;
    let headline = verify::summary(&report);
    if report.signatures.is_empty() && !report.encrypted {
        return Ok((Signatures::Unsigned, headline));
    }
    if report.all_valid() {
        return Ok((Signatures::Valid, headline));
    }
    let mut reasons: Vec<String> = vec![];
    for s in report.signatures.iter().filter(|s| !s.valid()) {
        if !reasons.contains(&s.verdict) {
            reasons.push(s.verdict.clone());
        }
    }
    let note = if reasons.is_empty() {
        headline
    } else {
        format!("{headline} {}", reasons.join(" "))
    };
    Ok((Signatures::Invalid, note))
}

/// Appends the audit row of an action on entry `row` (`what` it did, in words).
pub(crate) fn audit(
    conn: &rusqlite::Connection,
    by: &str,
    action: &str,
    row: &IncomingRow,
    what: &str,
) -> Result<(), rusqlite::Error> {
    crate::store::audit::record(
        conn,
        &crate::store::audit::NewEvent {
            user_id: None,
            login: by,
            action,
            target: &format!("incoming:{}", row.id),
            outcome: "ok",
            detail: &format!("số đến {}/{}: {what}", row.number, row.year),
            agency_id: Some(&row.agency_id),
            address: None,
        },
    )
}

/// Entry `number` of `agency`'s `year`, without its file.
fn entry(
    conn: &rusqlite::Connection,
    agency: &str,
    year: i32,
    number: i64,
) -> Result<IncomingRow, IncomingError> {
    rows::one(conn, agency, year, number)?.ok_or_else(|| IncomingError::NotFound {
        agency: agency.to_string(),
        year,
        number,
    })
}

/// Entry `number` of `agency`'s `year`.
pub fn one(store: &Store, agency: &str, year: i32, number: i64) -> Result<Entry, IncomingError> {
    Ok(Entry::load(
        store.conn(),
        entry(store.conn(), agency, year, number)?,
    )?)
}

/// Entry `number` of `agency`'s `year`, and its file as it came.
pub fn file(
    store: &Store,
    agency: &str,
    year: i32,
    number: i64,
) -> Result<(Entry, Vec<u8>), IncomingError> {
    let (row, pdf) =
        rows::file(store.conn(), agency, year, number)?.ok_or_else(|| IncomingError::NotFound {
            agency: agency.to_string(),
            year,
            number,
        })?;
    Ok((Entry::load(store.conn(), row)?, pdf))
}

/// The agency's incoming documents of `year`, by Số đến.
pub fn list(store: &Store, agency: &str, year: i32) -> Result<Vec<Entry>, IncomingError> {
    if !agencies::agency_exists(store.conn(), agency)? {
        return Err(IncomingError::UnknownAgency(agency.to_string()));
    }
    rows::list(store.conn(), agency, year)?
        .into_iter()
        .map(|row| Ok(Entry::load(store.conn(), row)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_is_said_in_megabytes() {
        let e = IncomingError::TooLarge {
            name: "ho-so.pdf".into(),
            size: 33 * 1024 * 1024 + 512 * 1024,
            max: MAX_FILE,
        };
        assert!(
            e.to_string()
                .starts_with("ho-so.pdf: tệp 33,5 MB, quá giới hạn 30,0 MB"),
            "{e}"
        );
    }
}
