//! `vanthu serve` driven over HTTP: the real binary on a random port, a blocking client.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::server::{Server, USERS, error_code, password, session_cookie};
use crate::common::{stdout, vanthu};
use serde_json::{Value, json};

#[test]
fn draft_approve_issue_send_over_the_api() {
    let s = Server::start();
    let (status, templates) = s.api(Some("cv"), "GET", "/templates", None);
    assert_eq!(status, 200);
    let reminder = templates["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "reminder")
        .unwrap();
    assert!(
        reminder["fields"][0]["choices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["value"] == "bg-2020-chuyen-ho-so")
    );

    let id = s.create_reminder();
    let mut preview = s
        .agent
        .get(&s.url(&format!("/api/v1/drafts/{id}/preview.pdf")))
        .header("Authorization", &format!("Bearer {}", s.tokens["ld"]))
        .call()
        .unwrap();
    assert_eq!(preview.status().as_u16(), 200);
    let pdf = preview.body_mut().read_to_vec().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    for (login, action, state) in [("cv", "submit", "submitted"), ("ld", "approve", "approved")] {
        let (status, d) = s.api(Some(login), "POST", &format!("/drafts/{id}/{action}"), None);
        assert_eq!((status, d["state"].as_str()), (200, Some(state)), "{d}");
    }
    let (status, entry) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["number_symbol"], "01/SNN-PTNT");
    assert_eq!(entry["date"], "2020-10-23");
    let doc = entry["id"].as_i64().unwrap();
    // Issuing twice is refused: the draft has left 'approved'.
    let (status, again) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!((status, error_code(&again)), (409, "wrong_state"));

    let (status, sent) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/send"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 202, "{sent}");
    assert_eq!(
        (sent["queued"].as_i64(), sent["paper"].as_i64()),
        (Some(3), Some(1))
    );

    // The service's own worker delivers them (to .eml files: no SMTP configured).
    let deadline = Instant::now() + Duration::from_secs(30);
    let rows = loop {
        let (_, d) = s.api(
            Some("vt"),
            "GET",
            &format!("/documents/{doc}/deliveries"),
            None,
        );
        let rows = d["deliveries"].as_array().unwrap().clone();
        if rows
            .iter()
            .all(|r| r["status"] != "queued" && r["status"] != "sending")
        {
            break rows;
        }
        assert!(Instant::now() < deadline, "not delivered: {rows:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["sent", "sent", "sent", "paper"]);
    let emls = std::fs::read_dir(s.dir.path().join("thu-di"))
        .unwrap()
        .count();
    assert_eq!(emls, 3);

    // The register finds it by unaccented words, and serves the stored PDF byte for byte.
    let (_, found) = s.api(
        Some("ld"),
        "GET",
        "/documents?q=don%20doc%20chuyen&year=2020",
        None,
    );
    assert_eq!(found["documents"][0]["id"].as_i64(), Some(doc));
    let (_, none) = s.api(Some("ld"), "GET", "/documents?q=don%20doc&year=2021", None);
    assert_eq!(none["documents"].as_array().unwrap().len(), 0);
    for (query, hits) in [
        ("number=1&year=2020", 1),
        ("number=01/SNN-PTNT", 1),
        ("number=2", 0),
        ("kind=c%C3%B4ng%20v%C4%83n", 1),
        ("kind=quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh", 0),
        ("q=%C4%91%C3%B4n%20%C4%91%E1%BB%91c&issuer=snn-bac-giang", 1),
        ("q=%22%29%20OR%20*", 0),
    ] {
        let (status, found) = s.api(Some("ld"), "GET", &format!("/documents?{query}"), None);
        assert_eq!(status, 200, "{query}: {found}");
        assert_eq!(
            found["documents"].as_array().unwrap().len(),
            hits,
            "{query}"
        );
    }
    let mut file = s
        .agent
        .get(&s.url(&format!("/api/v1/documents/{doc}/pdf")))
        .header("Authorization", &format!("Bearer {}", s.tokens["cv"]))
        .call()
        .unwrap();
    let served = file.body_mut().read_to_vec().unwrap();
    let stored: Vec<u8> = rusqlite::Connection::open(&s.db)
        .unwrap()
        .query_row("SELECT pdf FROM documents WHERE id = ?1", [doc], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        served == stored,
        "the served PDF differs from the register's"
    );
    let served_sha: String = {
        use sha2::{Digest, Sha256};
        Sha256::digest(&served)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(entry["pdf_sha256"], served_sha);

    // Who did what, in order.
    let (_, history) = s.api(Some("cv"), "GET", &format!("/drafts/{id}/history"), None);
    let trail: Vec<(String, String)> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["login"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("cv", "create"),
        ("cv", "submit"),
        ("ld", "approve"),
        ("vt", "issue"),
        ("vt", "send"),
    ];
    assert_eq!(
        trail,
        expected
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .to_vec()
    );
}

#[test]
fn every_action_outside_a_role_is_refused_and_logged() {
    let s = Server::start();
    let id = s.create_reminder();
    // (action, the one role that may, the state it needs)
    let steps = [
        ("submit", "cv", "draft"),
        ("approve", "ld", "submitted"),
        ("issue", "vt", "approved"),
        ("send", "vt", "issued"),
    ];
    for (action, allowed, state) in steps {
        assert_eq!(s.state_of(id), state);
        for (login, _, _) in USERS {
            if *login == allowed {
                continue;
            }
            let (status, e) = s.api(Some(login), "POST", &format!("/drafts/{id}/{action}"), None);
            assert_eq!(
                (status, error_code(&e)),
                (403, "forbidden"),
                "{login} {action}: {e}"
            );
            assert_eq!(s.state_of(id), state, "a refusal changes nothing");
        }
        let confirm = ["issue", "send"]
            .contains(&action)
            .then(|| json!({"confirm": true}));
        let (status, e) = s.api(
            Some(allowed),
            "POST",
            &format!("/drafts/{id}/{action}"),
            confirm,
        );
        assert!(status < 300, "{allowed} {action}: {e}");
    }
    // Composing, admin pages and the import: one role each.
    for (login, _, _) in USERS.iter().filter(|u| u.0 != "cv") {
        let (status, _) = s.api(
            Some(login),
            "POST",
            "/drafts",
            Some(json!({"template": "plan", "fields": {"programme": "bac-giang-2020", "date": "2020-03-01"}})),
        );
        assert_eq!(status, 403, "{login} compose");
    }
    for (login, _, _) in USERS.iter().filter(|u| u.0 != "qt") {
        for path in ["/users", "/audit"] {
            let (status, _) = s.api(Some(login), "GET", path, None);
            assert_eq!(status, 403, "{login} {path}");
        }
    }
    let refused = s
        .audit()
        .iter()
        .filter(|e| e["outcome"] == "refused")
        .count();
    // 3 per workflow step except send (2: cv, ld, qt → 3), 3 compose, 6 admin reads.
    assert_eq!(refused, 3 * 4 + 3 + 6);
    // Without credentials: 401.
    let (status, e) = s.api(None, "GET", "/drafts", None);
    assert_eq!((status, error_code(&e)), (401, "unauthenticated"));
}

#[test]
fn a_signer_returns_a_draft_with_a_comment() {
    let s = Server::start();
    let id = s.create_reminder();
    s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None);
    let (status, e) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/return"),
        Some(json!({"comment": "  "})),
    );
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("comment"))
    );
    let (status, d) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/return"),
        Some(json!({"comment": "Bổ sung thời hạn báo cáo"})),
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(
        (d["state"].as_str(), d["comment"].as_str()),
        (Some("draft"), Some("Bổ sung thời hạn báo cáo"))
    );
    // Its drafter changes it; someone else may not.
    let fields = json!({"fields": {"milestone": "bg-2020-chuyen-ho-so", "date": "2020-10-26", "issuer": "snn-bac-giang"}});
    let (status, d) = s.api(
        Some("cv"),
        "PUT",
        &format!("/drafts/{id}"),
        Some(fields.clone()),
    );
    assert_eq!(
        (status, d["fields"]["date"].as_str()),
        (200, Some("2020-10-26"))
    );
    let (status, _) = s.api(Some("ld"), "PUT", &format!("/drafts/{id}"), Some(fields));
    assert_eq!(status, 403);
}

