//! The verifier against pyHanko: every case of tests/verify/matrix.py (made in this run
//! from the PKI of tests/verify/make-pki.sh: algorithms, levels, vanthu's own file and
//! what others add to it, changes after signing, byte-range tricks, certificate
//! defects, encryption) is verified by `vanthu verify --json` and by pyHanko with the
//! same trust root and CRLs. Signature by signature the verdicts agree, except where
//! vanthu is deliberately different (`DIFFERENCES`, each explained in the README).

use std::collections::HashMap;
use std::process::Command;

use crate::common::sign::*;
use crate::common::*;
use serde_json::Value;

/// Cases where vanthu's verdict differs from pyHanko's on purpose: (case, vanthu's
/// codes, why).
const DIFFERENCES: [(&str, &[&str], &str); 4] = [
    (
        "cert-dsonly",
        &["valid"],
        "digitalSignature is enough for a signer (pyHanko's default asks nonRepudiation)",
    ),
    (
        "cert-server",
        &["wrong_key_usage"],
        "an extended key usage that excludes document signing (serverAuth only) is refused",
    ),
    (
        "duplicate-contents",
        &["malformed"],
        "a signature dictionary naming a key twice is refused",
    ),
    (
        "vanthu-info-changed",
        &["modified_after_signing", "modified_after_signing"],
        "a change of /Info beyond /ModDate and /Producer is a change after signing",
    ),
];

fn python() -> Command {
    Command::new(pyhanko_bin().join("python"))
}

