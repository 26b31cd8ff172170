//! No single request, signed in or not, may abort the service or take the machine's
//! memory (issue 38, the second hostile pass). Every input is made here by the test: Word
//! drafts nested or inflated past their budgets, templates nested thousands deep, bursts
//! of logins, a PDF full of signature dictionaries, images that do not decode. Each case
//! asserts the Vietnamese refusal, that `/healthz` still answers, that nothing stored
//! changed, and where memory is the point, the service's peak RSS (VmHWM, reset before
//! the case) over its size before.
//!
//! Each test counts its cases; the total is printed by `zz_case_count` and stated in the
//! README beside `tests/hostile.rs`'s.

use crate::common;

/// The cases of this binary; the tests that count them.
static CASES: common::cases::Counter = common::cases::Counter::new();
const COUNTING_TESTS: usize = 8;

use std::io::Write;
use std::time::{Duration, Instant};

use crate::common::server::{Server, error_code, password};
use crate::common::{dump_except, run, status_kb, vanthu};
use serde_json::{Value, json};

/// Tables a refusal writes to on purpose.
const RECORDS_ATTEMPTS: &[&str] = &["audit_log", "login_failures", "sessions"];

/// A service with room for large bodies (16 MB), and what it stored at the start.
struct Probe {
    s: Server,
    before: String,
}

impl Probe {
    fn start() -> Probe {
        let s = Server::start_with("[server]\nbody_limit = 16777216\nreminder_at = \"\"\n");
        let before = dump_except(&s.db, RECORDS_ATTEMPTS);
        Probe { s, before }
    }

    fn pid(&self) -> u32 {
        self.s.child.id()
    }

    /// One case done: the service answers and nothing stored changed.
    fn case(&self, what: &str) {
        let resp = self.s.agent.get(&self.s.url("/healthz")).call();
        let resp = resp.unwrap_or_else(|e| panic!("{what}: the service is gone: {e}"));
        assert_eq!(resp.status().as_u16(), 200, "{what}: /healthz");
        assert_eq!(
            dump_except(&self.s.db, RECORDS_ATTEMPTS),
            self.before,
            "{what}: stored data changed"
        );
        CASES.add(1);
    }

    /// A refusal: `status`, a Vietnamese JSON message holding `needle`.
    fn refused(&self, what: &str, (status, v): (u16, Value), want: u16, needle: &str) -> Value {
        assert_eq!(status, want, "{what}: {v}");
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(needle), "{what}: {needle:?} not in {msg:?}");
        assert!(vietnamese(msg), "{what}: not Vietnamese: {msg}");
        self.case(what);
        v
    }

    fn upload(&self, name: &str, bytes: &[u8]) -> (u16, Value) {
        self.s.send_bytes(
            "cv",
            "POST",
            &format!("/drafts/upload?name={name}"),
            "application/octet-stream",
            bytes,
        )
    }
}

fn vietnamese(msg: &str) -> bool {
    msg.chars()
        .any(|c| "ạảãàáâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ".contains(c))
        && !msg.contains("error:")
}

/// Runs `f` and returns its result with how far the service's peak RSS rose above its
/// RSS before, in MB (the peak is reset first: `5` to `clear_refs`).
fn peak_growth<T>(pid: u32, f: impl FnOnce() -> T) -> (T, u64) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
    let before = status_kb(pid, "VmRSS:");
    let out = f();
    let peak = status_kb(pid, "VmHWM:");
    (out, peak.saturating_sub(before) / 1024)
}

