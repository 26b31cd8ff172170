//! `vanthu doctor` against the real parts (issue 35): each configured key's certificate
//! (trusted and valid, expiring within 60 days, expired, revoked, a wrong password),
//! the time-stamping authority and the SMTP server, each named on its line in
//! Vietnamese, with exit 1 only when something would fail; a broken configuration file
//! has every mistake named with its line.

use crate::common::sign::*;
use crate::common::*;
use crate::mail::Smtp;

#[test]
fn the_doctor_names_each_key_the_timestamp_authority_and_the_mail_server() {
    let tsa = Helper::start("tsa_server.py", &[ca().as_os_str()]);
    let f = fixture(
        "doctor",
        &[
            (AGENCY, "agency.p12"),
            (PERSON, "soon.p12"),
            ("agency = \"ubnd-lac-son\"", "expired.p12"),
            ("person = \"tran-thi-binh\"", "revoked.p12"),
        ],
    );
    let mut config = std::fs::read_to_string(&f.config).unwrap();
    config.push_str(&format!(
        "[signing.tsa]\nurl = \"{}\"\ntimeout_secs = 5\n",
        tsa.url("/ok")
    ));
    std::fs::write(&f.config, config).unwrap();
    let smtp = Smtp::start(&f.dir, &["--auth", "vanthu:mat-khau-thu-di"]);
    let doctor = |password: &str| {
        run(f
            .cmd()
            .arg("doctor")
            .env("VANTHU_SMTP_HOST", "127.0.0.1")
            .env("VANTHU_SMTP_PORT", smtp.port.to_string())
            .env("VANTHU_SMTP_SECURITY", "plain")
            .env("VANTHU_SMTP_USER", "vanthu")
            .env("VANTHU_SMTP_PASSWORD", password))
    };

    let o = doctor("mat-khau-thu-di");
    let text = printed(&o);
    assert!(!o.status.success(), "{text}");
    let line = |start: &str| line_of(&text, start).to_string();
    assert!(
        line("khóa của cơ quan ubnd-hoa-binh:").contains(": dùng được, hết hạn ngày "),
        "{text}"
    );
    let soon = line("khóa của người ký nguyen-van-chuong:");
    assert!(
        soon.contains("CẢNH BÁO sắp hết hạn, còn 29 ngày") || soon.contains("còn 30 ngày"),
        "{soon}"
    );
    let expired = line("khóa của cơ quan ubnd-lac-son:");
    assert!(
        expired.contains("KHÔNG KÝ ĐƯỢC: chứng thư số") && expired.contains("hết hạn"),
        "{expired}"
    );
    assert!(
        line("khóa của người ký tran-thi-binh:").contains("KHÔNG KÝ ĐƯỢC"),
        "{text}"
    );
    assert!(
        line("khóa của người ký tran-thi-binh:").contains("thu hồi"),
        "{text}"
    );
    assert!(
        line("máy chủ dấu thời gian").contains("trả lời được, giờ "),
        "{text}"
    );
    assert!(
        line(&format!("máy chủ thư 127.0.0.1:{}", smtp.port))
            .contains("kết nối được (không mã hóa, đăng nhập được)"),
        "{text}"
    );
    // Two keys would not sign; the one expiring soon is a warning, not a failure.
    assert!(
        text.contains("cần sửa: 2 khóa ký số không ký được"),
        "{text}"
    );
    assert!(
        !text.contains("mat-khau-thu-di"),
        "no password is printed: {text}"
    );
    assert!(
        line("cơ sở dữ liệu ").ends_with("toàn vẹn, sổ văn bản đủ số"),
        "{text}"
    );
    assert!(line("phông chữ: ").contains("Liberation Serif"), "{text}");

    // A wrong mail password and a TSA that is gone: each said.
    drop(tsa);
    let o = doctor("sai-mat-khau");
    let text = printed(&o);
    assert!(!o.status.success(), "{text}");
    assert!(text.contains("máy chủ dấu thời gian: "), "{text}");
    assert!(
        text.contains("máy chủ dấu thời gian không trả lời"),
        "{text}"
    );
    assert!(
        line_of(&text, &format!("máy chủ thư 127.0.0.1:{}", smtp.port)).contains("535"),
        "{text}"
    );
    assert!(text.contains("chưa gửi thư được"), "{text}");
    assert!(!text.contains("sai-mat-khau"), "{text}");

    // A register with a hole and a font folder that is not there: each named.
    rusqlite::Connection::open(&f.db)
        .unwrap()
        .execute_batch(
            "INSERT INTO register_counters (issuer, series, year, last_number)
             VALUES ('ubnd-hoa-binh', 'main', 2020, 3)",
        )
        .unwrap();
    let o = run(f
        .cmd()
        .arg("doctor")
        .args(["--font-dir", "/khong/co/thu-muc"]));
    let text = printed(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("ubnd-hoa-binh 2020: sổ ghi số văn bản cuối 3 nhưng có 0 văn bản"),
        "{text}"
    );
    assert!(
        text.contains("cơ sở dữ liệu hỏng hoặc sổ văn bản thiếu số"),
        "{text}"
    );
    assert!(
        line_of(&text, "phông chữ: ").contains("/khong/co/thu-muc"),
        "{text}"
    );
    assert!(text.contains("thư mục phông chữ không đọc được"), "{text}");
}

#[test]
fn the_doctor_names_every_mistake_of_a_broken_configuration_and_checks_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let config = dir.path().join("vanthu.toml");
    std::fs::write(
        &config,
        "[server]\nbody_limit = \"tám mê\"\ncolour = \"xanh\"\n[mail]\nfolder = \"thu-di-khac\"\nconcurrency = 0\n[backup]\nat = \"25:00\"\n",
    )
    .unwrap();
    let o = run(cli(dir.path(), &db)
        .arg("--config")
        .arg(&config)
        .arg("doctor"));
    let text = printed(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        line_of(
            &text,
            &format!("{}: tệp cấu hình sai: dòng 2:", config.display())
        )
        .contains("sai kiểu: chuỗi \"tám mê\", cần một số nguyên không âm"),
        "{text}"
    );
    assert!(
        line_of(
            &text,
            &format!("{}: tệp cấu hình sai: dòng 3:", config.display())
        )
        .contains("khóa \"colour\" không có ở mục này (các khóa có: addr,"),
        "{text}"
    );
    assert!(
        line_of(&text, "cấu hình: mail.concurrency").contains("lớn hơn 0"),
        "{text}"
    );
    assert!(
        line_of(&text, "cấu hình: backup.at").contains("25:00"),
        "{text}"
    );
    assert!(text.contains("4 lỗi trong cấu hình"), "{text}");
    // The rest is checked with what could be read: the database, and the mail folder
    // of the file.
    assert!(
        line_of(&text, "cơ sở dữ liệu").contains("toàn vẹn"),
        "{text}"
    );
    assert!(text.contains("thu-di-khac"), "{text}");
}

/// The first line of `text` that starts with `start`.
fn line_of<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line {start:?}:\n{text}"))
}
