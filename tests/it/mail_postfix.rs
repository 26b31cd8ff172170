//! E-mail delivery through a real Postfix (Debian's, a private instance per test started
//! by tests/postfix.sh on 127.0.0.1: Maildir delivery, STARTTLS with a test CA, a
//! strict-HELO port, a far relay that refuses gone.example so Postfix bounces).
//! scripts/test installs Postfix; the tests need root (Postfix's master does).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::mail::*;
use crate::common::*;

/// A running private Postfix; stopped on drop.
struct Postfix {
    dir: PathBuf,
    port: u16,
}

impl Postfix {
    fn start(dir: &Path) -> Postfix {
        let dir = dir.join("postfix");
        // Three consecutive free ports: the listener, the strict one, the far relay.
        let port = (0..50)
            .find_map(|_| {
                let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
                let p = l.local_addr().ok()?.port();
                drop(l);
                (p < 65000
                    && (1..3).all(|i| std::net::TcpListener::bind(("127.0.0.1", p + i)).is_ok()))
                .then_some(p)
            })
            .expect("three free ports");
        let out = run(Command::new(root().join("tests/postfix.sh"))
            .arg("start")
            .arg(&dir)
            .arg(port.to_string()));
        assert!(
            out.status.success(),
            "postfix did not start (scripts/test installs it; it needs root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Postfix { dir, port }
    }

    /// The variables that send through this Postfix with STARTTLS (on the strict-HELO
    /// port when `strict`).
    fn env<'a>(&self, cmd: &'a mut Command, strict: bool) -> &'a mut Command {
        cmd.env("VANTHU_SMTP_HOST", "127.0.0.1")
            .env(
                "VANTHU_SMTP_PORT",
                (self.port + u16::from(strict)).to_string(),
            )
            .env("VANTHU_SMTP_SECURITY", "starttls")
            .env("VANTHU_SMTP_CA", self.dir.join("ca.pem"))
    }

    fn mailbox(&self) -> PathBuf {
        self.dir.join("mail/all")
    }

    fn bounces(&self) -> PathBuf {
        self.dir.join("mail/bounces")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("maillog")).unwrap_or_default()
    }

    /// Waits until the Maildir `folder` holds `n` new messages (Postfix delivers after
    /// it has accepted), for at most a minute.
    fn wait_for(&self, folder: &Path, n: usize) -> usize {
        let start = Instant::now();
        loop {
            let found = std::fs::read_dir(folder.join("new")).map_or(0, |d| d.count());
            if found >= n || start.elapsed() > Duration::from_secs(60) {
                // A little longer, so that a duplicate would have arrived too.
                std::thread::sleep(Duration::from_millis(300));
                return std::fs::read_dir(folder.join("new")).map_or(0, |d| d.count());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until this instance's master has exited (`postfix status` fails), for at
    /// most 30 s.
    fn wait_stopped(&self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            let running = Command::new("postfix")
                .arg("-c")
                .arg(self.dir.join("etc"))
                .arg("status")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap()
                .success();
            if !running {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("postfix did not stop within 30 s");
    }

    fn postfix(&self, what: &str) {
        let ok = Command::new("postfix")
            .arg("-c")
            .arg(self.dir.join("etc"))
            .arg(what)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "postfix {what}");
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new(root().join("tests/postfix.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

/// How many messages each Message-ID arrived as, and for whom.
fn arrivals(folder: &Path) -> (HashMap<String, usize>, Vec<String>) {
    let mut ids = HashMap::new();
    let mut to = vec![];
    for m in read_messages(folder) {
        *ids.entry(m["message_id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
        to.push(m["delivered_to"].as_str().unwrap().to_string());
    }
    to.sort();
    (ids, to)
}

fn mailbox_of(i: usize) -> String {
    format!("xa{i}@lucnam.vanthu.example")
}

#[test]
fn a_200_mailbox_document_reaches_each_mailbox_once_over_starttls_signed_and_with_quit() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    recipients(dir.path(), &db, 200, mailbox_of);
    let (key, p) = dkim_key(dir.path());
    std::fs::write(
        dir.path().join("vanthu.toml"),
        format!(
            "[mail]\nconcurrency = 8\n\n[[mail.dkim]]\ndomain = \"lucnam.vanthu.example\"\nselector = \"vanthu\"\nkey = \"{}\"\n",
            key.display()
        ),
    )
    .unwrap();
    let postfix = Postfix::start(dir.path());
    // The strict port: reject_non_fqdn_helo_hostname, as many real servers.
    let out = stdout(postfix.env(
        cli(dir.path(), &db).args(["send", "02/UBND-NN", "--year", "2021"]),
        true,
    ));
    assert!(out.contains("đã gửi 200"), "{out}");
    assert_eq!(postfix.wait_for(&postfix.mailbox(), 200), 200);
    let (ids, to) = arrivals(&postfix.mailbox());
    assert_eq!(ids.len(), 200);
    assert!(ids.values().all(|&n| n == 1), "one message per Message-ID");
    let mut expected: Vec<String> = (0..200).map(mailbox_of).collect();
    expected.sort();
    assert_eq!(to, expected, "exactly the 200 mailboxes");

    // The signature still verifies after Postfix added its headers.
    let results = dkim_results(&postfix.mailbox(), &p);
    assert_eq!(results.len(), 200);
    assert!(
        results.iter().all(|r| r["valid"] == true),
        "{:?}",
        results[0]
    );

    // Every connection was encrypted and ended with QUIT; at most `concurrency` of them.
    let log = postfix.log();
    let disconnects: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("postfix/smtpd") && l.contains("disconnect from"))
        // Not tests/postfix.sh's readiness probe, which connects and goes.
        .filter(|l| !l.contains("commands=0/0"))
        .collect();
    assert!(
        !disconnects.is_empty() && disconnects.len() <= 8,
        "{disconnects:?}"
    );
    assert!(
        disconnects.iter().all(|l| l.contains(" quit=1")),
        "{disconnects:?}"
    );
    let tls = log
        .lines()
        .filter(|l| l.contains("postfix/smtpd") && l.contains("TLS connection established"))
        .count();
    assert_eq!(tls, disconnects.len(), "every connection used STARTTLS");
    assert!(!log.contains("reject:"), "nothing refused: {log}");
}

#[test]
fn two_workers_and_a_postfix_restart_mid_batch_lose_nothing_and_resend_only_what_was_cut() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    recipients(dir.path(), &db, 200, mailbox_of);
    let postfix = Postfix::start(dir.path());
    stdout(cli(dir.path(), &db).args(["send", "02/UBND-NN", "--year", "2021", "--no-wait"]));
    let spawn = || {
        let mut w = cli(dir.path(), &db);
        postfix
            .env(w.args(["worker", "--until-done"]), false)
            .env("VANTHU_SMTP_TIMEOUT", "2")
            .env("VANTHU_MAIL_LEASE", "8")
            .env("VANTHU_MAIL_RATE", "40")
            .env("VANTHU_MAIL_BACKOFF", "1")
            .env("VANTHU_MAIL_BACKOFF_CAP", "2")
            .env("VANTHU_MAIL_CONCURRENCY", "8");
        w.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut workers = [spawn(), spawn()];
    // Two workers at 40/s each: about 2.5 s of work. Postfix goes away after one second
    // and comes back two seconds later.
    std::thread::sleep(Duration::from_secs(1));
    postfix.postfix("stop");
    let down = Instant::now();
    // `postfix stop` only asks the master to go; starting again before it has gone
    // fails ("already running"), so wait for it (polled), then keep it down 2 s.
    postfix.wait_stopped();
    std::thread::sleep(Duration::from_secs(2).saturating_sub(down.elapsed()));
    postfix.postfix("start");
    for w in &mut workers {
        assert!(w.wait().unwrap().success());
    }
    let arrived = postfix.wait_for(&postfix.mailbox(), 200);
    let (ids, mut to) = arrivals(&postfix.mailbox());
    // Every message arrived.
    assert_eq!(ids.len(), 200, "{arrived} arrived");
    // SMTP cannot tell a client whose connection is cut after the message's final "."
    // whether the server kept it, so a message in flight when Postfix stops may be
    // sent again (the same Message-ID, which a mail client shows once). Only those:
    // each at most twice, only messages whose delivery had a failed attempt, and no
    // more than were in flight (2 workers × 8).
    let c = rusqlite::Connection::open(&db).unwrap();
    let twice: Vec<&String> = ids
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id)
        .collect();
    assert!(ids.values().all(|n| *n <= 2), "{ids:?}");
    assert!(twice.len() <= 16, "duplicates: {twice:?}");
    for id in &twice {
        let retried: i64 = c
            .query_row(
                "SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                 WHERE trim(d.message_id, '<>') = trim(?1, '<>') AND a.outcome = 'transient'",
                [id.as_str()],
                |r| r.get(0),
            )
            .unwrap();
        assert!(retried > 0, "{id} arrived twice but was sent once");
    }
    to.dedup();
    assert_eq!(to.len(), 200, "each mailbox reached");
    let (sent, logged, retried): (i64, i64, i64) = c
        .query_row(
            "SELECT (SELECT count(*) FROM deliveries WHERE status = 'sent'),
                    (SELECT count(*) FROM delivery_attempts WHERE outcome = 'sent'),
                    (SELECT count(*) FROM delivery_attempts WHERE outcome = 'transient')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((sent, logged), (200, 200));
    assert!(retried > 0, "the stop was seen and retried");
}

#[test]
fn a_bounce_from_a_far_relay_marks_its_delivery_failed_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let db = issued(dir.path());
    // Three communes; the second's mailbox no longer exists at its far relay.
    recipients(dir.path(), &db, 3, |i| {
        if i == 1 {
            "cu@gone.example".to_string()
        } else {
            mailbox_of(i)
        }
    });
    let postfix = Postfix::start(dir.path());
    let with_bounces = |cmd: &mut Command| {
        postfix
            .env(cmd, false)
            .env("VANTHU_MAIL_BOUNCES", "bounces@lucnam.vanthu.example")
            .env("VANTHU_MAIL_BOUNCES_MAILDIR", postfix.bounces());
    };
    let mut send = cli(dir.path(), &db);
    send.args(["send", "02/UBND-NN", "--year", "2021"]);
    with_bounces(&mut send);
    let out = stdout(&mut send);
    assert!(
        out.contains("đã gửi 3"),
        "the first server accepted all three: {out}"
    );
    assert_eq!(postfix.wait_for(&postfix.mailbox(), 2), 2);
    assert_eq!(
        postfix.wait_for(&postfix.bounces(), 1),
        1,
        "{}",
        postfix.log()
    );

    // Each message had its own envelope sender and asked for DSNs.
    let log = postfix.log();
    let senders: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("postfix/qmgr") && l.contains("from=<bounces+"))
        .collect();
    assert_eq!(senders.len(), 3, "{log}");
    let dsn = std::fs::read_dir(postfix.bounces().join("new"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .next()
        .unwrap();
    assert!(dsn.contains("Original-Envelope-Id: "), "{dsn}");
    assert!(dsn.contains("Action: failed"), "{dsn}");

    let mut read = cli(dir.path(), &db);
    read.arg("bounces");
    with_bounces(&mut read);
    let before_other = dump_except(&db, &["deliveries", "delivery_attempts"]);
    let out = stdout(&mut read);
    assert!(out.starts_with("1 thư bị trả lại"), "{out}");
    assert_eq!(
        dump_except(&db, &["deliveries", "delivery_attempts"]),
        before_other
    );
    let table = stdout(cli(dir.path(), &db).args(["deliveries", "02/UBND-NN", "--year", "2021"]));
    let line = |who: &str| {
        table
            .lines()
            .find(|l| l.contains(who))
            .unwrap_or_else(|| panic!("{who} in {table}"))
            .to_string()
    };
    let gone = line("cu@gone.example");
    assert!(gone.contains("thất bại"), "{gone}");
    assert!(gone.contains("thư bị trả lại (5.1.1)"), "{gone}");
    assert!(gone.contains("user unknown"), "{gone}");
    for i in [0, 2] {
        assert!(line(&mailbox_of(i)).contains("đã gửi lúc"), "{table}");
    }
    // Read once: the notice moved to cur/ (seen); a second read finds nothing new.
    let out = stdout(&mut read);
    assert!(out.starts_with("0 thư bị trả lại"), "{out}");
    let c = rusqlite::Connection::open(&db).unwrap();
    let bounced: i64 = c
        .query_row(
            "SELECT count(*) FROM delivery_attempts WHERE outcome = 'bounced'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bounced, 1);
    // The same notice piped in again changes nothing.
    let cur = std::fs::read_dir(postfix.bounces().join("cur"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let before = dump(&db);
    let mut piped = cli(dir.path(), &db);
    piped
        .args(["bounces", "--stdin"])
        .stdin(std::fs::File::open(&cur).unwrap());
    with_bounces(&mut piped);
    let out = stdout(&mut piped);
    assert!(out.contains("đã được ghi"), "{out}");
    assert_eq!(dump(&db), before);
}
