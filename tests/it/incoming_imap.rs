//! The agency's mailbox on a real IMAP server (issue 34): a private Dovecot on
//! 127.0.0.1 (tests/dovecot.sh) holds what three huyện sent the province: two signed
//! reports citing its reminder, one unsigned, one changed after signing, one message
//! delivered twice, one with a Word file and one over the size limit. `vanthu incoming
//! fetch` (over TLS) registers each file once, flags what must be flagged, closes the
//! two milestones, and the next reminder goes only to the huyện still late; `vanthu
//! serve` (over STARTTLS) fetches on its own.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::sign::*;
use crate::common::*;
use crate::incoming::{RECEIVER, find, message};
use crate::incoming_follow_up::{PROGRAMME, firings, report_letter};

const USER: &str = "vanbanden";
const PASSWORD_VAR: &str = "VANTHU_TEST_IMAP_PASSWORD";
const MAILBOX_PASSWORD: &str = "mat-khau-hop-thu";

/// A private Dovecot, stopped when dropped.
struct Dovecot {
    dir: PathBuf,
    /// IMAP (plain and STARTTLS); `port + 1` is IMAPS.
    port: u16,
}

impl Dovecot {
    fn start(dir: &Path) -> Dovecot {
        let port = free_pair();
        let out = run(Command::new(root().join("tests/dovecot.sh"))
            .arg("start")
            .arg(dir)
            .arg(port.to_string()));
        assert!(out.status.success(), "dovecot: {}", printed(&out));
        Dovecot {
            dir: dir.to_path_buf(),
            port,
        }
    }

    /// Delivers `raw` into INBOX over IMAP (APPEND), as the agency's mail arrives.
    fn deliver(&self, name: &str, raw: &[u8]) {
        let file = self.dir.join(format!("{name}.eml"));
        std::fs::write(&file, raw).unwrap();
        let out = run(Command::new("curl")
            .args(["-sS", "--url"])
            .arg(format!("imap://127.0.0.1:{}/INBOX", self.port))
            .args(["-u", &format!("{USER}:{MAILBOX_PASSWORD}"), "-T"])
            .arg(&file));
        assert!(out.status.success(), "APPEND {name}: {}", printed(&out));
    }

