//! The outgoing-document register: the next number for (issuer, calendar year), taken
//! in the same transaction that stores the rendered files, so no number is ever
//! consumed without its document, skipped, or given twice.
//!
//! The document is rendered and signed with the number it will get *before* that
//! transaction opens, because a signature may wait minutes for a signer's phone and the
//! database must not stay locked meanwhile. Issues of one register are taken one at a
//! time, in this process (a mutex) and across processes (a lock file beside the
//! database); should an issue by another writer still come in between, it is seen by
//! reading the counter again inside the transaction, and the document is rendered again
//! with the next number (at most [`ATTEMPTS`] times).

use chrono::{NaiveDate, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::{Store, StoreError};
use crate::model::Document;
use crate::render::{Format, RenderError, Renderer};

/// Why a document could not be issued or found.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(
        "thư đã ghi sẵn số {0}; số do sổ văn bản cấp khi ban hành, hãy bỏ dòng `number` trong thư"
    )]
    AlreadyNumbered(u32),
    #[error("không có văn bản {0} năm {1} trong sổ")]
    NotFound(String, i32),
    #[error("không có văn bản mã {0} trong sổ")]
    NoSuchDocument(i64),
    /// An [`issue_then`] step found its draft already issued by someone else: nothing
    /// was stored and no number used.
    #[error("bản nháp này vừa được ban hành ở nơi khác; không lấy thêm số")]
    AlreadyIssued,
    #[error(
        "sổ văn bản vừa cấp số cho văn bản khác trong lúc ký, {0} lần liền; văn bản chưa ban hành, hãy ban hành lại"
    )]
    Contended(usize),
    #[error("không giữ được sổ văn bản để cấp số ({path}): {message}")]
    Lock { path: String, message: String },
    #[error(
        "có {0} văn bản cùng số {1} năm {2} của các cơ quan khác nhau; hãy chỉ rõ --issuer ({3})"
    )]
    Ambiguous(usize, String, i32, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("không xuất được văn bản: {0}")]
    Render(#[from] RenderError),
    /// Signing failed: nothing was stored and no number used.
    #[error("không ký số được, văn bản chưa ban hành: {0}")]
    Sign(#[from] crate::sign::SignError),
}

impl From<crate::sign::issue::IssueError> for RegisterError {
    fn from(e: crate::sign::issue::IssueError) -> Self {
        match e {
            crate::sign::issue::IssueError::Sign(e) => RegisterError::Sign(e),
            crate::sign::issue::IssueError::Render(e) => RegisterError::Render(e),
        }
    }
}

impl From<rusqlite::Error> for RegisterError {
    fn from(e: rusqlite::Error) -> Self {
        RegisterError::Store(StoreError::Sqlite(e))
    }
}

/// Today in Vietnam (UTC+7, no daylight saving).
pub fn today_vn() -> NaiveDate {
    let vn = crate::vietnam_offset();
    Utc::now().with_timezone(&vn).date_naive()
}

/// One row of the register, without the files; serialized as the API shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub issuer: String,
    pub issuer_name: String,
    pub year: i32,
    pub number: u32,
    pub number_symbol: String,
    pub date: String,
    pub kind: String,
    pub subject: String,
    pub signer: String,
    pub recipients: Vec<String>,
    pub pages: u32,
    pub pdf_sha256: String,
    pub docx_sha256: String,
    pub issued_at: String,
    /// How many digital signatures the stored PDF carries (0: not an electronic
    /// original; 2: the signer's and the agency's).
    pub signatures: u32,
}

/// The SHA-256 of `bytes` in lower-case hex (the register's file hashes; the service's
/// stored session and token hashes).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues a draft: takes the next number of its issuer for the year of `date` (the
/// letter's own date when it has a complete one), renders the numbered document to
/// PDF and DOCX and stores everything, all in one transaction.
pub fn issue(
    store: &mut Store,
    renderer: &Renderer,
    draft: &Document,
    letter: &str,
    date: NaiveDate,
) -> Result<Entry, RegisterError> {
    issue_with(store, draft, letter, date, |doc| {
        render_files(renderer, doc)
    })
}

