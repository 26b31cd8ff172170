//! What the signer approved is exactly what is issued (issue 37): at approval the
//! draft's composition is frozen; the data changing before the issue (an agency reports,
//! a score is corrected) sends the draft back to its signer with what changed and takes
//! no number; unchanged, the issued document is the approved one but for its number,
//! day and signature images.

use crate::common;

use crate::common::server::{Server, error_code, password};
use crate::common::{pdf_lines, run, stdout, vanthu};
use serde_json::{Value, json};

/// The lines of a PDF as pdftotext reads them.
fn pdf_text(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.pdf");
    std::fs::write(&file, pdf).unwrap();
    pdf_lines(&file)
}

fn documents(s: &Server) -> i64 {
    rusqlite::Connection::open(&s.db)
        .unwrap()
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_reminder_whose_agency_reported_after_approval_goes_back_to_its_signer() {
    let s = Server::start_signing();
    // Approved with the director's consent: Kính gửi the four districts.
    let id = s.consented_draft();
    let (_, approved) = s.api(Some("vt"), "GET", &format!("/drafts/{id}"), None);
    let approved_hash = approved["approved_hash"].as_str().unwrap().to_string();
    assert_eq!(approved["content_hash"], approved_hash.as_str());
    let preview = pdf_text(&s.get_bytes("vt", &format!("/drafts/{id}/preview.pdf"))).join("\n");
    assert!(preview.contains("UBND huyện Lục Nam"), "{preview}");
    // Lục Nam reports before the reminder's day.
    let (status, v) = s.api(
        Some("cv"),
        "POST",
        "/milestones/bg-2020-chuyen-ho-so/reports",
        Some(json!({"agency": "ubnd-luc-nam", "date": "2020-10-22"})),
    );
    assert_eq!(status, 200, "{v}");
    // The approved pages do not follow the data: still what the director approved.
    let still = pdf_text(&s.get_bytes("vt", &format!("/drafts/{id}/preview.pdf"))).join("\n");
    assert_eq!(still, preview);
    // Issuing is refused, names the agency and the day it reported; no number is taken;
    // the draft is back with its signer, the note saying why, the consent gone.
    let (status, v) = s.issue("vt", id);
    assert_eq!(
        (status, error_code(&v)),
        (409, "changed_since_approval"),
        "{v}"
    );
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("Kính gửi: bỏ UBND huyện Lục Nam (đã báo cáo ngày 22/10/2020)"),
        "{msg}"
    );
    assert!(msg.contains("trả lại người ký"), "{msg}");
    assert_eq!(documents(&s), 0);
    let (_, back) = s.api(Some("ld"), "GET", &format!("/drafts/{id}"), None);
    assert_eq!(back["state"], "submitted");
    assert!(back["sign_consent"].is_null(), "{back}");
    assert!(back["approved_hash"].is_null(), "{back}");
    assert!(
        back["comment"]
            .as_str()
            .unwrap()
            .contains("UBND huyện Lục Nam"),
        "{back}"
    );
    let (_, history) = s.api(Some("ld"), "GET", &format!("/drafts/{id}/history"), None);
    let labels: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action_label"].as_str().unwrap())
        .collect();
    assert_eq!(
        &labels[..2],
        [
            "trả lại người ký: dữ liệu đã thay đổi sau khi duyệt",
            "ban hành"
        ],
        "{history}"
    );
    // Approving again freezes the new composition; it issues without Lục Nam.
    let (status, v) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/approve-signed"),
        Some(json!({"password": password("ld")})),
    );
    assert_eq!(status, 200, "{v}");
    let second_hash = v["approved_hash"].as_str().unwrap().to_string();
    assert_ne!(second_hash, approved_hash);
    let (status, entry) = s.issue("vt", id);
    assert_eq!(status, 200, "{entry}");
    let doc = entry["id"].as_i64().unwrap();
    let issued = pdf_text(&s.get_bytes("vt", &format!("/documents/{doc}/pdf")));
    let kinh_gui: Vec<&String> = issued
        .iter()
        .skip_while(|l| !l.starts_with("Kính gửi"))
        .take(6)
        .collect();
    assert!(
        !kinh_gui.iter().any(|l| l.contains("Lục Nam")),
        "{kinh_gui:?}"
    );
    // The history and `register show` name both hashes.
    let (_, d) = s.api(Some("vt"), "GET", &format!("/drafts/{id}"), None);
    assert_eq!(d["issued_hash"], second_hash.as_str());
    let (_, history) = s.api(Some("vt"), "GET", &format!("/drafts/{id}/history"), None);
    let details: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail_label"].as_str().unwrap())
        .collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains(&format!("nội dung ban hành {}", &second_hash[..12]))),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.contains(&format!("nội dung đã duyệt {}", &second_hash[..12]))),
        "{details:?}"
    );
    let shown = stdout(vanthu().arg("--db").arg(&s.db).args([
        "register",
        "show",
        entry["number_symbol"].as_str().unwrap(),
        "--year",
        "2020",
    ]));
    assert!(
        shown.contains(&format!("Nội dung người ký duyệt (SHA-256): {second_hash}"))
            && shown.contains(&format!("Nội dung đã ban hành (SHA-256):    {second_hash}")),
        "{shown}"
    );
}