#[test]
fn bad_input_gets_a_4xx_with_a_code_and_a_field() {
    let s = Server::start();
    let post_raw = |path: &str, content_type: Option<&str>, body: &str| {
        let mut r = s
            .agent
            .post(&s.url(&format!("/api/v1{path}")))
            .header("Authorization", &format!("Bearer {}", s.tokens["cv"]));
        if let Some(ct) = content_type {
            r = r.header("Content-Type", ct);
        }
        let mut resp = r.send(body).unwrap();
        let status = resp.status().as_u16();
        let v: Value =
            serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap_or(Value::Null);
        (status, error_code(&v).to_string())
    };
    assert_eq!(
        post_raw("/drafts", Some("application/json"), "{\"template\": "),
        (400, "bad_json".into())
    );
    assert_eq!(
        post_raw("/drafts", Some("application/json"), "{\"template\": 7}"),
        (422, "invalid_body".into())
    );
    assert_eq!(
        post_raw("/drafts", None, "{}"),
        (415, "unsupported_media_type".into())
    );
    // Too large: refused before it is read, and the server closes that connection, so
    // this request has an agent (connection pool) of its own.
    let big = format!("{{\"template\": \"{}\"}}", "x".repeat(100_000));
    let own: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = own
        .post(&s.url("/api/v1/drafts"))
        .header("Authorization", &format!("Bearer {}", s.tokens["cv"]))
        .header("Content-Type", "application/json")
        .send(&big)
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);

    let (status, e) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "reminder", "fields": {"milestone": "khong-co", "date": "31/02/2020", "bogus": "1"}})),
    );
    assert_eq!((status, error_code(&e)), (422, "invalid_fields"));
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["fields.bogus", "fields.milestone", "fields.date"]);
    let (status, e) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "khong-co"})),
    );
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("template"))
    );

    for path in [
        "/drafts/999",
        "/drafts/abc",
        "/documents/999",
        "/documents/999/pdf",
        "/khong-co",
    ] {
        let (status, e) = s.api(Some("cv"), "GET", path, None);
        assert_eq!((status, error_code(&e)), (404, "not_found"), "{path}");
    }
    let (status, e) = s.api(Some("cv"), "GET", "/documents?year=hai-nghin", None);
    assert_eq!((status, e["error"]["field"].as_str()), (400, Some("year")));

    // A rejected import changes nothing.
    let agencies = || -> i64 {
        let conn = rusqlite::Connection::open(&s.db).unwrap();
        conn.query_row("SELECT count(*) FROM agencies", [], |r| r.get(0))
            .unwrap()
    };
    let before = agencies();
    let mut resp = s
        .agent
        .post(&s.url("/api/v1/import?format=toml"))
        .header("Authorization", &format!("Bearer {}", s.tokens["qt"]))
        .send("[[agencies]]\nid = \"x\"\nname = \"X\"\nlevel = \"galaxy\"\nplace = \"P\"\nabbreviation = \"X\"\nshort_name = \"X\"\n")
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(error_code(&v), "import_rejected");
    assert_eq!(v["error"]["field"], "agencies[1].level");
    assert_eq!(agencies(), before);
}

