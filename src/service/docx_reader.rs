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
use super::upload::Uploaded;
use crate::model::DocKind;
use crate::store::Store;
use crate::text::fold_key;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The largest part read out of the archive (a zip bomb stops here).
const MAX_PART_BYTES: u64 = 32 * 1024 * 1024;

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
    let document = part(&mut zip, "word/document.xml")?.ok_or_else(|| {
        refused("tệp .docx không có phần nội dung (word/document.xml); hãy lưu lại bằng Word")
    })?;
    let numbering = part(&mut zip, "word/numbering.xml")?;
    let footnotes = part(&mut zip, "word/footnotes.xml")?;
    let mut reader = Reader {
        bullets: numbering.as_deref().map(bullet_lists).unwrap_or_default(),
        footnotes: footnotes.as_deref().map(footnote_texts).unwrap_or_default(),
        used_notes: vec![],
        notes: vec![],
    };
    let doc = roxmltree::Document::parse(&document)
        .map_err(|e| refused(format!("nội dung tệp .docx không đọc được: {e}")))?;
    let body = doc
        .root_element()
        .children()
        .find(|n| is(n, "body"))
        .ok_or_else(|| refused("tệp .docx không có thân văn bản (w:body)"))?;
    let mut lines = vec![];
    reader.block(body, &mut lines);
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

fn part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<String>, DraftError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(refused(format!("tệp .docx hỏng ({name}): {e}"))),
    };
    let mut text = String::new();
    file.take(MAX_PART_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| refused(format!("tệp .docx hỏng ({name}): {e}")))?;
    Ok(Some(text))
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
    let Ok(doc) = roxmltree::Document::parse(xml) else {
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

/// The plain text of each footnote by id.
fn footnote_texts(xml: &str) -> HashMap<String, String> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
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
    footnotes: HashMap<String, String>,
    used_notes: Vec<String>,
    notes: Vec<String>,
}