/// [`issue`] as an electronic original: the PDF carries the signature and seal images
/// and the signer's and agency's digital signatures, made with the keys of `keyring`
/// inside the register's transaction (a refused key takes no number).
pub fn issue_signed(
    store: &mut Store,
    renderer: &Renderer,
    keyring: &crate::sign::Keyring,
    unlock: crate::sign::Unlock,
    draft: &Document,
    letter: &str,
    date: NaiveDate,
) -> Result<Entry, RegisterError> {
    let electronic = electronic(store, keyring, unlock, draft)?;
    issue_with(store, draft, letter, date, |doc| {
        render_signed(renderer, doc, &electronic)
    })
}

/// What signing `draft` needs from the store: the signer's signature image and the
/// issuer's seal, signed now with the keys `unlock` opens.
pub fn electronic<'k>(
    store: &Store,
    keyring: &'k crate::sign::Keyring,
    unlock: crate::sign::Unlock,
    draft: &Document,
) -> Result<crate::sign::issue::Electronic<'k>, RegisterError> {
    let image_error = |e: crate::store::images::ImagesError| {
        RegisterError::Sign(crate::sign::SignError::Image(e.to_string()))
    };
    let parts = draft.parts();
    let signature_image = match &parts.signature.id {
        Some(person) => {
            crate::store::images::signature_image(store, person).map_err(image_error)?
        }
        None => None,
    };
    let seal = match &parts.issuer.id {
        Some(agency) => crate::store::images::seal(store, agency).map_err(image_error)?,
        None => None,
    };
    Ok(crate::sign::issue::Electronic {
        keyring,
        signature_image,
        seal,
        at: Utc::now(),
        unlock,
    })
}

/// Renders a numbered document to the PDF and DOCX the register stores.
pub fn render_files(renderer: &Renderer, doc: &Document) -> Result<Files, RegisterError> {
    let r = renderer.render(doc, &[Format::Pdf, Format::Docx])?;
    Ok(Files {
        pdf: r.pdf.expect("pdf requested"),
        docx: r.docx.expect("docx requested"),
        pages: r.pages.unwrap_or(0),
        signatures: vec![],
    })
}

/// Renders a numbered document as an electronic original: the PDF with the signature
/// and seal images, signed by the signer's key and then the agency's ([`crate::sign`]);
/// the DOCX (the editable copy) keeps the blank signature space.
pub fn render_signed(
    renderer: &Renderer,
    doc: &Document,
    electronic: &crate::sign::issue::Electronic,
) -> Result<Files, RegisterError> {
    let (pdf, pages, signatures) = crate::sign::issue::sign_document(renderer, doc, electronic)?;
    Ok(Files {
        pdf,
        docx: renderer.docx(doc)?,
        pages,
        signatures,
    })
}

/// The rendered files of a numbered document.
pub struct Files {
    pub pdf: Vec<u8>,
    pub docx: Vec<u8>,
    pub pages: usize,
    /// The digital signatures in `pdf`, in order (none for an unsigned document).
    pub signatures: Vec<crate::sign::Record>,
}

/// [`issue`] with the rendering step supplied by the caller (it runs before the write
/// transaction, with the number the document will get; again with the next number if
/// another process took that one meanwhile). Benchmarks use it to time the register alone.
pub fn issue_with(
    store: &mut Store,
    draft: &Document,
    letter: &str,
    date: NaiveDate,
    render: impl FnMut(&Document) -> Result<Files, RegisterError>,
) -> Result<Entry, RegisterError> {
    issue_then(store, draft, letter, date, render, |_, _| Ok(()))
}

