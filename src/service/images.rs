//! The admin's uploads of the images of electronic signatures: a signer's handwritten
//! signature and an agency's seal (Nghị định 30, Phụ lục I ô 7c and 8). A file that is
//! not a transparent PNG within the limits is refused and nothing is stored.

use super::access::{self, Denial};
use super::accounts::{Action, User};
use super::audit::{self, Outcome};
use crate::render::image::{ImageError, Png, Seal, SealDiameter};
use crate::store::images::{self, ImagesError};
use crate::store::{Store, agencies};

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Denied(#[from] Denial),
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Store(#[from] ImagesError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Stores `bytes` as the signature image of `person` (admin only, audited).
pub fn set_signature_image(
    store: &mut Store,
    user: &User,
    person: &str,
    bytes: Vec<u8>,
) -> Result<(), UploadError> {
    let target = format!("person:{person}");
    access::role(store, user, Action::Administer, &target)?;
    // The person's agency administers their image.
    let agency = agencies::person(store.conn(), person)?
        .ok_or_else(|| ImagesError::NoPerson(person.to_string()))?
        .agency_id;
    crate::service::access::administer(store, user, Some(&agency), &target)?;
    let png = Png::parse(bytes)?;
    let tx = store.write()?;
    images::set_signature_image(&tx, person, &png)?;
    let detail = format!("ảnh chữ ký {}×{}", png.width(), png.height());
    audit::record(
        &tx,
        Some(user),
        "signature-image",
        &target,
        Outcome::Ok,
        &detail,
    )?;
    tx.commit()?;
    Ok(())
}

/// Stores `bytes` as the seal of `agency`, `mm` across (admin only, audited).
pub fn set_seal(
    store: &mut Store,
    user: &User,
    agency: &str,
    bytes: Vec<u8>,
    mm: f64,
) -> Result<(), UploadError> {
    let target = format!("agency:{agency}");
    access::role(store, user, Action::Administer, &target)?;
    crate::service::access::administer(store, user, Some(agency), &target)?;
    let diameter = SealDiameter::parse(mm)?;
    let image = Png::parse(bytes)?;
    let tx = store.write()?;
    images::set_seal(&tx, agency, &Seal { image, diameter })?;
    audit::record(
        &tx,
        Some(user),
        "seal",
        &target,
        Outcome::Ok,
        &format!("con dấu {mm} mm"),
    )?;
    tx.commit()?;
    Ok(())
}

/// Whose images `user` may upload, by name: the signers and agencies of their own
/// agency (all of them for the service's administrator). Empty for anyone else.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Owners {
    /// (person id, "Name — title").
    pub people: Vec<(String, String)>,
    /// (agency id, short name).
    pub agencies: Vec<(String, String)>,
}

/// The [`Owners`] of `user`'s image uploads.
pub fn owners(store: &Store, user: &User) -> rusqlite::Result<Owners> {
    if !user.role.may(Action::Administer) {
        return Ok(Owners::default());
    }
    let scope = if user.is_service_admin() {
        None
    } else {
        match user.agency() {
            Some(a) => Some(a.to_string()),
            None => return Ok(Owners::default()),
        }
    };
    let conn = store.conn();
    Ok(Owners {
        people: agencies::people(conn, scope.as_deref())?
            .into_iter()
            .map(|p| (p.id, format!("{} — {}", p.name, p.title)))
            .collect(),
        agencies: agencies::short_names(conn, scope.as_deref())?,
    })
}

/// The name an upload's owner is told by: the person's or the agency's, else the id.
pub fn owner_name(store: &Store, id: &str) -> String {
    let conn = store.conn();
    agencies::person_name(conn, id)
        .ok()
        .flatten()
        .or_else(|| agencies::short_name(conn, id).ok().flatten())
        .unwrap_or_else(|| id.to_string())
}
