//! Importing programme data: the demo dataset, and every rejection leaving the
//! database exactly as it was (compared by a full dump of every table).

use std::path::Path;

use crate::common::*;

fn import(db: &Path, files: &[&Path]) -> std::process::Output {
    run(vanthu().arg("--db").arg(db).arg("import").args(files))
}

#[test]
fn the_demo_dataset_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let c = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM products WHERE programme_id = 'luc-nam-2021'"),
        8
    );
    assert_eq!(
        count("SELECT count(*) FROM products WHERE producer_id = 'htx-mai-suu'"),
        2
    );
    assert_eq!(count("SELECT count(*) FROM producers"), 6);
    assert_eq!(
        count("SELECT count(*) FROM group_members WHERE group_id = 'ubnd-huyen-bac-giang'"),
        4
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM milestone_agencies WHERE milestone_id = 'bg-2020-chuyen-ho-so'"
        ),
        4
    );
    assert_eq!(
        count("SELECT count(*) FROM agencies WHERE parent_id = 'ubnd-luc-nam'"),
        4
    );
    let due: String = c
        .query_row(
            "SELECT due_date FROM milestones WHERE id = 'bg-2020-danh-gia-huyen'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(due, "2020-10-30");
    let amount: i64 = c
        .query_row(
            "SELECT amount FROM budget_lines WHERE programme_id = 'luc-nam-2021' AND position = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(amount, 10_000_000);
}

const GOOD_EXTRA: &str = r#"
[[producers]]
id = "htx-moi"
name = "Hợp tác xã Mới"
kind = "cooperative"
address = "Thôn Một, xã Trường Sơn"
commune = "ubnd-xa-truong-son"
email = "htx@moi.vanthu.example"

[[products]]
id = "sp-moi"
producer = "htx-moi"
name = "Mật ong rừng"
programme = "luc-nam-2021"

[[evaluations]]
product = "sp-moi"
round = "luc-nam-2021-dot-1"
date = "2021-07-08"
score = 72
council = "district"

[[certificates]]
product = "sp-moi"
decision = "20/QĐ-UBND"
stars = 4
issued_on = "2021-01-31"
"#;

#[test]
fn a_good_extra_file_imports_and_certificates_last_36_months() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let (_d, f) = letter_file("them.toml", GOOD_EXTRA);
    let o = import(&db, &[&f]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 sản phẩm"));
    let c = rusqlite::Connection::open(&db).unwrap();
    let exp: String = c
        .query_row("SELECT expires_on FROM certificates", [], |r| r.get(0))
        .unwrap();
    assert_eq!(exp, "2024-01-31");
}

/// (what to break in GOOD_EXTRA, replacement, row, field, words in the message)
const BAD: &[(&str, &str, &str, &str, &str)] = &[
    (
        "producer = \"htx-moi\"",
        "producer = \"htx-khong-co\"",
        "products[1]",
        "producer",
        "không có chủ thể mã \"htx-khong-co\"",
    ),
    (
        "name = \"Mật ong rừng\"",
        "name = \"Hạt dẻ Mai Sưu\"\nid_unused = 1",
        "products[1]",
        "",
        "id_unused",
    ),
    (
        "score = 72",
        "score = 120",
        "evaluations[1]",
        "score",
        "ngoài khoảng 0–100",
    ),
    (
        "email = \"htx@moi.vanthu.example\"",
        "email = \"a@b@c\"",
        "producers[1]",
        "email",
        "đúng một dấu @",
    ),
    (
        "email = \"htx@moi.vanthu.example\"",
        "email = \"x@y.vn\\r\\nBcc: z@evil\"",
        "producers[1]",
        "email",
        "xuống dòng",
    ),
    (
        "date = \"2021-07-08\"",
        "date = \"2021-02-30\"",
        "evaluations[1]",
        "date",
        "không có trong lịch",
    ),
    (
        "stars = 4",
        "stars = 2",
        "certificates[1]",
        "stars",
        "từ 3 đến 5 sao",
    ),
    (
        "kind = \"cooperative\"",
        "kind = \"hợp tác xã\"",
        "producers[1]",
        "kind",
        "cooperative",
    ),
];

#[test]
fn every_rejection_names_row_and_field_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = dump(&db);
    for (from, to, row, field, words) in BAD {
        let text = GOOD_EXTRA.replace(from, to);
        assert_ne!(text, GOOD_EXTRA, "{from}");
        let f = dir.path().join("sai.toml");
        std::fs::write(&f, &text).unwrap();
        let o = import(&db, &[&f]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{from} -> {to}: must fail");
        if !field.is_empty() {
            assert!(
                err.contains(&format!("{}: {row}: {field}: ", f.display())),
                "{from} -> {to}: {err}"
            );
        }
        assert!(err.contains(words), "{from} -> {to}: {err}");
        assert!(err.contains("cơ sở dữ liệu giữ nguyên"), "{err}");
        assert_eq!(dump(&db), before, "{from} -> {to}: the database changed");
    }
}

#[test]
fn duplicate_product_in_the_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = dump(&db);
    let text = GOOD_EXTRA
        .replace("producer = \"htx-moi\"", "producer = \"htx-mai-suu\"")
        .replace("Mật ong rừng", "Bưởi Mai Sưu");
    let (_d, f) = letter_file("trung.toml", &text);
    let o = import(&db, &[&f]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("products[1]: name: chủ thể \"htx-mai-suu\" đã có sản phẩm \"Bưởi Mai Sưu\""),
        "{err}"
    );
    assert_eq!(dump(&db), before);
    // importing the same CSV twice is refused as a whole
    let o = import(&db, &[&root().join("data/luc-nam-products.csv")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("luc-nam-products.csv: dòng 2: id: đã có sản phẩm mã \"ln21-dua-luoi\"")
            || err.contains("đã có chủ thể"),
        "{err}"
    );
    assert_eq!(dump(&db), before);
}

#[test]
fn csv_rows_are_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = dump(&db);
    let csv = "producer_id,producer_name,producer_kind,address,commune,product_id,product,group,programme,note\n\
               p1,HTX Một,cooperative,Thôn A,,x1,Chè,Thực phẩm,luc-nam-2021,\n\
               p1,HTX Một,cooperative,Thôn A,,x2,Chè xanh,Thực phẩm,khong-co,\n";
    let (_d, f) = letter_file("sp.csv", csv);
    let o = import(&db, &[&f]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("sp.csv: dòng 3: programme: không có chương trình mã \"khong-co\""),
        "{err}"
    );
    assert_eq!(dump(&db), before);
    let (_d, f) = letter_file("thieu.csv", "producer_id,product\np1,Chè\n");
    let o = import(&db, &[&f]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("cột cần có"));
}

