//! Incoming documents (issue 34) on the real binary: a huyện registers the province's
//! signed dispatch, the same file again, one changed after signing, an unsigned one, a
//! Word-made one (LibreOffice's PDF, read from its words) and bad files; Số đến stay
//! contiguous when several registrations run at once; its Maildir is read once. What
//! follows registration (reports, handling) is in `incoming_follow_up.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::layout::{libreoffice_pdfs, xlsx_rows};
use crate::common::sign::*;
use crate::common::*;

pub(crate) const RECEIVER: &str = r#"
[[agencies]]
id = "ubnd-lac-son"
name = ["Ủy ban nhân dân", "huyện Lạc Sơn"]
level = "district"
place = "Lạc Sơn"
abbreviation = "UBND"
short_name = "UBND huyện Lạc Sơn"
units = ["NN"]
"#;

/// The signing fixture with a receiving huyện imported.
pub(crate) fn receiving(name: &str) -> Fixture {
    let f = fixture(name, &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    std::fs::write(f.dir.join("nhan.toml"), RECEIVER).unwrap();
    stdout(f.cmd().arg("import").arg(f.dir.join("nhan.toml")));
    f
}

pub(crate) fn add(f: &Fixture, files: &[&Path], extra: &[&str]) -> std::process::Output {
    run(f
        .cmd()
        .args(["incoming", "add", "--agency", "ubnd-lac-son"])
        .args(extra)
        .args(files))
}

pub(crate) fn numbers(db: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT number FROM incoming WHERE agency_id = 'ubnd-lac-son' ORDER BY number")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// An unsigned PDF vanthu renders of the fixture's letter (no number: not issued).
pub(crate) fn rendered(f: &Fixture) -> PathBuf {
    let out = f.dir.join("ban-in");
    stdout(
        f.cmd()
            .arg("render")
            .arg(f.dir.join("cong-van.toml"))
            .arg("--out")
            .arg(&out),
    );
    out.join("cong-van.pdf")
}

/// `n` different files of `base` (a comment after the end changes the hash, not the
/// PDF), named `stem-i.pdf`.
pub(crate) fn variants(f: &Fixture, base: &[u8], n: usize, stem: &str) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let p = f.dir.join(format!("{stem}-{i}.pdf"));
            let mut b = base.to_vec();
            b.extend_from_slice(format!("\n% {i}\n").as_bytes());
            std::fs::write(&p, b).unwrap();
            p
        })
        .collect()
}

