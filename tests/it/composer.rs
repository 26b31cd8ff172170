//! The composer over HTTP: the real `vanthu serve`, a blocking client. A form previewed
//! as page images, uploads of letter files and Word drafts (vanthu's own and
//! LibreOffice's), OCOP drafts made editable, saved templates and the OCOP forms.

use crate::common;

use std::process::Command;

use crate::common::server::{Server, error_code};
use crate::common::{root, run, stdout, vanthu};
use base64::Engine as _;
use serde_json::{Value, json};

/// A free công văn as the composer's form holds it.
fn letter_fields(body: &str) -> Value {
    json!({
        "kind": "công văn",
        "issuer": "snn-bac-giang",
        "signer": "duong-thanh-tung",
        "date": "2026-12-04",
        "subject": "V/v báo cáo kết quả thực hiện\nChương trình OCOP năm 2026",
        "addressees": "UBND các huyện, thành phố",
        "body": body,
        "recipients": "Như trên;\nLưu: VT, PTNT.",
    })
}

/// The width and height of a `data:image/png;base64,` page.
fn png_size(data_url: &str) -> (u32, u32) {
    let b64 = data_url
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URL");
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let be = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// The lines of the PDF at `path` under /api/v1 as `login` reads it, as pdftotext reads
/// them.
fn pdf_text(s: &Server, login: &str, path: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.pdf");
    std::fs::write(&file, s.get_bytes(login, path)).unwrap();
    common::pdf_lines(&file)
}

/// Draft `id` submitted by `cv`, approved by `ld`, issued by `vt`: its PDF's lines.
fn issued_lines(s: &Server, id: i64) -> Vec<String> {
    for (login, action) in [("cv", "submit"), ("ld", "approve"), ("vt", "issue")] {
        let body = (action == "issue").then(|| json!({"confirm": true}));
        let (status, v) = s.api(Some(login), "POST", &format!("/drafts/{id}/{action}"), body);
        assert_eq!(status, 200, "{action}: {v}");
    }
    let (_, d) = s.api(Some("vt"), "GET", &format!("/drafts/{id}"), None);
    let doc = d["document_id"].as_i64().expect("issued");
    pdf_text(s, "vt", &format!("/documents/{doc}/pdf"))
}

/// A body of `n` numbered paragraphs.
fn paragraphs(n: usize) -> String {
    (1..=n)
        .map(|i| format!("{i}. Đề nghị các đơn vị báo cáo kết quả thực hiện nhiệm vụ số {i} của Kế hoạch năm 2026, nêu rõ khó khăn, vướng mắc và đề xuất giải pháp tháo gỡ trong thời gian tới."))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn a_form_previews_as_page_images_and_a_problem_lands_on_its_field() {
    let s = Server::start();
    let (status, shown) = s.api(
        Some("cv"),
        "POST",
        "/drafts/preview",
        Some(json!({"template": "letter", "fields": letter_fields(&paragraphs(40))})),
    );
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["ok"], true, "{shown}");
    let pages = shown["pages"].as_array().unwrap();
    assert!(pages.len() >= 3, "40 paragraphs fill 3 pages at least");
    assert_eq!(shown["page_count"].as_u64(), Some(pages.len() as u64));
    for p in pages {
        let (w, h) = png_size(p.as_str().unwrap());
        // An A4 page: 210 × 297 mm.
        assert!(w >= 800, "{w}");
        assert!(
            (h as f64 / w as f64 - 297.0 / 210.0).abs() < 0.01,
            "{w}×{h}"
        );
    }
    // The same text longer is one page longer at most; shorter, fewer pages.
    let (_, short) = s.api(
        Some("cv"),
        "POST",
        "/drafts/preview",
        Some(json!({"template": "letter", "fields": letter_fields("Đề nghị báo cáo./.")})),
    );
    assert_eq!(short["page_count"], 1, "{}", short["errors"]);

    // Nơi nhận missing, then a broken body: each problem under its field, the page a
    // sketch at most.
    let problems = |fields: Value| {
        let (status, shown) = s.api(
            Some("cv"),
            "POST",
            "/drafts/preview",
            Some(json!({"template": "letter", "fields": fields})),
        );
        assert_eq!(status, 200, "{shown}");
        // Drawn as a sketch at most, never as a finished page.
        assert!(shown["ok"] == false || shown["sketch"] == true, "{shown}");
        shown["errors"].as_array().unwrap().clone()
    };
    let on = |errors: &[Value], field: &str| {
        errors
            .iter()
            .filter(|e| e["field"] == field)
            .map(|e| e["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let mut fields = letter_fields("Đề nghị báo cáo./.");
    fields["recipients"] = json!("");
    let errors = problems(fields);
    assert!(!on(&errors, "recipients").is_empty(), "{errors:?}");
    let errors = problems(letter_fields("Đoạn đầu.\n\n![ảnh](anh.png)"));
    assert!(
        on(&errors, "body").iter().any(|m| m.contains("dòng 3")),
        "the body's problem names its line: {errors:?}"
    );
    // A signer of another agency is not offered, and not accepted either.
    let mut fields = letter_fields("Đề nghị báo cáo./.");
    fields["signer"] = json!("doan-ngoc-lam");
    let (_, shown) = s.api(
        Some("cv"),
        "POST",
        "/drafts/preview",
        Some(json!({"template": "letter", "fields": fields})),
    );
    assert!(
        shown["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "signer"),
        "{shown}"
    );
    // Unknown form: a 4xx, not a preview.
    let (status, e) = s.api(
        Some("cv"),
        "POST",
        "/drafts/preview",
        Some(json!({"template": "thu-tinh", "fields": {}})),
    );
    assert!((400..500).contains(&status), "{status} {e}");
    // Anonymous callers get nothing.
    let (status, _) = s.api(
        None,
        "POST",
        "/drafts/preview",
        Some(json!({"template": "letter"})),
    );
    assert_eq!(status, 401);
}

#[test]
fn a_composed_letter_goes_from_draft_to_the_register() {
    let s = Server::start();
    let (status, d) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "letter", "fields": letter_fields(
            "Đề nghị các đơn vị báo cáo **trước ngày 15/12/2026**.\n\n| TT | Nội dung | Thời hạn |\n|---|---|---|\n| 1 | Báo cáo năm | 15/12/2026 |"
        )})),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    let (status, pages) = s.api(Some("ld"), "GET", &format!("/drafts/{id}/pages"), None);
    assert_eq!(
        (status, pages["ok"].as_bool()),
        (200, Some(true)),
        "{pages}"
    );
    let text = issued_lines(&s, id).join("\n");
    for want in [
        "Số: 01/SNN-PTNT",
        "V/v báo cáo kết quả thực hiện",
        "Kính gửi: UBND các huyện, thành phố",
        "trước ngày 15/12/2026",
        "Báo cáo năm",
        "Dương Thanh Tùng",
    ] {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
}

#[test]
fn the_page_is_drawn_from_the_first_keystroke_marking_what_is_missing() {
    let s = Server::start();
    // Only a trích yếu typed: the page is a sketch, every missing field named.
    let (status, v) = s.api(
        Some("cv"),
        "POST",
        "/drafts/preview",
        Some(json!({"template": "letter", "fields": {"subject": "V/v báo cáo kết quả"}})),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["sketch"], true, "{v}");
    assert!(!v["pages"].as_array().unwrap().is_empty());
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["kind", "signer", "body", "recipients"] {
        assert!(fields.contains(&f), "{f} not named: {v}");
    }
    // Complete, it is no longer a sketch; nothing of the sketch was stored.
    let (_, v) = s.api(
        Some("cv"),
        "POST",
        "/drafts/preview",
        Some(json!({"template": "letter", "fields": letter_fields("Đề nghị báo cáo.")})),
    );
    assert_eq!(
        (v["ok"].as_bool(), v["sketch"].as_bool()),
        (Some(true), Some(false)),
        "{v}"
    );
    let (_, list) = s.api(Some("cv"), "GET", "/drafts", None);
    assert_eq!(list["drafts"].as_array().map(Vec::len), Some(0), "{list}");
}

#[test]
fn a_body_typed_the_word_way_is_issued_paragraph_for_paragraph() {
    // One Enter between paragraphs, as in Word: the paragraph after the last bullet is
    // a paragraph of its own in the issued PDF, not the end of that bullet.
    let s = Server::start();
    let body = "Thực hiện Kế hoạch năm 2026, Sở đề nghị:\n- Rà soát sản phẩm OCOP hết hạn;\n- Xử lý nghiêm các trường hợp sử dụng nhãn OCOP sai quy định.\nKết quả kiểm tra gửi về Sở trước ngày 15/12/2026.";
    let (status, d) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "letter", "fields": letter_fields(body)})),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    // The draft keeps the lines as typed.
    let (_, got) = s.api(Some("cv"), "GET", &format!("/drafts/{id}"), None);
    assert!(got.to_string().contains("quy định.\\nKết quả"), "{got}");
    let lines = issued_lines(&s, id);
    let text = lines.join("\n");
    assert!(!text.contains("quy định. Kết quả"), "glued:\n{text}");
    for start in ["- Rà soát", "- Xử lý nghiêm", "Kết quả kiểm tra gửi về Sở"] {
        assert!(
            lines.iter().any(|l| l.trim_start().starts_with(start)),
            "no line starts with {start}:\n{text}"
        );
    }
}

