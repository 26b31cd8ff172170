//! The real `vanthu serve` on a random port over a demo database, one user per role,
//! and a blocking HTTP client: shared by the service and hostile-input tests.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};

use serde_json::{Value, json};

use super::{demo_db, stdout, vanthu};

/// A running service over a demo database with one user per role.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub tokens: BTreeMap<&'static str, String>,
    pub agent: ureq::Agent,
}

pub const USERS: &[(&str, &str, &str)] = &[
    ("cv", "Nguyễn Văn Soạn", "drafter"),
    ("ld", "Trần Lãnh Đạo", "signer"),
    ("vt", "Lê Văn Thư", "clerk"),
    ("qt", "Phạm Quản Trị", "admin"),
];

/// The agency of the demo's users: Sở NN&PTNT Bắc Giang, whose director Dương Thanh
/// Tùng is the signer `ld`; the administrator `qt` administers the whole service.
pub const AGENCY: &str = "snn-bac-giang";
pub const SIGNER_PERSON: &str = "duong-thanh-tung";

/// The `[signing]` section with the Sở's agency key and its director's key, trusting
/// the test CA.
pub fn signing_section() -> String {
    let ca = super::sign::ca();
    let key = |owner: &str, file: &str| {
        format!(
            "[[signing.keys]]\n{owner}\np12 = \"{}\"\npassword = \"{}\"\n",
            ca.join(file).display(),
            super::sign::PASSWORD
        )
    };
    format!(
        "[signing]\ntrust = [\"{}\"]\n{}{}",
        ca.join("root.pem").display(),
        key("agency = \"snn-bac-giang\"", "agency.p12"),
        key("person = \"duong-thanh-tung\"", "signer.p12"),
    )
}

/// Where each demo user is placed (`user add` flags).
pub fn placement(login: &str) -> Vec<&'static str> {
    match login {
        "qt" => vec!["--service"],
        "ld" => vec!["--agency", AGENCY, "--person", SIGNER_PERSON],
        _ => vec!["--agency", AGENCY],
    }
}

/// The test password of `login` (the login reversed: a password holding its login is
/// refused).
pub fn password(login: &str) -> String {
    format!("mat-khau-{}-123", login.chars().rev().collect::<String>())
}

impl Server {
    pub fn start() -> Server {
        Server::start_with("[server]\nbody_limit = 65536\nreminder_at = \"\"\n")
    }

    /// The service with the Sở's keys and images: the signed issue works.
    pub fn start_signing() -> Server {
        Server::start_signing_env(&[])
    }

    /// [`Server::start_signing`] with these environment variables.
    pub fn start_signing_env(env: &[(&str, &str)]) -> Server {
        let config = format!("[server]\nreminder_at = \"\"\n{}", signing_section());
        Server::start_env(&config, env)
    }

    /// A service with this `vanthu.toml`.
    pub fn start_with(config: &str) -> Server {
        Server::start_env(config, &[])
    }

    /// A service with this `vanthu.toml` and these environment variables.
    pub fn start_env(config: &str, env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = demo_db(dir.path());
        let mut tokens = BTreeMap::new();
        for (login, name, role) in USERS {
            stdout(
                vanthu()
                    .arg("--db")
                    .arg(&db)
                    .args(["user", "add", login, "--name", name, "--role", role])
                    .args(placement(login))
                    .env("VANTHU_PASSWORD", password(login)),
            );
            let token = stdout(vanthu().arg("--db").arg(&db).args(["user", "token", login]));
            tokens.insert(*login, token.trim().to_string());
        }
        std::fs::write(dir.path().join("vanthu.toml"), config).unwrap();
        let log = std::fs::File::create(dir.path().join(LOG)).unwrap();
        let mut child = vanthu()
            .current_dir(dir.path())
            .arg("--db")
            .arg(&db)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("VANTHU_QUIET", "1")
            .env("VANTHU_LOG", "info")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .rsplit(' ')
            .next()
            .expect("the service prints its address")
            .to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{line}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Server {
            child,
            base,
            dir,
            db,
            tokens,
            agent,
        }
    }

    /// The service with one more account: `login` with `role` in `agency` (and, for a
    /// signer, `person`), its password [`password`] and its token in [`Self::tokens`].
    pub fn with_user(
        mut self,
        login: &'static str,
        role: &str,
        agency: &str,
        person: Option<&str>,
    ) -> Server {
        let mut add = vanthu();
        add.arg("--db")
            .arg(&self.db)
            .args(["user", "add", login, "--role", role, "--agency", agency])
            .env("VANTHU_PASSWORD", password(login));
        match person {
            Some(p) => add.args(["--person", p]),
            None => add.args(["--name", login]),
        };
        stdout(&mut add);
        let token = stdout(
            vanthu()
                .arg("--db")
                .arg(&self.db)
                .args(["user", "token", login]),
        );
        self.tokens.insert(login, token.trim().to_string());
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An API call as `login` (None: anonymous); returns status and JSON (or Null).
    pub fn api(
        &self,
        login: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = self.url(&format!("/api/v1{path}"));
        let auth = login.map(|l| format!("Bearer {}", self.tokens[l]));
        let mut resp = match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call().unwrap()
            }
            (m, body) => {
                let mut r = match m {
                    "POST" => self.agent.post(&url),
                    "PUT" => self.agent.put(&url),
                    _ => unreachable!(),
                };
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                match body {
                    Some(b) => r
                        .header("Content-Type", "application/json")
                        .send(b.to_string())
                        .unwrap(),
                    None => r.send_empty().unwrap(),
                }
            }
        };
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A raw-body call (e.g. an image or a PDF) as `login`; returns status and JSON.
    pub fn send_bytes(
        &self,
        login: &str,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, Value) {
        let url = self.url(&format!("/api/v1{path}"));
        let r = match method {
            "POST" => self.agent.post(&url),
            "PUT" => self.agent.put(&url),
            _ => unreachable!(),
        };
        let mut resp = r
            .header("Authorization", format!("Bearer {}", self.tokens[login]))
            .header("Content-Type", content_type)
            .send(body)
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The bytes of a GET under /api/v1 as `login`.
    pub fn get_bytes(&self, login: &str, path: &str) -> Vec<u8> {
        let mut resp = self
            .agent
            .get(&self.url(&format!("/api/v1{path}")))
            .header("Authorization", format!("Bearer {}", self.tokens[login]))
            .call()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "GET {path}");
        resp.body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap()
    }

