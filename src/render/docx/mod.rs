//! DOCX through docx-rs: the same page, header, body and footer as the PDF, in a
//! form Word and LibreOffice open without complaint. Every run names
//! "Times New Roman" for all four font slots (ascii, hAnsi, cs, eastAsia).

use docx_rs::{
    AlignmentType, BorderType, Docx, Footnote, Header, LineSpacing, LineSpacingType, PageMargin,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, Run, RunFonts, RunProperty,
    SpecialIndentType, Table as DTable, TableCell, TableCellMargins, TableLayoutType, TableRow,
    VAlignType, VMergeType, VertAlignType, WidthType,
};

use super::{Profile, RenderError};
use crate::model::{Align, Block, Document, HeadingLevel, Inline, Table};

const FONT: &str = "Times New Roman";
/// A4 in twips.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;

fn mm(x: f32) -> i32 {
    (x * 1440.0 / 25.4).round() as i32
}

fn half_points(pt: f32) -> usize {
    (pt * 2.0).round() as usize
}

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT)
}

#[derive(Clone, Copy, Default)]
struct Style {
    size: f32,
    bold: bool,
    italic: bool,
}

fn run(text: &str, s: Style) -> Run {
    let mut r = Run::new()
        .add_text(text)
        .fonts(fonts())
        .size(half_points(s.size));
    if s.bold {
        r = r.bold();
    }
    if s.italic {
        r = r.italic();
    }
    r
}

/// A paragraph with no indent and the given alignment and spacing after (pt).
fn para(align: AlignmentType, after_pt: f32) -> Paragraph {
    Paragraph::new().align(align).line_spacing(
        LineSpacing::new()
            .before(0)
            .after((after_pt * 20.0) as u32)
            .line(264)
            .line_rule(LineSpacingType::Auto),
    )
}

fn centered(text: &str, s: Style, after_pt: f32) -> Paragraph {
    para(AlignmentType::Center, after_pt).add_run(run(text, s))
}

/// A short centred rule: a bottom border on an empty paragraph narrowed by indents,
/// so it is `length` twips long inside a column of `column` twips.
fn rule(column: i32, length: i32) -> Paragraph {
    let side = ((column - length) / 2).max(0);
    let mut p = para(AlignmentType::Center, 0.0)
        .indent(Some(side), None, Some(side), None)
        .size(4);
    p.property = p.property.set_border(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom)
            .val(BorderType::Single)
            .size(6)
            .space(1)
            .color("000000"),
    );
    p.line_spacing(
        LineSpacing::new()
            .before(0)
            .after(60)
            .line(80)
            .line_rule(LineSpacingType::Exact),
    )
}

/// Rough printed width of a line in twips (Times-like faces, bold upper case wider).
fn printed_width(text: &str, pt: f32, bold_upper: bool) -> i32 {
    let em = if bold_upper { 0.68 } else { 0.5 };
    (text.chars().count() as f32 * pt * em * 20.0) as i32
}

fn borderless(widths: &[i32], rows: Vec<TableRow>) -> DTable {
    let total: i32 = widths.iter().sum();
    DTable::without_borders(rows)
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .layout(TableLayoutType::Fixed)
        .width(total as usize, WidthType::Dxa)
        .indent(0)
        .margins(TableCellMargins::new().margin(0, 40, 0, 40))
}

fn cell(width: i32, paragraphs: Vec<Paragraph>) -> TableCell {
    let mut c = TableCell::new().width(width as usize, WidthType::Dxa);
    for p in paragraphs {
        c = c.add_paragraph(p);
    }
    c
}

struct Writer<'a> {
    profile: &'a Profile,
    text_width: i32,
    footnotes: usize,
}

