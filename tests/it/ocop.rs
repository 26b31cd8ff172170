//! OCOP documents composed from the demo data: the reminder dispatch.

use crate::common;

use std::path::{Path, PathBuf};

use crate::common::*;

fn remind(db: &Path, out: &Path, date: &str, extra: &[&str]) -> std::process::Output {
    run(vanthu()
        .arg("--db")
        .arg(db)
        .args([
            "ocop",
            "remind",
            "--milestone",
            "bg-2020-danh-gia-huyen",
            "--issuer",
            "snn-bac-giang",
            "--date",
            date,
            "--out",
        ])
        .arg(out)
        .args(extra))
}

fn report(db: &Path, agency: &str, on: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    let n = c
        .execute(
            "UPDATE milestone_agencies SET reported_on = ?1 WHERE milestone_id = 'bg-2020-danh-gia-huyen' AND agency_id = ?2",
            [on, agency],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn the_reminder_goes_only_to_agencies_that_have_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    report(&db, "ubnd-luc-nam", "2020-10-20");
    report(&db, "ubnd-yen-the", "2020-10-28"); // reports after the reminder's day: still reminded
    let out = dir.path().join("r");
    let o = remind(&db, &out, "2020-10-23", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = out.join("nhac-han-bg-2020-danh-gia-huyen-2020-10-23.pdf");
    let lines = pdf_lines(&pdf);
    assert_lines(
        &lines,
        &[
            "UBND TỈNH BẮC GIANG",
            "Số: /SNN-PTNT",
            "Bắc Giang, ngày tháng 10 năm 2020",
            "Kính gửi:",
            "- UBND huyện Lục Ngạn;",
            "- UBND huyện Yên Thế;",
            "- UBND thành phố Bắc Giang.",
            "- Như trên;",
            "- Lưu: VT, PTNT.",
            "GIÁM ĐỐC",
            "Dương Thanh Tùng",
        ],
        "reminder",
    );
    let text = lines.join(" ");
    assert!(
        !text.contains("UBND huyện Lục Nam"),
        "Lục Nam reported: {text}"
    );
    assert!(text.contains("trước ngày 30/10/2020"));
    assert!(text.contains("Đến nay còn 7 ngày"), "{text}");
    assert!(
        out.join("nhac-han-bg-2020-danh-gia-huyen-2020-10-23.docx")
            .exists()
    );
}

#[test]
fn after_the_deadline_the_wording_says_overdue_and_the_deadline_is_bold() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let store = vanthu::store::Store::open(&db).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2020, 11, 2).unwrap();
    let c = vanthu::ocop::reminder(
        &store,
        &vanthu::ocop::ReminderRequest {
            milestone: "bg-2020-danh-gia-huyen",
            date,
            issuer: Some("snn-bac-giang"),
            signer: None,
        },
    )
    .unwrap();
    let body = &c.document.parts().body;
    let all: String = body
        .iter()
        .filter_map(|b| match b {
            vanthu::model::Block::Paragraph { runs }
            | vanthu::model::Block::Numbered { runs, .. } => Some(vanthu::model::plain_text(runs)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(all.contains("đã quá thời hạn"), "{all}");
    assert!(all.contains("đã quá hạn, đề nghị thực hiện ngay"), "{all}");
    let bold_deadline = body.iter().any(|b| match b {
        vanthu::model::Block::Paragraph { runs } => runs.iter().any(|r| {
            matches!(r, vanthu::model::Inline::Text { text, bold: true, .. } if text.contains("30/10/2020"))
        }),
        _ => false,
    });
    assert!(bold_deadline, "the deadline is printed in bold");
    assert_eq!(c.document.parts().addressees.len(), 4);
}

#[test]
fn nothing_to_remind_and_bad_requests_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    for a in [
        "ubnd-luc-nam",
        "ubnd-luc-ngan",
        "ubnd-yen-the",
        "ubnd-tp-bac-giang",
    ] {
        report(&db, a, "2020-10-20");
    }
    let out = dir.path().join("r");
    let o = remind(&db, &out, "2020-10-23", &[]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("đã báo cáo"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists(), "nothing written");
    let o = run(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "remind",
        "--milestone",
        "khong-co",
        "--date",
        "2020-10-23",
    ]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("không có mốc thời hạn mã \"khong-co\""));
    // UBND tỉnh Bắc Giang runs the programme but has no signer in the demo data.
    let o = run(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "remind",
        "--milestone",
        "bg-2020-chuyen-ho-so",
        "--date",
        "2020-11-01",
        "--issuer",
        "ubnd-bac-giang",
    ]));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("chưa có người ký"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A district that must report is not an agency of the province's programme: it does
    // not write the programme's reminders (nor does an agency of another province).
    for (issuer, name) in [
        ("ubnd-luc-ngan", "UBND huyện Lục Ngạn"),
        ("ubnd-quang-binh", "UBND tỉnh Quảng Bình"),
    ] {
        let o = run(vanthu().arg("--db").arg(&db).args([
            "ocop",
            "remind",
            "--milestone",
            "bg-2020-chuyen-ho-so",
            "--date",
            "2020-11-01",
            "--issuer",
            issuer,
        ]));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "{name} không thuộc Chương trình Mỗi xã một sản phẩm tỉnh Bắc Giang năm 2020"
            )),
            "{issuer}: {err}"
        );
    }
}