    /// How many messages a folder holds (its Maildir++ directory; "" for INBOX).
    fn count(&self, encoded: &str) -> usize {
        let base = self.dir.join("home/Maildir");
        let folder = if encoded.is_empty() {
            base
        } else {
            base.join(format!(".{encoded}"))
        };
        ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(folder.join(d)).ok())
            .map(|r| r.count())
            .sum()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new(root().join("tests/dovecot.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

/// A port `p` with `p + 1` free too.
fn free_pair() -> u16 {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = a.local_addr().unwrap().port();
        if p < u16::MAX && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
}

const KIM_BOI: &str = r#"
[[agencies]]
id = "ubnd-kim-boi"
name = ["Ủy ban nhân dân", "huyện Kim Bôi"]
level = "district"
place = "Kim Bôi"
abbreviation = "UBND"
short_name = "UBND huyện Kim Bôi"
units = ["NN"]

[[people]]
id = "dinh-van-boi"
agency = "ubnd-kim-boi"
name = "Đinh Văn Bôi"
title = "CHỦ TỊCH"
"#;

/// "Đã vào sổ" and "Chưa vào sổ" in modified UTF-7, as Dovecot names their directories.
const REGISTERED: &str = "&ARAA4w- v&AOA-o s&HtU-";
const REFUSED: &str = "Ch&AbA-a v&AOA-o s&HtU-";

/// The `[incoming]` section for the fixture's province.
fn incoming_config(d: &Dovecot, security: &str, port: u16) -> String {
    format!(
        "\n[incoming]\n[[incoming.mailboxes]]\nagency = \"ubnd-hoa-binh\"\nhost = \"127.0.0.1\"\n\
         port = {port}\nsecurity = \"{security}\"\nusername = \"{USER}\"\npassword_env = \"{PASSWORD_VAR}\"\n\
         ca_file = \"{}\"\n",
        d.dir.join("ca.pem").display()
    )
}

/// A huyện's report issued signed, as the PDF it sends.
fn signed_report(f: &Fixture, issuer: &str, signer: &str, reminder: &str) -> Vec<u8> {
    let number = stdout(
        f.cmd()
            .arg("issue")
            .arg(report_letter(&f.dir, issuer, signer, reminder))
            .args(["--date", "2026-12-05", "--sign"]),
    );
    let out = f.dir.join(format!("ky-{issuer}"));
    stdout(
        f.cmd()
            .args(["register", "show", number.trim(), "--year", "2026"])
            .args(["--issuer", issuer, "--out"])
            .arg(&out),
    );
    let pdf = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();
    std::fs::read(pdf).unwrap()
}

#[test]
fn reports_arriving_by_imap_are_registered_once_and_close_their_reminders() {
    let f = fixture(
        "incoming-imap",
        &[
            (AGENCY, "agency.p12"),
            (PERSON, "signer.p12"),
            ("agency = \"ubnd-lac-son\"", "agency.p12"),
            ("person = \"ha-van-son\"", "signer.p12"),
            ("agency = \"ubnd-cao-phong\"", "agency-ec.p12"),
            ("person = \"bui-thi-phong\"", "signer-ec.p12"),
        ],
    );
    let seal = "units = [\"NN\"]\nseal_image = \"anh/dau.png\"\nseal_diameter_mm = 34";
    let programme = PROGRAMME
        .replace("units = [\"NN\"]", seal)
        .replace(
            "title = \"CHỦ TỊCH\"\n\n[[programmes]]",
            "title = \"CHỦ TỊCH\"\nsignature_image = \"anh/chu-ky.png\"\n\n[[programmes]]",
        )
        .replace(
            "agencies = [\"ubnd-lac-son\", \"ubnd-cao-phong\"]",
            "agencies = [\"ubnd-lac-son\", \"ubnd-cao-phong\", \"ubnd-kim-boi\"]",
        );
    let data = format!(
        "{}{KIM_BOI}{programme}",
        RECEIVER.replace("units = [\"NN\"]", seal)
    );
    std::fs::write(f.dir.join("du-lieu-3.toml"), data).unwrap();
    stdout(f.cmd().arg("import").arg(f.dir.join("du-lieu-3.toml")));

    // The province reminds the three huyện.
    stdout(f.cmd().args(["remind", "run", "--date", "2026-12-01"]));
    assert_eq!(
        firings(&f.db, "before-14"),
        ["ubnd-cao-phong", "ubnd-kim-boi", "ubnd-lac-son"]
    );
    let reminder: String = rusqlite::Connection::open(&f.db)
        .unwrap()
        .query_row(
            "SELECT d.number_symbol FROM documents d JOIN reminder_drafts r ON r.document_id = d.id",
            [],
            |r| r.get(0),
        )
        .unwrap();

    let lac_son = signed_report(&f, "ubnd-lac-son", "ha-van-son", &reminder);
    let cao_phong = signed_report(&f, "ubnd-cao-phong", "bui-thi-phong", &reminder);
    let kim_boi_letter = report_letter(&f.dir, "ubnd-kim-boi", "dinh-van-boi", &reminder);
    let unsigned_dir = f.dir.join("kim-boi");
    stdout(
        f.cmd()
            .arg("render")
            .arg(&kim_boi_letter)
            .arg("--out")
            .arg(&unsigned_dir),
    );
    let kim_boi = std::fs::read(unsigned_dir.join("bao-cao-ubnd-kim-boi.pdf")).unwrap();
    let mut changed = cao_phong.clone();
    let at = find(&changed, b"/Title").unwrap();
    changed[at + 1] = b'X';
    let mut huge = b"%PDF-1.7\n".to_vec();
    huge.resize(31 * 1024 * 1024, b'0');

    let d = Dovecot::start(&f.dir.join("imap"));
    let pdf = "application/pdf";
    d.deliver(
        "1",
        &message("lac-son", &[("bao-cao-lac-son.pdf", pdf, &lac_son)]),
    );
    d.deliver(
        "2",
        &message("cao-phong", &[("bao-cao-cao-phong.pdf", pdf, &cao_phong)]),
    );
    d.deliver(
        "3",
        &message("kim-boi", &[("bao-cao-kim-boi.pdf", pdf, &kim_boi)]),
    );
    d.deliver(
        "4",
        &message("da-sua", &[("bao-cao-da-sua.pdf", pdf, &changed)]),
    );
    // The same message delivered twice.
    d.deliver(
        "5",
        &message("lac-son", &[("bao-cao-lac-son.pdf", pdf, &lac_son)]),
    );
    let word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    d.deliver(
        "6",
        &message("word", &[("bao-cao.docx", word, b"PK\x03\x04 ...")]),
    );
    d.deliver("7", &message("lon", &[("ho-so-quet.pdf", pdf, &huge)]));
    assert_eq!(d.count(""), 7);

    // The CLI reads the mailbox over TLS (the test CA); a wrong password changes nothing.
    let mut config = std::fs::read_to_string(&f.config).unwrap();
    config.push_str(&incoming_config(&d, "tls", d.port + 1));
    std::fs::write(&f.config, &config).unwrap();
    // vanthu doctor tries the mailbox and says what is wrong, changing nothing.
    let o = run(f.cmd().arg("doctor").env(PASSWORD_VAR, "sai-mat-khau"));
    assert!(!o.status.success());
    assert!(
        printed(&o).contains("ubnd-hoa-binh: hộp thư IMAP 127.0.0.1:")
            && printed(&o).contains("bị từ chối"),
        "{}",
        printed(&o)
    );
    let o = run(f.cmd().arg("doctor").env(PASSWORD_VAR, MAILBOX_PASSWORD));
    assert!(
        o.status.success() && printed(&o).contains("đăng nhập được, 7 thư đang chờ"),
        "{}",
        printed(&o)
    );
    let before = dump(&f.db);
    let o = run(f
        .cmd()
        .args(["incoming", "fetch"])
        .env(PASSWORD_VAR, "sai-mat-khau"));
    assert!(!o.status.success());
    assert!(
        printed(&o).contains("đăng nhập vanbanden bị từ chối")
            && printed(&o).contains("kiểm tra username và mật khẩu"),
        "{}",
        printed(&o)
    );
    assert!(!printed(&o).contains("sai-mat-khau"), "{}", printed(&o));
    assert_eq!(dump(&f.db), before);
    assert_eq!(d.count(""), 7);

    let fetch = || {
        run(f
            .cmd()
            .args(["incoming", "fetch", "--agency", "ubnd-hoa-binh"])
            .env(PASSWORD_VAR, MAILBOX_PASSWORD))
    };
    let o = fetch();
    let text = printed(&o);
    assert!(o.status.success(), "{text}");
    for expected in [
        "bao-cao-lac-son.pdf: đã vào sổ. Số đến 1 (",
        "là báo cáo của Ủy ban nhân dân huyện Lạc Sơn cho mốc: hb-2026-bao-cao",
        "bao-cao-cao-phong.pdf: đã vào sổ. Số đến 2 (",
        "là báo cáo của Ủy ban nhân dân huyện Cao Phong cho mốc: hb-2026-bao-cao",
        "bao-cao-kim-boi.pdf: đã vào sổ. Số đến 3 (",
        "không có chữ ký số",
        "bao-cao-da-sua.pdf: đã vào sổ. Số đến 4 (",
        "CHỮ KÝ SỐ KHÔNG HỢP LỆ",
        "bao-cao-lac-son.pdf: đã vào sổ trước đây, không thêm. Số đến 1 (",
        "chưa vào sổ: bao-cao.docx",
        "chưa vào sổ: ho-so-quet.pdf: tệp 31,0 MB",
        "quá giới hạn 30,0 MB",
        "đã đọc 7 thư",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert_eq!(numbers_of(&f.db), [1, 2, 3, 4]);
    let sources: Vec<String> = query(&f.db, "SELECT DISTINCT source FROM incoming");
    assert_eq!(sources, ["imap"]);
    // Moved out of INBOX: five registered, two for a person to look at.
    assert_eq!(
        (d.count(""), d.count(REGISTERED), d.count(REFUSED)),
        (0, 5, 2)
    );
    // The two valid reports closed their milestones; the next reminder run reaches only
    // the huyện still late.
    let reported: Vec<String> = query(
        &f.db,
        "SELECT agency_id FROM milestone_agencies WHERE milestone_id = 'hb-2026-bao-cao'
         AND reported_on IS NOT NULL ORDER BY agency_id",
    );
    assert_eq!(reported, ["ubnd-cao-phong", "ubnd-lac-son"]);
    stdout(f.cmd().args(["remind", "run", "--date", "2026-12-12"]));
    assert_eq!(firings(&f.db, "before-3"), ["ubnd-kim-boi"]);

    // Read again: nothing new.
    let o = fetch();
    assert!(printed(&o).contains("đã đọc 0 thư"), "{}", printed(&o));
    assert_eq!(numbers_of(&f.db), [1, 2, 3, 4]);

    // The service fetches on its own (over STARTTLS): a later message is registered
    // without anyone running a command.
    let mut late = kim_boi.clone();
    late.extend_from_slice(b"\n% lan 2\n");
    d.deliver(
        "8",
        &message("kim-boi-2", &[("bao-cao-kim-boi-2.pdf", pdf, &late)]),
    );
    let serve_config = f.dir.join("serve.toml");
    let with_starttls = config.replace(&incoming_config(&d, "tls", d.port + 1), "")
        + &incoming_config(&d, "starttls", d.port);
    std::fs::write(&serve_config, with_starttls).unwrap();
    let mut service = vanthu()
        .arg("--db")
        .arg(&f.db)
        .arg("--config")
        .arg(&serve_config)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("VANTHU_TEST_KEY", PASSWORD)
        .env(PASSWORD_VAR, MAILBOX_PASSWORD)
        .env("VANTHU_REMINDER_AT", "")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while numbers_of(&f.db).len() < 5 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = service.kill();
    let _ = service.wait();
    assert_eq!(numbers_of(&f.db), [1, 2, 3, 4, 5]);
    assert_eq!((d.count(""), d.count(REGISTERED)), (0, 6));
}

fn numbers_of(db: &Path) -> Vec<i64> {
    query(
        db,
        "SELECT number FROM incoming WHERE agency_id = 'ubnd-hoa-binh' ORDER BY number",
    )
}

fn query<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> Vec<T> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_fetch_killed_half_way_loses_and_duplicates_nothing() {
    let f = crate::incoming::receiving("incoming-imap-kill");
    let base = std::fs::read(crate::incoming::rendered(&f)).unwrap();
    const MESSAGES: usize = 40;
    let files = crate::incoming::variants(&f, &base, MESSAGES, "den");
    let d = Dovecot::start(&f.dir.join("imap"));
    for (i, file) in files.iter().enumerate() {
        let bytes = std::fs::read(file).unwrap();
        let name = format!("den-{i}.pdf");
        d.deliver(
            &i.to_string(),
            &message(&format!("m{i}"), &[(&name, "application/pdf", &bytes)]),
        );
    }
    let mut config = std::fs::read_to_string(&f.config).unwrap();
    config.push_str(&incoming_config(&d, "plain", d.port).replace("ubnd-hoa-binh", "ubnd-lac-son"));
    std::fs::write(&f.config, &config).unwrap();
    let count = || query::<i64>(&f.db, "SELECT count(*) FROM incoming")[0] as usize;

    // Killed (SIGKILL) once a few files are registered.
    let mut fetch = f
        .cmd()
        .args(["incoming", "fetch"])
        .env(PASSWORD_VAR, MAILBOX_PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while count() < 3 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    fetch.kill().unwrap();
    fetch.wait().unwrap();
    let at_kill = count();
    assert!(
        (3..MESSAGES).contains(&at_kill),
        "the fetch was to be killed half-way: {at_kill} of {MESSAGES} registered"
    );
    assert!(d.count("") > 0, "messages are still to read");

    // The next fetch finishes the work: every file once, numbers 1..=40, INBOX empty.
    let o = run(f
        .cmd()
        .args(["incoming", "fetch"])
        .env(PASSWORD_VAR, MAILBOX_PASSWORD));
    assert!(o.status.success(), "{}", printed(&o));
    let numbers: Vec<i64> = query(&f.db, "SELECT number FROM incoming ORDER BY number");
    assert_eq!(numbers, (1..=MESSAGES as i64).collect::<Vec<_>>());
    let files: Vec<String> = query(&f.db, "SELECT DISTINCT file_name FROM incoming");
    assert_eq!(files.len(), MESSAGES);
    assert_eq!((d.count(""), d.count(REGISTERED)), (0, MESSAGES));
}
