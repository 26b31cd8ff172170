//! The books of Nghị định 30, Phụ lục IV, printed from the register.
//!
//! - [`outgoing`]: the **Sổ đăng ký văn bản đi** of one issuer and year, its 10 columns
//!   filled from the issued documents and the clerk's notes ([`notes`]), printed as a
//!   PDF (A4 landscape: cover, first page, the table; [`pdf`]) and an XLSX ([`xlsx`]).
//! - [`paper`]: the copies that go on paper, the day each left, the **Sổ gửi văn bản
//!   đi bưu điện** and the envelopes (bì văn bản, DL 220 × 110 mm).
//!
//! What a document does not hold (the archive unit, the number of copies, the day it
//! left, a remark) lives in `register_notes`, written by the clerk after issue; when a
//! column has no note the book shows what the system knows: the "Lưu:" line, the
//! recipients plus the archive copies, the first delivery's day.

pub mod notes;
pub mod paper;
pub mod pdf;
pub mod xlsx;

use chrono::NaiveDate;
use serde::Serialize;

use crate::store::Store;
use crate::store::register;

/// Why a book could not be made or a note kept.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("không có cơ quan mã \"{0}\" trong cơ sở dữ liệu hay trong sổ văn bản")]
    UnknownIssuer(String),
    #[error("năm {0} không hợp lệ; hãy ghi năm như 2026")]
    BadYear(i32),
    #[error("không có văn bản mã {0} trong sổ")]
    NoSuchDocument(i64),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("không in được sổ: {0}")]
    Render(#[from] crate::render::RenderError),
    #[error("không tạo được tệp Excel: {0}")]
    Xlsx(String),
    #[error(transparent)]
    Register(#[from] register::RegisterError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Who keeps a book: the agency's name as its header prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Keeper {
    /// The governing body (cơ quan chủ quản) of a department or office, e.g. "UBND
    /// TỈNH BẮC NINH"; none for a People's Committee.
    pub superior: Option<String>,
    /// The agency's printed name, one entry per line.
    pub name: Vec<String>,
}

impl Keeper {
    /// The keeper of `issuer`'s register: the stored agency, else the name its issued
    /// documents carry.
    pub fn of(store: &Store, issuer: &str) -> Result<Keeper, BookError> {
        let agency = crate::store::agencies::agency(store.conn(), issuer)?;
        if let Some(crate::store::agencies::Agency {
            name,
            level,
            parent_short_name: parent,
            ..
        }) = agency
        {
            let governed = matches!(level.as_str(), "department" | "office" | "other");
            return Ok(Keeper {
                superior: parent.filter(|_| governed).map(|p| p.to_uppercase()),
                name: name.lines().map(str::to_uppercase).collect(),
            });
        }
        match register::issuer_name(store, issuer)? {
            Some(n) => Ok(Keeper {
                superior: None,
                name: vec![n.to_uppercase()],
            }),
            None => Err(BookError::UnknownIssuer(issuer.to_string())),
        }
    }
}

/// The registers that exist: each issuer with documents, its name and its years
/// (newest first), for the "In sổ" form.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeptRegister {
    pub issuer: String,
    pub name: String,
    pub years: Vec<i32>,
}

/// Every issuer's register, by name.
pub fn keepers(store: &Store) -> Result<Vec<KeptRegister>, BookError> {
    Ok(register::issuers(store)?
        .into_iter()
        .map(|i| KeptRegister {
            issuer: i.issuer,
            name: i.name,
            years: i.years,
        })
        .collect())
}

/// One document in the outgoing register book: its 10 columns.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct OutgoingRow {
    /// The register's id of the document (for links; not printed).
    pub document_id: i64,
    /// (1) Số, ký hiệu văn bản.
    pub number_symbol: String,
    /// (2) Ngày tháng văn bản, `dd/mm/yyyy`.
    pub date: String,
    /// (3) Tên loại và trích yếu nội dung văn bản.
    pub kind_subject: String,
    /// (4) Người ký.
    pub signer: String,
    /// (5) Nơi nhận văn bản, one per line.
    pub recipients: Vec<String>,
    /// (6) Đơn vị, người nhận bản lưu.
    pub archive: String,
    /// (7) Số lượng bản.
    pub copies: Option<u32>,
    /// (8) Ngày chuyển, `dd/mm/yyyy`.
    pub sent_on: Option<String>,
    /// (10) Ghi chú. (Column 9, ký nhận, is signed on paper.)
    pub note: String,
}

/// The Sổ đăng ký văn bản đi of one issuer and year.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutgoingBook {
    pub issuer: String,
    pub keeper: Keeper,
    pub year: i32,
    /// The first and last numbers in the book ("Từ số … đến số …").
    pub first: Option<u32>,
    pub last: Option<u32>,
    pub rows: Vec<OutgoingRow>,
}

