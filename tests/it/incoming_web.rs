//! Incoming documents over the real service (issue 34): the văn thư receives over the
//! API and the web page, confirms, passes an entry on to an account; the handler sees
//! it on the dashboard and records the result; the leader sees what is overdue; other
//! agencies and other roles are refused, and refusals store nothing.

use serde_json::{Value, json};

use crate::common::rendered;
use crate::common::server::{Server, error_code};

/// The year the service registers in (Vietnam time, like the service).
fn this_year() -> i32 {
    chrono::Datelike::year(&(chrono::Utc::now() + chrono::Duration::hours(7)).date_naive())
}

/// An unsigned PDF: a seed letter rendered by the CLI.
fn unsigned_pdf() -> Vec<u8> {
    let pdf = std::fs::read_dir(rendered())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .expect("a rendered seed PDF");
    std::fs::read(pdf).unwrap()
}

/// The numbers of the agency's entries as `login` lists them.
fn numbers(s: &Server, login: &str) -> Vec<i64> {
    let (status, v) = s.api(Some(login), "GET", "/incoming", None);
    assert_eq!(status, 200, "{v}");
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_i64().unwrap())
        .collect()
}

fn receive(s: &Server, login: &str, name: &str, pdf: &[u8]) -> (u16, Value) {
    s.send_bytes(
        login,
        "POST",
        &format!("/incoming?name={name}"),
        "application/pdf",
        pdf,
    )
}