#[test]
fn an_ocop_draft_becomes_editable_but_a_decision_keeps_its_template() {
    let s = Server::start().with_user("cv-ln", "drafter", "ubnd-luc-nam", None);
    let id = s.create_reminder();
    let (status, d) = s.api(Some("cv"), "POST", &format!("/drafts/{id}/editable"), None);
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["template"], "letter");
    // The generated text is now the drafter's: subject, addressees and body as fields.
    let body = d["fields"]["body"].as_str().unwrap();
    assert!(
        body.contains("chuyển hồ sơ") || body.contains("hồ sơ"),
        "{body}"
    );
    assert!(
        d["fields"]["subject"].as_str().unwrap().starts_with("V/v"),
        "{d}"
    );
    assert_eq!(d["fields"]["date"], "2020-10-23");
    // Edited and previewed like any composed letter.
    let mut fields = d["fields"].clone();
    fields["body"] = json!(format!("{body}\n\nĐề nghị **khẩn trương** thực hiện./."));
    let (status, u) = s.api(
        Some("cv"),
        "PUT",
        &format!("/drafts/{id}"),
        Some(json!({"fields": fields})),
    );
    assert_eq!(status, 200, "{u}");
    let (_, pages) = s.api(Some("cv"), "GET", &format!("/drafts/{id}/pages"), None);
    assert_eq!(pages["ok"], true, "{pages}");
    // Another user cannot take the draft over.
    let (status, e) = s.api(Some("ld"), "POST", &format!("/drafts/{id}/editable"), None);
    assert!((400..500).contains(&status), "{status} {e}");

    // A decision's articles come from the evaluations: its text stays generated.
    stdout(
        vanthu()
            .arg("--db")
            .arg(&s.db)
            .arg("import")
            .arg(root().join("data/luc-nam-evaluations.toml")),
    );
    let (status, dec) = s.api(
        Some("cv-ln"),
        "POST",
        "/drafts",
        Some(json!({"template": "decision", "fields": {
            "round": "luc-nam-2021-dot-1", "issuer": "ubnd-luc-nam", "date": "2021-07-20"}})),
    );
    assert_eq!(status, 201, "{dec}");
    let dec = dec["id"].as_i64().unwrap();
    let (status, e) = s.api(
        Some("cv-ln"),
        "POST",
        &format!("/drafts/{dec}/editable"),
        None,
    );
    assert_eq!((status, error_code(&e)), (409, "wrong_template"), "{e}");
}