#[test]
fn cookie_callers_need_the_csrf_token() {
    let s = Server::start();
    let mut login = s
        .agent
        .post(&s.url("/api/v1/session"))
        .header("Content-Type", "application/json")
        .send(json!({"login": "cv", "password": password("cv")}).to_string())
        .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let set = login
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = session_cookie(&login).unwrap();
    let body: Value = serde_json::from_str(&login.body_mut().read_to_string().unwrap()).unwrap();
    let csrf = body["csrf"].as_str().unwrap().to_string();
    let draft = json!({"template": "reminder", "fields": {"milestone": "bg-2020-chuyen-ho-so", "date": "2020-10-23", "issuer": "snn-bac-giang"}}).to_string();
    let post = |token: Option<&str>| {
        let mut r = s
            .agent
            .post(&s.url("/api/v1/drafts"))
            .header("Cookie", &cookie)
            .header("Content-Type", "application/json");
        if let Some(t) = token {
            r = r.header("X-CSRF-Token", t);
        }
        r.send(draft.clone()).unwrap().status().as_u16()
    };
    assert_eq!(post(None), 403);
    assert_eq!(post(Some("0000")), 403);
    assert_eq!(post(Some(&csrf)), 201);

    // The web form without its csrf field: refused, nothing created.
    let form = "milestone=bg-2020-chuyen-ho-so&date=2020-10-23&issuer=snn-bac-giang";
    let resp = s
        .agent
        .post(&s.url("/drafts/new?template=reminder"))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form)
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let resp = s
        .agent
        .post(&s.url("/drafts/new?template=reminder"))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(format!("csrf={csrf}&{form}"))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let (_, list) = s.api(Some("cv"), "GET", "/drafts", None);
    assert_eq!(list["drafts"].as_array().unwrap().len(), 2);
}

#[test]
fn logins_are_rate_limited() {
    let s = Server::start();
    let attempt = |pw: &str| s.login_status("vt", pw);
    for _ in 0..5 {
        assert_eq!(attempt("sai-mat-khau-roi"), 401);
    }
    assert_eq!(
        attempt(&password("vt")),
        429,
        "locked even with the right password"
    );
    // Another login is not affected.
    let ok = s
        .agent
        .post(&s.url("/api/v1/session"))
        .header("Content-Type", "application/json")
        .send(json!({"login": "cv", "password": password("cv")}).to_string())
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
}

