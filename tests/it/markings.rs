//! The other markings of Phụ lục I mục III: secrecy (ô 10a) and urgency (ô 10b)
//! stamps at their sizes in bright red, circulation (ô 11), the drafter's mark (ô 12),
//! the address line (ô 13); a secret document is never e-mailed (CLI and web); urgent
//! documents are delivered first.

use crate::common;

use std::path::{Path, PathBuf};

use crate::common::server::Server;
use crate::common::*;
use serde_json::{Value, json};

/// The Lục Nam draft of the repository with the markings added.
fn marked_letter(dir: &Path, secrecy: Option<&str>, urgency: Option<&str>) -> PathBuf {
    let base =
        std::fs::read_to_string(root().join("letters/drafts/luc-nam-cong-van.toml")).unwrap();
    let mut marks = String::new();
    if let Some(s) = secrecy {
        marks.push_str(&format!("secrecy = \"{s}\"\n"));
    }
    if let Some(u) = urgency {
        marks.push_str(&format!("urgency = \"{u}\"\n"));
    }
    marks.push_str(
        "circulation = \"lưu hành nội bộ\"\ndrafter = \"tvh\"\ncopies = 12\n\
         address = [\"Thị trấn Đồi Ngô, huyện Lục Nam · ĐT: 0204 3884 000\", \"E-mail: ubnd@lucnam.vanthu.example\"]\n",
    );
    let text = base.replacen(
        "kind = \"công văn\"\n",
        &format!("kind = \"công văn\"\n{marks}"),
        1,
    );
    let path = dir.join(format!(
        "thu-{}.toml",
        secrecy.or(urgency).unwrap_or("thuong").replace(' ', "-")
    ));
    std::fs::write(&path, text).unwrap();
    path
}

/// The framed rectangles of page 1 (width, height in mm, stroke colour) and the colour
/// of each word, as pdfplumber reads them.
fn measured(pdf: &Path) -> Value {
    let python = common::layout::python();
    let script = "import json, sys, pdfplumber\n\
        p = pdfplumber.open(sys.argv[1]).pages[0]\n\
        mm = lambda v: round(v * 25.4 / 72, 1)\n\
        rects = [[mm(r['width']), mm(r['height']), list(r.get('stroking_color') or [])] for r in p.rects]\n\
        words = {w['text']: list(w['non_stroking_color'] or []) for w in p.extract_words(extra_attrs=['non_stroking_color'])}\n\
        print(json.dumps({'rects': rects, 'words': words, 'height': mm(p.height)}))";
    let out = stdout(
        std::process::Command::new(python)
            .args(["-c", script])
            .arg(pdf),
    );
    serde_json::from_str(&out).unwrap()
}

