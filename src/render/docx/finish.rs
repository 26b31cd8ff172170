//! What docx-rs cannot write, corrected in the packed file:
//!
//! - the children of every `w:rPr`, `w:pPr` and `w:style` in the order ECMA-376
//!   prescribes (docx-rs writes `w:rPr` first and `w:spacing` after `w:jc`; Word
//!   repairs such files, strict readers refuse them);
//! - one Normal style: docx-rs always writes an empty one before ours, and Word
//!   takes the first of two styles with one id;
//! - footnotes as Word writes them: the separator and continuation separator
//!   (ids -1 and 0, named in the settings), and a `w:footnoteRef` mark opening each
//!   note, so the note shows its number.
//!
//! The parts are read and written with quick-xml; every other part is copied as is.

use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;
use quick_xml::{Reader, Writer};

use crate::render::RenderError;

/// The children of `w:pPr` in schema order (CT_PPr); unknown names go last.
const PPR_ORDER: [&str; 36] = [
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
];

/// The children of `w:rPr` in schema order (CT_RPr).
const RPR_ORDER: [&str; 39] = [
    "w:rStyle",
    "w:rFonts",
    "w:b",
    "w:bCs",
    "w:i",
    "w:iCs",
    "w:caps",
    "w:smallCaps",
    "w:strike",
    "w:dstrike",
    "w:outline",
    "w:shadow",
    "w:emboss",
    "w:imprint",
    "w:noProof",
    "w:snapToGrid",
    "w:vanish",
    "w:webHidden",
    "w:color",
    "w:spacing",
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
];

/// The children of `w:style` in schema order (CT_Style).
const STYLE_ORDER: [&str; 21] = [
    "w:name",
    "w:aliases",
    "w:basedOn",
    "w:next",
    "w:link",
    "w:autoRedefine",
    "w:uiPriority",
    "w:semiHidden",
    "w:unhideWhenUsed",
    "w:qFormat",
    "w:locked",
    "w:personal",
    "w:personalCompose",
    "w:personalReply",
    "w:rsid",
    "w:pPr",
    "w:rPr",
    "w:tblPr",
    "w:trPr",
    "w:tcPr",
    "w:tblStylePr",
];

/// The empty Normal style docx-rs writes before the document's own.
const EMPTY_NORMAL: &str = r#"<w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal" /><w:rPr /><w:pPr><w:rPr /></w:pPr><w:qFormat /></w:style>"#;

/// The separators Word expects in footnotes.xml, before the notes.
const SEPARATORS: &str = concat!(
    r#"<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>"#,
    r#"<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"#,
);

/// The mark that opens a note: its number, superscript.
const FOOTNOTE_REF: &str = r#"<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" w:cs="Times New Roman"/><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> </w:t></w:r>"#;

/// Rewrites the packed DOCX `bytes`.
pub(super) fn finish(bytes: &[u8], footnotes: bool) -> Result<Vec<u8>, RenderError> {
    let err = |e: &dyn std::fmt::Display| RenderError::Docx(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| err(&e))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // The fastest level: the parts are small and rewritten on every render.
        .compression_level(Some(1))
        .last_modified_time(zip::DateTime::default());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| err(&e))?;
        let name = entry.name().to_string();
        let mut data = vec![];
        entry.read_to_end(&mut data).map_err(|e| err(&e))?;
        let data = if name.starts_with("word/") && name.ends_with(".xml") {
            let data = if name == "word/styles.xml" {
                let s = String::from_utf8_lossy(&data);
                if s.matches(r#"w:styleId="Normal""#).count() > 1 {
                    s.replacen(EMPTY_NORMAL, "", 1).into_bytes()
                } else {
                    data
                }
            } else {
                data
            };
            let mut xml = order_children(&data, b"w:rPr", &RPR_ORDER).map_err(|e| err(&e))?;
            xml = order_children(&xml, b"w:pPr", &PPR_ORDER).map_err(|e| err(&e))?;
            if name == "word/styles.xml" {
                xml = order_children(&xml, b"w:style", &STYLE_ORDER).map_err(|e| err(&e))?;
            }
            if footnotes && name == "word/footnotes.xml" {
                xml = footnote_marks(&xml);
            }
            if footnotes && name == "word/settings.xml" {
                xml = replace_once(
                    &xml,
                    "<w:compat>",
                    r#"<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr><w:compat>"#,
                );
            }
            xml
        } else {
            data
        };
        out.start_file(name, options).map_err(|e| err(&e))?;
        out.write_all(&data).map_err(|e| err(&e))?;
    }
    Ok(out.finish().map_err(|e| err(&e))?.into_inner())
}

fn replace_once(xml: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8_lossy(xml);
    s.replacen(from, to, 1).into_bytes()
}

