//! The images of electronic signatures kept with the programme data: a person's
//! handwritten signature and an agency's seal with its real diameter. What is stored
//! was checked as a [`Png`] first; what is read is checked again.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::render::image::{ImageError, Png, Seal, SealDiameter};

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

/// A stored image that no longer reads as a usable [`Png`] (stored by an older vanthu
/// that checked less, or changed in the database by hand).
#[derive(Debug, Clone, PartialEq)]
pub struct BadImage {
    /// `Chữ ký của <person>` or `Con dấu của <agency>`, for the administrator.
    pub owner: String,
    pub problem: ImageError,
}

/// Every stored signature image and seal that does not read back: what `vanthu doctor`
/// and the service's start report (each one fails every signed issue that needs it).
pub fn unreadable(store: &Store) -> Result<Vec<BadImage>, ImagesError> {
    let mut bad = vec![];
    let mut stmt = store.conn().prepare(
        "SELECT 'Ảnh chữ ký của ' || name || ' (' || id || ')', signature_png FROM people
         WHERE signature_png IS NOT NULL
         UNION ALL
         SELECT 'Con dấu của ' || replace(name, char(10), ' ') || ' (' || id || ')', seal_png FROM agencies
         WHERE seal_png IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    for row in rows {
        let (owner, bytes) = row?;
        if let Err(problem) = Png::parse(bytes) {
            bad.push(BadImage { owner, problem });
        }
    }
    Ok(bad)
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
