//! Electronic copies (SAO Y, issue 34 step 7) on the real binary: a huyện forwards the
//! province's signed dispatch to its communes as a copy signed with its own key, the
//! copy mark at the top right of page 1, numbered in its copy series, verified by
//! vanthu and pyHanko, and e-mailed like any issued document; what may not be copied
//! is refused with nothing stored.

use std::path::Path;

use crate::common::layout::measure;
use crate::common::mail::read_messages;
use crate::common::sign::*;
use crate::common::*;
use crate::incoming::{RECEIVER, add, find, rendered};

/// Two communes of the huyện (incoming.rs's RECEIVER), with mailboxes.
const COMMUNES: &str = r#"
[[agencies]]
id = "xa-an-nghia"
name = ["Ủy ban nhân dân", "xã Ân Nghĩa"]
parent = "ubnd-lac-son"
level = "commune"
place = "Lạc Sơn"
abbreviation = "UBND"
short_name = "UBND xã Ân Nghĩa"
email = "vanthu@annghia.vanthu.example"

[[agencies]]
id = "xa-tan-lap"
name = ["Ủy ban nhân dân", "xã Tân Lập"]
parent = "ubnd-lac-son"
level = "commune"
place = "Lạc Sơn"
abbreviation = "UBND"
short_name = "UBND xã Tân Lập"
email = "vanthu@tanlap.vanthu.example"
"#;

/// The signing fixture, with the huyện (its own agency key) and two communes.
fn huyen(name: &str) -> Fixture {
    let f = fixture(
        name,
        &[
            (AGENCY, "agency.p12"),
            (PERSON, "signer.p12"),
            ("agency = \"ubnd-lac-son\"", "agency.p12"),
        ],
    );
    std::fs::write(f.dir.join("huyen.toml"), format!("{RECEIVER}{COMMUNES}")).unwrap();
    stdout(f.cmd().arg("import").arg(f.dir.join("huyen.toml")));
    f
}

fn copy(f: &Fixture, number: &str, to: &[&str]) -> std::process::Output {
    let mut c = f.cmd();
    c.args([
        "incoming",
        "copy",
        number,
        "--agency",
        "ubnd-lac-son",
        "--year",
        "2026",
    ]);
    for t in to {
        c.args(["--to", t]);
    }
    run(&mut c)
}

