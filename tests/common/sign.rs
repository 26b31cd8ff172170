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
        "trust = [\"{}\"]\ncrls = [\"{}\"]\n",
        ca.join("root.pem").display(),
        ca.join("int.crl").display()
    ));
    for (owner, file) in keys {
        config.push_str(&format!(
            "[[signing.keys]]\n{owner}\np12 = \"{}\"\npassword_env = \"VANTHU_TEST_KEY\"\n",
            ca.join(file).display()
        ));
    }
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
        let out = stdout(
            self.cmd()
                .args(["register", "show", &number, "--year", "2026", "--out"])
                .arg(self.dir.join("ra")),
        );
        let pdf = out
            .lines()
            .find(|l| l.ends_with(".pdf"))
            .map(PathBuf::from)
            .expect("show --out names the PDF");
        (number, pdf)
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
