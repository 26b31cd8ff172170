//! Ký số through a remote hash-signing service: a stub service on 127.0.0.1
//! (tests/remote_signer.py) holding the test CA's signer key, which signs the digest
//! vanthu sends once the "signer" confirms. Approve, refuse, time out, garbage and a
//! wrong access token, each with nothing stored and no number used on failure; in the
//! service, the issue waits in the background and the draft page says "chờ xác nhận
//! trên điện thoại".

use crate::common;

use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::sign::*;
use crate::common::*;
use serde_json::{Value, json};

/// The stub service's access token.
const TOKEN: &str = "ma-truy-cap-thu-nghiem";

fn stub() -> Helper {
    Helper::start(
        "remote_signer.py",
        &[ca().as_os_str(), std::ffi::OsStr::new(TOKEN)],
    )
}

/// `[signing]` entries: the signer's key at the stub as `user`, the agency's key file.
fn entries(url: &str, user: &str, timeout_secs: u64) -> String {
    format!(
        "[[signing.remote]]\nname = \"ky-so-thu\"\nurl = \"{url}\"\ntoken_env = \"VANTHU_TEST_REMOTE\"\ntimeout_secs = {timeout_secs}\npoll_ms = 100\n\
         [[signing.keys]]\n{PERSON}\nremote = {{ service = \"ky-so-thu\", user = \"{user}\" }}\n\
         [[signing.keys]]\n{AGENCY}\np12 = \"{}\"\npassword_env = \"VANTHU_TEST_KEY\"\n",
        ca().join("agency.p12").display()
    )
}

fn issue(f: &Fixture, token: &str) -> Output {
    run(f
        .cmd()
        .env("VANTHU_TEST_REMOTE", token)
        .arg("issue")
        .arg(f.dir.join("cong-van.toml"))
        .args(["--date", "2026-12-02", "--sign"]))
}

