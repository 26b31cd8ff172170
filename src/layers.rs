//! The import graph is a DAG in `lib.rs`'s order: each module uses only the modules
//! declared before it. This test reads the `pub mod` list of `lib.rs` and every
//! `crate::` path of the library's sources (outside comments and test modules) and
//! fails on an edge that points down the list, naming the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The modules of `lib.rs`, in order.
fn layers(lib: &str) -> Vec<String> {
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The modules a source names through `crate::` (re-exports of `lib.rs` resolved).
fn used(source: &str, modules: &HashMap<&str, usize>) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let reexports = [
        ("Document", "model"),
        ("Renderer", "render"),
        ("Format", "render"),
    ];
    let mut out = vec![];
    for line in code.lines() {
        let line = line.trim();
        if line.starts_with("//") {
            continue;
        }
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let name = reexports
                .iter()
                .find(|(k, _)| *k == name)
                .map_or(name.as_str(), |(_, m)| m);
            if modules.contains_key(name) {
                out.push(name.to_string());
            }
        }
    }
    out
}

#[test]
fn every_module_uses_only_the_modules_declared_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let order = layers(&lib);
    assert!(order.len() >= 10, "lib.rs declares {order:?}");
    let rank: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut files = vec![];
    sources(&src, &mut files);
    let mut upward = vec![];
    let mut edges = 0;
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(&own) = rank.get(top.as_str()) else {
            continue; // lib.rs, main.rs and the binary's cli/
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for m in used(&text, &rank) {
            if m == top {
                continue;
            }
            edges += 1;
            if rank[m.as_str()] > own {
                upward.push(format!("{} uses {m} (declared after {top})", rel.display()));
            }
        }
    }
    assert!(edges > 50, "only {edges} edges read: is the scan broken?");
    upward.sort();
    upward.dedup();
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn the_scan_sees_paths_and_reexports() {
    let rank: HashMap<&str, usize> = [("model", 0), ("render", 1)].into_iter().collect();
    let src = "use crate::Renderer;\n// crate::model is a comment\nlet d: crate::model::Document;\n#[cfg(test)]\nuse crate::model;";
    assert_eq!(used(src, &rank), ["render", "model"]);
}
