//! The books of Phụ lục IV: the Sổ đăng ký văn bản đi of an issuer and year, printed
//! as PDF (read back with poppler) and XLSX (opened by openpyxl), from the CLI, the API
//! and the register page; the clerk's notes on its columns.

use crate::common;

use std::path::{Path, PathBuf};

use crate::common::server::Server;
use crate::common::*;
use serde_json::{Value, json};

/// The 2026 demo with its decision and transfer letter issued (01/QĐ-UBND, 02/UBND-KT).
fn issued_2026(dir: &Path) -> PathBuf {
    let db = demo_2026_db(dir);
    stdout(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "decide",
        "--round",
        "bac-ninh-2026-dot-1",
        "--issuer",
        "ubnd-bac-ninh",
        "--date",
        "2026-06-25",
        "--issue",
    ]));
    db
}

#[test]
fn the_register_book_is_printed_as_pdf_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued_2026(dir.path());
    // The clerk writes what the documents do not hold; a bad date changes nothing.
    let note = |args: &[&str]| {
        run(vanthu()
            .arg("--db")
            .arg(&db)
            .args(["register", "note", "01/QĐ-UBND", "--year", "2026"])
            .args(args))
    };
    let o = note(&[
        "--copies",
        "12",
        "--sent-on",
        "26/06/2026",
        "--note",
        "Gửi kèm hồ sơ",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = dump(&db);
    let o = note(&["--sent-on", "2026-06-20"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("ngày chuyển 20/06/2026 trước ngày văn bản 25/06/2026"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        dump(&db),
        before,
        "a refused note leaves the database as it was"
    );

    let out = dir.path().join("so");
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .args([
                "register",
                "book",
                "--issuer",
                "ubnd-bac-ninh",
                "--year",
                "2026",
                "--out",
            ])
            .arg(&out),
    );

    // The PDF: A4 landscape, the cover and first page, the 10 headings, one row each.
    let pdf = out.join("so-di-ubnd-bac-ninh-2026.pdf");
    let info = stdout(std::process::Command::new("pdfinfo").arg(&pdf));
    assert!(info.contains("841.89 x 595.276 pts (A4)"), "{info}");
    let pages: Vec<String> = (1..=3)
        .map(|p| {
            stdout(
                std::process::Command::new("pdftotext")
                    .args(["-f", &p.to_string(), "-l", &p.to_string()])
                    .arg(&pdf)
                    .arg("-"),
            )
        })
        .map(|t| normalize(&t))
        .collect();
    for cover in &pages[..2] {
        for line in [
            "ỦY BAN NHÂN DÂN",
            "TỈNH BẮC NINH",
            "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
            "Năm: 2026",
            "Từ số 01 đến số 02",
        ] {
            assert!(cover.contains(line), "{line}: {cover}");
        }
    }
    let table = &pages[2];
    for n in 1..=10 {
        assert!(table.contains(&format!("({n})")), "({n}): {table}");
    }
    for heading in vanthu::books::OUTGOING_COLUMNS {
        for word in heading.split_whitespace() {
            assert!(
                table.contains(word.trim_end_matches(',')),
                "{heading}: {table}"
            );
        }
    }
    assert_eq!(table.matches("01/QĐ-UBND").count(), 1, "{table}");
    assert_eq!(table.matches("02/UBND-KT").count(), 1, "{table}");
    assert!(
        table.contains("Gửi kèm hồ sơ") && table.contains("26/06/2026"),
        "{table}"
    );

    // The XLSX through a real reader: headings, their numbers, one row per document.
    let rows = common::layout::xlsx_rows(&out.join("so-di-ubnd-bac-ninh-2026.xlsx"));
    let at = rows
        .iter()
        .position(|r| r[0] == json!("Số, ký hiệu văn bản"))
        .expect("the heading row");
    let headings: Vec<&str> = rows[at].iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(headings, vanthu::books::OUTGOING_COLUMNS);
    assert_eq!(rows[at + 1][9], json!("(10)"));
    let body = &rows[at + 2..];
    assert_eq!(body.len(), 2, "{body:?}");
    let decision = &body[0];
    assert_eq!(decision[0], json!("01/QĐ-UBND"));
    assert_eq!(decision[1], json!("25/06/2026"));
    assert!(
        decision[2]
            .as_str()
            .unwrap()
            .starts_with("Quyết định về việc phê duyệt")
    );
    assert_eq!(decision[3], json!("Nguyễn Minh Khôi"));
    assert!(
        decision[4]
            .as_str()
            .unwrap()
            .contains("Bộ Nông nghiệp và Môi trường (b/c)")
    );
    assert_eq!(decision[5], json!("VT, KT"));
    assert_eq!(
        decision[6].as_f64(),
        Some(12.0),
        "a number a spreadsheet sums"
    );
    assert_eq!(decision[7], json!("26/06/2026"));
    assert_eq!(decision[9], json!("Gửi kèm hồ sơ"));
    let transfer = &body[1];
    assert_eq!(transfer[0], json!("02/UBND-KT"));
    assert!(
        transfer[2]
            .as_str()
            .unwrap()
            .starts_with("Công văn V/v đề nghị")
    );
    // No note: the recipients plus the archive copies (VT, KT), not yet sent.
    assert_eq!(transfer[6].as_f64(), Some(3.0));
    assert_eq!(transfer[7], Value::Null);

    // An issuer the database does not know is told so.
    let o = run(vanthu().arg("--db").arg(&db).args([
        "register",
        "book",
        "--issuer",
        "ubnd-khong-co",
        "--year",
        "2026",
    ]));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("không có cơ quan mã \"ubnd-khong-co\""));
}

#[test]
fn the_book_and_notes_over_the_api_and_the_register_page() {
    let s = Server::start();
    // One document issued by the Sở (the demo database of the service).
    stdout(vanthu().arg("--db").arg(&s.db).args([
        "ocop",
        "remind",
        "--milestone",
        "bg-2020-danh-gia-huyen",
        "--issuer",
        "snn-bac-giang",
        "--date",
        "2020-10-23",
        "--issue",
    ]));
    let (status, found) = s.api(Some("cv"), "GET", "/documents?number=01/SNN-PTNT", None);
    assert_eq!(status, 200, "{found}");
    let id = found["documents"][0]["id"].as_i64().unwrap();

    // The clerk writes the note; a drafter may not; a bad value names its field.
    let path = format!("/documents/{id}/note");
    let (status, row) = s.api(
        Some("vt"),
        "PUT",
        &path,
        Some(json!({"copies": "7", "archive": "VT, PTNT"})),
    );
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["copies"], 7);
    assert_eq!(row["archive"], "VT, PTNT");
    let (status, refused) = s.api(Some("cv"), "PUT", &path, Some(json!({"copies": "8"})));
    assert_eq!(status, 403, "{refused}");
    let (status, refused) = s.api(Some("vt"), "PUT", &path, Some(json!({"copies": "bảy"})));
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["field"], "copies", "{refused}");
    let (_, row) = s.api(Some("cv"), "GET", &path, None);
    assert_eq!(row["copies"], 7, "the refused writes changed nothing");

    // The book as a file, in both formats; a wrong format is a 400.
    let xlsx = s.get_bytes(
        "cv",
        "/register/book?issuer=snn-bac-giang&year=2020&format=xlsx",
    );
    assert!(xlsx.starts_with(b"PK"), "an XLSX is a zip");
    let pdf = s.get_bytes("cv", "/register/book?issuer=snn-bac-giang&year=2020");
    assert!(pdf.starts_with(b"%PDF"));
    let (status, bad) = s.api(
        Some("cv"),
        "GET",
        "/register/book?issuer=snn-bac-giang&year=2020&format=doc",
        None,
    );
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["error"]["field"], "format");

    // The register page has the "In sổ" button; the document page the note form.
    let (cookie, csrf) = s.session("vt");
    let (status, page) = s.page(&cookie, "/register");
    assert_eq!(status, 200);
    assert!(
        page.contains("In sổ") && page.contains("action=\"/register/book\""),
        "{page}"
    );
    assert!(page.contains("value=\"snn-bac-giang\""), "{page}");
    let (status, _) = s.page(
        &cookie,
        "/register/book?issuer=snn-bac-giang&year=2020&format=pdf",
    );
    assert_eq!(
        status, 200,
        "the button's download (the bytes are checked over the API)"
    );
    let (status, missing) = s.page(
        &cookie,
        "/register/book?issuer=khong-co&year=2020&format=pdf",
    );
    assert_eq!(status, 404);
    assert!(missing.contains("không có cơ quan mã"), "{missing}");
    let (status, shown) = s.post_form(
        &cookie,
        &path,
        &format!("csrf={csrf}&copies=0&archive=&sent_on=&note="),
    );
    assert_eq!(status, 422);
    assert!(shown.contains("hãy ghi một số từ 1 đến 9999"), "{shown}");
    let (status, shown) = s.post_form(
        &cookie,
        &path,
        &format!(
            "csrf={csrf}&copies=9&archive=VT&sent_on=2020-10-24&note=B%E1%BA%A3n+gi%E1%BA%A5y"
        ),
    );
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("Đã ghi vào sổ."), "{shown}");
    let (_, row) = s.api(Some("cv"), "GET", &path, None);
    assert_eq!(row["copies"], 9);
    assert_eq!(row["sent_on"], "24/10/2020");
    assert_eq!(row["note"], "Bản giấy");
}
