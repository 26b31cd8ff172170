//! What the layout reads from `/data.json`: the document, its marks, stamps,
//! signature box and annexes, shaped for `templates/layout/nd30.typ`.

use serde::Serialize;

use crate::model::{Block, Document};
use crate::render::{Marks, Profile, RenderError};

/// What the layout reads from `/data.json`: the document with every line already
/// formatted by the model, so the layout only places it.
#[derive(Serialize)]
pub(super) struct LayoutData<'a> {
    pub(super) profile: &'a Profile,
    pub(super) geometry: crate::render::geometry::Geometry,
    pub(super) meta: Meta,
    pub(super) parent: Vec<String>,
    pub(super) agency: Vec<String>,
    /// A People's Committee has no parent line: its whole name is bold.
    pub(super) number_line: String,
    pub(super) date_line: String,
    /// ô 10a and 10b: the secrecy and urgency stamps.
    pub(super) secrecy: Option<Stamp>,
    pub(super) urgency: Option<Stamp>,
    /// ô 11, ô 12, ô 13.
    pub(super) circulation: Option<&'static str>,
    pub(super) drafter: Option<String>,
    pub(super) address: Vec<String>,
    pub(super) kind_title: Option<String>,
    pub(super) subject: Vec<String>,
    pub(super) addressees: Vec<String>,
    pub(super) authority: Option<String>,
    pub(super) grounds: Vec<String>,
    pub(super) body: &'a [Block],
    pub(super) recipients: Vec<String>,
    pub(super) signature: Vec<String>,
    pub(super) signer: String,
    pub(super) annexes: Vec<AnnexData<'a>>,
    /// The images of an electronic document's signatures; none for a draft.
    pub(super) marks: Option<MarksData>,
}

/// A stamp in a frame of a prescribed size (millimetres).
#[derive(Serialize)]
pub(super) struct Stamp {
    pub(super) label: &'static str,
    pub(super) width_mm: f64,
    pub(super) height_mm: f64,
}

impl Stamp {
    pub(super) fn of(label: &'static str, (width_mm, height_mm): (f64, f64)) -> Stamp {
        Stamp {
            label,
            width_mm,
            height_mm,
        }
    }
}

/// Where the layout places the images, in millimetres.
#[derive(Serialize)]
pub(super) struct MarksData {
    /// The signature image's box (width, height), centred in the signature space.
    pub(super) signature: Option<(f64, f64)>,
    /// The seal's diameter; it covers the left third of the signature image.
    pub(super) seal: Option<f64>,
}

/// Gives every text run of the layout data (body, annexes, tables, footnotes) its
/// text in [`super::pieces`], which the layout prints.
pub(super) fn add_pieces(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("kind").and_then(|k| k.as_str()) == Some("text") {
                let text = map.get("text").and_then(|t| t.as_str()).unwrap_or("");
                let pieces = serde_json::json!(crate::render::pieces(text));
                map.insert("pieces".into(), pieces);
            }
            for v in map.values_mut() {
                add_pieces(v);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(add_pieces),
        _ => {}
    }
}

/// Replaces each plain table cell (one line of regular text that may break anywhere,
/// no span, not a heading) by its bare text, which the layout places in the next free
/// position of the grid (the cells come in reading order) with its column's
/// alignment. A 5,000-row annex's layout data shrinks from 4.5 MB to 1 MB, and typst
/// builds one string instead of a dictionary, a run and a piece per cell. Runs with
/// pieces must have been added ([`add_pieces`]).
pub(super) fn compact_cells(cells: &mut [serde_json::Value]) {
    for cell in cells {
        let plain = |c: &serde_json::Value| -> Option<String> {
            if c["header"] != false || c["rowspan"] != 1 || c["colspan"] != 1 {
                return None;
            }
            let [run] = c["runs"].as_array()?.as_slice() else {
                return None;
            };
            let pieces = run["pieces"].as_array()?;
            let breakable = pieces.iter().all(|p| p["nobreak"] == false);
            (run["kind"] == "text" && run["bold"] == false && run["italic"] == false && breakable)
                .then(|| run["text"].as_str().map(str::to_string))
                .flatten()
        };
        if let Some(text) = plain(cell) {
            *cell = serde_json::Value::String(text);
        }
    }
}

/// An annex's "(Kèm theo …)" line in lines of the text width.
pub(super) fn attached_lines(
    line: &str,
    profile: &Profile,
    g: &crate::render::geometry::Geometry,
) -> Vec<String> {
    crate::render::geometry::wrap(
        line,
        profile.body_pt,
        crate::render::geometry::Face::Italic,
        g.text_width,
    )
}

/// The signature image fits 20 mm high and at most 55 mm wide.
pub(super) fn signature_box(width: u32, height: u32) -> (f64, f64) {
    let aspect = width as f64 / height as f64;
    let (w, h) = (20.0 * aspect, 20.0);
    if w > 55.0 {
        (55.0, 55.0 / aspect)
    } else {
        (w, h)
    }
}

#[derive(Serialize)]
pub(super) struct Meta {
    pub(super) title: String,
    pub(super) author: String,
    pub(super) keywords: String,
    pub(super) year: i32,
    pub(super) month: u32,
    pub(super) day: u32,
}

#[derive(Serialize)]
pub(super) struct AnnexData<'a> {
    pub(super) label: String,
    pub(super) title: String,
    /// The "(Kèm theo …)" line, broken as the DOCX breaks it.
    pub(super) attached: Vec<String>,
    pub(super) body: &'a [Block],
}

