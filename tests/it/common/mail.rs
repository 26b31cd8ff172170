//! What the e-mail tests share: a database with an issued document, a document to many
//! mailboxes, and the messages a server wrote, read by a real mail parser.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::*;

/// Every message of a Maildir (or a folder of .eml files), as Python's `email` package
/// reads it (tests/mail_check.py): decoded headers, bodies, attachments' names and hashes.
pub fn read_messages(folder: &Path) -> Vec<Value> {
    let out = stdout(
        Command::new("/usr/bin/python3")
            .arg(root().join("tests/mail_check.py"))
            .arg(folder),
    );
    serde_json::from_str::<Vec<Value>>(&out).unwrap()
}

/// A database with the demo data and the Lục Nam draft issued as 01/UBND-NN: three
/// communes with a mailbox, one without, two entries that are not stored agencies.
pub fn issued(dir: &Path) -> PathBuf {
    let db = demo_db(dir);
    let o = stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("issue")
            .arg(root().join("letters/drafts/luc-nam-cong-van.toml"))
            .args(["--date", "2021-03-15"]),
    );
    assert_eq!(o.trim(), "01/UBND-NN");
    db
}

/// Imports `n` communes (mailbox `email(i)`) in one group and issues the Lục Nam letter
/// to that group as 02/UBND-NN (after [`issued`]).
pub fn recipients(dir: &Path, db: &Path, n: usize, email: impl Fn(usize) -> String) {
    let mut data = String::new();
    for i in 0..n {
        data.push_str(&format!(
            "[[agencies]]\nid = \"xa-{i}\"\nname = [\"Ủy ban nhân dân\", \"xã Số {i}\"]\nparent = \"ubnd-luc-nam\"\nlevel = \"commune\"\nplace = \"Lục Nam\"\nabbreviation = \"UBND\"\nshort_name = \"UBND xã Số {i}\"\nemail = \"{}\"\n\n",
            email(i)
        ));
    }
    data.push_str("[[groups]]\nid = \"cac-xa\"\nname = \"UBND các xã\"\nmembers = [");
    data.push_str(
        &(0..n)
            .map(|i| format!("\"xa-{i}\""))
            .collect::<Vec<_>>()
            .join(", "),
    );
    data.push_str("]\n");
    std::fs::write(dir.join("xa.toml"), data).unwrap();
    stdout(cli(dir, db).arg("import").arg(dir.join("xa.toml")));
    let letter = std::fs::read_to_string(root().join("letters/drafts/luc-nam-cong-van.toml"))
        .unwrap()
        .replace(
            "addressees = [\"UBND các xã, thị trấn\"]",
            "addressees = [\"@cac-xa\"]",
        );
    std::fs::write(dir.join("l.toml"), letter).unwrap();
    let o = stdout(
        cli(dir, db)
            .arg("issue")
            .arg(dir.join("l.toml"))
            .args(["--date", "2021-03-16"]),
    );
    assert_eq!(o.trim(), "02/UBND-NN");
}

/// A fresh 2048-bit RSA DKIM key (PKCS#1 PEM) in `dir`, and its public key as the DNS
/// record's `p=` (base64 of the DER SubjectPublicKeyInfo).
pub fn dkim_key(dir: &Path) -> (PathBuf, String) {
    let key = dir.join("dkim.pem");
    let ok = Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(&key)
        .arg("2048")
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl genrsa");
    let public = run(Command::new("openssl")
        .args(["rsa", "-pubout", "-outform", "DER", "-in"])
        .arg(&key));
    use base64::Engine;
    (
        key,
        base64::engine::general_purpose::STANDARD.encode(&public.stdout),
    )
}

/// What tests/dkim_check.py says of each message in `folder` (selector `vanthu` of
/// lucnam.vanthu.example, public key `p`).
pub fn dkim_results(folder: &Path, p: &str) -> Vec<Value> {
    let out = stdout(
        Command::new("/usr/bin/python3")
            .arg(root().join("tests/dkim_check.py"))
            .arg(folder)
            .args(["vanthu", "lucnam.vanthu.example", p]),
    );
    serde_json::from_str(&out).unwrap()
}