#[test]
fn the_web_pages_log_in_and_show_field_errors_in_vietnamese() {
    let s = Server::start();
    let get = |path: &str, cookie: Option<&str>| {
        let mut r = s.agent.get(&s.url(path));
        if let Some(c) = cookie {
            r = r.header("Cookie", c);
        }
        let mut resp = r.call().unwrap();
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_string().unwrap_or_default())
    };
    let (status, _) = get("/", None);
    assert_eq!(status, 303, "anonymous visitors go to the login page");
    let (status, page) = get("/login", None);
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"vi\">") && page.contains("Tên đăng nhập"));

    let wrong = s
        .agent
        .post(&s.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send("login=cv&password=sai")
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let resp = s
        .agent
        .post(&s.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(format!("login=cv&password={}", password("cv")))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let cookie = session_cookie(&resp).unwrap();

    let (status, page) = get("/", Some(&cookie));
    assert_eq!(status, 200);
    assert!(page.contains("Tổng quan") && page.contains("Nguyễn Văn Soạn"));
    let (_, form) = get("/drafts/new?template=reminder", Some(&cookie));
    let csrf = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    assert!(form.contains("<select id=\"f-milestone\" name=\"milestone\""));
    let mut resp = s
        .agent
        .post(&s.url("/drafts/new?template=reminder"))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(format!("csrf={csrf}&milestone=&date=2020-10-23"))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let page = resp.body_mut().read_to_string().unwrap();
    assert!(page.contains("aria-invalid=\"true\" aria-describedby=\"e-milestone\""));
    assert!(
        page.contains("id=\"e-milestone\" aria-live=\"polite\">hãy chọn mốc thời hạn</p>"),
        "{page}"
    );

    // Every main page answers for a signed-in user.
    for path in [
        "/drafts",
        "/register",
        "/register?q=don+doc&year=2020",
        "/data",
        "/account",
    ] {
        let (status, page) = get(path, Some(&cookie));
        assert_eq!(status, 200, "{path}: {page}");
    }
    let (_, data) = get("/data", Some(&cookie));
    assert!(data.contains("<td>sở, ngành</td>") && data.contains("Chính sách nhắc hạn"));
    let (_, board) = get("/?date=2020-10-20", Some(&cookie));
    assert!(board.contains("<a href=\"/milestones/bg-2020-danh-gia-huyen\">"));
    // Milestones by their task, not their id.
    assert!(!board.contains(">bg-2020-danh-gia-huyen<"), "{board}");
    let (status, page) = get("/admin/users", Some(&cookie));
    assert_eq!(status, 403);
    assert!(page.contains("không được quản trị"));
}

#[test]
fn sigterm_stops_the_service_cleanly() {
    let mut s = Server::start();
    let (status, _) = s.api(Some("cv"), "GET", "/me", None);
    assert_eq!(status, 200);
    let pid = s.child.id().to_string();
    stdout(std::process::Command::new("kill").args(["-TERM", &pid]));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(code) = s.child.try_wait().unwrap() {
            assert!(code.success(), "{code:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_letter_file_previews_as_pdf_and_a_broken_one_says_where() {
    let s = Server::start();
    let letter =
        std::fs::read_to_string(common::root().join("letters/004-quang-binh-780.toml")).unwrap();
    let post = |body: &str| {
        let mut resp = s
            .agent
            .post(&s.url("/api/v1/preview"))
            .header("Authorization", &format!("Bearer {}", s.tokens["cv"]))
            .header("Content-Type", "text/plain; charset=utf-8")
            .send(body)
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_vec().unwrap())
    };
    let (status, pdf) = post(&letter);
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    let (status, body) = post(&letter.replace("kind = \"công văn\"", "kind = \"thư tình\""));
    assert_eq!(status, 422);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (error_code(&v), v["error"]["field"].as_str()),
        ("letter_invalid", Some("kind"))
    );
}

#[test]
fn the_readme_service_tour_runs_as_written() {
    // The set-up block, without the line that starts the (blocking) server.
    let setup: String = common::readme_block("## The service: web pages and API")
        .lines()
        .filter(|l| !l.starts_with("vanthu serve"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tour.db");
    let out = common::bash(
        &setup,
        &common::root(),
        &db,
        "mat-khau-quan-tri-1\nmat-khau-soan-thao-2\nmat-khau-lanh-dao-3\n",
    );
    assert!(
        out.contains("đã thêm qt (Phạm Quản Trị, Quản trị)"),
        "{out}"
    );
    assert!(
        out.contains("qt\tPhạm Quản Trị\tadmin\ttoàn hệ thống"),
        "{out}"
    );
    assert!(
        out.contains("ld\tDương Thanh Tùng\tsigner\tsnn-bac-giang, người ký duong-thanh-tung"),
        "{out}"
    );

    // The API tour against a running service with the demo users.
    let s = Server::start();
    let tour =
        common::readme_block("### The API, by example").replace("http://127.0.0.1:8080", &s.base);
    let out = common::bash(&tour, s.dir.path(), &s.db, "");
    for expected in [
        "\"state\":\"draft\"",
        "\"state\":\"submitted\"",
        "\"state\":\"approved\"",
        "\"number_symbol\":\"01/SNN-PTNT\"",
        "\"queued\":3",
        "\"paper\":1",
        "\"documents\":[{",
        "\"code\":\"forbidden\",\"message\":\"vai trò Văn thư không được duyệt văn bản\"",
    ] {
        assert!(out.contains(expected), "{expected} not in {out}");
    }
    let pdf = std::fs::read(s.dir.path().join("du-thao.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn a_reminder_the_schedule_drafted_goes_through_the_approval_workflow() {
    let s = Server::start();
    stdout(
        vanthu()
            .arg("--db")
            .arg(&s.db)
            .args(["remind", "run", "--date", "2020-10-20"])
            .env("VANTHU_QUIET", "1"),
    );
    let (status, waiting) = s.api(Some("cv"), "GET", "/reminders", None);
    assert_eq!(status, 200);
    let rows = waiting["reminders"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{waiting}");
    assert_eq!(rows[0]["milestone"], "bg-2020-danh-gia-huyen");
    let id = rows[0]["id"].as_i64().unwrap();

    let (status, e) = s.api(Some("ld"), "POST", &format!("/reminders/{id}/adopt"), None);
    assert_eq!((status, error_code(&e)), (403, "forbidden"));
    let (status, d) = s.api(Some("cv"), "POST", &format!("/reminders/{id}/adopt"), None);
    assert_eq!(status, 201, "{d}");
    // The schedule's day and the policy's issuer (the Sở, as in seed 000).
    assert_eq!(d["fields"]["date"], "2020-10-20");
    assert_eq!(d["fields"]["issuer"], "snn-bac-giang");
    assert_eq!(d["fields"]["milestone"], "bg-2020-danh-gia-huyen");
    let (status, e) = s.api(Some("cv"), "POST", &format!("/reminders/{id}/adopt"), None);
    assert_eq!((status, error_code(&e)), (409, "wrong_state"));
    let (_, waiting) = s.api(Some("cv"), "GET", "/reminders", None);
    assert_eq!(waiting["reminders"].as_array().unwrap().len(), 0);
    let (status, e) = s.api(Some("cv"), "POST", "/reminders/999/adopt", None);
    assert_eq!((status, error_code(&e)), (404, "not_found"));

    let draft = d["id"].as_i64().unwrap();
    s.api(Some("cv"), "POST", &format!("/drafts/{draft}/submit"), None);
    s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{draft}/approve"),
        None,
    );
    let (status, entry) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{draft}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(
        (status, entry["number_symbol"].as_str()),
        (200, Some("01/SNN-PTNT"))
    );
    assert_eq!(entry["date"], "2020-10-20");
    let list = stdout(vanthu().arg("--db").arg(&s.db).args(["remind", "list"]));
    assert!(list.contains("đã ban hành 01/SNN-PTNT"), "{list}");
}

#[test]
fn drafters_and_clerks_record_reports_and_the_reminder_narrows() {
    let s = Server::start();
    let m = "/milestones/bg-2020-chuyen-ho-so";
    let (status, detail) = s.api(Some("ld"), "GET", m, None);
    assert_eq!(status, 200);
    let agencies: Vec<&str> = detail["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agency"].as_str().unwrap())
        .collect();
    assert_eq!(agencies.len(), 4);
    let report = |login: &str, agency: &str, date: &str| {
        s.api(
            Some(login),
            "POST",
            &format!("{m}/reports"),
            Some(json!({"agency": agency, "date": date})),
        )
    };
    let (status, e) = report("ld", agencies[0], "2020-10-20");
    assert_eq!((status, error_code(&e)), (403, "forbidden"));
    let (status, r) = report("vt", agencies[0], "20/10/2020");
    assert_eq!((status, r["recorded"].as_bool()), (200, Some(true)));
    let (status, r) = report("cv", agencies[0], "2020-10-21");
    assert_eq!((status, r["recorded"].as_bool()), (200, Some(false)));
    assert_eq!(r["already_reported_on"], "2020-10-20");
    let (status, e) = report("cv", "snn-bac-giang", "2020-10-21");
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("agency"))
    );
    let (status, e) = report("cv", agencies[1], "32/10/2020");
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("date")));
    let (status, _) = s.api(Some("cv"), "GET", "/milestones/khong-co", None);
    assert_eq!(status, 404);

    let (_, detail) = s.api(Some("cv"), "GET", m, None);
    assert_eq!(detail["agencies"][0]["reported_on"], "20/10/2020");
    let (_, board) = s.api(Some("cv"), "GET", "/dashboard?date=2020-10-22", None);
    let row = board["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "bg-2020-chuyen-ho-so")
        .unwrap()
        .clone();
    assert_eq!(
        (row["reported"].as_i64(), row["agencies"].as_i64()),
        (Some(1), Some(4))
    );
    // The reminder composed after the report leaves that agency out.
    let id = s.create_reminder();
    let mut pdf = s
        .agent
        .get(&s.url(&format!("/api/v1/drafts/{id}/preview.pdf")))
        .header("Authorization", &format!("Bearer {}", s.tokens["cv"]))
        .call()
        .unwrap();
    let path = s.dir.path().join("r.pdf");
    std::fs::write(&path, pdf.body_mut().read_to_vec().unwrap()).unwrap();
    let text = common::pdf_lines(&path).join(" ");
    let reported = detail["agencies"][0]["name"].as_str().unwrap();
    let pending = detail["agencies"][1]["name"].as_str().unwrap();
    assert!(text.contains(pending) && !text.contains(reported), "{text}");
}

#[test]
fn an_admin_upload_updates_an_agency_when_asked_to() {
    let s = Server::start();
    let body = "[[agencies]]\nid = \"ubnd-luc-nam\"\nname = [\"Ủy ban nhân dân\", \"huyện Lục Nam\"]\nlevel = \"district\"\nplace = \"Lục Nam\"\nabbreviation = \"UBND\"\nshort_name = \"UBND huyện Lục Nam\"\nemail = \"vanthu@lucnam.vanthu.example\"\n";
    let upload = |query: &str| {
        let mut resp = s
            .agent
            .post(&s.url(&format!("/api/v1/import?{query}")))
            .header("Authorization", &format!("Bearer {}", s.tokens["qt"]))
            .send(body)
            .unwrap();
        let status = resp.status().as_u16();
        let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        (status, v)
    };
    let (status, v) = upload("format=toml");
    assert_eq!((status, error_code(&v)), (422, "import_rejected"));
    assert_eq!(v["error"]["field"], "agencies[1].id");
    let (status, v) = upload("format=toml&update=true");
    assert_eq!((status, v["agencies"].as_i64()), (200, Some(1)), "{v}");
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    let email: String = conn
        .query_row(
            "SELECT email FROM agencies WHERE id = 'ubnd-luc-nam'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(email, "vanthu@lucnam.vanthu.example");
}

#[test]
fn two_clerks_issuing_one_draft_at_once_get_one_number() {
    let s = Server::start();
    let id = s.create_reminder();
    s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None);
    s.api(Some("ld"), "POST", &format!("/drafts/{id}/approve"), None);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    s.api(
                        Some("vt"),
                        "POST",
                        &format!("/drafts/{id}/issue"),
                        Some(json!({"confirm": true})),
                    )
                    .0
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, [200, 409, 409, 409], "{statuses:?}");
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    let documents: i64 = conn
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(documents, 1);
}

