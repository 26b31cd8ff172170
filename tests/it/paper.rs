//! Paper copies ("gửi bản giấy"): the recipients of a secret document all on paper, the
//! day each copy left recorded by the clerk (delivery table, register book), the Sổ gửi
//! văn bản đi bưu điện and the envelopes (DL 220 × 110 mm).

use crate::common;

use std::path::{Path, PathBuf};

use crate::common::server::Server;
use crate::common::*;
use serde_json::json;

/// The demo database with a TỐI MẬT công văn of UBND huyện Lục Nam issued (01/UBND-NN).
fn secret_issued(dir: &Path) -> PathBuf {
    let db = demo_db(dir);
    let letter = std::fs::read_to_string(root().join("letters/drafts/luc-nam-cong-van.toml"))
        .unwrap()
        .replacen(
            "kind = \"công văn\"\n",
            "kind = \"công văn\"\nsecrecy = \"tối mật\"\n",
            1,
        );
    let path = dir.join("mat.toml");
    std::fs::write(&path, letter).unwrap();
    let n = stdout(
        cli(dir, &db)
            .arg("issue")
            .arg(&path)
            .args(["--date", "2021-03-15"]),
    );
    assert_eq!(n.trim(), "01/UBND-NN");
    db
}

fn pdf_pages(pdf: &Path) -> Vec<String> {
    let info = stdout(std::process::Command::new("pdfinfo").arg(pdf));
    let n: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (1..=n)
        .map(|p| {
            normalize(&stdout(
                std::process::Command::new("pdftotext")
                    .args(["-f", &p.to_string(), "-l", &p.to_string()])
                    .arg(pdf)
                    .arg("-"),
            ))
        })
        .collect()
}

