//! PDF and DOCX of seed 004, warm, in process (fonts and layout loaded once).

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use vanthu::{Renderer, letter};

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = letter::load(&root.join("letters/004-quang-binh-780.toml")).expect("seed 004 parses");
    let renderer = Renderer::new(None).expect("fonts load");
    let (_, pages) = renderer.pdf(&doc).unwrap();
    eprintln!("seed 004: {pages} pages");
    c.bench_function("pdf_seed_004_pdfa2b", |b| {
        b.iter(|| renderer.pdf(&doc).unwrap())
    });
    c.bench_function("docx_seed_004", |b| b.iter(|| renderer.docx(&doc).unwrap()));
    c.bench_function("letter_parse_seed_004", |b| {
        b.iter(|| letter::load(&root.join("letters/004-quang-binh-780.toml")).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