impl Writer<'_> {
    fn body_style(&self) -> Style {
        Style {
            size: self.profile.body_pt,
            ..Style::default()
        }
    }

    fn runs(&mut self, mut p: Paragraph, runs: &[Inline], base: Style) -> Paragraph {
        for r in runs {
            p = match r {
                Inline::Text { text, bold, italic } => p.add_run(run(
                    text,
                    Style {
                        bold: base.bold || *bold,
                        italic: base.italic || *italic,
                        ..base
                    },
                )),
                Inline::Break => p.add_run(Run::new().add_break(docx_rs::BreakType::TextWrapping)),
                Inline::Footnote { content } => {
                    self.footnotes += 1;
                    let note = self.runs(
                        para(AlignmentType::Both, 0.0),
                        content,
                        Style {
                            size: 12.0,
                            ..Style::default()
                        },
                    );
                    let mut r = Run::new().add_footnote_reference(Footnote {
                        id: self.footnotes,
                        content: vec![note],
                    });
                    r.run_property = RunProperty::new()
                        .fonts(fonts())
                        .size(half_points(base.size))
                        .vert_align(VertAlignType::SuperScript);
                    p.add_run(r)
                }
            };
        }
        p
    }

    fn body_par(&self) -> Paragraph {
        para(AlignmentType::Both, self.profile.paragraph_spacing_pt).indent(
            None,
            Some(SpecialIndentType::FirstLine(
                (self.profile.indent_cm * 567.0) as i32,
            )),
            None,
            None,
        )
    }

    fn block(&mut self, docx: Docx, b: &Block) -> Docx {
        let s = self.body_style();
        match b {
            Block::Paragraph { runs } => {
                let p = self.runs(self.body_par(), runs, s);
                docx.add_paragraph(p)
            }
            Block::Heading { level, runs } => {
                let style = Style {
                    bold: true,
                    italic: *level == HeadingLevel::Subsection,
                    ..s
                };
                let p = self.runs(self.body_par().keep_next(true), runs, style);
                docx.add_paragraph(p)
            }
            Block::Article { number, runs } => {
                let p = self
                    .body_par()
                    .add_run(run(&format!("Điều {number}."), Style { bold: true, ..s }))
                    .add_run(run(" ", s));
                let p = self.runs(p, runs, s);
                docx.add_paragraph(p)
            }
            Block::Numbered { label, runs } => {
                let p = self.body_par().add_run(run(&format!("{label} "), s));
                let p = self.runs(p, runs, s);
                docx.add_paragraph(p)
            }
            Block::Bullet { marker, runs } => {
                let m = match marker {
                    crate::model::BulletMarker::Dash => "- ",
                    crate::model::BulletMarker::Plus => "+ ",
                };
                let p = self.body_par().add_run(run(m, s));
                let p = self.runs(p, runs, s);
                docx.add_paragraph(p)
            }
            Block::Table(t) => {
                let table = self.table(t);
                docx.add_table(table)
                    .add_paragraph(para(AlignmentType::Left, 0.0).size(8))
            }
        }
    }

    fn table(&mut self, t: &Table) -> DTable {
        let widths: Vec<i32> = t
            .widths()
            .iter()
            .map(|w| (w * self.text_width as f32) as i32)
            .collect();
        let size = self.profile.table_pt;
        let mut rows = vec![];
        for r in 0..t.rows() {
            let mut cells = vec![];
            let mut c = 0;
            while c < t.columns() {
                let cell_ref = t.cell_at(r, c);
                let span_width: i32 = widths[cell_ref.col..cell_ref.col + cell_ref.colspan]
                    .iter()
                    .sum();
                let align = if cell_ref.header {
                    AlignmentType::Center
                } else {
                    match t.aligns()[cell_ref.col] {
                        Align::Left => AlignmentType::Left,
                        Align::Center => AlignmentType::Center,
                        Align::Right => AlignmentType::Right,
                    }
                };
                let style = Style {
                    size,
                    bold: cell_ref.header,
                    italic: false,
                };
                let mut tc = if cell_ref.row == r {
                    let p = self.runs(para(align, 0.0), &cell_ref.runs, style);
                    cell(span_width, vec![p])
                } else {
                    cell(span_width, vec![para(align, 0.0)])
                };
                if cell_ref.rowspan > 1 {
                    tc = tc.vertical_merge(if cell_ref.row == r {
                        VMergeType::Restart
                    } else {
                        VMergeType::Continue
                    });
                }
                if cell_ref.colspan > 1 {
                    tc = tc.grid_span(cell_ref.colspan);
                }
                cells.push(tc.vertical_align(VAlignType::Center));
                c += cell_ref.colspan;
            }
            rows.push(TableRow::new(cells));
        }
        DTable::new(rows)
            .set_grid(widths.iter().map(|w| *w as usize).collect())
            .layout(TableLayoutType::Fixed)
            .width(widths.iter().sum::<i32>() as usize, WidthType::Dxa)
    }
}

