//! Uploaded drafts: a letter file (`.toml`) or a Word draft (`.docx`) read into the
//! free composer's fields ([`super::compose`]), with notes on what was not recognised.

use std::collections::BTreeMap;

use super::accounts::User;
use super::compose;
use super::drafts::{self, Draft, DraftError};
use super::forms::FieldError;
use crate::store::Store;

/// The largest upload read (a Word draft with its images, a long letter file).
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

pub use super::docx_reader::Uploaded;

fn refused(message: impl Into<String>) -> DraftError {
    DraftError::Invalid(vec![FieldError {
        field: String::new(),
        message: message.into(),
    }])
}

/// Reads an upload by its file name's extension.
pub fn fields(store: &Store, file_name: &str, bytes: &[u8]) -> Result<Uploaded, DraftError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(refused(format!(
            "tệp \"{file_name}\" lớn {} MB, quá giới hạn {} MB",
            bytes.len() / (1024 * 1024),
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    let mut up = read_file(store, file_name, bytes)?;
    // A draft without its day ("2021-03", "ngày  tháng 9") is dated today; a note says so.
    up.fields
        .entry("date".into())
        .or_insert_with(|| crate::store::register::today_vn().to_string());
    Ok(up)
}

fn read_file(store: &Store, file_name: &str, bytes: &[u8]) -> Result<Uploaded, DraftError> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".toml") {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            refused(format!(
                "tệp \"{file_name}\" không phải văn bản UTF-8; hãy lưu lại với bảng mã UTF-8"
            ))
        })?;
        let read = compose::letter_fields(text, Some(store as &dyn crate::letter::Lookup))
            .map_err(|e| match e {
                DraftError::Invalid(mut p) => {
                    for x in &mut p {
                        x.field = String::new();
                    }
                    DraftError::Invalid(p)
                }
                other => other,
            })?;
        let mut up = Uploaded {
            fields: read.fields,
            notes: read.notes,
        };

        // An issuer or signer written out in the file is found among the stored ones.
        if let Some(name) = &read.issuer_name {
            match super::docx_reader::match_agency(store, name)? {
                Some(id) => {
                    up.fields.insert("issuer".into(), id);
                }
                None => up.notes.push(format!(
                    "không tìm thấy cơ quan \"{name}\" trong dữ liệu: hãy chọn cơ quan ban hành"
                )),
            }
        }
        if let Some(name) = &read.signer_name {
            let issuer = up.fields.get("issuer").cloned();
            match super::docx_reader::match_person(store, name, issuer.as_deref())? {
                Some((id, _)) => {
                    up.fields.insert("signer".into(), id);
                }
                None => up.notes.push(format!(
                    "không tìm thấy người ký \"{name}\" trong dữ liệu: hãy chọn người ký"
                )),
            }
        }
        Ok(up)
    } else if lower.ends_with(".docx") {
        // Word drafts are read one per core at a time, like renders: six large drafts
        // at once cost what two do.
        static READERS: std::sync::OnceLock<crate::render::budget::Slots> =
            std::sync::OnceLock::new();
        let _slot = READERS
            .get_or_init(crate::render::budget::Slots::per_core)
            .acquire()
            .map_err(|e| refused(e.to_string()))?;
        let read = super::docx_reader::read(store, bytes);
        // What the reader parsed is freed; hand it back to the system (a refused 8 MB
        // part is gone from the process's size, not kept by the allocator).
        crate::limits::release_memory();
        read
    } else {
        Err(refused(format!(
            "không đọc được \"{file_name}\": hãy tải lên tệp thư (.toml) hoặc bản soạn thảo Word (.docx)"
        )))
    }
}

/// Why an upload did not become a draft: the error, and the fields read from the file
/// (for the form that shows the error next to them).
#[derive(Debug)]
pub struct Refused {
    pub error: DraftError,
    pub fields: BTreeMap<String, String>,
    pub notes: Vec<String>,
    /// The history line the draft would have begun with (which file, what to review),
    /// kept by the form while the drafter fixes the problems: [`create_from_upload`].
    pub detail: String,
}

/// The longest carried history line of an upload the form accepts back.
pub const MAX_DETAIL_CHARS: usize = 4000;

/// Creates the draft of an upload whose problems the drafter fixed in the form:
/// `detail` is the history line the upload began (its file and what to review),
/// carried by the form; anything not starting as such a line is not taken.
pub fn create_from_upload(
    store: &mut Store,
    user: &User,
    raw: &BTreeMap<String, String>,
    detail: &str,
) -> Result<Draft, DraftError> {
    let detail = crate::text::header_safe(detail);
    let detail: String = detail.chars().take(MAX_DETAIL_CHARS).collect();
    if detail.starts_with("tải lên từ tệp ") {
        drafts::create_with_detail(store, user, compose::TEMPLATE, raw, &detail)
    } else {
        drafts::create(store, user, compose::TEMPLATE, raw)
    }
}

/// Reads an upload and creates the composer draft it holds (drafters); the history of
/// the draft says which file it came from and what the reader could not place, and so
/// do the notes returned with it.
pub fn create(
    store: &mut Store,
    user: &User,
    file_name: &str,
    bytes: &[u8],
) -> Result<(Draft, Vec<String>), Box<Refused>> {
    let up = fields(store, file_name, bytes).map_err(|error| {
        Box::new(Refused {
            error,
            fields: BTreeMap::new(),
            notes: vec![],
            detail: String::new(),
        })
    })?;
    let name = crate::text::header_safe(file_name);
    let mut detail = format!("tải lên từ tệp {name}");
    if !up.notes.is_empty() {
        detail.push_str("; cần xem lại: ");
        detail.push_str(&up.notes.join("; "));
    }
    match drafts::create_with_detail(store, user, compose::TEMPLATE, &up.fields, &detail) {
        Ok(d) => Ok((d, up.notes)),
        Err(error) => Err(Box::new(Refused {
            error,
            fields: up.fields,
            notes: up.notes,
            detail,
        })),
    }
}
