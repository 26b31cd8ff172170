//! The body of a DOCX: runs, paragraphs, headings, articles, lists, tables and
//! footnotes, each with the same measures as the PDF layout's `blocks`.

use docx_rs::{
    AlignmentType, BorderType, Footnote, Paragraph, Run, RunProperty, Table as DTable, TableBorder,
    TableBorderPosition, TableBorders, TableCellMargins, TableLayoutType, TableRow, VAlignType,
    VMergeType, VertAlignType, WidthType,
};

use super::{Style, cell, fonts, half_points, para, run, spacer};
use crate::model::{Align, Block, HeadingLevel, Inline, Table};
use crate::render::Profile;
use crate::render::geometry::{Geometry, twips};

/// The paragraph style of each heading level (defined in `styles()`).
pub(super) fn heading_style(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::Part => "Heading1",
        HeadingLevel::Section => "Heading2",
        HeadingLevel::Subsection => "Heading3",
    }
}

/// Writes blocks, numbering footnotes across the whole document.
pub(super) struct Writer<'a> {
    pub profile: &'a Profile,
    pub geometry: Geometry,
    pub footnotes: usize,
    /// The next body paragraphs keep with what follows (the body's last block, kept
    /// with the signature block).
    pub keep_next: bool,
}

impl Writer<'_> {
    fn body_style(&self) -> Style {
        Style {
            size: self.profile.body_pt,
            ..Style::default()
        }
    }

    /// A body paragraph: the Normal style (justified, first line indented, spacing
    /// after), stated again so the file reads the same without its styles.
    pub fn body_par(&self) -> Paragraph {
        let p = self.profile;
        let p = para(
            AlignmentType::Both,
            self.geometry.pitch(p.body_pt),
            p.paragraph_spacing_pt,
        )
        .style("Normal")
        .indent(
            Some(0),
            Some(docx_rs::SpecialIndentType::FirstLine(
                (p.indent_cm * 567.0).round() as i32,
            )),
            None,
            None,
        );
        if self.keep_next { p.keep_next(true) } else { p }
    }

    /// Adds `runs` to `p` in `base`'s size, with their own emphasis added.
    pub fn runs(&mut self, mut p: Paragraph, runs: &[Inline], base: Style) -> Paragraph {
        for r in runs {
            p = match r {
                Inline::Text { text, bold, italic } => p.add_run(run(
                    &super::unbreakable_symbols(text),
                    Style {
                        bold: base.bold || *bold,
                        italic: base.italic || *italic,
                        ..base
                    },
                )),
                Inline::Break => p.add_run(Run::new().add_break(docx_rs::BreakType::TextWrapping)),
                Inline::Footnote { content } => {
                    self.footnotes += 1;
                    let size = super::FOOTNOTE_PT;
                    let note = self.runs(
                        para(AlignmentType::Both, self.geometry.pitch(size), 0.0)
                            .style("FootnoteText"),
                        content,
                        Style {
                            size,
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

    /// Adds block `b` to the section's parts.
    pub fn block_into(&mut self, docx: super::Parts, b: &Block) -> super::Parts {
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
                let p = self.runs(
                    self.body_par().style(heading_style(*level)).keep_next(true),
                    runs,
                    style,
                );
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
                    .add_paragraph(spacer(self.geometry.after_table))
            }
        }
    }

    /// A ruled table the width of the text, cells padded as the PDF's, rows that
    /// never split across pages.
    fn table(&mut self, t: &Table) -> DTable {
        let g = self.geometry;
        let widths: Vec<i32> = crate::render::geometry::column_widths(t, self.profile, &g)
            .iter()
            .map(|w| twips(*w))
            .collect();
        let size = self.profile.table_pt;
        let pitch = g.pitch(size);
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
                    let p = self.runs(para(align, pitch, 0.0), &cell_ref.runs, style);
                    cell(span_width, vec![p])
                } else {
                    cell(span_width, vec![para(align, pitch, 0.0)])
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
            rows.push(TableRow::new(cells).cant_split());
        }
        let inset = twips(g.cell_inset) as usize;
        let line = |position| {
            TableBorder::new(position)
                .border_type(BorderType::Single)
                .size(4)
                .color("000000")
        };
        let mut borders = TableBorders::with_empty();
        for position in [
            TableBorderPosition::Top,
            TableBorderPosition::Left,
            TableBorderPosition::Bottom,
            TableBorderPosition::Right,
            TableBorderPosition::InsideH,
            TableBorderPosition::InsideV,
        ] {
            borders = borders.set(line(position));
        }
        DTable::new(rows)
            .set_grid(widths.iter().map(|w| *w as usize).collect())
            .layout(TableLayoutType::Fixed)
            .width(widths.iter().sum::<i32>() as usize, WidthType::Dxa)
            .indent(0)
            .set_borders(borders)
            .margins(TableCellMargins::new().margin(inset, inset, inset, inset))
    }
}
