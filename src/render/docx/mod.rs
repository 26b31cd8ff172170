//! DOCX through docx-rs: the same page, header, body and footer as the PDF, so that
//! the file a clerk opens in Word or LibreOffice breaks its lines and pages where
//! the PDF does.
//!
//! The measures come from [`Geometry`] (the PDF layout reads the same): every line
//! is set at an exact pitch, every gap is a stated spacing or an empty paragraph of
//! exact height, and the header's columns have the PDF's widths. Every run names
//! "Times New Roman" for all four font slots (ascii, hAnsi, cs, eastAsia). The
//! paragraphs use named styles (Normal for the body, Heading 1–3, Nơi nhận, Chữ ký)
//! so the document edits like one written in Word; each annex is its own section,
//! numbering its own pages. [`finish`] then corrects what docx-rs cannot write.

mod body;
mod finish;
mod page;
mod runs;

use docx_rs::{
    AlignmentType, BorderType, Docx, LineSpacing, LineSpacingType, PageNumType, Paragraph, Section,
    SpecialIndentType, Table as DTable, TableRow,
};

use super::geometry::{self, Face, Geometry, twips};
use super::{Profile, RenderError};
use crate::model::{Annex, Document};
use page::*;
use runs::*;

/// What goes into the document body, in order; a section ends the letter or an
/// annex (all but the last, which the document's own section ends).
enum Part {
    Paragraph(Box<Paragraph>),
    Table(Box<DTable>),
}

/// Collects the parts of one section.
#[derive(Default)]
struct Parts(Vec<Part>);

impl Parts {
    fn add_paragraph(mut self, p: Paragraph) -> Self {
        self.0.push(Part::Paragraph(Box::new(p)));
        self
    }
    fn add_table(mut self, t: DTable) -> Self {
        self.0.push(Part::Table(Box::new(t)));
        self
    }
}

/// Renders the document as a DOCX file.
pub fn render(doc: &Document, profile: &Profile) -> Result<Vec<u8>, RenderError> {
    let g = Geometry::new(profile);
    let date = doc.date();
    let stamp = format!(
        "{:04}-{:02}-{:02}T08:00:00Z",
        date.year(),
        date.month().unwrap_or(1),
        date.day().unwrap_or(1)
    );
    let mut w = body::Writer {
        profile,
        geometry: g,
        footnotes: 0,
        keep_next: false,
    };
    let (numbered, first) = page_headers(profile, &g);
    let mut docx = styles(
        Docx::new()
            .page_size(PAGE_W, PAGE_H)
            .page_margin(page_margin(profile))
            .default_fonts(fonts())
            .default_size(half_points(profile.body_pt))
            .created_at(&stamp)
            .updated_at(&stamp),
        profile,
        &g,
    );

    // The letter, then each annex: one section each.
    let mut sections = vec![letter(doc, profile, &g, &mut w)];
    for (i, a) in doc.parts().annexes.iter().enumerate() {
        sections.push(annex(doc, i, a, profile, &g, &mut w));
    }
    let last = sections.pop().expect("the letter is a section");
    for (i, parts) in sections.into_iter().enumerate() {
        let (numbered, first) = page_headers(profile, &g);
        let mut section = Section::new()
            .page_size(docx_rs::PageSize::new().size(PAGE_W, PAGE_H))
            .page_margin(page_margin(profile))
            .header(numbered)
            .first_header(first)
            .title_pg();
        if i == 0
            && let Some(f) = address_footer(&doc.parts().markings.address, &g)
        {
            section = section.first_footer(f);
        }
        // The letter numbers on from 1; each annex restarts at 1.
        if i > 0 {
            section = section.page_num_type(PageNumType::new().start(1));
        }
        for p in parts.0 {
            section = match p {
                Part::Paragraph(p) => section.add_paragraph(*p),
                Part::Table(t) => section.add_table(*t),
            };
        }
        docx = docx.add_section(section);
    }
    for p in last.0 {
        docx = match p {
            Part::Paragraph(p) => docx.add_paragraph(*p),
            Part::Table(t) => docx.add_table(*t),
        };
    }
    docx = docx.header(numbered).first_header(first).title_pg();
    // The letter is the document's own section when it has no annex.
    if doc.parts().annexes.is_empty()
        && let Some(f) = address_footer(&doc.parts().markings.address, &g)
    {
        docx = docx.first_footer(f);
    }
    if !doc.parts().annexes.is_empty() {
        docx.document.section_property = docx
            .document
            .section_property
            .page_num_type(PageNumType::new().start(1));
    }

    let mut out = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| RenderError::Docx(e.to_string()))?;
    finish::finish(&out.into_inner(), w.footnotes > 0)
}