#[test]
fn a_reminder_can_be_issued_through_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let o = remind(&db, &dir.path().join("r"), "2020-10-23", &["--issue"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "01/SNN-PTNT");
    let shown = stdout(vanthu().arg("--db").arg(&db).args([
        "register",
        "show",
        "01/SNN-PTNT",
        "--year",
        "2020",
    ]));
    assert!(shown.contains("Ngày:        2020-10-23"), "{shown}");
    assert!(
        shown.contains("V/v đôn đốc thực hiện hoàn thành đánh giá"),
        "{shown}"
    );
}

#[test]
fn the_readme_ocop_commands_run_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let outputs = run_readme_block("## OCOP documents", dir.path(), Some(&db));
    assert!(
        outputs.iter().any(|o| o.trim() == "01/SNN-PTNT"),
        "{outputs:?}"
    );
    for f in [
        "out/nhac-han-bg-2020-danh-gia-huyen-2020-10-23.pdf",
        "out/quyet-dinh-luc-nam-2021-dot-1.pdf",
        "out/chuyen-ho-so-luc-nam-2021-dot-1.pdf",
        "out/ke-hoach-luc-nam-2021.pdf",
        "out/het-han-ubnd-cao-loc-2024-07-20.pdf",
        "out/gcn-3520-QĐ-UBND.pdf",
        "out/gcn-3520-QĐ-UBND/001-cl-hong-bao-lam.pdf",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
}

fn with_evaluations(dir: &Path) -> PathBuf {
    let db = demo_db(dir);
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(root().join("data/luc-nam-evaluations.toml")),
    );
    db
}

fn decide(db: &Path, issuer: &str, out: &Path) -> std::process::Output {
    run(vanthu()
        .arg("--db")
        .arg(db)
        .args([
            "ocop",
            "decide",
            "--round",
            "luc-nam-2021-dot-1",
            "--issuer",
            issuer,
            "--date",
            "2021-07-20",
            "--out",
        ])
        .arg(out))
}