/// The signature requests the stub received.
fn requests(stub: &Helper) -> Vec<Value> {
    let body = ureq::get(&stub.url("/log"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Holds (or releases) every confirmation at the stub.
fn hold(stub: &Helper, on: bool) {
    ureq::post(&stub.url("/hold"))
        .header("Content-Type", "application/json")
        .send(format!("{{\"hold\": {on}}}").as_bytes())
        .unwrap();
}

#[test]
fn the_signer_confirms_and_only_the_digest_leaves() {
    let stub = stub();
    for (name, user, subject) in [
        ("remote", "approve", "Nguyen Van Chuong"),
        ("remote-ec", "approve-ec", "Tran Thi Binh"),
    ] {
        let f = fixture_with(name, &entries(&stub.url(""), user, 20));
        let out = issue(&f, TOKEN);
        assert!(out.status.success(), "{user}: {}", printed(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("chờ xác nhận trên điện thoại"),
            "{user}: {stderr}"
        );
        assert!(!printed(&out).contains(TOKEN), "the token is never printed");
        let number = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let pdf = f.stored_pdf(&number);
        let sig = pdfsig(&pdf);
        assert_eq!(
            sig.matches("Signature is Valid.").count(),
            2,
            "{user}: {sig}"
        );
        assert!(sig.contains(subject), "{user}: {sig}");
        assert!(sig.contains("UBND tinh Hoa Binh"), "{user}: {sig}");
        let (ok, report) = pyhanko_validate(&pdf, &f.ca.join("root.pem"));
        assert!(ok, "{user}: {report}");
        assert_eq!(
            report.matches("The signature is judged VALID.").count(),
            2,
            "{user}: {report}"
        );
    }
    // One request per issue (the agency's key is a file), holding the digest and what
    // the signer is shown, never the document.
    let log = requests(&stub);
    assert_eq!(log.len(), 2, "{log:?}");
    for r in &log {
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["description", "digest", "digest_algorithm", "user"],
            "{r}"
        );
        assert_eq!(r["digest_algorithm"], "sha256");
        use base64::Engine;
        let digest = base64::engine::general_purpose::STANDARD
            .decode(r["digest"].as_str().unwrap())
            .unwrap();
        assert_eq!(digest.len(), 32, "{r}");
        assert!(
            r["description"].as_str().unwrap().contains("/UBND-KT"),
            "the signer is told which document: {r}"
        );
    }
    assert_eq!(log[0]["user"], "approve");
    assert_eq!(log[1]["user"], "approve-ec");
}

#[test]
fn refusal_timeout_garbage_and_a_wrong_token_issue_nothing() {
    let stub = stub();
    let url = stub.url("");
    let f = fixture_with("remote-fail", &entries(&url, "refuse", 20));
    let config = |user: &str, timeout: u64, url: &str| {
        std::fs::write(
            &f.config,
            std::fs::read_to_string(&f.config)
                .unwrap()
                .split("[[signing.remote]]")
                .next()
                .unwrap()
                .to_string()
                + &entries(url, user, timeout),
        )
        .unwrap();
    };
    let before = dump(&f.db);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    for (user, timeout, url, token, expected) in [
        (
            "refuse",
            20,
            url.as_str(),
            TOKEN,
            "người ký đã từ chối ký trên điện thoại (dịch vụ ky-so-thu): không đồng ý; văn bản chưa được ban hành",
        ),
        (
            "slow",
            1,
            url.as_str(),
            TOKEN,
            "người ký chưa xác nhận trên điện thoại sau 1 giây (dịch vụ ky-so-thu)",
        ),
        (
            "garbage",
            20,
            url.as_str(),
            TOKEN,
            "trả về chữ ký không khớp với chứng thư số",
        ),
        (
            "badjson",
            20,
            url.as_str(),
            TOKEN,
            "không phải JSON như giao diện quy định",
        ),
        (
            "approve",
            20,
            url.as_str(),
            "sai-ma",
            "kiểm tra mã truy cập (token_env)",
        ),
        ("approve", 20, closed.as_str(), TOKEN, "không kết nối được"),
    ] {
        config(user, timeout, url);
        let started = Instant::now();
        let out = issue(&f, token);
        assert!(!out.status.success(), "{user}: {}", printed(&out));
        assert!(
            printed(&out).contains(expected),
            "{user}: {}",
            printed(&out)
        );
        assert!(
            !printed(&out).contains(TOKEN),
            "{user}: the token is never printed"
        );
        assert_eq!(dump(&f.db), before, "{user}: nothing stored");
        if user == "slow" {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the wait ends at the timeout"
            );
        }
    }
    // The signer confirms: the first number, none used by the failures.
    config("approve", 20, &url);
    let out = issue(&f, TOKEN);
    assert!(out.status.success(), "{}", printed(&out));
    let number = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(number.starts_with("01/UBND-KT"), "{number}");
    let list = stdout(f.cmd().args(["register", "list", "--year", "2026"]));
    assert_eq!(
        list.lines().filter(|l| l.contains("/UBND-KT")).count(),
        1,
        "{list}"
    );
}

#[test]
fn the_service_issues_in_the_background_while_the_signer_confirms() {
    use common::server::Server;
    let stub = stub();
    let ca = ca();
    let config = format!(
        "[server]\nreminder_at = \"\"\n[signing]\ntrust = [\"{}\"]\n\
         [[signing.remote]]\nname = \"ky-so-thu\"\nurl = \"{}\"\ntoken_env = \"VANTHU_TEST_REMOTE\"\ntimeout_secs = 60\npoll_ms = 100\n\
         [[signing.keys]]\nperson = \"duong-thanh-tung\"\nremote = {{ service = \"ky-so-thu\", user = \"approve\" }}\n\
         [[signing.keys]]\nagency = \"snn-bac-giang\"\np12 = \"{}\"\npassword = \"{PASSWORD}\"\n",
        ca.join("root.pem").display(),
        stub.url(""),
        ca.join("agency.p12").display(),
    );
    let s = Server::start_env(&config, &[("VANTHU_TEST_REMOTE", TOKEN)]);
    let id = s.consented_draft();

    let (cookie, _) = s.session("vt");
    let html = |path: &str| {
        s.agent
            .get(&s.url(path))
            .header("Cookie", &cookie)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    };
    let page = html(&format!("/drafts/{id}"));
    assert!(
        page.contains("Người ký sẽ nhận yêu cầu xác nhận trên điện thoại"),
        "{page}"
    );

    // The signer has not looked at the phone yet.
    hold(&stub, true);
    let (status, job) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 202, "{job}");
    let wait_for = |want: &str| -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, job) = s.api(Some("vt"), "GET", &format!("/drafts/{id}/issue"), None);
            assert_eq!(status, 200, "{job}");
            if job["state"] == want {
                return job;
            }
            assert!(
                job["state"] != "failed" && Instant::now() < deadline,
                "waiting for {want}: {job}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let job = wait_for("waiting");
    assert!(
        job["message"]
            .as_str()
            .unwrap()
            .contains("chờ xác nhận trên điện thoại"),
        "{job}"
    );
    let page = html(&format!("/drafts/{id}"));
    assert!(page.contains("chờ xác nhận trên điện thoại"), "{page}");
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "the page reloads itself"
    );
    assert!(
        !page.contains("Ban hành (lấy số)"),
        "no second issue while one waits"
    );
    assert_eq!(
        s.state_of(id),
        "approved",
        "no number before the signer confirms"
    );
    // A second press while waiting starts nothing more.
    let (status, _) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 202);

    // The signer confirms.
    hold(&stub, false);
    let job = wait_for("issued");
    let number = job["number_symbol"].as_str().unwrap().to_string();
    assert!(number.starts_with("01/"), "{job}");
    assert_eq!(s.state_of(id), "issued");
    assert_eq!(requests(&stub).len(), 1, "one request to the signer");
    let page = html(&format!("/drafts/{id}"));
    assert!(
        page.contains(&format!(
            "Đã ban hành: số {}",
            number.replace('/', "&#x2F;")
        )),
        "{page}"
    );
    assert!(!page.contains("http-equiv=\"refresh\""), "{page}");

    let (_, d) = s.api(Some("vt"), "GET", &format!("/drafts/{id}"), None);
    let doc = d["document_id"]
        .as_i64()
        .expect("the draft names its document");
    let pdf = s.get_bytes("vt", &format!("/documents/{doc}/pdf"));
    let file = s.dir.path().join("ky.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let sig = pdfsig(&file);
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
}
