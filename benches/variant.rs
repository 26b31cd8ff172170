//! A new document per iteration: seed 004 with its number and every paragraph of its
//! body changed, as each issued document is new to typst (which memoises a repeated
//! one). Shared by `benches/render.rs` and `examples/layout_data.rs`.

/// Variant `k` of the letter text `base` (seed 004): `number = 780` becomes another
/// number and every paragraph of the body starts with "Mục k:".
pub fn seed_004_variant(base: &str, k: usize) -> String {
    let start = base.find("body = \"\"\"").expect("seed 004 has a body") + 10;
    let end = start + base[start..].find("\"\"\"").expect("the body ends");
    let body = base[start..end].replace("\n\n", &format!("\n\nMục {k}: "));
    format!("{}{}{}", &base[..start], body, &base[end..]).replacen(
        "number = 780",
        &format!("number = {}", k % 9000 + 1),
        1,
    )
}
