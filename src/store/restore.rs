//! Restoring a backup (`vanthu db restore`): the backup is copied beside the database,
//! opened as vanthu opens any database (its identity, its schema, migrated when older)
//! and its register checked; only then is the current database set aside (kept as
//! `<db>.before-restore-<time>.bak`, its WAL folded in) and the copy moved into its
//! place. A backup that fails a check replaces nothing. Run it with the service
//! stopped.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{Store, StoreError, copy_database, sibling};

/// What a restore did.
#[derive(Debug, Clone, PartialEq)]
pub struct Restored {
    /// Documents in the restored register.
    pub documents: i64,
    /// Where the database it replaced was kept (None when there was none).
    pub previous: Option<PathBuf>,
}

/// Replaces the database at `db` with the backup at `backup`, after checking it.
pub fn restore(db: &Path, backup: &Path) -> Result<Restored, StoreError> {
    if !backup.is_file() {
        return Err(StoreError::Missing(backup.to_path_buf()));
    }
    let staging = sibling(db, "restoring");
    remove_with_journal(&staging);
    let checked = stage(backup, &staging);
    let documents = match checked {
        Ok(n) => n,
        Err(e) => {
            remove_with_journal(&staging);
            return Err(e);
        }
    };
    let previous = if db.exists() {
        let aside = sibling(
            db,
            &format!(
                "before-restore-{}.bak",
                chrono::Utc::now().format("%Y%m%dT%H%M%S")
            ),
        );
        set_aside(db, &aside)?;
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&staging, db).map_err(|e| StoreError::Io(db.to_path_buf(), e))?;
    remove_with_journal(&staging);
    Ok(Restored {
        documents,
        previous,
    })
}

/// Copies `backup` to `staging`, opens the copy (identity, schema, migrations) and
/// checks its register; the number of documents in it.
fn stage(backup: &Path, staging: &Path) -> Result<i64, StoreError> {
    let not_db = |e: rusqlite::Error| StoreError::NotADatabase {
        path: backup.to_path_buf(),
        detail: e.to_string(),
    };
    {
        let src = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(not_db)?;
        src.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .map_err(not_db)?;
        copy_database(&src, staging).map_err(|e| match e {
            StoreError::Sqlite(e) => not_db(e),
            other => other,
        })?;
    }
    // The staging file is a copy of the backup, which stays as it is: an older schema
    // is migrated in place, without another copy beside the database.
    let store = Store::open_copy(staging).map_err(|e| match e {
        StoreError::NotADatabase { detail, .. } => StoreError::NotADatabase {
            path: backup.to_path_buf(),
            detail,
        },
        other => other,
    })?;
    let problems = super::register::verify(&store).map_err(|e| StoreError::Unsound {
        path: backup.to_path_buf(),
        problems: e.to_string(),
    })?;
    if !problems.is_empty() {
        return Err(StoreError::Unsound {
            path: backup.to_path_buf(),
            problems: problems.join("; "),
        });
    }
    Ok(store
        .conn()
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))?)
}

/// Moves the database at `db` to `aside` as it is (never migrated), its write-ahead
/// log folded in first when it opens (else moved with it).
fn set_aside(db: &Path, aside: &Path) -> Result<(), StoreError> {
    if let Ok(conn) = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE) {
        // A damaged file may refuse the checkpoint: it is then moved with its WAL.
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
    let io = |e| StoreError::Io(db.to_path_buf(), e);
    std::fs::rename(db, aside).map_err(io)?;
    for suffix in ["-wal", "-shm"] {
        let from = journal(db, suffix);
        if from.exists() {
            std::fs::rename(&from, journal(aside, suffix)).map_err(io)?;
        }
    }
    Ok(())
}

/// `<file><suffix>`: SQLite's `-wal` and `-shm` files.
fn journal(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_with_journal(file: &Path) {
    for f in [
        file.to_path_buf(),
        journal(file, "-wal"),
        journal(file, "-shm"),
    ] {
        let _ = std::fs::remove_file(f);
    }
}