#[test]
fn a_decision_whose_score_was_corrected_after_approval_goes_back_to_its_signer() {
    let s = Server::start()
        .with_user("cv-ln", "drafter", "ubnd-luc-nam", None)
        .with_user("ld-ln", "signer", "ubnd-luc-nam", Some("hoang-van-toan"))
        .with_user("vt-ln", "clerk", "ubnd-luc-nam", None);
    stdout(
        vanthu()
            .arg("--db")
            .arg(&s.db)
            .arg("import")
            .arg(common::root().join("data/luc-nam-evaluations.toml")),
    );
    let (status, d) = s.api(
        Some("cv-ln"),
        "POST",
        "/drafts",
        Some(json!({"template": "decision", "fields": {
            "round": "luc-nam-2021-dot-1", "issuer": "ubnd-luc-nam", "date": "2021-07-20"}})),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    assert_eq!(
        s.api(Some("cv-ln"), "POST", &format!("/drafts/{id}/submit"), None)
            .0,
        200
    );
    assert_eq!(
        s.api(
            Some("ld-ln"),
            "POST",
            &format!("/drafts/{id}/approve"),
            None
        )
        .0,
        200
    );
    // A score of the round is corrected after the approval (one product to 4★ level).
    let c = rusqlite::Connection::open(&s.db).unwrap();
    let (product, score): (String, i64) = c
        .query_row(
            "SELECT p.name, e.score FROM evaluations e JOIN products p ON p.id = e.product_id
             WHERE e.round = 'luc-nam-2021-dot-1' AND e.score BETWEEN 50 AND 69 ORDER BY e.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    c.execute(
        "UPDATE evaluations SET score = score + 1 WHERE round = 'luc-nam-2021-dot-1'
           AND product_id = (SELECT id FROM products WHERE name = ?1)",
        [&product],
    )
    .unwrap();
    let (status, v) = s.issue("vt-ln", id);
    assert_eq!(
        (status, error_code(&v)),
        (409, "changed_since_approval"),
        "{v}"
    );
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("Kết quả chấm điểm {product}: «{score} điểm")),
        "{msg}"
    );
    assert_eq!(documents(&s), 0);
    let certificates: i64 = c
        .query_row("SELECT count(*) FROM certificates", [], |r| r.get(0))
        .unwrap();
    assert_eq!(certificates, 0);
    let (_, back) = s.api(Some("cv-ln"), "GET", &format!("/drafts/{id}"), None);
    assert_eq!(back["state"], "submitted");
    // Approved again, it issues, and the certificates follow the approved scores.
    assert_eq!(
        s.api(
            Some("ld-ln"),
            "POST",
            &format!("/drafts/{id}/approve"),
            None
        )
        .0,
        200
    );
    let (status, entry) = s.issue("vt-ln", id);
    assert_eq!(status, 200, "{entry}");
    let certificates: i64 = c
        .query_row("SELECT count(*) FROM certificates", [], |r| r.get(0))
        .unwrap();
    assert!(certificates > 0);
}

