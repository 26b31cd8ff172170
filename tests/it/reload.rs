//! `systemctl reload vanthu` (issue 35): SIGHUP makes the running service read its
//! configuration again. Requests keep being answered through every reload; the new
//! `/metrics` token, trusted proxies and `[mail]` folder apply at once (the worker goes
//! on with the new folder, nothing sent twice); a file with a mistake changes nothing
//! and the log says so; a changed listening address is named as needing a restart.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::mail::read_messages;
use crate::common::server::{Server, signing_section};
use crate::common::*;

fn config(server: &str, mail_folder: &str) -> String {
    format!(
        "[server]\nreminder_at = \"\"\n{server}\n[mail]\nfolder = \"{mail_folder}\"\n{}",
        signing_section()
    )
}

/// Writes `text` as the service's vanthu.toml, sends SIGHUP and waits for the log line
/// that says how the reload went (the `n`th such line).
fn reload(s: &Server, text: &str, n: usize) -> String {
    std::fs::write(s.dir.path().join("vanthu.toml"), text).unwrap();
    let hup = run(Command::new("kill")
        .arg("-HUP")
        .arg(s.child.id().to_string()));
    assert!(hup.status.success());
    let start = Instant::now();
    loop {
        let log = s.log();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("configuration reloaded") || l.contains("not reloaded"))
            .collect();
        if lines.len() >= n {
            return lines[n - 1].to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no reload:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// GET /metrics with a token and an X-Forwarded-For header.
fn metrics(s: &Server, token: Option<&str>, forwarded: Option<&str>) -> u16 {
    let mut req = s.agent.get(&s.url("/metrics"));
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    if let Some(f) = forwarded {
        req = req.header("X-Forwarded-For", f);
    }
    req.call().unwrap().status().as_u16()
}

/// Issues and sends a signed document; returns how many messages were queued.
fn issue_and_send(s: &Server) -> usize {
    s.issue_and_send()["queued"].as_u64().unwrap() as usize
}

/// Waits until `folder` holds `n` messages.
fn delivered(s: &Server, folder: &str, n: usize) {
    let start = Instant::now();
    while read_messages(&s.dir.path().join(folder)).len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{folder}: fewer than {n} messages\n{}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_reload_swaps_the_settings_without_dropping_requests_and_a_mistake_changes_nothing() {
    let mut s = Server::start_with(&config("metrics_token = \"ma-mot\"", "thu-a"));
    let first = issue_and_send(&s);
    assert!(first > 0);
    delivered(&s, "thu-a", first);
    assert_eq!(metrics(&s, Some("ma-mot"), None), 200);
    assert_eq!(metrics(&s, None, Some("10.9.8.7")), 403);

    let done = AtomicBool::new(false);
    let (answered, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let second = std::thread::scope(|scope| {
        // Requests all along, on their own connections and kept-alive ones.
        for _ in 0..2 {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    let (status, _) = s.api(Some("cv"), "GET", "/drafts", None);
                    answered.fetch_add(1, Ordering::Relaxed);
                    if status != 200 {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }

        // A new token, nginx in front, a reader at 10.9.8.7, another outbox folder
        // and another address (which only a restart applies).
        let newer = config(
            "metrics_token = \"ma-hai\"\ntrusted_proxies = [\"127.0.0.1\"]\nmetrics_from = [\"10.9.8.7\"]\naddr = \"127.0.0.1:9\"",
            "thu-b",
        );
        let line = reload(&s, &newer, 1);
        assert!(line.contains("configuration reloaded"), "{line}");
        assert!(line.contains("server.addr"), "restart named: {line}");
        assert_eq!(metrics(&s, Some("ma-mot"), None), 403, "the old token");
        assert_eq!(metrics(&s, Some("ma-hai"), None), 200, "the new token");
        assert_eq!(metrics(&s, None, Some("10.9.8.7")), 200, "via the proxy");
        assert_eq!(metrics(&s, None, Some("10.9.8.8")), 403);

        // The worker goes on in the new folder; the old one keeps what it had.
        let second = issue_and_send(&s);
        delivered(&s, "thu-b", second);
        assert_eq!(read_messages(&s.dir.path().join("thu-a")).len(), first);

        // Mistakes: a broken file, a time that is no time, a trusted root that is not
        // there. Each is refused whole; the service keeps the settings it had.
        let broken = [
            "[server\nmetrics_token = \"ma-ba\"\n".to_string(),
            config("metrics_token = \"ma-ba\"", "thu-c")
                + "[backup]\ndir = \"sao-luu\"\nat = \"25:00\"\n",
            config("metrics_token = \"ma-ba\"", "thu-c").replace("root.pem", "khong-co.pem"),
        ];
        for (i, text) in broken.iter().enumerate() {
            let line = reload(&s, text, 2 + i);
            assert!(line.contains("not reloaded"), "{text}: {line}");
            assert_eq!(metrics(&s, Some("ma-ba"), None), 403, "{text}");
            assert_eq!(metrics(&s, Some("ma-hai"), None), 200, "{text}");
        }
        done.store(true, Ordering::Relaxed);
        second
    });
    assert!(s.child.try_wait().unwrap().is_none(), "still running");
    assert!(answered.load(Ordering::Relaxed) > 0);
    assert_eq!(failed.load(Ordering::Relaxed), 0, "every request answered");
    // Every message went out once, into the folder of its time.
    let third = issue_and_send(&s);
    delivered(&s, "thu-b", second + third);
    assert_eq!(
        read_messages(&s.dir.path().join("thu-b")).len(),
        second + third
    );
    assert_eq!(read_messages(&s.dir.path().join("thu-a")).len(), first);
    assert!(!s.dir.path().join("thu-c").exists());
    let _ = s.child.kill();
}