#[test]
fn serve_on_a_fresh_folder_creates_the_database_and_says_how_to_add_the_first_admin() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = vanthu()
        .current_dir(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_remove("VANTHU_DB")
        .env("VANTHU_REMINDER_AT", "")
        .env("VANTHU_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut created, mut listening) = (String::new(), String::new());
    out.read_line(&mut created).unwrap();
    out.read_line(&mut listening).unwrap();
    assert_eq!(created.trim(), "đã tạo cơ sở dữ liệu vanthu.db");
    let base = listening.trim().rsplit(' ').next().unwrap().to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut ready = agent.get(&format!("{base}/readyz")).call().unwrap();
    assert_eq!(ready.body_mut().read_to_string().unwrap(), "ready");
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("chưa có người dùng nào: tạo tài khoản quản trị đầu tiên bằng `vanthu --db vanthu.db user add"), "{err}");
    assert!(dir.path().join("vanthu.db").exists());
}

#[test]
fn the_programme_data_is_readable_over_the_api() {
    let s = Server::start();
    let (status, data) = s.api(Some("ld"), "GET", "/data?limit=2", None);
    assert_eq!(status, 200);
    let tables = data["tables"].as_array().unwrap();
    let agencies = tables.iter().find(|t| t["id"] == "agencies").unwrap();
    assert_eq!(agencies["total"].as_i64(), Some(15));
    assert_eq!(agencies["rows"].as_array().unwrap().len(), 2);
    let ids: Vec<&str> = tables.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "agencies",
            "people",
            "groups",
            "programmes",
            "products",
            "evaluations",
            "milestones",
            "reminder_policies"
        ]
    );
}

