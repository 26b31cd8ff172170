//! Word drafts (`.docx`) read into the free composer's fields.
//!
//! The reader walks `word/document.xml` (with `numbering.xml` for bullets and
//! `footnotes.xml` for notes) and turns it into lines: a paragraph is one line of the
//! body markup (its heading style gives `#`/`##`/`###`, bold and italic runs `**`/`*`,
//! a bullet `- `, a footnote `[^n]`), a table of the body becomes a pipe table (merged
//! cells `<` and `^`). Tables that hold the document's frame (the header with the
//! national motto, the signature block with "Nơi nhận") are read as their paragraphs.
//!
//! The lines are then read in the order of Nghị định 30's layout: issuer, number,
//! subject, place and date, the kind's title, "Kính gửi", the decision's authority and
//! grounds, the body, "Nơi nhận", the signer. The issuer and the signer are matched by
//! name against the stored agencies and people. What the reader keeps as body text or
//! leaves out (images, text boxes) is listed in [`Uploaded::notes`].

use std::collections::HashMap;
use std::io::Read;

use roxmltree::Node;

use super::drafts::DraftError;
use super::forms::FieldError;
use crate::store::Store;
use crate::text::fold_key;
use layout::{layout, strip_stars};

mod budget;
mod layout;

pub(super) use layout::{match_agency, match_person};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The largest numbering or footnotes part read (the body's is
/// [`budget::MAX_PART_BYTES`]).
const MAX_SIDE_PART_BYTES: u64 = 2 * 1024 * 1024;
/// The most columns a table cell may span when its table declares no grid.
const MAX_COLUMNS: usize = 64;

/// What an upload gave: the composer's fields and what the reader could not place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Uploaded {
    pub fields: std::collections::BTreeMap<String, String>,
    /// Parts kept as body paragraphs or left out, in words, for the drafter to check.
    pub notes: Vec<String>,
}

fn refused(message: impl Into<String>) -> DraftError {
    DraftError::Invalid(vec![FieldError {
        field: String::new(),
        message: message.into(),
    }])
}

/// One line of the document as read.
#[derive(Debug, Default, Clone)]
struct Line {
    /// The text without formatting (for recognising the frame).
    plain: String,
    /// The text in the body markup.
    markup: String,
    heading: Option<usize>,
    bullet: bool,
    numbered: bool,
    /// A body table, already in the markup.
    table: Option<String>,
}

impl Line {
    fn blank(&self) -> bool {
        self.table.is_none() && self.plain.trim().is_empty()
    }
}

/// Reads a Word draft.
pub fn read(store: &Store, bytes: &[u8]) -> Result<Uploaded, DraftError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
        refused("tệp .docx không mở được (không phải tệp Word .docx, hoặc tệp hỏng); hãy lưu lại bằng Word dạng .docx")
    })?;
    let document =
        part(&mut zip, "word/document.xml", budget::MAX_PART_BYTES)?.ok_or_else(|| {
            refused("tệp .docx không có phần nội dung (word/document.xml); hãy lưu lại bằng Word")
        })?;
    let numbering = part(&mut zip, "word/numbering.xml", MAX_SIDE_PART_BYTES)?;
    let footnotes = part(&mut zip, "word/footnotes.xml", MAX_SIDE_PART_BYTES)?;
    let styles = part(&mut zip, "word/styles.xml", MAX_SIDE_PART_BYTES)?;
    let mut reader = Reader {
        bullets: numbering.as_deref().map(bullet_lists).unwrap_or_default(),
        style_lists: styles.as_deref().map(style_lists).unwrap_or_default(),
        footnotes: footnotes.as_deref().map(footnote_texts).unwrap_or_default(),
        used_notes: vec![],
        notes: vec![],
    };
    let doc =
        tree(&document).map_err(|e| refused(format!("nội dung tệp .docx không đọc được: {e}")))?;
    let body = doc
        .root_element()
        .children()
        .find(|n| is(n, "body"))
        .ok_or_else(|| refused("tệp .docx không có thân văn bản (w:body)"))?;
    let mut lines = vec![];
    reader.block(body, &mut lines)?;
    let mut up = layout(store, &lines, &mut reader.notes)?;
    if !reader.used_notes.is_empty() {
        let defs: Vec<String> = reader
            .used_notes
            .iter()
            .map(|id| {
                let text = reader.footnotes.get(id).cloned().unwrap_or_default();
                format!("[^{id}]: {text}")
            })
            .collect();
        if let Some(body) = up.fields.get_mut("body") {
            body.push_str("\n\n");
            body.push_str(&defs.join("\n"));
        }
    }
    up.notes.append(&mut reader.notes);
    Ok(up)
}

