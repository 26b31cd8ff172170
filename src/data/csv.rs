//! Long product lists as CSV: the layout, read into a [`Dataset`] with the line of each
//! row, and the hidden-character check by line and column.

use std::collections::HashSet;

use serde::Deserialize;

use super::{Dataset, ImportProblem, ProducerRow, ProductRow};

/// The CSV layout for long product lists, one product per line (a producer repeats on
/// the lines of each of its products):
/// `producer_id,producer_name,producer_kind,address,commune,product_id,product,group,programme,note`.
pub fn csv_products(text: &str) -> Result<(Dataset, Vec<usize>), ImportProblem> {
    #[derive(Deserialize)]
    struct Line {
        producer_id: String,
        producer_name: String,
        producer_kind: String,
        address: String,
        #[serde(default)]
        commune: String,
        product_id: String,
        product: String,
        #[serde(default)]
        group: String,
        #[serde(default)]
        programme: String,
        #[serde(default)]
        note: String,
    }
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut ds = Dataset::default();
    let mut lines = vec![];
    let mut seen = HashSet::new();
    for rec in r.deserialize::<Line>() {
        let line_no = |e: &csv::Error| e.position().map(|p| p.line() as usize).unwrap_or(0);
        let l = rec.map_err(|e| ImportProblem {
            row: format!("dòng {}", line_no(&e)),
            field: "CSV".into(),
            message: format!(
                "{e}; cột cần có: producer_id,producer_name,producer_kind,address,commune,product_id,product,group,programme,note"
            ),
        })?;
        let opt = |s: String| (!s.is_empty()).then_some(s);
        if seen.insert(l.producer_id.clone()) {
            ds.producers.push(ProducerRow {
                id: l.producer_id.clone(),
                name: l.producer_name,
                kind: l.producer_kind,
                address: l.address,
                commune: opt(l.commune),
                email: None,
            });
        }
        ds.products.push(ProductRow {
            id: l.product_id,
            producer: l.producer_id,
            name: l.product,
            group: l.group,
            programme: opt(l.programme),
            note: l.note,
        });
        lines.push(lines.len() + 2);
    }
    Ok((ds, lines))
}

/// The same check over a CSV file, by line and column.
pub(super) fn csv_hidden_characters(text: &str) -> Vec<ImportProblem> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers: Vec<String> = vec![];
    let mut out = vec![];
    for rec in r.records().flatten() {
        let line = rec.position().map_or(0, |p| p.line());
        for (i, cell) in rec.iter().enumerate() {
            if let Err(e) = crate::text::check_text(cell) {
                out.push(ImportProblem {
                    row: format!("dòng {line}"),
                    field: headers
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| format!("cột {}", i + 1)),
                    message: e.to_string(),
                });
            }
        }
        if headers.is_empty() {
            headers = rec.iter().map(String::from).collect();
        }
    }
    out
}