/// The 10 column headings of the outgoing register book (Phụ lục IV).
pub const OUTGOING_COLUMNS: [&str; 10] = [
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
];

pub use crate::model::day_month_year;

/// The day a document (or a paper copy of it) left, as the clerk typed it: a complete
/// day, not before the document's own date.
pub fn sent_day(typed: &str, issued_on: NaiveDate) -> Result<NaiveDate, BookError> {
    let day = crate::model::DocDate::parse_day(typed).ok_or_else(|| BookError::Invalid {
        field: "sent_on",
        message: format!(
            "ngày chuyển \"{typed}\" không hợp lệ; hãy ghi như 2026-06-26 hoặc 26/06/2026"
        ),
    })?;
    if day < issued_on {
        return Err(BookError::Invalid {
            field: "sent_on",
            message: format!(
                "ngày chuyển {} trước ngày văn bản {}",
                day.format("%d/%m/%Y"),
                issued_on.format("%d/%m/%Y")
            ),
        });
    }
    Ok(day)
}

/// "quyết định" + "Về việc phê duyệt …" → "Quyết định về việc phê duyệt …".
fn kind_subject(kind: &str, subject: &str) -> String {
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let subject = if subject.starts_with("V/v") {
        subject
    } else {
        let mut s = subject.chars();
        s.next()
            .map(|c| c.to_lowercase().chain(s).collect())
            .unwrap_or_default()
    };
    format!("{} {subject}", crate::text::capitalize_first(kind))
}

/// One document's row of the outgoing register book: its recipients resolved as `send`
/// resolves them, and the clerk's note over the defaults.
pub fn row(store: &Store, e: &register::Entry) -> Result<OutgoingRow, BookError> {
    let letter = register::letter(store, e.id)?;
    let resolved = crate::mail::recipients::resolve(store, &letter)?;
    let recipients: Vec<String> = resolved
        .mailboxes
        .iter()
        .map(|m| m.name.clone())
        .chain(resolved.paper.iter().map(|p| p.name.clone()))
        .collect();
    // "Lưu: VT, KT." → "VT, KT": one archived copy per unit.
    let archive_line = resolved
        .archive
        .iter()
        .map(|a| {
            a.trim_start_matches("Lưu:")
                .trim()
                .trim_end_matches(['.', ';'])
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("; ");
    let archive_copies = archive_line
        .split([',', ';'])
        .filter(|u| !u.trim().is_empty())
        .count();
    let note = notes::get(store, e.id)?;
    let first_sent = notes::first_sent(store, e.id)?;
    Ok(OutgoingRow {
        document_id: e.id,
        number_symbol: e.number_symbol.clone(),
        date: day_month_year(&e.date),
        kind_subject: kind_subject(&e.kind, &e.subject),
        signer: e.signer.clone(),
        archive: note.archive.unwrap_or(archive_line),
        copies: note
            .copies
            .or_else(|| u32::try_from(recipients.len() + archive_copies).ok())
            .filter(|n| *n > 0),
        sent_on: note
            .sent_on
            .or(first_sent)
            .map(|d| d.format("%d/%m/%Y").to_string()),
        note: note.note.unwrap_or_default(),
        recipients,
    })
}

/// The outgoing register book of `issuer` for `year`, every issued document in number
/// order. A year without documents gives a book with its cover and no rows.
pub fn outgoing(store: &Store, issuer: &str, year: i32) -> Result<OutgoingBook, BookError> {
    if !(2000..=2100).contains(&year) {
        return Err(BookError::BadYear(year));
    }
    let keeper = Keeper::of(store, issuer)?;
    // The book lists the documents; the copies have their own numbers (series copy).
    let mut entries = register::list(store, Some(issuer), Some(year))?;
    entries.retain(|e| e.series == register::Series::Main);
    let rows = entries
        .iter()
        .map(|e| row(store, e))
        .collect::<Result<_, _>>()?;
    Ok(OutgoingBook {
        issuer: issuer.to_string(),
        keeper,
        year,
        first: entries.first().map(|e| e.number),
        last: entries.last().map(|e| e.number),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_subject_read_as_one_phrase() {
        assert_eq!(
            kind_subject("quyết định", "Về việc phê duyệt kết quả"),
            "Quyết định về việc phê duyệt kết quả"
        );
        assert_eq!(
            kind_subject("công văn", "V/v đôn đốc\nthực hiện"),
            "Công văn V/v đôn đốc thực hiện"
        );
        assert_eq!(
            kind_subject("kế hoạch", "Triển khai Chương trình"),
            "Kế hoạch triển khai Chương trình"
        );
    }
}