/// A multipart body with one file field and the CSRF token.
fn multipart(csrf: &str, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----vanthu-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn a_clerk_receives_passes_on_and_the_handler_records_the_result_over_http() {
    let s = Server::start_signing().with_user("vt-ln", "clerk", "ubnd-luc-nam", None);
    let year = this_year();

    // A signed document: the Sở's own reminder, issued and signed with the test PKI.
    let id = s.consented_draft();
    let (status, v) = s.issue("vt", id);
    assert_eq!(status, 200, "{v}");
    let signed = s.get_bytes("vt", &format!("/documents/{id}/pdf"));

    let (status, v) = receive(&s, "vt", "cong-van-nhac-han.pdf", &signed);
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["registered"], true);
    let first = &v["entry"];
    assert_eq!(first["number"], 1);
    assert_eq!(first["signatures"], "valid", "{first}");
    assert_eq!(first["read_from"], "vanthu", "{first}");
    assert_eq!(first["to_check"], json!([]), "{first}");
    assert_eq!(first["author_agency"], "snn-bac-giang");

    // The same file again: its first entry, nothing added.
    let (status, v) = receive(&s, "vt", "lan-nua.pdf", &signed);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["registered"], false);
    assert_eq!(v["entry"]["number"], 1);

    // A drafter does not register; a non-PDF and a file over the limit are refused;
    // none of them takes a number.
    let (status, v) = receive(&s, "cv", "x.pdf", &unsigned_pdf());
    assert_eq!(status, 403, "{v}");
    let (status, v) = receive(&s, "vt", "anh.png", b"\x89PNG\r\n\x1a\n not a pdf");
    assert_eq!((status, error_code(&v)), (422, "not_pdf"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("không phải tệp PDF")
    );
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(31 * 1024 * 1024, b'0');
    let (status, v) = receive(&s, "vt", "qua-lon.pdf", &big);
    assert_eq!((status, error_code(&v)), (413, "too_large"), "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("30"),
        "{v}"
    );
    assert_eq!(numbers(&s, "vt"), vec![1]);

    // An unsigned file and a signed one changed after signing are flagged.
    let (status, v) = receive(&s, "vt", "ban-quet.pdf", &unsigned_pdf());
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["number"], 2);
    assert_eq!(v["entry"]["signatures"], "unsigned");
    let mut changed = signed.clone();
    let at = crate::incoming::find(&changed, b"/Title").unwrap();
    changed[at + 1] = b'X';
    let (status, v) = receive(&s, "vt", "bi-sua.pdf", &changed);
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["number"], 3);
    assert_eq!(v["entry"]["signatures"], "invalid", "{v}");
    assert_eq!(numbers(&s, "cv"), vec![1, 2, 3]);

    // The stored file is the received one, byte for byte.
    assert_eq!(
        s.get_bytes("cv", &format!("/incoming/{year}/1/file")),
        signed
    );

    // The văn thư confirms entry 2's fields, then passes it on to the drafter's
    // account with a deadline already past.
    let path = |n: i64, what: &str| format!("/incoming/{year}/{n}/{what}");
    let (status, v) = s.api(
        Some("vt"),
        "POST",
        &path(2, "confirm"),
        Some(
            json!({"author": "snn-bac-giang", "number_symbol": "12/SNN-KH",
                    "date": "02/01/2026", "subject": "Công văn về việc báo cáo OCOP"}),
        ),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["to_check"], json!([]), "{v}");
    assert_eq!(v["number_symbol"], "12/SNN-KH");
    assert_eq!(v["doc_date"], "2026-01-02");

    // A deadline before the day it is passed on is refused under its field; nothing
    // is recorded.
    let bad = json!({"account": "cv", "on": format!("{year}-01-10"), "deadline": format!("{year}-01-05")});
    let (status, v) = s.api(Some("vt"), "POST", &path(2, "assign"), Some(bad));
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (422, Some("deadline")),
        "{v}"
    );
    let (_, v) = s.api(Some("vt"), "GET", &format!("/incoming/{year}/2"), None);
    assert_eq!(v["handler"], Value::Null);
    // An account of another agency is not a handler.
    let (status, v) = s.api(
        Some("vt"),
        "POST",
        &path(2, "assign"),
        Some(json!({"account": "vt-ln"})),
    );
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (422, Some("account")),
        "{v}"
    );

    let (status, v) = s.api(
        Some("vt"),
        "POST",
        &path(2, "assign"),
        Some(json!({"account": "cv", "on": format!("{year}-01-05"), "deadline": format!("{year}-01-10")})),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["handler"], "Nguyễn Văn Soạn", "{v}");
    assert_eq!(v["handler_login"], "cv");
    assert_eq!(v["overdue"], true);

    // The handler sees it; the leader sees it overdue; the văn thư still has the
    // flagged entry 3 to check, not entry 2 (passed on) nor entry 1 (valid, read exactly).
    let (_, w) = s.api(Some("cv"), "GET", "/incoming/waiting", None);
    assert_eq!(w["mine"][0]["number"], 2, "{w}");
    let (_, w) = s.api(Some("ld"), "GET", "/incoming/waiting", None);
    assert_eq!(w["overdue"][0]["number"], 2, "{w}");
    assert_eq!(w["mine"], json!([]));
    let (_, w) = s.api(Some("vt"), "GET", "/incoming/waiting", None);
    let to_check: Vec<i64> = w["to_check"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_i64().unwrap())
        .collect();
    assert_eq!(to_check, vec![3], "{w}");

    // The dashboard page says the same to the handler and the leader.
    let (cv_cookie, cv_csrf) = s.session("cv");
    let (status, html) = s.page(&cv_cookie, "/");
    assert_eq!(status, 200);
    assert!(html.contains("id=\"incoming-mine\""), "{html}");
    assert!(html.contains(&format!("/incoming/{year}/2")), "{html}");
    let (ld_cookie, _) = s.session("ld");
    let (_, html) = s.page(&ld_cookie, "/");
    assert!(html.contains("id=\"incoming-overdue\""), "{html}");

    // Only the handler (or a văn thư) records the result: the drafter may not on an
    // entry passed on to nobody.
    let (status, v) = s.api(
        Some("cv"),
        "POST",
        &path(1, "done"),
        Some(json!({"result": "Đã xem"})),
    );
    assert_eq!(status, 403, "{v}");
    // The handler records it in the web page's form; an empty result is refused.
    let (status, html) = s.post_form(
        &cv_cookie,
        &path(2, "done"),
        &format!("csrf={cv_csrf}&result=+&on="),
    );
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("hãy ghi kết quả xử lý"), "{html}");
    let (status, html) = s.post_form(
        &cv_cookie,
        &path(2, "done"),
        &format!("csrf={cv_csrf}&result=%C4%90%C3%A3+b%C3%A1o+c%C3%A1o&on={year}-01-09"),
    );
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Đã ghi kết quả xử lý."), "{html}");
    let (_, v) = s.api(Some("vt"), "GET", &format!("/incoming/{year}/2"), None);
    assert_eq!(v["result"], "Đã báo cáo");
    assert_eq!(v["handled_on"], format!("{year}-01-09"));
    assert_eq!(v["overdue"], false);
    let (_, w) = s.api(Some("ld"), "GET", "/incoming/waiting", None);
    assert_eq!(w["overdue"], json!([]), "{w}");

    // Another agency's văn thư cannot even name these entries: its own register is
    // empty, and the Sở's entry 1 is not found.
    assert_eq!(numbers(&s, "vt-ln"), Vec::<i64>::new());
    let (status, _) = s.api(Some("vt-ln"), "GET", &format!("/incoming/{year}/1"), None);
    assert_eq!(status, 404);

    // The book, as XLSX and PDF.
    let xlsx = s.get_bytes("vt", &format!("/incoming/book?year={year}&format=xlsx"));
    assert!(xlsx.starts_with(b"PK"));
    let pdf = s.get_bytes("vt", &format!("/incoming/book?year={year}"));
    assert!(pdf.starts_with(b"%PDF"));
}

