//! Ký số in the service: image uploads, the signer's consent with their password, an
//! issue signed with both keys, `POST /verify` and the "Kiểm tra chữ ký số" page, and
//! an unconsented draft refused where a signature is required.

use crate::common;

use crate::common::sign::*;
use crate::common::*;

#[test]
fn the_service_signs_once_the_signer_consents_with_their_password() {
    use common::server::{Server, error_code, password};
    let ca = ca();
    let key = |owner: &str, file: &str| {
        format!(
            "[[signing.keys]]\n{owner}\np12 = \"{}\"\npassword = \"{PASSWORD}\"\n",
            ca.join(file).display()
        )
    };
    let config = format!(
        "[server]\nreminder_at = \"\"\n[signing]\ntrust = [\"{}\"]\ncrls = [\"{}\", \"{}\"]\nrequire_signature = [\"snn-bac-giang\"]\n{}{}",
        ca.join("root.pem").display(),
        ca.join("int.crl").display(),
        ca.join("root.crl").display(),
        key("agency = \"snn-bac-giang\"", "agency.p12"),
        key("person = \"duong-thanh-tung\"", "signer.p12"),
    );
    let s = Server::start_with(&config);

    // The admin uploads the images; a file without transparency is refused, and only
    // the admin may upload.
    let (status, v) = s.send_bytes(
        "qt",
        "PUT",
        "/people/duong-thanh-tung/signature-image",
        "image/png",
        &png::opaque(40, 20),
    );
    assert_eq!((status, error_code(&v)), (422, "invalid_image"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nền trong suốt"),
        "{v}"
    );
    let (status, _) = s.send_bytes(
        "vt",
        "PUT",
        "/people/duong-thanh-tung/signature-image",
        "image/png",
        &png::signature(600, 240),
    );
    assert_eq!(status, 403);
    let (status, v) = s.send_bytes(
        "qt",
        "PUT",
        "/agencies/snn-bac-giang/seal?diameter_mm=120",
        "image/png",
        &png::seal(400),
    );
    assert_eq!(status, 422, "{v}");
    for (path, image) in [
        (
            "/people/duong-thanh-tung/signature-image",
            png::signature(600, 240),
        ),
        (
            "/agencies/snn-bac-giang/seal?diameter_mm=38",
            png::seal(400),
        ),
    ] {
        let (status, v) = s.send_bytes("qt", "PUT", path, "image/png", &image);
        assert_eq!(status, 200, "{path}: {v}");
    }

    // Approved without consent: the agency requires a signature, so issue is refused
    // and no number is taken.
    let id = s.create_reminder();
    assert_eq!(
        s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None)
            .0,
        200
    );
    let (status, v) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/approve-signed"),
        Some(serde_json::json!({"password": "sai-roi"})),
    );
    assert_eq!((status, error_code(&v)), (403, "wrong_password"), "{v}");
    assert_eq!(s.state_of(id), "submitted");
    let (status, v) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/approve-signed"),
        Some(serde_json::json!({"password": password("ld")})),
    );
    assert_eq!(status, 200, "{v}");
    assert!(v["sign_consent"].is_string(), "{v}");
    let (status, entry) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/issue"),
        Some(serde_json::json!({"confirm": true})),
    );
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["signatures"], 2, "{entry}");
    let doc = entry["id"].as_i64().unwrap();
    let pdf = s.get_bytes("vt", &format!("/documents/{doc}/pdf"));
    let file = s.dir.path().join("ky.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let sig = pdfsig(&file);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
    assert!(sig.contains("Total document signed"), "{sig}");

    // The draft page and the document page say who signed.
    let (cookie, _) = s.session("vt");
    let html = |path: &str| {
        s.agent
            .get(&s.url(path))
            .header("Cookie", &cookie)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    };
    let draft_page = html(&format!("/drafts/{id}"));
    assert!(draft_page.contains("Đã ký số: 2 chữ ký"), "{draft_page}");
    let document_page = html(&format!("/documents/{doc}"));
    // Names, not certificate DNs; the time as a clerk writes it.
    assert!(
        document_page.contains("Nguyen Van Chuong (vanthu test), người ký, lúc "),
        "{document_page}"
    );
    assert!(
        document_page.contains("UBND tinh Hoa Binh (vanthu test), cơ quan, lúc "),
        "{document_page}"
    );
    assert!(!document_page.contains("CN="), "{document_page}");

    // Anyone signed in can have a PDF checked.
    let (status, report) = s.send_bytes("cv", "POST", "/verify", "application/pdf", &pdf);
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["signatures"].as_array().unwrap().len(),
        2,
        "{report}"
    );
    assert_eq!(report["all_valid"], true, "{report}");
    assert_eq!(report["signatures"][0]["level"], "PAdES B-B", "{report}");
    assert_eq!(report["signatures"][0]["code"], "valid", "{report}");
    assert_eq!(report["signatures"][0]["verdict"], "Hợp lệ", "{report}");
    assert_eq!(
        report["signatures"][1]["revocation"]["state"], "good",
        "{report}"
    );
    let (status, report) = s.send_bytes("cv", "POST", "/verify", "application/pdf", b"not a pdf");
    assert_eq!((status, error_code(&report)), (422, "not_pdf"), "{report}");

    // The page "Kiểm tra chữ ký số": upload the file, read the verdicts.
    let (cookie, csrf) = s.session("cv");
    let page = |body: Vec<u8>| {
        let mut resp = s
            .agent
            .post(&s.url("/verify"))
            .header("Cookie", &cookie)
            .header("Content-Type", "multipart/form-data; boundary=RANH-GIOI")
            .send(&body[..])
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_string().unwrap())
    };
    let form = |csrf: &str, file: &[u8]| {
        let mut body = format!(
            "--RANH-GIOI\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--RANH-GIOI\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ky.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n--RANH-GIOI--\r\n");
        body
    };
    let (status, html) = page(form(&csrf, &pdf));
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("mọi chữ ký hợp lệ"), "{html}");
    assert_eq!(
        html.matches(r#"<span class="verdict ok">Hợp lệ</span>"#)
            .count(),
        2,
        "{html}"
    );
    assert_eq!(
        html.matches("<summary>Chi tiết kỹ thuật</summary>").count(),
        2
    );
    assert!(html.contains("PAdES B-B"), "{html}");
    let mut changed = pdf.clone();
    let at = changed.len() / 3;
    changed[at] ^= 1;
    let (status, html) = page(form(&csrf, &changed));
    assert_eq!(status, 200);
    assert_eq!(
        html.matches(r#"data-code="signature_mismatch""#).count(),
        2,
        "{html}"
    );
    assert!(html.contains("tệp đã bị sửa"), "{html}");
    // Without the form token nothing is checked.
    let (status, _) = page(form("sai", &pdf));
    assert_eq!(status, 403);

    // A draft approved without consent is refused at issue, since this agency's
    // documents must be signed; nothing is numbered.
    let other = s.create_reminder();
    assert_eq!(
        s.api(Some("cv"), "POST", &format!("/drafts/{other}/submit"), None)
            .0,
        200
    );
    assert_eq!(
        s.api(
            Some("ld"),
            "POST",
            &format!("/drafts/{other}/approve"),
            None
        )
        .0,
        200
    );
    let (status, v) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{other}/issue"),
        Some(serde_json::json!({"confirm": true})),
    );
    assert_eq!((status, error_code(&v)), (409, "signature_required"), "{v}");
    assert_eq!(s.state_of(other), "approved");
}
