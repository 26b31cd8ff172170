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
