//! The rules for a document's metadata after signing: `/Info` may change only its
//! `/ModDate` and `/Producer`; XMP may be rewritten (signing tools do) but not what it
//! says of the document.

use std::collections::BTreeSet;

use lopdf::{Dictionary, Document, Object};

use super::changes::changed_keys;

/// `/Info` keys a later revision may change.
const INFO_FREE: [&[u8]; 2] = [b"ModDate", b"Producer"];

/// The `/Info` of the signed revision against a later one.
pub(super) fn info_rule(
    a: &Document,
    b: &Document,
    old: Option<&Dictionary>,
    new: Option<&Dictionary>,
    out: &mut Vec<String>,
) {
    let empty = Dictionary::new();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    let _ = (a, b);
    for key in changed_keys(old, new) {
        if !INFO_FREE.contains(&key.as_slice()) {
            out.push(format!(
                "thông tin tệp (/Info): /{} thay đổi",
                String::from_utf8_lossy(&key)
            ));
        }
    }
}

/// XMP metadata may be rewritten (signing tools update its dates and producer), but
/// not what it says of the document: its title, author, subject, description,
/// keywords and rights.
pub(super) fn xmp_rule(old: &Object, new: &Object, out: &mut Vec<String>) {
    let (o, n) = (xmp_words(old), xmp_words(new));
    match (o, n) {
        (Some(o), Some(n)) => {
            let mut keys: BTreeSet<&String> = o.keys().collect();
            keys.extend(n.keys());
            for k in keys {
                if o.get(k) != n.get(k) {
                    out.push(format!("siêu dữ liệu XMP của tệp: {k} thay đổi"));
                }
            }
        }
        _ => out.push("siêu dữ liệu XMP của tệp thay đổi (không đọc được)".into()),
    }
}

/// What an XMP packet says of the document, by property (`dc:title` …).
fn xmp_words(o: &Object) -> Option<std::collections::BTreeMap<String, String>> {
    const DC: &str = "http://purl.org/dc/elements/1.1/";
    const PDF: &str = "http://ns.adobe.com/pdf/1.3/";
    let s = o.as_stream().ok()?;
    let bytes = s
        .decompressed_content()
        .unwrap_or_else(|_| s.content.clone());
    let text = String::from_utf8_lossy(&bytes);
    let xml = text.trim_start_matches('\u{feff}');
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        },
    )
    .ok()?;
    let wanted = |ns: Option<&str>, name: &str| match (ns, name) {
        (Some(DC), "title" | "creator" | "description" | "subject" | "rights") => {
            Some(format!("dc:{name}"))
        }
        (Some(PDF), "Keywords") => Some("pdf:Keywords".to_string()),
        _ => None,
    };
    let mut words = std::collections::BTreeMap::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        if let Some(key) = wanted(node.tag_name().namespace(), node.tag_name().name()) {
            let value: String = node
                .descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ");
            words.insert(key, value.trim().to_string());
        }
        for attr in node.attributes() {
            if let Some(key) = wanted(attr.namespace(), attr.name()) {
                words.insert(key, attr.value().trim().to_string());
            }
        }
    }
    Some(words)
}