#[test]
fn a_signed_dispatch_is_registered_once_with_its_fields_and_flags_stand_out() {
    let f = receiving("incoming");
    let (number, signed) = f.issue_signed();

    // The province's signed dispatch: Số đến 1, every field read from vanthu's file.
    let o = add(&f, &[&signed], &[]);
    let text = printed(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("đã vào sổ. Số đến 1 ("), "{text}");
    assert!(
        text.contains(&format!(
            "{number} ngày 02/12/2026 — Ủy ban nhân dân tỉnh Hòa Bình — Công văn V/v đôn đốc báo cáo kết quả Chương trình OCOP năm 2026; chữ ký số hợp lệ"
        )),
        "{text}"
    );
    assert!(!text.contains("cần kiểm tra"), "{text}");

    // The same file again: its first entry, nothing added.
    let before = dump(&f.db);
    let o = add(&f, &[&signed], &[]);
    assert!(o.status.success());
    assert!(
        printed(&o).contains("đã vào sổ trước đây, không thêm. Số đến 1 ("),
        "{}",
        printed(&o)
    );
    assert_eq!(dump(&f.db), before);

    // Changed after signing (one byte of the signed content): registered, flagged.
    let mut bytes = std::fs::read(&signed).unwrap();
    let at = find(&bytes, b"/Title").unwrap();
    bytes[at + 1] = b'X';
    let changed = f.dir.join("da-sua.pdf");
    std::fs::write(&changed, &bytes).unwrap();
    let text = printed(&add(&f, &[&changed], &[]));
    assert!(text.contains("Số đến 2 ("), "{text}");
    assert!(text.contains("CHỮ KÝ SỐ KHÔNG HỢP LỆ"), "{text}");
    assert_eq!(text.matches("tệp đã bị sửa").count(), 1, "{text}");

    // Unsigned (vanthu's own render, not issued: no number to read).
    let unsigned = rendered(&f);
    let text = printed(&add(&f, &[&unsigned], &[]));
    assert!(text.contains("Số đến 3 ("), "{text}");
    assert!(text.contains("không có chữ ký số"), "{text}");
    assert!(
        text.contains("cần kiểm tra: số, ký hiệu, ngày tháng văn bản\n")
            && text.contains(": ? ngày ? — Ủy ban nhân dân tỉnh Hòa Bình — Công văn V/v đôn đốc"),
        "{text}"
    );

    // A file that is not a PDF, an empty one, an unknown agency: said, nothing stored.
    let before = dump(&f.db);
    let not_pdf = f.dir.join("bao-cao.docx");
    std::fs::write(&not_pdf, b"PK\x03\x04 not a pdf").unwrap();
    let empty = f.dir.join("rong.pdf");
    std::fs::write(&empty, b"").unwrap();
    let o = add(&f, &[&not_pdf, &empty], &[]);
    assert!(!o.status.success());
    let text = printed(&o);
    assert!(text.contains("bao-cao.docx: không phải tệp PDF"), "{text}");
    assert!(text.contains("rong.pdf: tệp rỗng"), "{text}");
    assert!(text.contains("2 tệp chưa vào sổ văn bản đến"), "{text}");
    let o = run(f
        .cmd()
        .args(["incoming", "add", "--agency", "khong-co"])
        .arg(&signed));
    assert!(!o.status.success());
    assert!(
        printed(&o).contains("không có cơ quan \"khong-co\""),
        "{}",
        printed(&o)
    );
    assert_eq!(dump(&f.db), before);

    // The book of the year lists the three, in order.
    let list = stdout(f.cmd().args([
        "incoming",
        "list",
        "--agency",
        "ubnd-lac-son",
        "--year",
        "2026",
    ]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with("Số đến 1 ("), "{list}");
    assert!(lines[2].starts_with("Số đến 3 ("), "{list}");
    // The book of the year, as PDF and XLSX: the three entries in their columns.
    let out = f.dir.join("so");
    stdout(
        f.cmd()
            .args([
                "incoming",
                "book",
                "--agency",
                "ubnd-lac-son",
                "--year",
                "2026",
                "--out",
            ])
            .arg(&out),
    );
    let rows = xlsx_rows(&out.join("so-den-ubnd-lac-son-2026.xlsx"));
    let heading = rows
        .iter()
        .position(|r| r[0] == "Ngày đến")
        .expect("headings");
    assert_eq!(rows[heading][5], "Tên loại và trích yếu nội dung");
    assert_eq!(rows[heading + 1][9], "(10)");
    let entries = &rows[heading + 2..];
    assert_eq!(entries.len(), 3, "{rows:?}");
    assert_eq!(entries[0][1], 1.0);
    assert_eq!(entries[0][2], "Ủy ban nhân dân tỉnh Hòa Bình");
    assert_eq!(entries[0][3], number.as_str());
    assert_eq!(entries[0][4], "02/12/2026");
    assert!(entries[0][9].is_null(), "{:?}", entries[0]);
    assert_eq!(entries[1][9], "Chữ ký số không hợp lệ");
    assert_eq!(entries[2][9], "Không có chữ ký số");
    assert!(rows.iter().any(|r| r[0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"));
    let pdf = pdf_lines(&out.join("so-den-ubnd-lac-son-2026.pdf"));
    let text = pdf.join("\n");
    assert!(text.contains("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"), "{text}");
    assert!(text.contains("Từ số 01 đến số 03"), "{text}");
    // Each column's words (a narrow column wraps them).
    let third = format!("{} 3", entries[2][0].as_str().unwrap());
    for words in ["HUYỆN LẠC SƠN", &third, "(10)", "không hợp lệ", "Không có"] {
        assert!(text.contains(words), "{words}: {text}");
    }

    // The file is kept byte for byte.
    let kept: Vec<u8> = rusqlite::Connection::open(&f.db)
        .unwrap()
        .query_row("SELECT pdf FROM incoming WHERE number = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, std::fs::read(&signed).unwrap());
}

#[test]
fn a_word_made_pdf_is_read_from_its_first_page() {
    let f = receiving("incoming-word");
    // The dispatch as a Word file, turned into PDF by LibreOffice (not vanthu's file).
    let out = f.dir.join("word");
    stdout(
        f.cmd()
            .arg("issue")
            .arg(f.dir.join("cong-van.toml"))
            .args(["--date", "2026-12-02"]),
    );
    stdout(
        f.cmd()
            .args(["register", "show", "01/UBND-KT", "--year", "2026", "--out"])
            .arg(&out),
    );
    let pdfs = libreoffice_pdfs(&out);
    let pdf = std::fs::read_dir(&pdfs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = printed(&add(&f, &[&pdf], &[]));
    assert!(text.contains("Số đến 1 ("), "{text}");
    assert!(
        text.contains("01/UBND-KT ngày 02/12/2026 — Ủy ban nhân dân tỉnh Hòa Bình — Công văn V/v đôn đốc báo cáo kết quả Chương trình OCOP năm 2026; không có chữ ký số"),
        "{text}"
    );
    assert!(text.contains("không có chữ ký số"), "{text}");
    // Read from words: the subject is always for the văn thư to check.
    assert!(
        text.contains("cần kiểm tra: tên loại và trích yếu"),
        "{text}"
    );
}

#[test]
fn registrations_at_once_take_contiguous_numbers() {
    let f = receiving("incoming-race");
    let base = std::fs::read(rendered(&f)).unwrap();
    let files = variants(&f, &base, 8, "den");
    let children: Vec<_> = files
        .chunks(2)
        .map(|pair| {
            let mut c: Command = f.cmd();
            c.args(["incoming", "add", "--agency", "ubnd-lac-son", "--scan"])
                .args(pair)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", printed(&o));
    }
    assert_eq!(numbers(&f.db), (1..=8).collect::<Vec<i64>>());
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A message with `attachments` (`(file name, content type, bytes)`), as an MTA writes
/// it into a Maildir.
pub(crate) fn message(id: &str, attachments: &[(&str, &str, &[u8])]) -> Vec<u8> {
    use base64::Engine;
    let mut m = format!(
        "From: vanthu@hoabinh.example\r\nTo: vanthu@lacson.example\r\nMessage-ID: <{id}@hoabinh.example>\r\n\
         Subject: =?UTF-8?B?Q8O0bmcgdsSDbg==?=\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nKính gửi UBND huyện.\r\n"
    );
    for (name, ctype, bytes) in attachments {
        let body = base64::engine::general_purpose::STANDARD.encode(bytes);
        m.push_str(&format!(
            "--B\r\nContent-Type: {ctype}; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n"
        ));
        for line in body.as_bytes().chunks(76) {
            m.push_str(std::str::from_utf8(line).unwrap());
            m.push_str("\r\n");
        }
    }
    m.push_str("--B--\r\n");
    m.into_bytes()
}

#[test]
fn the_mailbox_is_read_once_and_a_message_read_again_adds_nothing() {
    let f = receiving("incoming-maildir");
    let (_, signed) = f.issue_signed();
    let pdf = std::fs::read(&signed).unwrap();
    let mut changed = pdf.clone();
    let at = find(&changed, b"/Title").unwrap();
    changed[at + 1] = b'X';
    let maildir = f.dir.join("Maildir");
    let new = maildir.join("new");
    std::fs::create_dir_all(&new).unwrap();
    let put = |name: &str, m: Vec<u8>| std::fs::write(new.join(name), m).unwrap();
    put(
        "1.a",
        message("m1", &[("cong-van.pdf", "application/pdf", &pdf)]),
    );
    put(
        "2.a",
        message("m2", &[("cong-van-gui-lai.pdf", "application/pdf", &pdf)]),
    );
    put(
        "3.a",
        message(
            "m3",
            &[("bao-cao.docx", "application/octet-stream", b"PK\x03\x04")],
        ),
    );
    put("4.a", message("m4", &[]));
    put(
        "5.a",
        message("m5", &[("da-sua.pdf", "application/pdf", &changed)]),
    );
    let fetch = || {
        run(f
            .cmd()
            .args(["incoming", "fetch", "--agency", "ubnd-lac-son", "--maildir"])
            .arg(&maildir))
    };
    let o = fetch();
    let text = printed(&o);
    assert!(o.status.success(), "{text}");
    assert!(
        text.contains("cong-van.pdf: đã vào sổ. Số đến 1 ("),
        "{text}"
    );
    assert!(
        text.contains("cong-van-gui-lai.pdf: đã vào sổ trước đây, không thêm. Số đến 1 ("),
        "{text}"
    );
    assert!(
        text.contains("chưa vào sổ: bao-cao.docx: không phải tệp PDF"),
        "{text}"
    );
    assert!(
        text.contains("da-sua.pdf: đã vào sổ. Số đến 2 (") && text.contains("KHÔNG HỢP LỆ"),
        "{text}"
    );
    assert!(
        text.contains("đã đọc 5 thư (1 thư không có tệp đính kèm)"),
        "{text}"
    );
    assert_eq!(numbers(&f.db), [1, 2]);
    let message_id: String = rusqlite::Connection::open(&f.db)
        .unwrap()
        .query_row(
            "SELECT message_id FROM incoming WHERE number = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(message_id, "<m1@hoabinh.example>");
    // Every message left new/; the ones a person must look at are unread in cur/.
    assert_eq!(std::fs::read_dir(&new).unwrap().count(), 0);
    let mut cur: Vec<String> = std::fs::read_dir(maildir.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    cur.sort();
    assert_eq!(cur, ["1.a:2,S", "2.a:2,S", "3.a:2,", "4.a:2,", "5.a:2,S"]);

    // A fetch that died before moving a message reads it again: nothing is added.
    std::fs::copy(maildir.join("cur/1.a:2,S"), new.join("1.b")).unwrap();
    let before = dump_except(&f.db, &["audit_log"]);
    let text = printed(&fetch());
    assert!(
        text.contains("đã vào sổ trước đây, không thêm. Số đến 1 ("),
        "{text}"
    );
    assert_eq!(dump_except(&f.db, &["audit_log"]), before);
}

#[test]
fn the_seed_documents_vanthu_made_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let seeds = crate::common::rendered();
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    pdfs.sort();
    assert_eq!(pdfs.len(), 5);
    let text = printed(&run(cli(dir.path(), &db)
        .args(["incoming", "add", "--agency", "ubnd-luc-nam"])
        .args(&pdfs)));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    // Numbered seeds: every field as issued; drafts: the number and date are left to check.
    assert!(lines[1].contains(
        "332/UBND-KT ngày 17/03/2023 — Ủy ban nhân dân tỉnh Hòa Bình — Công văn V/v triển khai thực hiện Chương trình “Mỗi xã một sản phẩm” năm 2023;"
    ), "{text}");
    assert!(lines[4].contains(
        "780/UBND-KT ngày 17/05/2021 — Ủy ban nhân dân tỉnh Quảng Bình — Công văn V/v tiếp tục triển khai thực hiện Chương trình OCOP năm 2021;"
    ), "{text}");
    assert!(lines[3].contains(
        "? ngày ? — Ủy ban nhân dân huyện Lục Nam — Kế hoạch triển khai Chương trình Mỗi xã một sản phẩm năm 2021;"
    ), "{text}");
    assert!(
        lines[3].contains("cần kiểm tra: số, ký hiệu, ngày tháng văn bản"),
        "{text}"
    );
    // The stored agencies are matched: Lục Nam is, Hòa Bình (not in the demo data) is not.
    assert!(!lines[3].contains("tác giả"), "{text}");
    assert!(lines[1].contains("cần kiểm tra: tác giả"), "{text}");

    // The văn thư confirms what was left to check; a bad value changes nothing.
    let confirm = |args: &[&str]| {
        run(cli(dir.path(), &db)
            .args(["incoming", "confirm"])
            .args(args)
            .args(["--agency", "ubnd-luc-nam"]))
    };
    let before = dump_except(&db, &["audit_log"]);
    let o = confirm(&["2", "--author", "ubnd-khong-co"]);
    assert!(
        printed(&o).contains("không có cơ quan \"ubnd-khong-co\""),
        "{}",
        printed(&o)
    );
    let o = confirm(&["4", "--subject", "Kế hoạch\u{200B} OCOP"]);
    assert!(
        printed(&o).contains("tên loại và trích yếu: có ký tự U+200B"),
        "{}",
        printed(&o)
    );
    assert_eq!(dump_except(&db, &["audit_log"]), before);
    let o = confirm(&["4", "--number-symbol", "15/KH-UBND", "--date", "2021-03-01"]);
    let line = printed(&o);
    assert!(o.status.success(), "{line}");
    assert!(
        line.contains("15/KH-UBND ngày 01/03/2021 — Ủy ban nhân dân huyện Lục Nam — Kế hoạch"),
        "{line}"
    );
    assert!(!line.contains("cần kiểm tra"), "{line}");
}