#[test]
fn the_incoming_page_uploads_lists_and_says_what_went_wrong() {
    let s = Server::start();
    let year = this_year();
    let (cookie, csrf) = s.session("vt");

    let upload = |name: &str, bytes: &[u8]| {
        let (content_type, body) = multipart(&csrf, name, bytes);
        let mut resp = s
            .agent
            .post(&s.url("/incoming"))
            .header("Cookie", &cookie)
            .header("Content-Type", &content_type)
            .send(&body[..])
            .unwrap();
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap(),
        )
    };

    // A file that is not a PDF: the page says so, in Vietnamese, and nothing is stored.
    let (status, html) = upload("ghi-chu.txt", b"khong phai pdf");
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("không phải tệp PDF"), "{html}");
    assert_eq!(numbers(&s, "vt"), Vec::<i64>::new());

    // An unsigned PDF is registered, flagged, and its page offers the văn thư's forms.
    let (status, html) = upload("ban-quet.pdf", &unsigned_pdf());
    assert_eq!(status, 201, "{html}");
    assert!(html.contains("Đã đăng ký văn bản đến số 1."), "{html}");
    assert!(html.contains("data-code=\"unsigned\""), "{html}");
    assert!(html.contains("id=\"assign\""), "{html}");
    assert_eq!(numbers(&s, "vt"), vec![1]);

    // The list shows it; the assign form's bad deadline is said under its field and
    // changes nothing.
    let (status, html) = s.page(&cookie, "/incoming");
    assert_eq!(status, 200);
    assert!(html.contains("data-number=\"1\""), "{html}");
    let (status, html) = s.post_form(
        &cookie,
        &format!("/incoming/{year}/1/assign"),
        &format!("csrf={csrf}&to=Ph%C3%B2ng+KH&deadline=31%2F02%2F2026&on="),
    );
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("không hợp lệ"), "{html}");
    assert!(html.contains("class=\"field-error\""), "{html}");
    let (_, v) = s.api(Some("vt"), "GET", &format!("/incoming/{year}/1"), None);
    assert_eq!(v["handler"], Value::Null);

    // The văn thư names the sender (a huyện that owes a report), links the entry as
    // its report from the page, and undoes it: the milestone follows both.
    let (status, html) = s.post_form(
        &cookie,
        &format!("/incoming/{year}/1/confirm"),
        &format!("csrf={csrf}&author=ubnd-luc-nam&number_symbol=&date=&subject="),
    );
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("bg-2020-chuyen-ho-so"),
        "the owed milestone is offered: {html}"
    );
    let reported = || {
        let (_, m) = s.api(Some("vt"), "GET", "/milestones/bg-2020-chuyen-ho-so", None);
        m["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["agency"] == "ubnd-luc-nam")
            .map(|a| a["reported_on"].clone())
            .unwrap()
    };
    assert_eq!(reported(), Value::Null);
    let (status, html) = s.post_form(
        &cookie,
        &format!("/incoming/{year}/1/report"),
        &format!("csrf={csrf}&milestone=bg-2020-chuyen-ho-so"),
    );
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Đã ghi nhận là báo cáo mốc bg-2020-chuyen-ho-so"),
        "{html}"
    );
    assert!(reported().is_string(), "{}", reported());
    let (status, html) = s.post_form(
        &cookie,
        &format!("/incoming/{year}/1/report"),
        &format!("csrf={csrf}&milestone=bg-2020-chuyen-ho-so"),
    );
    assert_eq!(status, 409, "linked twice: {html}");
    let (status, html) = s.post_form(
        &cookie,
        &format!("/incoming/{year}/1/unlink"),
        &format!("csrf={csrf}&milestone=bg-2020-chuyen-ho-so"),
    );
    assert_eq!(status, 200, "{html}");
    assert_eq!(reported(), Value::Null);

    // Without the CSRF token nothing is registered.
    let (content_type, body) = multipart("sai", "x.pdf", &unsigned_pdf());
    let resp = s
        .agent
        .post(&s.url("/incoming"))
        .header("Cookie", &cookie)
        .header("Content-Type", &content_type)
        .send(&body[..])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(numbers(&s, "vt"), vec![1]);

    // A drafter sees the list but no upload form.
    let (cv, _) = s.session("cv");
    let (_, html) = s.page(&cv, "/incoming");
    assert!(!html.contains("id=\"receive\""), "{html}");
    assert!(html.contains("data-number=\"1\""), "{html}");
}

