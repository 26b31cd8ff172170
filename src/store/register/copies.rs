//! The copy series of the register: electronic copies numbered `01/BSY-UBND`, … from 1
//! each calendar year, beside the agency's documents (see [`crate::copies`]).

use chrono::NaiveDate;

use super::numbering::{self, Numbered, Place, Series};
use super::{Entry, RegisterError, sha256_hex};
use crate::store::Store;

/// A signed copy to number and store.
pub struct NewCopy<'a> {
    /// The copying agency's id and its name on one line.
    pub issuer: &'a str,
    pub issuer_name: &'a str,
    /// The symbol after the number: the copy form's and the agency's abbreviations
    /// (`BSY-UBND`).
    pub abbreviation: &'a str,
    /// The copy's day (Vietnam time).
    pub date: NaiveDate,
    pub kind: &'a str,
    pub subject: &'a str,
    /// The recipients as printed.
    pub recipients: Vec<String>,
    pub pages: usize,
    /// The signed PDF (the number is not on it: the copy's mark carries the form, the
    /// agency and the time, so the file is signed before it is numbered).
    pub pdf: Vec<u8>,
    /// What a letter holds of it (its recipients), for delivery.
    pub letter: &'a str,
    pub signature: crate::sign::Record,
    /// The incoming entry copied.
    pub copy_of: i64,
}

/// Numbers `copy` in its agency's copy series for the year of its date and stores it
/// with its signature and `then`'s writes (the audit row), in one transaction.
pub fn issue_copy(
    store: &mut Store,
    copy: NewCopy,
    then: impl FnOnce(&rusqlite::Transaction, &Entry) -> Result<(), RegisterError>,
) -> Result<Entry, RegisterError> {
    let year = chrono::Datelike::year(&copy.date);
    let place = Place {
        issuer: copy.issuer,
        series: Series::Copy,
        year,
    };
    let pdf_sha256 = sha256_hex(&copy.pdf);
    numbering::store_numbered(
        store,
        place,
        |number| {
            Ok(Numbered {
                entry: Entry {
                    id: 0,
                    issuer: copy.issuer.to_string(),
                    issuer_name: copy.issuer_name.to_string(),
                    series: Series::Copy,
                    year,
                    number,
                    number_symbol: format!("{number:02}/{}", copy.abbreviation),
                    date: copy.date.format("%Y-%m-%d").to_string(),
                    kind: copy.kind.to_string(),
                    subject: copy.subject.to_string(),
                    signer: copy.issuer_name.to_string(),
                    recipients: copy.recipients.clone(),
                    pages: copy.pages as u32,
                    pdf_sha256: pdf_sha256.clone(),
                    docx_sha256: String::new(),
                    issued_at: crate::store::time::Stamp::now().to_string(),
                    signatures: 1,
                },
                pdf: copy.pdf.clone(),
                docx: vec![],
                letter: copy.letter.to_string(),
                signatures: vec![copy.signature.clone()],
                copy_of: Some(copy.copy_of),
            })
        },
        then,
    )
}
