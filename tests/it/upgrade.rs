//! Upgrading from the previous release (issue 35): `tests/fixtures/schema-26.db` was
//! written by the vanthu of commit 5f9ae00 (26 migrations; made by
//! `tests/fixtures/make-schema-26.sh`): two documents of UBND huyện Lục Nam, the first
//! e-mailed, the second queued, a register note and a clerk. This binary opens it,
//! keeps a copy as it was, migrates, and carries on: the register verifies, the stored
//! files are the same bytes, numbering continues without a gap, and the outbox sends
//! the waiting messages and not the accepted ones again.

use std::path::Path;

use crate::common::mail::read_messages;
use crate::common::*;

fn fixture(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("vanthu.db");
    std::fs::copy(root().join("tests/fixtures/schema-26.db"), &db).unwrap();
    db
}

/// (number, pdf, docx) of every document, in number order.
fn files(db: &Path) -> Vec<(i64, Vec<u8>, Vec<u8>)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut q = c
        .prepare("SELECT number, pdf, docx FROM documents ORDER BY number")
        .unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn user_version(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_database_of_the_previous_release_upgrades_and_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = fixture(d);
    assert_eq!(user_version(&db), 26);
    let before = files(&db);
    assert_eq!(before.len(), 2);

    // The first command opens it: a copy as it was, then every migration.
    let o = run(cli(d, &db).args(["register", "verify"]));
    let text = printed(&o);
    assert!(o.status.success(), "{text}");
    let kept = d.join("vanthu.db.v26.bak");
    assert_eq!(user_version(&kept), 26, "the copy is the old database");
    assert_eq!(files(&kept), before);
    assert!(user_version(&db) > 26);
    assert_eq!(files(&db), before, "the issued files are the same bytes");

    // The register goes on from where the old release left it.
    let listed = stdout(cli(d, &db).args(["register", "list", "--year", "2021"]));
    assert!(
        listed.contains("01/UBND-NN") && listed.contains("02/UBND-NN"),
        "{listed}"
    );
    let next = stdout(
        cli(d, &db)
            .arg("issue")
            .arg(root().join("letters/drafts/luc-nam-cong-van.toml"))
            .args(["--date", "2021-03-17"]),
    );
    assert_eq!(next.trim(), "03/UBND-NN");
    let users = stdout(cli(d, &db).args(["user", "list"]));
    assert!(users.contains("vt"), "{users}");

    // The outbox: the second document's messages, queued by the old release, go out
    // once; the first's, accepted then, are not sent again.
    let o = run(cli(d, &db).args(["worker", "--until-idle"]));
    assert!(o.status.success(), "{}", printed(&o));
    let sent = read_messages(&d.join("thu-di"));
    assert_eq!(sent.len(), 3, "{sent:#?}");
    for m in &sent {
        let subject = m["subject"].as_str().unwrap_or_default();
        assert!(subject.contains("02/UBND-NN"), "{subject}");
    }
    let deliveries = stdout(cli(d, &db).args(["deliveries", "01/UBND-NN", "--year", "2021"]));
    assert_eq!(deliveries.matches("đã gửi lúc").count(), 3, "{deliveries}");

    // A database newer than the binary is refused, saying what to do.
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let o = run(cli(d, &db).args(["register", "verify"]));
    let text = printed(&o);
    assert!(!o.status.success());
    assert!(text.contains("phiên bản vanthu mới hơn"), "{text}");
}

/// A backup made by the previous release, restored into this one: migrated on its
/// staging copy (the backup file stays as it was), the register checked, and nothing
/// left beside the database but the set-aside one (no upgrade copy of the staging file).
#[test]
fn a_backup_of_the_previous_release_restores_into_this_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let backup = d.join("sao-luu-cu.db");
    std::fs::copy(root().join("tests/fixtures/schema-26.db"), &backup).unwrap();
    let backup_bytes = std::fs::read(&backup).unwrap();
    let before = files(&backup);
    let db = d.join("vanthu.db");
    let o = run(cli(d, &db).arg("init"));
    assert!(o.status.success(), "{}", printed(&o));

    let o = run(cli(d, &db).args(["db", "restore", backup.to_str().unwrap()]));
    let text = printed(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("(2 văn bản trong sổ)"), "{text}");
    assert!(user_version(&db) > 26);
    assert_eq!(files(&db), before, "the issued files are the same bytes");
    assert!(
        run(cli(d, &db).args(["register", "verify"]))
            .status
            .success()
    );
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        backup_bytes,
        "the backup is untouched"
    );
    let mut beside: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("vanthu.db.") && !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    beside.sort();
    assert_eq!(beside.len(), 1, "only the set-aside database: {beside:?}");
    assert!(!beside[0].contains("restoring"), "{beside:?}");
}