#[test]
fn a_saved_template_asks_for_its_fields_and_a_placeholder_is_not_submitted() {
    let s = Server::start();
    let mut fields = letter_fields("Đề nghị {{ don_vi }} báo cáo trước ngày {{ han }}./.");
    fields["subject"] = json!("V/v báo cáo kết quả thực hiện\nChương trình OCOP năm {{ nam }}");
    let (status, d) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "letter", "fields": fields})),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    // Its placeholders keep it from the signer.
    let (status, e) = s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None);
    assert_eq!(status, 422, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("{{ nam }}"),
        "{e}"
    );
    assert_eq!(s.state_of(id), "draft");

    let (status, t) = s.api(
        Some("cv"),
        "POST",
        &format!("/drafts/{id}/save-template"),
        Some(json!({"title": "Công văn đề nghị báo cáo"})),
    );
    assert_eq!(status, 201, "{t}");
    let tid = t["id"].as_i64().unwrap();
    let (_, list) = s.api(Some("vt"), "GET", "/saved-templates", None);
    let listed = list["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == tid)
        .cloned()
        .expect("listed");
    let names: Vec<_> = listed["placeholders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["nam", "don_vi", "han"], "{listed}");

    // A missing field is named; filled, the draft holds the values as text.
    let (status, e) = s.api(
        Some("cv"),
        "POST",
        &format!("/saved-templates/{tid}/drafts"),
        Some(json!({"fields": {"nam": "2027", "don_vi": "các huyện"}})),
    );
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("fields.han")),
        "{e}"
    );
    let (status, nd) = s.api(
        Some("cv"),
        "POST",
        &format!("/saved-templates/{tid}/drafts"),
        Some(json!({"fields": {"nam": "2027", "don_vi": "các huyện **và** xã", "han": "15/12/2027", "date": "2027-01-05"}})),
    );
    assert_eq!(status, 201, "{nd}");
    assert!(
        nd["fields"]["subject"]
            .as_str()
            .unwrap()
            .ends_with("năm 2027")
    );
    let body = nd["fields"]["body"].as_str().unwrap();
    assert!(body.contains("15/12/2027"), "{body}");
    assert!(
        !body.contains("**và**"),
        "a value is text, not markup: {body}"
    );
    assert_eq!(nd["fields"]["date"], "2027-01-05");
    let nid = nd["id"].as_i64().unwrap();
    let (status, v) = s.api(Some("cv"), "POST", &format!("/drafts/{nid}/submit"), None);
    assert_eq!(status, 200, "{v}");
    // Unknown template: 404.
    let (status, _) = s.api(
        Some("cv"),
        "POST",
        "/saved-templates/999/drafts",
        Some(json!({"fields": {}})),
    );
    assert_eq!(status, 404);
}