/// The letter: header (ô 1–5), title, preamble, Kính gửi, body, Nơi nhận and
/// signature.
fn letter(doc: &Document, profile: &Profile, g: &Geometry, w: &mut body::Writer) -> Parts {
    let p = doc.parts();
    let hp = profile.header_pt;
    let pitch = |size| g.pitch(size);
    let center = |text: &str, size: f32, bold: bool, italic: bool| {
        para(AlignmentType::Center, pitch(size), 0.0)
            .add_run(run(text, Style { size, bold, italic }))
    };

    // ---- header: two borderless columns of the PDF's widths ----
    let (parent, agency) = doc.issuer_lines();
    let mut left = vec![];
    for l in &parent {
        left.push(center(l, hp, false, false));
    }
    for l in &agency {
        left.push(center(l, hp, true, false));
    }
    left.push(rule(
        g.left_column,
        (widest(&agency, hp, Face::Bold) * g.agency_rule).min(g.left_column),
    ));
    let motto = geometry::MOTTO.to_string();
    let right = vec![
        center(geometry::NATIONAL_TITLE, hp, true, false),
        center(&motto, profile.motto_pt, true, false),
        rule(
            g.right_column,
            widest(std::slice::from_ref(&motto), profile.motto_pt, Face::Bold),
        ),
    ];
    let row_gap = twips(g.header_row_gap) as u32;
    let before = |p: Paragraph, pt: u32, pitch: f32| {
        p.line_spacing(
            LineSpacing::new()
                .before(pt)
                .after(0)
                .line(twips(pitch))
                .line_rule(LineSpacingType::Exact),
        )
    };
    let mut left2 = vec![before(
        center(&doc.number_line(), hp, false, false),
        row_gap,
        pitch(hp),
    )];
    if p.kind.title().is_none() {
        for (i, l) in geometry::subject_lines(doc, profile, g).iter().enumerate() {
            let line = center(l, profile.subject_pt, false, false);
            left2.push(if i == 0 {
                before(line, twips(g.subject_gap) as u32, pitch(profile.subject_pt))
            } else {
                line
            });
        }
    }
    // The secrecy (ô 10a) and urgency (ô 10b) stamps: bright red, framed. (Word frames
    // the text run; the PDF draws the prescribed 20/30/40 × 8 mm frames.)
    let stamps = p
        .markings
        .secrecy
        .map(|s| s.label())
        .into_iter()
        .chain(p.urgency.map(|u| u.label()));
    for label in stamps {
        let framed = run(
            label,
            Style {
                size: profile.body_pt,
                bold: true,
                italic: false,
            },
        )
        .color(STAMP_RED)
        .text_border(
            docx_rs::TextBorder::new()
                .border_type(BorderType::Single)
                .size(6)
                .space(1)
                .color(STAMP_RED),
        );
        left2.push(before(
            para(AlignmentType::Center, pitch(profile.body_pt), 0.0).add_run(framed),
            80,
            pitch(profile.body_pt),
        ));
    }
    let mut right2 = vec![before(
        center(&doc.date_line(), profile.motto_pt, false, true),
        row_gap,
        pitch(profile.motto_pt),
    )];
    // The circulation instruction (ô 11), framed, under the date.
    if let Some(c) = p.markings.circulation {
        let framed = run(
            c.label(),
            Style {
                size: profile.body_pt,
                bold: true,
                italic: false,
            },
        )
        .text_border(
            docx_rs::TextBorder::new()
                .border_type(BorderType::Single)
                .size(6)
                .space(1)
                .color("000000"),
        );
        right2.push(before(
            para(AlignmentType::Center, pitch(profile.body_pt), 0.0).add_run(framed),
            120,
            pitch(profile.body_pt),
        ));
    }
    let (lw, rw) = (twips(g.left_column), twips(g.right_column));
    // An empty 1 pt paragraph first: LibreOffice lays a page that opens with a table
    // and carries a footnote 22 pt lower without it.
    let mut parts = Parts::default()
        .add_paragraph(spacer(g.page_top))
        .add_table(borderless(
            &[lw, rw],
            vec![
                TableRow::new(vec![cell(lw, left), cell(rw, right)]),
                TableRow::new(vec![cell(lw, left2), cell(rw, right2)]),
            ],
        ))
        .add_paragraph(spacer(g.after_header));

    let body = profile.body_pt;
    // ---- title block ----
    if let Some(title) = p.kind.title() {
        parts = parts.add_paragraph(center(&title, body, true, false));
        let lines = geometry::subject_lines(doc, profile, g);
        for l in &lines {
            parts = parts.add_paragraph(center(l, body, true, false));
        }
        parts = parts
            .add_paragraph(rule(
                g.text_width,
                widest(&lines, body, Face::Bold) * g.title_rule,
            ))
            .add_paragraph(spacer(g.after_title));
    }

    // ---- decision preamble ----
    let gap = profile.paragraph_spacing_pt;
    if let Some(pre) = &p.preamble {
        parts = parts.add_paragraph(para(AlignmentType::Center, pitch(body), gap).add_run(run(
            &pre.authority,
            Style {
                size: body,
                bold: true,
                italic: false,
            },
        )));
        for ground in doc.ground_lines() {
            parts = parts.add_paragraph(w.body_par().add_run(run(
                &unbreakable_symbols(&ground),
                Style {
                    size: body,
                    bold: false,
                    italic: true,
                },
            )));
        }
        parts = parts.add_paragraph(para(AlignmentType::Center, pitch(body), gap).add_run(run(
            "QUYẾT ĐỊNH:",
            Style {
                size: body,
                bold: true,
                italic: false,
            },
        )));
    }

    // ---- Kính gửi ----
    let plain = Style {
        size: body,
        ..Style::default()
    };
    let addressees = doc.addressee_lines();
    if addressees.len() == 1 {
        parts = parts.add_paragraph(
            para(AlignmentType::Center, pitch(body), gap)
                .add_run(run(&format!("Kính gửi: {}", addressees[0]), plain)),
        );
    } else if addressees.len() > 1 {
        let label = twips(g.addressee_label);
        let indent = twips(g.addressee_indent);
        parts = parts.add_paragraph(
            para(AlignmentType::Left, pitch(body), 0.0)
                .indent(
                    Some(label),
                    Some(SpecialIndentType::FirstLine(0)),
                    None,
                    None,
                )
                .add_run(run("Kính gửi:", plain)),
        );
        for (i, a) in addressees.iter().enumerate() {
            let after = if i + 1 == addressees.len() { gap } else { 0.0 };
            parts = parts.add_paragraph(
                para(AlignmentType::Both, pitch(body), after)
                    .indent(
                        Some(indent),
                        Some(SpecialIndentType::FirstLine(0)),
                        None,
                        None,
                    )
                    .add_run(run(&unbreakable_symbols(a), plain)),
            );
        }
    }

    // ---- body ----
    // The last block keeps with the signature block: a page never holds the
    // signature alone (as the PDF's sticky block).
    for (i, b) in p.body.iter().enumerate() {
        w.keep_next = i + 1 == p.body.len();
        parts = w.block_into(parts, b);
    }
    w.keep_next = false;

    // ---- nơi nhận and signature ----
    let half = twips(g.text_width / 2.0);
    let mut recipients = vec![
        para(AlignmentType::Left, pitch(profile.recipients_label_pt), 0.0).add_run(run(
            "Nơi nhận:",
            Style {
                size: profile.recipients_label_pt,
                bold: true,
                italic: true,
            },
        )),
    ];
    for r in doc.recipient_lines() {
        recipients.push(
            para(AlignmentType::Left, pitch(profile.recipients_pt), 0.0)
                .style("Recipients")
                .add_run(run(
                    &r,
                    Style {
                        size: profile.recipients_pt,
                        ..Style::default()
                    },
                )),
        );
    }
    // The drafter's initials and the number of copies (ô 12), under "Nơi nhận".
    if let Some(m) = &p.markings.drafter {
        recipients.push(before(
            para(AlignmentType::Left, pitch(11.0), 0.0).add_run(run(
                &m.line(),
                Style {
                    size: 11.0,
                    ..Style::default()
                },
            )),
            120,
            pitch(11.0),
        ));
    }
    let signed = |text: &str| {
        para(AlignmentType::Center, pitch(body), 0.0)
            .style("Signature")
            .add_run(run(
                text,
                Style {
                    size: body,
                    bold: true,
                    italic: false,
                },
            ))
    };
    let mut sig: Vec<Paragraph> = doc.signature_lines().iter().map(|l| signed(l)).collect();
    sig.push(spacer(g.signature_space));
    sig.push(signed(p.signature.name.trim()));
    parts
        .add_paragraph(spacer(g.before_signature).keep_next(true))
        .add_table(borderless(
            &[half, twips(g.text_width) - half],
            vec![
                TableRow::new(vec![
                    cell(half, recipients),
                    cell(twips(g.text_width) - half, sig),
                ])
                .cant_split(),
            ],
        ))
}