impl Reader {
    /// The paragraphs and tables of a body, a cell or a content control, in order.
    fn block(&mut self, node: Node, out: &mut Vec<Line>) {
        for n in node.children().filter(Node::is_element) {
            if is(&n, "p") {
                out.push(self.paragraph(n));
            } else if is(&n, "tbl") {
                self.table(n, out);
            } else if is(&n, "sdt")
                && let Some(c) = child(n, "sdtContent")
            {
                self.block(c, out);
            }
        }
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
        let (bullet, numbered) = match numbering.and_then(|n| child(n, "numId")).and_then(val) {
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

    fn table(&mut self, t: Node, out: &mut Vec<Line>) {
        let rows: Vec<Vec<(Vec<Line>, usize, bool)>> = t
            .children()
            .filter(|n| is(n, "tr"))
            .map(|tr| {
                tr.children()
                    .filter(|n| is(n, "tc"))
                    .map(|tc| {
                        let props = child(tc, "tcPr");
                        let span = props
                            .and_then(|p| child(p, "gridSpan"))
                            .and_then(val)
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1usize);
                        let merged_up = props
                            .and_then(|p| child(p, "vMerge"))
                            .is_some_and(|m| val(m) != Some("restart"));
                        let mut lines = vec![];
                        self.block(tc, &mut lines);
                        (lines, span, merged_up)
                    })
                    .collect()
            })
            .collect();
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
            return;
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

fn strip_stars(s: &str) -> String {
    s.replace("**", "").trim().to_string()
}

fn upper(s: &str) -> bool {
    s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase)
}

/// `- Như trên;` → `Như trên`; a Word bullet paragraph ("Như trên;" with a bullet
/// from the numbering) likewise.
fn list_item(line: &Line, s: &str) -> Option<String> {
    let rest = s
        .strip_prefix("- ")
        .or_else(|| s.strip_prefix("+ "))
        .or(line.bullet.then_some(s))?;
    Some(
        rest.trim()
            .trim_end_matches([';', '.', ','])
            .trim()
            .to_string(),
    )
}

/// `Quảng Bình, ngày 17 tháng 5 năm 2021` → 2021-05-17 (None when a part is blank).
fn date_line(s: &str) -> Option<Option<String>> {
    let f = s.replace('*', "");
    let at = f.find("ngày")?;
    let rest = &f[at..];
    if !(rest.contains("tháng") && rest.contains("năm")) {
        return None;
    }
    let number_after = |word: &str| -> Option<u32> {
        let i = rest.find(word)? + word.len();
        rest[i..]
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse().ok())
    };
    let date = match (
        number_after("ngày"),
        number_after("tháng"),
        number_after("năm"),
    ) {
        (Some(d), Some(m), Some(y)) => chrono::NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => None,
    };
    Some(date.map(|d| d.to_string()))
}

fn authority_line(s: &str) -> bool {
    ["KT.", "TM.", "TL.", "TUQ.", "Q.", "UQ."]
        .iter()
        .any(|p| s.starts_with(p))
}

#[derive(PartialEq)]
enum Phase {
    Header,
    Subject,
    TitleSubject,
    Addressees,
    Preamble,
    Body,
    Recipients,
    Signature,
    /// After the signer's name: an annex (its title, then its body).
    Annex,
}

/// Reads the lines in the order of the layout into the composer's fields.
fn layout(store: &Store, lines: &[Line], notes: &mut Vec<String>) -> Result<Uploaded, DraftError> {
    let mut issuer_lines = vec![];
    let mut subject = vec![];
    let mut kind: Option<&'static str> = None;
    let mut date = None;
    let mut addressees = vec![];
    let mut authority = None;
    let mut grounds = vec![];
    let mut proposal = None;
    let mut body: Vec<&Line> = vec![];
    let mut recipients = vec![];
    let mut signature = vec![];
    let mut annex_title: Option<String> = None;
    let mut annex: Vec<&Line> = vec![];
    let mut phase = Phase::Header;
    for line in lines {
        let plain = strip_stars(&line.plain);
        let folded = fold_key(&plain);
        if line.blank() {
            match phase {
                Phase::Subject | Phase::TitleSubject => phase = Phase::Header,
                Phase::Body => body.push(line),
                Phase::Annex => annex.push(line),
                _ => {}
            }
            continue;
        }
        if phase != Phase::Body && phase != Phase::Recipients && phase != Phase::Signature {
            if folded.starts_with("cộng hòa xã hội")
                || folded.starts_with("cộng hoà xã hội")
                || folded.starts_with("độc lập - tự do")
                || folded.starts_with("độc lập – tự do")
                || plain
                    .chars()
                    .all(|c| c == '-' || c == '_' || c.is_whitespace())
            {
                phase = Phase::Header;
                continue;
            }
            if folded.starts_with("số:") || folded.starts_with("số ") && plain.contains('/') {
                phase = Phase::Header;
                continue;
            }
            if let Some(d) = date_line(&plain).filter(|_| plain.len() < 120) {
                date = d;
                phase = Phase::Header;
                continue;
            }
            if plain.starts_with("V/v") || plain.starts_with("v/v") {
                subject.push(plain.clone());
                kind = kind.or(Some("công văn"));
                phase = Phase::Subject;
                continue;
            }
            if let Some(k) = upper(&plain)
                .then(|| DocKind::parse(&plain.to_lowercase()))
                .flatten()
                .filter(|_| kind.is_none() || subject.is_empty())
            {
                kind = Some(k.name());
                phase = Phase::TitleSubject;
                continue;
            }
            if folded.starts_with("kính gửi") {
                let rest = plain
                    .split_once(':')
                    .map(|(_, r)| r.trim())
                    .unwrap_or_default();
                if !rest.is_empty() {
                    addressees.push(rest.trim_end_matches(['.', ';']).to_string());
                }
                phase = Phase::Addressees;
                continue;
            }
            if folded.starts_with("quyết định:") {
                phase = Phase::Body;
                continue;
            }
            if folded.starts_with("căn cứ") {
                grounds.push(plain.trim_end_matches([';', '.', ',']).to_string());
                phase = Phase::Preamble;
                continue;
            }
            if folded.starts_with("theo đề nghị") || folded.starts_with("xét đề nghị") {
                proposal = Some(plain.trim_end_matches([';', '.', ',']).to_string());
                phase = Phase::Preamble;
                continue;
            }
            match phase {
                Phase::Subject | Phase::TitleSubject => {
                    subject.push(plain);
                    continue;
                }
                Phase::Addressees => {
                    if let Some(a) = list_item(line, &plain) {
                        addressees.push(a);
                        continue;
                    }
                    phase = Phase::Body;
                }
                Phase::Header if upper(&plain) && date.is_none() && subject.is_empty() => {
                    issuer_lines.push(plain);
                    continue;
                }
                Phase::Header | Phase::Preamble
                    if upper(&plain) && kind == Some("quyết định") && authority.is_none() =>
                {
                    authority = Some(plain);
                    continue;
                }
                _ => phase = Phase::Body,
            }
        }
        if folded.starts_with("nơi nhận") {
            phase = Phase::Recipients;
            continue;
        }
        match phase {
            Phase::Recipients => match list_item(line, &plain) {
                Some(r) => recipients.push(r),
                None => {
                    phase = Phase::Signature;
                    signature.push(plain);
                }
            },
            // Authority and title lines are upper case; the name that ends the block is not.
            Phase::Signature if upper(&plain) || authority_line(&plain) => signature.push(plain),
            Phase::Signature => {
                signature.push(plain);
                phase = Phase::Annex;
            }
            Phase::Annex => {
                if folded.starts_with("(kèm theo") {
                    continue;
                }
                if annex_title.is_none() && line.table.is_none() {
                    annex_title = Some(plain);
                } else {
                    annex.push(line);
                }
            }
            _ if authority_line(&plain) && upper(&plain) => {
                phase = Phase::Signature;
                signature.push(plain);
            }
            _ => body.push(line),
        }
    }

    let mut fields = std::collections::BTreeMap::new();
    if let Some(k) = kind {
        fields.insert("kind".into(), k.to_string());
    }
    if let Some(d) = date {
        fields.insert("date".into(), d);
    }
    let put_lines =
        |fields: &mut std::collections::BTreeMap<String, String>, k: &str, v: &[String]| {
            if !v.is_empty() {
                fields.insert(k.to_string(), v.join("\n"));
            }
        };
    put_lines(&mut fields, "subject", &subject);
    put_lines(&mut fields, "addressees", &addressees);
    put_lines(&mut fields, "grounds", &grounds);
    put_lines(&mut fields, "recipients", &recipients);
    if let Some(a) = authority {
        fields.insert("authority".into(), a);
    }
    if let Some(p) = proposal {
        fields.insert("proposal".into(), p);
    }
    let body = body_markup(&body);
    if !body.is_empty() {
        fields.insert("body".into(), body);
    }
    if let Some(t) = annex_title {
        fields.insert("annex_title".into(), t);
    }
    let annex = body_markup(&annex);
    if !annex.is_empty() {
        fields.insert("annex_body".into(), annex);
    }

    // Who issues and who signs, by name.
    let issuer = (!issuer_lines.is_empty())
        .then(|| match_agency(store, &issuer_lines.join(" ")))
        .transpose()?
        .flatten();
    let name = signature.iter().rev().find(|l| !upper(l)).cloned();
    let signer = match &name {
        Some(n) if !upper(n) => match_person(store, n, issuer.as_deref())?,
        _ => None,
    };
    let issuer = match (issuer, &signer) {
        (Some(i), _) => Some(i),
        (None, Some((_, agency))) => {
            notes.push(format!(
                "cơ quan ban hành lấy theo người ký ({agency}); hãy kiểm tra"
            ));
            Some(agency.clone())
        }
        (None, None) => None,
    };
    match &issuer {
        Some(i) => {
            fields.insert("issuer".into(), i.clone());
        }
        None if !issuer_lines.is_empty() => notes.push(format!(
            "không tìm thấy cơ quan \"{}\" trong dữ liệu: hãy chọn cơ quan ban hành",
            issuer_lines.join(" ")
        )),
        None => notes.push("không nhận ra cơ quan ban hành: hãy chọn".into()),
    }
    match (&signer, &name) {
        (Some((id, _)), _) => {
            fields.insert("signer".into(), id.clone());
        }
        (None, Some(n)) => notes.push(format!(
            "không tìm thấy người ký \"{n}\" trong dữ liệu: hãy chọn người ký"
        )),
        (None, None) => notes.push("không nhận ra người ký: hãy chọn".into()),
    }
    if !fields.contains_key("date") {
        notes.push(
            "văn bản chưa ghi ngày: bản nháp lấy ngày hôm nay, hãy sửa ngày ban hành nếu cần"
                .into(),
        );
    }
    Ok(Uploaded {
        fields,
        notes: vec![],
    })
}

/// The body lines as markup: paragraphs apart, list items of one list together.
fn body_markup(lines: &[&Line]) -> String {
    let mut out = String::new();
    let mut prev_item = false;
    let mut prev_blank = true;
    let mut rows: Vec<String> = vec![];
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        i += 1;
        // Lines of tab-separated cells (a table typed with tabs, or kept so by a
        // conversion from text) become one pipe table.
        if l.table.is_none() && l.markup.contains('\t') {
            let cells: Vec<String> = l
                .markup
                .split('\t')
                .map(|c| c.trim().replace('|', "\\|"))
                .collect();
            rows.push(format!("| {} |", cells.join(" | ")));
            if rows.len() == 1 {
                rows.push(format!("|{}", "---|".repeat(cells.len())));
            }
            let next_is_row = lines
                .get(i)
                .is_some_and(|n| n.table.is_none() && n.markup.contains('\t'));
            if next_is_row {
                continue;
            }
        }
        let table = (!rows.is_empty()).then(|| std::mem::take(&mut rows).join("\n"));
        if l.blank() && table.is_none() {
            prev_blank = true;
            continue;
        }
        let text = if let Some(t) = table.as_ref().or(l.table.as_ref()) {
            t.clone()
        } else if let Some(h) = l.heading {
            format!("{} {}", "#".repeat(h), strip_stars(&l.markup))
        } else if l.bullet {
            format!("- {}", l.markup)
        } else if l.numbered {
            format!("1. {}", l.markup)
        } else {
            l.markup.replace('\t', " ")
        };
        let item = l.table.is_none()
            && table.is_none()
            && (l.bullet || l.numbered || text.starts_with("- ") || text.starts_with("+ "));
        if !out.is_empty() {
            out.push_str(if item && prev_item && !prev_blank {
                "\n"
            } else {
                "\n\n"
            });
        }
        out.push_str(&text);
        prev_item = item;
        prev_blank = false;
    }
    out
}

