//! Checking the digital signatures of a PDF someone uploads ("Kiểm tra chữ ký số"):
//! the same verification as `vanthu verify`, bounded like a render, since anyone signed
//! in may send any file.

use std::time::Duration;

use crate::render::{RenderError, Renderer};
use crate::sign::keys::Trust;
use crate::sign::verify::{self, Report, VerifyError};

/// How long checking one uploaded file may take.
pub const CHECK_SECONDS: u64 = 20;

/// Why an uploaded file was not checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Every slot was taken for longer than the wait.
    #[error(transparent)]
    Busy(#[from] RenderError),
}

/// Every signature of `pdf` against `trust`, in one of the render slots and within
/// [`CHECK_SECONDS`].
pub fn check_upload(renderer: &Renderer, trust: &Trust, pdf: &[u8]) -> Result<Report, CheckError> {
    let _slot = renderer.slot()?;
    Ok(verify::verify_within(
        pdf,
        trust,
        Duration::from_secs(CHECK_SECONDS),
    )?)
}

/// Re-checks every stored signed PDF with the verifier: its SHA-256 is the recorded
/// one, it carries the recorded number of signatures, and each signature and document
/// timestamp is valid (nothing changed after signing, certificates good). Returns one
/// line per document that fails, naming it and why (empty when all hold).
pub fn verify_register(
    store: &crate::store::Store,
    trust: &Trust,
) -> Result<Vec<String>, crate::store::register::RegisterError> {
    let mut problems = vec![];
    for file in crate::store::register::signed_files(store)? {
        let name = &file.name;
        if !file.hash_matches {
            problems.push(format!(
                "{name}: tệp PDF lưu không khớp mã SHA-256 ghi lúc ban hành (tệp đã bị thay)"
            ));
        }
        match verify::verify(&file.pdf, trust) {
            Err(e) => problems.push(format!("{name}: {e}")),
            Ok(report) => {
                if report.signature_count() != file.recorded {
                    problems.push(format!(
                        "{name}: sổ ghi {} chữ ký số nhưng tệp có {}",
                        file.recorded,
                        report.signature_count()
                    ));
                }
                for (s, words) in report.signatures.iter().zip(verify::lines(&report)) {
                    if !s.valid() {
                        problems.push(format!(
                            "{name}: {} ({}): {}",
                            words.title, s.name, s.verdict
                        ));
                    }
                }
            }
        }
    }
    Ok(problems)
}
