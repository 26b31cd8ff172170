//! The register against a real SQLite file: numbering, rollover, immutability,
//! concurrent processes, kill -9, backup, refusal of foreign or newer databases.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::*;
use sha2::{Digest, Sha256};
use vanthu::store::{Store, register};

/// A draft of seed 004 (no number, month only) written into `dir`.
fn draft(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("letters/004-quang-binh-780.toml")).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("number ="))
        .map(|l| {
            if l.starts_with("date =") {
                "date = \"2021-05\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let p = dir.join("nhap.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn init(dir: &Path) -> PathBuf {
    let db = dir.join("vanthu.db");
    stdout(vanthu().arg("--db").arg(&db).arg("init"));
    db
}

fn issue(db: &Path, letter: &Path, date: &str) -> String {
    stdout(
        vanthu()
            .arg("--db")
            .arg(db)
            .arg("issue")
            .arg(letter)
            .args(["--date", date]),
    )
    .trim()
    .to_string()
}

fn dump(db: &Path) -> Vec<u8> {
    std::fs::read(db).unwrap()
}

#[test]
fn numbers_run_per_issuer_and_year_and_restart_on_1_january() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    assert_eq!(issue(&db, &letter, "2021-12-30"), "01/UBND-KT");
    assert_eq!(issue(&db, &letter, "2021-12-31"), "02/UBND-KT");
    assert_eq!(issue(&db, &letter, "2022-01-01"), "01/UBND-KT");
    // another issuer has its own numbers
    let other = dir.path().join("khac.toml");
    std::fs::write(
        &other,
        std::fs::read_to_string(&letter)
            .unwrap()
            .replace("tỉnh Quảng Bình\"]", "tỉnh Lạng Sơn\"]"),
    )
    .unwrap();
    assert_eq!(issue(&db, &other, "2021-12-31"), "01/UBND-KT");
    assert_eq!(issue(&db, &letter, "2022-01-02"), "02/UBND-KT");
    let list = stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .args(["register", "list", "--year", "2021"]),
    );
    assert_eq!(list.lines().count(), 3, "{list}");
    let csv = stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .args(["register", "list", "--format", "csv"]),
    );
    assert!(
        csv.starts_with("so_ky_hieu,ngay,nam,loai,trich_yeu"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 6);
    // the ambiguous number asks for --issuer
    let o = run(vanthu().arg("--db").arg(&db).args([
        "register",
        "show",
        "01/UBND-KT",
        "--year",
        "2021",
    ]));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--issuer"));
}

#[test]
fn issued_files_read_back_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    let renderer = vanthu::Renderer::new(None).unwrap();
    let text = std::fs::read_to_string(&letter).unwrap();
    let doc = vanthu::letter::parse(&text, &letter).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2021, 5, 17).unwrap();
    let mut store = Store::open(&db).unwrap();
    let e = register::issue(&mut store, &renderer, &doc, &text, date).unwrap();
    assert_eq!(e.number_symbol, "01/UBND-KT");
    assert_eq!(e.pages, 4);
    drop(store);
    let out = dir.path().join("ra");
    let shown = stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .args(["register", "show", "01/UBND-KT", "--year", "2021", "--out"])
            .arg(&out),
    );
    assert!(shown.contains("Ngày:        2021-05-17"), "{shown}");
    let pdf = std::fs::read(out.join("2021-01-UBND-KT.pdf")).unwrap();
    let docx = std::fs::read(out.join("2021-01-UBND-KT.docx")).unwrap();
    let hex = |b: &[u8]| {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    assert_eq!(hex(&pdf), e.pdf_sha256);
    assert_eq!(hex(&docx), e.docx_sha256);
    assert!(shown.contains(&e.pdf_sha256));
    // the stored PDF is the numbered document
    let lines = pdf_lines(&out.join("2021-01-UBND-KT.pdf"));
    assert_lines(
        &lines,
        &["Số: 01/UBND-KT", "Quảng Bình, ngày 17 tháng 5 năm 2021"],
        "issued",
    );
}

#[test]
fn issued_documents_are_immutable_and_refusals_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    issue(&db, &letter, "2021-05-17");
    let store = Store::open(&db).unwrap();
    let upd = store
        .conn()
        .execute("UPDATE documents SET subject = 'khác'", []);
    assert!(upd.unwrap_err().to_string().contains("không được sửa"));
    let del = store.conn().execute("DELETE FROM documents", []);
    assert!(del.unwrap_err().to_string().contains("không được xóa"));
    drop(store);
    // a letter that already carries a number is refused, the file is unchanged
    let _ = stdout(vanthu().arg("--db").arg(&db).args(["register", "verify"]));
    let before = dump(&db);
    let o = run(vanthu()
        .arg("--db")
        .arg(&db)
        .arg("issue")
        .arg(root().join("letters/004-quang-binh-780.toml")));
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("004-quang-binh-780.toml: thư đã ghi sẵn số 780")
    );
    // a broken letter too
    let bad = dir.path().join("hong.toml");
    std::fs::write(&bad, "kind = \"công văn\"\n").unwrap();
    let o = run(vanthu().arg("--db").arg(&db).arg("issue").arg(&bad));
    assert!(!o.status.success());
    assert_eq!(
        dump(&db),
        before,
        "a refused issue must not touch the database"
    );
}