#[test]
fn a_clerk_reads_names_not_ids_and_confirms_what_cannot_be_undone() {
    let s = Server::start();
    let id = s.create_reminder();
    for (login, action) in [("cv", "submit"), ("ld", "approve")] {
        let (status, d) = s.api(Some(login), "POST", &format!("/drafts/{id}/{action}"), None);
        assert_eq!(status, 200, "{d}");
    }
    let (cookie, csrf) = s.session("vt");
    let page = |path: &str| s.page(&cookie, path);
    let post = |path: &str, body: String| -> (u16, String) {
        let mut resp = s
            .agent
            .post(&s.url(path))
            .header("Cookie", &cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body)
            .unwrap();
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    let (_, draft) = page(&format!("/drafts/{id}"));
    // The fields by name, the history by the template's title.
    assert!(!draft.contains("bg-2020-chuyen-ho-so"), "{draft}");
    assert!(!draft.contains(">snn-bac-giang<"), "{draft}");
    assert!(
        draft.contains("Sở NN&amp;PTNT") || draft.contains("Sở Nông nghiệp"),
        "{draft}"
    );
    assert!(!draft.contains("— reminder"), "{draft}");
    assert!(draft.contains("rel=\"icon\""), "a favicon");
    assert!(
        draft.contains("name=\"confirm\" value=\"yes\" required"),
        "{draft}"
    );

    // Issuing without the box ticked is refused, nothing taken; ticked, it issues.
    let before = s.state_of(id);
    let (status, refused) = post(&format!("/drafts/{id}/issue"), format!("csrf={csrf}"));
    assert_eq!(status, 422);
    assert!(refused.contains("hãy đánh dấu ô xác nhận"), "{refused}");
    assert_eq!(s.state_of(id), before);
    let (status, _) = post(
        &format!("/drafts/{id}/issue"),
        format!("csrf={csrf}&confirm=yes"),
    );
    assert_eq!(status, 303);
    assert_eq!(s.state_of(id), "issued");
    let (status, refused) = post(&format!("/drafts/{id}/send"), format!("csrf={csrf}"));
    assert_eq!(status, 422);
    assert!(refused.contains("chưa gửi"), "{refused}");
    let (_, d) = s.api(Some("vt"), "GET", &format!("/drafts/{id}"), None);
    let doc = d["document_id"].as_i64().unwrap();
    let (_, deliveries) = s.api(
        Some("vt"),
        "GET",
        &format!("/documents/{doc}/deliveries"),
        None,
    );
    assert_eq!(
        deliveries["deliveries"].as_array().map_or(0, |a| a.len()),
        0,
        "not sent"
    );
    let (status, _) = post(
        &format!("/drafts/{id}/send"),
        format!("csrf={csrf}&confirm=yes"),
    );
    assert_eq!(status, 303);
    // Once sent, no second send button; the states carry no server paths.
    let start = std::time::Instant::now();
    let draft = loop {
        let (_, draft) = page(&format!("/drafts/{id}"));
        if !draft.contains("đang chờ gửi") && !draft.contains("đang gửi")
            || start.elapsed().as_secs() > 20
        {
            break draft;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(!draft.contains("Gửi văn bản</button>"), "{draft}");
    assert!(draft.contains("đã ghi tệp"), "{draft}");
    assert!(
        !draft.contains(&s.dir.path().display().to_string()),
        "{draft}"
    );
    // The document's Nơi nhận without the letter's dashes; the audit log in words.
    let (_, document) = page(&format!("/documents/{doc}"));
    assert!(document.contains("<li>Như trên;</li>"), "{document}");
    assert!(!document.contains("<li>- "), "{document}");
    let (_, audit) = s.page(&s.session("qt").0, "/admin/audit");
    assert!(audit.contains(&format!("bản nháp #{id}")), "{audit}");
    assert!(!audit.contains(&format!(">draft:{id}<")), "{audit}");
    assert!(audit.contains("Công văn đôn đốc"), "{audit}");
}

#[test]
fn a_returned_draft_waits_on_its_drafters_dashboard_with_the_signers_comment() {
    let s = Server::start();
    let id = s.create_reminder();
    let (status, _) = s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None);
    assert_eq!(status, 200);
    let (status, d) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/return"),
        Some(json!({"comment": "Bổ sung thời hạn báo cáo"})),
    );
    assert_eq!(status, 200, "{d}");
    let board = |login: &str| s.page(&s.session(login).0, "/").1;
    let page = board("cv");
    assert!(page.contains("Bản nháp bị trả lại"), "{page}");
    assert!(page.contains(&format!("href=\"/drafts/{id}\"")), "{page}");
    assert!(page.contains("Bổ sung thời hạn báo cáo"), "{page}");
    // Not on anyone else's; gone once resubmitted.
    assert!(!board("vt").contains("Bản nháp bị trả lại"));
    let (status, _) = s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None);
    assert_eq!(status, 200);
    assert!(!board("cv").contains("Bản nháp bị trả lại"));
}

