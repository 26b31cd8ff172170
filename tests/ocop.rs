//! OCOP documents composed from the demo data: the reminder dispatch.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn demo_db(dir: &Path) -> PathBuf {
    let db = dir.join("vanthu.db");
    stdout(vanthu().arg("--db").arg(&db).arg("init"));
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(root().join("data/demo.toml"))
            .arg(root().join("data/luc-nam-products.csv")),
    );
    db
}

fn remind(db: &Path, out: &Path, date: &str, extra: &[&str]) -> std::process::Output {
    run(vanthu()
        .arg("--db")
        .arg(db)
        .args([
            "ocop",
            "remind",
            "--milestone",
            "bg-2020-danh-gia-huyen",
            "--issuer",
            "snn-bac-giang",
            "--date",
            date,
            "--out",
        ])
        .arg(out)
        .args(extra))
}

fn report(db: &Path, agency: &str, on: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    let n = c
        .execute(
            "UPDATE milestone_agencies SET reported_on = ?1 WHERE milestone_id = 'bg-2020-danh-gia-huyen' AND agency_id = ?2",
            [on, agency],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn the_reminder_goes_only_to_agencies_that_have_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    report(&db, "ubnd-luc-nam", "2020-10-20");
    report(&db, "ubnd-yen-the", "2020-10-28"); // reports after the reminder's day: still reminded
    let out = dir.path().join("r");
    let o = remind(&db, &out, "2020-10-23", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = out.join("nhac-han-bg-2020-danh-gia-huyen-2020-10-23.pdf");
    let lines = pdf_lines(&pdf);
    assert_lines(
        &lines,
        &[
            "UBND TỈNH BẮC GIANG",
            "Số: /SNN-PTNT",
            "Bắc Giang, ngày tháng 10 năm 2020",
            "Kính gửi: - UBND huyện Lục Ngạn;",
            "- UBND huyện Yên Thế;",
            "- UBND thành phố Bắc Giang.",
            "- Như trên;",
            "- Lưu: VT, PTNT.",
            "GIÁM ĐỐC",
            "Dương Thanh Tùng",
        ],
        "reminder",
    );
    let text = lines.join(" ");
    assert!(
        !text.contains("UBND huyện Lục Nam"),
        "Lục Nam reported: {text}"
    );
    assert!(text.contains("trước ngày 30/10/2020"));
    assert!(text.contains("Đến nay còn 7 ngày"), "{text}");
    assert!(
        out.join("nhac-han-bg-2020-danh-gia-huyen-2020-10-23.docx")
            .exists()
    );
}

#[test]
fn after_the_deadline_the_wording_says_overdue_and_the_deadline_is_bold() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let store = vanthu::store::Store::open(&db).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2020, 11, 2).unwrap();
    let c = vanthu::ocop::reminder(
        &store,
        &vanthu::ocop::ReminderRequest {
            milestone: "bg-2020-danh-gia-huyen",
            date,
            issuer: Some("snn-bac-giang"),
            signer: None,
        },
    )
    .unwrap();
    let body = &c.document.parts().body;
    let all: String = body
        .iter()
        .filter_map(|b| match b {
            vanthu::model::Block::Paragraph { runs }
            | vanthu::model::Block::Numbered { runs, .. } => Some(vanthu::model::plain_text(runs)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(all.contains("đã quá thời hạn"), "{all}");
    assert!(all.contains("đã quá hạn, đề nghị thực hiện ngay"), "{all}");
    let bold_deadline = body.iter().any(|b| match b {
        vanthu::model::Block::Paragraph { runs } => runs.iter().any(|r| {
            matches!(r, vanthu::model::Inline::Text { text, bold: true, .. } if text.contains("30/10/2020"))
        }),
        _ => false,
    });
    assert!(bold_deadline, "the deadline is printed in bold");
    assert_eq!(c.document.parts().addressees.len(), 4);
}

#[test]
fn nothing_to_remind_and_bad_requests_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    for a in [
        "ubnd-luc-nam",
        "ubnd-luc-ngan",
        "ubnd-yen-the",
        "ubnd-tp-bac-giang",
    ] {
        report(&db, a, "2020-10-20");
    }
    let out = dir.path().join("r");
    let o = remind(&db, &out, "2020-10-23", &[]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("đã báo cáo"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists(), "nothing written");
    let o = run(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "remind",
        "--milestone",
        "khong-co",
        "--date",
        "2020-10-23",
    ]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("không có mốc thời hạn mã \"khong-co\""));
    // Lục Ngạn has no signer in the demo data
    let o = run(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "remind",
        "--milestone",
        "bg-2020-chuyen-ho-so",
        "--date",
        "2020-11-01",
        "--issuer",
        "ubnd-luc-ngan",
    ]));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("chưa có người ký"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_reminder_can_be_issued_through_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let o = remind(&db, &dir.path().join("r"), "2020-10-23", &["--issue"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "01/SNN-PTNT");
    let shown = stdout(vanthu().arg("--db").arg(&db).args([
        "register",
        "show",
        "01/SNN-PTNT",
        "--year",
        "2020",
    ]));
    assert!(shown.contains("Ngày:        2020-10-23"), "{shown}");
    assert!(
        shown.contains("V/v đôn đốc thực hiện hoàn thành đánh giá"),
        "{shown}"
    );
}

#[test]
fn the_readme_ocop_commands_run_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("## OCOP documents").unwrap();
    let block_start = start + readme[start..].find("```sh\n").unwrap() + 6;
    let block_end = block_start + readme[block_start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let mut last = String::new();
    for line in readme[block_start..block_end].lines() {
        let cmd = line.split(" #").next().unwrap().trim();
        let args: Vec<&str> = cmd.split_whitespace().collect();
        assert_eq!(args[0], "vanthu");
        last = stdout(
            vanthu()
                .current_dir(dir.path())
                .arg("--db")
                .arg(&db)
                .args(&args[1..]),
        );
    }
    assert_eq!(last.trim(), "01/SNN-PTNT");
    assert!(
        dir.path()
            .join("out/nhac-han-bg-2020-danh-gia-huyen-2020-10-23.pdf")
            .exists()
    );
}
