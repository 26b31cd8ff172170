//! Ký số with timestamps (PAdES B-T): a local time-stamping authority
//! (tests/tsa_server.py: `openssl ts -reply` behind a small HTTP server) read back by
//! pyHanko, pdfsig and `vanthu verify`, and every way the authority can fail.

use std::process::Command;

use crate::common::sign::*;
use crate::common::*;

/// The local time-stamping authority (tests/tsa_server.py over the test CA).
fn tsa() -> Helper {
    Helper::start("tsa_server.py", &[ca().as_os_str()])
}

impl Fixture {
    fn with_tsa(&self, url: &str, fallback: bool) {
        let mut config = std::fs::read_to_string(&self.config).unwrap();
        config.push_str(&format!(
            "[signing.tsa]\nurl = \"{url}\"\nfallback = {fallback}\ntimeout_secs = 5\n"
        ));
        std::fs::write(&self.config, config).unwrap();
    }
}

#[test]
fn with_a_timestamp_authority_both_signatures_are_pades_b_t() {
    let tsa = tsa();
    let f = fixture("tsa", &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    f.with_tsa(&tsa.url("/ok"), false);
    let (_, pdf) = f.issue_signed();
    let text = stdout(f.cmd().arg("verify").arg(&pdf));
    assert_eq!(text.matches("Định dạng: PAdES B-T").count(), 2, "{text}");
    assert_eq!(
        text.matches("(theo dấu thời gian của vanthu Test TSA)")
            .count(),
        2,
        "{text}"
    );
    assert_eq!(text.matches(": Hợp lệ.\n").count(), 2, "{text}");
    let (ok, report) = pyhanko_validate(&pdf, &f.ca.join("root.pem"));
    assert!(ok, "{report}");
    assert_eq!(
        report
            .matches("The timestamp token is cryptographically sound.")
            .count(),
        2,
        "{report}"
    );
    assert_eq!(
        report.matches("The signature is judged VALID.").count(),
        2,
        "{report}"
    );
    let attrs = stdout(
        Command::new(pyhanko_bin().join("python"))
            .arg(root().join("tests/sign_check.py"))
            .arg("attrs")
            .arg(&pdf),
    );
    assert_eq!(
        attrs.matches("signature_time_stamp_token").count(),
        2,
        "{attrs}"
    );
    let sig = pdfsig(&pdf);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
}

#[test]
fn a_failing_timestamp_authority_issues_nothing_unless_fallback_allows() {
    let tsa = tsa();
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cases = [
        (tsa.url("/refuse"), "từ chối cấp dấu thời gian"),
        (tsa.url("/garbage"), "không phải TimeStampResp"),
        (tsa.url("/other"), "mã băm khác"),
        (
            format!("http://127.0.0.1:{closed}/tsa"),
            "không kết nối được",
        ),
    ];
    for (i, (url, message)) in cases.iter().enumerate() {
        let f = fixture(
            &format!("tsa-fail-{i}"),
            &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")],
        );
        f.with_tsa(url, false);
        let before = std::fs::read(&f.db).unwrap();
        let out = run(f.cmd().arg("issue").arg(f.dir.join("cong-van.toml")).args([
            "--date",
            "2026-12-02",
            "--sign",
        ]));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url}");
        assert!(err.contains("không lấy được dấu thời gian"), "{url}: {err}");
        assert!(err.contains(message), "{url}: {err}");
        assert_eq!(
            std::fs::read(&f.db).unwrap(),
            before,
            "{url}: the database changed"
        );
    }
    // With fallback the document is issued PAdES B-B.
    let f = fixture(
        "tsa-fallback",
        &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")],
    );
    f.with_tsa(&format!("http://127.0.0.1:{closed}/tsa"), true);
    let (_, pdf) = f.issue_signed();
    let text = stdout(f.cmd().arg("verify").arg(&pdf));
    assert_eq!(text.matches("Định dạng: PAdES B-B").count(), 2, "{text}");
}
