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

/// Re-checks every stored signed PDF: its SHA-256 is the recorded one, it carries the
/// recorded number of signatures, and each is intact and covers its revision. Returns
/// a description of every break (empty when sound).
pub fn verify_signatures(
    store: &Store,
    trust: &crate::sign::keys::Trust,
) -> Result<Vec<String>, RegisterError> {
    let mut problems = vec![];
    let mut stmt = store.conn().prepare(
        "SELECT d.id, d.number_symbol, d.year, d.pdf, d.pdf_sha256, count(s.position)
         FROM documents d JOIN document_signatures s ON s.document_id = d.id
         GROUP BY d.id ORDER BY d.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i32>(2)?,
            r.get::<_, Vec<u8>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)? as usize,
        ))
    })?;
    for row in rows {
        let (_, number, year, pdf, sha, count) = row?;
        let name = format!("{number} năm {year}");
        if sha256_hex(&pdf) != sha {
            problems.push(format!("{name}: tệp PDF lưu không khớp mã SHA-256 đã ghi"));
            continue;
        }
        match crate::sign::verify::verify(&pdf, trust) {
            Err(e) => problems.push(format!("{name}: {e}")),
            Ok(report) => {
                if report.signatures.len() != count {
                    problems.push(format!(
                        "{name}: sổ ghi {count} chữ ký số nhưng tệp có {}",
                        report.signatures.len()
                    ));
                }
                for (i, s) in report.signatures.iter().enumerate() {
                    if !s.intact || !s.covers_revision {
                        problems.push(format!(
                            "{name}: chữ ký {} ({}) không còn nguyên vẹn: {}",
                            i + 1,
                            s.subject,
                            s.problem.as_deref().unwrap_or("không trọn phiên bản")
                        ));
                    }
                }
            }
        }
    }
    Ok(problems)
}
