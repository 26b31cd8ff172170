//! The embedded SQLite database: opening it safely, its migrations, and backups.
//!
//! Every schema change is a numbered file in `migrations/`, applied in order by
//! rusqlite_migration (the schema version lives in `PRAGMA user_version`). A database
//! made by a newer vanthu, or a file that is not a vanthu database, is refused.

pub mod accounts;
pub mod agencies;
pub mod audit;
pub mod backups;
pub mod choices;
pub mod drafts;
pub mod images;
pub mod import;
pub mod incoming;
mod lookup;
pub mod metrics;
pub mod milestones;
pub mod ocop;
pub mod outbox;
pub mod overview;
pub mod register;
pub mod reminders;
pub mod restore;
pub mod saved;
pub mod signatures;
pub mod time;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

/// The migrations, in order. Append only; never edit one that has shipped.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_register.sql")),
    M::up(include_str!("../../migrations/0002_programme_data.sql")),
    M::up(include_str!("../../migrations/0003_tier_policies.sql")),
    M::up(include_str!("../../migrations/0004_certificate_issuer.sql")),
    M::up(include_str!("../../migrations/0005_outbox.sql")),
    M::up(include_str!("../../migrations/0006_reminders.sql")),
    M::up(include_str!("../../migrations/0007_service.sql")),
    M::up(include_str!("../../migrations/0008_signs_for.sql")),
    M::up(include_str!("../../migrations/0009_delivery_claims.sql")),
    M::up(include_str!("../../migrations/0010_signatures.sql")),
    M::up(include_str!("../../migrations/0011_bounces.sql")),
    M::up(include_str!("../../migrations/0012_saved_templates.sql")),
    M::up(include_str!("../../migrations/0013_rules_by_date.sql")),
    M::up(include_str!("../../migrations/0014_register_books.sql")),
    M::up(include_str!("../../migrations/0015_delivery_priority.sql")),
    M::up(include_str!("../../migrations/0016_login_addresses.sql")),
    M::up(include_str!("../../migrations/0017_agency_accounts.sql")),
    M::up(include_str!("../../migrations/0018_second_factor.sql")),
    M::up(include_str!("../../migrations/0019_approved_content.sql")),
    M::up(include_str!(
        "../../migrations/0020_document_extensions.sql"
    )),
    M::up(include_str!("../../migrations/0021_one_time_shape.sql")),
    M::up(include_str!("../../migrations/0022_incoming.sql")),
    M::up(include_str!("../../migrations/0023_incoming_reports.sql")),
    M::up(include_str!("../../migrations/0024_incoming_handling.sql")),
    M::up(include_str!("../../migrations/0025_incoming_message.sql")),
    M::up(include_str!(
        "../../migrations/0026_incoming_handler_account.sql"
    )),
    M::up(include_str!("../../migrations/0027_copy_series.sql")),
    M::up(include_str!("../../migrations/0028_audit_address.sql")),
];

/// The schema version this build knows.
pub fn schema_version() -> usize {
    MIGRATIONS.len()
}

/// Database problems a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "chưa có cơ sở dữ liệu {0}; hãy chạy `vanthu init` (hoặc chỉ đường dẫn khác bằng --db)"
    )]
    Missing(PathBuf),
    #[error(
        "{path} không phải cơ sở dữ liệu của vanthu hoặc đã hỏng ({detail}); hãy khôi phục từ bản sao lưu"
    )]
    NotADatabase { path: PathBuf, detail: String },
    #[error(
        "{path} được tạo bởi phiên bản vanthu mới hơn (lược đồ {found}, bản này biết đến {known}); hãy dùng bản vanthu mới hơn, hoặc để quay lại bản này, khôi phục bản sao lưu {path}.v{known}.bak mà lần nâng cấp đã giữ lại"
    )]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("{0} đã có; không khởi tạo lại")]
    Exists(PathBuf),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("nâng cấp lược đồ thất bại: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error(
        "{path}: sổ văn bản trong bản sao lưu không toàn vẹn ({problems}); không khôi phục bản này"
    )]
    Unsound { path: PathBuf, problems: String },
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// An open, migrated database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// What opening a database of an older schema does before migrating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upgrade {
    /// Copies it as it was to `<db>.v<N>.bak` first.
    KeepCopy,
    /// Migrates it in place: it is a copy already.
    InPlace,
}

impl Store {
    /// Creates a new database at `path` (refuses an existing file).
    pub fn init(path: &Path) -> Result<Store, StoreError> {
        if path.exists() {
            return Err(StoreError::Exists(path.to_path_buf()));
        }
        Self::open_with(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            Upgrade::KeepCopy,
        )
    }

