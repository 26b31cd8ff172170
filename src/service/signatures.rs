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

/// Why archives could not be renewed at all.
#[derive(Debug, thiserror::Error)]
pub enum ExtendError {
    #[error("gia hạn cần dấu thời gian: thêm mục [signing.tsa] vào vanthu.toml")]
    NoTsa,
    #[error(transparent)]
    Register(#[from] crate::store::register::RegisterError),
    #[error(transparent)]
    Sign(#[from] crate::sign::SignError),
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// Renews the archive of every stored signed document whose last timestamp's
/// authority certificate expires within `within_days` of `now` (PAdES B-LTA): the
/// validation data of that timestamp in a DSS, then a new document timestamp, as a new
/// revision stored beside the issued file and logged. A document without a
/// timestamp, or whose signatures no longer hold, is named and left as it is. Returns
/// one line per document.
pub fn extend_register(
    store: &mut crate::store::Store,
    keyring: &crate::sign::Keyring,
    within_days: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>, ExtendError> {
    use crate::sign::verify::Kind;
    let tsa = keyring.tsa().ok_or(ExtendError::NoTsa)?;
    let trust = keyring.trust();
    let mut lines = vec![];
    for file in crate::store::register::signed_files(store)? {
        let name = &file.name;
        let report = match verify::verify(&file.pdf, trust) {
            Ok(r) => r,
            Err(e) => {
                lines.push(format!("{name}: không gia hạn: {e}"));
                continue;
            }
        };
        if !report.all_valid() {
            lines.push(format!(
                "{name}: không gia hạn: có chữ ký không hợp lệ (xem vanthu register verify)"
            ));
            continue;
        }
        let last = report.signatures.iter().rev().find_map(|s| match s.kind {
            Kind::DocumentTimestamp => s.timestamp_expires,
            Kind::Signature => s.timestamp_expires,
        });
        let Some(expires) = last else {
            lines.push(format!(
                "{name}: không gia hạn: văn bản không có dấu thời gian (ký ở mức B-B)"
            ));
            continue;
        };
        let day = verify::day(expires);
        if expires - now > chrono::Duration::days(within_days) {
            lines.push(format!(
                "{name}: chưa cần gia hạn (chứng thư của nơi cấp dấu thời gian cuối hết hạn {day})"
            ));
            continue;
        }
        let with_data = crate::sign::ltv::add_validation_data(&file.pdf, trust)?;
        let extended = crate::sign::pades::document_timestamp(&with_data, tsa)?;
        // The renewed file must still verify before it replaces the stored one.
        match verify::verify(&extended, trust) {
            Ok(r) if r.all_valid() => {}
            Ok(r) => {
                lines.push(format!(
                    "{name}: không gia hạn: bản gia hạn không hợp lệ: {}",
                    r.text()
                ));
                continue;
            }
            Err(e) => {
                lines.push(format!("{name}: không gia hạn: {e}"));
                continue;
            }
        }
        let reason = format!(
            "gia hạn dấu thời gian lưu trữ (dấu thời gian cuối do chứng thư hết hạn {day} cấp)"
        );
        let tx = store.write()?;
        crate::store::register::add_extension(&tx, file.id, &extended, &reason)?;
        crate::service::audit::record(
            &tx,
            None,
            "extend",
            &format!("document:{}", file.id),
            crate::service::audit::Outcome::Ok,
            &reason,
        )?;
        tx.commit()?;
        lines.push(format!(
            "{name}: đã gia hạn: thêm dữ liệu kiểm tra và dấu thời gian tài liệu mới"
        ));
    }
    Ok(lines)
}
