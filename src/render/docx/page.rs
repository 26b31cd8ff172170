//! The page around the text: the named styles, the page headers (page numbers from
//! page 2), the margins, and page 1's address footer.

use docx_rs::{
    AlignmentType, BorderType, Docx, Header, LineSpacing, LineSpacingType, PageMargin, Paragraph,
    Run, SpecialIndentType, Style as DStyle, StyleType,
};

use super::super::Profile;
use super::body;
use super::runs::{FOOTNOTE_PT, Style, fonts, half_points, mm, para, run};
use crate::model::HeadingLevel;
use crate::render::geometry::{Geometry, twips};

/// The named styles: Normal is the body profile; the others are what a clerk
/// picks from Word's style list to edit the letter.
pub(super) fn styles(docx: Docx, profile: &Profile, g: &Geometry) -> Docx {
    let exact = |size: f32, after: f32| {
        LineSpacing::new()
            .before(0)
            .after(twips(after) as u32)
            .line(twips(g.pitch(size)))
            .line_rule(LineSpacingType::Exact)
    };
    let mut normal = DStyle::new("Normal", StyleType::Paragraph)
        .name("Normal")
        .q_format(true)
        .fonts(fonts())
        .size(half_points(profile.body_pt))
        .align(AlignmentType::Both)
        .line_spacing(exact(profile.body_pt, profile.paragraph_spacing_pt))
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(
                (profile.indent_cm * 567.0).round() as i32,
            )),
            None,
            None,
        );
    normal.paragraph_property = normal.paragraph_property.widow_control(true);
    let heading = |level: HeadingLevel, name: &str, outline: usize| {
        let mut s = DStyle::new(body::heading_style(level), StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .bold()
            .outline_lvl(outline);
        if level == HeadingLevel::Subsection {
            s = s.italic();
        }
        s.paragraph_property = s.paragraph_property.keep_next(true);
        s
    };
    let plain = |id: &str, name: &str, size: f32, align: AlignmentType| {
        DStyle::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .q_format(true)
            .size(half_points(size))
            .align(align)
            .line_spacing(exact(size, 0.0))
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None)
    };
    docx.add_style(normal)
        .add_style(heading(HeadingLevel::Part, "heading 1", 0))
        .add_style(heading(HeadingLevel::Section, "heading 2", 1))
        .add_style(heading(HeadingLevel::Subsection, "heading 3", 2))
        .add_style(plain(
            "Recipients",
            "Nơi nhận",
            profile.recipients_pt,
            AlignmentType::Left,
        ))
        .add_style(
            plain(
                "Signature",
                "Chữ ký",
                profile.body_pt,
                AlignmentType::Center,
            )
            .bold(),
        )
        .add_style(plain(
            "FootnoteText",
            "footnote text",
            FOOTNOTE_PT,
            AlignmentType::Both,
        ))
}

/// The page header of every page but the first of its section: the page number.
pub(super) fn page_headers(profile: &Profile, g: &Geometry) -> (Header, Header) {
    let pitch = g.pitch(profile.body_pt);
    (
        Header::new().add_paragraph(
            para(AlignmentType::Center, pitch, 0.0).add_page_num_field(profile.body_pt),
        ),
        Header::new().add_paragraph(para(AlignmentType::Center, pitch, 0.0)),
    )
}

pub(super) fn page_margin(profile: &Profile) -> PageMargin {
    PageMargin::new()
        .top(mm(profile.margin_top_mm))
        .bottom(mm(profile.margin_bottom_mm))
        .left(mm(profile.margin_left_mm))
        .right(mm(profile.margin_right_mm))
        .header(mm(8.0))
        .footer(mm(8.0))
}

/// The stamps' bright red.
pub(super) const STAMP_RED: &str = "FF0000";

/// The agency's address line(s) (ô 13): page 1's footer, under a rule across the text.
pub(super) fn address_footer(lines: &[crate::text::Line], g: &Geometry) -> Option<docx_rs::Footer> {
    use docx_rs::{ParagraphBorder, ParagraphBorderPosition, ParagraphBorders};
    if lines.is_empty() {
        return None;
    }
    let mut footer = docx_rs::Footer::new();
    for (i, l) in lines.iter().enumerate() {
        let mut p = para(AlignmentType::Center, g.pitch(11.0), 0.0).add_run(run(
            l.as_str(),
            Style {
                size: 11.0,
                ..Style::default()
            },
        ));
        if i == 0 {
            p.property = p.property.set_borders(
                ParagraphBorders::with_empty().set(
                    ParagraphBorder::new(ParagraphBorderPosition::Top)
                        .val(BorderType::Single)
                        .size(6)
                        .space(2),
                ),
            );
        }
        footer = footer.add_paragraph(p);
    }
    Some(footer)
}

/// The PAGE field, in Times New Roman like every other run.
pub(super) trait PageField {
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
