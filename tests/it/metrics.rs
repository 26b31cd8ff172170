//! `/metrics` on the real service (issue 35): after a signed document is issued and
//! sent, a wrong password and an upload, the page parsed by prometheus_client's own
//! parser shows exactly that work; it is refused without the token and absent when
//! not configured. Every request has an id, in its answer and its JSON log line, and
//! no password or token reaches the log.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use crate::common::layout::python;
use crate::common::server::Server;
use crate::common::*;

const TOKEN: &str = "ma-doc-so-lieu-thu";

/// GET /metrics with `token`: (status, body).
fn scrape(s: &Server, token: Option<&str>) -> (u16, String) {
    let mut req = s.agent.get(&s.url("/metrics"));
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.call().unwrap();
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_string().unwrap(),
    )
}

/// Every sample, by name and sorted labels, as prometheus_client parses the page.
fn parsed(s: &Server, page: &str) -> BTreeMap<String, f64> {
    let file = s.dir.path().join("metrics.txt");
    std::fs::write(&file, page).unwrap();
    let out = stdout(
        Command::new(python())
            .arg(root().join("tests/metrics_parse.py"))
            .arg(&file),
    );
    let samples: Vec<Value> = serde_json::from_str(&out).unwrap();
    samples
        .iter()
        .map(|x| {
            let labels = x["labels"].as_object().unwrap();
            let mut key = x["name"].as_str().unwrap().to_string();
            if !labels.is_empty() {
                let inner: Vec<String> = labels
                    .iter()
                    .filter(|(k, _)| *k != "le")
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
                    .collect();
                if !inner.is_empty() {
                    key.push_str(&format!("{{{}}}", inner.join(",")));
                }
            }
            (key, x["value"].as_f64().unwrap())
        })
        .filter(|(k, _)| !k.ends_with("_bucket"))
        .collect()
}

#[test]
fn metrics_count_the_work_done_and_only_the_configured_reader_sees_them() {
    let s = Server::start_signing_env(&[("VANTHU_METRICS_TOKEN", TOKEN)]);
    let (status, _) = scrape(&s, None);
    assert_eq!(status, 403);
    let (status, _) = scrape(&s, Some("sai-ma"));
    assert_eq!(status, 403);

    // The work: a signed document issued and sent, one wrong password.
    let v = s.issue_and_send();
    // Every mailbox and the paper recipient has its delivery row.
    let planned = (v["queued"].as_u64().unwrap() + v["paper"].as_u64().unwrap()) as f64;
    assert_eq!(s.login_status("vt", "sai-mat-khau"), 401);

    let (status, page) = scrape(&s, Some(TOKEN));
    assert_eq!(status, 200, "{page}");
    let m = parsed(&s, &page);
    let get = |k: &str| *m.get(k).unwrap_or_else(|| panic!("no {k} in {m:#?}"));
    assert_eq!(get("vanthu_documents{series=main}"), 1.0);
    assert_eq!(get("vanthu_document_signatures"), 2.0);
    assert_eq!(get("vanthu_signatures_total"), 2.0);
    assert_eq!(get("vanthu_signature_seconds_count"), 2.0);
    assert_eq!(get("vanthu_drafts{state=issued}"), 1.0);
    assert_eq!(get("vanthu_login_failures_total"), 1.0);
    assert!(get("vanthu_renders_total") >= 1.0, "{m:#?}");
    assert_eq!(
        get("vanthu_render_seconds_count"),
        get("vanthu_renders_total")
    );
    assert_eq!(get("vanthu_renders_waiting"), 0.0);
    let deliveries: f64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("vanthu_deliveries{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(deliveries, planned, "{m:#?}");
    assert!(
        m.contains_key("vanthu_outbox_oldest_waiting_seconds"),
        "{m:#?}"
    );
    assert_eq!(get("vanthu_bounces"), 0.0);
    assert!(!page.contains(TOKEN), "the token never shows");
}

#[test]
fn metrics_are_absent_unless_configured() {
    let s = Server::start();
    let (status, _) = scrape(&s, Some(TOKEN));
    assert_eq!(status, 404);
}

#[test]
fn every_request_has_an_id_in_its_answer_and_its_json_log_line() {
    let s = Server::start_env(
        "[server]\nreminder_at = \"\"\n",
        &[
            ("VANTHU_LOG_FORMAT", "json"),
            ("VANTHU_METRICS_TOKEN", TOKEN),
        ],
    );
    let resp = s
        .agent
        .get(&s.url("/readyz?mat-khau=khong-ghi-vao-nhat-ky"))
        .header("X-Request-Id", "gia-mao-cua-khach")
        .call()
        .unwrap();
    let id = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 16, "{id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let (status, _) = scrape(&s, Some(TOKEN));
    assert_eq!(status, 200);
    assert_eq!(
        s.login_status("vt", &crate::common::server::password("vt")),
        200
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = s.log();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let ours: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == id.as_str())
        .collect();
    assert!(!ours.is_empty(), "{log}");
    assert!(ours.iter().all(|l| l["span"]["path"] == "/readyz"), "{log}");
    for secret in [
        "khong-ghi-vao-nhat-ky",
        "gia-mao",
        TOKEN,
        crate::common::server::password("vt").as_str(),
    ] {
        assert!(!log.contains(secret), "{secret} in the log: {log}");
    }
}
