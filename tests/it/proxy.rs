//! Behind a real nginx (issue 35): `deploy/nginx-vanthu.conf` started on 127.0.0.1 with a
//! test certificate (its ports and paths replaced, nginx connecting to vanthu from
//! 127.0.0.2, the one trusted proxy), then a login over HTTPS: HSTS from the proxy, the
//! session cookie Secure, and the address a failed login is counted under is the one
//! nginx saw, never what a client wrote in `X-Forwarded-For`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::server::{Server, password};
use crate::common::*;

/// A private nginx (Debian's, `tests/nginx.sh`), stopped on drop.
struct Nginx {
    dir: std::path::PathBuf,
    /// HTTPS.
    port: u16,
    /// Plain HTTP (redirects to HTTPS).
    plain: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("tests/nginx.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    /// The shipped site configuration in front of `upstream` (vanthu's port), nginx
    /// connecting from 127.0.0.2.
    fn start(dir: &Path, upstream: &str) -> Nginx {
        let (port, plain) = (free_port(), free_port());
        run_ok(
            Command::new("bash")
                .arg(root().join("tests/nginx.sh"))
                .arg("start")
                .arg(dir)
                .arg(root().join("deploy/nginx-vanthu.conf"))
                .args([upstream, &port.to_string(), &plain.to_string(), "127.0.0.2"])
                .stdin(Stdio::null()),
        );
        Nginx {
            dir: dir.to_path_buf(),
            port,
            plain,
        }
    }
}

fn run_ok(cmd: &mut Command) {
    let o = run(cmd);
    assert!(o.status.success(), "{}", printed(&o));
}

/// curl's answer (headers and body) to a login as `login` with `pw`, claiming to come
/// from 198.51.100.7.
fn login(url: &str, ca: &Path, login: &str, pw: &str) -> String {
    let o = run(Command::new("curl")
        .args(["-s", "-i", "--cacert"])
        .arg(ca)
        .args(["-H", "Content-Type: application/json"])
        .args(["-H", "X-Forwarded-For: 198.51.100.7"])
        .args([
            "-d",
            &serde_json::json!({"login": login, "password": pw}).to_string(),
        ])
        .arg(format!("{url}/api/v1/session")));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The addresses failed logins of `login` were counted under, oldest first.
fn failure_addresses(db: &Path, login: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT coalesce(address, '') FROM login_failures WHERE login = ?1 ORDER BY rowid")
        .unwrap();
    st.query_map([login], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn behind_nginx_the_client_is_the_address_nginx_saw_and_the_session_is_secure() {
    let s = Server::start_with(
        "[server]\nreminder_at = \"\"\nsecure_cookies = true\ntrusted_proxies = [\"127.0.0.2\"]\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(dir.path(), &s.base);
    let ca = dir.path().join("ca.pem");
    let https = format!("https://127.0.0.1:{}", nginx.port);

    // Through nginx over TLS: HSTS from the proxy, a Secure session cookie.
    let answer = login(&https, &ca, "vt", &password("vt"));
    assert!(
        answer.starts_with("HTTP/2 200") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    let lower = answer.to_lowercase();
    assert!(
        lower.contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );
    let cookie = answer
        .lines()
        .find(|l| l.to_lowercase().starts_with("set-cookie: vanthu_session="))
        .unwrap_or_else(|| panic!("no session cookie: {answer}"));
    assert!(cookie.contains("; Secure"), "{cookie}");
    // The sign-in is in the audit log with the address nginx saw.
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    let signed_in: (String, String) = conn
        .query_row(
            "SELECT address, detail FROM audit_log WHERE action = 'login' AND login = 'vt'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        signed_in,
        ("127.0.0.1".into(), "từ địa chỉ 127.0.0.1".into())
    );

    // A failed login through nginx counts under the address nginx saw (127.0.0.1), not
    // the proxy's own (127.0.0.2) nor what the client claimed (198.51.100.7).
    let answer = login(&https, &ca, "vt", "sai-mat-khau");
    assert!(answer.contains(" 401"), "{answer}");
    assert_eq!(failure_addresses(&s.db, "vt"), ["127.0.0.1"]);

    // Straight to vanthu (127.0.0.1 is no trusted proxy): the header is ignored too.
    let answer = login(&s.base, &ca, "vt", "sai-mat-khau");
    assert!(answer.contains(" 401"), "{answer}");
    assert_eq!(failure_addresses(&s.db, "vt"), ["127.0.0.1", "127.0.0.1"]);
    // Plain HTTP to nginx is sent to HTTPS.
    let o = run(Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(format!("http://127.0.0.1:{}/", nginx.plain)));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "301");
}
