//! The measures both renderers share, so the PDF and the DOCX break lines and pages
//! in the same places: the shipped faces and the printed width of a text in them,
//! the line pitch of every size, and the columns of the page-1 header.
//!
//! Invariant: a length the two layouts must agree on is computed here, once, and
//! handed to typst (through the layout data) and to docx-rs (in twips); neither
//! renderer estimates it on its own.

use serde::Serialize;

use super::Profile;

/// The shipped Times-metric faces with full Vietnamese coverage (OFL, see fonts/):
/// regular, bold, italic, bold italic.
pub const SHIPPED_FONTS: [&[u8]; 4] = [
    include_bytes!("../../fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../../fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../../fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../../fonts/LiberationSerif-BoldItalic.ttf"),
];

/// Single line spacing of Times New Roman (and its metric twin Liberation Serif):
/// ascender + descender + line gap = 1.149 em, which Word calls "single".
pub const SINGLE: f32 = 1.15;

/// The exact line of the empty paragraph that carries a rule in the DOCX, in points;
/// its bottom border adds [`RULE_SPACE_PT`] and the border's width.
pub const RULE_LINE_PT: f32 = 2.0;
/// The space between that paragraph's line and its bottom border, in points.
pub const RULE_SPACE_PT: f32 = 1.0;
/// The rule's stroke: 6 eighths of a point.
pub const RULE_EIGHTHS: usize = 6;

/// The face a text is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

impl Face {
    pub fn of(bold: bool, italic: bool) -> Face {
        match (bold, italic) {
            (false, false) => Face::Regular,
            (true, false) => Face::Bold,
            (false, true) => Face::Italic,
            (true, true) => Face::BoldItalic,
        }
    }
}

/// The four shipped faces, parsed once (the font data is static).
fn parsed(face: Face) -> Option<&'static ttf_parser::Face<'static>> {
    static FACES: std::sync::OnceLock<Vec<Option<ttf_parser::Face<'static>>>> =
        std::sync::OnceLock::new();
    FACES
        .get_or_init(|| {
            SHIPPED_FONTS
                .iter()
                .map(|data| ttf_parser::Face::parse(data, 0).ok())
                .collect()
        })
        .get(face as usize)
        .and_then(Option::as_ref)
}

/// The printed width of `text` at `size` points in `face`, in points (advance widths,
/// no kerning: within a fraction of a point of what typst and LibreOffice print, and
/// additive: the width of two words is the sum of theirs and the space's).
/// A character the face lacks counts as half an em.
pub fn width(text: &str, size: f32, face: Face) -> f32 {
    let Some(f) = parsed(face) else {
        return text.chars().count() as f32 * size * 0.5;
    };
    let upem = f32::from(f.units_per_em());
    let units: f32 = text
        .chars()
        .map(|c| {
            f.glyph_index(c)
                .and_then(|g| f.glyph_hor_advance(g))
                .map(f32::from)
                .unwrap_or(upem / 2.0)
        })
        .sum();
    units / upem * size
}

/// `text` broken into lines no wider than `width` less a 3 pt margin of safety (the
/// renderers measure a hair apart), never leaving one word alone on the last line:
/// the renderers then print these lines as they are, so both break them alike.
pub fn wrap(text: &str, size: f32, face: Face, width: f32) -> Vec<String> {
    let room = width - 3.0;
    let space = self::width(" ", size, face);
    // Each line's words and its printed width so far.
    let mut lines: Vec<(Vec<&str>, f32)> = vec![];
    for w in text.split_whitespace() {
        let ww = self::width(w, size, face);
        match lines.last_mut() {
            Some((line, used)) if *used + space + ww <= room => {
                line.push(w);
                *used += space + ww;
            }
            _ => lines.push((vec![w], ww)),
        }
    }
    let n = lines.len();
    if n >= 2 && lines[n - 1].0.len() == 1 && lines[n - 2].0.len() > 1 {
        let moved = lines[n - 2].0.pop().expect("more than one word");
        lines[n - 1].0.insert(0, moved);
    }
    lines.into_iter().map(|(l, _)| l.join(" ")).collect()
}

/// The subject's lines as printed: a công văn's "V/v …" in the header's left column
/// (12–13 pt), another kind's under its title across the text width (bold). The
/// drafter's own line breaks are kept when every line fits; when one is too wide, the
/// subject is wrapped as a whole by [`wrap`] (a break typed mid-phrase would otherwise
/// leave short ragged lines), so both renderers break it alike.
pub fn subject_lines(doc: &crate::model::Document, profile: &Profile, g: &Geometry) -> Vec<String> {
    let (size, face, room) = if doc.parts().kind.title().is_none() {
        (profile.subject_pt, Face::Regular, g.left_column)
    } else {
        (profile.body_pt, Face::Bold, g.text_width)
    };
    let typed = doc.subject_lines();
    let wrapped: Vec<Vec<String>> = typed.iter().map(|l| wrap(l, size, face, room)).collect();
    if wrapped.iter().all(|w| w.len() <= 1) {
        return wrapped.into_iter().flatten().collect();
    }
    let whole = typed.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    wrap(&whole, size, face, room)
}