#[test]
fn json_files_import_like_toml() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let json = r#"{
      "producers": [{"id": "hkd-a", "name": "Hộ kinh doanh Nguyễn Văn A", "kind": "household",
                      "address": "Thôn B, xã Hòa Cư", "commune": "ubnd-xa-hoa-cu"}],
      "products": [{"id": "hong-bao-lam", "producer": "hkd-a", "name": "Hồng không hạt Bảo Lâm", "group": "Thực phẩm"}],
      "evaluations": [{"product": "hong-bao-lam", "round": "cao-loc-2021", "date": "2021-10-20", "score": 68, "council": "district"}],
      "certificates": [{"product": "hong-bao-lam", "decision": "1234/QĐ-UBND", "stars": 3, "issued_on": "2021-10-29"}]
    }"#;
    let (_d, f) = letter_file("them.json", json);
    let o = import(&db, &[&f]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = rusqlite::Connection::open(&db).unwrap();
    let (score, exp): (i64, String) = c
        .query_row(
            "SELECT e.score, c.expires_on FROM evaluations e JOIN certificates c USING (product_id)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((score, exp.as_str()), (68, "2024-10-29"));
    let (_d, bad) = letter_file(
        "sai.json",
        &json.replace("\"score\": 68", "\"score\": 68,,"),
    );
    let o = import(&db, &[&bad]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("sai.json: dòng 5: JSON"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn update_mode_changes_existing_agencies_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let fix = dir.path().join("sua.toml");
    std::fs::write(
        &fix,
        r#"
[[agencies]]
id = "snn-bac-giang"
name = ["Sở Nông nghiệp", "và Môi trường"]
level = "department"
place = "Bắc Giang"
abbreviation = "SNNMT"
short_name = "Sở Nông nghiệp và Môi trường Bắc Giang"
units = ["PTNT"]
email = "snnmt@bacgiang.vanthu.example"
"#,
    )
    .unwrap();
    // Without --update an existing id is refused, and says how to change it.
    let before = dump(&db);
    let o = import(&db, &[&fix]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "đã có cơ quan mã \"snn-bac-giang\"; muốn sửa thì nhập ở chế độ cập nhật (--update)"
        ),
        "{err}"
    );
    assert_eq!(dump(&db), before);

    let out = stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .args(["import", "--update"])
            .arg(&fix),
    );
    assert!(out.contains("đã nhập: 1 cơ quan"), "{out}");
    let c = rusqlite::Connection::open(&db).unwrap();
    let (abbr, email, parent): (String, String, Option<String>) = c
        .query_row(
            "SELECT abbreviation, email, parent_id FROM agencies WHERE id = 'snn-bac-giang'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(abbr, "SNNMT");
    assert_eq!(email, "snnmt@bacgiang.vanthu.example");
    // The parent comes from its own `parent` field; a file without one leaves it.
    assert_eq!(parent.as_deref(), Some("ubnd-bac-giang"));
    drop(c);

    // A milestone is never updated, and an id twice in one file is refused: nothing kept.
    let bad = dir.path().join("sai.toml");
    std::fs::write(
        &bad,
        format!(
            "{}\n[[milestones]]\nid = \"bg-2020-chuyen-ho-so\"\nprogramme = \"bac-giang-2020\"\nwhat = \"X\"\ndue = \"2020-11-05\"\nagencies = []\n",
            std::fs::read_to_string(&fix).unwrap().repeat(2)
        ),
    )
    .unwrap();
    let before = dump(&db);
    let o = run(vanthu()
        .arg("--db")
        .arg(&db)
        .args(["import", "--update"])
        .arg(&bad));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("agencies[2]: id: mã \"snn-bac-giang\" có hai lần trong tệp"),
        "{err}"
    );
    assert!(
        err.contains("chế độ cập nhật chỉ sửa cơ quan, người ký, chủ thể và sản phẩm"),
        "{err}"
    );
    assert_eq!(dump(&db), before);
}