#[test]
fn foreign_newer_and_missing_databases_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not sqlite").unwrap();
    let o = run(vanthu().arg("--db").arg(&junk).args(["register", "list"]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("không phải cơ sở dữ liệu của vanthu"));
    assert_eq!(std::fs::read(&junk).unwrap(), b"this is not sqlite");

    let db = init(dir.path());
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let o = run(vanthu().arg("--db").arg(&db).args(["register", "list"]));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("phiên bản vanthu mới hơn (lược đồ 99"),
        "{err}"
    );

    let o = run(vanthu()
        .arg("--db")
        .arg(dir.path().join("none.db"))
        .args(["register", "list"]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("vanthu init"));
    assert!(
        !dir.path().join("none.db").exists(),
        "must not create a database by accident"
    );

    let o = run(vanthu().arg("--db").arg(&db).arg("init"));
    assert!(!o.status.success(), "init refuses an existing file");
}

#[test]
fn backup_is_a_database_vanthu_opens() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    issue(&db, &letter, "2021-05-17");
    issue(&db, &letter, "2021-05-18");
    let copy = dir.path().join("sao-luu.db");
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .args(["db", "backup"])
            .arg(&copy),
    );
    let list = stdout(vanthu().arg("--db").arg(&copy).args(["register", "list"]));
    assert_eq!(list.lines().count(), 2);
    // and the copy goes on numbering where the original stopped
    assert_eq!(issue(&copy, &letter, "2021-06-01"), "03/UBND-KT");
}

fn spawn_issue(db: &Path, letter: &Path) -> Child {
    vanthu()
        .arg("--db")
        .arg(db)
        .arg("issue")
        .arg(letter)
        .args(["--date", "2021-05-17"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn concurrent_processes_get_unique_contiguous_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    let children: Vec<Child> = (0..16).map(|_| spawn_issue(&db, &letter)).collect();
    let mut numbers: Vec<u32> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let s = String::from_utf8_lossy(&o.stdout);
            s.trim().split('/').next().unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=16).collect::<Vec<u32>>());
    let v = stdout(vanthu().arg("--db").arg(&db).args(["register", "verify"]));
    assert!(v.contains("không thiếu, không trùng số"));
}

#[test]
fn kill_9_during_issuing_leaves_no_gap_and_no_orphan() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    let mut done = 0;
    for round in 0..6u64 {
        let children: Vec<Child> = (0..6).map(|_| spawn_issue(&db, &letter)).collect();
        // kill half of them at staggered moments, mid-issue for some
        std::thread::sleep(std::time::Duration::from_millis(3 + round * 4));
        for (i, mut c) in children.into_iter().enumerate() {
            if i % 2 == 0 {
                let _ = Command::new("kill")
                    .arg("-9")
                    .arg(c.id().to_string())
                    .status();
            }
            let _ = c.wait();
        }
        let store = Store::open(&db).unwrap();
        let problems = register::verify(&store).unwrap();
        assert!(problems.is_empty(), "round {round}: {problems:?}");
        let n = register::list(&store, None, Some(2021)).unwrap();
        assert!(n.len() >= done);
        for (i, e) in n.iter().enumerate() {
            assert_eq!(e.number as usize, i + 1, "contiguous numbers");
            let (pdf, docx) = register::files(&store, e.id).unwrap();
            assert!(
                pdf.starts_with(b"%PDF") && docx.starts_with(b"PK"),
                "every number has its files"
            );
        }
        done = n.len();
    }
    assert!(done > 0, "some issues must have completed");
}

#[test]
fn the_readme_register_tour_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = run_readme_block("## The register and programme data", dir.path(), None);
    assert!(
        outputs.iter().any(|o| o.trim() == "01/UBND-NN"),
        "{outputs:?}"
    );
    assert!(dir.path().join("ra/2021-01-UBND-NN.pdf").exists());
    assert!(dir.path().join("sao-luu.db").exists());
    let csv = std::fs::read_to_string(dir.path().join("so-van-ban-di.csv")).unwrap();
    assert!(csv.contains("01/UBND-NN,2021-03-15,2021,công văn"), "{csv}");
}

