//! Incoming documents (issue 34) on the real binary: a huyện registers the province's
//! signed dispatch, the same file again, one changed after signing, an unsigned one, a
//! Word-made one (LibreOffice's PDF, read from its words) and bad files; Số đến stay
//! contiguous when several registrations run at once.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::layout::libreoffice_pdfs;
use crate::common::sign::*;
use crate::common::*;

const RECEIVER: &str = r#"
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
fn receiving(name: &str) -> Fixture {
    let f = fixture(name, &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    std::fs::write(f.dir.join("nhan.toml"), RECEIVER).unwrap();
    stdout(f.cmd().arg("import").arg(f.dir.join("nhan.toml")));
    f
}

fn add(f: &Fixture, files: &[&Path], extra: &[&str]) -> std::process::Output {
    run(f
        .cmd()
        .args(["incoming", "add", "--agency", "ubnd-lac-son"])
        .args(extra)
        .args(files))
}

fn numbers(db: &Path) -> Vec<i64> {
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
fn rendered(f: &Fixture) -> PathBuf {
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
        text.contains("cần kiểm tra: số, ký hiệu, ngày tháng văn bản, tên loại và trích yếu")
            && text.contains(": ? ngày ? — Ủy ban nhân dân tỉnh Hòa Bình"),
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
    // Eight different files (a comment after the end changes the hash, not the PDF).
    let files: Vec<PathBuf> = (0..8)
        .map(|i| {
            let p = f.dir.join(format!("den-{i}.pdf"));
            let mut b = base.clone();
            b.extend_from_slice(format!("\n% {i}\n").as_bytes());
            std::fs::write(&p, b).unwrap();
            p
        })
        .collect();
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

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