/// [`issue_with`] plus `then`: more writes that belong to the issued document (e.g. the
/// certificates a decision grants), made in the same transaction, so either the
/// document and those rows are stored together or neither is.
pub fn issue_then(
    store: &mut Store,
    draft: &Document,
    letter: &str,
    date: NaiveDate,
    mut render: impl FnMut(&Document) -> Result<Files, RegisterError>,
    then: impl FnOnce(&rusqlite::Transaction, &Entry) -> Result<(), RegisterError>,
) -> Result<Entry, RegisterError> {
    if let Some(n) = draft.number() {
        return Err(RegisterError::AlreadyNumbered(n));
    }
    let date = draft.date().as_naive().unwrap_or(date);
    let year = chrono::Datelike::year(&date);
    let issuer = draft.issuer_key();
    let lock = register_lock(&issuer, year);
    let _one_at_a_time = lock.lock().unwrap_or_else(|e| e.into_inner());
    let _one_process_at_a_time = file_lock(store.path(), &issuer, year)?;
    let mut attempt = 0;
    let (tx, number, doc, files) = loop {
        let last = last_number(store.conn(), &issuer, year)?;
        let number = last.unwrap_or(0) + 1;
        let doc = draft.numbered(number, date);
        let files = render(&doc)?;
        let tx = store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if last_number(&tx, &issuer, year)? == last {
            break (tx, number, doc, files);
        }
        // Another process issued meanwhile: this number is taken.
        drop(tx);
        attempt += 1;
        if attempt == ATTEMPTS {
            return Err(RegisterError::Contended(attempt));
        }
    };
    let Files {
        pdf,
        docx,
        pages,
        signatures,
    } = files;
    let entry = Entry {
        id: 0,
        issuer: issuer.clone(),
        issuer_name: doc.issuer_one_line(),
        year,
        number,
        number_symbol: doc.number_symbol(),
        date: date.format("%Y-%m-%d").to_string(),
        kind: doc.kind().name().to_string(),
        subject: doc.subject_one_line(),
        signer: doc.parts().signature.name.trim().to_string(),
        recipients: doc.recipient_lines(),
        pages: pages as u32,
        pdf_sha256: sha256_hex(&pdf),
        docx_sha256: sha256_hex(&docx),
        issued_at: Utc::now().to_rfc3339(),
        signatures: signatures.len() as u32,
    };
    tx.execute(
        "INSERT INTO register_counters (issuer, year, last_number) VALUES (?1, ?2, ?3)
         ON CONFLICT (issuer, year) DO UPDATE SET last_number = excluded.last_number",
        params![issuer, year, number],
    )?;
    tx.execute(
        "INSERT INTO documents (issuer, issuer_name, year, number, number_symbol, date, kind, subject,
            signer, recipients, pages, pdf, pdf_sha256, docx, docx_sha256, letter, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            entry.issuer,
            entry.issuer_name,
            year,
            number,
            entry.number_symbol,
            entry.date,
            entry.kind,
            entry.subject,
            entry.signer,
            serde_json::to_string(&entry.recipients).expect("strings serialize"),
            entry.pages,
            pdf,
            entry.pdf_sha256,
            docx,
            entry.docx_sha256,
            letter,
            entry.issued_at,
        ],
    )?;
    let entry = Entry {
        id: tx.last_insert_rowid(),
        ..entry
    };
    for (position, record) in signatures.iter().enumerate() {
        tx.execute(
            "INSERT INTO document_signatures (document_id, position, role, subject, serial, signed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                entry.id,
                position as i64 + 1,
                record.role.code(),
                record.subject,
                record.serial,
                record.signed_at
            ],
        )?;
    }
    then(&tx, &entry)?;
    tx.commit()?;
    Ok(entry)
}

/// How many times an issue renders again when another process took its number.
pub const ATTEMPTS: usize = 3;

/// The last number given in the register of (`issuer`, `year`).
fn last_number(
    conn: &rusqlite::Connection,
    issuer: &str,
    year: i32,
) -> Result<Option<u32>, RegisterError> {
    Ok(conn
        .query_row(
            "SELECT last_number FROM register_counters WHERE issuer = ?1 AND year = ?2",
            params![issuer, year],
            |r| r.get(0),
        )
        .optional()?)
}