#[test]
fn backup_while_other_processes_issue() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    let children: Vec<Child> = (0..8).map(|_| spawn_issue(&db, &letter)).collect();
    let copy = dir.path().join("trong-khi-chay.db");
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .args(["db", "backup"])
            .arg(&copy),
    );
    for c in children {
        assert!(c.wait_with_output().unwrap().status.success());
    }
    // The copy is a consistent register: whatever it holds is contiguous.
    let v = stdout(vanthu().arg("--db").arg(&copy).args(["register", "verify"]));
    assert!(v.contains("không thiếu, không trùng số"), "{v}");
    let v = stdout(vanthu().arg("--db").arg(&db).args(["register", "verify"]));
    assert!(v.contains("không thiếu, không trùng số"), "{v}");
}

#[test]
fn writes_that_belong_to_an_issued_document_share_its_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    let text = std::fs::read_to_string(&letter).unwrap();
    let doc = vanthu::letter::parse(&text, &letter).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2021, 5, 17).unwrap();
    let files = |_: &vanthu::Document| {
        Ok(register::Files {
            pdf: b"%PDF".to_vec(),
            docx: b"PK".to_vec(),
            pages: 1,
            signatures: vec![],
        })
    };
    let before = dump(&db);
    let mut store = Store::open(&db).unwrap();
    // A follow-up write that fails (a certificate for a product that does not exist
    // breaks the foreign key) takes the document and its number down with it.
    let failed = register::issue_then(&mut store, &doc, &text, date, files, |tx, e| {
        tx.execute(
            "INSERT INTO certificates (product_id, decision, stars, issued_on, expires_on) VALUES ('khong-co', ?1, 3, '2021-05-17', '2024-05-17')",
            [&e.number_symbol],
        )?;
        Ok(())
    });
    assert!(failed.is_err());
    drop(store);
    assert_eq!(dump(&db), before, "nothing stored, no number used");
    let mut store = Store::open(&db).unwrap();
    let e = register::issue_then(&mut store, &doc, &text, date, files, |tx, e| {
        tx.execute(
            "INSERT INTO recipient_groups (id, name) VALUES ('g', ?1)",
            [&e.number_symbol],
        )?;
        Ok(())
    })
    .unwrap();
    assert_eq!(e.number_symbol, "01/UBND-KT", "the number is still 01");
    let name: String = store
        .conn()
        .query_row(
            "SELECT name FROM recipient_groups WHERE id = 'g'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "01/UBND-KT");
}

#[test]
fn a_number_taken_by_another_process_while_signing_is_rendered_again_with_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let letter = draft(dir.path());
    let text = std::fs::read_to_string(&letter).unwrap();
    let doc = vanthu::letter::parse(&text, &letter).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2021, 5, 17).unwrap();
    // While the first rendering (and its signatures) is under way, another process
    // issues a document of the same register: its own connection, its own number.
    let other = rusqlite::Connection::open(&db).unwrap();
    let take_a_number = || {
        other
            .execute(
                "INSERT INTO register_counters (issuer, series, year, last_number)
                 VALUES (?1, 'main', 2021, 1)
                 ON CONFLICT (issuer, series, year) DO UPDATE SET last_number = last_number + 1",
                [doc.issuer_key()],
            )
            .unwrap();
    };
    let mut rendered = vec![];
    let mut store = Store::open(&db).unwrap();
    let e = register::issue_with(&mut store, &doc, &text, date, |d| {
        rendered.push(d.number_symbol());
        if rendered.len() == 1 {
            take_a_number();
        }
        Ok(register::Files {
            pdf: d.number_symbol().into_bytes(),
            docx: b"PK".to_vec(),
            pages: 1,
            signatures: vec![],
        })
    })
    .unwrap();
    assert_eq!(rendered, ["01/UBND-KT", "02/UBND-KT"]);
    assert_eq!(e.number_symbol, "02/UBND-KT");
    let pdf: Vec<u8> = store
        .conn()
        .query_row("SELECT pdf FROM documents WHERE id = ?1", [e.id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        pdf, b"02/UBND-KT",
        "the stored file carries the number it was given"
    );

    // Taken at every attempt: refused, nothing more stored.
    let mut attempts = 0;
    let err = register::issue_with(&mut store, &doc, &text, date, |_| {
        attempts += 1;
        take_a_number();
        Ok(register::Files {
            pdf: b"%PDF".to_vec(),
            docx: b"PK".to_vec(),
            pages: 1,
            signatures: vec![],
        })
    })
    .unwrap_err();
    assert_eq!(attempts, register::ATTEMPTS);
    assert!(err.to_string().contains("hãy ban hành lại"), "{err}");
    let (documents, counter): (u32, u32) = store
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM documents), (SELECT last_number FROM register_counters)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(documents, 1, "the refused issue stored nothing");
    assert_eq!(
        counter,
        2 + register::ATTEMPTS as u32,
        "only the other process's numbers"
    );
}
