//! The images of electronic signatures kept with the programme data: a person's
//! handwritten signature and an agency's seal with its real diameter. What is stored
//! was checked as a [`Png`] first; what is read is checked again.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::sign::image::{ImageError, Png, Seal, SealDiameter};

/// Why an image could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum ImagesError {
    #[error("không có người ký mã \"{0}\" trong dữ liệu")]
    NoPerson(String),
    #[error("không có cơ quan mã \"{0}\" trong dữ liệu")]
    NoAgency(String),
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ImagesError {
    fn from(e: rusqlite::Error) -> Self {
        ImagesError::Store(StoreError::Sqlite(e))
    }
}

/// The handwritten signature image of `person`, if one is stored.
pub fn signature_image(store: &Store, person: &str) -> Result<Option<Png>, ImagesError> {
    let bytes: Option<Vec<u8>> = store
        .conn()
        .query_row(
            "SELECT signature_png FROM people WHERE id = ?1",
            [person],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(bytes.map(Png::parse).transpose()?)
}

/// The seal of `agency`, if one is stored.
pub fn seal(store: &Store, agency: &str) -> Result<Option<Seal>, ImagesError> {
    let row: Option<(Option<Vec<u8>>, Option<f64>)> = store
        .conn()
        .query_row(
            "SELECT seal_png, seal_mm FROM agencies WHERE id = ?1",
            [agency],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((Some(bytes), Some(mm))) => Ok(Some(Seal {
            image: Png::parse(bytes)?,
            diameter: SealDiameter::parse(mm)?,
        })),
        _ => Ok(None),
    }
}

/// Stores the signature image of `person` (replacing an earlier one).
pub fn set_signature_image(
    conn: &rusqlite::Connection,
    person: &str,
    image: &Png,
) -> Result<(), ImagesError> {
    let n = conn.execute(
        "UPDATE people SET signature_png = ?2 WHERE id = ?1",
        params![person, image.bytes()],
    )?;
    if n == 0 {
        return Err(ImagesError::NoPerson(person.to_string()));
    }
    Ok(())
}

/// Stores the seal of `agency` (replacing an earlier one).
pub fn set_seal(conn: &rusqlite::Connection, agency: &str, seal: &Seal) -> Result<(), ImagesError> {
    let n = conn.execute(
        "UPDATE agencies SET seal_png = ?2, seal_mm = ?3 WHERE id = ?1",
        params![agency, seal.image.bytes(), seal.diameter.mm()],
    )?;
    if n == 0 {
        return Err(ImagesError::NoAgency(agency.to_string()));
    }
    Ok(())
}
