//! Saved templates (`saved_templates`): a composed draft's fields kept under a title
//! for its agency to start from again.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

/// One saved template as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRow {
    pub id: i64,
    pub title: String,
    pub agency_id: String,
    pub agency_name: String,
    pub fields: BTreeMap<String, String>,
    /// The author's login.
    pub author: String,
    pub created_at: String,
}

const COLUMNS: &str = "t.id, t.title, t.agency_id, a.short_name, t.fields, u.login, t.created_at";
const FROM: &str = "FROM saved_templates t JOIN agencies a ON a.id = t.agency_id
    JOIN users u ON u.id = t.author_id";

fn row(r: &rusqlite::Row) -> rusqlite::Result<SavedRow> {
    let fields: String = r.get(4)?;
    Ok(SavedRow {
        id: r.get(0)?,
        title: r.get(1)?,
        agency_id: r.get(2)?,
        agency_name: r.get(3)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        author: r.get(5)?,
        created_at: r.get(6)?,
    })
}

/// Whether `agency` has a template titled `title`.
pub fn title_taken(conn: &Connection, agency: &str, title: &str) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached("SELECT 1 FROM saved_templates WHERE agency_id = ?1 AND title = ?2")?
        .exists(params![agency, title])
}

/// Saves `fields` as `agency`'s template `title` by account `author` at `at`; returns
/// its id.
pub fn insert(
    conn: &Connection,
    agency: &str,
    title: &str,
    fields: &BTreeMap<String, String>,
    author: i64,
    at: &str,
) -> Result<i64, rusqlite::Error> {
    let json = serde_json::to_string(fields).expect("strings serialize");
    conn.execute(
        "INSERT INTO saved_templates (agency_id, title, fields, author_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![agency, title, json, author, at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The templates of `agencies` (all when None), by agency name and title.
pub fn list(
    conn: &Connection,
    agencies: Option<&[String]>,
) -> Result<Vec<SavedRow>, rusqlite::Error> {
    let agencies = agencies.map(|v| serde_json::to_string(v).expect("strings"));
    conn.prepare(&format!(
        "SELECT {COLUMNS} {FROM}
         WHERE ?1 IS NULL OR t.agency_id IN (SELECT value FROM json_each(?1))
         ORDER BY a.short_name, t.title"
    ))?
    .query_map([agencies], row)?
    .collect()
}

/// Template `id`, if stored.
pub fn get(conn: &Connection, id: i64) -> Result<Option<SavedRow>, rusqlite::Error> {
    conn.query_row(
        &format!("SELECT {COLUMNS} {FROM} WHERE t.id = ?1"),
        [id],
        row,
    )
    .optional()
}