#[test]
fn stamps_are_drawn_at_their_sizes_in_red_with_the_other_markings() {
    let dir = tempfile::tempdir().unwrap();
    for (secrecy, urgency, frames) in [
        ("mật", "hỏa tốc", [20.0, 30.0]),
        ("tuyệt mật", "khẩn", [40.0, 20.0]),
        ("tối mật", "thượng khẩn", [30.0, 40.0]),
    ] {
        let letter = marked_letter(dir.path(), Some(secrecy), Some(urgency));
        let out = dir.path().join(secrecy.replace(' ', "-"));
        stdout(vanthu().arg("render").arg(&letter).arg("--out").arg(&out));
        let pdf = out.join(letter.with_extension("pdf").file_name().unwrap());
        let m = measured(&pdf);
        let red: Vec<(f64, f64)> = m["rects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r[2] == json!([1.0, 0.0, 0.0]))
            .map(|r| (r[0].as_f64().unwrap(), r[1].as_f64().unwrap()))
            .collect();
        assert_eq!(
            red,
            vec![(frames[0], 8.0), (frames[1], 8.0)],
            "{secrecy}/{urgency}: {m}"
        );
        let text = normalize(&stdout(
            std::process::Command::new("pdftotext").arg(&pdf).arg("-"),
        ));
        let secrecy_label = secrecy.to_uppercase();
        assert!(text.contains(&secrecy_label), "{text}");
        let first_word = secrecy_label.split(' ').next().unwrap();
        assert_eq!(
            m["words"][first_word],
            json!([1.0, 0.0, 0.0]),
            "the stamp's text is red"
        );
        for line in [
            "LƯU HÀNH NỘI BỘ",
            "TVH.12",
            "E-mail: ubnd@lucnam.vanthu.example",
        ] {
            assert!(text.contains(line), "{line}: {text}");
        }
    }
    // The same in the DOCX: red framed stamps, the frame, the mark, page 1's footer.
    let letter = marked_letter(dir.path(), Some("mật"), Some("khẩn"));
    let out = dir.path().join("docx");
    stdout(vanthu().arg("render").arg(&letter).arg("--out").arg(&out));
    let docx = out.join(letter.with_extension("docx").file_name().unwrap());
    let document = docx_part(&docx, "word/document.xml");
    assert_eq!(
        document.matches("w:color w:val=\"FF0000\"").count(),
        2,
        "two red stamps"
    );
    assert!(document.contains("LƯU HÀNH NỘI BỘ") && document.contains("TVH.12"));
    let footers: String = docx_parts(&docx)
        .iter()
        .filter(|p| p.starts_with("word/footer"))
        .map(|p| docx_part(&docx, p))
        .collect();
    assert!(
        footers.contains("E-mail: ubnd@lucnam.vanthu.example"),
        "{footers}"
    );
    assert!(document.contains("w:titlePg"), "the footer is page 1's");
}

#[test]
fn bad_markings_are_refused_with_their_field() {
    let (_d, letter) = letter_file(
        "sai.toml",
        &std::fs::read_to_string(root().join("letters/drafts/luc-nam-cong-van.toml"))
            .unwrap()
            .replacen(
                "kind = \"công văn\"\n",
                "kind = \"công văn\"\nsecrecy = \"bí mật\"\ncirculation = \"đọc xong đốt\"\ndrafter = \"T.V.H\"\n",
                1,
            ),
    );
    let o = run(vanthu().arg("check").arg(&letter));
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    for want in [
        "secrecy: độ mật \"bí mật\" không hợp lệ",
        "circulation: chỉ dẫn lưu hành \"đọc xong đốt\" không hợp lệ",
        "drafter: chữ viết tắt tên người soạn thảo \"T.V.H\" không hợp lệ",
    ] {
        assert!(e.contains(want), "{want}: {e}");
    }
}

#[test]
fn a_secret_document_is_never_emailed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let letter = marked_letter(dir.path(), Some("tối mật"), None);
    let number = stdout(
        cli(dir.path(), &db)
            .arg("issue")
            .arg(&letter)
            .args(["--date", "2021-03-15"]),
    );
    let number = number.trim();
    let send = |extra: &[&str]| {
        run(cli(dir.path(), &db)
            .args(["send", number, "--year", "2021"])
            .args(extra))
    };
    let before = dump(&db);
    let o = send(&[]);
    assert!(!o.status.success(), "a secret document was sent");
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("mang dấu độ mật \"TỐI MẬT\"") && e.contains("hãy chuyển bản giấy"),
        "{e}"
    );
    assert_eq!(dump(&db), before, "nothing queued");
    assert!(!dir.path().join("thu-di").exists(), "no message written");
    // The plan shows every recipient on paper.
    let plan = stdout(cli(dir.path(), &db).args(["send", number, "--year", "2021", "--dry-run"]));
    assert!(plan.contains("văn bản TỐI MẬT: chỉ gửi bản giấy"), "{plan}");
    assert!(!plan.contains('@'), "no mailbox in the plan: {plan}");
}