#[test]
fn the_readme_incoming_api_tour_runs_as_written() {
    let s = Server::start();
    std::fs::write(s.dir.path().join("cong-van.pdf"), unsigned_pdf()).unwrap();
    // The README writes this year's number and a deadline in it; the test runs in any year.
    let year = this_year().to_string();
    let tour = crate::common::readme_block("### Incoming documents in the service")
        .replace("http://127.0.0.1:8080", &s.base)
        .replace("2026-12-31", &format!("{year}-12-31"))
        .replace("/2026/", &format!("/{year}/"))
        .replace("year=2026", &format!("year={year}"));
    let out = crate::common::bash(&tour, s.dir.path(), &s.db, "");
    for expected in [
        "\"registered\":true",
        "\"number\":1",
        "\"signatures\":\"unsigned\"",
        "\"handler\":\"Nguyễn Văn Soạn\"",
        "\"mine\":[{",
        "\"result\":\"Đã tham mưu văn bản trả lời\"",
        "\"code\":\"forbidden\"",
    ] {
        assert!(out.contains(expected), "{expected} not in {out}");
    }
    let book = std::fs::read(s.dir.path().join("so-den.xlsx")).unwrap();
    assert!(book.starts_with(b"PK"), "the book is an XLSX (a zip)");
    // Done: nothing waits for cv any more.
    let (_, w) = s.api(Some("cv"), "GET", "/incoming/waiting", None);
    assert_eq!(w["mine"], json!([]), "{w}");
}

