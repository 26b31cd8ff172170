//! Writes the layout data (`/data.json`, what `templates/layout/nd30.typ` reads) of N
//! distinct variants of seed 004 into a folder, for `benches/raw_typst.py`: raw typst
//! lays out exactly what vanthu's renderer does, with the same layout and fonts.
//!
//! usage: cargo run --release --example layout_data -- OUT_DIR [N]

use std::path::{Path, PathBuf};

use vanthu::{Renderer, letter};

#[path = "../benches/variant.rs"]
mod variant;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().expect("usage: layout_data OUT_DIR [N]"));
    let n: usize = args
        .next()
        .map_or(200, |s| s.parse().expect("N is a number"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("letters/004-quang-binh-780.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let renderer = Renderer::new(None).expect("fonts load");
    std::fs::create_dir_all(&out).unwrap();
    for k in 1..=n {
        let doc = letter::parse(&variant::seed_004_variant(&text, k), &path).unwrap();
        let json = renderer.layout_json(&doc).unwrap();
        std::fs::write(out.join(format!("data-{k:05}.json")), json).unwrap();
    }
    println!("{n} layout data files in {}", out.display());
}
