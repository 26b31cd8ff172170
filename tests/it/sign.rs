//! Ký số on the real binary with a test CA made by openssl (tests/fixtures/make-ca.sh):
//! signed documents validated by poppler's pdfsig, pyHanko and qpdf; the images
//! measured on the page; refused keys leaving the database as it was; `vanthu verify`
//! on intact, changed and foreign-signed files; the register and delivery of signed
//! files. The service's side is in tests/sign_service.rs, timestamps in tests/sign_tsa.rs.

use std::process::Command;

use crate::common::sign::*;
use crate::common::*;
use sha2::{Digest, Sha256};

#[test]
fn a_signed_issue_is_valid_in_pdfsig_pyhanko_and_qpdf() {
    let f = fixture("rsa", &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    let (number, pdf) = f.issue_signed();
    assert_eq!(number, "01/UBND-KT");

    // poppler: two signatures, both valid, the last one covering the whole file.
    let sig = pdfsig(&pdf);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
    assert!(sig.contains("Nguyen Van Chuong"), "{sig}");
    assert!(sig.contains("UBND tinh Hoa Binh"), "{sig}");
    assert!(sig.contains("ETSI.CAdES.detached"), "{sig}");
    let last = sig.rsplit("Signature #").next().unwrap();
    assert!(last.contains("Total document signed"), "{sig}");

    // qpdf: the incremental updates are well formed.
    let check = run(Command::new("qpdf").arg("--check").arg(&pdf));
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    // pyHanko: both signatures trusted to the test root, sound, and the update after
    // the first one judged a permitted signing operation.
    let (ok, report) = pyhanko_validate(&pdf, &f.ca.join("root.pem"));
    assert!(ok, "{report}");
    assert_eq!(
        report.matches("The signature is judged VALID.").count(),
        2,
        "{report}"
    );
    assert_eq!(
        report
            .matches("The signer's certificate is trusted.")
            .count(),
        2,
        "{report}"
    );
    assert!(
        report.contains("All modifications relate to signing and form filling operations"),
        "{report}"
    );
    // PAdES B-B as pyHanko's reader sees the CMS: exactly content-type, message-digest
    // and signing-certificate-v2 signed, SHA-256, no signing-time attribute.
    let attrs = stdout(
        Command::new(pyhanko_bin().join("python"))
            .arg(root().join("tests/sign_check.py"))
            .arg("attrs")
            .arg(&pdf),
    );
    let attrs: serde_json::Value = serde_json::from_str(&attrs).unwrap();
    assert_eq!(attrs.as_array().unwrap().len(), 2);
    for a in attrs.as_array().unwrap() {
        assert_eq!(a["sub_filter"], "/ETSI.CAdES.detached", "{a}");
        assert_eq!(a["digest"], "sha256", "{a}");
        assert_eq!(
            a["signed"],
            serde_json::json!(["content_type", "message_digest", "signing_certificate_v2"]),
            "{a}"
        );
    }

    // vanthu's own verification says the same, in Vietnamese.
    let text = stdout(f.cmd().arg("verify").arg(&pdf));
    assert_eq!(text.matches(": Hợp lệ.\n").count(), 2, "{text}");
    assert_eq!(text.matches("Mã kết luận: valid\n").count(), 2, "{text}");
    assert_eq!(text.matches("Định dạng: PAdES B-B").count(), 2, "{text}");
    assert!(text.contains("Phạm vi: toàn bộ tệp"), "{text}");
    assert!(
        text.contains("1 chữ ký số hoặc dấu thời gian khác), chỉ thêm chữ ký"),
        "{text}"
    );
    // Both paths checked against the configured CRLs of the issuing CA and the root.
    assert_eq!(
        text.matches("Tình trạng thu hồi: đã kiểm tra, không bị thu hồi")
            .count(),
        2,
        "{text}"
    );
    // The register recorded both, and re-checks them.
    let show = stdout(
        f.cmd()
            .args(["register", "show", &number, "--year", "2026"]),
    );
    assert!(
        show.contains("Chữ ký số 1:") && show.contains("(người ký)"),
        "{show}"
    );
    assert!(
        show.contains("Chữ ký số 2:") && show.contains("(cơ quan)"),
        "{show}"
    );
    let verified = stdout(f.cmd().args(["register", "verify"]));
    assert!(
        verified.contains("mọi chữ ký số còn nguyên vẹn"),
        "{verified}"
    );
}

#[test]
fn the_images_stand_in_the_signature_block() {
    let f = fixture("images", &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    let (_, pdf) = f.issue_signed();
    let out = stdout(
        Command::new(pyhanko_bin().join("python"))
            .arg(root().join("tests/sign_check.py"))
            .arg("images")
            .arg(&pdf),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let images = v["images"].as_array().unwrap();
    assert_eq!(images.len(), 2, "{out}");
    let sig = images
        .iter()
        .find(|i| i["width_px"] == 600)
        .expect("the signature image");
    let seal = images
        .iter()
        .find(|i| i["width_px"] == 500)
        .expect("the seal image");
    let f64_of = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap();
    // The seal at its real size: 36 mm.
    let seal_mm = (f64_of(seal, "x1") - f64_of(seal, "x0")) / 72.0 * 25.4;
    assert!((seal_mm - 36.0).abs() < 0.3, "seal {seal_mm} mm");
    // It covers about the left third of the signature image: its right edge sits a
    // third of the way in.
    let (sx0, sx1) = (f64_of(sig, "x0"), f64_of(sig, "x1"));
    let third = sx0 + (sx1 - sx0) / 3.0;
    assert!((f64_of(seal, "x1") - third).abs() < 1.0, "{out}");
    assert!(
        f64_of(seal, "x0") < sx0,
        "the seal reaches left of the signature"
    );
    // Both between the signer's title and name, the signature centred on the name.
    let words = v["words"].as_array().unwrap();
    // The last title line ("PHÓ CHỦ TỊCH") and the name, the last words of the block.
    let title = words.iter().rfind(|w| w["text"] == "PHÓ").expect("title");
    let name = words.iter().rfind(|w| w["text"] == "Chương").expect("name");
    let (t_bottom, n_top) = (f64_of(title, "bottom"), f64_of(name, "top"));
    let sig_mid = (f64_of(sig, "top") + f64_of(sig, "bottom")) / 2.0;
    assert!(t_bottom < sig_mid && sig_mid < n_top, "{out}");
    let name_words: Vec<_> = words
        .iter()
        .filter(|w| (f64_of(w, "top") - n_top).abs() < 1.0)
        .collect();
    let name_mid = (f64_of(name_words[0], "x0") + f64_of(name_words.last().unwrap(), "x1")) / 2.0;
    assert!(((sx0 + sx1) / 2.0 - name_mid).abs() < 2.0, "{out}");
}

#[test]
fn legacy_3des_key_files_sign_too() {
    let f = fixture(
        "3des",
        &[(AGENCY, "agency.p12"), (PERSON, "signer-3des.p12")],
    );
    let (_, pdf) = f.issue_signed();
    let sig = pdfsig(&pdf);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
}

#[test]
fn ecdsa_keys_sign_too() {
    let f = fixture(
        "ec",
        &[(AGENCY, "agency-ec.p12"), (PERSON, "signer-ec.p12")],
    );
    let (_, pdf) = f.issue_signed();
    let sig = pdfsig(&pdf);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
    let (ok, report) = pyhanko_validate(&pdf, &f.ca.join("root.pem"));
    assert!(ok, "{report}");
}

#[test]
fn refused_keys_take_no_number_and_store_nothing() {
    let cases = [
        ("expired", "expired.p12", PASSWORD, "đã hết hạn"),
        ("future", "future.p12", PASSWORD, "chưa có hiệu lực"),
        ("usage", "encrypt.p12", PASSWORD, "không dùng để ký được"),
        ("revoked", "revoked.p12", PASSWORD, "đã bị thu hồi"),
        (
            "password",
            "signer.p12",
            "sai-mat-khau",
            "mật khẩu của tệp khóa",
        ),
    ];
    for (name, p12, password, message) in cases {
        let f = fixture(name, &[(AGENCY, "agency.p12"), (PERSON, p12)]);
        let before = std::fs::read(&f.db).unwrap();
        let out = run(f
            .cmd()
            .env("VANTHU_TEST_KEY", password)
            .arg("issue")
            .arg(f.dir.join("cong-van.toml"))
            .args(["--date", "2026-12-02", "--sign"]));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}");
        assert!(err.contains(message), "{name}: {err}");
        assert!(err.contains("không ký số được"), "{name}: {err}");
        assert!(
            !err.contains(PASSWORD) && !err.contains("sai-mat-khau"),
            "{name}: {err}"
        );
        assert_eq!(
            std::fs::read(&f.db).unwrap(),
            before,
            "{name}: the database changed"
        );
        // The next issue still gets number 01.
        let list = stdout(f.cmd().args(["register", "list"]));
        assert!(list.trim().is_empty(), "{name}: {list}");
    }
}

#[test]
fn a_missing_key_or_image_is_refused_before_numbering() {
    let f = fixture("nokey", &[(AGENCY, "agency.p12")]);
    let before = std::fs::read(&f.db).unwrap();
    let out = run(f.cmd().arg("issue").arg(f.dir.join("cong-van.toml")).args([
        "--date",
        "2026-12-02",
        "--sign",
    ]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("chưa cấu hình khóa ký số cho người ký nguyen-van-chuong"),
        "{err}"
    );
    assert_eq!(std::fs::read(&f.db).unwrap(), before);
}

#[test]
fn verify_reports_a_changed_byte_and_reads_foreign_signatures() {
    let f = fixture("verify", &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    let (_, pdf) = f.issue_signed();
    let mut bytes = std::fs::read(&pdf).unwrap();
    // Change one byte of the rendered page content (well before the signatures).
    let at = bytes.len() / 3;
    bytes[at] ^= 0x01;
    let changed = f.dir.join("sua.pdf");
    std::fs::write(&changed, &bytes).unwrap();
    let out = run(f.cmd().arg("verify").arg(&changed));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert_eq!(
        text.matches("Không hợp lệ: mã băm của nội dung khác mã băm đã ký: tệp đã bị sửa")
            .count(),
        2,
        "{text}"
    );

    // A PDF signed by pyHanko is read the same way.
    let plain = f.dir.join("khong-ky.pdf");
    stdout(
        vanthu()
            .arg("render")
            .arg(f.dir.join("cong-van.toml"))
            .arg("--db")
            .arg(&f.db)
            .args(["--format", "pdf", "--out"])
            .arg(f.dir.join("nhap")),
    );
    let draft_pdf = std::fs::read_dir(f.dir.join("nhap"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();
    std::fs::copy(&draft_pdf, &plain).unwrap();
    let foreign = f.dir.join("pyhanko.pdf");
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
            .arg(f.ca.join("signer.key"))
            .arg("--cert")
            .arg(f.ca.join("signer.pem"))
            .arg("--chain")
            .arg(f.ca.join("int.pem"))
            .arg(&plain)
            .arg(&foreign),
    );
    let text = stdout(f.cmd().arg("verify").arg(&foreign));
    assert!(text.contains("Tệp có 1 chữ ký số"), "{text}");
    assert!(text.contains("Nguyen Van Chuong"), "{text}");
    assert!(text.contains("Chữ ký 1: Hợp lệ."), "{text}");
    // An unsigned file has none.
    let out = run(f.cmd().arg("verify").arg(&plain));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("không có chữ ký số nào"));
}

#[test]
fn the_emailed_attachment_is_the_signed_file() {
    let f = fixture("mail", &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    // A recipient with a mailbox.
    std::fs::write(
        f.dir.join("nhan.toml"),
        r#"
[[agencies]]
id = "ubnd-lac-son"
name = ["Ủy ban nhân dân", "huyện Lạc Sơn"]
parent = "ubnd-hoa-binh"
level = "district"
place = "Lạc Sơn"
abbreviation = "UBND"
short_name = "UBND huyện Lạc Sơn"
email = "ubnd@lacson.vanthu.example"
"#,
    )
    .unwrap();
    stdout(f.cmd().arg("import").arg(f.dir.join("nhan.toml")));
    let letter = std::fs::read_to_string(f.dir.join("cong-van.toml"))
        .unwrap()
        .replace(
            "addressees = [\"UBND các huyện, thành phố\"]",
            "addressees = [\"@ubnd-lac-son\"]",
        );
    std::fs::write(f.dir.join("cong-van.toml"), letter).unwrap();
    let (number, pdf) = f.issue_signed();
    let outbox = f.dir.join("thu-di");
    stdout(
        f.cmd()
            .env("VANTHU_MAIL_FOLDER", &outbox)
            .args(["send", &number, "--year", "2026"]),
    );
    let eml = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "eml"))
        .expect("one message written");
    let out = run(Command::new(pyhanko_bin().join("python"))
        .arg(root().join("tests/sign_check.py"))
        .arg("attachment")
        .arg(&eml));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        std::fs::read(&pdf).unwrap(),
        "attachment differs"
    );
}

#[test]
fn an_electronic_annex_leaves_its_number_and_date_unfilled() {
    let f = fixture("annex", &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    let letter = std::fs::read_to_string(f.dir.join("cong-van.toml")).unwrap()
        + "\n[[annexes]]\ntitle = \"Danh sách sản phẩm\"\nbody = \"Sản phẩm thứ nhất.\"\n";
    std::fs::write(f.dir.join("cong-van.toml"), letter).unwrap();
    let (_, pdf) = f.issue_signed();
    let text = pdf_lines(&pdf).join(" ");
    // The signed file's annex: "(Kèm theo Công văn số /UBND-KT ngày tháng năm 2026 …)",
    // no number and no date filled in.
    assert!(
        text.contains("(Kèm theo Công văn số /UBND-KT ngày tháng năm 2026 của UBND tỉnh Hòa Bình)"),
        "{text}"
    );
    assert!(!text.contains("Công văn số 01/UBND-KT"), "{text}");
    // The DOCX is the editable copy: its annex line is filled as on paper.
    let sig = pdfsig(&pdf);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
}

#[test]
fn a_bad_image_in_an_import_stores_nothing() {
    let f = fixture(
        "badimage",
        &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")],
    );
    std::fs::write(f.dir.join("anh/trang.png"), png::opaque(50, 20)).unwrap();
    std::fs::write(f.dir.join("anh/khong-phai.png"), b"GIF89a...").unwrap();
    let cases = [
        ("signature_image = \"anh/trang.png\"", "nền trong suốt"),
        (
            "signature_image = \"anh/khong-phai.png\"",
            "không phải ảnh PNG",
        ),
        (
            "signature_image = \"anh/khong-co.png\"",
            "không đọc được ảnh",
        ),
    ];
    for (line, message) in cases {
        std::fs::write(
            f.dir.join("them.toml"),
            format!(
                "[[people]]\nid = \"nguoi-moi\"\nagency = \"ubnd-hoa-binh\"\nname = \"Lê Mới\"\ntitle = \"CHỦ TỊCH\"\n{line}\n"
            ),
        )
        .unwrap();
        let before = std::fs::read(&f.db).unwrap();
        let out = run(f.cmd().arg("import").arg(f.dir.join("them.toml")));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{line}");
        assert!(
            err.contains("signature_image") && err.contains(message),
            "{line}: {err}"
        );
        assert_eq!(std::fs::read(&f.db).unwrap(), before, "{line}");
    }
    // A seal needs its diameter, inside 20–60 mm.
    std::fs::write(
        f.dir.join("them.toml"),
        std::fs::read_to_string(f.dir.join("du-lieu.toml"))
            .unwrap()
            .replace("seal_diameter_mm = 36", "seal_diameter_mm = 200"),
    )
    .unwrap();
    let out = run(f
        .cmd()
        .args(["import", "--update"])
        .arg(f.dir.join("them.toml")));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("seal_diameter_mm") && err.contains("200 mm"),
        "{err}"
    );
}

#[test]
fn sending_an_unsigned_document_warns_and_is_refused_where_required() {
    let f = fixture(
        "unsigned",
        &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")],
    );
    let number = stdout(
        f.cmd()
            .arg("issue")
            .arg(f.dir.join("cong-van.toml"))
            .args(["--date", "2026-12-02"]),
    )
    .trim()
    .to_string();
    let out = stdout(
        f.cmd()
            .args(["send", &number, "--year", "2026", "--dry-run"]),
    );
    assert!(out.contains("văn bản chưa ký số"), "{out}");
    let config = std::fs::read_to_string(&f.config).unwrap().replace(
        "[signing]\n",
        "[signing]\nrequire_signature = [\"ubnd-hoa-binh\"]\n",
    );
    std::fs::write(&f.config, config).unwrap();
    let out = run(f
        .cmd()
        .args(["send", &number, "--year", "2026", "--dry-run"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("phải được ký số trước khi gửi"), "{err}");
}

#[test]
fn register_verify_finds_a_stored_signed_file_that_changed() {
    let f = fixture("tamper", &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")]);
    f.issue_signed();
    stdout(f.cmd().args(["register", "verify"]));
    // Someone with the database file goes around the triggers that keep issued
    // documents immutable and changes one byte of the stored PDF and its hash.
    {
        let conn = rusqlite::Connection::open(&f.db).unwrap();
        let mut pdf: Vec<u8> = conn
            .query_row("SELECT pdf FROM documents", [], |r| r.get(0))
            .unwrap();
        let at = pdf.len() / 3;
        pdf[at] ^= 1;
        let sha: String = Sha256::digest(&pdf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let triggers: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'documents'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for t in triggers {
            conn.execute(&format!("DROP TRIGGER {t}"), []).unwrap();
        }
        conn.execute(
            "UPDATE documents SET pdf = ?1, pdf_sha256 = ?2",
            rusqlite::params![pdf, sha],
        )
        .unwrap();
    }
    let out = run(f.cmd().args(["register", "verify"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(err.matches("tệp đã bị sửa").count(), 2, "{err}");
    assert!(
        err.contains("Chữ ký 1 (Nguyen Van Chuong): Không hợp lệ"),
        "{err}"
    );
    assert!(err.contains("01/UBND-KT năm 2026"), "{err}");
}