#[test]
fn the_other_ocop_templates_have_forms_that_draft() {
    let s = Server::start()
        .with_user("cv-ln", "drafter", "ubnd-luc-nam", None)
        .with_user("cv-cl", "drafter", "ubnd-cao-loc", None);
    for data in ["data/luc-nam-evaluations.toml", "data/cao-loc-ocop.toml"] {
        stdout(
            vanthu()
                .arg("--db")
                .arg(&s.db)
                .arg("import")
                .arg(root().join(data)),
        );
    }
    let (_, templates) = s.api(Some("cv"), "GET", "/templates", None);
    for id in ["transfer", "expiry-notice", "withdrawal"] {
        assert!(
            templates["templates"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == id && !t["fields"].as_array().unwrap().is_empty()),
            "{id} has a form"
        );
    }
    for (login, template, fields, want) in [
        (
            "cv-ln",
            "transfer",
            json!({"round": "luc-nam-2021-dot-1", "issuer": "ubnd-luc-nam", "date": "2021-07-20"}),
            "Đông trùng hạ thảo",
        ),
        (
            "cv-cl",
            "expiry-notice",
            json!({"issuer": "ubnd-cao-loc", "date": "2024-07-20", "within": "6m"}),
            "hết hạn",
        ),
        (
            "cv-cl",
            "withdrawal",
            json!({"issuer": "ubnd-cao-loc", "date": "2024-11-15"}),
            "thu hồi",
        ),
    ] {
        let (status, d) = s.api(
            Some(login),
            "POST",
            "/drafts",
            Some(json!({"template": template, "fields": fields})),
        );
        assert_eq!(status, 201, "{template}: {d}");
        let id = d["id"].as_i64().unwrap();
        let text = pdf_text(&s, login, &format!("/drafts/{id}/preview.pdf")).join(" ");
        assert!(text.contains(want), "{template}: {want} not in {text}");
    }
    // Nothing to notify, and a window that does not parse: the field says why, in words.
    for (date, within) in [("2020-01-01", "1m"), ("2024-07-20", "sáu tháng")] {
        let (status, e) = s.api(
            Some("cv-cl"),
            "POST",
            "/drafts",
            Some(json!({"template": "expiry-notice", "fields": {
                "issuer": "ubnd-cao-loc", "date": date, "within": within}})),
        );
        assert_eq!(
            (status, e["error"]["field"].as_str()),
            (422, Some("fields.within")),
            "{within}: {e}"
        );
    }
}

/// Uploads `bytes` as `name` as `login`; status and JSON.
fn upload(s: &Server, login: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    s.send_bytes(
        login,
        "POST",
        &format!("/drafts/upload?name={name}"),
        "application/octet-stream",
        bytes,
    )
}