#[test]
fn a_district_certifies_3_stars_and_sends_4_stars_to_the_province() {
    let dir = tempfile::tempdir().unwrap();
    let db = with_evaluations(dir.path());
    let out = dir.path().join("d");
    let o = decide(&db, "ubnd-luc-nam", &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = String::from_utf8_lossy(&o.stderr);
    assert!(
        report.contains("Hạt dẻ Mai Sưu: 48 điểm: 2 sao, không đạt"),
        "{report}"
    );
    assert!(
        report.contains("Đông trùng hạ thảo: 70 điểm: 4 sao, chuyển cấp trên"),
        "{report}"
    );

    let lines = pdf_lines(&out.join("quyet-dinh-luc-nam-2021-dot-1.pdf"));
    assert_lines(
        &lines,
        &[
            "Số: /QĐ-UBND",
            "QUYẾT ĐỊNH",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN LỤC NAM",
            "QUYẾT ĐỊNH:",
            "- Như Điều 3;",
            "- UBND tỉnh Bắc Giang (b/c);",
            "- Lưu: VT, NN.",
            "Phụ lục",
        ],
        "decision",
    );
    let text = lines.join(" ");
    assert!(
        text.contains(
            "Về việc phê duyệt kết quả đánh giá, phân hạng và công nhận sản phẩm OCOP năm 2021"
        ),
        "{text}"
    );
    // Dated 2021: the OCOP criteria then were 1048/QĐ-TTg (148/QĐ-TTg came in 2023).
    assert!(
        text.contains("Căn cứ Quyết định số 1048/QĐ-TTg ngày 21/8/2019"),
        "{text}"
    );
    assert!(!text.contains("148/QĐ-TTg ngày 24/02/2023"), "{text}");
    assert!(
        text.contains("Điều 1. Phê duyệt kết quả đánh giá, phân hạng và công nhận 03 sản phẩm"),
        "{text}"
    );
    assert!(text.contains("36 tháng kể từ ngày ký"), "{text}");
    for certified in ["Dưa lưới", "Dứa Bảo Sơn", "Bưởi Mai Sưu"] {
        assert!(text.contains(certified), "{certified}");
    }
    for not_here in ["Hạt dẻ", "Na dai", "Đông trùng"] {
        assert!(
            !text.contains(not_here),
            "{not_here} must not be in the decision"
        );
    }
    let transfer = pdf_lines(&out.join("chuyen-ho-so-luc-nam-2021-dot-1.pdf")).join(" ");
    assert!(
        transfer.contains("Kính gửi: UBND tỉnh Bắc Giang"),
        "{transfer}"
    );
    assert!(
        transfer.contains("Na dai Lục Nam") && transfer.contains("Đông trùng hạ thảo"),
        "{transfer}"
    );
    assert!(!transfer.contains("Dưa lưới"), "{transfer}");
}

#[test]
fn the_two_tier_policy_of_2025_is_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = with_evaluations(dir.path());
    // Bắc Giang after 1 July 2025: the province certifies 3★ and 4★; no district tier.
    let (_d, tiers) = letter_file(
        "tiers.toml",
        "[[tiers]]\nprovince = \"ubnd-bac-giang\"\nlevel = \"province\"\nmin_stars = 3\nmax_stars = 4\n\n\
         [[tiers]]\nprovince = \"ubnd-bac-giang\"\nlevel = \"national\"\nmin_stars = 5\nmax_stars = 5\n",
    );
    stdout(vanthu().arg("--db").arg(&db).arg("import").arg(&tiers));
    let (_d, bad) = letter_file(
        "bad-tiers.toml",
        "[[tiers]]\nprovince = \"ubnd-bac-giang\"\nlevel = \"province\"\nmin_stars = 2\nmax_stars = 4\n",
    );
    let o = run(vanthu().arg("--db").arg(&db).arg("import").arg(&bad));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("tiers[1]: min_stars: cần 3 ≤ min_stars"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = dir.path().join("d");
    let o = decide(&db, "ubnd-luc-nam", &out);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("không công nhận sản phẩm OCOP"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = decide(&db, "ubnd-bac-giang", &out);
    assert!(
        !o.status.success(),
        "UBND tỉnh Bắc Giang has no signer in the demo data"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("chưa có người ký"));
    // A signer of another province is refused; one of UBND tỉnh Bắc Giang signs.
    let store = vanthu::store::Store::open(&db).unwrap();
    let request = |signer| vanthu::ocop::DecisionRequest {
        round: "luc-nam-2021-dot-1",
        issuer: "ubnd-bac-giang",
        date: chrono::NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
        signer: Some(signer),
    };
    let Err(refused) = vanthu::ocop::decide(&store, &request("doan-ngoc-lam")) else {
        panic!("a Quảng Bình signer signed for Bắc Giang")
    };
    assert!(
        refused
            .to_string()
            .contains("không ký được văn bản của \"ubnd-bac-giang\""),
        "{refused}"
    );
    drop(store);
    let (_d, person) = letter_file(
        "person.toml",
        "[[people]]\nid = \"pct-bac-giang\"\nagency = \"ubnd-bac-giang\"\nname = \"Phan Thế Tuấn\"\ntitle = \"Phó Chủ tịch\"\nauthority = [\"KT. CHỦ TỊCH\"]\n",
    );
    stdout(vanthu().arg("--db").arg(&db).arg("import").arg(&person));
    let store = vanthu::store::Store::open(&db).unwrap();
    let d = vanthu::ocop::decide(
        &store,
        &vanthu::ocop::DecisionRequest {
            round: "luc-nam-2021-dot-1",
            issuer: "ubnd-bac-giang",
            date: chrono::NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
            signer: Some("pct-bac-giang"),
        },
    )
    .unwrap();
    assert!(d.transfer.is_none(), "nothing above 4★");
    let doc = d.decision.unwrap().document;
    let annex = &doc.parts().annexes[0].body;
    let vanthu::model::Block::Table(t) = &annex[0] else {
        panic!("annex table")
    };
    assert_eq!(t.rows(), 1 + 5, "3★ and 4★ products, 48 points excluded");
}

#[test]
fn the_yearly_plan_comes_from_the_programme() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let out = dir.path().join("p");
    let o = run(vanthu()
        .arg("--db")
        .arg(&db)
        .args([
            "ocop",
            "plan",
            "--programme",
            "luc-nam-2021",
            "--date",
            "2021-03-10",
            "--out",
        ])
        .arg(&out));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = out.join("ke-hoach-luc-nam-2021.pdf");
    let lines = pdf_lines(&pdf);
    assert_lines(
        &lines,
        &[
            "Số: /KH-UBND",
            "Lục Nam, ngày tháng 3 năm 2021",
            "KẾ HOẠCH",
            "Triển khai Chương trình Mỗi xã một sản phẩm năm 2021",
            "I. MỤC ĐÍCH, YÊU CẦU",
            "II. NỘI DUNG THỰC HIỆN",
            "III. TỔ CHỨC THỰC HIỆN",
            "- Đánh giá, phân hạng sản phẩm đợt 1: trước ngày 10/7/2021.",
            "- Hỗ trợ mỗi sản phẩm đạt 3-4 sao: 10.000.000 đồng.",
            "Hoàng Văn Toán",
        ],
        "plan",
    );
    let plain = normalize(&stdout(
        std::process::Command::new("pdftotext").arg(&pdf).arg("-"),
    ));
    assert!(
        plain.contains("(Kèm theo Kế hoạch số /KH-UBND ngày /3/2021 của UBND huyện Lục Nam)"),
        "{plain}"
    );
    assert_eq!(
        plain
            .matches("Hợp tác xã dịch vụ nông nghiệp Mai Sưu")
            .count(),
        1,
        "merged producer"
    );
    assert_eq!(plain.matches("Đăng ký mới").count(), 8);
    let o = run(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "plan",
        "--programme",
        "khong-co",
        "--date",
        "2021-03-10",
    ]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("không có chương trình mã \"khong-co\""));
}

