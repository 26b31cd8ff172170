//! E-mail delivery against a real SMTP server (aiosmtpd, started by each test on
//! 127.0.0.1 and writing a Maildir), read back with Python's `email` package.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::mail::*;
use crate::common::*;
use serde_json::Value;

/// A running test SMTP server (tests/smtp_server.py); killed on drop.
pub(crate) struct Smtp {
    child: Child,
    pub(crate) port: u16,
    maildir: PathBuf,
    dir: PathBuf,
}

impl Smtp {
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Smtp {
        let dir = dir.join(format!("smtp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let port_file = dir.join("port");
        let maildir = dir.join("Maildir");
        let child = Command::new("/usr/bin/python3")
            .arg(root().join("tests/smtp_server.py"))
            .arg("--maildir")
            .arg(&maildir)
            .arg("--port-file")
            .arg(&port_file)
            .arg("--count-file")
            .arg(dir.join("count"))
            .arg("--log")
            .arg(dir.join("log"))
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd: run scripts/test, which installs python3-aiosmtpd");
        let start = Instant::now();
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(&port_file) {
                break p.trim().parse().unwrap();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the SMTP server did not start (is python3-aiosmtpd installed?)"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Smtp {
            child,
            port,
            maildir,
            dir,
        }
    }

    /// A server with TLS (STARTTLS required, or `--implicit-tls` among `args`).
    fn start_tls(dir: &Path, cert: &Path, key: &Path, args: &[&str]) -> Smtp {
        let mut all = vec![
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        Smtp::start(dir, &all)
    }

    /// Every message in the Maildir, as Python's `email` package reads it.
    pub(crate) fn messages(&self) -> Vec<Value> {
        if !self.maildir.join("new").exists() {
            return vec![];
        }
        read_messages(&self.maildir)
    }

    /// Sessions waiting at RCPT TO (--stall-after).
    fn stalled(&self) -> usize {
        std::fs::read_to_string(self.dir.join("count.stalled"))
            .map(|s| s.trim().parse().unwrap())
            .unwrap_or(0)
    }

    fn accepted(&self) -> usize {
        std::fs::read_to_string(self.dir.join("count"))
            .map(|s| s.trim().parse().unwrap())
            .unwrap_or(0)
    }

    /// Environment for vanthu to send through this server.
    pub(crate) fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("VANTHU_SMTP_HOST", "127.0.0.1")
            .env("VANTHU_SMTP_PORT", self.port.to_string())
            .env("VANTHU_SMTP_SECURITY", "plain")
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn register_hashes(db: &Path) -> (String, String) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT pdf_sha256, docx_sha256 FROM documents WHERE number_symbol = '01/UBND-NN'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

const COMMUNES: [(&str, &str); 3] = [
    ("UBND thị trấn Đồi Ngô", "ubnd@doingo.lucnam.vanthu.example"),
    ("UBND xã Trường Sơn", "ubnd@truongson.lucnam.vanthu.example"),
    ("UBND xã Bảo Sơn", "ubnd@baoson.lucnam.vanthu.example"),
];

#[test]
fn every_recipient_gets_exactly_one_message_with_the_registers_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let smtp = Smtp::start(dir.path(), &[]);

    // --dry-run plans and changes nothing.
    let before = std::fs::read(&db).unwrap();
    let plan =
        stdout(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021", "--dry-run"]));
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "dry run wrote to the database"
    );
    for (name, email) in COMMUNES {
        assert!(plan.contains(&format!("thư   {name} <{email}>")), "{plan}");
    }
    assert!(
        plan.contains("giấy  UBND xã Huyền Sơn: chưa có địa chỉ thư điện tử"),
        "{plan}"
    );
    assert!(
        plan.contains("giấy  Phòng Nông nghiệp và PTNT: không tìm thấy"),
        "{plan}"
    );
    assert!(plan.contains("lưu   Lưu: VT, NN"), "{plan}");
    assert!(plan.contains("--dry-run: không gửi thư nào"));
    assert!(smtp.messages().is_empty());

    let out = stdout(smtp.env(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"])));
    assert!(out.contains("đã gửi 3, chờ gửi lại 0, thất bại 0"), "{out}");
    // Sending again queues nothing new and sends nothing twice.
    let again =
        stdout(smtp.env(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"])));
    assert!(
        again.contains("đã xếp 0 thư vào hàng đợi (3 đã có từ trước)"),
        "{again}"
    );

    let messages = smtp.messages();
    assert_eq!(messages.len(), 3, "one message per mailbox");
    let (pdf_sha, docx_sha) = register_hashes(&db);
    let mut ids: Vec<&str> = vec![];
    for (name, email) in COMMUNES {
        let m = messages
            .iter()
            .find(|m| m["delivered_to"] == email)
            .unwrap_or_else(|| panic!("no message for {email}"));
        assert_eq!(
            m["subject"],
            "[01/UBND-NN] V/v đăng ký sản phẩm tham gia Chương trình OCOP năm 2021"
        );
        let raw = m["raw_subject"].as_str().unwrap();
        assert!(
            raw.is_ascii() && raw.contains("=?utf-8?"),
            "RFC 2047: {raw}"
        );
        assert_eq!(m["to"], format!("{name} <{email}>"));
        // Vietnam time, one Date header; an automatic message says so (RFC 3834).
        let date = m["date"].as_str().unwrap();
        assert!(date.ends_with("+0700"), "Date: {date}");
        assert_eq!(m["dates"], 1, "one Date header");
        assert_eq!(m["auto_submitted"], "auto-generated");
        assert_eq!(m["from"], "UBND huyện Lục Nam <ubnd@lucnam.vanthu.example>");
        assert_eq!(
            m["reply_to"],
            "UBND huyện Lục Nam <vanthu@lucnam.vanthu.example>"
        );
        let text = m["text"].as_str().unwrap();
        assert!(text.contains(&format!("Kính gửi: {name}")), "{text}");
        assert!(
            text.contains("UBND huyện Lục Nam gửi công văn số 01/UBND-NN ngày 15/03/2021"),
            "{text}"
        );
        assert!(text.contains("Người ký: Hoàng Văn Toán"), "{text}");
        let html = m["html"].as_str().unwrap();
        assert!(
            html.contains(&format!("Kính gửi: <strong>{name}</strong>")),
            "{html}"
        );
        let att = m["attachments"].as_array().unwrap();
        assert_eq!(att.len(), 2);
        assert_eq!(att[0]["filename"], "Công văn 01-UBND-NN.pdf");
        assert_eq!(
            att[0]["sha256"],
            pdf_sha.as_str(),
            "PDF byte-identical to the register"
        );
        assert_eq!(att[1]["filename"], "Công văn 01-UBND-NN.docx");
        assert_eq!(
            att[1]["sha256"],
            docx_sha.as_str(),
            "DOCX byte-identical to the register"
        );
        // The name older clients read, and RFC 5322's 78 characters on every line.
        assert_eq!(att[0]["name"], "Công văn 01-UBND-NN.pdf");
        assert_eq!(att[1]["name"], "Công văn 01-UBND-NN.docx");
        assert!(
            m["longest_line"].as_u64().unwrap() <= 78,
            "{}",
            m["longest_line"]
        );
        ids.push(m["message_id"].as_str().unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "a Message-ID per recipient");

    let status = stdout(cli(dir.path(), &db).args(["deliveries", "01/UBND-NN", "--year", "2021"]));
    assert_eq!(status.matches("đã gửi lúc").count(), 3, "{status}");
    assert!(
        status.contains("250"),
        "the server's reply is recorded: {status}"
    );
    assert_eq!(status.matches("gửi bản giấy").count(), 3, "{status}");
}

#[test]
fn a_451_is_retried_and_a_550_fails_only_that_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let smtp = Smtp::start(
        dir.path(),
        &[
            "--temp-fail",
            "ubnd@truongson.lucnam.vanthu.example",
            "--reject",
            "ubnd@baoson.lucnam.vanthu.example",
        ],
    );
    let out = stdout(
        smtp.env(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"]))
            .env("VANTHU_MAIL_BACKOFF", "1"),
    );
    assert!(out.contains("đã gửi 1, chờ gửi lại 1, thất bại 1"), "{out}");
    let status = stdout(cli(dir.path(), &db).args(["deliveries", "01/UBND-NN", "--year", "2021"]));
    let line = |email: &str| {
        status
            .lines()
            .find(|l| l.contains(email))
            .unwrap_or_else(|| panic!("{email} in {status}"))
            .to_string()
    };
    assert!(line("truongson").contains("gửi lại lúc"), "{status}");
    assert!(line("truongson").contains("451"), "{status}");
    assert!(line("baoson").contains("thất bại sau 1 lần"), "{status}");
    assert!(line("baoson").contains("550"), "{status}");

    // The worker retries after the backoff; the 550 stays failed.
    stdout(
        smtp.env(cli(dir.path(), &db).args(["worker", "--until-done"]))
            .env("VANTHU_MAIL_BACKOFF", "1"),
    );
    let got: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| m["delivered_to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().any(|g| g.contains("truongson")));
    assert!(got.iter().any(|g| g.contains("doingo")));
    let c = rusqlite::Connection::open(&db).unwrap();
    let attempts: Vec<(String, String)> = c
        .prepare(
            "SELECT a.outcome, a.reply FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
             WHERE d.email = 'ubnd@truongson.lucnam.vanthu.example' ORDER BY a.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0].0, "transient");
    assert!(attempts[0].1.contains("451"), "{attempts:?}");
    assert_eq!(attempts[1].0, "sent");
    assert!(attempts[1].1.starts_with("250"), "{attempts:?}");

    // --retry-failed tries the 550 again (still refused); sent ones are not resent.
    let out = stdout(smtp.env(cli(dir.path(), &db).args([
        "send",
        "01/UBND-NN",
        "--year",
        "2021",
        "--retry-failed",
    ])));
    assert!(out.contains("xếp lại 1 thư đã thất bại"), "{out}");
    assert!(out.contains("đã gửi 0, chờ gửi lại 0, thất bại 1"), "{out}");
    assert_eq!(smtp.messages().len(), 2);
}

/// Forty agencies with a mailbox in one group, and a letter to the group.
#[test]
fn a_worker_killed_mid_batch_resumes_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    recipients(dir.path(), &db, 40, |i| {
        format!("xa{i}@lucnam.vanthu.example")
    });
    let stall = dir.path().join("stall");
    std::fs::write(&stall, "").unwrap();
    let smtp = Smtp::start(
        dir.path(),
        &[
            "--stall-after",
            "15",
            "--stall-file",
            stall.to_str().unwrap(),
        ],
    );
    let queued =
        stdout(cli(dir.path(), &db).args(["send", "02/UBND-NN", "--year", "2021", "--no-wait"]));
    assert!(queued.contains("đã xếp 40 thư"), "{queued}");
    let env = |c: &mut Command| {
        smtp.env(c)
            .env("VANTHU_SMTP_TIMEOUT", "2")
            .env("VANTHU_MAIL_LEASE", "7")
            .env("VANTHU_MAIL_BACKOFF", "1")
            .env("VANTHU_MAIL_CONCURRENCY", "4");
    };
    let mut worker = cli(dir.path(), &db);
    env(worker.arg("worker"));
    let mut worker = worker.stdout(Stdio::null()).spawn().unwrap();
    // Wait until at least 15 messages are accepted *and recorded* and the four
    // connections wait for the server's answer to RCPT TO, then kill the worker.
    let c = rusqlite::Connection::open(&db).unwrap();
    let count = |status: &str| -> usize {
        c.query_row(
            "SELECT count(*) FROM deliveries WHERE status = ?1",
            [status],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize
    };
    let start = Instant::now();
    while !(smtp.stalled() == 4 && count("sent") == smtp.accepted() && count("sending") == 4) {
        assert!(start.elapsed() < Duration::from_secs(30), "worker stuck");
        std::thread::sleep(Duration::from_millis(20));
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    let before = smtp.accepted();
    assert!((15..19).contains(&before), "{before}");
    std::fs::remove_file(&stall).unwrap();

    // A new worker takes the four abandoned messages once their lease ends, and the rest.
    let mut again = cli(dir.path(), &db);
    env(again.args(["worker", "--until-done"]));
    let out = stdout(&mut again);
    assert!(out.contains(&format!("đã gửi {}", 40 - before)), "{out}");
    let messages = smtp.messages();
    let mut ids: Vec<&str> = messages
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 40, "every recipient once");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "no Message-ID twice");
    assert_eq!(count("sent"), 40);
    // The attempt log is complete: the four rows the killed worker held each have an
    // 'abandoned' attempt, and every row's counter equals its logged attempts.
    let abandoned: i64 = c
        .query_row(
            "SELECT count(*) FROM delivery_attempts WHERE outcome = 'abandoned'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(abandoned, 4);
    let mismatched: i64 = c
        .query_row(
            "SELECT count(*) FROM deliveries d WHERE d.attempts !=
               (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(mismatched, 0, "attempt counters match the log");
}

#[test]
fn two_and_three_workers_at_once_send_every_message_once() {
    for workers in [2, 3] {
        let dir = tempfile::tempdir().unwrap();
        let db = issued(dir.path());
        recipients(dir.path(), &db, 40, |i| {
            format!("xa{i}@lucnam.vanthu.example")
        });
        let smtp = Smtp::start(dir.path(), &[]);
        stdout(cli(dir.path(), &db).args(["send", "02/UBND-NN", "--year", "2021", "--no-wait"]));
        // A tight rate and a lease shorter than the time a worker needs for its share:
        // before, a row claimed and then held back by the rate limiter outlived its
        // lease and the other worker sent it again.
        let spawn = || {
            let mut w = cli(dir.path(), &db);
            smtp.env(w.args(["worker", "--until-done"]))
                .env("VANTHU_SMTP_TIMEOUT", "1")
                .env("VANTHU_MAIL_LEASE", "4")
                .env("VANTHU_MAIL_RATE", "4")
                .env("VANTHU_MAIL_CONCURRENCY", "32");
            w.stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        let mut running: Vec<_> = (0..workers).map(|_| spawn()).collect();
        for w in &mut running {
            assert!(w.wait().unwrap().success());
        }
        let messages = smtp.messages();
        let mut ids: Vec<&str> = messages
            .iter()
            .map(|m| m["message_id"].as_str().unwrap())
            .collect();
        ids.sort();
        let all = ids.len();
        ids.dedup();
        assert_eq!(
            (all, ids.len()),
            (40, 40),
            "{workers} workers: every message exactly once"
        );
        let c = rusqlite::Connection::open(&db).unwrap();
        let (sent, logged): (i64, i64) = c
            .query_row(
                "SELECT (SELECT count(*) FROM deliveries WHERE status = 'sent'),
                        (SELECT count(*) FROM delivery_attempts WHERE outcome = 'sent')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((sent, logged), (40, 40), "{workers} workers");
    }
}

#[test]
fn a_dry_run_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    recipients(dir.path(), &db, 40, |i| {
        format!("xa{i}@lucnam.vanthu.example")
    });
    let out = run(Command::new("bash")
        .arg("-c")
        .arg(format!(
            // `true` exits before vanthu has opened the database, so every line
            // vanthu prints meets a closed pipe.
            "set -o pipefail; VANTHU_QUIET=1 '{}' --db '{}' send 02/UBND-NN --year 2021 --dry-run | true",
            env!("CARGO_BIN_EXE_vanthu"),
            db.display()
        ))
        .current_dir(dir.path()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
    assert!(out.status.success(), "{err}");
}

#[test]
fn settings_a_lease_cannot_hold_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let out = run(cli(dir.path(), &db)
        .args(["worker", "--until-done"])
        .env("VANTHU_MAIL_RATE", "0.5")
        .env("VANTHU_MAIL_LEASE", "5"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mail.rate_per_second") && err.contains("lease_secs"),
        "{err}"
    );
}

/// A test certificate authority and a server certificate for 127.0.0.1 it signed.
/// Returns (CA certificate, server certificate, server key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let openssl = |args: &[&str]| {
        let o = run(Command::new("openssl").args(args));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=vanthu test CA",
        "-keyout",
        &p("ca.key"),
        "-out",
        &p("ca.pem"),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &p("key.pem"),
        "-out",
        &p("req.pem"),
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p("req.pem"),
        "-CA",
        &p("ca.pem"),
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &p("ext.cnf"),
        "-out",
        &p("cert.pem"),
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

#[test]
fn starttls_with_auth_and_a_wrong_password_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let (ca, cert, key) = certificates(dir.path());
    let smtp = Smtp::start_tls(dir.path(), &cert, &key, &["--auth", "vanthu:mật-khẩu-đúng"]);
    let send = |password: &str, retry: bool| {
        let mut c = cli(dir.path(), &db);
        if retry {
            c.arg("send").arg("--retry-failed");
        } else {
            c.arg("send");
        }
        smtp.env(&mut c)
            .env("VANTHU_SMTP_SECURITY", "starttls")
            .env("VANTHU_SMTP_CA", &ca)
            .env("VANTHU_SMTP_USER", "vanthu")
            .env("VANTHU_SMTP_PASSWORD", password)
            .env_remove("VANTHU_QUIET")
            .args(["01/UBND-NN", "--year", "2021"]);
        run(&mut c)
    };
    let o = send("sai-roi-123", false);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(all.contains("thất bại 3"), "{all}");
    assert!(all.contains("535"), "the server's refusal is shown: {all}");
    assert!(
        !all.contains("sai-roi-123"),
        "the password is never printed: {all}"
    );
    assert!(smtp.messages().is_empty());

    let o = send("mật-khẩu-đúng", true);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{all}");
    assert!(all.contains("đã gửi 3"), "{all}");
    assert!(
        !all.contains("mật-khẩu-đúng"),
        "the password is never printed: {all}"
    );
    assert_eq!(smtp.messages().len(), 3);
}

#[test]
fn implicit_tls_delivers_and_the_rate_limit_spaces_the_messages() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let (ca, cert, key) = certificates(dir.path());
    let smtp = Smtp::start_tls(dir.path(), &cert, &key, &["--implicit-tls"]);
    let out = stdout(
        smtp.env(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"]))
            .env("VANTHU_SMTP_SECURITY", "tls")
            .env("VANTHU_SMTP_CA", &ca)
            .env("VANTHU_MAIL_RATE", "2"),
    );
    assert!(out.contains("đã gửi 3, chờ gửi lại 0, thất bại 0"), "{out}");
    assert_eq!(smtp.messages().len(), 3);
    // At most 2 messages started per second: the third starts 1 s after the first, so the
    // recorded attempts span well over 700 ms (a loaded machine only makes it longer; the
    // margin covers the first message's TLS handshake).
    let span: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT CAST(round((julianday(max(at)) - julianday(min(at))) * 86400000) AS INTEGER)
             FROM delivery_attempts",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(span >= 700, "3 messages at 2/s within {span} ms");
}

#[test]
fn without_smtp_messages_are_eml_files_and_problems_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let out = stdout(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"]));
    assert!(out.contains("đã gửi 3"), "{out}");
    let emls = read_messages(&dir.path().join("thu-di"));
    assert_eq!(emls.len(), 3);
    let (pdf_sha, _) = register_hashes(&db);
    assert!(
        emls.iter()
            .all(|m| m["attachments"][0]["sha256"] == pdf_sha.as_str())
    );

    // Unknown document, and an issuer without a mailbox: clear messages, nothing queued.
    let o = run(cli(dir.path(), &db).args(["send", "99/UBND-NN", "--year", "2021"]));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("không có văn bản 99/UBND-NN năm 2021"));
    let letter = std::fs::read_to_string(root().join("letters/drafts/luc-nam-cong-van.toml"))
        .unwrap()
        .replace("id = \"ubnd-luc-nam\"", "id = \"ubnd-tp-bac-giang\"");
    std::fs::write(dir.path().join("tp.toml"), letter).unwrap();
    let n = stdout(
        cli(dir.path(), &db)
            .arg("issue")
            .arg(dir.path().join("tp.toml"))
            .args(["--date", "2021-04-01"]),
    );
    let before = std::fs::read(&db).unwrap();
    let o = run(cli(dir.path(), &db).args([
        "send",
        n.trim(),
        "--year",
        "2021",
        "--issuer",
        "ubnd-tp-bac-giang",
    ]));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("chưa có địa chỉ thư điện tử để gửi đi"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing queued");

    // A bad setting names the variable.
    let o = run(cli(dir.path(), &db)
        .args(["worker", "--until-idle"])
        .env("VANTHU_MAIL_CONCURRENCY", "nhiều"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("VANTHU_MAIL_CONCURRENCY"));
}

#[test]
fn an_issued_reminder_reaches_exactly_the_late_agencies_that_have_a_mailbox() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "UPDATE milestone_agencies SET reported_on = '2020-10-20'
         WHERE milestone_id = 'bg-2020-danh-gia-huyen' AND agency_id = 'ubnd-luc-nam'",
        [],
    )
    .unwrap();
    let n = stdout(cli(dir.path(), &db).args([
        "ocop",
        "remind",
        "--milestone",
        "bg-2020-danh-gia-huyen",
        "--issuer",
        "snn-bac-giang",
        "--date",
        "2020-10-23",
        "--issue",
    ]));
    assert_eq!(n.trim(), "01/SNN-PTNT");
    let smtp = Smtp::start(dir.path(), &[]);
    let out =
        stdout(smtp.env(cli(dir.path(), &db).args(["send", "01/SNN-PTNT", "--year", "2020"])));
    // Lục Nam reported; Thành phố Bắc Giang has no mailbox and gets paper.
    assert!(
        out.contains("giấy  UBND thành phố Bắc Giang: chưa có địa chỉ thư điện tử"),
        "{out}"
    );
    assert!(out.contains("lưu   Lưu: VT, PTNT"), "{out}");
    let mut got: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| m["delivered_to"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["ubnd@lucngan.vanthu.example", "ubnd@yenthe.vanthu.example"],
        "only the late agencies with a mailbox"
    );
    let m = &smtp.messages()[0];
    assert_eq!(
        m["from"],
        "Sở Nông nghiệp và PTNT Bắc Giang <snn@bacgiang.vanthu.example>"
    );
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("[01/SNN-PTNT] V/v đôn đốc thực hiện hoàn thành đánh giá"),
        "{}",
        m["subject"]
    );
}

#[test]
fn the_readme_delivery_tour_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("## E-mail delivery").unwrap();
    let block_end = start + readme[start..].find("```sh\n").unwrap() + 6;
    let block_end = block_end + readme[block_end..].find("```").unwrap();
    let printed_start = block_end + 3 + readme[block_end + 3..].find("```\n").unwrap() + 4;
    let printed_end = printed_start + readme[printed_start..].find("```").unwrap();
    let printed = &readme[printed_start..printed_end];
    let dir = tempfile::tempdir().unwrap();
    let outputs = run_readme_block("## E-mail delivery", dir.path(), None);
    assert_eq!(outputs[2].trim(), "01/UBND-NN");
    for l in printed.lines() {
        assert!(
            outputs[3].contains(l),
            "README shows {l:?}; vanthu printed:\n{}",
            outputs[3]
        );
    }
    assert!(outputs[4].contains("đã gửi 3"), "{}", outputs[4]);
    assert_eq!(
        outputs[5].matches("đã gửi lúc").count(),
        3,
        "{}",
        outputs[5]
    );
    assert_eq!(read_messages(&dir.path().join("thu-di")).len(), 3);
    assert!(
        outputs[9].contains("đã xếp 0 thư vào hàng đợi (3 đã có từ trước)"),
        "{}",
        outputs[9]
    );
}

#[test]
fn the_worker_stops_cleanly_on_sigterm_after_delivering_what_was_queued() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    stdout(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021", "--no-wait"]));
    let worker = cli(dir.path(), &db)
        .arg("worker")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // It delivers the queue, then waits for more until told to stop.
    let start = Instant::now();
    while std::fs::read_dir(dir.path().join("thu-di")).map_or(0, |d| d.count()) < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "worker did not deliver"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let term = run(Command::new("kill")
        .arg("-TERM")
        .arg(worker.id().to_string()));
    assert!(term.status.success());
    let out = worker.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "exit code after SIGTERM: {:?}",
        out.status
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("đã gửi 3, chờ gửi lại 0, thất bại 0"),
        "{printed}"
    );
}

#[test]
fn a_server_that_wants_a_fully_qualified_ehlo_name_accepts_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let smtp = Smtp::start(dir.path(), &["--strict-helo"]);
    let log = || std::fs::read_to_string(smtp.dir.join("log")).unwrap_or_default();

    // A name that is not fully qualified is refused before anything is queued.
    let before = std::fs::read(&db).unwrap();
    let out = run(smtp
        .env(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"]))
        .env("VANTHU_SMTP_HELO", "vm"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"vm\" không phải tên miền đầy đủ"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // The default is fully qualified whatever this machine is called.
    let out = stdout(smtp.env(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"])));
    assert!(
        out.contains("đã gửi 3, chờ gửi lại 0, thất bại 0"),
        "{out}\n{}",
        log()
    );
    let names: Vec<String> = log()
        .lines()
        .filter_map(|l| l.strip_prefix("HELO "))
        .map(str::to_string)
        .collect();
    assert_eq!(names.len(), 3, "{}", log());
    assert!(names.iter().all(|n| n.contains('.')), "{names:?}");

    // A configured name is the one given.
    std::fs::create_dir_all(dir.path().join("hai")).unwrap();
    let db = issued(&dir.path().join("hai"));
    let out = stdout(
        smtp.env(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"]))
            .env("VANTHU_SMTP_HELO", "mail.lucnam.vanthu.example"),
    );
    assert!(out.contains("đã gửi 3"), "{out}");
    assert_eq!(
        log().matches("HELO mail.lucnam.vanthu.example").count(),
        3,
        "{}",
        log()
    );
}

#[test]
fn messages_carry_a_dkim_signature_a_verifier_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let (key, p) = dkim_key(dir.path());
    let config = |key: &Path| {
        std::fs::write(
            dir.path().join("vanthu.toml"),
            format!(
                "[[mail.dkim]]\ndomain = \"lucnam.vanthu.example\"\nselector = \"vanthu\"\nkey = \"{}\"\n",
                key.display()
            ),
        )
        .unwrap();
    };

    // A key that is not PKCS#1 RSA is refused before anything is queued.
    let wrong = dir.path().join("sai.pem");
    std::fs::write(
        &wrong,
        "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    config(&wrong);
    let before = std::fs::read(&db).unwrap();
    let o = run(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"]));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("không phải khóa RSA dạng PKCS#1 PEM"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing queued");

    config(&key);
    let out = stdout(cli(dir.path(), &db).args(["send", "01/UBND-NN", "--year", "2021"]));
    assert!(out.contains("đã gửi 3"), "{out}");
    let folder = dir.path().join("thu-di");
    let results = dkim_results(&folder, &p);
    assert_eq!(results.len(), 3, "{results:?}");
    for r in &results {
        assert_eq!(r["valid"], true, "{r}");
        assert_eq!(r["d"], "lucnam.vanthu.example", "{r}");
        assert_eq!(r["s"], "vanthu", "{r}");
        let h = r["h"].as_str().unwrap().to_ascii_lowercase();
        for name in ["from", "to", "subject", "date", "message-id"] {
            assert!(h.split(':').any(|x| x == name), "{name} not signed: {r}");
        }
    }
    // Another key's record, or one changed byte of the body, fails the check.
    let other = run(Command::new("sh").arg("-c").arg(
        "openssl genrsa -traditional 2048 2>/dev/null | openssl rsa -pubout -outform DER 2>/dev/null",
    ));
    use base64::Engine;
    let other = base64::engine::general_purpose::STANDARD.encode(&other.stdout);
    assert!(
        dkim_results(&folder, &other)
            .iter()
            .all(|r| r["valid"] == false)
    );
    let eml = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "eml"))
        .unwrap();
    let mut raw = std::fs::read(&eml).unwrap();
    let body = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let at = body + raw[body..].iter().position(u8::is_ascii_lowercase).unwrap();
    raw[at] = if raw[at] == b'a' { b'b' } else { b'a' };
    std::fs::write(&eml, raw).unwrap();
    let results = dkim_results(&folder, &p);
    assert_eq!(
        results.iter().filter(|r| r["valid"] == true).count(),
        2,
        "{results:?}"
    );
}

#[test]
fn a_bounce_mailbox_that_cannot_be_read_is_reported_and_delivery_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    let smtp = Smtp::start(dir.path(), &[]);
    // A file where the Maildir should be.
    let not_a_maildir = dir.path().join("bounces");
    std::fs::write(&not_a_maildir, "").unwrap();
    let mut send = cli(dir.path(), &db);
    smtp.env(send.args(["send", "01/UBND-NN", "--year", "2021"]))
        .env("VANTHU_MAIL_BOUNCES", "bounces@lucnam.vanthu.example")
        .env("VANTHU_MAIL_BOUNCES_MAILDIR", &not_a_maildir);
    let out = run(&mut send);
    assert!(out.status.success());
    assert!(printed(&out).contains("đã gửi 3"), "{}", printed(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("thư mục thư trả lại"), "{err}");
    // Every message's envelope sender was its own bounce address.
    let log = std::fs::read_to_string(smtp.dir.join("log")).unwrap();
    assert_eq!(
        log.lines()
            .filter(|l| l.contains("MAIL FROM") && l.contains("bounces+"))
            .count(),
        3,
        "{log}"
    );

    // A bounce address with a + of its own is refused before anything is queued.
    let before = dump(&db);
    let mut bad = cli(dir.path(), &db);
    smtp.env(bad.args(["send", "01/UBND-NN", "--year", "2021"]))
        .env("VANTHU_MAIL_BOUNCES", "bounces+x@lucnam.vanthu.example");
    let out = run(&mut bad);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("không được có dấu +"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dump(&db), before);
}
