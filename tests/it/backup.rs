//! `vanthu db backup` and `vanthu db restore` (issue 35): a backup taken between two
//! issues, restored: the register is the backup's, sound, and numbering continues
//! from it; the replaced database is kept; a file that is not a vanthu database, or
//! is one with a broken register, replaces nothing.

use std::path::Path;

use crate::common::mail::issued;
use crate::common::*;

fn vt(dir: &Path, db: &Path, args: &[&str]) -> std::process::Output {
    run(cli(dir, db).args(args))
}

fn issue_again(dir: &Path, db: &Path) -> String {
    stdout(
        cli(dir, db)
            .arg("issue")
            .arg(root().join("letters/drafts/luc-nam-cong-van.toml"))
            .args(["--date", "2021-03-15"]),
    )
    .trim()
    .to_string()
}

#[test]
fn a_backup_restored_brings_its_register_back_and_numbering_continues_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = issued(d); // 01/UBND-NN
    let backup = d.join("sao-luu.db");
    let o = vt(d, &db, &["db", "backup", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", printed(&o));
    assert_eq!(issue_again(d, &db), "02/UBND-NN");

    let o = vt(d, &db, &["db", "restore", backup.to_str().unwrap()]);
    let text = printed(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("(1 văn bản trong sổ)"), "{text}");
    let kept = text
        .lines()
        .find_map(|l| l.strip_prefix("cơ sở dữ liệu trước đó được giữ ở "))
        .expect("the replaced database is kept");
    // The replaced database, whole: both documents.
    let conn = rusqlite::Connection::open(kept).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    // The restored one: sound, and the next number is the backup's next.
    assert!(vt(d, &db, &["register", "verify"]).status.success());
    assert_eq!(issue_again(d, &db), "02/UBND-NN");
    let listed = stdout(cli(d, &db).args(["register", "list"]));
    assert_eq!(listed.matches("/UBND-NN").count(), 2, "{listed}");

    // Not a database, another program's database, a register with a hole: refused,
    // nothing replaced.
    let garbage = d.join("rac.db");
    std::fs::write(&garbage, b"khong phai sqlite").unwrap();
    let other = d.join("khac.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let holed = d.join("thieu-so.db");
    std::fs::copy(&backup, &holed).unwrap();
    rusqlite::Connection::open(&holed)
        .unwrap()
        .execute_batch("UPDATE register_counters SET last_number = 5")
        .unwrap();
    let before = dump(&db);
    for (file, said) in [
        (&garbage, "không phải cơ sở dữ liệu của vanthu"),
        (&other, "không phải cơ sở dữ liệu của vanthu"),
        (&holed, "sổ văn bản trong bản sao lưu không toàn vẹn"),
    ] {
        let o = vt(d, &db, &["db", "restore", file.to_str().unwrap()]);
        assert!(!o.status.success());
        assert!(
            printed(&o).contains(said),
            "{}: {}",
            file.display(),
            printed(&o)
        );
    }
    assert_eq!(dump(&db), before, "a refused restore replaces nothing");
    let staging = format!("{}.restoring", db.display());
    assert!(!Path::new(&staging).exists(), "the staged copy is removed");
}

#[test]
fn a_folder_of_backups_keeps_the_newest_and_nothing_else_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = issued(d);
    let folder = d.join("sao-luu");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("ghi-chu.txt"), "không phải bản sao lưu").unwrap();
    let mut taken = vec![];
    for _ in 0..4 {
        taken.push(backup_into(d, &db, &folder, 2));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut left: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    let newest: Vec<String> = taken[2..]
        .iter()
        .map(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        left,
        [vec!["ghi-chu.txt".to_string()], newest.clone()].concat()
    );
    // Each is a whole database that restores.
    let o = vt(
        d,
        &db,
        &["db", "restore", &folder.join(&newest[1]).to_string_lossy()],
    );
    assert!(o.status.success(), "{}", printed(&o));
    assert!(
        printed(&o).contains("(1 văn bản trong sổ)"),
        "{}",
        printed(&o)
    );
}

/// `vanthu db backup --dir folder --keep keep`; the backup's path as it says it.
fn backup_into(d: &Path, db: &Path, folder: &Path, keep: usize) -> String {
    let said = stdout(
        cli(d, db)
            .args(["db", "backup", "--dir"])
            .arg(folder)
            .args(["--keep", &keep.to_string()]),
    );
    said.lines()
        .find_map(|l| l.strip_prefix("đã sao lưu vào "))
        .expect("the backup's path")
        .to_string()
}

/// The restore drill: backups taken while documents are issued and their messages
/// sent by other processes, the newest restored with everything stopped. The register
/// is sound, numbering continues from the backup without a gap or a reuse, and the
/// outbox resumes without sending again what the backup records as accepted.
#[test]
fn a_backup_taken_under_load_restores_and_the_outbox_resumes_without_resending() {
    use crate::mail::Smtp;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = issued(d); // 01/UBND-NN, three mailboxes and paper
    let smtp = Smtp::start(d, &[]);
    let folder = d.join("sao-luu");
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for _ in 0..8 {
                let n = issue_again(d, &db);
                let o = run(smtp.env(&mut cli(d, &db)).args([
                    "send",
                    &n,
                    "--year",
                    "2021",
                    "--no-wait",
                ]));
                assert!(o.status.success(), "{}", printed(&o));
                std::thread::sleep(std::time::Duration::from_millis(60));
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let worker = scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let o = run(smtp.env(&mut cli(d, &db)).args(["worker", "--until-idle"]));
                assert!(o.status.success(), "{}", printed(&o));
            }
        });
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            backup_into(d, &db, &folder, 100);
            std::thread::sleep(std::time::Duration::from_millis(40));
        }
        writer.join().unwrap();
        worker.join().unwrap();
    });
    // The backup taken mid-run (documents still to come) with the most messages
    // accepted: the drill restores a moment of real work.
    let state = |p: &Path| -> (i64, i64) {
        let c = rusqlite::Connection::open(p).unwrap();
        c.query_row(
            "SELECT (SELECT max(number) FROM documents),
                    (SELECT count(*) FROM deliveries WHERE status = 'sent')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (final_last, _) = state(&db);
    let newest = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (state(&p), p))
        .filter(|((last, sent), _)| *last < final_last && *sent > 0)
        .max_by_key(|((_, sent), _)| *sent)
        .map(|(_, p)| p)
        .expect("a backup taken while documents were still being issued and sent");
    let o = vt(d, &db, &["db", "restore", newest.to_str().unwrap()]);
    assert!(o.status.success(), "{}", printed(&o));
    assert!(vt(d, &db, &["register", "verify"]).status.success());

    // Numbering continues from the backup's last number.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let last: i64 = conn
        .query_row("SELECT max(number) FROM documents", [], |r| r.get(0))
        .unwrap();
    let accepted: Vec<String> = conn
        .prepare("SELECT message_id FROM deliveries WHERE status = 'sent'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(conn);
    eprintln!(
        "restored: last number {last}, {} messages accepted",
        accepted.len()
    );
    assert_eq!(issue_again(d, &db), format!("{:02}/UBND-NN", last + 1));

    // The outbox resumes: what the backup records as accepted is not sent again.
    let o = run(smtp.env(&mut cli(d, &db)).args(["worker", "--until-idle"]));
    assert!(o.status.success(), "{}", printed(&o));
    let received = smtp.messages();
    for id in &accepted {
        let copies = received
            .iter()
            .filter(|m| {
                m["message_id"]
                    .as_str()
                    .unwrap_or("")
                    .contains(id.trim_matches(['<', '>']))
            })
            .count();
        assert_eq!(copies, 1, "{id} was accepted before the backup: sent once");
    }
}