/// The separators, and a footnoteRef mark after the properties of each note's first
/// paragraph.
fn footnote_marks(xml: &[u8]) -> Vec<u8> {
    let s = String::from_utf8_lossy(xml);
    let Some(open) = s.find("<w:footnotes") else {
        return xml.to_vec();
    };
    let Some(end) = s[open..].find('>').map(|e| open + e + 1) else {
        return xml.to_vec();
    };
    let mut out = String::with_capacity(s.len() + 1024);
    out.push_str(&s[..end]);
    out.push_str(SEPARATORS);
    let mut rest = &s[end..];
    while let Some(note) = rest.find("<w:footnote ") {
        out.push_str(&rest[..note]);
        rest = &rest[note..];
        // The note's first paragraph: after its pPr when it has one.
        let mark_at = match (rest.find("</w:pPr>"), rest.find("</w:footnote>")) {
            (Some(p), Some(close)) if p < close => Some(p + "</w:pPr>".len()),
            (_, Some(_)) => rest.find("<w:p>").map(|p| p + "<w:p>".len()),
            _ => None,
        };
        let Some(at) = mark_at else { break };
        out.push_str(&rest[..at]);
        out.push_str(FOOTNOTE_REF);
        rest = &rest[at..];
        let close = rest.find("</w:footnote>").map_or(rest.len(), |c| c + 13);
        out.push_str(&rest[..close]);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out.into_bytes()
}

/// Copies `xml`, writing the children of each `parent` element in `order` (names
/// not in it last, in their own order).
fn order_children(xml: &[u8], parent: &[u8], order: &[&str]) -> Result<Vec<u8>, quick_xml::Error> {
    let rank = |name: &[u8]| {
        order
            .iter()
            .position(|n| n.as_bytes() == name)
            .unwrap_or(order.len())
    };
    let mut reader = Reader::from_reader(xml);
    let mut writer = Writer::new(Vec::with_capacity(xml.len()));
    // Inside a pPr: its children so far (rank, bytes), the open child and its depth.
    let mut children: Option<Vec<(usize, Vec<u8>)>> = None;
    let mut child: Option<(usize, Writer<Vec<u8>>)> = None;
    let mut depth = 0usize;
    loop {
        let event = reader.read_event()?;
        if matches!(event, Event::Eof) {
            break;
        }
        match (&mut children, &event) {
            (None, Event::Start(e)) if e.name().as_ref() == parent => {
                writer.write_event(event.borrow())?;
                children = Some(vec![]);
                depth = 0;
            }
            (Some(list), Event::End(e)) if depth == 0 && e.name().as_ref() == parent => {
                list.sort_by_key(|(r, _)| *r);
                for (_, bytes) in list.drain(..) {
                    writer.get_mut().extend_from_slice(&bytes);
                }
                children = None;
                writer.write_event(event.borrow())?;
            }
            (Some(list), _) => {
                if depth == 0 {
                    let name_rank = match &event {
                        Event::Start(e) => Some(rank(e.name().as_ref())),
                        Event::Empty(e) => Some(rank(e.name().as_ref())),
                        _ => None,
                    };
                    match (&event, name_rank) {
                        (Event::Empty(_), Some(r)) => {
                            let mut w = Writer::new(vec![]);
                            w.write_event(event.borrow())?;
                            list.push((r, w.into_inner()));
                        }
                        (Event::Start(_), Some(r)) => {
                            let mut w = Writer::new(vec![]);
                            w.write_event(event.borrow())?;
                            child = Some((r, w));
                            depth = 1;
                        }
                        // Whitespace between children: dropped.
                        _ => {}
                    }
                } else if let Some((r, w)) = &mut child {
                    w.write_event(event.borrow())?;
                    match &event {
                        Event::Start(_) => depth += 1,
                        Event::End(_) => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        let (r, w) = (*r, std::mem::replace(w, Writer::new(vec![])));
                        list.push((r, w.into_inner()));
                        child = None;
                    }
                }
            }
            (None, _) => writer.write_event(event.borrow())?,
        }
    }
    Ok(writer.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_properties_follow_the_schema() {
        let xml = br#"<w:p><w:pPr><w:rPr><w:b/></w:rPr><w:pStyle w:val="Normal"/><w:jc w:val="center"/><w:ind w:left="0"/><w:spacing w:after="120"/><w:keepNext/><w:widowControl w:val="1"/></w:pPr><w:r><w:t>x</w:t></w:r></w:p>"#;
        let out = String::from_utf8(order_children(xml, b"w:pPr", &PPR_ORDER).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"<w:p><w:pPr><w:pStyle w:val="Normal"/><w:keepNext/><w:widowControl w:val="1"/><w:spacing w:after="120"/><w:ind w:left="0"/><w:jc w:val="center"/><w:rPr><w:b/></w:rPr></w:pPr><w:r><w:t>x</w:t></w:r></w:p>"#
        );
    }

    #[test]
    fn each_note_opens_with_its_mark() {
        let xml = br#"<w:footnotes x="1"><w:footnote w:id="1"><w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:t>A</w:t></w:r></w:p></w:footnote><w:footnote w:id="2"><w:p><w:r><w:t>B</w:t></w:r></w:p></w:footnote></w:footnotes>"#;
        let out = String::from_utf8(footnote_marks(xml)).unwrap();
        assert!(out.starts_with(r#"<w:footnotes x="1"><w:footnote w:type="separator" w:id="-1">"#));
        assert_eq!(out.matches("<w:footnoteRef/>").count(), 2);
        let a = out.find("<w:t>A</w:t>").unwrap();
        let first_ref = out.find("<w:footnoteRef/>").unwrap();
        assert!(first_ref < a && first_ref > out.find("</w:pPr>").unwrap());
        assert!(out.ends_with("</w:footnotes>"));
    }
}