/// The national title over the right header column (ô 1).
pub const NATIONAL_TITLE: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// The motto under it.
pub const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";

/// The page's measures for one profile, in points (fractions where named so).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Geometry {
    /// Between the left and right margins.
    pub text_width: f32,
    /// The header's left column (issuer, number, V/v subject).
    pub left_column: f32,
    /// The header's right column: the national title's width and 2 mm.
    pub right_column: f32,
    /// Multiple of [`SINGLE`] for every line (1.0: exactly single).
    pub line_spacing: f32,
    /// An empty line opening page 1, before the header (see the DOCX).
    pub page_top: f32,
    /// The height of a rule's block: the DOCX rule paragraph's line, spacing, border.
    pub rule_block: f32,
    /// The agency's rule as a fraction of its name's widest line (1/3–1/2).
    pub agency_rule: f32,
    /// The title's rule as a fraction of the subject's widest line (1/3–1/2).
    pub title_rule: f32,
    /// Between the header's two rows (under the rules).
    pub header_row_gap: f32,
    /// Between the number and the "V/v" subject under it.
    pub subject_gap: f32,
    /// Between the header and what follows it (title, Kính gửi, body).
    pub after_header: f32,
    /// After a title's rule and after an annex's heading.
    pub after_title: f32,
    /// From the left margin to "Kính gửi:" when several addressees follow it.
    pub addressee_label: f32,
    /// From the left margin to each addressee's dash: under the label's colon.
    pub addressee_indent: f32,
    /// After a table in the body.
    pub after_table: f32,
    /// A table cell's padding on every side.
    pub cell_inset: f32,
    /// Between the body and the Nơi nhận / signature block.
    pub before_signature: f32,
    /// The blank between the signer's title and name (28 mm), for the handwritten
    /// signature and the seal.
    pub signature_space: f32,
}

impl Geometry {
    pub fn new(profile: &Profile) -> Geometry {
        let mm = 72.0 / 25.4;
        let text_width = (210.0 - profile.margin_left_mm - profile.margin_right_mm) * mm;
        let right_column = width(NATIONAL_TITLE, profile.header_pt, Face::Bold) + 2.0 * mm;
        let addressee_label = profile.indent_cm * 72.0 / 2.54;
        Geometry {
            text_width,
            left_column: text_width - right_column,
            right_column,
            line_spacing: profile.line_spacing,
            page_top: 1.0,
            rule_block: RULE_LINE_PT + RULE_SPACE_PT + RULE_EIGHTHS as f32 / 8.0,
            agency_rule: 0.4,
            title_rule: 0.4,
            header_row_gap: 6.0,
            subject_gap: 6.0,
            after_header: 12.0,
            after_title: 8.0,
            addressee_label,
            addressee_indent: addressee_label + width("Kính gửi", profile.body_pt, Face::Regular),
            after_table: 6.0,
            cell_inset: 4.0,
            before_signature: 12.0,
            signature_space: (28.0 * mm * 20.0).round() / 20.0,
        }
    }

    /// The distance between two baselines of text of `size` points, rounded to the
    /// twip the DOCX can state exactly.
    pub fn pitch(&self, size: f32) -> f32 {
        (size * SINGLE * self.line_spacing * 20.0).round() / 20.0
    }
}

/// The widths of a table's columns in points, summing to the text width: the
/// model's proportions, except that no column is narrower than its longest word
/// (bold in header cells) and its padding, so "TT", "Số" or "23/10/2020" never
/// break inside a word in either renderer. When even that cannot fit, the
/// proportions stand.
pub fn column_widths(table: &crate::model::Table, profile: &Profile, g: &Geometry) -> Vec<f32> {
    let total = g.text_width;
    let mut widths: Vec<f32> = table.widths().iter().map(|w| w * total).collect();
    let mut least = vec![0.0f32; widths.len()];
    for r in 0..table.rows() {
        for (c, least) in least.iter_mut().enumerate() {
            let cell = table.cell_at(r, c);
            if cell.row != r || cell.col != c || cell.colspan != 1 {
                continue;
            }
            let face = Face::of(cell.header, false);
            let text = crate::model::plain_text(&cell.runs);
            let word = text
                .split_whitespace()
                .map(|w| width(w, profile.table_pt, face))
                .fold(0.0, f32::max);
            *least = least.max(word + 2.0 * g.cell_inset + 2.0);
        }
    }
    if least.iter().sum::<f32>() > total {
        return widths;
    }
    // Widen the narrow columns, taking the room from the others in proportion to
    // what they have above their own least width.
    for _ in 0..widths.len() {
        let deficit: f32 = widths
            .iter()
            .zip(&least)
            .map(|(w, l)| (l - w).max(0.0))
            .sum();
        if deficit <= 0.0 {
            break;
        }
        let spare: f32 = widths
            .iter()
            .zip(&least)
            .map(|(w, l)| (w - l).max(0.0))
            .sum();
        for (w, l) in widths.iter_mut().zip(&least) {
            if *w < *l {
                *w = *l;
            } else {
                *w -= (*w - l) / spare * deficit;
            }
        }
    }
    widths
}