#[test]
fn vanthus_verdicts_match_pyhankos_on_the_matrix() {
    let pki = matrix_pki();
    let f = fixture_with("matrix", "");
    std::fs::write(&f.config, matrix_config(&pki, "good", "other", "")).unwrap();
    let (_, signed) = f.issue_signed();
    stdout(
        vanthu()
            .arg("render")
            .arg(f.dir.join("cong-van.toml"))
            .arg("--db")
            .arg(&f.db)
            .args(["--format", "pdf", "--out"])
            .arg(f.dir.join("nhap")),
    );
    let plain = f.dir.join("nhap/cong-van.pdf");
    let cases_dir = f.dir.join("cases");
    stdout(
        python()
            .arg(root().join("tests/verify/matrix.py"))
            .arg("make")
            .arg(&pki)
            .arg(&cases_dir)
            .arg(&plain)
            .arg(&signed),
    );
    let cases: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(cases_dir.join("cases.json")).unwrap())
            .unwrap();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let files: Vec<String> = cases
        .values()
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect();
    let pyhanko: HashMap<String, Value> = stdout(
        python()
            .arg(root().join("tests/verify/matrix.py"))
            .arg("validate")
            .arg(&pki)
            .args(&files),
    )
    .lines()
    .map(|l| {
        let v: Value = serde_json::from_str(l).unwrap();
        (v["file"].as_str().unwrap().to_string(), v)
    })
    .collect();

    let mut reports = HashMap::new();
    let mut disagreements = vec![];
    for (name, case) in &cases {
        let file = case["file"].as_str().unwrap();
        let out = run(f.cmd().arg("verify").arg("--json").arg(file));
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{name}: {}", String::from_utf8_lossy(&out.stderr)));
        // The exit code says the same as the report.
        assert_eq!(
            out.status.success(),
            report["all_valid"].as_bool().unwrap(),
            "{name}"
        );
        let ours: Vec<bool> = report["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["valid"].as_bool().unwrap())
            .collect();
        let theirs = &pyhanko[file];
        let theirs: Vec<bool> = if theirs["readable"].as_bool().unwrap() {
            theirs["signatures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["bottom_line"].as_bool().unwrap())
                .collect()
        } else {
            vec![]
        };
        let codes: Vec<String> = report["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["code"].as_str().unwrap().to_string())
            .collect();
        match DIFFERENCES.iter().find(|(n, ..)| n == name) {
            Some((_, expected, why)) => {
                assert_eq!(codes, *expected, "{name} ({why})");
                assert_ne!(
                    ours, theirs,
                    "{name}: pyHanko now agrees; the difference ({why}) is gone"
                );
            }
            None => {
                if ours != theirs {
                    disagreements.push(format!(
                        "{name}: vanthu {codes:?}, pyHanko {}",
                        pyhanko[file]
                    ));
                }
            }
        }
        reports.insert(name.clone(), report);
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));

    // What the clerk reads for the attacks and defects of issue 31.
    let verdicts = |name: &str| -> Vec<String> {
        reports[name]["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["verdict"].as_str().unwrap().to_string())
            .collect()
    };
    let code = |name: &str, i: usize| {
        reports[name]["signatures"][i]["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        verdicts("shadow"),
        [
            "Văn bản đã bị sửa sau khi ký: trang 1: nội dung thay đổi",
            "Văn bản đã bị sửa sau khi ký: trang 1: nội dung thay đổi",
            "Hợp lệ"
        ]
    );
    assert_eq!(code("widened-gap", 0), "bad_byte_range");
    assert!(verdicts("duplicate-contents")[0].contains("/Contents hai lần"));
    assert_eq!(
        verdicts("cert-expired"),
        ["Không hợp lệ: chứng thư số của Het Han đã hết hạn (hết hạn 01/01/2021)"]
    );
    assert_eq!(code("cert-future", 0), "not_yet_valid");
    assert_eq!(code("cert-encrypt", 0), "wrong_key_usage");
    assert_eq!(code("cert-ca-key", 0), "wrong_key_usage");
    assert!(
        verdicts("cert-revoked")[0].starts_with("Không hợp lệ: chứng thư số đã bị thu hồi ngày ")
    );
    assert_eq!(code("cert-critical", 0), "unknown_critical_extension");
    assert_eq!(
        verdicts("cert-issued-by-end-entity"),
        ["Không hợp lệ: Nguyen Van Ky không phải tổ chức được phép cấp chứng thư số"]
    );
    assert_eq!(code("cert-path-too-long", 0), "invalid_issuer");
    assert_eq!(code("cert-stranger", 0), "untrusted");
    assert_eq!(code("rsa-sha1", 0), "unsupported_algorithm");
    assert_eq!(code("rsa-1024", 0), "unsupported_algorithm");
    assert_eq!(code("b-t-not-a-tsa", 0), "invalid_timestamp");
    assert!(verdicts("vanthu-annotated")[0].ends_with("trang 1: thêm chú thích"));
    assert!(verdicts("vanthu-text-field")[0].contains("thêm trường không phải chữ ký số"));
    assert!(verdicts("vanthu-page-added")[0].contains("cây trang"));
    assert_eq!(reports["encrypted-user-password"]["encrypted"], true);
    assert!(
        reports["encrypted-user-password"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("Tệp có mật khẩu")
    );
    // Every algorithm of the issue is valid, named in the details.
    for name in [
        "rsa-sha256",
        "rsa-sha384",
        "rsa-sha512",
        "pss-sha256",
        "pss-sha384",
        "pss-sha512",
        "p256-sha256",
        "p256-sha512",
        "p384-sha256",
        "p384-sha384",
        "p521-sha512",
    ] {
        assert_eq!(code(name, 0), "valid", "{name}");
    }
    assert!(
        reports["pss-sha512"]["signatures"][0]["algorithm"]
            .as_str()
            .unwrap()
            .starts_with("RSASSA-PSS, SHA-512")
    );
    // vanthu's own signatures stay valid whatever signatures, DSS and timestamps follow.
    for name in [
        "vanthu-countersigned",
        "vanthu-ltvfix",
        "vanthu-timestamped",
        "vanthu-ltvfix-timestamped",
    ] {
        assert_eq!(&code(name, 0), "valid", "{name}");
        assert_eq!(&code(name, 1), "valid", "{name}");
    }
    assert_eq!(reports["b-lta"]["signatures"][0]["level"], "PAdES B-LTA");
    assert_eq!(
        reports["b-lta"]["signatures"][1]["kind"],
        "document_timestamp"
    );
    assert_eq!(reports["b-t"]["signatures"][0]["level"], "PAdES B-T");
    assert!(reports["b-t"]["signatures"][0]["timestamp"].is_string());
}