/// Every form of the web pages (each POST route of `http::web`) refuses a post without
/// the session's CSRF token before it does anything: the check is the `Posted` and
/// `Uploaded` extractors', not each handler's. The routes are read from the router's
/// source, so a new form is walked too.
#[test]
fn every_web_form_refuses_a_post_without_its_csrf_token() {
    let s = Server::start();
    let (cookie, _) = s.session("qt");
    let router = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/web/mod.rs"),
    )
    .unwrap();
    let mut posted: Vec<String> = router
        .lines()
        .filter(|l| l.contains(".route(\"") && l.contains("post("))
        .map(|l| l.split('"').nth(1).unwrap().to_string())
        .filter(|p| p != "/login")
        .collect();
    posted.sort();
    assert!(posted.len() >= 20, "{posted:?}");
    let multipart = ["/drafts/upload", "/data/import", "/data/images", "/verify"];
    // Sessions and the audit log record attempts; nothing else may change.
    let skip = ["audit_log", "login_failures", "sessions"];
    let before = common::dump_except(&s.db, &skip);
    for route in &posted {
        let path = route
            .replace("{id}/{action}", "1/submit")
            .replace("{login}/{action}", "cv/disable")
            .replace("{step}", "begin")
            .replace("/milestones/{id}", "/milestones/bg-2020-chuyen-ho-so")
            .replace("{id}", "1");
        let req = s
            .agent
            .post(&s.url(&format!("{path}?template=reminder")))
            .header("Cookie", &cookie);
        let resp = if multipart.contains(&route.as_str()) {
            req.header("Content-Type", "multipart/form-data; boundary=b")
                .send("--b\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\nx\r\n--b--\r\n")
        } else {
            req.header("Content-Type", "application/x-www-form-urlencoded")
                .send("label=x&comment=x&title=x&agency=cv&date=01/01/2026")
        };
        let mut resp = resp.unwrap();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(resp.status().as_u16(), 403, "{route}: {body}");
        assert!(body.contains("CSRF"), "{route}: {body}");
    }
    assert_eq!(common::dump_except(&s.db, &skip), before, "nothing changed");
}

