//! Long-term signatures: vanthu issues PAdES B-LT and B-LTA on request, reads them
//! back as valid, pyHanko's AdES validation (`adesverify`) agrees, a signature made
//! while its certificate was valid stays valid after it expires, and `register
//! extend` renews an archive as a new, logged revision.

use std::process::Command;

use crate::common::sign::*;
use crate::common::*;
use serde_json::Value;

fn tsa() -> Helper {
    Helper::start("tsa_server.py", &[matrix_pki().as_os_str()])
}

/// A fixture whose keys are the matrix PKI's: the agency `short` (expires 2030), the
/// signer `other`; `level` and the TSA at `tsa` when given.
fn long_term_fixture(name: &str, level: &str, tsa: Option<&Helper>) -> Fixture {
    let f = fixture_with(name, "");
    let extra = if level.is_empty() {
        String::new()
    } else {
        format!("level = \"{level}\"\n")
    };
    let mut config = matrix_config(&matrix_pki(), "short", "other", &extra);
    if let Some(t) = tsa {
        config.push_str(&format!(
            "[signing.tsa]\nurl = \"{}\"\ntimeout_secs = 5\n",
            t.url("/ok")
        ));
    }
    std::fs::write(&f.config, config).unwrap();
    f
}

fn verify_json(f: &Fixture, pdf: &std::path::Path, at: Option<&str>) -> Value {
    let mut cmd = f.cmd();
    cmd.arg("verify").arg("--json").arg(pdf);
    if let Some(at) = at {
        cmd.args(["--at", at]);
    }
    let out = run(&mut cmd);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
}