fn copy_numbers(db: &Path) -> Vec<(i64, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare(
            "SELECT number, number_symbol FROM documents
             WHERE issuer = 'ubnd-lac-son' AND series = 'copy' ORDER BY number",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_signed_dispatch_is_forwarded_as_a_signed_copy_and_mailed() {
    let f = huyen("copy");
    let (number, signed) = f.issue_signed();
    assert!(printed(&add(&f, &[&signed], &[])).contains("Số đến 1 ("));

    // Copied for two communes, one by id and one by its printed name.
    let o = copy(&f, "1", &["xa-an-nghia", "UBND xã Tân Lập"]);
    let text = printed(&o);
    assert!(o.status.success(), "{text}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "01/BSY-UBND");
    assert!(
        text.contains("gửi: UBND xã Ân Nghĩa; UBND xã Tân Lập"),
        "{text}"
    );

    // The copy: one signature, the huyện's, valid for vanthu and for pyHanko.
    let pdf = f.stored_pdf("01/BSY-UBND");
    let o = run(f.cmd().arg("verify").arg("--json").arg(&pdf));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{}", printed(&o));
    let sigs = report["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 1, "{report}");
    let signed_at = sigs[0]["signed_at"].as_str().unwrap().to_string();
    let (valid, said) = pyhanko_validate(&pdf, &ca().join("root.pem"));
    assert!(valid, "{said}");
    assert!(
        said.contains("The signature covers the entire file."),
        "{said}"
    );

    // Every page of the original at its size, and the mark at the top right of page 1:
    // the form, the copying agency, the signing time (ISO 8601, +07:00), 10 pt.
    let original = measure(&signed);
    let pages = measure(&pdf);
    assert_eq!(pages.len(), original.len());
    for (c, o) in pages.iter().zip(&original) {
        assert!((c.width - o.width).abs() < 0.5 && (c.height - o.height).abs() < 0.5);
    }
    let first = &pages[0];
    let line = |text: &str| {
        first
            .lines
            .iter()
            .find(|l| l.text.contains(text))
            .unwrap_or_else(|| panic!("no line {text:?} on page 1: {:#?}", first.lines))
    };
    let form = line("SAO Y");
    let agency = line("Ủy ban nhân dân huyện Lạc Sơn");
    let time = line("+07:00");
    assert_eq!(
        time.text.trim(),
        signed_at,
        "the time shown is the signing time"
    );
    for l in [form, agency, time] {
        assert!((l.size - 10.0).abs() < 0.2, "{l:?}");
        assert!(l.x1 > first.width * 0.75, "right half: {l:?}");
        assert!(l.top < 40.0, "top of the page: {l:?}");
    }
    assert!(form.top < agency.top && agency.top < time.top);
    // The original's words are still there (a page of the original, not a picture of it).
    let words = |p: &crate::common::layout::Page| {
        p.lines
            .iter()
            .map(|l| l.text.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(words(first).contains("đôn đốc báo cáo"), "{}", words(first));
    assert!(words(first).contains(&number), "{}", words(first));

    // In the register: the copy series, the documents' own numbering untouched, sound.
    let listed = stdout(f.cmd().args(["register", "list", "--year", "2026"]));
    assert!(listed.contains("01/BSY-UBND"), "{listed}");
    let o = run(f.cmd().args(["register", "verify"]));
    assert!(o.status.success(), "{}", printed(&o));

    // A second copy of the same entry for one commune: the next copy number.
    let o = copy(&f, "1", &["xa-tan-lap"]);
    assert!(o.status.success(), "{}", printed(&o));
    assert_eq!(
        copy_numbers(&f.db),
        vec![
            (1, "01/BSY-UBND".to_string()),
            (2, "02/BSY-UBND".to_string())
        ]
    );

    // Sent like any document: one message per commune, the signed copy attached alone.
    let outbox = f.dir.join("thu-di");
    let o = run(f
        .cmd()
        .args([
            "send",
            "01/BSY-UBND",
            "--year",
            "2026",
            "--issuer",
            "ubnd-lac-son",
        ])
        .env("VANTHU_MAIL_FOLDER", &outbox)
        .env("VANTHU_MAIL_FROM", "vanthu@lacson.vanthu.example"));
    assert!(o.status.success(), "{}", printed(&o));
    let messages = read_messages(&outbox);
    assert_eq!(messages.len(), 2, "{messages:#?}");
    let stored = vanthu::store::register::sha256_hex(&std::fs::read(&pdf).unwrap());
    for mailbox in [
        "vanthu@annghia.vanthu.example",
        "vanthu@tanlap.vanthu.example",
    ] {
        assert_eq!(
            messages
                .iter()
                .filter(|m| m["to"].as_str().unwrap().contains(mailbox))
                .count(),
            1,
            "{mailbox}: {messages:#?}"
        );
    }
    for m in &messages {
        let attachments = m["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 1, "{m:#}");
        assert_eq!(
            attachments[0]["filename"], "Bản sao y 01-BSY-UBND.pdf",
            "{m:#}"
        );
        assert_eq!(attachments[0]["sha256"], stored.as_str(), "{m:#}");
        assert!(
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("[01/BSY-UBND] Sao y "),
            "{m:#}"
        );
        assert!(
            m["text"].as_str().unwrap().contains("Bản sao y điện tử"),
            "{m:#}"
        );
    }
}

#[test]
fn what_is_no_original_or_goes_nowhere_is_not_copied() {
    let f = huyen("copy-refused");
    let (_, signed) = f.issue_signed();
    assert!(printed(&add(&f, &[&signed], &[])).contains("Số đến 1 ("));
    // Changed after signing, and an unsigned file that came by other means than a scan.
    let mut bytes = std::fs::read(&signed).unwrap();
    let at = find(&bytes, b"/Title").unwrap();
    bytes[at + 1] = b'X';
    let changed = f.dir.join("da-sua.pdf");
    std::fs::write(&changed, &bytes).unwrap();
    assert!(printed(&add(&f, &[&changed], &[])).contains("Số đến 2 ("));
    let unsigned = rendered(&f);
    assert!(printed(&add(&f, &[&unsigned], &[])).contains("Số đến 3 ("));

    let before = dump(&f.db);
    for (number, to, said) in [
        (
            "2",
            "xa-an-nghia",
            "văn bản đến số 2 có chữ ký số không hợp lệ",
        ),
        (
            "3",
            "xa-an-nghia",
            "văn bản đến số 3 không có chữ ký số và không phải bản giấy được quét",
        ),
        (
            "1",
            "UBND xã Không Có",
            "không tìm thấy nơi nhận trong dữ liệu: UBND xã Không Có",
        ),
        ("9", "xa-an-nghia", "không có văn bản đến số 9 năm 2026"),
        ("1", "xa-an-nghia\u{202e}", "--to"),
    ] {
        let o = copy(&f, number, &[to]);
        assert!(!o.status.success(), "{number} {to}");
        assert!(printed(&o).contains(said), "{number} {to}: {}", printed(&o));
    }
    assert_eq!(dump(&f.db), before, "a refused copy stores nothing");

    // A paper original scanned to PDF may be copied.
    let scan = f.dir.join("ban-quet.pdf");
    let mut scanned = std::fs::read(&unsigned).unwrap();
    scanned.extend_from_slice(b"\n% scan\n");
    std::fs::write(&scan, scanned).unwrap();
    assert!(printed(&add(&f, &[&scan], &["--scan"])).contains("Số đến 4 ("));
    let o = copy(&f, "4", &["xa-an-nghia"]);
    assert!(o.status.success(), "{}", printed(&o));
    assert_eq!(copy_numbers(&f.db), vec![(1, "01/BSY-UBND".to_string())]);
}
