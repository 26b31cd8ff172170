//! Ký số: what a digital signature adds, on distinct documents.
//! - `pades/rsa2048`, `pades/ecdsa_p256`: one PAdES B-B signature (the incremental
//!   update, the SHA-256 of the byte range, the CMS signature) on a rendered letter;
//!   every iteration signs a different PDF (64 letters whose bodies differ);
//! - `backend/…`: the same signature per place a key is kept: a `.p12` file, a SoftHSM2
//!   token (PKCS#11), a remote hash-signing service (the stub of the tests, which
//!   confirms at once and signs with `openssl`), each without and with an RFC 3161
//!   timestamp from a local TSA (`openssl ts` behind tests/tsa_server.py);
//! - `issue/unsigned` and `issue/signed`: issuing a letter (numbering, rendering,
//!   storing), unsigned and as an electronic original (images, the signer's and the
//!   agency's signatures), a different letter every iteration so typst's cache does
//!   not answer.
//!
//! The keys come from the test CA (`tests/fixtures/make-ca.sh`, needs openssl); the
//! backends need Debian's softhsm2 and python3 (both installed by scripts/test).

#[path = "common/ca.rs"]
mod ca;
#[path = "common/letters.rs"]
mod letters;
#[path = "../tests/it/common/png.rs"]
mod png;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use ca::{PASSWORD, ca};
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use vanthu::sign::Signer;
use vanthu::sign::keys::{KeySetting, SigningSettings};
use vanthu::sign::pades::{self, Request};
use vanthu::sign::pkcs11::{TokenKey, TokenSetting};
use vanthu::sign::remote::{RemoteKey, ServiceSetting};
use vanthu::sign::tsa::TsaSetting;
use vanthu::sign::{KeyFile, Keyring, Role};
use vanthu::store::register;
use vanthu::{Renderer, letter};

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ca = ca(root);
    let dir = tempfile::tempdir().unwrap();
    let mut store = letters::store(dir.path());
    let renderer = Renderer::new(None).unwrap();
    // 64 distinct rendered letters to sign.
    let pdfs = letters::rendered(&store, &renderer, 64);
    let rsa = KeyFile::open(&ca.join("signer.p12"), PASSWORD).unwrap();
    let ec = KeyFile::open(&ca.join("signer-ec.p12"), PASSWORD).unwrap();
    let request = Request {
        role: Role::Signer,
        reason: "Ký ban hành văn bản",
        location: "Hòa Bình",
        at: chrono::Utc::now(),
        tsa: None,
    };
    let mut g = c.benchmark_group("pades");
    for (name, key) in [("rsa2048", &rsa), ("ecdsa_p256", &ec)] {
        let i = AtomicUsize::new(0);
        g.bench_function(name, |b| {
            b.iter(|| {
                let pdf = &pdfs[i.fetch_add(1, Ordering::Relaxed) % pdfs.len()];
                pades::sign(pdf, key, &request).unwrap()
            })
        });
    }
    g.finish();

    backends(c, &ca, &pdfs, &request);

    let keyring = Keyring::new(
        SigningSettings {
            keys: vec![
                KeySetting {
                    agency: Some("ubnd-hoa-binh".into()),
                    p12: Some(ca.join("agency.p12")),
                    password: Some(PASSWORD.into()),
                    ..Default::default()
                },
                KeySetting {
                    person: Some("nguyen-van-chuong".into()),
                    p12: Some(ca.join("signer.p12")),
                    password: Some(PASSWORD.into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        },
        |_| None,
    )
    .unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let mut g = c.benchmark_group("issue");
    g.sample_size(30);
    let n = AtomicUsize::new(1000);
    g.bench_function("unsigned", |b| {
        b.iter(|| {
            let text = letters::letter_text(n.fetch_add(1, Ordering::Relaxed));
            let doc = letter::parse_with(&text, Path::new("b.toml"), Some(&store)).unwrap();
            register::issue(&mut store, &renderer, &doc, &text, date).unwrap()
        })
    });
    g.bench_function("signed", |b| {
        b.iter(|| {
            let text = letters::letter_text(n.fetch_add(1, Ordering::Relaxed));
            let doc = letter::parse_with(&text, Path::new("b.toml"), Some(&store)).unwrap();
            let e = register::issue_signed(
                &mut store,
                &renderer,
                &keyring,
                Default::default(),
                &doc,
                &text,
                date,
            )
            .unwrap();
            assert_eq!(e.signatures, 2);
            e
        })
    });
    g.finish();
}

/// A helper server of the tests (prints its port first); killed when dropped.
struct Helper(std::process::Child, u16);

impl Helper {
    fn start(script: &Path, args: &[&std::ffi::OsStr]) -> Helper {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the helper prints its port");
        Helper(child, port)
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "246810";

/// A SoftHSM2 token "vanthu-bench" holding the signer's key as id 01.
fn token(root: &Path, ca: &Path) -> TokenSetting {
    let dir = root.join("target/bench-hsm");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    let util = |args: &[&str]| {
        let ok = std::process::Command::new("softhsm2-util")
            .args(args)
            .env("SOFTHSM2_CONF", &conf)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("softhsm2-util runs (Debian softhsm2)")
            .success();
        assert!(ok, "softhsm2-util {args:?}");
    };
    util(&[
        "--init-token",
        "--free",
        "--label",
        "vanthu-bench",
        "--so-pin",
        "13579135",
        "--pin",
        PIN,
    ]);
    let key = ca.join("signer.key");
    util(&[
        "--import",
        key.to_str().unwrap(),
        "--token",
        "vanthu-bench",
        "--label",
        "signer",
        "--id",
        "01",
        "--pin",
        PIN,
    ]);
    // SAFETY: set before the module is loaded (it reads the variable when initialised),
    // while this process runs no other thread that reads the environment.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };
    TokenSetting {
        module: SOFTHSM.into(),
        token: "vanthu-bench".into(),
        key_id: "01".into(),
        certificate: Some(ca.join("signer.pem")),
    }
}

fn backends(c: &mut Criterion, ca: &Path, pdfs: &[Vec<u8>], request: &Request) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tsa_server = Helper::start(&root.join("tests/tsa_server.py"), &[ca.as_os_str()]);
    let tsa = TsaSetting {
        url: format!("http://127.0.0.1:{}/ok", tsa_server.1),
        fallback: false,
        timeout_secs: 10,
    };
    let stub = Helper::start(
        &root.join("tests/remote_signer.py"),
        &[ca.as_os_str(), std::ffi::OsStr::new("bench")],
    );
    let file = KeyFile::open(&ca.join("signer.p12"), PASSWORD).unwrap();
    let token = TokenKey::open(&token(root, ca), &SecretString::from(PIN)).unwrap();
    let remote = RemoteKey::open(
        &ServiceSetting {
            name: "stub".into(),
            url: format!("http://127.0.0.1:{}", stub.1),
            token_env: None,
            timeout_secs: 30,
            poll_ms: 50,
        },
        "instant",
        Some("bench".into()),
        None,
    )
    .unwrap();
    let keys: [(&str, &dyn Signer); 3] = [
        ("p12", &file),
        ("softhsm2", &token),
        ("remote_stub", &remote),
    ];
    let mut g = c.benchmark_group("backend");
    g.sample_size(20);
    for (name, key) in keys {
        for (suffix, tsa) in [("", None), ("+tsa", Some(&tsa))] {
            let i = AtomicUsize::new(0);
            let request = Request { tsa, ..*request };
            g.bench_function(format!("{name}{suffix}"), |b| {
                b.iter(|| {
                    let pdf = &pdfs[i.fetch_add(1, Ordering::Relaxed) % pdfs.len()];
                    pades::sign(pdf, key, &request).unwrap()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
