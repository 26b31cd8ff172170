//! Who signs is who consented (issue 30): two agencies in one database, each with its
//! drafter, signer, clerk and administrator (Sở NN&PTNT Bắc Giang with two signers: its
//! director Dương Thanh Tùng and a deputy), and the service's administrator. Every
//! cross-agency attempt over the API and the web is refused (403, in Vietnamese, with
//! its audit row in words) and leaves every other table unchanged; only the person named
//! as signer consents to their key; accounts have a lifecycle whose changes end the
//! right sessions and tokens.

use crate::common;

use crate::common::server::{Server, error_code, password};
use crate::common::{dump_except, run, stdout, vanthu};
use serde_json::{Value, json};

/// Tables a refusal writes to on purpose.
const RECORDS_ATTEMPTS: &[&str] = &["audit_log", "login_failures", "sessions"];

/// The Sở's deputy director, a second signer of the Sở.
const DEPUTY: &str = "[[people]]\nid = \"ngo-pho-giam-doc\"\nagency = \"snn-bac-giang\"\nname = \"Ngô Văn Phó\"\ntitle = \"PHÓ GIÁM ĐỐC\"\nauthority = [\"KT. GIÁM ĐỐC\"]\n";

/// The service of two agencies: the Sở (`cv`, `ld` = Dương Thanh Tùng, `pgd` = Ngô Văn
/// Phó, `vt`, `qa`) and UBND huyện Lục Nam (`cv-ln`, `ld-ln` = Hoàng Văn Toán, `vt-ln`,
/// `qa-ln`); `qt` administers the service.
fn two_agencies() -> Server {
    let s = Server::start();
    let deputy = s.dir.path().join("pho-giam-doc.toml");
    std::fs::write(&deputy, DEPUTY).unwrap();
    stdout(vanthu().arg("--db").arg(&s.db).arg("import").arg(&deputy));
    s.with_user("pgd", "signer", "snn-bac-giang", Some("ngo-pho-giam-doc"))
        .with_user("qa", "admin", "snn-bac-giang", None)
        .with_user("cv-ln", "drafter", "ubnd-luc-nam", None)
        .with_user("ld-ln", "signer", "ubnd-luc-nam", Some("hoang-van-toan"))
        .with_user("vt-ln", "clerk", "ubnd-luc-nam", None)
        .with_user("qa-ln", "admin", "ubnd-luc-nam", None)
}

/// A free công văn of UBND huyện Lục Nam, signed by Hoàng Văn Toán.
fn luc_nam_letter() -> Value {
    json!({"template": "letter", "fields": {
        "kind": "công văn", "issuer": "ubnd-luc-nam", "signer": "hoang-van-toan",
        "date": "2021-03-15", "subject": "V/v đăng ký sản phẩm OCOP năm 2021",
        "addressees": "UBND các xã, thị trấn", "body": "Đề nghị các xã đăng ký sản phẩm./.",
        "recipients": "Như trên;\nLưu: VT, NN."}})
}

fn state(s: &Server) -> String {
    dump_except(&s.db, RECORDS_ATTEMPTS)
}

/// The newest audit rows that were refused, as the service's administrator reads them.
fn refusals(s: &Server) -> Vec<Value> {
    s.audit()
        .into_iter()
        .filter(|e| e["outcome"] == "refused")
        .collect()
}

