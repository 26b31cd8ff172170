//! The import graph is a DAG in declaration order, at two levels: each module of
//! `lib.rs` uses only the modules declared before it, and so does each module of
//! `service/mod.rs` among its siblings. The test reads the `pub mod` list of the
//! declaring file and every path into a sibling (`crate::x`, for the service also
//! `crate::service::x` and a direct child's `super::x`, grouped imports included) of
//! the sources outside comments and test modules, and fails on an edge that points
//! down the list, naming the file.
//!
//! It also keeps SQL behind `store` (issue 33): the files outside `store/` that still
//! hold a statement are listed, and the list only shrinks.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The modules a declaring file (`lib.rs`, a `mod.rs`) lists, in order.
fn layers(declaring: &str) -> Vec<String> {
    declaring
        .lines()
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

/// The code of a source: before its test module, without comment lines.
fn code(source: &str) -> String {
    source
        .lines()
        // The tests at the end of a file, not the words "#[cfg(test)]" in a string.
        .take_while(|l| l.trim_start() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The first name of each item of a `{…}` group that starts `rest` (`{a, b::C}` →
/// `a`, `b`).
fn group(rest: &str) -> Vec<String> {
    let mut depth = 0;
    let mut items = vec![];
    let mut start = 1;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                items.push(ident(&rest[start..i]));
                start = i + 1;
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    items.into_iter().filter(|s| !s.is_empty()).collect()
}

/// The modules of `modules` a source names after one of `prefixes` (re-exports of
/// `lib.rs` resolved).
fn used(source: &str, prefixes: &[&str], modules: &HashMap<&str, usize>) -> Vec<String> {
    let code = code(source);
    let reexports = [
        ("Document", "model"),
        ("Renderer", "render"),
        ("Format", "render"),
    ];
    let mut out = vec![];
    for prefix in prefixes {
        for (i, _) in code.match_indices(prefix) {
            // `super::x` must not be the tail of `crate::service::super::…` or `a::super::`.
            if i > 0 && code[..i].ends_with(':') {
                continue;
            }
            let rest = &code[i + prefix.len()..];
            let names = if rest.starts_with('{') {
                group(rest)
            } else {
                vec![ident(rest)]
            };
            for name in names {
                let name = reexports
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map_or(name.as_str(), |(_, m)| m);
                if modules.contains_key(name) {
                    out.push(name.to_string());
                }
            }
        }
    }
    out
}

/// The upward edges among the modules declared in `dir/declaring`, and how many
/// edges were read. `prefixes(nested)` names the paths into a sibling for a file
/// directly in its module's folder (`nested` false) or deeper.
fn upward(
    dir: &Path,
    declaring: &str,
    prefixes: fn(bool) -> Vec<&'static str>,
) -> (Vec<String>, usize) {
    let list = std::fs::read_to_string(dir.join(declaring)).unwrap();
    let order = layers(&list);
    assert!(order.len() >= 10, "{declaring} declares {order:?}");
    let rank: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut files = vec![];
    sources(dir, &mut files);
    let mut upward = vec![];
    let mut edges = 0;
    for file in files {
        let rel = file.strip_prefix(dir).unwrap();
        let mut parts = rel.components();
        let top = parts
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        // `super::` names a sibling from `x.rs` and `x/mod.rs`, `super::super::` from `x/y.rs`.
        let nested = parts.next().is_some_and(|p| p.as_os_str() != "mod.rs");
        let Some(&own) = rank.get(top.as_str()) else {
            continue; // the declaring file, main.rs and the binary's cli/
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for m in used(&text, &prefixes(nested), &rank) {
            if m == top {
                continue;
            }
            edges += 1;
            if rank[m.as_str()] > own {
                upward.push(format!("{} uses {m} (declared after {top})", rel.display()));
            }
        }
    }
    upward.sort();
    upward.dedup();
    (upward, edges)
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_uses_only_the_modules_declared_before_it() {
    let (upward, edges) = upward(&src(), "lib.rs", |_| vec!["crate::"]);
    assert!(edges > 50, "only {edges} edges read: is the scan broken?");
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn every_service_module_uses_only_the_service_modules_declared_before_it() {
    let (upward, edges) = upward(&src().join("service"), "mod.rs", |nested| {
        if nested {
            vec!["crate::service::", "super::super::"]
        } else {
            vec!["crate::service::", "super::"]
        }
    });
    assert!(edges > 50, "only {edges} edges read: is the scan broken?");
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn the_scan_sees_paths_groups_and_reexports() {
    let rank: HashMap<&str, usize> = [("model", 0), ("render", 1), ("mail", 2)]
        .into_iter()
        .collect();
    let src = "use crate::Renderer;\n// crate::model is a comment\nlet d: crate::model::Document;\nuse crate::{\n    mail::Outbox,\n    text,\n};\n#[cfg(test)]\nuse crate::model;";
    assert_eq!(used(src, &["crate::"], &rank), ["render", "model", "mail"]);
    let child = "use super::{access, drafts::{self, Draft}};\nuse super::super::x;";
    let rank: HashMap<&str, usize> = [("access", 0), ("drafts", 1)].into_iter().collect();
    assert_eq!(used(child, &["super::"], &rank), ["access", "drafts"]);
}

/// Whether code holds SQL: a statement's opening words (`SELECT …`, `INSERT INTO`,
/// `UPDATE … SET`, `DELETE FROM`, `WITH RECURSIVE`).
fn holds_sql(code: &str) -> bool {
    let words: Vec<&str> = code
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .collect();
    words.windows(3).any(|w| match w {
        ["SELECT", ..] | ["INSERT", "INTO", _] | ["DELETE", "FROM", _] => true,
        ["WITH", "RECURSIVE", _] => true,
        ["UPDATE", table, "SET"] => !table.is_empty(),
        _ => false,
    })
}

#[test]
fn sql_lives_behind_store() {
    let root = src();
    let mut files = vec![];
    sources(&root, &mut files);
    let mut holding: Vec<String> = files
        .iter()
        .filter(|p| !p.starts_with(root.join("store")))
        // This file's own tests hold statements, as examples for the scanner.
        .filter(|p| !p.ends_with("layers.rs"))
        .filter(|p| holds_sql(&code(&std::fs::read_to_string(p).unwrap())))
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    holding.sort();
    let store_files = files
        .iter()
        .filter(|p| p.starts_with(root.join("store")))
        .count();
    assert!(store_files > 10, "only {store_files} store files read");
    assert!(
        holding.is_empty(),
        "SQL belongs in store/ (one file per table family), found in {holding:?}"
    );
}

#[test]
fn the_sql_scan_sees_statements_not_words() {
    assert!(holds_sql(
        "conn.execute(\"DELETE FROM sessions WHERE id = ?1\")"
    ));
    assert!(holds_sql("\"UPDATE drafts SET state = ?2\""));
    assert!(holds_sql("\"SELECT id FROM drafts\""));
    assert!(holds_sql("\"WITH RECURSIVE up(id) AS (…)\""));
    assert!(!holds_sql("let update = select(delete_from);"));
    assert!(!holds_sql(&code("// SELECT id FROM drafts\nlet x = 1;")));
}