/// A data file that is not UTF-8 (a CSV saved by an old Excel) is refused on the data
/// page with what to do, in Vietnamese, and nothing is imported.
#[test]
fn a_data_file_not_in_utf8_is_refused_with_what_to_do() {
    let s = Server::start();
    let (cookie, csrf) = s.session("qt");
    let skip = ["audit_log", "login_failures", "sessions"];
    let before = common::dump_except(&s.db, &skip);
    // "Sản phẩm" in Windows-1258 bytes: not UTF-8.
    let file: &[u8] = b"id,name\nsp1,S\xe1n ph\xe2m\n";
    let mut body = format!(
        "--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"san-pham.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--b--\r\n");
    let mut resp = s
        .agent
        .post(&s.url("/data/import"))
        .header("Cookie", &cookie)
        .header("Content-Type", "multipart/form-data; boundary=b")
        .send(&body[..])
        .unwrap();
    let page = resp.body_mut().read_to_string().unwrap();
    assert_eq!(resp.status().as_u16(), 400, "{page}");
    assert!(
        // The page escapes the quotes around the file's name.
        page.contains(
            "tệp &quot;san-pham.csv&quot; không phải văn bản UTF-8; hãy lưu lại với bảng mã UTF-8"
        ),
        "{page}"
    );
    assert_eq!(
        common::dump_except(&s.db, &skip),
        before,
        "nothing imported"
    );
}

/// An upload cut off on the way (no closing boundary) is said in Vietnamese on the data
/// page, without the framework's English, and changes nothing.
#[test]
fn an_upload_cut_off_on_the_way_is_said_in_vietnamese() {
    let s = Server::start();
    let (cookie, csrf) = s.session("qt");
    let skip = ["audit_log", "login_failures", "sessions"];
    let before = common::dump_except(&s.db, &skip);
    let body = format!(
        "--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nid,na"
    );
    let mut resp = s
        .agent
        .post(&s.url("/data/import"))
        .header("Cookie", &cookie)
        .header("Content-Type", "multipart/form-data; boundary=b")
        .send(body)
        .unwrap();
    let page = resp.body_mut().read_to_string().unwrap();
    assert_eq!(resp.status().as_u16(), 400, "{page}");
    assert!(
        page.contains("tệp tải lên không đọc được (có thể bị ngắt giữa chừng)"),
        "{page}"
    );
    assert!(!page.contains("Error parsing"), "{page}");
    assert_eq!(common::dump_except(&s.db, &skip), before);
}