#[test]
fn the_web_send_button_refuses_a_secret_document() {
    let s = Server::start();
    let fields = json!({
        "kind": "công văn", "issuer": "snn-bac-giang", "signer": "duong-thanh-tung",
        "date": "2026-12-04", "secrecy": "mật",
        "subject": "V/v báo cáo tình hình\nChương trình OCOP năm 2026",
        "addressees": "UBND các huyện, thành phố", "body": "Đề nghị báo cáo./.",
        "recipients": "Như trên;\nLưu: VT, PTNT.",
    });
    let (status, d) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "letter", "fields": fields})),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    for (login, action) in [("cv", "submit"), ("ld", "approve"), ("vt", "issue")] {
        let body = (action == "issue").then(|| json!({"confirm": true}));
        let (status, v) = s.api(Some(login), "POST", &format!("/drafts/{id}/{action}"), body);
        assert_eq!(status, 200, "{action}: {v}");
    }
    let (status, refused) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/send"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "secret_document", "{refused}");
    let (cookie, csrf) = s.session("vt");
    // The draft page offers no send button, and says where the paper is handled.
    let (_, page) = s.page(&cookie, &format!("/drafts/{id}"));
    assert!(
        page.contains("id=\"secret\"") && page.contains("không gửi qua thư điện tử"),
        "{page}"
    );
    assert!(
        !page.contains(&format!("action=\"/drafts/{id}/send\"")),
        "{page}"
    );
    // A forged post is refused all the same.
    let (status, page) = s.post_form(
        &cookie,
        &format!("/drafts/{id}/send"),
        &format!("csrf={csrf}&confirm=yes"),
    );
    assert_eq!(status, 409, "{page}");
    assert!(
        page.contains("văn bản mật không được gửi qua thư điện tử"),
        "{page}"
    );
    let (_, d) = s.api(Some("vt"), "GET", &format!("/drafts/{id}"), None);
    let doc = d["document_id"].as_i64().unwrap();
    let (_, deliveries) = s.api(
        Some("vt"),
        "GET",
        &format!("/documents/{doc}/deliveries"),
        None,
    );
    assert_eq!(deliveries["deliveries"], json!([]), "nothing queued");
}

#[test]
fn urgent_documents_are_delivered_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    // An ordinary letter queued first, then a HỎA TỐC one.
    let plain = root().join("letters/drafts/luc-nam-cong-van.toml");
    let urgent = marked_letter(dir.path(), None, Some("hỏa tốc"));
    let mut numbers = vec![];
    for letter in [&plain, &urgent] {
        let n = stdout(
            cli(dir.path(), &db)
                .arg("issue")
                .arg(letter)
                .args(["--date", "2021-03-15"]),
        );
        numbers.push(n.trim().to_string());
        stdout(cli(dir.path(), &db).args(["send", n.trim(), "--year", "2021", "--no-wait"]));
    }
    let store = vanthu::store::Store::open(&db).unwrap();
    let claimed = vanthu::mail::outbox::claim(
        store.conn(),
        std::time::Duration::from_secs(60),
        100,
        None,
        "test",
    )
    .unwrap();
    assert!(claimed.len() >= 2, "{claimed:?}");
    let urgent_doc: i64 = store
        .conn()
        .query_row(
            "SELECT id FROM documents WHERE number_symbol = ?1",
            [&numbers[1]],
            |r| r.get(0),
        )
        .unwrap();
    let first_plain = claimed
        .iter()
        .position(|c| c.document_id != urgent_doc)
        .unwrap();
    assert!(
        claimed[..first_plain]
            .iter()
            .all(|c| c.document_id == urgent_doc)
            && first_plain > 0,
        "the HỎA TỐC messages come before the others: {claimed:?}"
    );
}

#[test]
fn the_composer_sets_every_marking() {
    let s = Server::start();
    let mut fields = json!({
        "kind": "công văn", "issuer": "snn-bac-giang", "signer": "duong-thanh-tung",
        "date": "2026-12-04", "urgency": "thượng khẩn", "circulation": "lưu hành nội bộ",
        "drafter": "tvh", "copies": "bảy",
        "address": "Số 1 đường Hùng Vương, TP Bắc Giang\nĐT: 0204 3854 000",
        "subject": "V/v báo cáo tình hình\nChương trình OCOP năm 2026",
        "addressees": "UBND các huyện, thành phố", "body": "Đề nghị báo cáo./.",
        "recipients": "Như trên;\nLưu: VT, PTNT.",
    });
    // A count that is not a number is refused under its field, nothing stored.
    let (status, refused) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "letter", "fields": fields})),
    );
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["field"], "fields.drafter", "{refused}");
    assert!(
        refused
            .to_string()
            .contains("số lượng bản \\\"bảy\\\" không phải số"),
        "{refused}"
    );
    fields["copies"] = json!("7");
    let (status, d) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "letter", "fields": fields})),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    let pdf = s.get_bytes("cv", &format!("/drafts/{id}/preview.pdf"));
    let path = s.dir.path().join("xem.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = normalize(&stdout(
        std::process::Command::new("pdftotext").arg(&path).arg("-"),
    ));
    for want in [
        "THƯỢNG KHẨN",
        "LƯU HÀNH NỘI BỘ",
        "TVH.07",
        "ĐT: 0204 3854 000",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}
