//! PDF and DOCX of seed 004 in process (fonts and layout loaded once).
//!
//! The headline is `pdf_seed_004_new_document`: every iteration lays out a document
//! typst has not seen (its number and every paragraph changed), which is what a user's
//! preview or issue costs. `pdf_seed_004_same_document_cached` renders one document
//! again and again, so typst's memoisation answers: it is shown only beside it.

use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use vanthu::service::preview::{MAX_PAGES, PIXEL_PER_PT};
use vanthu::{Renderer, letter};

#[path = "variant.rs"]
mod variant;

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("letters/004-quang-binh-780.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = letter::load(&path).expect("seed 004 parses");
    let renderer = Renderer::new(None).expect("fonts load");
    let (_, pages) = renderer.pdf(&doc).unwrap();
    eprintln!("seed 004: {pages} pages");
    let mut k = 0;
    let mut next = || {
        k += 1;
        letter::parse(&variant::seed_004_variant(&text, k), &path).expect("a variant parses")
    };
    c.bench_function("pdf_seed_004_new_document", |b| {
        b.iter_batched(
            &mut next,
            |d| renderer.pdf(&d).unwrap(),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("docx_seed_004_new_document", |b| {
        b.iter_batched(
            &mut next,
            |d| renderer.docx(&d).unwrap(),
            BatchSize::SmallInput,
        )
    });
    // The composer's preview: the pages as PNG at the composer's resolution; every
    // paragraph changed, so no page comes from the page cache.
    c.bench_function("png_preview_seed_004_new_document", |b| {
        b.iter_batched(
            &mut next,
            |d| renderer.png(&d, PIXEL_PER_PT, MAX_PAGES).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let mut k = 0;
    c.bench_function("letter_parse_seed_004_new_document", |b| {
        b.iter_batched(
            || {
                k += 1;
                variant::seed_004_variant(&text, k)
            },
            |t| letter::parse(&t, &path).unwrap(),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("pdf_seed_004_same_document_cached", |b| {
        b.iter(|| renderer.pdf(&doc).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
