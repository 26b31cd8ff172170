//! The signing tests' fixture: a test CA made by openssl (tests/fixtures/make-ca.sh),
//! a database with an agency's seal and a signer's signature image, a `vanthu.toml`
//! naming their keys, and the real consumers (poppler's pdfsig, pyHanko).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

pub const PASSWORD: &str = "mat-khau-thu";

pub struct Fixture {
    pub dir: PathBuf,
    pub db: PathBuf,
    pub config: PathBuf,
    pub ca: PathBuf,
}

pub fn pyhanko_bin() -> PathBuf {
    let dir = std::env::var("VANTHU_PYHANKO")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/pyhanko/bin"));
    assert!(
        dir.join("pyhanko").exists(),
        "pyHanko is missing in {}: run scripts/test, which installs it in that virtual environment",
        dir.display()
    );
    dir
}

/// The test CA (made once per test binary).
pub fn ca() -> PathBuf {
    static CA: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CA.get_or_init(|| {
        let dir = root()
            .join("target/test-output")
            .join(format!("ca-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = run(Command::new("sh")
            .arg(root().join("tests/fixtures/make-ca.sh"))
            .arg(&dir)
            .arg(PASSWORD));
        assert!(
            out.status.success() && dir.join("done").exists(),
            "make-ca.sh failed: {}",
            std::fs::read_to_string(dir.join("make-ca.log")).unwrap_or_default()
        );
        dir
    })
    .clone()
}

/// A database with one agency (its seal) and signers (their signature images), a
/// configuration whose `[signing]` names the keys of `keys` ((owner line, p12 file)).
pub fn fixture(name: &str, keys: &[(&str, &str)]) -> Fixture {
    let ca = ca();
    let mut entries = String::new();
    for (owner, file) in keys {
        entries.push_str(&format!(
            "[[signing.keys]]\n{owner}\np12 = \"{}\"\npassword_env = \"VANTHU_TEST_KEY\"\n",
            ca.join(file).display()
        ));
    }
    fixture_with(name, &entries)
}

/// [`fixture`] with `entries` written after `[signing]`'s trust settings (keys on
/// tokens, remote services).
pub fn fixture_with(name: &str, entries: &str) -> Fixture {
    let ca = ca();
    let dir = root()
        .join("target/test-output")
        .join(format!("sign-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("anh")).unwrap();
    std::fs::write(dir.join("anh/chu-ky.png"), png::signature(600, 240)).unwrap();
    std::fs::write(dir.join("anh/dau.png"), png::seal(500)).unwrap();
    std::fs::write(
        dir.join("du-lieu.toml"),
        r#"
[[agencies]]
id = "ubnd-hoa-binh"
name = ["Ủy ban nhân dân", "tỉnh Hòa Bình"]
level = "province"
place = "Hòa Bình"
abbreviation = "UBND"
short_name = "UBND tỉnh Hòa Bình"
units = ["KT"]
email = "ubnd@hoabinh.vanthu.example"
seal_image = "anh/dau.png"
seal_diameter_mm = 36

[[people]]
id = "nguyen-van-chuong"
agency = "ubnd-hoa-binh"
name = "Nguyễn Văn Chương"
title = "PHÓ CHỦ TỊCH"
authority = ["KT. CHỦ TỊCH"]
signature_image = "anh/chu-ky.png"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("cong-van.toml"),
        r#"kind = "công văn"
date = "2026-12"
subject = """
V/v đôn đốc báo cáo kết quả
Chương trình OCOP năm 2026"""
addressees = ["UBND các huyện, thành phố"]
recipients = ["Như trên", "Lưu: VT, KT"]
body = """
UBND tỉnh đề nghị UBND các huyện, thành phố báo cáo kết quả thực hiện Chương trình OCOP năm 2026 **trước ngày 15/12/2026**./.
"""

[issuer]
id = "ubnd-hoa-binh"
unit = "KT"

[signer]
id = "nguyen-van-chuong"
"#,
    )
    .unwrap();
    let mut config = String::from("[signing]\n");
    config.push_str(&format!(
        "trust = [\"{}\"]\ncrls = [\"{}\", \"{}\"]\n",
        ca.join("root.pem").display(),
        ca.join("int.crl").display(),
        ca.join("root.crl").display()
    ));
    config.push_str(entries);
    let config_path = dir.join("vanthu.toml");
    std::fs::write(&config_path, config).unwrap();
    let db = dir.join("vanthu.db");
    stdout(vanthu().arg("--db").arg(&db).arg("init"));
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(dir.join("du-lieu.toml")),
    );
    Fixture {
        dir,
        db,
        config: config_path,
        ca,
    }
}

pub const AGENCY: &str = "agency = \"ubnd-hoa-binh\"";
pub const PERSON: &str = "person = \"nguyen-van-chuong\"";

impl Fixture {
    pub fn cmd(&self) -> Command {
        let mut c = vanthu();
        c.arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .env("VANTHU_TEST_KEY", PASSWORD);
        c
    }

    /// Issues the letter signed; returns the number and the stored PDF's path.
    pub fn issue_signed(&self) -> (String, PathBuf) {
        let number = stdout(
            self.cmd()
                .arg("issue")
                .arg(self.dir.join("cong-van.toml"))
                .args(["--date", "2026-12-02", "--sign"]),
        )
        .trim()
        .to_string();
        let pdf = self.stored_pdf(&number);
        (number, pdf)
    }

    /// The stored PDF of 2026's document `number`, written out by `register show --out`.
    pub fn stored_pdf(&self, number: &str) -> PathBuf {
        let out = stdout(
            self.cmd()
                .args(["register", "show", number, "--year", "2026", "--out"])
                .arg(self.dir.join("ra")),
        );
        out.lines()
            .find(|l| l.ends_with(".pdf"))
            .map(PathBuf::from)
            .expect("show --out names the PDF")
    }
}

pub fn pdfsig(pdf: &Path) -> String {
    let out = run(Command::new("pdfsig").arg(pdf));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn pyhanko_validate(pdf: &Path, root_pem: &Path) -> (bool, String) {
    let out = run(Command::new(pyhanko_bin().join("pyhanko"))
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--trust-replace",
            "--trust",
        ])
        .arg(root_pem)
        .arg(pdf));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A test's helper server (a Python script that prints its port on its first line);
/// killed when dropped.
pub struct Helper {
    child: std::process::Child,
    pub port: u16,
}

impl Helper {
    /// Starts `tests/<script>` with `args`, with the Python of the test environment.
    pub fn start(script: &str, args: &[&std::ffi::OsStr]) -> Helper {
        use std::io::BufRead;
        let mut child = Command::new(pyhanko_bin().join("python"))
            .arg(root().join("tests").join(script))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the helper starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the helper prints its port");
        Helper { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Debian's SoftHSM2 module.
pub const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The user PIN of the test tokens.
pub const PIN: &str = "246810";

/// A SoftHSM2 token store (`SOFTHSM2_CONF` points at it), holding one token labelled
/// `label` with the test CA's keys imported.
pub struct Hsm {
    pub conf: PathBuf,
    pub label: String,
}

/// The keys on the test token: (key file stem, CKA_ID hex, certificate on the token).
pub const TOKEN_KEYS: &[(&str, &str, bool)] = &[
    ("signer", "01", true),
    ("agency-ec", "02", false),
    ("signer-ec", "03", true),
];

/// The token of this test binary (made once: SoftHSM reads its configuration once per
/// process).
pub fn softhsm() -> &'static Hsm {
    static HSM: std::sync::OnceLock<Hsm> = std::sync::OnceLock::new();
    HSM.get_or_init(|| {
        let dir = root()
            .join("target/test-output")
            .join(format!("hsm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        make_token(&dir, "vanthu-test", TOKEN_KEYS)
    })
}

fn make_token(dir: &Path, label: &str, keys: &[(&str, &str, bool)]) -> Hsm {
    assert!(
        Path::new(SOFTHSM).exists(),
        "SoftHSM2 is missing: run scripts/test, which installs Debian's softhsm2"
    );
    let ca = ca();
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let util = |args: &[&str]| {
        let out = run(Command::new("softhsm2-util")
            .args(args)
            .env("SOFTHSM2_CONF", &conf));
        assert!(
            out.status.success(),
            "softhsm2-util {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    util(&[
        "--init-token",
        "--free",
        "--label",
        label,
        "--so-pin",
        "13579135",
        "--pin",
        PIN,
    ]);
    for (stem, id, _) in keys {
        let key = ca.join(format!("{stem}.key"));
        util(&[
            "--import",
            key.to_str().unwrap(),
            "--token",
            label,
            "--label",
            stem,
            "--id",
            id,
            "--pin",
            PIN,
        ]);
    }
    // The certificates: through PKCS#11 itself, as a CA's tool writes them.
    // SAFETY: set once, before this process loads the module, which reads it in
    // C_Initialize; no other code of this process reads the variable.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };
    {
        use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
        use cryptoki::object::{Attribute, CertificateType, ObjectClass};
        use cryptoki::session::UserType;
        use x509_cert::der::{DecodePem, Encode};
        let ctx = Pkcs11::new(SOFTHSM).unwrap();
        let _ = ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
        let slot = ctx
            .get_slots_with_token()
            .unwrap()
            .into_iter()
            .find(|s| ctx.get_token_info(*s).unwrap().label() == label)
            .unwrap();
        let session = ctx.open_rw_session(slot).unwrap();
        session
            .login(UserType::User, Some(&PIN.to_string().into()))
            .unwrap();
        // The issuing CA's certificate too, as a CA's tool writes the chain.
        let certificates = keys
            .iter()
            .filter(|(_, _, on_token)| *on_token)
            .map(|(stem, id, _)| (*stem, *id))
            .chain([("int", "ca")]);
        for (stem, id) in certificates {
            let pem = std::fs::read(ca.join(format!("{stem}.pem"))).unwrap();
            let cert = x509_cert::Certificate::from_pem(&pem).unwrap();
            let der = cert.to_der().unwrap();
            let id_bytes: Vec<u8> = (0..id.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&id[i..i + 2], 16).unwrap())
                .collect();
            session
                .create_object(&[
                    Attribute::Class(ObjectClass::CERTIFICATE),
                    Attribute::CertificateType(CertificateType::X_509),
                    Attribute::Token(true),
                    Attribute::Id(id_bytes),
                    Attribute::Label(stem.as_bytes().to_vec()),
                    Attribute::Subject(cert.tbs_certificate().subject().to_der().unwrap()),
                    Attribute::Value(der),
                ])
                .unwrap();
        }
    }
    Hsm {
        conf,
        label: label.to_string(),
    }
}

impl Hsm {
    /// A PEM file with `stem`'s certificate and the issuing CA's (the chain), for a key
    /// whose certificate is not on the token.
    pub fn chain_file(&self, stem: &str) -> PathBuf {
        let ca = ca();
        let path = self.conf.with_file_name(format!("{stem}-chain.pem"));
        let mut pem = std::fs::read(ca.join(format!("{stem}.pem"))).unwrap();
        pem.extend(std::fs::read(ca.join("int.pem")).unwrap());
        std::fs::write(&path, pem).unwrap();
        path
    }

    /// `vanthu` with this token store.
    pub fn cmd(&self, f: &Fixture) -> Command {
        let mut c = f.cmd();
        c.env("SOFTHSM2_CONF", &self.conf);
        c
    }

    /// A `[[signing.keys]]` entry for `owner`'s key `id` on this token.
    pub fn key(&self, owner: &str, id: &str, certificate: Option<&Path>) -> String {
        let cert = certificate
            .map(|c| format!(", certificate = \"{}\"", c.display()))
            .unwrap_or_default();
        format!(
            "[[signing.keys]]\n{owner}\npkcs11 = {{ module = \"{SOFTHSM}\", token = \"{}\", key_id = \"{id}\"{cert} }}\n",
            self.label
        )
    }
}

/// The PKI of the verifier tests (tests/verify/make-pki.sh), made once per test binary.
pub fn matrix_pki() -> PathBuf {
    static PKI: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PKI.get_or_init(|| {
        let dir = root()
            .join("target/test-output")
            .join(format!("verify-pki-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = run(Command::new("sh")
            .arg(root().join("tests/verify/make-pki.sh"))
            .arg(&dir));
        assert!(
            out.status.success() && dir.join("done").exists(),
            "make-pki.sh failed: {}",
            std::fs::read_to_string(dir.join("make-pki.log")).unwrap_or_default()
        );
        dir
    })
    .clone()
}

/// A `[signing]` section trusting the matrix PKI's root and CRLs, with the agency's
/// key `agency` and the signer's key `person` (p12 names in the PKI), then `extra`.
pub fn matrix_config(pki: &Path, agency: &str, person: &str, extra: &str) -> String {
    let path = |n: &str| pki.join(n).display().to_string();
    format!(
        "[signing]\n{extra}trust = [\"{}\"]\ncrls = [\"{}\", \"{}\", \"{}\", \"{}\"]\n\
         [[signing.keys]]\nagency = \"ubnd-hoa-binh\"\np12 = \"{}\"\npassword_env = \"VANTHU_TEST_KEY\"\n\
         [[signing.keys]]\nperson = \"nguyen-van-chuong\"\np12 = \"{}\"\npassword_env = \"VANTHU_TEST_KEY\"\n",
        path("root.pem"),
        path("int.crl"),
        path("root.crl"),
        path("int0.crl"),
        path("sub.crl"),
        path(&format!("{agency}.p12")),
        path(&format!("{person}.p12")),
    )
}