/// The text of part `name`, at most `max` bytes uncompressed (read no further), that
/// passes [`budget::scan`].
fn part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    max: u64,
) -> Result<Option<String>, DraftError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(refused(format!("tệp .docx hỏng ({name}): {e}"))),
    };
    // Sized once from the declared size (never past the cap): no doubling to twice it.
    let mut text = String::with_capacity(file.size().min(max + 1) as usize);
    file.take(max + 1)
        .read_to_string(&mut text)
        .map_err(|e| refused(format!("tệp .docx hỏng ({name}): {e}")))?;
    if text.len() as u64 > max {
        return Err(refused(format!(
            "phần {name} của tệp .docx lớn quá {} MB khi giải nén: quá lớn cho một văn bản; hãy tách thành nhiều văn bản",
            max / (1024 * 1024)
        )));
    }
    budget::scan(name, &text).map_err(|e| refused(e.0))?;
    Ok(Some(text))
}

/// The tree of a part that passed [`budget::scan`] (capped again, as a second wall).
fn tree(xml: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            nodes_limit: budget::MAX_NODES as u32,
            ..roxmltree::ParsingOptions::default()
        },
    )
}

fn is(n: &Node, name: &str) -> bool {
    n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(W)
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is(c, name))
}

fn val<'a>(n: Node<'a, '_>) -> Option<&'a str> {
    n.attribute((W, "val"))
}

/// A toggle property (`<w:b/>`, `<w:b w:val="0"/>`).
fn on(props: Option<Node>, name: &str) -> bool {
    props
        .and_then(|p| child(p, name))
        .is_some_and(|b| !matches!(val(b), Some("0" | "false" | "off")))
}

/// The lists (numId) whose first level is a bullet.
fn bullet_lists(xml: &str) -> HashMap<String, bool> {
    let Ok(doc) = tree(xml) else {
        return HashMap::new();
    };
    let root = doc.root_element();
    let mut abstract_bullet = HashMap::new();
    for a in root.children().filter(|n| is(n, "abstractNum")) {
        let id = a.attribute((W, "abstractNumId")).unwrap_or("").to_string();
        let bullet = a
            .children()
            .find(|l| is(l, "lvl"))
            .and_then(|l| child(l, "numFmt"))
            .and_then(val)
            == Some("bullet");
        abstract_bullet.insert(id, bullet);
    }
    root.children()
        .filter(|n| is(n, "num"))
        .filter_map(|n| {
            let id = n.attribute((W, "numId"))?.to_string();
            let a = child(n, "abstractNumId").and_then(val)?;
            Some((id, abstract_bullet.get(a).copied().unwrap_or(false)))
        })
        .collect()
}

/// The list (numId) of each paragraph style that has one, its own or inherited
/// through `basedOn` (at most a few steps: a loop of styles ends the search).
fn style_lists(xml: &str) -> HashMap<String, String> {
    let Ok(doc) = tree(xml) else {
        return HashMap::new();
    };
    let mut own = HashMap::new();
    let mut based = HashMap::new();
    for st in doc.root_element().children().filter(|n| is(n, "style")) {
        let Some(id) = st.attribute((W, "styleId")) else {
            continue;
        };
        if let Some(num) = child(st, "pPr")
            .and_then(|p| child(p, "numPr"))
            .and_then(|n| child(n, "numId"))
            .and_then(val)
        {
            own.insert(id.to_string(), num.to_string());
        }
        if let Some(parent) = child(st, "basedOn").and_then(val) {
            based.insert(id.to_string(), parent.to_string());
        }
    }
    let mut out = own.clone();
    for id in based.keys() {
        let mut at = id.as_str();
        for _ in 0..8 {
            if let Some(num) = own.get(at) {
                out.entry(id.clone()).or_insert_with(|| num.clone());
                break;
            }
            match based.get(at) {
                Some(p) => at = p,
                None => break,
            }
        }
    }
    out
}

