//! Reading the register: its entries (listed, searched, by id or number), the stored
//! files, the stored letter and dates, the issuers that keep one, the CSV export and
//! the check of its numbering.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

use super::{Entry, RegisterError};
use crate::render::Format;
use crate::store::Store;

const COLUMNS: &str = "id, issuer, issuer_name, year, number, number_symbol, date, kind, subject, signer, \
     recipients, pages, pdf_sha256, docx_sha256, issued_at, \
     (SELECT count(*) FROM document_signatures s WHERE s.document_id = documents.id), series";

fn entry(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    let recipients: String = r.get(10)?;
    Ok(Entry {
        id: r.get(0)?,
        issuer: r.get(1)?,
        issuer_name: r.get(2)?,
        year: r.get(3)?,
        number: r.get(4)?,
        number_symbol: r.get(5)?,
        date: r.get(6)?,
        kind: r.get(7)?,
        subject: r.get(8)?,
        signer: r.get(9)?,
        recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        pages: r.get(11)?,
        pdf_sha256: r.get(12)?,
        docx_sha256: r.get(13)?,
        issued_at: r.get(14)?,
        signatures: r.get(15)?,
        series: super::Series::of_code(&r.get::<_, String>(16)?),
    })
}

/// The register in order of (issuer, year, number), optionally for one issuer or year.
pub fn list(
    store: &Store,
    issuer: Option<&str>,
    year: Option<i32>,
) -> Result<Vec<Entry>, RegisterError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM documents WHERE (?1 IS NULL OR issuer = ?1) AND (?2 IS NULL OR year = ?2)
         ORDER BY issuer, year, number"
    );
    let mut stmt = store.conn().prepare(&sql)?;
    let rows = stmt.query_map(params![issuer, year], entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What to look for in the register; every part is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    /// Words of the subject or the number (accents and case ignored; each word may be
    /// the start of a word: "don doc" finds "đôn đốc").
    pub words: Option<String>,
    pub year: Option<i32>,
    /// The kind as printed ("công văn", "quyết định").
    pub kind: Option<String>,
    /// The register number (`780`) or number/symbol (`780/UBND-KT`).
    pub number: Option<String>,
    pub issuer: Option<String>,
    /// Only documents of these issuers (None: of every issuer).
    pub issuers: Option<Vec<String>>,
}

/// The FTS5 query for the words of a search: each word folded (đ → d) and quoted as a
/// prefix, all required. Characters FTS5 would read as syntax never reach it.
fn match_query(words: &str) -> Option<String> {
    let terms: Vec<String> = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace(['đ', 'Đ'], "d")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// Searches the register, newest first, at most `limit` rows.
pub fn search(store: &Store, q: &Search, limit: u32) -> Result<Vec<Entry>, RegisterError> {
    let words = q.words.as_deref().and_then(match_query);
    let (number, number_symbol) = match q.number.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => match n.parse::<u32>() {
            Ok(n) => (Some(n), None),
            Err(_) => (None, Some(n.to_string())),
        },
        _ => (None, None),
    };
    let kind = q.kind.as_deref().map(|k| crate::text::nfc(k.trim()));
    let kind = kind.filter(|k| !k.is_empty());
    // Only the filters given are in the SQL, so SQLite can use the indexes on year,
    // number, number/symbol and kind (an `?1 IS NULL OR …` would scan every row).
    let mut clauses = vec![];
    let mut values: Vec<rusqlite::types::Value> = vec![];
    // `clause` has one `?`, numbered here.
    let mut filter = |clause: &str, value: Option<rusqlite::types::Value>| {
        if let Some(v) = value {
            values.push(v);
            clauses.push(clause.replace('?', &format!("?{}", values.len())));
        }
    };
    filter(
        "id IN (SELECT rowid FROM documents_search WHERE documents_search MATCH ?)",
        words.map(Into::into),
    );
    filter("year = ?", q.year.map(|y| i64::from(y).into()));
    filter("kind = ?", kind.map(Into::into));
    filter("number = ?", number.map(|n| i64::from(n).into()));
    filter("number_symbol = ?", number_symbol.map(Into::into));
    filter("issuer = ?", q.issuer.clone().map(Into::into));
    filter(
        "issuer IN (SELECT value FROM json_each(?))",
        q.issuers
            .as_ref()
            .map(|v| serde_json::to_string(v).expect("strings").into()),
    );
    let filters = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    values.push(i64::from(limit).into());
    let sql = format!(
        "SELECT {COLUMNS} FROM documents {filters} ORDER BY id DESC LIMIT ?{}",
        values.len()
    );
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One issued document by its row id.
pub fn by_id(store: &Store, id: i64) -> Result<Entry, RegisterError> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE id = ?1");
    store
        .conn()
        .query_row(&sql, [id], entry)
        .optional()?
        .ok_or(RegisterError::NoSuchDocument(id))
}

