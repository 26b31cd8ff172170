//! The clerk's notes on an issued document: the register book's columns the document
//! does not hold (6 đơn vị lưu, 7 số lượng bản, 8 ngày chuyển, 10 ghi chú). They are
//! written after issue, as often as needed, and never touch the immutable document.

use chrono::NaiveDate;

use super::BookError;
use crate::store::{Store, register};
use crate::text::Line;

/// What the clerk wrote; `None` is "not written" (the book shows the system's value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Note {
    /// (6) Đơn vị, người nhận bản lưu, e.g. "VT, Phòng Kinh tế".
    pub archive: Option<String>,
    /// (7) Số lượng bản, 1–9999.
    pub copies: Option<u32>,
    /// (8) Ngày chuyển: the day the document left the office.
    pub sent_on: Option<NaiveDate>,
    /// (10) Ghi chú.
    pub note: Option<String>,
}

/// A note as typed in a form or an API body: every field optional, blank = not written.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    #[serde(default)]
    pub archive: Option<String>,
    /// 1–9999.
    #[serde(default)]
    pub copies: Option<String>,
    /// 2026-06-26 or 26/06/2026, not before the document's date.
    #[serde(default)]
    pub sent_on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Note {
    /// Parses what the clerk typed; the first problem is returned with its field.
    /// `issued_on` is the document's date: it cannot leave before it exists.
    pub fn parse(input: &NoteInput, issued_on: NaiveDate) -> Result<Note, BookError> {
        let invalid = |field, message: String| BookError::Invalid { field, message };
        let line = |field, v: &Option<String>| -> Result<Option<String>, BookError> {
            blank(v)
                .map(|s| {
                    Line::parse(s)
                        .map(|l| l.as_str().to_string())
                        .map_err(|e| invalid(field, e.to_string()))
                })
                .transpose()
        };
        let copies = blank(&input.copies)
            .map(|s| {
                s.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=9999).contains(n))
                    .ok_or_else(|| {
                        invalid(
                            "copies",
                            format!(
                                "số lượng bản \"{s}\" không hợp lệ; hãy ghi một số từ 1 đến 9999"
                            ),
                        )
                    })
            })
            .transpose()?;
        let sent_on = blank(&input.sent_on)
            .map(|s| super::sent_day(s, issued_on))
            .transpose()?;
        Ok(Note {
            archive: line("archive", &input.archive)?,
            copies,
            sent_on,
            note: line("note", &input.note)?,
        })
    }
}

/// The clerk's note on a document (all `None` when none was written).
pub fn get(store: &Store, document_id: i64) -> Result<Note, BookError> {
    let note = register::note(store.conn(), document_id)?.map(|n| Note {
        archive: n.archive,
        copies: n.copies,
        sent_on: n.sent_on,
        note: n.note,
    });
    Ok(note.unwrap_or_default())
}

/// The document's date, or [`BookError::NoSuchDocument`].
pub fn issued_on(store: &Store, document_id: i64) -> Result<NaiveDate, BookError> {
    register::issued_on(store, document_id)?.ok_or(BookError::NoSuchDocument(document_id))
}

/// Replaces the clerk's note on a document (one statement: all or nothing).
pub fn save(
    store: &Store,
    document_id: i64,
    note: &Note,
    by: Option<&str>,
) -> Result<(), BookError> {
    issued_on(store, document_id)?;
    let row = register::NoteRow {
        archive: note.archive.clone(),
        copies: note.copies,
        sent_on: note.sent_on,
        note: note.note.clone(),
    };
    register::save_note(store.conn(), document_id, &row, by)?;
    Ok(())
}

/// The first day the document left: the earliest e-mail accepted by the server (in
/// Vietnam's time) or paper copy recorded as sent.
pub fn first_sent(store: &Store, document_id: i64) -> Result<Option<NaiveDate>, BookError> {
    let (mail, paper) = crate::store::outbox::first_sent(store.conn(), document_id)?;
    let mail = mail.map(|t| t.vietnam().date_naive());
    let paper = paper.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    Ok(match (mail, paper) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn input(copies: &str, sent_on: &str, note: &str) -> NoteInput {
        NoteInput {
            archive: Some(" ".into()),
            copies: Some(copies.into()),
            sent_on: Some(sent_on.into()),
            note: Some(note.into()),
        }
    }

    #[test]
    fn a_note_parses_or_names_its_field() {
        let issued = day(2026, 6, 25);
        let n = Note::parse(&input("12", "26/06/2026", "Gửi kèm hồ sơ"), issued).unwrap();
        assert_eq!(n.copies, Some(12));
        assert_eq!(n.sent_on, Some(day(2026, 6, 26)));
        assert_eq!(n.archive, None, "blank is not written");
        assert_eq!(n.note.as_deref(), Some("Gửi kèm hồ sơ"));
        let field = |i: NoteInput| match Note::parse(&i, issued) {
            Err(BookError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(input("0", "", "")), "copies");
        assert_eq!(field(input("ba", "", "")), "copies");
        assert_eq!(field(input("", "24/06/2026", "")), "sent_on");
        assert_eq!(field(input("", "31/02/2026", "")), "sent_on");
        assert_eq!(field(input("", "", "a\u{202e}b")), "note");
    }
}