/// Points to twips (1/20 pt), the DOCX unit.
pub fn twips(pt: f32) -> i32 {
    (pt * 20.0).round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_faces() {
        let regular = width("Độc lập", 14.0, Face::Regular);
        let bold = width("Độc lập", 14.0, Face::Bold);
        assert!(regular > 30.0 && regular < 60.0, "{regular}");
        assert!(bold > regular);
        assert_eq!(width("", 14.0, Face::Regular), 0.0);
        // twice the size, twice the width
        let double = width("Độc lập", 28.0, Face::Regular);
        assert!((double - 2.0 * regular).abs() < 0.01);
    }

    #[test]
    fn wrapped_lines_fit_and_leave_no_word_alone() {
        let text =
            "(Kèm theo Kế hoạch số 12/KH-UBND ngày 05/3/2021 của Ủy ban nhân dân huyện Lục Nam)";
        let lines = wrap(text, 14.0, Face::Italic, 300.0);
        assert!(lines.len() >= 2, "{lines:?}");
        for l in &lines {
            assert!(width(l, 14.0, Face::Italic) <= 297.0, "{l}");
        }
        assert!(lines.last().unwrap().split(' ').count() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("ngắn", 14.0, Face::Regular, 300.0), vec!["ngắn"]);
    }

    #[test]
    fn a_subject_broken_mid_phrase_is_wrapped_whole() {
        let letter = |subject: &str| {
            format!(
                "kind = \"công văn\"\nnumber = 12\ndate = \"2021-02-05\"\nsubject = \"\"\"{subject}\"\"\"\naddressees = [\"UBND các huyện\"]\nrecipients = [\"Như trên\", \"Lưu: VT, KT\"]\nbody = \"Nội dung.\"\n\n[issuer]\nname = [\"Ủy ban nhân dân\", \"tỉnh Quảng Bình\"]\nabbreviation = \"UBND\"\nunit = \"KT\"\nplace = \"Quảng Bình\"\n\n[signer]\ntitle = \"CHỦ TỊCH\"\nname = \"Trần Văn A\"\n"
            )
        };
        let p = Profile::default();
        let g = Geometry::new(&p);
        let lines = |s: &str| {
            let doc = crate::letter::parse_with(&letter(s), std::path::Path::new("t.toml"), None)
                .unwrap();
            subject_lines(&doc, &p, &g)
        };
        // Lines that fit stay as typed.
        assert_eq!(
            lines("V/v báo cáo kết quả\nChương trình OCOP"),
            ["V/v báo cáo kết quả", "Chương trình OCOP"]
        );
        // A break typed after a line too wide for the column: the subject is wrapped
        // as one text, not into a long line, a stub and another line.
        let long = "V/v đôn đốc thực hiện chuyển hồ sơ các sản phẩm đạt từ 50 điểm trở lên\nđến Sở Nông nghiệp và PTNT";
        let whole = wrap(
            &long.replace('\n', " "),
            p.subject_pt,
            Face::Regular,
            g.left_column,
        );
        assert_eq!(lines(long), whole);
        assert!(whole.len() < 4, "{whole:?}");
    }

    #[test]
    fn the_right_column_holds_the_national_title() {
        let g = Geometry::new(&Profile::default());
        // 165 mm between the margins
        assert!((g.text_width - 467.7).abs() < 0.1, "{}", g.text_width);
        let title = width(NATIONAL_TITLE, 13.0, Face::Bold);
        assert!(g.right_column > title && g.right_column < title + 6.0);
        assert!((g.left_column + g.right_column - g.text_width).abs() < 0.01);
    }

    #[test]
    fn single_spacing_at_14_pt_is_word_single() {
        let g = Geometry::new(&Profile::default());
        assert_eq!(g.pitch(14.0), 16.1);
        assert_eq!(twips(g.pitch(14.0)), 322);
        assert_eq!(g.pitch(12.0), 13.8);
    }
}
