//! The law in force on a document's date (shared/reference/ocop.md, "Since July
//! 2025"): the OCOP tiers and grounds of 148/QĐ-TTg before 06/07/2025 and of
//! 1489/QĐ-TTg from that day, the decisions' wording from the agency's data, and the
//! 2026 demo under the two-level government (data/bac-ninh-2026.toml).

use crate::common::*;
use chrono::NaiveDate;
use vanthu::ocop::{self, DecisionRequest, tiers::Outcome};
use vanthu::store::Store;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn decide_on(store: &Store, date: NaiveDate) -> ocop::Decision {
    ocop::decide(
        store,
        &DecisionRequest {
            round: "bac-ninh-2026-dot-1",
            issuer: "ubnd-bac-ninh",
            date,
            signer: None,
        },
    )
    .unwrap()
}

fn outcome(d: &ocop::Decision, product: &str) -> Outcome {
    d.evaluated
        .iter()
        .find(|e| e.product == product)
        .unwrap_or_else(|| panic!("{product} evaluated"))
        .outcome
}

#[test]
fn the_tiers_and_grounds_change_on_6_july_2025() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&demo_2026_db(dir.path())).unwrap();

    // 05/07/2025: 148/QĐ-TTg, the province certifies 4★ only; 3★ belongs to a district.
    let before = decide_on(&store, day(2025, 7, 5));
    assert_eq!(
        outcome(&before, "Miến dong Lục Nam"),
        Outcome::BelowTier { stars: 3 }
    );
    assert_eq!(
        outcome(&before, "Gà đồi Yên Thế"),
        Outcome::Certify { stars: 4 }
    );
    assert_eq!(
        outcome(&before, "Vải thiều sấy khô Lục Ngạn"),
        Outcome::Transfer { stars: 5 }
    );
    let letter = &before.decision.as_ref().unwrap().letter;
    assert!(letter.contains("148/QĐ-TTg ngày 24/02/2023"), "{letter}");
    assert!(!letter.contains("1489/QĐ-TTg"), "{letter}");
    assert!(
        !letter.contains("Miến dong"),
        "3★ not certified by the province"
    );

    // 06/07/2025: 1489/QĐ-TTg, the province certifies 3★ and 4★, 5★ goes up.
    let after = decide_on(&store, day(2025, 7, 6));
    assert_eq!(
        outcome(&after, "Miến dong Lục Nam"),
        Outcome::Certify { stars: 3 }
    );
    assert_eq!(
        outcome(&after, "Mật ong hoa vải"),
        Outcome::Certify { stars: 4 }
    );
    assert_eq!(
        outcome(&after, "Vải thiều sấy khô Lục Ngạn"),
        Outcome::Transfer { stars: 5 }
    );
    assert_eq!(
        outcome(&after, "Trà hoa vải túi lọc"),
        Outcome::NotCertified { stars: 2 }
    );
    let letter = &after.decision.as_ref().unwrap().letter;
    assert!(
        letter.contains("148/QĐ-TTg ngày 24/02/2023")
            && letter.contains("1489/QĐ-TTg ngày 06/7/2025"),
        "{letter}"
    );
    assert!(letter.contains("Luật Tổ chức chính quyền địa phương ngày 16/6/2025"));
    let transfer = &after.transfer.as_ref().unwrap().letter;
    assert!(transfer.contains("1489/QĐ-TTg"), "{transfer}");
}

#[test]
fn a_district_certifies_nothing_after_july_2025() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(root().join("data/luc-nam-evaluations.toml")),
    );
    let store = Store::open(&db).unwrap();
    let request = |date| DecisionRequest {
        round: "luc-nam-2021-dot-1",
        issuer: "ubnd-luc-nam",
        date,
        signer: None,
    };
    assert!(ocop::decide(&store, &request(day(2025, 7, 5))).is_ok());
    let Err(refused) = ocop::decide(&store, &request(day(2025, 7, 6))) else {
        panic!("a district certified under 1489/QĐ-TTg")
    };
    let message = refused.to_string();
    assert!(
        message.contains(
            "UBND huyện Lục Nam (cấp huyện) không công nhận sản phẩm OCOP vào ngày 06/7/2025"
        ) && message.contains("1489/QĐ-TTg"),
        "{message}"
    );
}