/// CPU time the service has used, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = stat.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// A Word draft whose `word/document.xml` is `body` inside `<w:body>`.
fn docx(body: &str) -> Vec<u8> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>").unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// `open` repeated `n` times, then `inner`, then `close` `n` times.
fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn word_drafts_past_their_budget_are_refused_and_the_service_stays() {
    let _done = CASES.test();
    let p = Probe::start();
    let table = |n| {
        nested(
            "<w:tbl><w:tr><w:tc>",
            "<w:p><w:r><w:t>ô</w:t></w:r></w:p>",
            "</w:tc></w:tr></w:tbl>",
            n,
        )
    };
    for (what, body, needle) in [
        ("tables nested 1,500 deep", table(1_500), "lồng nhau quá 16 tầng"),
        ("tables nested 100,000 deep", table(100_000), "lồng nhau quá 16 tầng"),
        (
            "content controls nested 5,000 deep",
            nested("<w:sdt><w:sdtContent>", "<w:p/>", "</w:sdtContent></w:sdt>", 5_000),
            "lồng nhau quá 16 tầng",
        ),
        (
            "a cell spanning 100,000,000 columns",
            "<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"100000000\"/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>".to_string(),
            "gộp \"100000000\" cột",
        ),
        (
            "a cell spanning past its grid",
            "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"3\"/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>".to_string(),
            "bảng chỉ có 2 cột",
        ),
    ] {
        let bytes = docx(&body);
        assert!(bytes.len() < 200_000, "{what}: {} bytes", bytes.len());
        p.refused(what, p.upload("x.docx", &bytes), 422, needle);
    }
    // 30 MB of tiny paragraphs in a small file: refused at 8 MB, the peak bounded, one at
    // a time and six at once; the memory handed back afterwards.
    let inflated = docx(&"<w:p/>".repeat(5_000_000));
    println!("30 MB of paragraphs: a {} kB .docx", inflated.len() / 1024);
    let rss_before = status_kb(p.pid(), "VmRSS:");
    let (answer, growth) = peak_growth(p.pid(), || p.upload("x.docx", &inflated));
    println!("one 30 MB draft: peak +{growth} MB");
    assert!(growth <= 64, "one inflated draft: +{growth} MB");
    p.refused("30 MB of paragraphs", answer, 422, "8 MB");
    let (answers, growth) = peak_growth(p.pid(), || {
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..6)
                .map(|_| s.spawn(|| p.upload("x.docx", &inflated)))
                .collect();
            hs.into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        })
    });
    println!("six 30 MB drafts at once: peak +{growth} MB");
    assert!(growth <= 64, "six inflated drafts at once: +{growth} MB");
    for a in answers {
        p.refused("30 MB of paragraphs, six at once", a, 422, "8 MB");
    }
    let rss_after = status_kb(p.pid(), "VmRSS:");
    if std::env::var("DIAG").is_ok() {
        let smaps = std::fs::read_to_string(format!("/proc/{}/smaps", p.pid())).unwrap();
        let mut cur = String::new();
        for l in smaps.lines() {
            if l.contains('-') && !l.starts_with("VmFlags") && l.split_whitespace().count() >= 5 {
                cur = l.to_string();
            }
            if let Some(r) = l.strip_prefix("Rss:") {
                let kb: u64 = r.trim().trim_end_matches(" kB").trim().parse().unwrap();
                if kb > 2000 {
                    println!("{kb} kB {cur}");
                }
            }
        }
    }
    println!("RSS before {rss_before} kB, after {rss_after} kB");
    assert!(
        rss_after <= rss_before + 32 * 1024,
        "memory kept after refused uploads: {rss_before} → {rss_after} kB"
    );
    // A million elements in a 6 MB part: refused by count, not by size.
    let many = docx(&"<w:p><w:r/></w:p>".repeat(400_000));
    p.refused(
        "400,000 paragraphs",
        p.upload("x.docx", &many),
        422,
        "300.000 phần tử",
    );
    // A real draft still reads.
    let fine = docx(&table(3));
    let (status, v) = p.upload("x.docx", &fine);
    assert!([201, 422].contains(&status), "{v}");
    assert!(
        !v.to_string().contains("lồng nhau"),
        "three nested tables are fine: {v}"
    );
}