/// Finds one issued document by its number/symbol (`780/UBND-KT`) and year.
pub fn find(
    store: &Store,
    number_symbol: &str,
    year: i32,
    issuer: Option<&str>,
) -> Result<Entry, RegisterError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM documents WHERE number_symbol = ?1 AND year = ?2 AND (?3 IS NULL OR issuer = ?3)"
    );
    let mut stmt = store.conn().prepare(&sql)?;
    let mut found: Vec<Entry> = stmt
        .query_map(params![number_symbol.trim(), year, issuer], entry)?
        .collect::<Result<_, _>>()?;
    match found.len() {
        0 => Err(RegisterError::NotFound(number_symbol.to_string(), year)),
        1 => Ok(found.remove(0)),
        n => Err(RegisterError::Ambiguous(
            n,
            number_symbol.to_string(),
            year,
            found
                .iter()
                .map(|e| e.issuer.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )),
    }
}

/// The stored PDF and DOCX of an issued document, byte for byte as issued.
pub fn files(store: &Store, id: i64) -> Result<(Vec<u8>, Vec<u8>), RegisterError> {
    Ok(store.conn().query_row(
        &format!("SELECT {LATEST_PDF}, docx FROM documents d WHERE id = ?1"),
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The PDF of document `d`: its latest extension (long-term validation added after
/// issue), else the file as issued.
const LATEST_PDF: &str = "coalesce((SELECT x.pdf FROM document_extensions x
    WHERE x.document_id = d.id ORDER BY x.id DESC LIMIT 1), d.pdf)";

/// One stored file of an issued document (only that column is read); an electronic
/// copy has no DOCX.
pub fn file(store: &Store, id: i64, format: Format) -> Result<Vec<u8>, RegisterError> {
    let column = match format {
        Format::Pdf => LATEST_PDF,
        Format::Docx => "docx",
    };
    let (bytes, number_symbol): (Vec<u8>, String) = store
        .conn()
        .query_row(
            &format!("SELECT {column}, number_symbol FROM documents d WHERE id = ?1"),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(RegisterError::NoSuchDocument(id))?;
    if bytes.is_empty() && format == Format::Docx {
        return Err(RegisterError::NoDocx(number_symbol));
    }
    Ok(bytes)
}

/// The copies made of incoming entry `incoming_id` (series copy), oldest first.
pub fn copies_of(store: &Store, incoming_id: i64) -> Result<Vec<Entry>, RegisterError> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE copy_of = ?1 ORDER BY id");
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let rows = stmt.query_map([incoming_id], entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Writes the register as CSV (UTF-8, header row), as offices keep it in Excel.
pub fn write_csv<W: std::io::Write>(entries: &[Entry], out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "so_ky_hieu",
        "ngay",
        "nam",
        "loai",
        "trich_yeu",
        "nguoi_ky",
        "co_quan",
        "noi_nhan",
        "so_trang",
        "pdf_sha256",
        "docx_sha256",
    ])?;
    for e in entries {
        w.write_record([
            e.number_symbol.as_str(),
            &e.date,
            &e.year.to_string(),
            &e.kind,
            &e.subject,
            &e.signer,
            &e.issuer_name,
            &e.recipients.join(" "),
            &e.pages.to_string(),
            &e.pdf_sha256,
            &e.docx_sha256,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Checks the register's invariant: per (issuer, series, year) the numbers are exactly
/// 1..=last_number. Returns a description of every break (empty when sound).
pub fn verify(store: &Store) -> Result<Vec<String>, RegisterError> {
    let mut problems = vec![];
    let mut stmt = store.conn().prepare(
        "SELECT c.issuer, c.year, c.last_number, count(d.id), coalesce(max(d.number), 0), coalesce(min(d.number), 0),
                c.series
         FROM register_counters c
         LEFT JOIN documents d ON d.issuer = c.issuer AND d.series = c.series AND d.year = c.year
         GROUP BY c.issuer, c.series, c.year",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i32>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, u32>(3)?,
            r.get::<_, u32>(4)?,
            r.get::<_, u32>(5)?,
            super::Series::of_code(&r.get::<_, String>(6)?),
        ))
    })?;
    for row in rows {
        let (issuer, year, last, count, max, min, series) = row?;
        if count != last || max != last || (count > 0 && min != 1) {
            let what = match series {
                super::Series::Main => "văn bản",
                super::Series::Copy => "bản sao",
            };
            problems.push(format!(
                "{issuer} {year}: sổ ghi số {what} cuối {last} nhưng có {count} {what} (số {min}–{max})"
            ));
        }
    }
    let orphans: u32 = store.conn().query_row(
        "SELECT count(*) FROM documents d WHERE NOT EXISTS
           (SELECT 1 FROM register_counters c
            WHERE c.issuer = d.issuer AND c.series = d.series AND c.year = d.year)",
        [],
        |r| r.get(0),
    )?;
    if orphans > 0 {
        problems.push(format!("{orphans} văn bản không có dòng đếm số"));
    }
    Ok(problems)
}

/// The stored letter (TOML, as issued) of document `id`.
pub fn letter(store: &Store, id: i64) -> Result<String, RegisterError> {
    store
        .conn()
        .prepare_cached("SELECT letter FROM documents WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .ok_or(RegisterError::NoSuchDocument(id))
}

/// The date of document `id`, if it exists and its stored date reads as one.
pub fn issued_on(store: &Store, id: i64) -> Result<Option<NaiveDate>, RegisterError> {
    let date: Option<String> = store
        .conn()
        .query_row("SELECT date FROM documents WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(date.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}

/// The name `issuer` printed on its latest document, if it issued one.
pub fn issuer_name(store: &Store, issuer: &str) -> Result<Option<String>, RegisterError> {
    Ok(store
        .conn()
        .query_row(
            "SELECT issuer_name FROM documents WHERE issuer = ?1 ORDER BY id DESC LIMIT 1",
            [issuer],
            |r| r.get(0),
        )
        .optional()?)
}

/// An issuer that keeps a register: its id, its latest printed name and the years it
/// issued in (newest first).
#[derive(Debug, Clone, PartialEq)]
pub struct Issuer {
    pub issuer: String,
    pub name: String,
    pub years: Vec<i32>,
}

/// Every issuer with documents, by name.
pub fn issuers(store: &Store) -> Result<Vec<Issuer>, RegisterError> {
    let mut stmt = store.conn().prepare(
        "SELECT issuer, max(issuer_name), group_concat(DISTINCT year) FROM documents
         GROUP BY issuer ORDER BY max(issuer_name), issuer",
    )?;
    let rows = stmt.query_map([], |r| {
        let years: String = r.get(2)?;
        let mut years: Vec<i32> = years.split(',').filter_map(|y| y.parse().ok()).collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        Ok(Issuer {
            issuer: r.get(0)?,
            name: r.get(1)?,
            years,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