#[test]
fn the_proposal_and_executors_come_from_the_agency_by_date() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(root().join("data/luc-nam-evaluations.toml")),
    );
    // Bắc Giang's own 3–4★ rows (its policy), a signer; the Sở was renamed on 01/03/2025.
    let (_d, extra) = letter_file(
        "bac-giang.toml",
        "[[tiers]]\nprovince = \"ubnd-bac-giang\"\nlevel = \"province\"\nmin_stars = 3\nmax_stars = 4\n\n\
         [[people]]\nid = \"pct-bac-giang\"\nagency = \"ubnd-bac-giang\"\nname = \"Phan Thế Tuấn\"\ntitle = \"PHÓ CHỦ TỊCH\"\nauthority = [\"KT. CHỦ TỊCH\"]\n",
    );
    stdout(vanthu().arg("--db").arg(&db).arg("import").arg(&extra));
    let store = Store::open(&db).unwrap();
    let letter_on = |date| {
        ocop::decide(
            &store,
            &DecisionRequest {
                round: "luc-nam-2021-dot-1",
                issuer: "ubnd-bac-giang",
                date,
                signer: None,
            },
        )
        .unwrap()
        .decision
        .unwrap()
        .letter
    };
    let old = letter_on(day(2025, 2, 28));
    assert!(
        old.contains("Theo đề nghị của Giám đốc Sở Nông nghiệp và Phát triển nông thôn"),
        "{old}"
    );
    let new = letter_on(day(2025, 3, 1));
    assert!(
        new.contains("Theo đề nghị của Giám đốc Sở Nông nghiệp và Môi trường"),
        "{new}"
    );
    assert!(
        new.contains("Chánh Văn phòng UBND tỉnh, Giám đốc Sở Nông nghiệp và Môi trường"),
        "{new}"
    );
    assert!(!new.contains("Trưởng phòng"), "{new}");
    drop(store);

    // An agency without wording is told what to add, and nothing is composed.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "DELETE FROM decision_wordings WHERE agency_id = 'ubnd-bac-giang'",
            [],
        )
        .unwrap();
    let store = Store::open(&db).unwrap();
    let Err(refused) = ocop::decide(
        &store,
        &DecisionRequest {
            round: "luc-nam-2021-dot-1",
            issuer: "ubnd-bac-giang",
            date: day(2026, 1, 5),
            signer: None,
        },
    ) else {
        panic!("a decision without its wording")
    };
    assert!(
        refused
            .to_string()
            .contains("[[agencies.decision_wording]]"),
        "{refused}"
    );
}

