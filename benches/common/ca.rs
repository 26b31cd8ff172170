//! The benchmarks' test CA: `tests/fixtures/make-ca.sh` run once into
//! `target/bench-ca` (root, intermediate, CRLs, the TSA's files, PKCS#12 keys whose
//! password is [`PASSWORD`]). Shared by `benches/sign.rs` and `benches/verify.rs`.

use std::path::{Path, PathBuf};

/// The password of every `.p12` of the bench CA.
pub const PASSWORD: &str = "bench";

/// The bench CA's directory, made when missing or made by an older make-ca.sh.
pub fn ca(root: &Path) -> PathBuf {
    let dir = root.join("target/bench-ca");
    let complete = ["done", "tsa.pem", "root.crl"]
        .iter()
        .all(|f| dir.join(f).exists());
    if !complete {
        let _ = std::fs::remove_dir_all(&dir);
        let ok = std::process::Command::new("sh")
            .arg(root.join("tests/fixtures/make-ca.sh"))
            .arg(&dir)
            .arg(PASSWORD)
            .status()
            .expect("sh runs")
            .success();
        assert!(ok, "make-ca.sh failed (is openssl installed?)");
    }
    dir
}