/// Annex `index`: its label, title and "(Kèm theo …)" line, then its body.
fn annex(
    doc: &Document,
    index: usize,
    a: &Annex,
    profile: &Profile,
    g: &Geometry,
    w: &mut body::Writer,
) -> Parts {
    let body = profile.body_pt;
    let center = |text: &str, bold: bool, italic: bool| {
        para(AlignmentType::Center, g.pitch(body), 0.0).add_run(run(
            text,
            Style {
                size: body,
                bold,
                italic,
            },
        ))
    };
    let mut parts = Parts::default()
        .add_paragraph(center(&doc.annex_label(index), true, false))
        .add_paragraph(center(&a.title.trim().to_uppercase(), true, false));
    for l in geometry::wrap(&doc.attached_line(a), body, Face::Italic, g.text_width) {
        parts = parts.add_paragraph(center(&l, false, true));
    }
    parts = parts.add_paragraph(spacer(g.after_title));
    for b in &a.body {
        parts = w.block_into(parts, b);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::unbreakable_symbols;

    #[test]
    fn symbols_keep_their_hyphens_together() {
        assert_eq!(
            unbreakable_symbols("Công văn số 965/UBND-KT ngày 1/2"),
            "Công văn số 965/UBND\u{2011}KT ngày 1/2"
        );
        assert_eq!(
            unbreakable_symbols("Nghị định 30/2020/NĐ-CP."),
            "Nghị định 30/2020/NĐ\u{2011}CP."
        );
        // Ordinary hyphens stay breakable.
        assert_eq!(unbreakable_symbols("2018 - 2020"), "2018 - 2020");
        assert_eq!(
            unbreakable_symbols("Đài Truyền thanh-Truyền hình"),
            "Đài Truyền thanh-Truyền hình"
        );
    }
}