/// The lock file that takes the issues of one register one at a time across the
/// processes that share the database (`vanthu serve` and a `vanthu issue` beside it):
/// `<db>.lock-<hash of issuer and year>`, locked (flock) while the document is rendered,
/// signed and stored, and unlocked when the returned file is dropped. The lock makes
/// the other process wait rather than render and sign for a number it then loses (a
/// remote signer would have to confirm twice).
fn file_lock(
    db: &std::path::Path,
    issuer: &str,
    year: i32,
) -> Result<Option<std::fs::File>, RegisterError> {
    let Some(name) = db.file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    if name == ":memory:" {
        return Ok(None);
    }
    let key = sha256_hex(format!("{issuer}\u{0}{year}").as_bytes());
    let path = db.with_file_name(format!("{name}.lock-{}", &key[..16]));
    let fail = |e: std::io::Error| RegisterError::Lock {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(fail)?;
    file.lock().map_err(fail)?;
    Ok(Some(file))
}

/// One lock per register (issuer, year).
type RegisterLocks = std::sync::Mutex<
    std::collections::HashMap<(String, i32), std::sync::Arc<std::sync::Mutex<()>>>,
>;

/// The lock that takes the issues of one register one at a time in this process (an
/// issue waiting on a signer's phone holds it: the next issue of that register waits
/// rather than take the number and make the signer confirm twice).
fn register_lock(issuer: &str, year: i32) -> std::sync::Arc<std::sync::Mutex<()>> {
    static LOCKS: std::sync::OnceLock<RegisterLocks> = std::sync::OnceLock::new();
    LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry((issuer.to_string(), year))
        .or_default()
        .clone()
}

pub use super::signatures::{SignedFile, add_extension, signatures, signed_files};

const COLUMNS: &str = "id, issuer, issuer_name, year, number, number_symbol, date, kind, subject, signer, \
     recipients, pages, pdf_sha256, docx_sha256, issued_at, \
     (SELECT count(*) FROM document_signatures s WHERE s.document_id = documents.id)";

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

/// One stored file of an issued document (only that column is read).
pub fn file(store: &Store, id: i64, format: Format) -> Result<Vec<u8>, RegisterError> {
    let column = match format {
        Format::Pdf => LATEST_PDF,
        Format::Docx => "docx",
    };
    store
        .conn()
        .query_row(
            &format!("SELECT {column} FROM documents d WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or(RegisterError::NoSuchDocument(id))
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

/// Checks the register's invariant: per (issuer, year) the numbers are exactly
/// 1..=last_number. Returns a description of every break (empty when sound).
pub fn verify(store: &Store) -> Result<Vec<String>, RegisterError> {
    let mut problems = vec![];
    let mut stmt = store.conn().prepare(
        "SELECT c.issuer, c.year, c.last_number, count(d.id), coalesce(max(d.number), 0), coalesce(min(d.number), 0)
         FROM register_counters c LEFT JOIN documents d ON d.issuer = c.issuer AND d.year = c.year
         GROUP BY c.issuer, c.year",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i32>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, u32>(3)?,
            r.get::<_, u32>(4)?,
            r.get::<_, u32>(5)?,
        ))
    })?;
    for row in rows {
        let (issuer, year, last, count, max, min) = row?;
        if count != last || max != last || (count > 0 && min != 1) {
            problems.push(format!(
                "{issuer} {year}: sổ ghi số cuối {last} nhưng có {count} văn bản (số {min}–{max})"
            ));
        }
    }
    let orphans: u32 = store.conn().query_row(
        "SELECT count(*) FROM documents d WHERE NOT EXISTS
           (SELECT 1 FROM register_counters c WHERE c.issuer = d.issuer AND c.year = d.year)",
        [],
        |r| r.get(0),
    )?;
    if orphans > 0 {
        problems.push(format!("{orphans} văn bản không có dòng đếm số"));
    }
    Ok(problems)
}