impl<'a> LayoutData<'a> {
    pub(super) fn new(doc: &'a Document, profile: &'a Profile) -> Self {
        let p = doc.parts();
        let (parent, agency) = doc.issuer_lines();
        let date = doc.date();
        let geometry = crate::render::geometry::Geometry::new(profile);
        LayoutData {
            profile,
            geometry,
            meta: Meta {
                title: doc.subject_one_line(),
                author: doc.issuer_one_line(),
                keywords: doc.number_symbol().replace(crate::text::BLANK_CHAR, ""),
                year: date.year(),
                month: date.month().unwrap_or(1),
                day: date.day().unwrap_or(1),
            },
            parent,
            agency,
            number_line: doc.number_line(),
            date_line: doc.date_line(),
            secrecy: p
                .markings
                .secrecy
                .map(|s| Stamp::of(s.label(), s.frame_mm())),
            urgency: p.urgency.map(|u| Stamp::of(u.label(), u.frame_mm())),
            circulation: p.markings.circulation.map(|c| c.label()),
            drafter: p.markings.drafter.as_ref().map(|m| m.line()),
            address: p
                .markings
                .address
                .iter()
                .map(|l| l.as_str().to_string())
                .collect(),
            kind_title: p.kind.title(),
            subject: crate::render::geometry::subject_lines(doc, profile, &geometry),
            addressees: doc.addressee_lines(),
            authority: p.preamble.as_ref().map(|pre| pre.authority.clone()),
            grounds: doc.ground_lines(),
            body: &p.body,
            recipients: doc.recipient_lines(),
            signature: doc.signature_lines(),
            signer: p.signature.name.trim().to_string(),
            annexes: p
                .annexes
                .iter()
                .enumerate()
                .map(|(i, a)| AnnexData {
                    label: doc.annex_label(i),
                    title: a.title.trim().to_uppercase(),
                    attached: attached_lines(&doc.attached_line(a), profile, &geometry),
                    body: &a.body,
                })
                .collect(),
            marks: None,
        }
    }

    /// The JSON the layout reads, each table's `widths` replaced by its columns in
    /// points ([`crate::render::geometry::column_widths`], as the DOCX's) and its
    /// plain cells given as bare strings ([`compact_cells`]).
    pub(super) fn to_json(&self, doc: &Document) -> Result<Vec<u8>, RenderError> {
        let err = |e: serde_json::Error| RenderError::Layout(e.to_string());
        let mut value = serde_json::to_value(self).map_err(err)?;
        let g = self.geometry;
        let fix = |json: Option<&mut serde_json::Value>, blocks: &[Block]| {
            let Some(serde_json::Value::Array(items)) = json else {
                return;
            };
            for (item, block) in items.iter_mut().zip(blocks) {
                if let Block::Table(t) = block {
                    item["widths"] = serde_json::json!(crate::render::geometry::column_widths(
                        t,
                        self.profile,
                        &g
                    ));
                    if let Some(serde_json::Value::Array(cells)) = item.get_mut("cells") {
                        compact_cells(cells);
                    }
                }
            }
        };
        let parts = doc.parts();
        for field in ["grounds", "addressees"] {
            if let Some(serde_json::Value::Array(items)) = value.get_mut(field) {
                for item in items {
                    let text = item.as_str().unwrap_or("").to_string();
                    *item = serde_json::json!(crate::render::pieces(&text));
                }
            }
        }
        add_pieces(&mut value);
        fix(value.get_mut("body"), &parts.body);
        for (i, annex) in parts.annexes.iter().enumerate() {
            fix(
                value.pointer_mut(&format!("/annexes/{i}/body")),
                &annex.body,
            );
        }
        serde_json::to_vec(&value).map_err(err)
    }

    /// With the images of `marks`; an electronic document's annexes leave the
    /// "(Kèm theo …)" number and date blank (Phụ lục I, III.1).
    pub(super) fn marked(mut self, doc: &Document, marks: Option<&Marks>) -> Self {
        let Some(m) = marks else { return self };
        self.marks = Some(MarksData {
            signature: m
                .signature
                .as_ref()
                .map(|p| signature_box(p.width(), p.height())),
            seal: m.seal.as_ref().map(|s| s.diameter.mm()),
        });
        for (a, annex) in self.annexes.iter_mut().zip(&doc.parts().annexes) {
            a.attached = attached_lines(
                &doc.attached_line_unfilled(annex),
                self.profile,
                &self.geometry,
            );
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cell(header: bool, span: usize, runs: serde_json::Value) -> serde_json::Value {
        let mut c = json!({"row": 0, "col": 0, "rowspan": 1, "colspan": span,
                           "header": header, "runs": runs});
        add_pieces(&mut c);
        c
    }

    fn run(text: &str, bold: bool) -> serde_json::Value {
        json!({"kind": "text", "text": text, "bold": bold, "italic": false})
    }

    #[test]
    fn only_plain_cells_become_bare_text() {
        let mut cells = vec![
            cell(false, 1, json!([run("Mật ong rừng", false)])),
            cell(true, 1, json!([run("Tên sản phẩm", false)])),
            cell(false, 2, json!([run("Cộng", false)])),
            cell(false, 1, json!([run("Tổng", true)])),
            cell(false, 1, json!([run("Số 965/UBND-KT", false)])),
            cell(
                false,
                1,
                json!([run("a", false), {"kind": "break"}, run("b", false)]),
            ),
        ];
        let kept: Vec<_> = cells.clone();
        compact_cells(&mut cells);
        assert_eq!(cells[0], json!("Mật ong rừng"));
        // A heading, a span, bold text, an unbreakable number, two lines: as they were.
        assert_eq!(&cells[1..], &kept[1..]);
    }
}