/// The stored agency whose printed name the header holds (the longest that matches).
pub(super) fn match_agency(store: &Store, header: &str) -> Result<Option<String>, DraftError> {
    let header = fold_key(header);
    let mut stmt = store
        .conn()
        .prepare("SELECT id, name, place FROM agencies")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    // Two departments of one name (Sở Nông nghiệp … of two provinces) are told apart by
    // their place in the line above ("UBND TỈNH BẮC GIANG").
    let mut best: Option<(usize, String)> = None;
    for row in rows {
        let (id, name, place) = row?;
        let name = fold_key(&name.replace('\n', " "));
        let place = fold_key(&place);
        let score = name.len()
            + if !place.is_empty() && header.contains(&place) {
                1000
            } else {
                0
            };
        if !name.is_empty()
            && header.contains(&name)
            && best.as_ref().is_none_or(|(n, _)| score > *n)
        {
            best = Some((score, id));
        }
    }
    Ok(best.map(|(_, id)| id))
}

/// The stored person of that name (of `issuer` first): their id and agency.
pub(super) fn match_person(
    store: &Store,
    name: &str,
    issuer: Option<&str>,
) -> Result<Option<(String, String)>, DraftError> {
    let wanted = fold_key(name);
    let mut stmt = store
        .conn()
        .prepare("SELECT id, agency_id, name FROM people")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut found: Vec<(String, String)> = vec![];
    for row in rows {
        let (id, agency, n) = row?;
        if fold_key(&n) == wanted {
            found.push((id, agency));
        }
    }
    found.sort_by_key(|(_, a)| Some(a.as_str()) != issuer);
    Ok(found.into_iter().next())
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

    #[test]
    fn dates_and_items_are_read() {
        assert_eq!(
            date_line("Quảng Bình, ngày **17** tháng **5** năm 2021"),
            Some(Some("2021-05-17".into()))
        );
        assert_eq!(date_line("Bắc Giang, ngày tháng 9 năm 2020"), Some(None));
        assert_eq!(date_line("Đề nghị các đơn vị"), None);
        let typed = Line::default();
        assert_eq!(
            list_item(&typed, "- Như trên;").as_deref(),
            Some("Như trên")
        );
        assert_eq!(
            list_item(&typed, "- Lưu: VT, KT.").as_deref(),
            Some("Lưu: VT, KT")
        );
        assert_eq!(list_item(&typed, "Lưu: VT, KT."), None);
        let bullet = Line {
            bullet: true,
            ..Line::default()
        };
        assert_eq!(
            list_item(&bullet, "Lưu: VT, KT.").as_deref(),
            Some("Lưu: VT, KT")
        );
    }
}
