//! What follows an incoming document's registration (issue 34): a signed report that
//! cites our reminder closes its milestone for its agency, the văn thư links and
//! unlinks by hand; an entry is passed on, followed up, and printed with its handling.

use std::path::{Path, PathBuf};

use crate::common::layout::xlsx_rows;
use crate::common::sign::*;
use crate::common::*;
use crate::incoming::{RECEIVER, add, receiving, rendered, variants};

/// A province, two huyện that owe it a report, and the huyện Lạc Sơn's key and seal.
pub(crate) const PROGRAMME: &str = r#"
[[agencies]]
id = "ubnd-cao-phong"
name = ["Ủy ban nhân dân", "huyện Cao Phong"]
level = "district"
place = "Cao Phong"
abbreviation = "UBND"
short_name = "UBND huyện Cao Phong"
units = ["NN"]

[[people]]
id = "ha-van-son"
agency = "ubnd-lac-son"
name = "Hà Văn Sơn"
title = "CHỦ TỊCH"
signature_image = "anh/chu-ky.png"

[[people]]
id = "bui-thi-phong"
agency = "ubnd-cao-phong"
name = "Bùi Thị Phong"
title = "CHỦ TỊCH"

[[programmes]]
id = "hb-2026"
year = 2026
issuer = "ubnd-hoa-binh"
name = "Chương trình OCOP tỉnh Hòa Bình năm 2026"

[[milestones]]
id = "hb-2026-bao-cao"
programme = "hb-2026"
what = "Báo cáo kết quả thực hiện Chương trình OCOP năm 2026"
due = "2026-12-15"
agencies = ["ubnd-lac-son", "ubnd-cao-phong"]

[[reminder_policies]]
programme = "hb-2026"
before = [14, 3]
on_due = false
auto = "issue"
"#;

/// The huyện's report answering the province's reminder `cited`.
pub(crate) fn report_letter(dir: &Path, issuer: &str, signer: &str, cited: &str) -> PathBuf {
    let p = dir.join(format!("bao-cao-{issuer}.toml"));
    std::fs::write(
        &p,
        format!(
            r#"kind = "báo cáo"
date = "2026-12-05"
subject = "Kết quả thực hiện Chương trình OCOP năm 2026"
recipients = ["UBND tỉnh", "Lưu: VT, NN"]
body = """
Thực hiện Công văn số {cited} ngày 01/12/2026 của Ủy ban nhân dân tỉnh Hòa Bình, Ủy ban nhân dân huyện báo cáo kết quả thực hiện Chương trình OCOP năm 2026 như sau./.
"""

[issuer]
id = "{issuer}"
unit = "NN"

[signer]
id = "{signer}"
"#
        ),
    )
    .unwrap();
    p
}

