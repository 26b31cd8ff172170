//! Issuing an electronic original: the numbered document rendered with its signature
//! and seal images, then signed by the signer's key and the agency's key, in the
//! decree's order (Điều 14). The register calls this inside its transaction, so a
//! refused key, a wrong password or a signing error leaves no number used.
//!
//! The order, and why it is the decree's: the decree has the signer sign, then the
//! number and date given, then the agency sign. Here the signer's consent is given at
//! approval (re-entering their password; their key is held by the service), and the
//! system gives the number and date at issue (as Điều 14 has it for electronic
//! documents) just before both keys sign. So the signer's signature covers the number
//! and date standing in ô 3 and ô 4 (nothing of the page is added after a signature),
//! the agency's signature comes last and covers the whole file, and both are made in
//! the same transaction as the number.

use chrono::{DateTime, Utc};

use super::keys::{KeyPlace, Owner};
use super::pades::{self, Request};
use super::{Keyring, Record, Role, SignError, Unlock};
use crate::model::Document;
use crate::render::image::{Png, Seal};
use crate::render::{Marks, Renderer};

/// Why an electronic original could not be made: a key, a certificate or the signing
/// (nothing numbered), or the rendering of the marked pages.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
}

/// What an electronic issue needs besides the document.
pub struct Electronic<'a> {
    pub keyring: &'a Keyring,
    /// The signer's handwritten signature image and the agency's seal.
    pub signature_image: Option<Png>,
    pub seal: Option<Seal>,
    /// The signing time (now, at issue).
    pub at: DateTime<Utc>,
    /// The PINs typed for token keys, and who hears of a wait on a remote signer.
    pub unlock: Unlock,
}

/// The keys that signing `doc` needs (its signer's, its issuer's), with where each is
/// kept: what the person issuing must be asked for (a token's PIN) or told of (a remote
/// signer's confirmation). Owners without a configured key are left out.
pub fn key_places(keyring: &Keyring, doc: &Document) -> Vec<(Owner, KeyPlace)> {
    let parts = doc.parts();
    [
        parts.signature.id.clone().map(Owner::Person),
        parts.issuer.id.clone().map(Owner::Agency),
    ]
    .into_iter()
    .flatten()
    .filter_map(|o| keyring.place(&o).map(|p| (o, p)))
    .collect()
}

/// Renders `doc` (already numbered and dated) with its images and signs it, the
/// signer's signature first and the agency's second. Returns the signed PDF, its page
/// count and the two records. Both keys are checked before anything is rendered.
pub fn sign_document(
    renderer: &Renderer,
    doc: &Document,
    e: &Electronic,
) -> Result<(Vec<u8>, usize, Vec<Record>), IssueError> {
    let parts = doc.parts();
    let person = parts.signature.id.clone().ok_or_else(|| {
        SignError::NoKeyFor(format!(
            "người ký {} (văn bản không ghi mã người ký trong dữ liệu)",
            parts.signature.name.trim()
        ))
    })?;
    let agency = parts.issuer.id.clone().ok_or_else(|| {
        SignError::NoKeyFor(format!(
            "{} (văn bản không ghi mã cơ quan trong dữ liệu)",
            doc.issuer_one_line()
        ))
    })?;
    let signer_key = e
        .keyring
        .key(&Owner::Person(person.clone()), e.at, &e.unlock)?;
    let agency_key = e
        .keyring
        .key(&Owner::Agency(agency.clone()), e.at, &e.unlock)?;
    if e.signature_image.is_none() {
        return Err(SignError::Image(format!(
            "chưa có ảnh chữ ký của người ký \"{person}\"; quản trị viên tải ảnh lên ở trang Dữ liệu"
        ))
        .into());
    }
    if e.seal.is_none() {
        return Err(SignError::Image(format!(
            "chưa có ảnh con dấu của cơ quan \"{agency}\"; quản trị viên tải ảnh lên ở trang Dữ liệu"
        ))
        .into());
    }
    let marks = Marks {
        signature: e.signature_image.clone(),
        seal: e.seal.clone(),
    };
    let (pdf, pages) = renderer.pdf_marked(doc, &marks)?;
    let number = doc.number_symbol().replace(crate::text::BLANK_CHAR, "");
    let place = parts.place.trim().to_string();
    let signer_reason = format!("Ký ban hành văn bản số {number}");
    let (pdf, first) = pades::sign(
        &pdf,
        signer_key.as_ref(),
        &Request {
            role: Role::Signer,
            reason: &signer_reason,
            location: &place,
            at: e.at,
            tsa: e.keyring.signature_tsa(),
        },
    )?;
    let agency_reason = format!("Cơ quan ban hành ký số văn bản số {number}");
    let (pdf, second) = pades::sign(
        &pdf,
        agency_key.as_ref(),
        &Request {
            role: Role::Agency,
            reason: &agency_reason,
            location: &place,
            at: e.at,
            tsa: e.keyring.signature_tsa(),
        },
    )?;
    let pdf = long_term(pdf, e.keyring)?;
    Ok((pdf, pages, vec![first, second]))
}

/// B-LT: the validation data of both signatures in a DSS after the agency's; B-LTA:
/// and a document timestamp over it all.
pub fn long_term(pdf: Vec<u8>, keyring: &Keyring) -> Result<Vec<u8>, SignError> {
    let level = keyring.level();
    if level < super::Level::BLT {
        return Ok(pdf);
    }
    let pdf = super::ltv::add_validation_data(&pdf, keyring.trust())?;
    match (level, keyring.tsa()) {
        (super::Level::BLTA, Some(tsa)) => super::pades::document_timestamp(&pdf, tsa),
        _ => Ok(pdf),
    }
}