#[test]
fn a_letter_file_and_vanthus_own_docx_upload_as_drafts() {
    // Drafters of UBND huyện Lục Nam and UBND tỉnh Quảng Bình, whose letters these are.
    let s = Server::start()
        .with_user("cv-ln", "drafter", "ubnd-luc-nam", None)
        .with_user("cv-qb", "drafter", "ubnd-quang-binh", None);
    let letter = std::fs::read(root().join("letters/drafts/luc-nam-cong-van.toml")).unwrap();
    let (status, up) = upload(&s, "cv-ln", "luc-nam-cong-van.toml", &letter);
    assert_eq!(status, 201, "{up}");
    let f = &up["draft"]["fields"];
    assert_eq!(up["draft"]["template"], "letter");
    assert!(
        f["body"]
            .as_str()
            .unwrap()
            .contains("đăng ký ý tưởng sản phẩm"),
        "{f}"
    );
    assert_eq!(up["draft"]["state"], "draft");

    // A broken letter file is refused where it is broken, and nothing is stored.
    let before = s.api(Some("cv-ln"), "GET", "/drafts", None).1;
    let broken = String::from_utf8(letter.clone())
        .unwrap()
        .replace("kind = \"công văn\"", "kind = \"thư tình\"");
    let (status, e) = upload(&s, "cv-ln", "hong.toml", broken.as_bytes());
    assert_eq!(status, 422, "{e}");
    assert_eq!(s.api(Some("cv-ln"), "GET", "/drafts", None).1, before);
    // A drafter of another agency may not make it a draft: 403, named.
    let (status, e) = upload(&s, "cv", "luc-nam-cong-van.toml", &letter);
    assert_eq!((status, error_code(&e)), (403, "other_agency"), "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("thuộc UBND huyện Lục Nam"),
        "{e}"
    );
    // Other files are refused in words.
    let (status, e) = upload(&s, "cv-ln", "anh.png", b"\x89PNG");
    assert_eq!(status, 422, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains(".docx"),
        "{e}"
    );
    let (status, e) = upload(&s, "cv-ln", "hong.docx", b"PK not a zip");
    assert_eq!(status, 422, "{e}");

    // vanthu's own DOCX of the issued seed 004 reads back into the form's fields.
    let docx = std::fs::read(common::rendered().join("004-quang-binh-780.docx")).unwrap();
    let (status, up) = upload(&s, "cv-qb", "780-UBND-KT.docx", &docx);
    assert_eq!(status, 201, "{up}");
    let f = &up["draft"]["fields"];
    assert_eq!(f["kind"], "công văn", "{f}");
    assert_eq!(f["issuer"], "ubnd-quang-binh", "{f}");
    assert_eq!(f["signer"], "doan-ngoc-lam", "{f}");
    assert!(
        f["subject"]
            .as_str()
            .unwrap()
            .contains("tiếp tục triển khai thực hiện"),
        "{f}"
    );
    assert!(
        f["addressees"]
            .as_str()
            .unwrap()
            .contains("UBND các huyện, thị xã, thành phố"),
        "{f}"
    );
    let body = f["body"].as_str().unwrap();
    assert!(
        body.contains("1. UBND các huyện, thị xã, thành phố:"),
        "{body}"
    );
    assert!(
        body.contains("Đề án Mỗi xã một sản phẩm tỉnh Quảng Bình"),
        "{body}"
    );
    assert!(f["recipients"].as_str().unwrap().contains("Lưu: VT"), "{f}");
    // And previews as the same letter.
    let id = up["draft"]["id"].as_i64().unwrap();
    let (_, pages) = s.api(Some("cv-qb"), "GET", &format!("/drafts/{id}/pages"), None);
    assert_eq!(pages["ok"], true, "{pages}");
    // Another agency's drafter does not read it.
    let (status, e) = s.api(Some("cv-ln"), "GET", &format!("/drafts/{id}/pages"), None);
    assert_eq!((status, error_code(&e)), (403, "other_agency"), "{e}");
}

/// `soffice --convert-to docx` of `input` in `dir`; the DOCX written.
fn libreoffice_docx(dir: &std::path::Path, input: &std::path::Path) -> Vec<u8> {
    let out = run(Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}/lo-profile",
            dir.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
        ])
        .arg(dir.join("out"))
        .arg(input));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = input.file_stem().unwrap().to_string_lossy();
    std::fs::read(dir.join("out").join(format!("{stem}.docx"))).unwrap()
}