#[test]
fn paper_copies_are_recorded_listed_in_the_postal_book_and_get_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    let db = secret_issued(dir.path());
    let paper = |args: &[&str]| {
        run(cli(dir.path(), &db)
            .args(["paper", "01/UBND-NN", "--year", "2021"])
            .args(args))
    };
    // Every recipient of the secret document is on paper, none sent yet.
    let list = printed(&paper(&["list"]));
    assert!(
        list.contains("UBND xã Trường Sơn\tchưa chuyển\t(văn bản TỐI MẬT: chỉ gửi bản giấy)"),
        "{list}"
    );
    let recipients = list.lines().count();
    assert!(recipients >= 4, "{list}");

    // The clerk records two copies; wrong recipients and dates are refused unchanged.
    let before = dump(&db);
    for (args, want) in [
        (
            vec![
                "sent",
                "--recipient",
                "UBND xã Không Có",
                "--on",
                "2021-03-16",
            ],
            "không phải nơi nhận bản giấy",
        ),
        (
            vec![
                "sent",
                "--recipient",
                "UBND xã Trường Sơn",
                "--on",
                "2021-03-14",
            ],
            "ngày chuyển 14/03/2021 trước ngày văn bản 15/03/2021",
        ),
        (
            vec![
                "sent",
                "--recipient",
                "UBND xã Trường Sơn",
                "--on",
                "2021-03-16",
                "--envelopes",
                "0",
            ],
            "số lượng bì 0 không hợp lệ",
        ),
    ] {
        let o = paper(&args);
        assert!(!o.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(want),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(dump(&db), before, "refusals change nothing");
    let o = paper(&[
        "sent",
        "--recipient",
        "ubnd xã trường sơn",
        "--on",
        "16/03/2021",
        "--envelopes",
        "2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = paper(&[
        "sent",
        "--recipient",
        "UBND xã Bảo Sơn",
        "--on",
        "2021-03-17",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = printed(&paper(&["list"]));
    assert!(
        list.contains("UBND xã Trường Sơn\tđã chuyển ngày 16/03/2021, 2 bì"),
        "{list}"
    );

    // The delivery table and the register book show it.
    let shown = stdout(cli(dir.path(), &db).args(["deliveries", "01/UBND-NN", "--year", "2021"]));
    assert!(
        shown.contains("đã chuyển bản giấy ngày 16/03/2021"),
        "{shown}"
    );
    let store = vanthu::store::Store::open(&db).unwrap();
    let book = vanthu::books::outgoing(&store, "ubnd-luc-nam", 2021).unwrap();
    assert_eq!(
        book.rows[0].sent_on.as_deref(),
        Some("16/03/2021"),
        "the first copy's day"
    );
    drop(store);

    // The postal book: its 6 columns, one line per copy sent, by day.
    let out = dir.path().join("so");
    stdout(
        cli(dir.path(), &db)
            .args([
                "register",
                "postal",
                "--issuer",
                "ubnd-luc-nam",
                "--year",
                "2021",
                "--out",
            ])
            .arg(&out),
    );
    let pages = pdf_pages(&out.join("so-buu-dien-ubnd-luc-nam-2021.pdf"));
    assert!(
        pages[0].contains("SỔ GỬI VĂN BẢN ĐI BƯU ĐIỆN") && pages[0].contains("Năm: 2021"),
        "{}",
        pages[0]
    );
    let table = &pages[1];
    for heading in vanthu::books::paper::POSTAL_COLUMNS {
        for word in heading.split_whitespace() {
            assert!(table.contains(word), "{heading}: {table}");
        }
    }
    let truong_son = table.find("UBND xã Trường Sơn").expect(table);
    let bao_son = table.find("UBND xã Bảo Sơn").expect(table);
    assert!(truong_son < bao_son, "by day: {table}");
    assert_eq!(table.matches("01/UBND-NN").count(), 2, "{table}");
    assert!(
        table.contains("TỐI MẬT") && table.contains("16/03/2021"),
        "{table}"
    );

    // The envelopes: DL, one page per paper recipient, sender, number, recipient, mark.
    let o = paper(&["envelopes", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let envelopes = out.join("bi-01-UBND-NN-2021.pdf");
    let info = stdout(std::process::Command::new("pdfinfo").arg(&envelopes));
    assert!(
        info.contains("623.622 x 311.811 pts"),
        "DL 220 × 110 mm: {info}"
    );
    let pages = pdf_pages(&envelopes);
    assert_eq!(pages.len(), recipients, "one envelope per paper recipient");
    for page in &pages {
        for part in [
            "ỦY BAN NHÂN DÂN",
            "HUYỆN LỤC NAM",
            "Số: 01/UBND-NN",
            "TỐI MẬT",
            "Kính gửi:",
        ] {
            assert!(page.contains(part), "{part}: {page}");
        }
    }
    assert!(pages.iter().any(|p| p.contains("UBND xã Trường Sơn")));
}

#[test]
fn paper_copies_over_the_api_and_the_document_page() {
    // A secret letter of UBND huyện Lục Nam, handled by its own drafter and clerk.
    let s = Server::start()
        .with_user("cv-ln", "drafter", "ubnd-luc-nam", None)
        .with_user("vt-ln", "clerk", "ubnd-luc-nam", None);
    let letter = std::fs::read_to_string(root().join("letters/drafts/luc-nam-cong-van.toml"))
        .unwrap()
        .replacen(
            "kind = \"công văn\"\n",
            "kind = \"công văn\"\nsecrecy = \"mật\"\n",
            1,
        );
    let path = s.dir.path().join("mat.toml");
    std::fs::write(&path, letter).unwrap();
    stdout(
        vanthu()
            .arg("--db")
            .arg(&s.db)
            .arg("issue")
            .arg(&path)
            .args(["--date", "2021-03-15"]),
    );
    let (_, found) = s.api(Some("vt-ln"), "GET", "/documents?number=01/UBND-NN", None);
    let id = found["documents"][0]["id"].as_i64().unwrap();

    // The Sở's clerk neither reads nor dispatches another agency's copies.
    let (status, e) = s.api(Some("vt"), "GET", &format!("/documents/{id}/paper"), None);
    assert_eq!(
        (status, common::server::error_code(&e)),
        (403, "other_agency"),
        "{e}"
    );
    let (status, e) = s.api(
        Some("vt"),
        "POST",
        &format!("/documents/{id}/paper"),
        Some(json!({"recipient": "UBND xã Trường Sơn", "sent_on": "2021-03-16"})),
    );
    assert_eq!(status, 403, "{e}");
    let (status, list) = s.api(
        Some("cv-ln"),
        "GET",
        &format!("/documents/{id}/paper"),
        None,
    );
    assert_eq!(status, 200, "{list}");
    assert!(list["paper"].as_array().unwrap().len() >= 4, "{list}");
    let body =
        json!({"recipient": "UBND xã Trường Sơn", "sent_on": "2021-03-16", "envelopes": "1"});
    let (status, refused) = s.api(
        Some("cv-ln"),
        "POST",
        &format!("/documents/{id}/paper"),
        Some(body.clone()),
    );
    assert_eq!(status, 403, "a drafter does not dispatch: {refused}");
    let (status, copy) = s.api(
        Some("vt-ln"),
        "POST",
        &format!("/documents/{id}/paper"),
        Some(body),
    );
    assert_eq!(status, 200, "{copy}");
    assert_eq!(copy["sent_on"], "16/03/2021");
    let (status, bad) = s.api(
        Some("vt-ln"),
        "POST",
        &format!("/documents/{id}/paper"),
        Some(json!({"recipient": "UBND xã Trường Sơn", "sent_on": "hôm qua"})),
    );
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["error"]["field"], "sent_on");
    let envelopes = s.get_bytes("cv-ln", &format!("/documents/{id}/envelopes"));
    assert!(envelopes.starts_with(b"%PDF"));
    let postal = s.get_bytes("cv-ln", "/register/postal?issuer=ubnd-luc-nam&year=2021");
    assert!(postal.starts_with(b"%PDF"));

    let (cookie, csrf) = s.session("vt-ln");
    let (status, page) = s.page(&cookie, &format!("/documents/{id}"));
    assert_eq!(status, 200);
    let page = page.replace("&#x2F;", "/");
    assert!(
        page.contains("In bì văn bản") && page.contains("16/03/2021 (1 bì)"),
        "{page}"
    );
    let (status, page) = s.post_form(
        &cookie,
        &format!("/documents/{id}/paper"),
        &format!(
            "csrf={csrf}&recipient=UBND+x%C3%A3+B%E1%BA%A3o+S%C6%A1n&sent_on=2021-03-18&envelopes=1"
        ),
    );
    assert_eq!(status, 200, "{page}");
    let page = page.replace("&#x2F;", "/");
    assert!(
        page.contains("Đã ghi: bản giấy gửi UBND xã Bảo Sơn chuyển ngày 18/03/2021."),
        "{page}"
    );
    let (_, register) = s.page(&cookie, "/register");
    assert!(register.contains("Sổ gửi bưu điện"), "{register}");
}

#[test]
fn the_readme_paper_commands_run_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    stdout(
        cli(dir.path(), &db)
            .arg("issue")
            .arg(root().join("letters/drafts/luc-nam-cong-van.toml"))
            .args(["--date", "2021-03-15"]),
    );
    let out = bash(&readme_block("### Paper copies"), dir.path(), &db, "");
    assert!(
        out.contains("UBND xã Huyền Sơn\tđã chuyển ngày 16/03/2021, 2 bì"),
        "{out}"
    );
    for f in [
        "so/bi-01-UBND-NN-2021.pdf",
        "so/so-buu-dien-ubnd-luc-nam-2021.pdf",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
}
