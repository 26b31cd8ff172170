//! The clerk's notes beside the register (`register_notes`): columns 6, 7, 8 and 10
//! of the outgoing book as written by hand. The issued documents stay immutable.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

/// A note as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoteRow {
    pub archive: Option<String>,
    pub copies: Option<u32>,
    pub sent_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// The note on document `id`, if one was written.
pub fn note(conn: &Connection, id: i64) -> Result<Option<NoteRow>, rusqlite::Error> {
    conn.query_row(
        "SELECT archive, copies, sent_on, note FROM register_notes WHERE document_id = ?1",
        [id],
        |r| {
            let sent_on: Option<String> = r.get(2)?;
            Ok(NoteRow {
                archive: r.get(0)?,
                copies: r.get(1)?,
                sent_on: sent_on.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                note: r.get(3)?,
            })
        },
    )
    .optional()
}

/// Replaces the note on document `id` (one statement: all or nothing), by `by`.
pub fn save_note(
    conn: &Connection,
    id: i64,
    note: &NoteRow,
    by: Option<&str>,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO register_notes (document_id, archive, copies, sent_on, note, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (document_id) DO UPDATE SET archive = excluded.archive, copies = excluded.copies,
           sent_on = excluded.sent_on, note = excluded.note, updated_at = excluded.updated_at,
           updated_by = excluded.updated_by",
        params![
            id,
            note.archive,
            note.copies,
            note.sent_on.map(|d| d.to_string()),
            note.note,
            crate::store::time::Stamp::now().to_string(),
            by
        ],
    )?;
    Ok(())
}