#[test]
fn the_2026_demo_composes_its_plan_reminder_decision_and_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_2026_db(dir.path());
    let out = dir.path().join("out");
    let ocop = |args: &[&str]| {
        stdout(
            vanthu()
                .arg("--db")
                .arg(&db)
                .arg("ocop")
                .args(args)
                .arg("--out")
                .arg(&out),
        )
    };
    ocop(&[
        "plan",
        "--programme",
        "bac-ninh-2026",
        "--date",
        "2026-02-10",
    ]);
    let plan = pdf_lines(&out.join("ke-hoach-bac-ninh-2026.pdf"));
    assert_lines(
        &plan,
        &[
            "TỈNH BẮC NINH",
            "/KH-UBND",
            "tháng 02 năm 2026",
            "KẾ HOẠCH",
            "1. Sở Nông nghiệp và Môi trường",
            "2. Sở Tài chính",
            "3. UBND các xã, phường",
            "- UBND các xã, phường;",
        ],
        "plan",
    );
    assert!(
        !plan.join(" ").contains("thị trấn"),
        "no district-era wording"
    );

    // The Sở chases the communes and wards directly: no district in between.
    ocop(&[
        "remind",
        "--milestone",
        "bn-2026-ho-so",
        "--issuer",
        "snnmt-bac-ninh",
        "--date",
        "2026-05-08",
    ]);
    let reminder = pdf_lines(&out.join("nhac-han-bn-2026-ho-so-2026-05-08.pdf"));
    assert_lines(
        &reminder,
        &[
            "UBND TỈNH BẮC NINH",
            "SỞ NÔNG NGHIỆP",
            "VÀ MÔI TRƯỜNG",
            "/SNNMT-PTNT",
            "- UBND xã Lục Nam;",
            "- UBND phường Kinh Bắc.",
            "Trần Thị Hạnh",
        ],
        "reminder",
    );

    // The drafts: the decision under 1489/QĐ-TTg, the 5★ product to the Bộ.
    let decide = ["decide", "--round", "bac-ninh-2026-dot-1"];
    let by = ["--issuer", "ubnd-bac-ninh", "--date", "2026-06-25"];
    ocop(&[&decide[..], &by[..]].concat());
    let decision = pdf_lines(&out.join("quyet-dinh-bac-ninh-2026-dot-1.pdf")).join(" ");
    assert!(
        decision.contains("Căn cứ Quyết định số 1489/QĐ-TTg")
            && decision.contains("Theo đề nghị của Giám đốc Sở Nông nghiệp và Môi trường"),
        "{decision}"
    );
    let transfer = pdf_lines(&out.join("chuyen-ho-so-bac-ninh-2026-dot-1.pdf")).join(" ");
    assert!(
        transfer.contains("Kính gửi: Bộ Nông nghiệp và Môi trường")
            && transfer.contains("Vải thiều sấy khô"),
        "{transfer}"
    );
    // Issued: both numbered, the decision's certificates recorded and printed.
    let issued = ocop(&[&decide[..], &by[..], &["--issue"]].concat());
    let numbers: Vec<&str> = issued.lines().collect();
    // One register per agency and year: the transfer takes the next number.
    assert_eq!(numbers, ["01/QĐ-UBND", "02/UBND-KT"], "{issued}");
    let number = numbers[0];
    ocop(&["certificates", "--decision", number]);
    let gcn = out.join("gcn-01-QĐ-UBND");
    let mut sheets: Vec<String> = std::fs::read_dir(&gcn)
        .unwrap_or_else(|e| panic!("{}: {e}", gcn.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    sheets.sort();
    assert_eq!(sheets.len(), 4, "3★ and 4★ products: {sheets:?}");
    let text = sheets
        .iter()
        .map(|s| pdf_lines(&gcn.join(s)).join(" "))
        .collect::<Vec<_>>()
        .join(" | ");
    for product in [
        "Mật ong hoa vải",
        "Gà đồi Yên Thế",
        "Miến dong Lục Nam",
        "Bánh phu thê Đình Bảng",
    ] {
        assert!(text.contains(product), "{product}: {text}");
    }
    assert!(!text.contains("Vải thiều sấy khô"), "5★ is the Bộ's");
}

#[test]
fn the_readme_2026_demo_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = run_readme_block("**The 2026 demo**", dir.path(), None);
    assert!(
        outputs.iter().any(|o| o.trim() == "01/QĐ-UBND\n02/UBND-KT"),
        "{outputs:?}"
    );
    for f in [
        "out/ke-hoach-bac-ninh-2026.pdf",
        "out/nhac-han-bn-2026-ho-so-2026-05-08.pdf",
        "out/gcn-01-QĐ-UBND.pdf",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    // The register book's commands continue on the same database.
    // (through bash: the note's text is quoted)
    let db = dir.path().join("demo-2026.db");
    bash(&readme_block("### The register book"), dir.path(), &db, "");
    for f in [
        "so/so-di-ubnd-bac-ninh-2026.pdf",
        "so/so-di-ubnd-bac-ninh-2026.xlsx",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
}