/// The plain text of each footnote by id.
fn footnote_texts(xml: &str) -> HashMap<String, String> {
    let Ok(doc) = tree(xml) else {
        return HashMap::new();
    };
    doc.root_element()
        .children()
        .filter(|n| is(n, "footnote"))
        .filter_map(|n| {
            let id = n.attribute((W, "id"))?.to_string();
            let text: String = n
                .descendants()
                .filter(|t| is(t, "t"))
                .filter_map(|t| t.text())
                .collect();
            Some((id, text.trim().to_string())).filter(|(_, t)| !t.is_empty())
        })
        .collect()
}

struct Reader {
    bullets: HashMap<String, bool>,
    /// The list (numId) a paragraph style puts its paragraphs in (Word's "List
    /// Bullet" style: the bullet is the style's, not the paragraph's).
    style_lists: HashMap<String, String>,
    footnotes: HashMap<String, String>,
    used_notes: Vec<String>,
    notes: Vec<String>,
}

impl Reader {
    /// The paragraphs and tables of a body, a cell or a content control, in order.
    /// (Recursive: [`budget::scan`] has bounded how deep tables and controls nest.)
    fn block(&mut self, node: Node, out: &mut Vec<Line>) -> Result<(), DraftError> {
        for n in node.children().filter(Node::is_element) {
            if is(&n, "p") {
                out.push(self.paragraph(n));
            } else if is(&n, "tbl") {
                self.table(n, out)?;
            } else if is(&n, "sdt")
                && let Some(c) = child(n, "sdtContent")
            {
                self.block(c, out)?;
            }
        }
        Ok(())
    }

    fn paragraph(&mut self, p: Node) -> Line {
        let props = child(p, "pPr");
        let style = props.and_then(|x| child(x, "pStyle")).and_then(val);
        let heading = style.and_then(|s| {
            let s = s.to_lowercase().replace(' ', "");
            let n = s.strip_prefix("heading")?.parse::<usize>().ok()?;
            Some(n.clamp(1, 3))
        });
        let numbering = props.and_then(|x| child(x, "numPr"));
        let list = numbering
            .and_then(|n| child(n, "numId"))
            .and_then(val)
            .or_else(|| {
                style
                    .and_then(|s| self.style_lists.get(s))
                    .map(String::as_str)
            });
        let (bullet, numbered) = match list {
            Some("0") | None => (false, false),
            Some(id) => {
                let b = self.bullets.get(id).copied().unwrap_or(true);
                (b, !b)
            }
        };
        // Runs with the same emphasis are joined before they are marked.
        let mut spans: Vec<(String, bool, bool)> = vec![];
        let mut plain = String::new();
        for r in p.descendants().filter(|n| is(n, "r")) {
            let rp = child(r, "rPr");
            let (b, i) = (on(rp, "b"), on(rp, "i"));
            let mut text = String::new();
            for x in r.children().filter(Node::is_element) {
                if is(&x, "t") {
                    text.push_str(x.text().unwrap_or(""));
                } else if is(&x, "tab") {
                    text.push('\t');
                } else if is(&x, "br") {
                    text.push(' ');
                } else if is(&x, "footnoteReference") {
                    if let Some(id) = x.attribute((W, "id")) {
                        text.push_str(&format!("[^{id}]"));
                        self.used_notes.push(id.to_string());
                    }
                } else if is(&x, "drawing") || is(&x, "pict") || is(&x, "object") {
                    self.note(
                        "một hình ảnh hay đối tượng nhúng bị bỏ qua (văn bản chỉ giữ chữ và bảng)",
                    );
                }
            }
            if r.descendants().any(|n| is(&n, "txbxContent")) {
                self.note("chữ trong hộp văn bản (text box) bị bỏ qua");
                continue;
            }
            plain.push_str(&text);
            match spans.last_mut() {
                Some(last) if last.1 == b && last.2 == i => last.0.push_str(&text),
                _ => spans.push((text, b, i)),
            }
        }
        let markup = spans
            .iter()
            .map(|(t, b, i)| emphasise(t, *b && heading.is_none(), *i))
            .collect::<String>();
        Line {
            plain: plain.trim().to_string(),
            markup: markup.trim().to_string(),
            heading,
            bullet,
            numbered,
            table: None,
        }
    }

