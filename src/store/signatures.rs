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
    pub id: i64,
}

/// Stores `pdf`, the document's latest PDF with one more incremental update (long-term
/// validation), as its PDF from now on, with `reason`; in `tx`.
pub fn add_extension(
    tx: &rusqlite::Transaction,
    document: i64,
    pdf: &[u8],
    reason: &str,
) -> Result<(), RegisterError> {
    tx.execute(
        "INSERT INTO document_extensions (document_id, pdf, pdf_sha256, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            document,
            pdf,
            sha256_hex(pdf),
            reason,
            super::time::Stamp::now().to_string()
        ],
    )?;
    Ok(())
}

/// Every stored signed PDF, with whether it still has its recorded hash.
pub fn signed_files(store: &Store) -> Result<Vec<SignedFile>, RegisterError> {
    let mut stmt = store.conn().prepare(
        "SELECT d.number_symbol, d.year,
                coalesce(x.pdf, d.pdf), coalesce(x.pdf_sha256, d.pdf_sha256),
                (SELECT count(*) FROM document_signatures s WHERE s.document_id = d.id), d.id
         FROM documents d
         LEFT JOIN document_extensions x ON x.id =
             (SELECT max(id) FROM document_extensions WHERE document_id = d.id)
         WHERE EXISTS (SELECT 1 FROM document_signatures s WHERE s.document_id = d.id)
         ORDER BY d.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let pdf: Vec<u8> = r.get(2)?;
        let sha: String = r.get(3)?;
        Ok(SignedFile {
            name: format!("{} năm {}", r.get::<_, String>(0)?, r.get::<_, i32>(1)?),
            hash_matches: sha256_hex(&pdf) == sha,
            pdf,
            recorded: r.get::<_, i64>(4)? as usize,
            id: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
