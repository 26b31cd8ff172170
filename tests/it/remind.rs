//! The reminder schedule driven by a simulated clock (`vanthu remind run --date D` for
//! every day), on seed 000's timeline: district evaluation due 30/10/2020, dossiers due
//! 05/11/2020, four districts.

use std::path::Path;
use std::process::Stdio;

use crate::common::*;
use chrono::{Days, NaiveDate};

fn days(from: &str, to: &str) -> Vec<String> {
    let from = NaiveDate::parse_from_str(from, "%Y-%m-%d").unwrap();
    let to = NaiveDate::parse_from_str(to, "%Y-%m-%d").unwrap();
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|d| d.to_string())
        .collect()
}

/// Runs the schedule for every day and returns the reminders it drafted, as
/// "dd/mm/yyyy milestone step: agencies".
fn simulate(dir: &Path, db: &Path, from: &str, to: &str) -> Vec<String> {
    let mut fired = vec![];
    for day in days(from, to) {
        let out = stdout(cli(dir, db).args(["remind", "run", "--date", &day]));
        for line in out.lines().filter(|l| l.contains("đã soạn nhắc hạn")) {
            // "dd/mm/yyyy: đã soạn nhắc hạn M (STEP): agencies [bản nháp N]"
            let line = line.split(" [bản nháp").next().unwrap();
            let (head, agencies) = line.split_once("): ").unwrap();
            let head = head
                .replacen(": đã soạn nhắc hạn ", " ", 1)
                .replacen(" (", " ", 1);
            fired.push(format!("{head}: {agencies}"));
        }
    }
    fired
}

fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_simulated_year_reminds_the_late_agencies_on_the_right_days_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let report = |milestone: &str, agency: &str, on: &str| {
        let out = stdout(cli(dir.path(), &db).args([
            "milestones",
            "report",
            milestone,
            "--agency",
            agency,
            "--date",
            on,
        ]));
        assert!(out.starts_with("đã ghi"), "{out}");
    };
    // Reports recorded ahead with their arrival day: the simulated runs before that day
    // still count the agency as late.
    report("bg-2020-danh-gia-huyen", "ubnd-luc-nam", "2020-10-20");
    report("bg-2020-danh-gia-huyen", "ubnd-yen-the", "2020-10-28");
    report("bg-2020-chuyen-ho-so", "ubnd-luc-ngan", "2020-11-03");
    let again = stdout(cli(dir.path(), &db).args([
        "milestones",
        "report",
        "bg-2020-chuyen-ho-so",
        "--agency",
        "ubnd-luc-ngan",
    ]));
    assert!(
        again.contains("đã báo cáo mốc bg-2020-chuyen-ho-so ngày 2020-11-03; không đổi"),
        "{again}"
    );

    let fired = simulate(dir.path(), &db, "2020-09-01", "2020-12-31");
    let all4 =
        "UBND huyện Lục Nam, UBND huyện Lục Ngạn, UBND huyện Yên Thế, UBND thành phố Bắc Giang";
    let a = "bg-2020-danh-gia-huyen";
    let b = "bg-2020-chuyen-ho-so";
    let mut expected = vec![
        format!("16/10/2020 {a} 14 ngày trước hạn: {all4}"),
        format!("22/10/2020 {b} 14 ngày trước hạn: {all4}"),
        // Lục Nam reported on 20/10; Yên Thế reports on 28/10, after this day.
        format!(
            "27/10/2020 {a} 3 ngày trước hạn: UBND huyện Lục Ngạn, UBND huyện Yên Thế, UBND thành phố Bắc Giang"
        ),
        format!("30/10/2020 {a} đúng hạn: UBND huyện Lục Ngạn, UBND thành phố Bắc Giang"),
        // Lục Ngạn sends its dossiers on 03/11.
        format!("02/11/2020 {b} 3 ngày trước hạn: {all4}"),
        format!(
            "05/11/2020 {b} đúng hạn: UBND huyện Lục Nam, UBND huyện Yên Thế, UBND thành phố Bắc Giang"
        ),
    ];
    for k in 1..=8 {
        let day = NaiveDate::from_ymd_opt(2020, 10, 30).unwrap() + Days::new(7 * k);
        expected.push(format!(
            "{} {a} quá hạn {} ngày: UBND huyện Lục Ngạn, UBND thành phố Bắc Giang",
            day.format("%d/%m/%Y"),
            7 * k
        ));
    }
    for k in 1..=8 {
        let day = NaiveDate::from_ymd_opt(2020, 11, 5).unwrap() + Days::new(7 * k);
        expected.push(format!(
            "{} {b} quá hạn {} ngày: UBND huyện Lục Nam, UBND huyện Yên Thế, UBND thành phố Bắc Giang",
            day.format("%d/%m/%Y"),
            7 * k
        ));
    }
    let key = |l: &String| {
        let d = NaiveDate::parse_from_str(&l[..10], "%d/%m/%Y").unwrap();
        (d, l.clone())
    };
    expected.sort_by_key(key);
    let mut got = fired.clone();
    got.sort_by_key(key);
    assert_eq!(got, expected);

    // The whole year again (a restart, a second server): nothing new, nothing twice.
    let firings = count(&db, "SELECT count(*) FROM reminder_firings");
    assert!(simulate(dir.path(), &db, "2020-09-01", "2020-12-31").is_empty());
    assert_eq!(count(&db, "SELECT count(*) FROM reminder_firings"), firings);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM (SELECT milestone_id, step, agency_id FROM reminder_firings GROUP BY 1, 2, 3 HAVING count(*) > 1)"
        ),
        0
    );

    // Everything is recorded and visible; a draft renders as the reminder of its day.
    let list = stdout(cli(dir.path(), &db).args(["remind", "list"]));
    assert_eq!(list.lines().count(), expected.len(), "{list}");
    assert!(
        list.lines().all(|l| l.ends_with("bản nháp chờ duyệt")),
        "{list}"
    );
    let first: i64 = count(
        &db,
        "SELECT id FROM reminder_drafts WHERE fired_on = '2020-10-27' AND step = 'before-3'",
    );
    let out = dir.path().join("nhap");
    stdout(
        cli(dir.path(), &db)
            .args(["remind", "draft", &first.to_string(), "--out"])
            .arg(&out),
    );
    let lines = pdf_lines(&out.join("nhac-han-bg-2020-danh-gia-huyen-2020-10-27.pdf"));
    assert_lines(
        &lines,
        &[
            "SỞ NÔNG NGHIỆP",
            "Kính gửi:",
            "- UBND huyện Lục Ngạn;",
            "- UBND huyện Yên Thế;",
            "- UBND thành phố Bắc Giang.",
        ],
        "drafted reminder",
    );
    assert!(!lines.join(" ").contains("UBND huyện Lục Nam"));
}

#[test]
fn two_concurrent_runs_fire_a_step_once_and_dry_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = std::fs::read(&db).unwrap();
    let out =
        stdout(cli(dir.path(), &db).args(["remind", "run", "--date", "2020-10-16", "--dry-run"]));
    assert!(
        out.contains("16/10/2020: sẽ soạn nhắc hạn bg-2020-danh-gia-huyen (14 ngày trước hạn)"),
        "{out}"
    );
    assert!(out.contains("--dry-run: không thay đổi gì"));
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "dry run wrote to the database"
    );

    let spawn = || {
        cli(dir.path(), &db)
            .args(["remind", "run", "--date", "2020-10-16"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let outs: Vec<String> = [a, b]
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success());
            String::from_utf8_lossy(&o.stdout).into_owned()
        })
        .collect();
    let drafted = outs
        .iter()
        .filter(|o| o.contains("đã soạn nhắc hạn bg-2020-danh-gia-huyen"))
        .count();
    assert_eq!(drafted, 1, "{outs:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM reminder_drafts"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM reminder_firings"), 4);
    assert_eq!(
        count(&db, "SELECT count(*) FROM reminder_runs"),
        2,
        "both runs recorded"
    );
}