/// The recipients of document `id`'s deliveries, sorted.
fn recipients_of(s: &Server, id: i64) -> Vec<String> {
    let (status, v) = s.api(
        Some("vt"),
        "GET",
        &format!("/documents/{id}/deliveries"),
        None,
    );
    assert_eq!(status, 200, "{v}");
    let mut to: Vec<String> = v["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["recipient"].as_str().unwrap().to_string())
        .collect();
    to.sort();
    to
}

#[test]
fn a_clerk_forwards_a_signed_copy_over_the_api_and_the_page() {
    let s = Server::start_signing();
    let year = this_year();
    let id = s.consented_draft();
    let (status, v) = s.issue("vt", id);
    assert_eq!(status, 200, "{v}");
    let signed = s.get_bytes("vt", &format!("/documents/{id}/pdf"));
    let (status, v) = receive(&s, "vt", "cong-van.pdf", &signed);
    assert_eq!(status, 201, "{v}");
    let (status, v) = receive(&s, "vt", "ban-in.pdf", &unsigned_pdf());
    assert_eq!(status, 201, "{v}");
    let path = format!("/incoming/{year}/1/copy");

    // Refused, each with its reason, and nothing numbered or stored.
    let records = ["audit_log", "login_failures", "sessions"];
    let before = crate::common::dump_except(&s.db, &records);
    for (who, p, body, status, code) in [
        (
            "vt",
            path.as_str(),
            json!({"to": ["ubnd-luc-nam"]}),
            422,
            "invalid_field",
        ),
        (
            "vt",
            path.as_str(),
            json!({"to": ["UBND huyện Không Có"], "confirm": true}),
            422,
            "invalid_field",
        ),
        (
            "vt",
            path.as_str(),
            json!({"to": [], "confirm": true}),
            422,
            "invalid_field",
        ),
        (
            "vt",
            &format!("/incoming/{year}/2/copy"),
            json!({"to": ["ubnd-luc-nam"], "confirm": true}),
            409,
            "not_an_original",
        ),
        (
            "cv",
            path.as_str(),
            json!({"to": ["ubnd-luc-nam"], "confirm": true}),
            403,
            "forbidden",
        ),
    ] {
        let (got, v) = s.api(Some(who), "POST", p, Some(body.clone()));
        assert_eq!(got, status, "{body}: {v}");
        assert_eq!(error_code(&v), code, "{body}: {v}");
    }
    assert_eq!(crate::common::dump_except(&s.db, &records), before);

    // Copied for a huyện (by id) and a group (by name): numbered in the copy series,
    // signed once by the Sở, and queued to every mailbox.
    let (status, v) = s.api(
        Some("vt"),
        "POST",
        &path,
        Some(json!({"to": ["ubnd-luc-nam", "UBND các xã, thị trấn"], "confirm": true})),
    );
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["number_symbol"], "01/BSY-SNN", "{v}");
    assert_eq!(v["series"], "copy", "{v}");
    assert_eq!(v["kind"], "Bản sao y", "{v}");
    assert_eq!(v["signatures"], 1, "{v}");
    let copy = v["id"].as_i64().unwrap();
    assert_eq!(
        recipients_of(&s, copy),
        [
            "UBND huyện Lục Nam",
            "UBND thị trấn Đồi Ngô",
            "UBND xã Bảo Sơn",
            "UBND xã Huyền Sơn",
            "UBND xã Trường Sơn"
        ]
    );
    let (status, v) = s.api(Some("vt"), "GET", &format!("/documents/{copy}/docx"), None);
    assert_eq!(status, 404, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("bản sao điện tử")
            || v.to_string().contains("bản sao điện tử"),
        "{v}"
    );

    // The page: its form, then the second copy and the list of copies with links.
    let (cookie, csrf) = s.session("vt");
    // The Sở's usual recipients are ticks: the agencies beside it under the UBND tỉnh
    // (the huyện); the UBND tỉnh itself and the huyện's communes are not offered.
    let (status, html) = s.page(&cookie, &format!("/incoming/{year}/1"));
    assert_eq!(status, 200);
    assert!(html.contains("id=\"copy\""), "{html}");
    for id in ["ubnd-luc-nam", "ubnd-luc-ngan", "ubnd-yen-the"] {
        assert!(html.contains(&format!("name=\"to:{id}\"")), "{id}: {html}");
    }
    for id in ["ubnd-bac-giang", "snn-bac-giang", "ubnd-xa-bao-son"] {
        assert!(!html.contains(&format!("name=\"to:{id}\"")), "{id}: {html}");
    }
    // A tick and a typed line; without the yes, the page comes back with both kept.
    let ticked_and_typed =
        format!("csrf={csrf}&to%3Aubnd-luc-ngan=yes&to=UBND+huy%E1%BB%87n+Y%C3%AAn+Th%E1%BA%BF");
    let (status, html) = s.post_form(&cookie, &path, &ticked_and_typed);
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("hãy đánh dấu ô xác nhận"), "{html}");
    assert!(
        html.contains("name=\"to:ubnd-luc-ngan\" value=\"yes\" checked"),
        "{html}"
    );
    let (status, html) = s.post_form(&cookie, &path, &format!("{ticked_and_typed}&confirm=yes"));
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Đã sao y thành bản sao 02&#x2F;BSY-SNN"),
        "{html}"
    );
    assert_eq!(
        recipients_of(&s, copy + 1),
        ["UBND huyện Lục Ngạn", "UBND huyện Yên Thế"]
    );
    assert!(html.contains("id=\"copies\""), "{html}");
    assert!(
        html.contains(&format!("href=\"/documents/{copy}\">01&#x2F;BSY-SNN</a>")),
        "{html}"
    );
}