    /// A web page as the holder of session `cookie` sees it: status and HTML.
    pub fn page(&self, cookie: &str, path: &str) -> (u16, String) {
        let mut resp = self
            .agent
            .get(&self.url(path))
            .header("Cookie", cookie)
            .call()
            .unwrap();
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    /// A web form posted as the holder of session `cookie`: status and HTML.
    pub fn post_form(&self, cookie: &str, path: &str, body: &str) -> (u16, String) {
        let mut resp = self
            .agent
            .post(&self.url(path))
            .header("Cookie", cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body)
            .unwrap();
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    /// What the service has written to its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(LOG)).unwrap_or_default()
    }

    /// The status of `POST /api/v1/session` with this login and password.
    pub fn login_status(&self, login: &str, password: &str) -> u16 {
        self.agent
            .post(&self.url("/api/v1/session"))
            .header("Content-Type", "application/json")
            .send(json!({"login": login, "password": password}).to_string())
            .unwrap()
            .status()
            .as_u16()
    }

    /// Logs in as `login` (with its test password) for a browser session: the
    /// session cookie and the CSRF token.
    pub fn session(&self, login: &str) -> (String, String) {
        let mut resp = self
            .agent
            .post(&self.url("/api/v1/session"))
            .header("Content-Type", "application/json")
            .send(json!({"login": login, "password": password(login)}).to_string())
            .unwrap();
        let cookie = session_cookie(&resp).expect("a session cookie");
        let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        (cookie, v["csrf"].as_str().unwrap().to_string())
    }

    pub fn create_reminder(&self) -> i64 {
        let (status, d) = self.api(
            Some("cv"),
            "POST",
            "/drafts",
            Some(json!({"template": "reminder", "fields": {
                "milestone": "bg-2020-chuyen-ho-so", "date": "23/10/2020", "issuer": "snn-bac-giang"}})),
        );
        assert_eq!(status, 201, "{d}");
        d["id"].as_i64().unwrap()
    }

    /// The demo signer's signature image and the agency's seal uploaded (as the admin),
    /// then a reminder drafted, submitted and approved with the signer's consent to sign:
    /// a draft ready to be issued as an electronic original. Returns its id.
    pub fn consented_draft(&self) -> i64 {
        for (path, image) in [
            (
                "/people/duong-thanh-tung/signature-image",
                super::png::signature(600, 240),
            ),
            (
                "/agencies/snn-bac-giang/seal?diameter_mm=38",
                super::png::seal(400),
            ),
        ] {
            let (status, v) = self.send_bytes("qt", "PUT", path, "image/png", &image);
            assert_eq!(status, 200, "{path}: {v}");
        }
        let id = self.create_reminder();
        let (status, v) = self.api(Some("cv"), "POST", &format!("/drafts/{id}/submit"), None);
        assert_eq!(status, 200, "{v}");
        let (status, v) = self.api(
            Some("ld"),
            "POST",
            &format!("/drafts/{id}/approve-signed"),
            Some(json!({"password": password("ld")})),
        );
        assert_eq!(status, 200, "{v}");
        id
    }

    /// A consented draft issued by the clerk and sent (confirmed): the send's answer
    /// (`queued`, `paper`, …).
    pub fn issue_and_send(&self) -> Value {
        let id = self.consented_draft();
        let (status, v) = self.issue("vt", id);
        assert_eq!(status, 200, "{v}");
        let (status, v) = self.api(
            Some("vt"),
            "POST",
            &format!("/drafts/{id}/send"),
            Some(json!({"confirm": true})),
        );
        assert_eq!(status, 202, "{v}");
        v
    }

    /// Issues draft `id` as `login` (confirmed).
    pub fn issue(&self, login: &str, id: i64) -> (u16, Value) {
        self.api(
            Some(login),
            "POST",
            &format!("/drafts/{id}/issue"),
            Some(json!({"confirm": true})),
        )
    }

    pub fn state_of(&self, id: i64) -> String {
        let (_, d) = self.api(Some("cv"), "GET", &format!("/drafts/{id}"), None);
        d["state"].as_str().unwrap().to_string()
    }

    pub fn audit(&self) -> Vec<Value> {
        let (status, a) = self.api(Some("qt"), "GET", "/audit", None);
        assert_eq!(status, 200);
        a["events"].as_array().unwrap().clone()
    }
}

/// The service's log (stderr, `VANTHU_LOG=info` unless a test sets it: one line per request), in its folder.
const LOG: &str = "serve.log";

impl Drop for Server {
    /// Stops the service; when the test failed, prints the end of the service's log.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join(LOG)).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(60)..];
            eprintln!(
                "--- the service's log, last {} of {} lines ---\n{}",
                tail.len(),
                lines.len(),
                tail.join("\n")
            );
        }
    }
}

/// Reads `Set-Cookie: vanthu_session=…` from a response.
pub fn session_cookie<B>(resp: &ureq::http::Response<B>) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vanthu_session=") && !v.starts_with("vanthu_session=;"))
        .map(|v| v.split(';').next().unwrap().to_string())
}

pub fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("(no error code)")
}
