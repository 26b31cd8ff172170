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