    fn table(&mut self, t: Node, out: &mut Vec<Line>) -> Result<(), DraftError> {
        // A cell spans at most the table's grid (its declared columns).
        let grid = child(t, "tblGrid")
            .map(|g| g.children().filter(|c| is(c, "gridCol")).count())
            .filter(|&n| n > 0)
            .unwrap_or(MAX_COLUMNS)
            .min(MAX_COLUMNS);
        let mut rows: Vec<Vec<(Vec<Line>, usize, bool)>> = vec![];
        for tr in t.children().filter(|n| is(n, "tr")) {
            let mut row = vec![];
            for tc in tr.children().filter(|n| is(n, "tc")) {
                let props = child(tc, "tcPr");
                let raw_span = props.and_then(|p| child(p, "gridSpan")).and_then(val);
                let span = match raw_span.map(|v| v.trim().parse::<u64>()) {
                    None => 1,
                    Some(Ok(n)) if (1..=grid as u64).contains(&n) => n as usize,
                    Some(_) => {
                        let shown: String = raw_span.unwrap_or("").chars().take(20).collect();
                        return Err(refused(format!(
                            "tệp .docx có ô bảng gộp \"{shown}\" cột trong khi bảng chỉ có {grid} cột; hãy sửa bảng trong Word rồi lưu lại"
                        )));
                    }
                };
                let merged_up = props
                    .and_then(|p| child(p, "vMerge"))
                    .is_some_and(|m| val(m) != Some("restart"));
                let mut lines = vec![];
                self.block(tc, &mut lines)?;
                row.push((lines, span, merged_up));
            }
            rows.push(row);
        }
        let frame = rows.iter().flatten().flat_map(|c| &c.0).any(|l| {
            let f = fold_key(&strip_stars(&l.plain));
            f.starts_with("cộng hòa xã hội")
                || f.starts_with("cộng hoà xã hội")
                || f.starts_with("nơi nhận")
                || f.starts_with("số:")
        });
        if frame {
            for cell in rows.iter().flatten() {
                out.extend(cell.0.iter().cloned());
                out.push(Line::default());
            }
            return Ok(());
        }
        let mut md = vec![];
        for (r, row) in rows.iter().enumerate() {
            let mut cells = vec![];
            for (lines, span, up) in row {
                let text = if *up {
                    "^".to_string()
                } else {
                    let joined = lines
                        .iter()
                        .filter(|l| !l.blank())
                        .map(|l| l.markup.replace('|', "\\|"))
                        .collect::<Vec<_>>()
                        .join(" ");
                    if joined.is_empty() {
                        " ".into()
                    } else {
                        joined
                    }
                };
                cells.push(text);
                cells.extend(std::iter::repeat_n("<".to_string(), span.saturating_sub(1)));
            }
            md.push(format!("| {} |", cells.join(" | ")));
            if r == 0 {
                md.push(format!("|{}", "---|".repeat(cells.len())));
            }
        }
        if !md.is_empty() {
            out.push(Line {
                table: Some(md.join("\n")),
                ..Line::default()
            });
        }
        Ok(())
    }

    fn note(&mut self, n: &str) {
        if !self.notes.iter().any(|x| x == n) {
            self.notes.push(n.to_string());
        }
    }
}

/// A run's text with its emphasis as markup; spaces stay outside the markers.
fn emphasise(text: &str, bold: bool, italic: bool) -> String {
    let marker = match (bold, italic) {
        (true, true) => "***",
        (true, false) => "**",
        (false, true) => "*",
        (false, false) => return text.to_string(),
    };
    let core = text.trim();
    if core.is_empty() {
        return text.to_string();
    }
    let lead = &text[..text.len() - text.trim_start().len()];
    let trail = &text[text.trim_end().len()..];
    format!("{lead}{marker}{core}{marker}{trail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_keeps_spaces_outside() {
        assert_eq!(
            emphasise(" trước ngày 30/10 ", true, false),
            " **trước ngày 30/10** "
        );
        assert_eq!(emphasise("x", true, true), "***x***");
        assert_eq!(emphasise("  ", true, false), "  ");
    }
}