    /// Opens an existing database and brings its schema up to date (an older schema is
    /// first copied to `<db>.v<N>.bak`).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_existing(path, Upgrade::KeepCopy)
    }

    /// Opens a database that is itself a copy (a restore's staging file, made from a
    /// backup that stays as it is) and brings its schema up to date without keeping
    /// another copy of it.
    pub(crate) fn open_copy(path: &Path) -> Result<Store, StoreError> {
        Self::open_existing(path, Upgrade::InPlace)
    }

    fn open_existing(path: &Path, upgrade: Upgrade) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE, upgrade)
    }

    fn open_with(path: &Path, flags: OpenFlags, upgrade: Upgrade) -> Result<Store, StoreError> {
        let not_db = |e: rusqlite::Error| StoreError::NotADatabase {
            path: path.to_path_buf(),
            detail: e.to_string(),
        };
        let mut conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        // The first statement reads the header: a corrupt or foreign file fails here.
        let found: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .map_err(not_db)? as usize;
        if found > schema_version() {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                known: schema_version(),
            });
        }
        let app: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(not_db)?;
        let has_tables: bool = conn
            .query_row("SELECT count(*) > 0 FROM sqlite_schema", [], |r| r.get(0))
            .map_err(not_db)?;
        if has_tables && app != APPLICATION_ID {
            return Err(StoreError::NotADatabase {
                path: path.to_path_buf(),
                detail: "không có dấu nhận diện của vanthu".into(),
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        if has_tables && found < schema_version() && upgrade == Upgrade::KeepCopy {
            // An upgrade: a copy of the database as it was comes first, then every
            // pending migration in one transaction.
            let saved = before_upgrade(path, found);
            copy_database(&conn, &saved)?;
            tracing::info!(from = found, to = schema_version(), copy = %saved.display(), "database upgraded; the old one is kept");
        }
        Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
        if app != APPLICATION_ID {
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the database answers (the service's readiness check).
    pub fn ping(&self) -> Result<(), StoreError> {
        Ok(self.conn.query_row("SELECT 1", [], |_| Ok(()))?)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// A write: a transaction that takes SQLite's write lock at `BEGIN IMMEDIATE`, so
    /// writes that belong together commit together or not at all, and a write never
    /// fails half-way on a lock upgrade (a deferred transaction that read first can
    /// get `SQLITE_BUSY` without waiting; an immediate one waits its `busy_timeout`).
    /// Every write of the service goes through here or through the store's own
    /// immediate transactions (numbering, the outbox).
    pub fn write(&self) -> rusqlite::Result<Transaction<'_>> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
    }

    /// SQLite's quick check of the file: None when sound, else what it found.
    pub fn damage(&self) -> Result<Option<String>, StoreError> {
        let found: Vec<String> = self
            .conn
            .prepare("PRAGMA quick_check")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok((found != ["ok"]).then(|| found.join("; ")))
    }

    /// Writes a consistent copy of the live database to `dest` with SQLite's online
    /// backup API (other processes may keep writing), then checks the copy opens.
    pub fn backup(&self, dest: &Path) -> Result<(), StoreError> {
        if dest.exists() {
            return Err(StoreError::Exists(dest.to_path_buf()));
        }
        copy_database(&self.conn, dest)?;
        Store::open(dest).map(|_| ())
    }
}

/// Where the copy of a database of schema `found` is kept before it is upgraded:
/// `<db>.v<found>.bak` beside it (`…-2`, `-3` … when that name is taken).
fn before_upgrade(db: &Path, found: usize) -> PathBuf {
    let mut candidate = sibling(db, &format!("v{found}.bak"));
    let mut n = 2;
    while candidate.exists() {
        candidate = sibling(db, &format!("v{found}-{n}.bak"));
        n += 1;
    }
    candidate
}

/// `<db>.<suffix>` beside the database (upgrade copies, a restore's files).
pub(crate) fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vanthu.db".into());
    db.with_file_name(format!("{name}.{suffix}"))
}

/// Copies the database behind `conn` into the new file `dest` with SQLite's online
/// backup API (other processes may keep writing) and checks the copy's integrity.
pub(crate) fn copy_database(conn: &Connection, dest: &Path) -> Result<(), StoreError> {
    let mut dst = Connection::open(dest)?;
    {
        let b = rusqlite::backup::Backup::new(conn, &mut dst)?;
        b.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    let ok: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(StoreError::NotADatabase {
            path: dest.to_path_buf(),
            detail: ok,
        });
    }
    Ok(())
}

/// `PRAGMA application_id` of vanthu databases ("VaTh").
const APPLICATION_ID: i64 = 0x5661_5468;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_takes_the_lock_at_its_start_and_reads_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        let first = Store::init(&path).unwrap();
        let second = Store::open(&path).unwrap();
        second.conn().busy_timeout(Duration::ZERO).unwrap();
        let tx = first.write().unwrap();
        tx.execute(
            "INSERT INTO holidays (date, name) VALUES ('2026-01-01', 'Tết Dương lịch')",
            [],
        )
        .unwrap();
        // Another writer is refused at BEGIN, before it has read or written anything…
        let refused = second.write().unwrap_err();
        assert_eq!(
            refused.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy)
        );
        // …while readers still see the last commit.
        let n: i64 = second
            .conn()
            .query_row("SELECT count(*) FROM holidays", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        tx.commit().unwrap();
        let tx = second.write().unwrap();
        tx.commit().unwrap();
    }

    /// Migration 0021 on a database of schema 20 holding the old shapes: integer
    /// milliseconds in the outbox and the sessions, RFC 3339 of every precision elsewhere.
    #[test]
    fn the_old_time_shapes_are_brought_to_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v20.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            Migrations::from_slice(&MIGRATIONS[..20])
                .to_latest(&mut conn)
                .unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.execute_batch(
                "INSERT INTO documents (id, issuer, issuer_name, year, number, number_symbol, date,
                     kind, subject, signer, recipients, pages, pdf, pdf_sha256, docx, docx_sha256,
                     letter, issued_at)
                 VALUES (1, 'ubnd', 'UBND', 2026, 1, '1/UBND', '2026-12-06', 'cong-van', 's', 'k',
                     '[]', 1, x'', '', x'', '', '', '2026-12-06T05:00:00.123456789+00:00');
                 INSERT INTO deliveries (id, document_id, position, recipient, recipient_key, status,
                     attempts, next_attempt_at, lease_until, sent_at, queued_at)
                 VALUES (7, 1, 1, 'A', 'a@x.vn', 'sent', 1, NULL, NULL, 1796533200123, 1796533199000),
                        (8, 1, 2, 'B', 'b@x.vn', 'queued', 2, 1796533260500, NULL, NULL, 1796533199000);
                 INSERT INTO delivery_attempts (id, delivery_id, at, outcome, reply)
                 VALUES (3, 7, 1796533200123, 'sent', '250 ok');
                 INSERT INTO users (id, login, name, role, password_hash, created_at)
                 VALUES (1, 'vt', 'Văn thư', 'clerk', 'x', '2026-12-06T12:00:00+07:00');
                 INSERT INTO sessions (token_hash, user_id, csrf, expires_ms)
                 VALUES ('h', 1, 'c', 1796576400000);
                 INSERT INTO login_failures (login, at_ms, address) VALUES ('vt', 1796533200999, '::1');
                 INSERT INTO audit_log (at, login, action, target, outcome)
                 VALUES ('2026-12-06T05:00:00Z', 'vt', 'a', 't', 'ok');
                 INSERT INTO api_tokens (token_hash, user_id, label, created_at, last_used_at)
                 VALUES ('t', 1, 'l', '2026-12-06T05:00:00Z', '2026-12-06T05:07');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let one = |sql: &str| -> String { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            one("SELECT sent_at FROM deliveries WHERE id = 7"),
            "2026-12-06T05:00:00.123Z"
        );
        assert_eq!(
            one("SELECT queued_at FROM deliveries WHERE id = 7"),
            "2026-12-06T04:59:59.000Z"
        );
        assert_eq!(
            one("SELECT next_attempt_at FROM deliveries WHERE id = 8"),
            "2026-12-06T05:01:00.500Z"
        );
        assert_eq!(
            one("SELECT at FROM delivery_attempts WHERE id = 3"),
            "2026-12-06T05:00:00.123Z"
        );
        assert_eq!(
            one("SELECT expires_at FROM sessions"),
            "2026-12-06T17:00:00.000Z"
        );
        assert_eq!(
            one("SELECT at FROM login_failures"),
            "2026-12-06T05:00:00.999Z"
        );
        assert_eq!(
            one("SELECT created_at FROM users"),
            "2026-12-06T05:00:00.000Z"
        );
        assert_eq!(one("SELECT at FROM audit_log"), "2026-12-06T05:00:00.000Z");
        assert_eq!(
            one("SELECT last_used_at FROM api_tokens"),
            "2026-12-06T05:07:00.000Z"
        );
        // The register's rows are immutable: their text stays, and reads as the same instant.
        let issued: time::Stamp = store
            .conn()
            .query_row("SELECT issued_at FROM documents", [], |r| r.get(0))
            .unwrap();
        assert_eq!(issued.to_string(), "2026-12-06T05:00:00.123Z");
        // The rebuilt attempts still belong to their delivery, and a column refuses
        // another shape.
        let fk: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk, 0);
        let refused = store.conn().execute(
            "UPDATE deliveries SET next_attempt_at = '2026-12-06 05:00:00' WHERE id = 8",
            [],
        );
        assert!(refused.is_err());
        let attempts_parent: String =
            one("SELECT \"table\" FROM pragma_foreign_key_list('delivery_attempts')");
        assert_eq!(attempts_parent, "deliveries");
    }

    /// Migration 0027 rebuilds the register's tables (the copy series) on a database of
    /// schema 26 holding documents, their deliveries, signatures and notes: every row
    /// keeps its id, every reference holds, the register stays immutable and
    /// searchable, and the copy series numbers beside the documents.
    #[test]
    fn the_copy_series_keeps_every_issued_row_and_its_references() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v26.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "foreign_keys", "ON").unwrap();
            Migrations::from_slice(&MIGRATIONS[..26])
                .to_latest(&mut conn)
                .unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.execute_batch(
                "INSERT INTO register_counters (issuer, year, last_number) VALUES ('ubnd', 2026, 2);
                 INSERT INTO documents (id, issuer, issuer_name, year, number, number_symbol, date,
                     kind, subject, signer, recipients, pages, pdf, pdf_sha256, docx, docx_sha256,
                     letter, issued_at)
                 VALUES (5, 'ubnd', 'UBND', 2026, 1, '01/UBND', '2026-12-06', 'cong-van', 'đôn đốc', 'k',
                         '[]', 1, x'25', 'a', x'50', 'b', '', '2026-12-06T05:00:00.000Z'),
                        (9, 'ubnd', 'UBND', 2026, 2, '02/UBND', '2026-12-06', 'cong-van', 'báo cáo', 'k',
                         '[]', 1, x'25', 'c', x'50', 'd', '', '2026-12-06T05:00:00.000Z');
                 INSERT INTO deliveries (id, document_id, position, recipient, recipient_key, status,
                     attempts, queued_at)
                 VALUES (7, 9, 1, 'A', 'a@x.vn', 'queued', 0, '2026-12-06T05:00:00.000Z');
                 INSERT INTO document_signatures (document_id, position, role, subject, serial, signed_at)
                 VALUES (9, 1, 'agency', 'CN=UBND', '01', '2026-12-06T12:00:00+07:00');
                 INSERT INTO register_notes (document_id, note, updated_at)
                 VALUES (5, 'ghi chú', '2026-12-06T05:00:00.000Z');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        // The database as it was is kept beside it, untouched: schema 26, its rows.
        let kept = Connection::open(dir.path().join("v26.db.v26.bak")).unwrap();
        let version: i64 = kept
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 26);
        let (documents, series): (i64, i64) = kept
            .query_row(
                "SELECT (SELECT count(*) FROM documents),
                        (SELECT count(*) FROM pragma_table_info('documents') WHERE name = 'series')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((documents, series), (2, 0));
        let c = store.conn();
        let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("PRAGMA user_version"),
            schema_version() as i64,
            "the open database is upgraded"
        );
        assert_eq!(count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
        let ids: String = c
            .query_row(
                "SELECT group_concat(id) FROM (SELECT id FROM documents ORDER BY id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(ids, "5,9");
        assert_eq!(count("SELECT document_id FROM deliveries WHERE id = 7"), 9);
        assert_eq!(
            count("SELECT count(*) FROM documents WHERE series = 'main'"),
            2
        );
        assert_eq!(
            count(
                "SELECT count(*) FROM register_counters WHERE series = 'main' AND last_number = 2"
            ),
            1
        );
        let parent: String = c
            .query_row(
                "SELECT \"table\" FROM pragma_foreign_key_list('deliveries')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(parent, "documents");
        // Still immutable, never deleted, and found by its words.
        assert!(
            c.execute("UPDATE documents SET subject = 'x' WHERE id = 5", [])
                .is_err()
        );
        assert!(c.execute("DELETE FROM documents WHERE id = 5", []).is_err());
        assert_eq!(
            count("SELECT rowid FROM documents_search WHERE documents_search MATCH 'don doc'"),
            5
        );
        assert!(crate::store::register::verify(&store).unwrap().is_empty());
    }
}
