//! Writes layout data (`/data.json`, what `templates/layout/nd30.typ` reads) into a
//! folder, for `benches/raw_typst.py`: raw typst lays out exactly what vanthu's
//! renderer does, with the same layout and fonts.
//!
//! usage: cargo run --release --example layout_data -- OUT_DIR [N]
//!          N distinct variants of seed 004 (default 200)
//!        cargo run --release --example layout_data -- OUT_DIR --letters A.toml B.toml …
//!          the layout data of each letter, in order (scripts/bench-annex)

use std::path::{Path, PathBuf};

use vanthu::{Renderer, letter};

#[path = "../benches/variant.rs"]
mod variant;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .expect("usage: layout_data OUT_DIR [N | --letters FILE…]"),
    );
    let renderer = Renderer::new(None).expect("fonts load");
    std::fs::create_dir_all(&out).unwrap();
    let write = |k: usize, doc: &vanthu::model::Document| {
        let json = renderer.layout_json(doc).unwrap();
        std::fs::write(out.join(format!("data-{k:05}.json")), json).unwrap();
    };
    let rest: Vec<String> = args.collect();
    if rest.first().map(String::as_str) == Some("--letters") {
        for (k, file) in rest[1..].iter().enumerate() {
            let path = Path::new(file);
            let text = std::fs::read_to_string(path).unwrap();
            write(k + 1, &letter::parse(&text, path).unwrap());
        }
        println!("{} layout data files in {}", rest.len() - 1, out.display());
        return;
    }
    let n: usize = rest
        .first()
        .map_or(200, |s| s.parse().expect("N is a number"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("letters/004-quang-binh-780.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    for k in 1..=n {
        write(
            k,
            &letter::parse(&variant::seed_004_variant(&text, k), &path).unwrap(),
        );
    }
    println!("{n} layout data files in {}", out.display());
}
