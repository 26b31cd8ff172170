//! Letters that name stored records by id: issuer, signer, recipient groups and the
//! programme's producers and products (seed 003's annex produced from the database).

use crate::common::*;

const LETTER: &str = "letters/db/luc-nam-bieu-san-pham.toml";

#[test]
fn the_annex_and_the_budget_come_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let out = dir.path().join("out");
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("render")
            .arg(root().join(LETTER))
            .arg("--out")
            .arg(&out),
    );
    let pdf = out.join("luc-nam-bieu-san-pham.pdf");
    let lines = pdf_lines(&pdf);
    assert_lines(
        &lines,
        &[
            "HUYỆN LỤC NAM",
            "Số: /KH-UBND",
            "Lục Nam, ngày tháng 3 năm 2021",
            "- UBND tỉnh Bắc Giang;",
            "- UBND các xã, thị trấn;",
            "KT. CHỦ TỊCH",
            "Hoàng Văn Toán",
            "- Hỗ trợ mỗi sản phẩm đạt 3-4 sao: 10.000.000 đồng.",
        ],
        "letter from data",
    );
    let text = lines.join(" ");
    assert!(
        text.contains("Đợt 1 có 1 doanh nghiệp, 5 HTX đăng ký với 8 sản phẩm"),
        "{text}"
    );
    // The annex: the producer of two products printed once (per pdftotext mode).
    let plain = normalize(&stdout(
        std::process::Command::new("pdftotext").arg(&pdf).arg("-"),
    ));
    assert_eq!(
        plain
            .matches("Hợp tác xã dịch vụ nông nghiệp Mai Sưu")
            .count(),
        1,
        "{plain}"
    );
    for product in [
        "Dưa lưới",
        "Hạt dẻ Mai Sưu",
        "Bưởi Mai Sưu",
        "Mật ong",
        "Nấm Linh chi",
        "Đông trùng hạ thảo",
    ] {
        assert!(plain.contains(product), "{product}");
    }
    // A product added to the database appears in the next rendering.
    let extra = dir.path().join("them.csv");
    std::fs::write(
        &extra,
        "producer_id,producer_name,producer_kind,address,commune,product_id,product,group,programme,note\n\
         htx-mai-suu,Hợp tác xã dịch vụ nông nghiệp Mai Sưu,cooperative,\"Thôn Tân Thành, xã Trường Sơn\",ubnd-xa-truong-son,ln21-vai,Vải thiều sấy,Thực phẩm,luc-nam-2021,Đăng ký bổ sung\n",
    )
    .unwrap();
    let o = run(vanthu().arg("--db").arg(&db).arg("import").arg(&extra));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("render")
            .arg(root().join(LETTER))
            .arg("--out")
            .arg(&out),
    );
    let plain = normalize(&stdout(
        std::process::Command::new("pdftotext").arg(&pdf).arg("-"),
    ));
    assert!(
        plain.contains("Vải thiều sấy") && plain.contains("Đăng ký bổ sung"),
        "{plain}"
    );
    assert_eq!(
        plain
            .matches("Hợp tác xã dịch vụ nông nghiệp Mai Sưu")
            .count(),
        1,
        "still merged"
    );
    // the same producer id under another name is refused
    std::fs::write(
        &extra,
        std::fs::read_to_string(&extra)
            .unwrap()
            .replace(",Hợp tác xã dịch vụ nông nghiệp Mai Sưu,", ",HTX khác,")
            .replace("ln21-vai", "ln21-vai-2"),
    )
    .unwrap();
    let o = run(vanthu().arg("--db").arg(&db).arg("import").arg(&extra));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("đã có với tên"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn without_a_database_the_letter_says_to_name_one() {
    let o = run(vanthu().arg("check").arg(root().join(LETTER)));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("issuer.id: cơ quan \"ubnd-luc-nam\" lấy từ cơ sở dữ liệu: hãy chỉ cơ sở dữ liệu bằng --db"), "{err}");
    assert!(err.contains("programme: "), "{err}");
    assert!(
        !err.contains("tera"),
        "no cascade of template errors: {err}"
    );
}

#[test]
fn unknown_ids_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let text = std::fs::read_to_string(root().join(LETTER))
        .unwrap()
        .replace("@ubnd-xa-luc-nam", "@nhom-khong-co")
        .replace("id = \"hoang-van-toan\"", "id = \"ai-do\"");
    let (_d, f) = letter_file("sai.toml", &text);
    let o = run(vanthu().arg("--db").arg(&db).arg("check").arg(&f));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("recipients: không có nhóm nơi nhận hay cơ quan mã \"nhom-khong-co\""),
        "{err}"
    );
    assert!(
        err.contains("signer.id: không có người ký mã \"ai-do\""),
        "{err}"
    );
}

#[test]
fn issuing_a_letter_from_data_keys_the_register_by_agency_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let n = stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("issue")
            .arg(root().join(LETTER))
            .args(["--date", "2021-03-20"]),
    );
    assert_eq!(n.trim(), "01/KH-UBND");
    let list = stdout(vanthu().arg("--db").arg(&db).args([
        "register",
        "list",
        "--issuer",
        "ubnd-luc-nam",
    ]));
    assert!(
        list.starts_with("01/KH-UBND\t2021-03-20\tkế hoạch"),
        "{list}"
    );
}