#[test]
fn templates_nested_thousands_deep_are_refused_on_every_path() {
    let _done = CASES.test();
    let p = Probe::start();
    let letter = |body: &str| {
        format!(
            "kind = \"công văn\"\nnumber = 12\ndate = \"2021-02-05\"\nsubject = \"V/v thử\"\naddressees = [\"UBND các huyện\"]\nrecipients = [\"Như trên\", \"Lưu: VT, KT\"]\nbody = '''\n{body}\n'''\n\n[issuer]\nname = [\"Ủy ban nhân dân\", \"tỉnh Quảng Bình\"]\nabbreviation = \"UBND\"\nunit = \"KT\"\nplace = \"Quảng Bình\"\n\n[signer]\ntitle = \"CHỦ TỊCH\"\nname = \"Trần Văn A\"\n"
        )
    };
    for n in [3_000, 100_000] {
        for (shape, body, needle) in [
            (
                "parentheses",
                format!("{{{{ {} }}}}", nested("(", "1", ")", n)),
                "dấu ngoặc lồng nhau quá 32 tầng",
            ),
            (
                "ifs",
                nested("{% if true %}", "x", "{% endif %}", n),
                "lồng nhau quá 32 tầng",
            ),
            (
                "additions",
                format!("{{{{ 1{} }}}}", " + 1".repeat(n)),
                "quá 64 phép toán",
            ),
        ] {
            // 100,000 ifs are 1.3 MB: past the letter's size, refused for that first.
            let needle_here = if body.len() > 1024 * 1024 {
                "quá giới hạn 1024 kB"
            } else {
                needle
            };
            let what = format!("{shape} nested {n} deep, /preview");
            let (status, bytes) = {
                let mut resp =
                    p.s.agent
                        .post(&p.s.url("/api/v1/preview"))
                        .header("Authorization", &format!("Bearer {}", p.s.tokens["cv"]))
                        .header("Content-Type", "text/plain; charset=utf-8")
                        .send(letter(&body))
                        .unwrap();
                (
                    resp.status().as_u16(),
                    resp.body_mut().read_to_vec().unwrap(),
                )
            };
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            p.refused(&what, (status, v), 422, needle_here);
            let what = format!("{shape} nested {n} deep, /drafts/preview");
            let (status, v) = p.s.api(
                Some("cv"),
                "POST",
                "/drafts/preview",
                Some(json!({"template": "letter", "fields": {
                    "kind": "công văn", "issuer": "snn-bac-giang", "signer": "duong-thanh-tung",
                    "date": "2026-12-04", "subject": "V/v thử", "addressees": "UBND các huyện",
                    "body": body, "recipients": "Như trên;\nLưu: VT."}})),
            );
            assert_eq!(status, 200, "{what}: {v}");
            // Refused: no page, or a sketch with the body left out and the problem named.
            assert!(v["ok"] == false || v["sketch"] == true, "{what}: {v}");
            assert!(
                v["errors"].to_string().contains(needle_here),
                "{what}: {}",
                v["errors"]
            );
            p.case(&what);
        }
    }
    // A word longer than PDF/A's string limit: said in Vietnamese, not typst's English.
    let (status, bytes) = {
        let mut resp =
            p.s.agent
                .post(&p.s.url("/api/v1/preview"))
                .header("Authorization", &format!("Bearer {}", p.s.tokens["cv"]))
                .header("Content-Type", "text/plain; charset=utf-8")
                .send(letter(&"[".repeat(20_000).replace('[', "x")))
                .unwrap();
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_vec().unwrap(),
        )
    };
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let v = p.refused(
        "a 20,000-character word",
        (status, v),
        422,
        "chuỗi ký tự liền nhau",
    );
    assert_eq!(error_code(&v), "unprintable");
}

#[test]
fn a_burst_of_wrong_passwords_on_one_login_is_checked_exactly_five_times() {
    let _done = CASES.test();
    let p = Probe::start();
    let codes: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..100)
            .map(|_| s.spawn(|| p.s.login_status("vt", "sai-mat-khau-123")))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = codes.iter().filter(|&&c| c == 401).count();
    let stopped = codes.iter().filter(|&&c| c == 429).count();
    assert_eq!((checked, stopped), (5, 95), "{codes:?}");
    assert_eq!(p.s.login_status("vt", &password("vt")), 429);
    p.case("100 wrong passwords at once on one login");
    // Another login from the same machine is not locked by it.
    assert_eq!(p.s.login_status("cv", &password("cv")), 200);
    CASES.add(1);
}

