//! What reading one Word draft may cost, checked before the reader builds anything.
//!
//! A `.docx` is a zip of XML parts, so its bytes say little about its work: 10 kB held
//! tables nested 1,500 deep (the reader recurses per level), 92 kB held 30 MB of
//! paragraphs (474 MB to parse). So every part is measured by what parsing it costs:
//!
//! 1. its uncompressed size, at most [`MAX_PART_BYTES`], read no further;
//! 2. a streaming pass ([`scan`], quick-xml, no tree, no recursion) over the part that
//!    counts its elements and attributes ([`MAX_NODES`]), its text ([`MAX_TEXT_BYTES`]),
//!    how deep its elements nest ([`MAX_DEPTH`]) and how deep tables and content
//!    controls nest in each other ([`MAX_TABLE_NESTING`]);
//! 3. only then the tree (roxmltree, itself capped at [`MAX_NODES`]) and the reader,
//!    whose recursion is bounded by the depth just checked.
//!
//! The invariant: a draft that passes costs at most a few times [`MAX_PART_BYTES`] of
//! memory and recurses at most [`MAX_DEPTH`] levels (well inside
//! [`crate::limits::THREAD_STACK`]).

use quick_xml::events::Event;

/// The largest XML part read out of the archive, uncompressed (the body of a 100-page
/// Word draft is about 2 MB).
pub const MAX_PART_BYTES: u64 = 8 * 1024 * 1024;
/// The most elements and attributes in one part (a 40-page draft with tables has
/// about 60,000).
pub const MAX_NODES: usize = 300_000;
/// The most text in one part, in bytes (a letter is at most 1 MB).
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;
/// How deep elements may nest (Word writes about 12 levels; a table in a table, 20).
pub const MAX_DEPTH: usize = 256;
/// How deep tables and content controls may nest in each other.
pub const MAX_TABLE_NESTING: usize = 16;

/// Why a part was refused: the message for the drafter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooCostly(pub String);

/// Checks the XML text of one part against the limits, in one streaming pass.
pub fn scan(name: &str, xml: &str) -> Result<(), TooCostly> {
    let mut reader = quick_xml::Reader::from_str(xml);
    // Mismatched end tags are the tree parser's to report.
    reader.config_mut().check_end_names = false;
    let (mut nodes, mut text, mut depth, mut nesting) = (0usize, 0usize, 0usize, vec![]);
    loop {
        let event = reader.read_event().map_err(|e| {
            TooCostly(format!(
                "phần {name} của tệp .docx không đọc được ({e}); hãy lưu lại bằng Word"
            ))
        })?;
        let (start, element) = match &event {
            Event::Start(e) => (true, Some(e)),
            Event::Empty(e) => (false, Some(e)),
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if nesting.last() == Some(&depth) && is_nesting(e.local_name().as_ref()) {
                    nesting.pop();
                }
                continue;
            }
            Event::Text(t) => {
                text += t.len();
                if text > MAX_TEXT_BYTES {
                    return Err(TooCostly(format!(
                        "tệp .docx có quá {} MB chữ: quá dài cho một văn bản; hãy tách thành nhiều văn bản",
                        MAX_TEXT_BYTES / (1024 * 1024)
                    )));
                }
                continue;
            }
            Event::Eof => return Ok(()),
            _ => continue,
        };
        let e = element.expect("an element");
        nodes += 1 + e.attributes().count();
        if nodes > MAX_NODES {
            return Err(TooCostly(format!(
                "tệp .docx có quá {} phần tử (đoạn, ô bảng, định dạng): quá lớn cho một văn bản; hãy tách thành nhiều văn bản",
                crate::text::group_thousands(MAX_NODES as i64)
            )));
        }
        if start {
            if is_nesting(e.local_name().as_ref()) {
                nesting.push(depth);
                if nesting.len() > MAX_TABLE_NESTING {
                    return Err(TooCostly(format!(
                        "tệp .docx có bảng (hoặc khung nội dung) lồng nhau quá {MAX_TABLE_NESTING} tầng; hãy bỏ bớt bảng lồng trong bảng"
                    )));
                }
            }
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(TooCostly(format!(
                    "phần {name} của tệp .docx lồng nhau quá {MAX_DEPTH} tầng; hãy lưu lại bằng Word"
                )));
            }
        }
    }
}

/// The elements the reader recurses into: tables and content controls.
fn is_nesting(local: &[u8]) -> bool {
    matches!(local, b"tbl" | b"sdt")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: &str = "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>";
    const CLOSE: &str = "</w:body></w:document>";

    fn nested(open: &str, close: &str, n: usize) -> String {
        format!("{OPEN}{}{}{CLOSE}", open.repeat(n), close.repeat(n))
    }

    #[test]
    fn nesting_past_the_limits_is_refused_by_name() {
        let tables = nested("<w:tbl><w:tr><w:tc>", "<w:p/></w:tc></w:tr></w:tbl>", 1500);
        let err = scan("word/document.xml", &tables).unwrap_err();
        assert!(
            err.0
                .contains("bảng (hoặc khung nội dung) lồng nhau quá 16 tầng"),
            "{err:?}"
        );
        let sdt = nested("<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>", 5000);
        assert!(scan("x", &sdt).unwrap_err().0.contains("lồng nhau quá 16"));
        let divs = nested("<w:x>", "</w:x>", 300);
        assert!(scan("x", &divs).unwrap_err().0.contains("quá 256 tầng"));
        // At the limits, accepted.
        let ok = nested("<w:tbl><w:tr><w:tc>", "<w:p/></w:tc></w:tr></w:tbl>", 16);
        assert_eq!(scan("x", &ok), Ok(()));
    }

    #[test]
    fn element_and_text_counts_are_bounded() {
        let paragraphs = format!("{OPEN}{}{CLOSE}", "<w:p/>".repeat(MAX_NODES + 1));
        assert!(
            scan("x", &paragraphs)
                .unwrap_err()
                .0
                .contains("300.000 phần tử")
        );
        let attributes = format!(
            "{OPEN}<w:p {}/>{CLOSE}",
            (0..MAX_NODES)
                .map(|i| format!("a{i}=\"\""))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(scan("x", &attributes).is_err());
        let text = format!(
            "{OPEN}<w:p><w:r><w:t>{}</w:t></w:r></w:p>{CLOSE}",
            "chữ ".repeat(MAX_TEXT_BYTES / 4)
        );
        assert!(scan("x", &text).unwrap_err().0.contains("2 MB chữ"));
    }
}
