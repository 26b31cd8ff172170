//! The building blocks every part of the page is made of: the font, measures in
//! twips and half-points, runs, paragraphs at an exact pitch, spacers, rules and
//! borderless table cells.

use docx_rs::{
    AlignmentType, BorderType, LineSpacing, LineSpacingType, Paragraph, ParagraphBorder,
    ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, SpecialIndentType, Table as DTable,
    TableCell, TableCellMargins, TableLayoutType, TableRow, WidthType,
};

use crate::render::geometry::{self, Face, twips};

pub(super) const FONT: &str = "Times New Roman";
/// A4 in twips.
pub(super) const PAGE_W: u32 = 11906;
pub(super) const PAGE_H: u32 = 16838;
/// Footnote text (pt), as in the PDF layout.
pub(super) const FOOTNOTE_PT: f32 = 12.0;

pub(super) fn mm(x: f32) -> i32 {
    (x * 1440.0 / 25.4).round() as i32
}

pub(super) fn half_points(pt: f32) -> usize {
    (pt * 2.0).round() as usize
}

pub(super) fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT)
}

#[derive(Clone, Copy, Default)]
pub(super) struct Style {
    pub(super) size: f32,
    pub(super) bold: bool,
    pub(super) italic: bool,
}

pub(super) fn run(text: &str, s: Style) -> Run {
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

/// The hyphens inside numbers and symbols ("965/UBND-KT", "30/2020/NĐ-CP") made
/// non-breaking (U+2011), so a symbol never breaks across lines, as in the PDF (the
/// same words: [`super::is_symbol`]).
pub(super) fn unbreakable_symbols(text: &str) -> String {
    crate::render::pieces(text)
        .into_iter()
        .map(|p| {
            if p.nobreak && crate::render::is_symbol(&p.text) {
                p.text.replace('-', "\u{2011}")
            } else {
                p.text
            }
        })
        .collect()
}

/// A paragraph with no indent, the given alignment, lines exactly `pitch` points
/// apart and `after_pt` after it.
pub(super) fn para(align: AlignmentType, pitch: f32, after_pt: f32) -> Paragraph {
    Paragraph::new()
        .align(align)
        .indent(
            Some(0),
            Some(SpecialIndentType::FirstLine(0)),
            Some(0),
            None,
        )
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(twips(after_pt) as u32)
                .line(twips(pitch))
                .line_rule(LineSpacingType::Exact),
        )
}

/// An empty paragraph exactly `h` points high (the PDF layout's `spacer`).
pub(super) fn spacer(h: f32) -> Paragraph {
    Paragraph::new()
        .indent(
            Some(0),
            Some(SpecialIndentType::FirstLine(0)),
            Some(0),
            None,
        )
        .size(2)
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(0)
                .line(twips(h))
                .line_rule(LineSpacingType::Exact),
        )
}

/// A rule `length` points long centred in a column `column` points wide: the bottom
/// border of an empty paragraph narrowed by indents ([`geometry::RULE_LINE_PT`] high).
pub(super) fn rule(column: f32, length: f32) -> Paragraph {
    let side = (twips((column - length) / 2.0)).max(0);
    let mut p = spacer(geometry::RULE_LINE_PT).indent(
        Some(side),
        Some(SpecialIndentType::FirstLine(0)),
        Some(side),
        None,
    );
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(geometry::RULE_EIGHTHS)
                .space(geometry::RULE_SPACE_PT as usize)
                .color("000000"),
        ),
    );
    p
}

/// A borderless layout table with cells of exactly these widths (no padding).
pub(super) fn borderless(widths: &[i32], rows: Vec<TableRow>) -> DTable {
    let total: i32 = widths.iter().sum();
    DTable::without_borders(rows)
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .layout(TableLayoutType::Fixed)
        .width(total as usize, WidthType::Dxa)
        .indent(0)
        .margins(TableCellMargins::new().margin(0, 0, 0, 0))
}

pub(super) fn cell(width: i32, paragraphs: Vec<Paragraph>) -> TableCell {
    let mut c = TableCell::new().width(width as usize, WidthType::Dxa);
    for p in paragraphs {
        c = c.add_paragraph(p);
    }
    c
}

/// The widest of `lines` printed at `size` in `face`, in points.
pub(super) fn widest(lines: &[String], size: f32, face: Face) -> f32 {
    lines
        .iter()
        .map(|l| geometry::width(l, size, face))
        .fold(0.0, f32::max)
}