#[test]
fn two_hundred_unknown_logins_at_once_take_bounded_memory() {
    let _done = CASES.test();
    let p = Probe::start();
    let addr = p.s.base.trim_start_matches("http://").to_string();
    let (host, port) = addr.split_once(':').unwrap();
    // 200 connections from 200 loopback addresses, so the per-address count does not
    // stop them: every one reaches the password check.
    let script = r#"
import json, socket, sys, threading
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
codes = [0] * n
def one(i):
    s = socket.socket()
    s.bind(("127.0.%d.%d" % (1 + i // 250, 1 + i % 250), 0))
    s.connect((host, port))
    body = json.dumps({"login": "khong-co-%d" % i, "password": "sai-mat-khau-dai-du"}).encode()
    s.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (host.encode(), port, len(body)) + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    codes[i] = int(data.split(b" ")[1])
threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(codes))
"#;
    let (out, growth) = peak_growth(p.pid(), || {
        run(std::process::Command::new("python3").args(["-c", script, host, port, "200"]))
    });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let codes: Vec<u16> = serde_json::from_slice(&out.stdout).unwrap();
    let checked = codes.iter().filter(|&&c| c == 401).count();
    let busy = codes.iter().filter(|&&c| c == 429).count();
    println!(
        "200 unknown logins at once: {checked} checked (401), {busy} told to retry (429), peak +{growth} MB"
    );
    assert_eq!(checked + busy, 200, "{codes:?}");
    assert!(checked >= 2, "{codes:?}");
    assert!(growth <= 256, "200 concurrent logins: +{growth} MB");
    p.case("200 unknown logins at once");
    // From one address, the 31st failure in the window is refused without a check.
    let started = Instant::now();
    let codes: Vec<u16> = (0..40)
        .map(|i| {
            p.s.login_status(&format!("khong-co-ai-{i}"), "sai-mat-khau-dai-du")
        })
        .collect();
    assert_eq!(codes.iter().filter(|&&c| c == 401).count(), 30, "{codes:?}");
    assert_eq!(&codes[30..], &[429; 10], "{codes:?}");
    println!(
        "40 unknown logins from one address: {:?}",
        started.elapsed()
    );
    p.case("30 failures from one address");
}

#[test]
fn a_pdf_full_of_signature_dictionaries_is_refused_without_work_after_the_answer() {
    let _done = CASES.test();
    let p = Probe::start();
    // A small valid PDF, then 20,000 signature dictionaries appended (8 MB).
    let base = std::fs::read(common::rendered().join("004-quang-binh-780.pdf")).unwrap();
    let mut pdf = base.clone();
    for i in 0..20_000 {
        pdf.extend_from_slice(
            format!(
                "{} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 100 200 {}] /Contents <{}> >>\nendobj\n",
                100_000 + i,
                base.len(),
                "00".repeat(180)
            )
            .as_bytes(),
        );
    }
    println!("{} MB of signature dictionaries", pdf.len() / (1024 * 1024));
    let pid = p.pid();
    let t = Instant::now();
    let answer =
        p.s.send_bytes("vt", "POST", "/verify", "application/pdf", &pdf);
    let took = t.elapsed();
    let ticks = cpu_ticks(pid);
    let v = p.refused(
        "20,000 signature dictionaries",
        answer,
        422,
        "quá giới hạn 64",
    );
    assert_eq!(error_code(&v), "too_many_signatures");
    println!("20,000 signature dictionaries refused in {took:?}");
    std::thread::sleep(Duration::from_secs(2));
    let after = cpu_ticks(pid) - ticks;
    assert!(after < 50, "{after} ticks of CPU after the answer");
    // A /ByteRange whose numbers overflow is a broken signature, not "no signature".
    let mut one = base.clone();
    one.extend_from_slice(b"9 0 obj\n<< /Type /Sig /ByteRange [0 99999999999999999999999 100 100] /Contents <00> >>\nendobj\n");
    let (status, v) =
        p.s.send_bytes("vt", "POST", "/verify", "application/pdf", &one);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["signatures"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["all_valid"], false, "{v}");
    assert!(
        !v["text"]
            .as_str()
            .unwrap()
            .contains("không có chữ ký số nào"),
        "{v}"
    );
    p.case("a /ByteRange past 2^64");
}

#[test]
fn images_that_do_not_decode_are_refused_and_doctor_finds_stored_ones() {
    let _done = CASES.test();
    let p = Probe::start();
    let raw: Vec<u8> = (0..40)
        .flat_map(|_| {
            let mut row = vec![0u8];
            row.extend(std::iter::repeat_n(9u8, 40 * 4));
            row
        })
        .collect();
    let mut short = common::png::zlib(&raw);
    short.truncate(short.len() / 2);
    for (what, png) in [
        (
            "junk pixel data",
            common::png::undecodable(40, 40, b"no zlib here at all"),
        ),
        (
            "pixel data cut short",
            common::png::undecodable(40, 40, &short),
        ),
        ("empty pixel data", common::png::undecodable(40, 40, &[])),
    ] {
        for path in [
            "/people/duong-thanh-tung/signature-image",
            "/agencies/snn-bac-giang/seal?diameter_mm=38",
        ] {
            let answer = p.s.send_bytes("qt", "PUT", path, "image/png", &png);
            p.refused(
                &format!("{what} at {path}"),
                answer,
                422,
                "không giải mã được",
            );
        }
    }
    // One stored by an older vanthu: `vanthu doctor` names it and fails.
    let out = run(vanthu().arg("--db").arg(&p.s.db).arg("doctor"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = rusqlite::Connection::open(&p.s.db).unwrap();
    c.execute(
        "UPDATE people SET signature_png = ?1 WHERE id = 'duong-thanh-tung'",
        [common::png::undecodable(40, 40, b"junk")],
    )
    .unwrap();
    let out = run(vanthu().arg("--db").arg(&p.s.db).arg("doctor"));
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Ảnh chữ ký của")
            && said.contains("duong-thanh-tung")
            && said.contains("không giải mã được"),
        "{said}"
    );
    CASES.add(1);
}

#[test]
fn issue_and_send_need_confirmation_labels_and_logins_are_checked() {
    let _done = CASES.test();
    let mut p = Probe::start();
    let id = p.s.create_reminder();
    assert_eq!(
        p.s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None)
            .0,
        200
    );
    assert_eq!(
        p.s.api(Some("ld"), "POST", &format!("/drafts/{id}/approve"), None)
            .0,
        200
    );
    p.before = dump_except(&p.s.db, RECORDS_ATTEMPTS);
    for body in [None, Some(json!({})), Some(json!({"confirm": false}))] {
        let answer = p.s.api(
            Some("vt"),
            "POST",
            &format!("/drafts/{id}/issue"),
            body.clone(),
        );
        let v = p.refused(
            &format!("issue with {body:?}"),
            answer,
            422,
            "hãy đánh dấu ô xác nhận",
        );
        assert_eq!(error_code(&v), "not_confirmed");
        assert_eq!(v["error"]["field"], "confirm");
    }
    let (status, entry) = p.s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 200, "{entry}");
    p.before = dump_except(&p.s.db, RECORDS_ATTEMPTS);
    for body in [None, Some(json!({"confirm": false}))] {
        let answer = p.s.api(
            Some("vt"),
            "POST",
            &format!("/drafts/{id}/send"),
            body.clone(),
        );
        p.refused(&format!("send with {body:?}"), answer, 422, "chưa gửi");
    }
    let (status, sent) = p.s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/send"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 202, "{sent}");
    p.before = dump_except(&p.s.db, RECORDS_ATTEMPTS);

    // Token labels: one line, short, no hidden characters.
    for (what, label, needle) in [
        ("bidi in a label", "máy\u{202e}chủ".to_string(), "U+202E"),
        ("CR LF in a label", "máy\r\nchủ".to_string(), "U+000D"),
        ("a 100,000-character label", "x".repeat(100_000), "80 ký tự"),
    ] {
        let (status, v) =
            p.s.api(Some("vt"), "POST", "/tokens", Some(json!({"label": label})));
        p.refused(what, (status, v), 422, needle);
    }

    // Login CSRF: the login form posted from another site opens no session.
    let login_form = format!("login=vt&password={}", password("vt"));
    for (what, header, value) in [
        (
            "a login form from another origin",
            "Origin",
            "https://ke-gian.example",
        ),
        ("a login form with a null origin", "Origin", "null"),
        (
            "a login form from another site",
            "Sec-Fetch-Site",
            "cross-site",
        ),
        (
            "a login form referred by another site",
            "Referer",
            "https://ke-gian.example/trang",
        ),
    ] {
        let mut resp =
            p.s.agent
                .post(&p.s.url("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header(header, value)
                .send(login_form.as_str())
                .unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{what}");
        assert!(common::server::session_cookie(&resp).is_none(), "{what}");
        let page = resp.body_mut().read_to_string().unwrap();
        assert!(
            page.contains("trang đăng nhập của vanthu"),
            "{what}: {page}"
        );
        p.case(what);
    }
    let resp =
        p.s.agent
            .post(&p.s.url("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", &p.s.base)
            .send(login_form.as_str())
            .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert!(common::server::session_cookie(&resp).is_some());
}

/// A wrong PKCS#12 password reaches the clerk as the key's owner, never the file's path.
#[test]
fn a_wrong_key_password_names_its_owner_not_its_path() {
    let _done = CASES.test();
    use common::sign::{AGENCY, PERSON, fixture};
    let f = fixture(
        "sai-mat-khau",
        &[(AGENCY, "agency.p12"), (PERSON, "signer.p12")],
    );
    let out = run(f
        .cmd()
        .env("VANTHU_TEST_KEY", "mat-khau-sai-hoan-toan")
        .arg("issue")
        .arg(f.dir.join("cong-van.toml"))
        .args(["--date", "2026-12-02", "--sign"]));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("mật khẩu"), "{said}");
    assert!(
        said.contains("nguyen-van-chuong") || said.contains("ubnd-hoa-binh"),
        "{said}"
    );
    assert!(
        !said.contains(".p12"),
        "the path reached the message: {said}"
    );
    CASES.add(1);
}

/// Asserts the suite is as large as the README says once every other test of this
/// binary has counted its cases.
#[test]
fn zz_case_count() {
    CASES.assert_total(
        "hostile load cases",
        COUNTING_TESTS,
        40,
        Duration::from_secs(180),
    );
}