#[test]
fn every_cross_agency_attempt_is_refused_audited_and_changes_nothing() {
    let s = two_agencies();
    // The Sở's reminder, submitted; Lục Nam's letter, approved by its own signer.
    let so = s.create_reminder();
    assert_eq!(
        s.api(Some("cv"), "POST", &format!("/drafts/{so}/submit"), None)
            .0,
        200
    );
    let (status, ln) = s.api(Some("cv-ln"), "POST", "/drafts", Some(luc_nam_letter()));
    assert_eq!(status, 201, "{ln}");
    let ln = ln["id"].as_i64().unwrap();
    assert_eq!(
        s.api(Some("cv-ln"), "POST", &format!("/drafts/{ln}/submit"), None)
            .0,
        200
    );
    assert_eq!(
        s.api(
            Some("ld-ln"),
            "POST",
            &format!("/drafts/{ln}/approve"),
            None
        )
        .0,
        200
    );
    let (status, issued) = s.api(
        Some("vt-ln"),
        "POST",
        &format!("/drafts/{ln}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 200, "{issued}");
    let doc = issued["id"].as_i64().unwrap();

    let before = state(&s);
    let refused_before = refusals(&s).len();
    let confirm = Some(json!({"confirm": true}));
    let attempts: Vec<(&str, &str, String, Option<Value>)> = vec![
        // Reading another agency's drafts, documents, files, deliveries and books.
        ("cv-ln", "GET", format!("/drafts/{so}"), None),
        ("ld-ln", "GET", format!("/drafts/{so}/history"), None),
        ("vt-ln", "GET", format!("/drafts/{so}/preview.pdf"), None),
        ("cv-ln", "GET", format!("/drafts/{so}/pages"), None),
        ("cv", "GET", format!("/documents/{doc}"), None),
        ("vt", "GET", format!("/documents/{doc}/pdf"), None),
        ("vt", "GET", format!("/documents/{doc}/docx"), None),
        ("vt", "GET", format!("/documents/{doc}/deliveries"), None),
        ("vt", "GET", format!("/documents/{doc}/note"), None),
        (
            "vt",
            "GET",
            "/register/book?issuer=ubnd-luc-nam&year=2021".into(),
            None,
        ),
        (
            "vt-ln",
            "GET",
            "/register/postal?issuer=snn-bac-giang&year=2020".into(),
            None,
        ),
        // Drafting for another agency.
        ("cv", "POST", "/drafts".into(), Some(luc_nam_letter())),
        (
            "cv",
            "POST",
            "/drafts/preview".into(),
            Some(luc_nam_letter()),
        ),
        // Moving another agency's draft.
        ("cv-ln", "POST", format!("/drafts/{so}/submit"), None),
        ("ld-ln", "POST", format!("/drafts/{so}/approve"), None),
        (
            "ld-ln",
            "POST",
            format!("/drafts/{so}/approve-signed"),
            Some(json!({"password": password("ld-ln")})),
        ),
        (
            "ld-ln",
            "POST",
            format!("/drafts/{so}/return"),
            Some(json!({"comment": "không"})),
        ),
        (
            "vt-ln",
            "POST",
            format!("/drafts/{so}/issue"),
            confirm.clone(),
        ),
        ("vt", "POST", format!("/drafts/{ln}/send"), confirm.clone()),
        (
            "vt",
            "PUT",
            format!("/documents/{doc}/note"),
            Some(json!({"note": "của Sở"})),
        ),
        (
            "vt",
            "POST",
            format!("/documents/{doc}/paper"),
            Some(json!({"recipient": "UBND xã Trường Sơn", "sent_on": "2021-03-16"})),
        ),
        // Milestones of another agency's programme.
        (
            "cv-ln",
            "POST",
            "/milestones/bg-2020-chuyen-ho-so/reports".into(),
            Some(json!({"agency": "ubnd-luc-nam", "date": "2020-11-01"})),
        ),
        // Administering another agency, or the shared data as an agency's administrator.
        ("qa-ln", "GET", "/audit?target=draft:1".into(), None),
        (
            "qa-ln",
            "POST",
            "/users".into(),
            Some(
                json!({"login": "gian", "role": "clerk", "agency": "snn-bac-giang",
                        "password": "mot-cau-mat-khau-dai"}),
            ),
        ),
        ("qa-ln", "POST", "/users/vt/disable".into(), None),
        (
            "qa-ln",
            "POST",
            "/users/cv/reset".into(),
            Some(json!({"password": "mot-cau-mat-khau-dai"})),
        ),
        (
            "qa",
            "PUT",
            "/users/vt-ln".into(),
            Some(json!({"agency": "snn-bac-giang"})),
        ),
        (
            "qa-ln",
            "PUT",
            "/agencies/snn-bac-giang/seal?diameter_mm=38".into(),
            None,
        ),
        ("qa-ln", "POST", "/import?format=toml".into(), None),
    ];
    for (login, method, path, body) in &attempts {
        let (status, v) = s.api(Some(login), method, path, body.clone());
        // GET /audit of an agency administrator answers its own rows only (below).
        if path.starts_with("/audit") {
            assert_eq!(status, 200, "{login} {method} {path}: {v}");
            continue;
        }
        assert_eq!(status, 403, "{login} {method} {path}: {v}");
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(
            [
                "other_agency",
                "not_the_signer",
                "service_only",
                "forbidden"
            ]
            .contains(&error_code(&v)),
            "{login} {method} {path}: {v}"
        );
        assert!(
            msg.contains("thuộc") || msg.contains("chỉ"),
            "{login} {path}: {msg}"
        );
        assert_eq!(state(&s), before, "{login} {method} {path} changed data");
    }
    // The same through the web pages: a page in Vietnamese, nothing changed.
    let (cookie, csrf) = s.session("ld-ln");
    let (status, page) = s.page(&cookie, &format!("/drafts/{so}"));
    assert_eq!(status, 403);
    assert!(
        page.contains("thuộc Sở Nông nghiệp và PTNT Bắc Giang"),
        "{page}"
    );
    for action in ["approve", "return"] {
        let (status, page) = s.post_form(
            &cookie,
            &format!("/drafts/{so}/{action}"),
            &format!(
                "csrf={csrf}&password={}&comment=kh%C3%B4ng",
                password("ld-ln")
            ),
        );
        assert_eq!(status, 403, "{action}: {page}");
    }
    let (cookie, _) = s.session("vt");
    for path in [
        format!("/documents/{doc}"),
        format!("/documents/{doc}/pdf"),
        "/register/book?issuer=ubnd-luc-nam&year=2021&format=pdf".to_string(),
    ] {
        assert_eq!(s.page(&cookie, &path).0, 403, "{path}");
    }
    assert_eq!(state(&s), before, "the web attempts changed data");
    // Each refusal is in the audit log, in words: the person and their agency.
    let after = refusals(&s);
    assert!(
        after.len() - refused_before >= attempts.len() - 1 + 6,
        "{} refusals for {} attempts",
        after.len() - refused_before,
        attempts.len()
    );
    let new: Vec<Value> = after.into_iter().take(30).collect();
    for e in &new {
        let who = e["who"].as_str().unwrap();
        assert!(who.contains(" (") && who.ends_with(')'), "{e}");
        assert!(!e["action_label"].as_str().unwrap().contains('-'), "{e}");
    }
    // Lists show only one's own agency's.
    let (_, mine) = s.api(Some("cv-ln"), "GET", "/drafts", None);
    let ids: Vec<i64> = mine["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![ln], "{mine}");
    let (_, found) = s.api(Some("vt"), "GET", "/documents", None);
    assert_eq!(found["documents"].as_array().unwrap().len(), 0, "{found}");
    let (_, found) = s.api(Some("vt-ln"), "GET", "/documents", None);
    assert_eq!(found["documents"].as_array().unwrap().len(), 1, "{found}");
    // Each follows the milestones of its circle's programmes and those it must report
    // on: Lục Nam its own programme's; the Sở not Lục Nam's.
    let upcoming = |login: &str| -> Vec<String> {
        let (_, board) = s.api(Some(login), "GET", "/dashboard?date=2021-07-01", None);
        board["upcoming"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(upcoming("cv-ln").contains(&"ln-2021-danh-gia-dot-1".to_string()));
    assert!(!upcoming("cv").contains(&"ln-2021-danh-gia-dot-1".to_string()));
    // An agency's administrator reads its own log; the service's, every row.
    let (_, own) = s.api(Some("qa-ln"), "GET", "/audit", None);
    let own = own["events"].as_array().unwrap().clone();
    assert!(!own.is_empty());
    assert!(
        own.iter()
            .all(|e| e["who"].as_str().unwrap().contains("Lục Nam")),
        "{own:?}"
    );
    let all = s.audit();
    assert!(all.len() > own.len());
    // The service's administrator may act for any agency's accounts.
    let (status, v) = s.api(Some("qt"), "POST", "/users/vt-ln/disable", None);
    assert_eq!(status, 204, "{v}");
    let (status, _) = s.api(Some("vt-ln"), "GET", "/drafts", None);
    assert_eq!(status, 401, "a disabled account's token ends");
}

#[test]
fn only_the_named_signer_consents_to_their_key() {
    let s = two_agencies();
    let id = s.create_reminder();
    assert_eq!(
        s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None)
            .0,
        200
    );
    let before = state(&s);
    // The deputy, with his own right password: refused, naming who must approve.
    for path in ["approve-signed", "approve"] {
        let body = (path == "approve-signed").then(|| json!({"password": password("pgd")}));
        let (status, v) = s.api(Some("pgd"), "POST", &format!("/drafts/{id}/{path}"), body);
        assert_eq!(
            (status, error_code(&v)),
            (403, "not_the_signer"),
            "{path}: {v}"
        );
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains("chỉ Dương Thanh Tùng"), "{msg}");
        assert!(msg.contains("Ngô Văn Phó"), "{msg}");
        assert_eq!(state(&s), before, "{path}");
    }
    let audit = s.audit();
    let refused = audit
        .iter()
        .find(|e| e["outcome"] == "refused" && e["target"] == format!("draft:{id}"))
        .unwrap();
    assert_eq!(
        refused["who"],
        "Ngô Văn Phó (Sở Nông nghiệp và PTNT Bắc Giang)"
    );
    assert_eq!(refused["action_label"], "duyệt và đồng ý ký số");
    // The draft page offers the deputy no approval, and says who approves.
    let (cookie, _) = s.session("pgd");
    let (status, page) = s.page(&cookie, &format!("/drafts/{id}"));
    assert_eq!(status, 200);
    assert!(
        !page.contains(&format!("action=\"/drafts/{id}/approve\"")),
        "{page}"
    );
    assert!(
        page.contains("chỉ người đó duyệt và đồng ý ký số") && page.contains("Dương Thanh Tùng"),
        "{page}"
    );
    // The named signer consents with his password; the history says it in words.
    let (status, d) = s.api(
        Some("ld"),
        "POST",
        &format!("/drafts/{id}/approve-signed"),
        Some(json!({"password": password("ld")})),
    );
    assert_eq!(status, 200, "{d}");
    assert!(d["sign_consent"].is_string(), "{d}");
    let (_, history) = s.api(Some("ld"), "GET", &format!("/drafts/{id}/history"), None);
    let first = &history["events"][0];
    assert_eq!(
        first["who"],
        "Dương Thanh Tùng (Sở Nông nghiệp và PTNT Bắc Giang)"
    );
    assert_eq!(first["action_label"], "duyệt và đồng ý ký số");
    // A consent given by any other account (written straight into the table, as an old
    // vanthu did) is not accepted at issue: nothing is numbered.
    let c = rusqlite::Connection::open(&s.db).unwrap();
    let pgd: i64 = c
        .query_row("SELECT id FROM users WHERE login = 'pgd'", [], |r| r.get(0))
        .unwrap();
    c.execute(
        "UPDATE drafts SET consent_user_id = ?1 WHERE id = ?2",
        [pgd, id],
    )
    .unwrap();
    let before = state(&s);
    let (status, v) = s.api(
        Some("vt"),
        "POST",
        &format!("/drafts/{id}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!((status, error_code(&v)), (409, "consent_not_valid"), "{v}");
    assert_eq!(state(&s), before);
}

#[test]
fn password_change_reset_disable_and_revocation_end_the_right_sessions() {
    let s = two_agencies();
    let api_as = |token: &str, path: &str| -> u16 {
        s.agent
            .get(&s.url(&format!("/api/v1{path}")))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    let page_as = |cookie: &str, path: &str| -> (u16, String) { s.page(cookie, path) };

    // cv changes their own password: the old cookie and the old token end, the new
    // session works, the other account's do not end.
    let (cookie, csrf) = s.session("cv");
    let (other_cookie, _) = s.session("vt");
    let old_token = s.tokens["cv"].clone();
    assert_eq!(api_as(&old_token, "/me"), 200);
    for (what, body, code) in [
        (
            "a short one",
            json!({"old_password": password("cv"), "new_password": "ngan", "new_password_again": "ngan"}),
            "invalid_field",
        ),
        (
            "a common one",
            json!({"old_password": password("cv"), "new_password": "Password@12345", "new_password_again": "Password@12345"}),
            "invalid_field",
        ),
        (
            "two different ones",
            json!({"old_password": password("cv"), "new_password": "sông Thương nước chảy", "new_password_again": "sông Thương nước trôi"}),
            "invalid_field",
        ),
        (
            "a wrong current one",
            json!({"old_password": "khong-phai-mat-khau", "new_password": "sông Thương nước chảy", "new_password_again": "sông Thương nước chảy"}),
            "wrong_password",
        ),
    ] {
        let mut resp = s
            .agent
            .post(&s.url("/api/v1/account/password"))
            .header("Cookie", &cookie)
            .header("X-CSRF-Token", &csrf)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(error_code(&v), code, "{what}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{7f}'),
            "{v}"
        );
    }
    let mut resp = s
        .agent
        .post(&s.url("/api/v1/account/password"))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .header("Content-Type", "application/json")
        .send(
            json!({"old_password": password("cv"), "new_password": "sông Thương nước chảy",
                   "new_password_again": "sông Thương nước chảy"})
            .to_string(),
        )
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let new_cookie = common::server::session_cookie(&resp).expect("a new session");
    let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert!(v["csrf"].is_string(), "{v}");
    assert_eq!(page_as(&cookie, "/drafts").0, 303, "the old session ended");
    assert_eq!(api_as(&old_token, "/me"), 401, "the old token ended");
    assert_eq!(page_as(&new_cookie, "/drafts").0, 200);
    assert_eq!(
        page_as(&other_cookie, "/drafts").0,
        200,
        "vt's session lives"
    );
    assert_eq!(s.login_status("cv", &password("cv")), 401);
    assert_eq!(s.login_status("cv", "sông Thương nước chảy"), 200);

    // Token revocation: one of two tokens ends.
    let token = |label: &str| {
        stdout(
            vanthu()
                .arg("--db")
                .arg(&s.db)
                .args(["user", "token", "vt", "--label", label]),
        )
        .trim()
        .to_string()
    };
    let (a, b) = (token("máy A"), token("máy B"));
    let (_, list) = s.api(Some("vt"), "GET", "/tokens", None);
    let listed = list["tokens"].as_array().unwrap();
    let a_id = listed.iter().find(|t| t["label"] == "máy A").unwrap()["id"]
        .as_i64()
        .unwrap();
    assert!(listed.iter().all(|t| t.get("token").is_none()), "{list}");
    let resp = s
        .agent
        .delete(&s.url(&format!("/api/v1/tokens/{a_id}")))
        .header("Authorization", &format!("Bearer {b}"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(api_as(&a, "/me"), 401);
    assert_eq!(api_as(&b, "/me"), 200);
    let (_, list) = s.api(Some("vt"), "GET", "/tokens", None);
    let b_row = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "máy B")
        .cloned()
        .unwrap();
    assert!(
        b_row["last_used_at"].is_string(),
        "its last use is shown: {b_row}"
    );

    // An agency's administrator resets a password: the sessions and tokens end; the
    // temporary password signs in, and every page asks for a new one first.
    let (ln_cookie, _) = s.session("cv-ln");
    let ln_token = s.tokens["cv-ln"].clone();
    let (status, v) = s.api(
        Some("qa-ln"),
        "POST",
        "/users/cv-ln/reset",
        Some(json!({"password": "mật khẩu tạm thời 2026"})),
    );
    assert_eq!(status, 204, "{v}");
    assert_eq!(page_as(&ln_cookie, "/drafts").0, 303);
    assert_eq!(api_as(&ln_token, "/me"), 401);
    let mut resp = s
        .agent
        .post(&s.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send("login=cv-ln&password=m%E1%BA%ADt+kh%E1%BA%A9u+t%E1%BA%A1m+th%E1%BB%9Di+2026")
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        303,
        "{}",
        resp.body_mut().read_to_string().unwrap()
    );
    let temp_cookie = common::server::session_cookie(&resp).unwrap();
    let resp = s
        .agent
        .get(&s.url("/drafts"))
        .header("Cookie", &temp_cookie)
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/account");
    let (status, account) = page_as(&temp_cookie, "/account");
    assert_eq!(status, 200);
    assert!(
        account.contains("Quản trị đã đặt lại mật khẩu của bạn"),
        "{account}"
    );

    // Disabling: the account signs in no more; it stays in the list and the log.
    let (dis_cookie, _) = s.session("vt-ln");
    let (status, _) = s.api(Some("qa-ln"), "POST", "/users/vt-ln/disable", None);
    assert_eq!(status, 204);
    assert_eq!(page_as(&dis_cookie, "/drafts").0, 303);
    assert_eq!(s.login_status("vt-ln", &password("vt-ln")), 403);
    let (_, users) = s.api(Some("qa-ln"), "GET", "/users", None);
    let row = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "vt-ln")
        .cloned()
        .unwrap();
    assert_eq!(row["disabled"], true);
    assert!(
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["agency"] == "ubnd-luc-nam"),
        "an agency's administrator lists its own accounts: {users}"
    );
    let (status, _) = s.api(Some("qa-ln"), "POST", "/users/qa-ln/disable", None);
    assert_eq!(status, 409, "no one disables themselves");
    let (status, _) = s.api(Some("qa-ln"), "POST", "/users/vt-ln/enable", None);
    assert_eq!(status, 204);
    assert_eq!(s.login_status("vt-ln", &password("vt-ln")), 200);
}

#[test]
fn accounts_of_an_upgrade_are_unlinked_until_an_admin_links_them() {
    let s = Server::start();
    // An account as an older vanthu left it: no agency, no person.
    let c = rusqlite::Connection::open(&s.db).unwrap();
    c.execute(
        "UPDATE users SET scope = 'unlinked', agency_id = NULL, person_id = NULL WHERE login = 'cv'",
        [],
    )
    .unwrap();
    let (status, v) = s.api(Some("cv"), "GET", "/drafts", None);
    assert_eq!(status, 200);
    assert_eq!(v["drafts"].as_array().unwrap().len(), 0);
    let (status, v) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "reminder", "fields": {
            "milestone": "bg-2020-chuyen-ho-so", "date": "23/10/2020", "issuer": "snn-bac-giang"}})),
    );
    assert_eq!((status, error_code(&v)), (403, "unlinked"), "{v}");
    let (cookie, _) = s.session("cv");
    let (status, page) = s.page(&cookie, "/");
    assert_eq!(status, 200);
    assert!(page.contains("id=\"unlinked\""), "{page}");
    // Linking names the agency; a signer needs their person.
    let out = run(vanthu().arg("--db").arg(&s.db).args([
        "user",
        "link",
        "ld",
        "--agency",
        "snn-bac-giang",
    ]));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("phải gắn với người ký"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(vanthu().arg("--db").arg(&s.db).args([
        "user",
        "link",
        "ld",
        "--agency",
        "ubnd-luc-nam",
        "--person",
        "duong-thanh-tung",
    ]));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("là người của Sở"),
        "{out:?}"
    );
    stdout(vanthu().arg("--db").arg(&s.db).args([
        "user",
        "link",
        "cv",
        "--agency",
        "snn-bac-giang",
    ]));
    let (status, v) = s.api(
        Some("cv"),
        "POST",
        "/drafts",
        Some(json!({"template": "reminder", "fields": {
            "milestone": "bg-2020-chuyen-ho-so", "date": "23/10/2020", "issuer": "snn-bac-giang"}})),
    );
    assert_eq!(status, 201, "{v}");
}

#[test]
fn a_scheduled_run_issues_nothing_unsigned_where_signatures_are_required() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_db(dir.path());
    // The Sở's reminders would be issued and sent by their policy, but its documents
    // must be signed: the run drafts them and says why it did not issue.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute("UPDATE reminder_policies SET auto = 'send'", [])
        .unwrap();
    drop(c);
    let config = dir.path().join("ky-so.toml");
    std::fs::write(
        &config,
        "[signing]\nrequire_signature = [\"snn-bac-giang\"]\n",
    )
    .unwrap();
    let out = run(vanthu()
        .arg("--db")
        .arg(&db)
        .arg("--config")
        .arg(&config)
        .current_dir(dir.path())
        .args(["remind", "run", "--date", "2020-10-20"]));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("đã soạn nhắc hạn"), "{said}");
    assert!(
        said.contains("phải được ký số: không ban hành tự động"),
        "{said}"
    );
    assert!(!said.contains("đã ban hành"), "{said}");
    let c = rusqlite::Connection::open(&db).unwrap();
    let (docs, queued): (i64, i64) = c
        .query_row(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM deliveries)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((docs, queued), (0, 0));
    // Without the requirement, the same policy issues (as it always did).
    let out = run(vanthu().arg("--db").arg(&db).current_dir(dir.path()).args([
        "remind",
        "run",
        "--date",
        "2020-10-20",
    ]));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("đã ban hành"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_signers_second_factor_is_asked_at_consent_and_each_code_counts_once() {
    use vanthu::service::accounts::second_factor::code_at;
    let now = || chrono::Utc::now().timestamp() as u64;
    let s = two_agencies();
    // Only signers enrol.
    let (status, _) = s.api(Some("vt"), "POST", "/account/second-factor", None);
    assert_eq!(status, 403);
    let (status, e) = s.api(Some("ld"), "POST", "/account/second-factor", None);
    assert_eq!(status, 200, "{e}");
    let secret = e["secret"].as_str().unwrap().to_string();
    assert!(
        e["url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/vanthu:ld?"),
        "{e}"
    );
    let (status, v) = s.api(
        Some("ld"),
        "POST",
        "/account/second-factor/confirm",
        Some(json!({"secret": secret, "code": "000000"})),
    );
    assert_eq!((status, error_code(&v)), (403, "wrong_code"), "{v}");
    let (status, v) = s.api(
        Some("ld"),
        "POST",
        "/account/second-factor/confirm",
        Some(json!({"secret": secret, "code": code_at(&secret, now()).unwrap()})),
    );
    assert_eq!(status, 204, "{v}");

    let first = s.create_reminder();
    let second = s.create_reminder();
    for id in [first, second] {
        assert_eq!(
            s.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None)
                .0,
            200
        );
    }
    let before = state(&s);
    let consent = |id: i64, code: Option<String>| {
        let mut body = json!({"password": password("ld")});
        if let Some(c) = code {
            body["code"] = c.into();
        }
        s.api(
            Some("ld"),
            "POST",
            &format!("/drafts/{id}/approve-signed"),
            Some(body),
        )
    };
    // Without a code, with a wrong one: refused, nothing approved.
    for code in [None, Some("123456".to_string())] {
        let (status, v) = consent(first, code.clone());
        assert_eq!(
            (status, error_code(&v)),
            (403, "wrong_code"),
            "{code:?}: {v}"
        );
        assert_eq!(v["error"]["field"], "code");
        assert_eq!(state(&s), before);
    }
    // The app's next code (one step ahead is accepted; the enrolment spent this one):
    // approved with consent. The same code again: refused.
    let code = code_at(&secret, now() + 30).unwrap();
    let (status, v) = consent(first, Some(code.clone()));
    assert_eq!(status, 200, "{v}");
    let (status, v) = consent(second, Some(code));
    assert_eq!((status, error_code(&v)), (403, "wrong_code"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("đã được dùng"),
        "{v}"
    );
    // The draft page asks the signer for the code beside the password.
    let (cookie, _) = s.session("ld");
    let (_, page) = s.page(&cookie, &format!("/drafts/{second}"));
    assert!(page.contains("name=\"code\""), "{page}");
    // Turned off with the password, consent needs the password only.
    let (status, _) = s.api(
        Some("ld"),
        "POST",
        "/account/second-factor/off",
        Some(json!({"password": password("ld")})),
    );
    assert_eq!(status, 204);
    let (status, v) = consent(second, None);
    assert_eq!(status, 200, "{v}");
}
