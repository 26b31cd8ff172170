//! Ký số: what a digital signature adds, on distinct documents.
//! - `pades/rsa2048`, `pades/ecdsa_p256`: one PAdES B-B signature (the incremental
//!   update, the SHA-256 of the byte range, the CMS signature) on a rendered letter;
//!   every iteration signs a different PDF (64 letters whose bodies differ);
//! - `issue/unsigned` and `issue/signed`: issuing a letter (numbering, rendering,
//!   storing), unsigned and as an electronic original (images, the signer's and the
//!   agency's signatures), a different letter every iteration so typst's cache does
//!   not answer.
//!
//! The keys come from the test CA (`tests/fixtures/make-ca.sh`, needs openssl).

#[path = "../tests/common/png.rs"]
mod png;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use vanthu::sign::keys::{KeySetting, SigningSettings};
use vanthu::sign::pades::{self, Request};
use vanthu::sign::{KeyFile, Keyring, Role};
use vanthu::store::{Store, register};
use vanthu::{Renderer, data, letter};

const PASSWORD: &str = "bench";

fn ca(root: &Path) -> PathBuf {
    let dir = root.join("target/bench-ca");
    if !dir.join("done").exists() {
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

const DATA: &str = r#"
[[agencies]]
id = "ubnd-hoa-binh"
name = ["Ủy ban nhân dân", "tỉnh Hòa Bình"]
level = "province"
place = "Hòa Bình"
abbreviation = "UBND"
short_name = "UBND tỉnh Hòa Bình"
units = ["KT"]
seal_image = "dau.png"
seal_diameter_mm = 36

[[people]]
id = "nguyen-van-chuong"
agency = "ubnd-hoa-binh"
name = "Nguyễn Văn Chương"
title = "PHÓ CHỦ TỊCH"
authority = ["KT. CHỦ TỊCH"]
signature_image = "chu-ky.png"
"#;

/// A three-page công văn whose body carries `n`, so no two are alike.
fn letter_text(n: usize) -> String {
    let paragraph = format!(
        "Văn bản số thứ {n}: UBND tỉnh đề nghị các đơn vị rà soát, tổng hợp kết quả thực hiện Chương trình OCOP, đánh giá sản phẩm theo bộ tiêu chí, đề xuất khen thưởng lần {n}.\n\n"
    );
    format!(
        r#"kind = "công văn"
date = "2026-12"
subject = """
V/v đôn đốc báo cáo kết quả
Chương trình OCOP năm 2026 (đợt {n})"""
addressees = ["UBND các huyện, thành phố"]
recipients = ["Như trên", "Lưu: VT, KT"]
body = """
{}"""

[issuer]
id = "ubnd-hoa-binh"
unit = "KT"

[signer]
id = "nguyen-van-chuong"
"#,
        paragraph.repeat(24)
    )
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ca = ca(root);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chu-ky.png"), png::signature(600, 240)).unwrap();
    std::fs::write(dir.path().join("dau.png"), png::seal(500)).unwrap();
    std::fs::write(dir.path().join("data.toml"), DATA).unwrap();
    let mut store = Store::init(&dir.path().join("b.db")).unwrap();
    data::import_file(&mut store, &dir.path().join("data.toml")).unwrap();
    let renderer = Renderer::new(None).unwrap();

    // 64 distinct rendered letters to sign.
    let pdfs: Vec<Vec<u8>> = (0..64)
        .map(|n| {
            let text = letter_text(n);
            let doc = letter::parse_with(&text, Path::new("b.toml"), Some(&store)).unwrap();
            let doc = doc.numbered(
                n as u32 + 1,
                chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            );
            renderer.pdf(&doc).unwrap().0
        })
        .collect();
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

    let keyring = Keyring::new(
        SigningSettings {
            keys: vec![
                KeySetting {
                    agency: Some("ubnd-hoa-binh".into()),
                    p12: ca.join("agency.p12"),
                    password: Some(PASSWORD.into()),
                    ..Default::default()
                },
                KeySetting {
                    person: Some("nguyen-van-chuong".into()),
                    p12: ca.join("signer.p12"),
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
            let text = letter_text(n.fetch_add(1, Ordering::Relaxed));
            let doc = letter::parse_with(&text, Path::new("b.toml"), Some(&store)).unwrap();
            register::issue(&mut store, &renderer, &doc, &text, date).unwrap()
        })
    });
    g.bench_function("signed", |b| {
        b.iter(|| {
            let text = letter_text(n.fetch_add(1, Ordering::Relaxed));
            let doc = letter::parse_with(&text, Path::new("b.toml"), Some(&store)).unwrap();
            let e =
                register::issue_signed(&mut store, &renderer, &keyring, &doc, &text, date).unwrap();
            assert_eq!(e.signatures, 2);
            e
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