#[test]
fn an_unchanged_draft_issues_its_approved_pages_and_a_stale_view_is_not_approved() {
    let s = Server::start();
    // A free công văn: the data of the programme changing does not touch it.
    let (status, d) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "letter", "fields": {
            "kind": "công văn", "issuer": "snn-bac-giang", "signer": "duong-thanh-tung",
            "date": "2026-12-04", "subject": "V/v báo cáo kết quả thực hiện\nChương trình OCOP năm 2026",
            "addressees": "UBND các huyện, thành phố", "body": "Đề nghị các đơn vị báo cáo **trước ngày 15/12/2026**./.",
            "recipients": "Như trên;\nLưu: VT, PTNT."}})),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    assert_eq!(
        s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None)
            .0,
        200
    );
    // A view the data has moved past is not approved.
    let (status, v) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/approve"),
        Some(json!({"seen": "0".repeat(64)})),
    );
    assert_eq!((status, error_code(&v)), (409, "seen_changed"), "{v}");
    assert_eq!(s.state_of(id), "submitted");
    let (_, shown) = s.api(Some("ld"), "GET", &format!("/drafts/{id}"), None);
    let seen = shown["content_hash"].as_str().unwrap().to_string();
    let (status, v) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/approve"),
        Some(json!({"seen": seen})),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["approved_hash"], seen.as_str());
    let approved = pdf_text(&s.get_bytes("vt", &format!("/drafts/{id}/preview.pdf")));
    // Unrelated data changes (a report on a milestone) leave it as it was.
    s.api(
        Some("cv"),
        "POST",
        "/milestones/bg-2020-chuyen-ho-so/reports",
        Some(json!({"agency": "ubnd-luc-nam", "date": "2020-10-22"})),
    );
    let (status, entry) = s.issue("vt", id);
    assert_eq!(status, 200, "{entry}");
    let doc = entry["id"].as_i64().unwrap();
    let issued = pdf_text(&s.get_bytes("vt", &format!("/documents/{doc}/pdf")));
    // Page for page the same text, but the number and the day.
    let strip = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            // The number sits on its own line in the preview ("/SNN-PTNT" without digits).
            .filter(|l| {
                !l.trim().is_empty()
                    && !l.contains("Số:")
                    && !l.contains("/SNN-PTNT")
                    && !l.contains(", ngày")
            })
            .cloned()
            .collect()
    };
    assert_eq!(strip(&issued), strip(&approved));
    assert!(
        issued.iter().any(|l| l.contains("01/SNN-PTNT")),
        "{issued:?}"
    );
}

#[test]
fn a_draft_approved_before_vanthu_kept_the_approval_goes_back_to_its_signer() {
    let s = Server::start();
    let id = s.create_reminder();
    assert_eq!(
        s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None)
            .0,
        200
    );
    assert_eq!(
        s.api(Some("ld"), "POST", &format!("/drafts/{id}/approve"), None)
            .0,
        200
    );
    // As an older vanthu left it: approved, nothing frozen.
    rusqlite::Connection::open(&s.db)
        .unwrap()
        .execute(
            "UPDATE drafts SET approved_content = NULL, approved_hash = NULL WHERE id = ?1",
            [id],
        )
        .unwrap();
    let (status, v) = s.issue("vt", id);
    assert_eq!(
        (status, error_code(&v)),
        (409, "changed_since_approval"),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("được duyệt trước khi vanthu giữ nội dung đã duyệt"),
        "{v}"
    );
    assert_eq!(documents(&s), 0);
    assert_eq!(s.state_of(id), "submitted");
    let out = run(vanthu().arg("--db").arg(&s.db).args(["register", "list"]));
    assert!(out.status.success());
    let _: Value = json!(null);
}
