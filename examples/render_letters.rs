//! vanthu's side of `scripts/bench-render`'s interleaved rounds: in one warm process,
//! renders the PDF of N distinct variants of seed 004 (the same variants, 1..=N, whose
//! layout data `examples/layout_data.rs` writes for `benches/raw_typst.py`) and prints
//! the median, p10 and p90 in ms. Each document is parsed before its clock starts; the
//! clock covers what `Renderer::pdf` does (layout data, typst's layout, PDF/A export).
//! Two other variants are rendered first, untimed (fonts, the layout's fixed parts).
//!
//! usage: cargo run --release --example render_letters -- [N]   (default 398)

use std::path::Path;
use std::time::Instant;

use vanthu::{Renderer, letter};

#[path = "../benches/variant.rs"]
mod variant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(398, |s| s.parse().expect("N is a number"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("letters/004-quang-binh-780.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let variant = |k| letter::parse(&variant::seed_004_variant(&text, k), &path).unwrap();
    let renderer = Renderer::new(None).expect("fonts load");
    // As raw_typst.py warms up on data files it does not time.
    for k in [n + 1, n + 2] {
        renderer.pdf(&variant(k)).unwrap();
    }
    let mut times: Vec<f64> = (1..=n)
        .map(|k| {
            let doc = variant(k);
            let t = Instant::now();
            renderer.pdf(&doc).unwrap();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    // As Python's statistics.median and statistics.quantiles (the "exclusive" method)
    // compute them for raw_typst.py: the quantile at (n + 1) p, interpolated.
    let at = |p: f64| {
        let pos = ((times.len() + 1) as f64 * p).clamp(1.0, times.len() as f64);
        let (j, frac) = (pos.floor() as usize, pos.fract());
        let low = times[j - 1];
        low + (times[j.min(times.len() - 1)] - low) * frac
    };
    println!(
        "vanthu, seed 004, distinct data, PDF/A-2b: median {:.2} ms (p10 {:.2}, p90 {:.2}; {n} documents)",
        at(0.5),
        at(0.1),
        at(0.9)
    );
}