fn codes(report: &Value) -> Vec<String> {
    report["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{}",
                s["kind"].as_str().unwrap(),
                s["code"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn b_lta_is_issued_verified_by_both_and_outlives_the_certificate() {
    let tsa = tsa();
    let f = long_term_fixture("lta", "B-LTA", Some(&tsa));
    let (number, pdf) = f.issue_signed();
    let now = verify_json(&f, &pdf, None);
    assert_eq!(
        codes(&now),
        [
            "signature:valid",
            "signature:valid",
            "document_timestamp:valid"
        ],
        "{now}"
    );
    assert_eq!(now["signatures"][0]["level"], "PAdES B-LTA");
    assert_eq!(now["signatures"][1]["level"], "PAdES B-LTA");
    // pyHanko's AdES validation with revocation information required (what the DSS
    // holds: the CRLs of the issuing CA and the root) says both signatures are valid.
    let out = run(Command::new(pyhanko_bin().join("pyhanko"))
        .args([
            "sign",
            "adesverify",
            "--executive-summary",
            "--trust-replace",
            "--trust",
        ])
        .arg(matrix_pki().join("root.pem"))
        .arg(&pdf));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{summary}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(summary.matches(":VALID").count(), 2, "{summary}");
    // The DSS holds the paths and the CRLs: pyHanko's reader sees them.
    let dss = stdout(
        Command::new(pyhanko_bin().join("python"))
            .arg("-c")
            .arg(
                "import sys\nfrom pyhanko.pdf_utils.reader import PdfFileReader\n\
                 from pyhanko.sign.validation import DocumentSecurityStore\n\
                 d = DocumentSecurityStore.read_dss(PdfFileReader(open(sys.argv[1], 'rb')))\n\
                 print(len(list(d.certs)), len(d.crls), len(d.vri_entries))",
            )
            .arg(&pdf),
    );
    let counts: Vec<usize> = dss.split_whitespace().map(|n| n.parse().unwrap()).collect();
    assert!(counts[0] >= 5 && counts[1] >= 2 && counts[2] == 2, "{dss}");

    // In 2032 the agency's certificate has expired (2030): the signature made in 2026,
    // timestamped then, is still valid; the same keys without timestamps are not.
    let later = verify_json(&f, &pdf, Some("2032-06-01"));
    assert!(
        later["signatures"][1]["valid"].as_bool().unwrap(),
        "{later}"
    );
    assert!(
        later["signatures"][1]["validated_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-"),
        "{later}"
    );
    let plain = long_term_fixture("lta-bb", "B-B", None);
    let (_, bb) = plain.issue_signed();
    let bb_later = verify_json(&plain, &bb, Some("2032-06-01"));
    assert_eq!(bb_later["signatures"][1]["code"], "expired", "{bb_later}");
    assert!(
        bb_later["signatures"][1]["verdict"]
            .as_str()
            .unwrap()
            .contains("đã hết hạn (hết hạn 01/01/2030)")
    );

    // Archive renewal: not due yet, then due (a window past the TSA's 2039 expiry).
    let not_due = stdout(f.cmd().args(["register", "extend", "--within-days", "30"]));
    assert!(not_due.contains("chưa cần gia hạn"), "{not_due}");
    let before = std::fs::read(&pdf).unwrap();
    let due = stdout(
        f.cmd()
            .args(["register", "extend", "--within-days", "6000"]),
    );
    assert!(
        due.contains(&format!("{number} năm 2026: đã gia hạn")),
        "{due}"
    );
    let extended = f.stored_pdf(&number);
    let bytes = std::fs::read(&extended).unwrap();
    assert!(
        bytes.starts_with(&before),
        "the renewal is an incremental update"
    );
    let renewed = verify_json(&f, &extended, None);
    assert_eq!(
        codes(&renewed),
        [
            "signature:valid",
            "signature:valid",
            "document_timestamp:valid",
            "document_timestamp:valid"
        ],
        "{renewed}"
    );
    // The register still holds: hashes, counts, signatures.
    let verified = stdout(f.cmd().args(["register", "verify"]));
    assert!(
        verified.contains("mọi chữ ký số còn nguyên vẹn và hợp lệ"),
        "{verified}"
    );
    // Logged, and the issued row untouched.
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    let (action, detail): (String, String) = conn
        .query_row(
            "SELECT action, detail FROM audit_log WHERE action = 'extend'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(action, "extend");
    assert!(
        detail.starts_with("gia hạn dấu thời gian lưu trữ"),
        "{detail}"
    );
    let issued: Vec<u8> = conn
        .query_row("SELECT pdf FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(issued, before);
}

#[test]
fn b_lt_adds_validation_data_without_a_document_timestamp() {
    let tsa = tsa();
    let f = long_term_fixture("lt", "B-LT", Some(&tsa));
    let (_, pdf) = f.issue_signed();
    let report = verify_json(&f, &pdf, None);
    assert_eq!(
        codes(&report),
        ["signature:valid", "signature:valid"],
        "{report}"
    );
    assert_eq!(report["signatures"][1]["level"], "PAdES B-LT");
    // The DSS revision changed nothing a signature covers.
    assert!(
        report["signatures"][1]["changes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(report["signatures"][1]["later_revisions"], 1);
}

#[test]
fn a_long_term_level_without_a_timestamp_authority_is_refused() {
    let f = long_term_fixture("lt-no-tsa", "B-LTA", None);
    let out = run(f.cmd().arg("issue").arg(f.dir.join("cong-van.toml")).args([
        "--date",
        "2026-12-02",
        "--sign",
    ]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("level = \"B-LTA\" cần dấu thời gian: thêm mục [signing.tsa]"),
        "{err}"
    );
    // Nothing was numbered.
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn revocation_is_fetched_from_the_distribution_point_when_allowed() {
    let pki = matrix_pki();
    let served = tempfile::tempdir().unwrap();
    std::fs::copy(pki.join("int.crl"), served.path().join("int.crl")).unwrap();
    let server = Helper::start("verify/serve.py", &[served.path().as_os_str()]);
    // A certificate naming where its issuer's CRL is.
    let dir = served.path();
    std::fs::write(
        dir.join("ext.cnf"),
        format!(
            "[dp]\nbasicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\ncrlDistributionPoints = URI:{}\n",
            server.url("/int.crl")
        ),
    )
    .unwrap();
    stdout(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "365", "-set_serial", "77", "-in"])
            .arg(pki.join("good.csr"))
            .arg("-CA")
            .arg(pki.join("int.pem"))
            .arg("-CAkey")
            .arg(pki.join("int.key"))
            .arg("-extfile")
            .arg(dir.join("ext.cnf"))
            .args(["-extensions", "dp", "-out"])
            .arg(dir.join("dp.pem")),
    );
    let f = fixture_with("fetch", "");
    stdout(
        vanthu()
            .arg("render")
            .arg(f.dir.join("cong-van.toml"))
            .arg("--db")
            .arg(&f.db)
            .args(["--format", "pdf", "--out"])
            .arg(f.dir.join("nhap")),
    );
    let signed = f.dir.join("dp.pdf");
    stdout(
        Command::new(pyhanko_bin().join("pyhanko"))
            .args([
                "sign",
                "addsig",
                "--field",
                "Sig1",
                "pemder",
                "--no-pass",
                "--key",
            ])
            .arg(pki.join("good.key"))
            .arg("--cert")
            .arg(dir.join("dp.pem"))
            .arg("--chain")
            .arg(pki.join("int.pem"))
            .arg(f.dir.join("nhap/cong-van.pdf"))
            .arg(&signed),
    );
    // Only the root's CRL configured; the issuing CA's is at the distribution point.
    let root_only = |extra: &str| {
        format!(
            "[signing]\n{extra}trust = [\"{}\"]\ncrls = [\"{}\"]\n",
            pki.join("root.pem").display(),
            pki.join("root.crl").display()
        )
    };
    let check = |config: &str| -> Value {
        std::fs::write(&f.config, config).unwrap();
        verify_json(&f, &signed, None)["signatures"][0].clone()
    };
    let soft = check(&root_only(""));
    assert_eq!(soft["code"], "valid_revocation_unchecked", "{soft}");
    assert!(
        soft["verdict"]
            .as_str()
            .unwrap()
            .starts_with("Hợp lệ, nhưng chưa kiểm tra được tình trạng thu hồi")
    );
    let hard = check(&root_only("revocation = \"hard\"\n"));
    assert_eq!(hard["code"], "revocation_unchecked", "{hard}");
    assert!(!hard["valid"].as_bool().unwrap());
    assert!(
        std::fs::read_to_string(dir.join("requests.log"))
            .unwrap_or_default()
            .is_empty()
    );
    let fetched = check(&root_only(
        "revocation = \"hard\"\nfetch_revocation = true\n",
    ));
    assert_eq!(fetched["code"], "valid", "{fetched}");
    assert_eq!(fetched["revocation"]["state"], "good", "{fetched}");
    assert!(
        std::fs::read_to_string(dir.join("requests.log"))
            .unwrap()
            .contains("/int.crl")
    );
}