fn cao_loc_db(dir: &Path) -> PathBuf {
    let db = demo_db(dir);
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(root().join("data/cao-loc-ocop.toml")),
    );
    db
}

fn expiring(db: &Path, date: &str, within: &str, out: &Path) -> std::process::Output {
    run(vanthu()
        .arg("--db")
        .arg(db)
        .args([
            "ocop",
            "expiring",
            "--issuer",
            "ubnd-cao-loc",
            "--within",
            within,
            "--date",
            date,
            "--out",
        ])
        .arg(out))
}

#[test]
fn expiring_certificates_get_a_notice_and_expired_ones_a_withdrawal() {
    let dir = tempfile::tempdir().unwrap();
    let db = cao_loc_db(dir.path());
    // Seed 002's situation: on 20/7/2024 one product's certificate expires by 10/2024.
    let out = dir.path().join("e");
    let o = expiring(&db, "2024-07-20", "6m", &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = String::from_utf8_lossy(&o.stderr);
    assert!(report.contains("Tinh dầu mắc mật (Hộ kinh doanh Hoàng Văn Đức): hết hạn 2024-03-15: đã đăng ký đánh giá lại"), "{report}");
    assert!(
        !report.contains("Na dai Hòa Cư"),
        "expires in 2026, outside the window: {report}"
    );
    let notice = pdf_lines(&out.join("het-han-ubnd-cao-loc-2024-07-20.pdf"));
    assert_lines(
        &notice,
        &["Kính gửi: UBND xã Hòa Cư", "- Lưu: VT, NN."],
        "notice",
    );
    let text = notice.join(" ");
    assert!(
        // the product's name may wrap inside its table cell
        text.contains("Hồng không") && text.contains("hạt Bảo Lâm") && text.contains("29/10/2024"),
        "{text}"
    );
    assert!(
        !text.contains("mắc mật"),
        "re-registered products are not chased: {text}"
    );
    assert!(
        !out.join("thu-hoi-ubnd-cao-loc-2024-07-20.pdf").exists(),
        "nothing to withdraw yet"
    );

    // After the expiry, a withdrawal decision is drafted for the product that did not re-register.
    let o = expiring(&db, "2024-11-15", "3m", &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let w = pdf_lines(&out.join("thu-hoi-ubnd-cao-loc-2024-11-15.pdf"));
    assert_lines(
        &w,
        &[
            "Số: /QĐ-UBND",
            "QUYẾT ĐỊNH",
            "Về việc thu hồi Giấy chứng nhận sản phẩm OCOP đã hết hạn",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN CAO LỘC",
            "- Như Điều 3;",
        ],
        "withdrawal",
    );
    let text = w.join(" ");
    assert!(
        text.contains("Điều 1. Thu hồi Giấy chứng nhận sản phẩm OCOP của 01 sản phẩm"),
        "{text}"
    );
    // the product's name may wrap inside its table cell
    assert!(
        text.contains("Hồng không") && text.contains("hạt Bảo Lâm"),
        "{text}"
    );
    assert!(
        !out.join("het-han-ubnd-cao-loc-2024-11-15.pdf").exists(),
        "nothing else expires within 3 months"
    );
}

#[test]
fn windows_and_month_end_arithmetic() {
    use chrono::NaiveDate;
    use vanthu::ocop::Window;
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    assert_eq!(
        Window::parse("6m").unwrap().end(d(2024, 7, 20)),
        d(2025, 1, 20)
    );
    assert_eq!(
        Window::parse("1y").unwrap().end(d(2024, 2, 29)),
        d(2025, 2, 28)
    );
    assert_eq!(
        Window::parse("90d").unwrap().end(d(2024, 1, 1)),
        d(2024, 3, 31)
    );
    assert_eq!(
        Window::parse("36m").unwrap().end(d(2021, 1, 31)),
        d(2024, 1, 31)
    );
    assert_eq!(
        Window::parse("36m").unwrap().end(d(2020, 2, 29)),
        d(2023, 2, 28)
    );
    assert!(Window::parse("6 tháng").is_err());
    assert!(Window::parse("m").is_err());
    let dir = tempfile::tempdir().unwrap();
    let db = cao_loc_db(dir.path());
    let o = expiring(&db, "2024-07-20", "sáu tháng", &dir.path().join("x"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--within: khoảng"));
}

#[test]
fn an_issued_decision_records_its_certificates_and_prints_one_page_each() {
    let dir = tempfile::tempdir().unwrap();
    let db = with_evaluations(dir.path());
    let o = run(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "decide",
        "--round",
        "luc-nam-2021-dot-1",
        "--issuer",
        "ubnd-luc-nam",
        "--date",
        "2021-01-31",
        "--issue",
    ]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(printed.lines().any(|l| l == "01/QĐ-UBND"), "{printed}");
    let c = rusqlite::Connection::open(&db).unwrap();
    let (n, exp, issuer): (i64, String, String) = c
        .query_row(
            "SELECT count(*), max(expires_on), group_concat(DISTINCT issuer_id) FROM certificates WHERE decision = '01/QĐ-UBND'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (n, exp.as_str(), issuer.as_str()),
        (3, "2024-01-31", "ubnd-luc-nam"),
        "3 certified products, 36 months, certified by the issuer"
    );

    let out = dir.path().join("c");
    let o = run(vanthu()
        .arg("--db")
        .arg(&db)
        .args(["ocop", "certificates", "--decision", "01/QĐ-UBND", "--out"])
        .arg(&out));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let combined = out.join("gcn-01-QĐ-UBND.pdf");
    let info = stdout(std::process::Command::new("pdfinfo").arg(&combined));
    assert!(info.contains("Pages:           3"), "{info}");
    assert!(
        info.contains("842 x 595") || info.contains("841.89 x 595.276"),
        "landscape A4: {info}"
    );
    // Room for the handwritten signature and the seal between the signer's title
    // and name: 25–30 mm, as on letters (measured on every page).
    for page in common::layout::measure(&combined) {
        let at = |text: &str| {
            page.lines
                .iter()
                .find(|l| l.plain() == text)
                .unwrap_or_else(|| panic!("no {text:?} on a certificate"))
                .bottom
        };
        let space = (at("Hoàng Văn Toán") - at("PHÓ CHỦ TỊCH")) / common::layout::MM;
        assert!(
            (25.0..=30.0).contains(&space),
            "{space:.1} mm for the signature"
        );
    }
    let singles: Vec<_> = std::fs::read_dir(out.join("gcn-01-QĐ-UBND"))
        .unwrap()
        .collect();
    assert_eq!(singles.len(), 3);
    let one = pdf_lines(&out.join("gcn-01-QĐ-UBND/003-ln21-buoi.pdf"));
    assert_lines(
        &one,
        &[
            "GIẤY CHỨNG NHẬN",
            "SẢN PHẨM OCOP",
            "Bưởi Mai Sưu",
            "Hợp tác xã dịch vụ nông nghiệp Mai Sưu",
            "Giấy chứng nhận có giá trị đến ngày 31/01/2024",
            "Lục Nam, ngày 31 tháng 01 năm 2021",
            "Hoàng Văn Toán",
        ],
        "certificate",
    );
    assert!(
        one.join(" ")
            .contains("Theo Quyết định số 01/QĐ-UBND ngày 31/01/2021 của UBND huyện Lục Nam")
    );
    assert!(one.iter().any(|l| l.contains("3 SAO")));
    let check = run(std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&combined));
    assert!(check.status.success());
    let o = run(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "certificates",
        "--decision",
        "99/QĐ-UBND",
        "--issuer",
        "ubnd-luc-nam",
    ]));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("không có giấy chứng nhận nào theo quyết định")
    );
    // Certificates imported without their certifying agency need --issuer.
    let extra = dir.path().join("gcn.toml");
    std::fs::write(
        &extra,
        "[[certificates]]\nproduct = \"ln21-buoi\"\ndecision = \"77/QĐ-UBND\"\nstars = 3\nissued_on = \"2020-05-04\"\n",
    )
    .unwrap();
    let o = run(vanthu().arg("--db").arg(&db).arg("import").arg(&extra));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(vanthu().arg("--db").arg(&db).args([
        "ocop",
        "certificates",
        "--decision",
        "77/QĐ-UBND",
    ]));
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("không ghi cơ quan cấp; hãy chỉ --issuer"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_date_stored_in_another_form_is_an_error_not_a_crash() {
    // A row written by hand (or by an older tool) with "30/10/2020" instead of ISO: the
    // reminder is refused with an error; nothing panics.
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE milestones SET due_date = '30/10/2020' WHERE id = 'bg-2020-danh-gia-huyen'",
            [],
        )
        .unwrap();
    let store = vanthu::store::Store::open(&db).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        vanthu::ocop::reminder(
            &store,
            &vanthu::ocop::ReminderRequest {
                milestone: "bg-2020-danh-gia-huyen",
                date: chrono::NaiveDate::from_ymd_opt(2020, 10, 23).unwrap(),
                issuer: Some("snn-bac-giang"),
                signer: None,
            },
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    }));
    let err = result
        .expect("no panic")
        .expect_err("a bad stored date is refused");
    assert!(!err.is_empty());
}

#[test]
fn a_score_changed_in_the_database_is_said_not_trusted() {
    // The schema checks scores (0–100); a row changed with the check turned off (a
    // hand edit, a broken tool) reaches the decision as an error naming the product,
    // where it used to panic ("scores are checked on import").
    let dir = tempfile::tempdir().unwrap();
    let db = with_evaluations(dir.path());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "ignore_check_constraints", "ON")
        .unwrap();
    let changed = conn
        .execute(
            "UPDATE evaluations SET score = 250 WHERE round = 'luc-nam-2021-dot-1'",
            [],
        )
        .unwrap();
    assert!(changed > 0);
    drop(conn);
    let out = dir.path().join("out");
    let o = decide(&db, "ubnd-luc-nam", &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("điểm 250 của sản phẩm"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
