//! Kiểm tra chữ ký số: verifying a document signed twice (the signer's PAdES signature,
//! then the agency's), as `vanthu verify`, the verify page and `register verify` do it:
//! reading the revisions, checking both byte ranges and CMS signatures, the change
//! analysis between revisions, the certificate paths (root, intermediate) and
//! revocation against the configured CRLs.
//!
//! Every iteration verifies a different document (32 distinct three-page letters, each
//! signed with `signer.p12` then `agency.p12` of the bench CA). Besides criterion's
//! estimate, the bench prints the median and p95 of 400 timed verifications, and writes
//! the documents to `target/bench-verify/` so that an earlier build of vanthu can be
//! timed on the same files (the README's "before" figure).

#[path = "common/ca.rs"]
mod ca;
#[path = "common/letters.rs"]
mod letters;
#[path = "../tests/it/common/png.rs"]
mod png;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ca::{PASSWORD, ca};
use criterion::{Criterion, criterion_group, criterion_main};
use vanthu::Renderer;
use vanthu::sign::keys::Trust;
use vanthu::sign::pades::{self, Request};
use vanthu::sign::verify::verify;
use vanthu::sign::{KeyFile, Role};

fn signed_twice(ca: &Path, count: usize) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let store = letters::store(dir.path());
    let renderer = Renderer::new(None).unwrap();
    let signer = KeyFile::open(&ca.join("signer.p12"), PASSWORD).unwrap();
    let agency = KeyFile::open(&ca.join("agency.p12"), PASSWORD).unwrap();
    let request = |role| Request {
        role,
        reason: "Ký ban hành văn bản",
        location: "Hòa Bình",
        at: chrono::Utc::now(),
        tsa: None,
    };
    letters::rendered(&store, &renderer, count)
        .into_iter()
        .map(|pdf| {
            let (once, _) = pades::sign(&pdf, &signer, &request(Role::Signer)).unwrap();
            pades::sign(&once, &agency, &request(Role::Agency))
                .unwrap()
                .0
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ca = ca(root);
    let docs = signed_twice(&ca, 32);
    let out = root.join("target/bench-verify");
    std::fs::create_dir_all(&out).unwrap();
    for (n, pdf) in docs.iter().enumerate() {
        std::fs::write(out.join(format!("{n:02}.pdf")), pdf).unwrap();
    }
    let trust = Trust::load(
        &[ca.join("root.pem")],
        &[ca.join("int.crl"), ca.join("root.crl")],
    )
    .unwrap();
    // Every document is valid: a verifier that gives up early would time nothing.
    for pdf in &docs {
        let report = verify(pdf, &trust).unwrap();
        assert_eq!(report.signatures.len(), 2);
        assert!(report.signatures.iter().all(|s| s.valid()), "{report:?}");
    }

    let mut times: Vec<Duration> = (0..400)
        .map(|i| {
            let start = Instant::now();
            std::hint::black_box(verify(&docs[i % docs.len()], &trust).unwrap());
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "verify/two_signatures: median {:.2} ms, p95 {:.2} ms ({} runs over {} documents of {} KB)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times.len(),
        docs.len(),
        docs[0].len() / 1024,
    );

    let mut g = c.benchmark_group("verify");
    let i = AtomicUsize::new(0);
    g.bench_function("two_signatures", |b| {
        b.iter(|| {
            let pdf = &docs[i.fetch_add(1, Ordering::Relaxed) % docs.len()];
            verify(pdf, &trust).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