#[test]
fn working_days_skip_tet_and_a_send_policy_issues_and_mails_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    // A Lục Nam deadline just after Tết Tân Sửu 2021, reminded 3 working days before,
    // issued and e-mailed without waiting for a signer.
    std::fs::write(
        dir.path().join("tet.toml"),
        r#"
[[milestones]]
id = "ln-2021-sau-tet"
programme = "luc-nam-2021"
what = "Báo cáo kết quả rà soát sản phẩm"
due = "2021-02-18"
agencies = ["ubnd-luc-nam"]

[[reminder_policies]]
milestone = "ln-2021-sau-tet"
before = [3]
on_due = false
working_days = true
auto = "send"
"#,
    )
    .unwrap();
    stdout(
        cli(dir.path(), &db)
            .arg("import")
            .arg(root().join("data/holidays.toml"))
            .arg(dir.path().join("tet.toml")),
    );
    let fired: Vec<String> = simulate(dir.path(), &db, "2021-02-01", "2021-02-28")
        .into_iter()
        .filter(|l| l.contains("ln-2021-sau-tet"))
        .collect();
    // 18/02 (Thursday) minus 3 working days: 17/02, then over Tết (10–16/02) and the
    // weekend to 09/02 and 08/02. In calendar days it would have been 15/02.
    assert_eq!(
        fired,
        ["08/02/2021 ln-2021-sau-tet 3 ngày trước hạn: UBND huyện Lục Nam"]
    );
    let list = stdout(cli(dir.path(), &db).args(["remind", "list"]));
    assert!(list.contains("đã ban hành 01/UBND-NN"), "{list}");
    let emls: Vec<_> = std::fs::read_dir(dir.path().join("thu-di"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(emls.len(), 1, "{emls:?}");
    let eml = std::fs::read_to_string(&emls[0]).unwrap();
    assert!(
        eml.contains("To: ") && eml.contains("<ubnd@lucnam.vanthu.example>"),
        "{eml}"
    );
    // Running those days again issues and sends nothing more.
    assert!(simulate(dir.path(), &db, "2021-02-01", "2021-02-28").is_empty());
    let issued = stdout(cli(dir.path(), &db).args(["register", "list"]));
    assert_eq!(issued.lines().count(), 1, "{issued}");
    assert_eq!(count(&db, "SELECT count(*) FROM documents"), 1);
    assert_eq!(
        std::fs::read_dir(dir.path().join("thu-di"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn the_readme_reminder_tour_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = run_readme_block("## Deadlines and reminders", dir.path(), None);
    assert!(
        outputs[2].contains("bg-2020-danh-gia-huyen\tbac-giang-2020\t30/10/2020\t0/4"),
        "{}",
        outputs[2]
    );
    assert!(
        outputs[4].contains("sẽ soạn nhắc hạn bg-2020-danh-gia-huyen (14 ngày trước hạn)"),
        "{}",
        outputs[4]
    );
    assert!(
        outputs[6].contains("đã soạn nhắc hạn bg-2020-danh-gia-huyen (3 ngày trước hạn): UBND huyện Lục Ngạn, UBND huyện Yên Thế, UBND thành phố Bắc Giang [bản nháp 2]"),
        "{}",
        outputs[6]
    );
    assert!(
        outputs[8].contains("nhac-han-bg-2020-danh-gia-huyen-2020-10-27.pdf"),
        "{}",
        outputs[8]
    );
    assert_eq!(outputs[9].trim(), "01/SNN-PTNT");
    // On 10/11/2020 both 2020 deadlines are past, with districts still to report.
    let overdue: Vec<&str> = outputs[10].lines().collect();
    assert_eq!(overdue.len(), 2, "{}", outputs[10]);
    assert!(
        overdue.iter().all(|l| l.contains("quá hạn")),
        "{}",
        outputs[10]
    );
}

#[test]
fn certificates_get_notices_6_and_3_months_before_and_on_expiry_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    stdout(
        cli(dir.path(), &db)
            .arg("import")
            .arg(root().join("data/cao-loc-ocop.toml")),
    );
    let notices = |from: &str, to: &str| -> Vec<String> {
        simulate(dir.path(), &db, from, to)
            .into_iter()
            .filter(|l| l.contains("het-han-gcn"))
            .collect()
    };
    // Seed 002: Hồng không hạt Bảo Lâm, certified 29/10/2021, expires 29/10/2024. Tinh dầu
    // mắc mật was evaluated again (re-registered): no notice. Na dai expires in 2026.
    let got = notices("2024-03-01", "2024-12-31");
    assert_eq!(
        got,
        [
            "29/04/2024 het-han-gcn:ubnd-cao-loc giấy chứng nhận hết hạn: Hồng không hạt Bảo Lâm (6 tháng trước khi hết hạn)",
            "29/07/2024 het-han-gcn:ubnd-cao-loc giấy chứng nhận hết hạn: Hồng không hạt Bảo Lâm (3 tháng trước khi hết hạn)",
            "29/10/2024 het-han-gcn:ubnd-cao-loc giấy chứng nhận hết hạn: Hồng không hạt Bảo Lâm (hết hạn)",
        ]
    );
    assert!(
        notices("2024-03-01", "2024-12-31").is_empty(),
        "each step once"
    );
    let id = count(
        &db,
        "SELECT id FROM reminder_drafts WHERE step = 'expiry' AND fired_on = '2024-07-29'",
    );
    let out = dir.path().join("tb");
    stdout(
        cli(dir.path(), &db)
            .args(["remind", "draft", &id.to_string(), "--out"])
            .arg(&out),
    );
    let lines = pdf_lines(&out.join("het-han-ubnd-cao-loc-2024-07-29.pdf"));
    assert_lines(
        &lines,
        &["Kính gửi: UBND xã Hòa Cư", "HUYỆN CAO LỘC"],
        "expiry notice",
    );
    let text = lines.join(" ");
    // the product's name may wrap inside its table cell
    assert!(
        text.contains("Hồng không") && text.contains("hạt Bảo Lâm"),
        "{text}"
    );
    assert!(!text.contains("mắc mật"), "{text}");
}

#[test]
fn an_agency_policy_issues_its_expiry_notices_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    std::fs::write(
        dir.path().join("policy.toml"),
        "[[reminder_policies]]\nagency = \"ubnd-cao-loc\"\nexpiry_months = [6]\nauto = \"issue\"\n",
    )
    .unwrap();
    stdout(
        cli(dir.path(), &db)
            .arg("import")
            .arg(root().join("data/cao-loc-ocop.toml"))
            .arg(dir.path().join("policy.toml")),
    );
    let out = stdout(cli(dir.path(), &db).args(["remind", "run", "--date", "2024-04-29"]));
    assert!(out.contains("đã ban hành: 01/UBND-NN"), "{out}");
    stdout(cli(dir.path(), &db).args(["remind", "run", "--date", "2024-04-30"]));
    let register = stdout(cli(dir.path(), &db).args(["register", "list"]));
    assert_eq!(register.lines().count(), 1, "issued once: {register}");
    assert!(
        register.contains("V/v rà soát, đăng ký đánh giá lại các sản phẩm OCOP"),
        "{register}"
    );
    // With expiry_months = [6] there is no 3-month notice.
    assert!(
        simulate(dir.path(), &db, "2024-05-01", "2024-10-28")
            .iter()
            .all(|l| !l.contains("het-han-gcn")),
    );
}

#[test]
fn a_policy_with_two_scopes_is_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[reminder_policies]]\nprogramme = \"luc-nam-2021\"\nagency = \"ubnd-luc-nam\"\nauto = \"issue\"\n\n[[reminder_policies]]\nauto = \"gửi luôn\"\n",
    )
    .unwrap();
    let before = std::fs::read(&db).unwrap();
    let o = run(cli(dir.path(), &db).arg("import").arg(&bad));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("reminder_policies[1]: programme: ghi một trong programme, milestone, agency"),
        "{err}"
    );
    assert!(
        err.contains("reminder_policies[2]: auto: \"gửi luôn\" không hợp lệ"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database is unchanged"
    );
}
