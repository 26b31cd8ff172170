//! Ký số with keys on a USB token or an HSM (PKCS#11): a SoftHSM2 token initialised by
//! the test with the test CA's keys, the PIN typed at the prompt, both signatures read
//! back by pdfsig and pyHanko, and a wrong PIN, a missing token, a key that is not its
//! certificate's, each refused with nothing issued.

use crate::common;

use std::io::Write;
use std::process::{Output, Stdio};

use crate::common::sign::*;
use crate::common::*;

/// The fixture with the signer's key 01 (certificate on the token) and the agency's
/// ECDSA key 02 (certificate from a file) on the test token.
fn token_fixture(name: &str) -> (Fixture, &'static Hsm) {
    let hsm = softhsm();
    let entries = format!(
        "{}{}",
        hsm.key(PERSON, "01", None),
        hsm.key(AGENCY, "02", Some(&hsm.chain_file("agency-ec")))
    );
    (fixture_with(name, &entries), hsm)
}

/// `vanthu issue --sign` with `input` typed at its PIN prompts.
fn issue(f: &Fixture, hsm: &Hsm, input: &str) -> Output {
    let mut child = hsm
        .cmd(f)
        .arg("issue")
        .arg(f.dir.join("cong-van.toml"))
        .args(["--date", "2026-12-02", "--sign"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn both_signatures_made_on_the_token_validate() {
    let (f, hsm) = token_fixture("token");
    let out = issue(&f, hsm, &format!("{PIN}\n{PIN}\n"));
    assert!(out.status.success(), "{}", printed(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Mã PIN của thiết bị ký số \"vanthu-test\" (người ký nguyen-van-chuong)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Mã PIN của thiết bị ký số \"vanthu-test\" (cơ quan ubnd-hoa-binh)"),
        "{stderr}"
    );
    assert!(!printed(&out).contains(PIN), "the PIN is never printed");
    let number = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let pdf = f.stored_pdf(&number);
    let sig = pdfsig(&pdf);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
    assert!(sig.contains("Nguyen Van Chuong"), "{sig}");
    assert!(sig.contains("So Nong nghiep Hoa Binh"), "{sig}");
    let (ok, report) = pyhanko_validate(&pdf, &f.ca.join("root.pem"));
    assert!(ok, "{report}");
    assert_eq!(
        report.matches("The signature is judged VALID.").count(),
        2,
        "{report}"
    );
    let verdict = stdout(f.cmd().arg("verify").arg(&pdf));
    assert_eq!(verdict.matches(": Hợp lệ.\n").count(), 2, "{verdict}");
    // The stored rows say who signed.
    let shown = stdout(
        f.cmd()
            .args(["register", "show", &number, "--year", "2026"]),
    );
    assert!(shown.contains("Nguyen Van Chuong"), "{shown}");
}

#[test]
fn a_wrong_pin_is_refused_and_no_number_taken() {
    let (f, hsm) = token_fixture("token-pin");
    let before = dump(&f.db);
    let out = issue(&f, hsm, &format!("000000\n{PIN}\n"));
    assert!(!out.status.success());
    assert!(
        printed(&out).contains("mã PIN của thiết bị ký số \"vanthu-test\" không đúng"),
        "{}",
        printed(&out)
    );
    assert_eq!(dump(&f.db), before, "nothing stored");
    // An empty PIN is refused before the token is asked.
    let out = issue(&f, hsm, "\n");
    assert!(!out.status.success());
    assert!(
        printed(&out).contains("chưa nhập mã PIN"),
        "{}",
        printed(&out)
    );
    assert_eq!(dump(&f.db), before);
    // With the right PIN, the first number is given: none was used by the failures.
    let out = issue(&f, hsm, &format!("{PIN}\n{PIN}\n"));
    assert!(out.status.success(), "{}", printed(&out));
    let list = stdout(f.cmd().args(["register", "list", "--year", "2026"]));
    assert_eq!(
        list.lines().filter(|l| l.contains("/UBND-KT")).count(),
        1,
        "{list}"
    );
    assert!(list.contains("1/UBND-KT"), "{list}");
}

#[test]
fn a_missing_token_and_a_key_that_is_not_its_certificates_are_refused() {
    let hsm = softhsm();
    // A token that is not plugged in.
    let missing = hsm
        .key(PERSON, "01", None)
        .replace("token = \"vanthu-test\"", "token = \"khong-co-thiet-bi\"");
    let f = fixture_with(
        "token-missing",
        &format!(
            "{missing}{}",
            hsm.key(AGENCY, "02", Some(&hsm.chain_file("agency-ec")))
        ),
    );
    let before = dump(&f.db);
    let out = issue(&f, hsm, &format!("{PIN}\n{PIN}\n"));
    assert!(!out.status.success());
    assert!(
        printed(&out).contains("không thấy thiết bị ký số \"khong-co-thiet-bi\""),
        "{}",
        printed(&out)
    );
    assert_eq!(dump(&f.db), before);

    // Key 01 with another person's certificate: the token's signature does not match.
    let f = fixture_with(
        "token-mismatch",
        &format!(
            "{}{}",
            hsm.key(PERSON, "01", Some(&ca().join("agency.pem"))),
            hsm.key(AGENCY, "02", Some(&hsm.chain_file("agency-ec")))
        ),
    );
    let before = dump(&f.db);
    let out = issue(&f, hsm, &format!("{PIN}\n{PIN}\n"));
    assert!(!out.status.success());
    assert!(
        printed(&out).contains("trả về chữ ký không khớp với chứng thư số"),
        "{}",
        printed(&out)
    );
    assert_eq!(dump(&f.db), before);

    // A key id the token does not hold.
    let f = fixture_with(
        "token-nokey",
        &format!(
            "{}{}",
            hsm.key(PERSON, "7f", None),
            hsm.key(AGENCY, "02", Some(&hsm.chain_file("agency-ec")))
        ),
    );
    let out = issue(&f, hsm, &format!("{PIN}\n{PIN}\n"));
    assert!(!out.status.success());
    assert!(
        printed(&out).contains("không có khóa bí mật mã 7f"),
        "{}",
        printed(&out)
    );
}

#[test]
fn an_ecdsa_signer_on_the_token_beside_an_agency_key_file() {
    let hsm = softhsm();
    let entries = format!(
        "{}[[signing.keys]]\n{AGENCY}\np12 = \"{}\"\npassword_env = \"VANTHU_TEST_KEY\"\n",
        hsm.key(PERSON, "03", None),
        ca().join("agency.p12").display()
    );
    let f = fixture_with("token-ec", &entries);
    // One key on the token: one prompt.
    let out = issue(&f, hsm, &format!("{PIN}\n"));
    assert!(out.status.success(), "{}", printed(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .matches("Mã PIN")
            .count(),
        1,
        "{}",
        printed(&out)
    );
    let number = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let pdf = f.stored_pdf(&number);
    let sig = pdfsig(&pdf);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
    assert!(sig.contains("Tran Thi Binh"), "{sig}");
    let (ok, report) = pyhanko_validate(&pdf, &f.ca.join("root.pem"));
    assert!(ok, "{report}");
}

#[test]
fn the_clerk_types_the_pins_in_the_service() {
    use common::server::{Server, error_code};
    let hsm = softhsm();
    let agency_chain = hsm.chain_file("agency-ec");
    let config = format!(
        "[server]\nreminder_at = \"\"\n[signing]\ntrust = [\"{}\"]\n{}{}",
        ca().join("root.pem").display(),
        hsm.key("person = \"duong-thanh-tung\"", "01", None),
        hsm.key("agency = \"snn-bac-giang\"", "02", Some(&agency_chain)),
    );
    let s = Server::start_env(&config, &[("SOFTHSM2_CONF", hsm.conf.to_str().unwrap())]);
    let id = s.consented_draft();

    // The draft page asks for both PINs, as password boxes.
    let (cookie, csrf) = s.session("vt");
    let page = s
        .agent
        .get(&s.url(&format!("/drafts/{id}")))
        .header("Cookie", &cookie)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    for field in ["pin_signer", "pin_agency"] {
        assert!(
            page.contains(&format!("<input type=\"password\" name=\"{field}\"")),
            "{page}"
        );
    }
    assert!(page.contains("Mã PIN của thiết bị ký số"), "{page}");

    let before = dump_except(&s.db, &["audit_events", "sessions"]);
    let issue = |pins: Option<serde_json::Value>| {
        s.api(
            Some("vt"),
            "POST",
            &format!("/drafts/{id}/issue"),
            Some(match pins {
                Some(p) => serde_json::json!({ "confirm": true, "pins": p }),
                None => serde_json::json!({ "confirm": true }),
            }),
        )
    };
    let (status, v) = issue(None);
    assert_eq!((status, error_code(&v)), (422, "pin_required"), "{v}");
    let (status, v) = issue(Some(serde_json::json!({"signer": "000000", "agency": PIN})));
    assert_eq!((status, error_code(&v)), (403, "wrong_pin"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("không đúng"),
        "{v}"
    );
    assert!(!v.to_string().contains("000000"), "the PIN is not echoed");
    assert_eq!(s.state_of(id), "approved");
    assert_eq!(
        dump_except(&s.db, &["audit_events", "sessions"]),
        before,
        "nothing issued"
    );

    // The web form with the right PINs issues it.
    let form = format!("csrf={csrf}&pin_signer={PIN}&pin_agency={PIN}&confirm=yes");
    let resp = s
        .agent
        .post(&s.url(&format!("/drafts/{id}/issue")))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form.as_bytes())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(s.state_of(id), "issued");
    let (_, d) = s.api(Some("vt"), "GET", &format!("/drafts/{id}"), None);
    let doc = d["document_id"].as_i64().unwrap();
    let pdf = s.get_bytes("vt", &format!("/documents/{doc}/pdf"));
    let file = s.dir.path().join("ky.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let sig = pdfsig(&file);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
}
