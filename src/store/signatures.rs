//! The digital signatures the register keeps of each issued electronic original
//! (`document_signatures`), and their re-check against the stored signed PDFs.

use super::Store;
use super::register::{RegisterError, sha256_hex};

/// The digital signatures the register recorded for a document, in order.
pub fn signatures(store: &Store, id: i64) -> Result<Vec<crate::sign::Record>, RegisterError> {
    let mut stmt = store.conn().prepare(
        "SELECT role, subject, serial, signed_at FROM document_signatures
         WHERE document_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id], |r| {
        let role: String = r.get(0)?;
        Ok(crate::sign::Record {
            role: if role == "agency" {
                crate::sign::Role::Agency
            } else {
                crate::sign::Role::Signer
            },
            subject: r.get(1)?,
            serial: r.get(2)?,
            signed_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A stored signed PDF, as `register verify` re-checks it.
pub struct SignedFile {
    /// "12/KH-UBND năm 2026".
    pub name: String,
    pub pdf: Vec<u8>,
    /// The SHA-256 recorded at issue matches the stored bytes.
    pub hash_matches: bool,
    /// How many signatures the register recorded.
    pub recorded: usize,
}

/// Every stored signed PDF, with whether it still has its recorded hash.
pub fn signed_files(store: &Store) -> Result<Vec<SignedFile>, RegisterError> {
    let mut stmt = store.conn().prepare(
        "SELECT d.number_symbol, d.year, d.pdf, d.pdf_sha256, count(s.position)
         FROM documents d JOIN document_signatures s ON s.document_id = d.id
         GROUP BY d.id ORDER BY d.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let pdf: Vec<u8> = r.get(2)?;
        let sha: String = r.get(3)?;
        Ok(SignedFile {
            name: format!("{} năm {}", r.get::<_, String>(0)?, r.get::<_, i32>(1)?),
            hash_matches: sha256_hex(&pdf) == sha,
            pdf,
            recorded: r.get::<_, i64>(4)? as usize,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