pub(crate) fn firings(db: &Path, step: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT agency_id FROM reminder_firings WHERE step = ?1 ORDER BY agency_id")
        .unwrap();
    st.query_map([step], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_signed_report_citing_our_reminder_closes_the_milestone_for_its_agency() {
    let f = fixture(
        "incoming-loop",
        &[
            (AGENCY, "agency.p12"),
            (PERSON, "signer.p12"),
            ("agency = \"ubnd-lac-son\"", "agency.p12"),
            ("person = \"ha-van-son\"", "signer.p12"),
        ],
    );
    let receiver = RECEIVER.replace(
        "units = [\"NN\"]",
        "units = [\"NN\"]\nseal_image = \"anh/dau.png\"\nseal_diameter_mm = 34",
    );
    std::fs::write(
        f.dir.join("du-lieu-2.toml"),
        format!("{receiver}{PROGRAMME}"),
    )
    .unwrap();
    stdout(f.cmd().arg("import").arg(f.dir.join("du-lieu-2.toml")));

    // 14 days before: the province's reminder goes out to both huyện.
    stdout(f.cmd().args(["remind", "run", "--date", "2026-12-01"]));
    assert_eq!(
        firings(&f.db, "before-14"),
        ["ubnd-cao-phong", "ubnd-lac-son"]
    );
    let reminder: String = rusqlite::Connection::open(&f.db)
        .unwrap()
        .query_row(
            "SELECT d.number_symbol FROM documents d JOIN reminder_drafts r ON r.document_id = d.id",
            [],
            |r| r.get(0),
        )
        .unwrap();

    // Lạc Sơn answers with a signed báo cáo citing it; Cao Phong's answer is unsigned.
    let signed = f.dir.join("lac-son");
    let number = stdout(
        f.cmd()
            .arg("issue")
            .arg(report_letter(
                &f.dir,
                "ubnd-lac-son",
                "ha-van-son",
                &reminder,
            ))
            .args(["--date", "2026-12-05", "--sign"]),
    );
    stdout(
        f.cmd()
            .args(["register", "show", number.trim(), "--year", "2026", "--out"])
            .arg(&signed),
    );
    let signed_pdf = std::fs::read_dir(&signed)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();
    let text = printed(&run(f
        .cmd()
        .args(["incoming", "add", "--agency", "ubnd-hoa-binh"])
        .arg(&signed_pdf)));
    assert!(text.contains("chữ ký số hợp lệ"), "{text}");
    assert!(
        text.contains("là báo cáo của Ủy ban nhân dân huyện Lạc Sơn cho mốc: hb-2026-bao-cao"),
        "{text}"
    );

    // Cao Phong's unsigned answer is registered, flagged, and closes nothing by itself.
    let cao_phong = report_letter(&f.dir, "ubnd-cao-phong", "bui-thi-phong", &reminder);
    let out = f.dir.join("cao-phong");
    stdout(f.cmd().arg("render").arg(&cao_phong).arg("--out").arg(&out));
    let text = printed(&run(f
        .cmd()
        .args(["incoming", "add", "--agency", "ubnd-hoa-binh"])
        .arg(out.join("bao-cao-ubnd-cao-phong.pdf"))));
    assert!(
        text.contains("Số đến 2 (") && text.contains("không có chữ ký số"),
        "{text}"
    );
    assert!(!text.contains("là báo cáo"), "{text}");

    // 3 days before: only Cao Phong is reminded.
    stdout(f.cmd().args(["remind", "run", "--date", "2026-12-12"]));
    assert_eq!(firings(&f.db, "before-3"), ["ubnd-cao-phong"]);

    // The văn thư undoes Lạc Sơn's report (an audit row), links Cao Phong's by hand;
    // a second link is refused with the day it was recorded.
    let report = |n: &str, extra: &[&str]| {
        run(f
            .cmd()
            .args([
                "incoming",
                "report",
                n,
                "--agency",
                "ubnd-hoa-binh",
                "--year",
                "2026",
            ])
            .args(["--milestone", "hb-2026-bao-cao"])
            .args(extra))
    };
    assert!(report("1", &["--undo"]).status.success());
    let o = report("1", &["--undo"]);
    assert!(!o.status.success());
    assert!(
        printed(&o).contains("không phải là báo cáo đã ghi nhận"),
        "{}",
        printed(&o)
    );
    assert!(report("2", &[]).status.success());
    let o = report("2", &[]);
    assert!(
        printed(&o).contains("đã báo cáo mốc hb-2026-bao-cao ngày"),
        "{}",
        printed(&o)
    );
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    let audit: Vec<String> = conn
        .prepare("SELECT action FROM audit_log WHERE target LIKE 'incoming:%' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        audit,
        [
            "incoming.report",
            "incoming.unlink_report",
            "incoming.link_report"
        ]
    );
    let reported: Vec<(String, Option<String>)> = conn
        .prepare(
            "SELECT agency_id, reported_on FROM milestone_agencies
             WHERE milestone_id = 'hb-2026-bao-cao' ORDER BY agency_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        reported[0].1.is_some() && reported[1].1.is_none(),
        "{reported:?}"
    );
}

#[test]
fn an_entry_is_passed_on_followed_up_and_its_handling_printed() {
    let f = receiving("incoming-handling");
    let base = std::fs::read(rendered(&f)).unwrap();
    let files = variants(&f, &base, 2, "giay");
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    assert!(add(&f, &paths, &["--scan"]).status.success());
    let incoming = |args: &[&str]| {
        run(f
            .cmd()
            .arg("incoming")
            .args(args)
            .args(["--agency", "ubnd-lac-son"]))
    };
    // The year of the Số đến: today in Vietnam.
    let year = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y")
        .to_string();
    let assign = |n: &str, to: &str, deadline: &str| {
        incoming(&[
            "assign",
            n,
            "--year",
            &year,
            "--to",
            to,
            "--on",
            "2026-12-06",
            "--deadline",
            deadline,
        ])
    };
    let o = assign("1", "Phòng Nông nghiệp", "2026-12-10");
    assert!(o.status.success(), "{}", printed(&o));
    assert!(
        printed(&o).contains("chuyển Phòng Nông nghiệp ngày 06/12/2026, hạn xử lý 10/12/2026"),
        "{}",
        printed(&o)
    );
    assert!(assign("2", "Đ/c Hà Văn Sơn", "2026-12-20").status.success());

    // Refused, nothing changed: a deadline before the day, a hidden character, no entry.
    let before = dump(&f.db);
    let o = assign("2", "Phòng Tài chính", "2026-12-01");
    assert!(
        printed(&o).contains("hạn xử lý không được trước ngày chuyển"),
        "{}",
        printed(&o)
    );
    let o = assign("2", "Phòng\u{202E} Tài chính", "2026-12-20");
    assert!(
        printed(&o).contains("đơn vị hoặc người nhận: có ký tự U+202E"),
        "{}",
        printed(&o)
    );
    let o = assign("9", "Phòng Tài chính", "2026-12-20");
    assert!(
        printed(&o).contains("không có văn bản đến số 9"),
        "{}",
        printed(&o)
    );
    assert_eq!(dump(&f.db), before);

    // On the 15th the first is overdue; once handled, nothing is.
    let overdue = stdout(f.cmd().args([
        "incoming",
        "overdue",
        "--agency",
        "ubnd-lac-son",
        "--date",
        "2026-12-15",
    ]));
    assert_eq!(overdue.lines().count(), 1, "{overdue}");
    assert!(overdue.starts_with("QUÁ HẠN: Số đến 1 ("), "{overdue}");
    let o = incoming(&[
        "done",
        "1",
        "--year",
        &year,
        "--result",
        "Đã tham mưu văn bản trả lời",
        "--on",
        "2026-12-14",
    ]);
    assert!(printed(&o).contains("đã xử lý ngày 14/12/2026: Đã tham mưu văn bản trả lời"));
    let overdue = stdout(f.cmd().args([
        "incoming",
        "overdue",
        "--agency",
        "ubnd-lac-son",
        "--date",
        "2026-12-15",
    ]));
    assert!(
        overdue.contains("không có văn bản đến nào quá hạn"),
        "{overdue}"
    );

    // The book's columns 7, 8 and 10 hold it; each step has its audit row.
    let out = f.dir.join("so");
    stdout(
        f.cmd()
            .args([
                "incoming",
                "book",
                "--agency",
                "ubnd-lac-son",
                "--year",
                &year,
                "--out",
            ])
            .arg(&out),
    );
    let rows = xlsx_rows(&out.join(format!("so-den-ubnd-lac-son-{year}.xlsx")));
    let first = rows.iter().find(|r| r[1] == 1.0).expect("entry 1");
    assert_eq!(first[6], "Phòng Nông nghiệp");
    assert_eq!(first[7], "06/12/2026");
    assert_eq!(
        first[9],
        "Bản giấy (quét); Hạn xử lý 10/12/2026; Đã xử lý 14/12/2026: Đã tham mưu văn bản trả lời"
    );
    let actions: Vec<String> = rusqlite::Connection::open(&f.db)
        .unwrap()
        .prepare("SELECT action FROM audit_log WHERE target LIKE 'incoming:%' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        actions,
        ["incoming.assign", "incoming.assign", "incoming.handled"]
    );
}