/// Renders the document as a DOCX file.
pub fn render(doc: &Document, profile: &Profile) -> Result<Vec<u8>, RenderError> {
    let p = doc.parts();
    let text_width = PAGE_W as i32 - mm(profile.margin_left_mm) - mm(profile.margin_right_mm);
    // The national title needs about 61 % of the width at 13 pt bold.
    let left_w = text_width * 38 / 100;
    let right_w = text_width - left_w;
    let header_pt = profile.header_pt;
    let plain = |size| Style {
        size,
        ..Style::default()
    };
    let bold = |size| Style {
        size,
        bold: true,
        italic: false,
    };

    let date = doc.date();
    let stamp = format!(
        "{:04}-{:02}-{:02}T08:00:00Z",
        date.year(),
        date.month().unwrap_or(1),
        date.day().unwrap_or(1)
    );
    let mut docx =
        Docx::new()
            .page_size(PAGE_W, PAGE_H)
            .page_margin(
                PageMargin::new()
                    .top(mm(profile.margin_top_mm))
                    .bottom(mm(profile.margin_bottom_mm))
                    .left(mm(profile.margin_left_mm))
                    .right(mm(profile.margin_right_mm))
                    .header(mm(8.0))
                    .footer(mm(8.0)),
            )
            .default_fonts(fonts())
            .default_size(half_points(profile.body_pt))
            .created_at(&stamp)
            .updated_at(&stamp)
            .header(Header::new().add_paragraph(
                para(AlignmentType::Center, 0.0).add_page_num_field(profile.body_pt),
            ))
            .first_header(Header::new().add_paragraph(para(AlignmentType::Center, 0.0)))
            .title_pg();

    // ---- header: two borderless columns ----
    let (parent, agency) = doc.issuer_lines();
    let mut left = vec![];
    for l in &parent {
        left.push(centered(l, plain(header_pt), 0.0));
    }
    for l in &agency {
        left.push(centered(l, bold(header_pt), 0.0));
    }
    let agency_w = agency
        .iter()
        .map(|l| printed_width(l, header_pt, true))
        .max()
        .unwrap_or(0);
    left.push(rule(left_w, (agency_w * 2 / 5).min(left_w)));
    let motto = "Độc lập - Tự do - Hạnh phúc";
    let right = vec![
        centered("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold(header_pt), 0.0),
        centered(motto, bold(profile.motto_pt), 0.0),
        rule(
            right_w,
            printed_width(motto, profile.motto_pt, false).min(right_w),
        ),
    ];
    let mut left2 = vec![centered(&doc.number_line(), plain(header_pt), 4.0)];
    if p.kind.title().is_none() {
        for l in doc.subject_lines() {
            left2.push(centered(&l, plain(profile.subject_pt), 0.0));
        }
    }
    if let Some(u) = p.urgency {
        left2.push(centered(u.label(), bold(profile.body_pt), 0.0));
    }
    let right2 = vec![centered(
        &doc.date_line(),
        Style {
            size: profile.motto_pt,
            bold: false,
            italic: true,
        },
        0.0,
    )];
    docx = docx.add_table(borderless(
        &[left_w, right_w],
        vec![
            TableRow::new(vec![cell(left_w, left), cell(right_w, right)]),
            TableRow::new(vec![cell(left_w, left2), cell(right_w, right2)]),
        ],
    ));
    docx = docx.add_paragraph(para(AlignmentType::Left, 0.0));

    let body = Style {
        size: profile.body_pt,
        ..Style::default()
    };
    // ---- title block ----
    if let Some(title) = p.kind.title() {
        docx = docx.add_paragraph(centered(&title, bold(profile.body_pt), 0.0));
        let lines = doc.subject_lines();
        for l in &lines {
            docx = docx.add_paragraph(centered(l, bold(profile.body_pt), 0.0));
        }
        let w = lines
            .iter()
            .map(|l| printed_width(l, profile.body_pt, false))
            .max()
            .unwrap_or(0);
        docx = docx.add_paragraph(rule(text_width, w / 3));
    }
    let mut w = Writer {
        profile,
        text_width,
        footnotes: 0,
    };

    // ---- decision preamble ----
    if let Some(pre) = &p.preamble {
        docx = docx.add_paragraph(centered(&pre.authority, bold(profile.body_pt), 6.0));
        for g in doc.ground_lines() {
            docx = docx.add_paragraph(w.body_par().add_run(run(
                &g,
                Style {
                    italic: true,
                    ..body
                },
            )));
        }
        docx = docx.add_paragraph(centered("QUYẾT ĐỊNH:", bold(profile.body_pt), 6.0));
    }

    // ---- Kính gửi ----
    let addressees = doc.addressee_lines();
    if addressees.len() == 1 {
        docx = docx.add_paragraph(centered(&format!("Kính gửi: {}", addressees[0]), body, 6.0));
    } else if addressees.len() > 1 {
        let label_w = 1400;
        let pad = 850;
        let list: Vec<Paragraph> = addressees
            .iter()
            .map(|a| para(AlignmentType::Both, 2.0).add_run(run(a, body)))
            .collect();
        docx = docx
            .add_table(borderless(
                &[pad, label_w, text_width - pad - label_w],
                vec![TableRow::new(vec![
                    cell(pad, vec![para(AlignmentType::Left, 0.0)]),
                    cell(
                        label_w,
                        vec![para(AlignmentType::Left, 0.0).add_run(run("Kính gửi:", body))],
                    ),
                    cell(text_width - pad - label_w, list),
                ])],
            ))
            .add_paragraph(para(AlignmentType::Left, 0.0));
    }

    // ---- body ----
    for b in &p.body {
        docx = w.block(docx, b);
    }

    // ---- nơi nhận and signature ----
    let half = text_width / 2;
    let mut recipients = vec![para(AlignmentType::Left, 0.0).add_run(run(
        "Nơi nhận:",
        Style {
            size: profile.recipients_label_pt,
            bold: true,
            italic: true,
        },
    ))];
    for r in doc.recipient_lines() {
        recipients
            .push(para(AlignmentType::Left, 0.0).add_run(run(&r, plain(profile.recipients_pt))));
    }
    let mut sig: Vec<Paragraph> = doc
        .signature_lines()
        .iter()
        .map(|l| centered(l, bold(profile.body_pt), 0.0))
        .collect();
    for _ in 0..5 {
        sig.push(centered("", body, 0.0));
    }
    sig.push(centered(
        p.signature.name.trim(),
        bold(profile.body_pt),
        0.0,
    ));
    docx = docx
        .add_paragraph(para(AlignmentType::Left, 0.0))
        .add_table(borderless(
            &[half, text_width - half],
            vec![
                TableRow::new(vec![cell(half, recipients), cell(text_width - half, sig)])
                    .cant_split(),
            ],
        ));

    // ---- annexes ----
    for a in &p.annexes {
        let mut first = true;
        let mut head = |docx: Docx, text: &str, s: Style| {
            let par = centered(text, s, 0.0).page_break_before(first);
            first = false;
            docx.add_paragraph(par)
        };
        if !a.label.trim().is_empty() {
            docx = head(docx, a.label.trim(), bold(profile.body_pt));
        }
        docx = head(docx, &a.title.trim().to_uppercase(), bold(profile.body_pt));
        docx = head(
            docx,
            &doc.attached_line(a),
            Style {
                italic: true,
                ..body
            },
        );
        docx = docx.add_paragraph(para(AlignmentType::Left, 0.0));
        for b in &a.body {
            docx = w.block(docx, b);
        }
    }

    let mut out = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| RenderError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// The PAGE field, in Times New Roman like every other run.
trait PageField {
    fn add_page_num_field(self, pt: f32) -> Self;
}

impl PageField for Paragraph {
    fn add_page_num_field(self, pt: f32) -> Self {
        use docx_rs::{FieldCharType, InstrPAGE, InstrText};
        let r = || Run::new().fonts(fonts()).size(half_points(pt));
        self.add_run(r().add_field_char(FieldCharType::Begin, false))
            .add_run(r().add_instr_text(InstrText::PAGE(InstrPAGE {})))
            .add_run(r().add_field_char(FieldCharType::Separate, false))
            .add_run(r().add_text("2"))
            .add_run(r().add_field_char(FieldCharType::End, false))
    }
}