/// `**bold**` runs as HTML.
fn bold_html(text: &str) -> String {
    text.split("**")
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<b>{part}</b>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// A seed text (`**bold**`, `- ` items) as the HTML of a Word user's draft: each
/// paragraph a paragraph, each `- ` line a bullet, the heading's two columns a table.
fn seed_as_html(text: &str) -> String {
    let mut html = String::from("<html><body>");
    let paras: Vec<&str> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    // The seed's heading: agency, number, subject | motto, place and date.
    let cell = |ps: &[&str]| {
        ps.iter()
            .map(|p| {
                format!(
                    "<p align=\"center\">{}</p>",
                    bold_html(p).replace('\n', "<br>")
                )
            })
            .collect::<String>()
    };
    html.push_str(&format!(
        "<table><tr><td>{}</td><td>{}</td></tr></table>",
        cell(&paras[0..3]),
        cell(&paras[3..5])
    ));
    let mut in_list = false;
    for para in &paras[5..] {
        for line in para.split('\n').filter(|l| l.starts_with("- ")) {
            if !in_list {
                html.push_str("<ul>");
                in_list = true;
            }
            html.push_str(&format!("<li>{}</li>", bold_html(&line[2..])));
        }
        if para.starts_with("- ") {
            continue;
        }
        if in_list {
            html.push_str("</ul>");
            in_list = false;
        }
        html.push_str(&format!("<p>{}</p>", bold_html(para).replace('\n', "<br>")));
    }
    html.push_str("</body></html>");
    html
}

#[test]
fn docx_drafts_written_by_libreoffice_upload_as_drafts() {
    let s = Server::start().with_user("cv-qb", "drafter", "ubnd-quang-binh", None);
    let dir = tempfile::tempdir().unwrap();
    // A Word draft typed from the seed text: bold runs, bullets, paragraphs.
    let seed = std::fs::read_to_string(root().join("../shared/seeds/004_0c1c84529cefbdce.txt"))
        .or_else(|_| std::fs::read_to_string("/work/shared/seeds/004_0c1c84529cefbdce.txt"))
        .unwrap();
    let html = dir.path().join("cong-van-780.html");
    std::fs::write(&html, seed_as_html(&seed)).unwrap();
    let docx = libreoffice_docx(dir.path(), &html);
    let (status, up) = upload(&s, "cv-qb", "cong-van-780.docx", &docx);
    assert_eq!(status, 201, "{up}");
    let f = &up["draft"]["fields"];
    let body = f["body"].as_str().unwrap_or_default();
    assert!(body.contains("**17**") || body.contains("tháng"), "{body}");
    assert!(
        body.lines()
            .any(|l| l.starts_with("- Tiếp tục đẩy mạnh công tác tuyên truyền")),
        "bullets stay bullets: {body}"
    );
    assert!(
        body.contains("Đề án Mỗi xã một sản phẩm tỉnh Quảng Bình"),
        "{body}"
    );
    assert_eq!(
        f["subject"]
            .as_str()
            .map(|s| s.contains("tiếp tục triển khai")),
        Some(true),
        "{f}"
    );

    // vanthu's DOCX opened and saved again by LibreOffice still reads back.
    let own = dir.path().join("004-quang-binh-780.docx");
    std::fs::copy(common::rendered().join("004-quang-binh-780.docx"), &own).unwrap();
    let resaved = libreoffice_docx(dir.path(), &own);
    let (status, up) = upload(&s, "cv-qb", "780-luu-lai.docx", &resaved);
    assert_eq!(status, 201, "{up}");
    let f = &up["draft"]["fields"];
    assert_eq!(f["issuer"], "ubnd-quang-binh", "{f}");
    assert!(
        f["body"]
            .as_str()
            .unwrap()
            .contains("1. UBND các huyện, thị xã, thành phố:"),
        "{f}"
    );
    assert!(f["recipients"].as_str().unwrap().contains("Lưu: VT"), "{f}");
}

#[test]
fn the_readme_composer_tour_runs_as_written() {
    let s = Server::start().with_user("ln", "drafter", "ubnd-luc-nam", None);
    let tour = common::readme_block("### The composer over the API")
        .replace("http://127.0.0.1:8080", &s.base)
        .replace("@letters/", &format!("@{}/letters/", root().display()));
    let out = common::bash(&tour, s.dir.path(), &s.db, "");
    let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert!(
        lines[0].starts_with(r#"{"ok":true,"sketch":false,"page_count":1,"pages":["data:image/pn"#),
        "{out}"
    );
    assert!(
        lines[1].starts_with(r#"{"id":1,"template":"letter""#),
        "{out}"
    );
    let saved: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(
        (saved["id"].as_i64(), &saved["placeholders"]),
        (Some(1), &json!(["nam"]))
    );
    let from: Value = serde_json::from_str(lines[3]).unwrap();
    assert_eq!(from["id"], 2);
    assert!(
        from["fields"]["subject"]
            .as_str()
            .unwrap()
            .ends_with("năm 2027"),
        "{from}"
    );
    assert!(
        lines[4].starts_with(r#"{"draft":{"id":3,"template":"letter","#),
        "{out}"
    );
    let (_, uploaded) = s.api(Some("ln"), "GET", "/drafts/3", None);
    assert_eq!(uploaded["fields"]["issuer"], "ubnd-luc-nam", "{uploaded}");
    assert!(
        lines[5].starts_with(r#"{"ok":true,"sketch":false,"page_count":1,"pages":["#),
        "{out}"
    );
    // And what the prose after it says: draft 1 is not submitted while it holds {{ nam }}.
    let (status, _) = s.api(Some("cv"), "POST", "/drafts/1/submit", None);
    assert_eq!(status, 422);
}

/// A Word draft as python-docx writes it: Kính gửi and Nơi nhận as real Word bullet
/// lists (the "List Bullet" style, whose bullet is in styles.xml and numbering.xml),
/// and the number line `Số: /SNN-KH` of another drafting unit than the agency's own.
fn word_draft_with_bullet_lists(dir: &std::path::Path) -> Vec<u8> {
    word_draft(dir, true)
}

/// [`word_draft_with_bullet_lists`], with or without its Nơi nhận.
fn word_draft(dir: &std::path::Path, with_recipients: bool) -> Vec<u8> {
    let path = dir.join("cong-van.docx");
    let script = r#"
import sys, docx
d = docx.Document()
for t in ["UBND TỈNH BẮC GIANG", "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN",
          "Số: /SNN-KH", "V/v rà soát sản phẩm OCOP hết hạn", "Bắc Giang, ngày 04 tháng 12 năm 2026"]:
    d.add_paragraph(t)
d.add_paragraph("Kính gửi:")
for a in ["UBND huyện Lục Nam;", "UBND huyện Lục Ngạn;", "UBND huyện Yên Thế."]:
    d.add_paragraph(a, style="List Bullet")
d.add_paragraph("Sở Nông nghiệp và PTNT đề nghị các huyện rà soát sản phẩm OCOP hết hạn.")
d.add_paragraph("Trân trọng./.")
if sys.argv[2] == "1":
    d.add_paragraph("Nơi nhận:")
    for r in ["Như trên;", "Lưu: VT, KH."]:
        d.add_paragraph(r, style="List Bullet")
d.add_paragraph("GIÁM ĐỐC")
d.add_paragraph("Dương Thanh Tùng")
d.save(sys.argv[1])
"#;
    stdout(
        Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(script)
            .arg(&path)
            .arg(if with_recipients { "1" } else { "0" }),
    );
    std::fs::read(&path).unwrap()
}

#[test]
fn word_bullet_lists_land_in_kinh_gui_and_noi_nhan_and_the_unit_is_kept() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let docx = word_draft_with_bullet_lists(dir.path());
    let (status, up) = upload(&s, "cv", "cong-van.docx", &docx);
    assert_eq!(status, 201, "{up}");
    let f = &up["draft"]["fields"];
    assert_eq!(
        f["addressees"], "UBND huyện Lục Nam\nUBND huyện Lục Ngạn\nUBND huyện Yên Thế",
        "{f}"
    );
    assert!(!f["body"].as_str().unwrap().contains("Lục Ngạn"), "{f}");
    assert!(
        f["recipients"].as_str().unwrap().contains("Lưu: VT, KH"),
        "{f}"
    );
    // The number line's unit is the draft's, and the drafter is told.
    assert_eq!(f["unit"], "KH", "{f}");
    let notes = up["notes"].to_string();
    assert!(notes.contains("đơn vị soạn thảo KH"), "{notes}");
    let id = up["draft"]["id"].as_i64().unwrap();
    let text = issued_lines(&s, id).join("\n");
    assert!(text.contains("Số: 01/SNN-KH"), "{text}");

    // A drafting unit that is not a symbol is refused under its field.
    let mut fields = letter_fields("Đề nghị báo cáo./.");
    fields["unit"] = json!("K H/1");
    let (_, shown) = s.api(
        Some("cv"),
        "POST",
        "/drafts/preview",
        Some(json!({"template": "letter", "fields": fields})),
    );
    assert!(
        shown["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "unit"),
        "{shown}"
    );
}

/// Form-urlencodes `pairs` as a browser posts them.
fn urlencoded(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                b => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The text of an HTML attribute as tera escaped it.
fn unescape(s: &str) -> String {
    s.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn what_an_upload_asks_to_review_survives_fixing_the_form() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    // No Nơi nhận: the upload is refused into the form, with what to review.
    let docx = word_draft(dir.path(), false);
    let (cookie, csrf) = s.session("cv");
    let mut body = format!(
        "--RANH-GIOI\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--RANH-GIOI\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cong-van.docx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&docx);
    body.extend_from_slice(b"\r\n--RANH-GIOI--\r\n");
    let mut resp = s
        .agent
        .post(&s.url("/drafts/upload"))
        .header("Cookie", &cookie)
        .header("Content-Type", "multipart/form-data; boundary=RANH-GIOI")
        .send(&body[..])
        .unwrap();
    let html = resp.body_mut().read_to_string().unwrap();
    assert!(html.contains(r#"id="review""#), "{html}");
    assert!(html.contains("đơn vị soạn thảo KH"), "{html}");
    let detail = html
        .split(r#"name="upload_detail" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(unescape)
        .expect("the form carries the upload's history line");
    assert!(
        detail.starts_with("tải lên từ tệp cong-van.docx"),
        "{detail}"
    );
    // The drafter adds Nơi nhận and saves: the draft's history still says what to review.
    let form = urlencoded(&[
        ("csrf", &csrf),
        ("upload_detail", &detail),
        ("kind", "công văn"),
        ("issuer", "snn-bac-giang"),
        ("unit", "KH"),
        ("signer", "duong-thanh-tung"),
        ("date", "2026-12-04"),
        ("subject", "V/v rà soát sản phẩm OCOP hết hạn"),
        ("addressees", "UBND huyện Lục Nam"),
        ("body", "Đề nghị rà soát./."),
        ("recipients", "Như trên;\nLưu: VT, KH."),
    ]);
    let resp = s
        .agent
        .post(&s.url("/drafts/new?template=letter"))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form)
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let id: i64 = resp.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/drafts/")
        .parse()
        .unwrap();
    let (_, history) = s.api(Some("cv"), "GET", &format!("/drafts/{id}/history"), None);
    let text = history.to_string();
    assert!(text.contains("tải lên từ tệp cong-van.docx"), "{text}");
    assert!(text.contains("cần xem lại"), "{text}");
    assert!(text.contains("đơn vị soạn thảo KH"), "{text}");
}

/// A saved template whose placeholder is named `done`, left empty: the page shows the
/// field's problem, not "Đã lưu mẫu" (the kept banner is its own flag, not a key of the
/// field errors).
#[test]
fn a_placeholder_named_done_is_a_field_not_the_kept_banner() {
    let s = Server::start();
    let fields = letter_fields("Đề nghị báo cáo {{ done }} trước hạn./.");
    let (status, d) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "letter", "fields": fields})),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    let (status, t) = s.api(
        Some("cv"),
        "POST",
        &format!("/drafts/{id}/save-template"),
        Some(json!({"title": "Công văn có chỗ trống"})),
    );
    assert_eq!(status, 201, "{t}");
    let tid = t["id"].as_i64().unwrap();
    let (cookie, csrf) = s.session("cv");
    let mut resp = s
        .agent
        .post(&s.url(&format!("/templates/{tid}")))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(format!("csrf={csrf}&done=&date=2027-01-05"))
        .unwrap();
    let page = resp.body_mut().read_to_string().unwrap();
    assert_eq!(resp.status().as_u16(), 422, "{page}");
    assert!(!page.contains("Đã lưu mẫu"), "{page}");
    // Opened after saving, the page does say it.
    let mut resp = s
        .agent
        .get(&s.url(&format!("/templates/{tid}?done=saved")))
        .header("Cookie", &cookie)
        .call()
        .unwrap();
    let page = resp.body_mut().read_to_string().unwrap();
    assert!(page.contains("Đã lưu mẫu"), "{page}");
}
