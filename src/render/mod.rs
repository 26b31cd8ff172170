//! The two renderers of a [`Document`]: PDF (typst, embedded) and DOCX (docx-rs).
//! Both follow `shared/reference/nd30.md` through the same [`Profile`].

pub mod budget;
pub mod docx;
pub mod geometry;
pub mod image;
pub mod pdf;
pub mod png;

use serde::Serialize;

use crate::model::Document;

pub use pdf::{CopyMark, PdfRenderer};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Pdf,
    Docx,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }
}

/// An agency's choice within the decree's ranges: page margins and type sizes.
/// The default is the common profile: 20/20/30/15 mm, 14 pt body, titles 13 pt,
/// motto and date 14 pt, lines exactly single (16.1 pt at 14 pt), 6 pt after each
/// paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Profile {
    pub margin_top_mm: f32,
    pub margin_bottom_mm: f32,
    pub margin_left_mm: f32,
    pub margin_right_mm: f32,
    /// Body text, kind title, Kính gửi, signature (pt).
    pub body_pt: f32,
    /// Agency names, national title, number, V/v (pt).
    pub header_pt: f32,
    /// Motto and place/date (pt).
    pub motto_pt: f32,
    /// The "V/v …" subject of a công văn under the number (pt).
    pub subject_pt: f32,
    /// "Nơi nhận:" label (pt).
    pub recipients_label_pt: f32,
    /// The recipient list (pt).
    pub recipients_pt: f32,
    /// First-line indent of paragraphs (cm).
    pub indent_cm: f32,
    /// Space after each paragraph (pt).
    pub paragraph_spacing_pt: f32,
    /// Line spacing as a multiple of single (1.15 em); the decree allows 1.0 to 1.5.
    /// Every line of both renderers is set exactly at this pitch.
    pub line_spacing: f32,
    /// Table text (pt).
    pub table_pt: f32,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            margin_top_mm: 20.0,
            margin_bottom_mm: 20.0,
            margin_left_mm: 30.0,
            margin_right_mm: 15.0,
            body_pt: 14.0,
            header_pt: 13.0,
            motto_pt: 14.0,
            subject_pt: 12.0,
            recipients_label_pt: 12.0,
            recipients_pt: 11.0,
            indent_cm: 1.27,
            paragraph_spacing_pt: 6.0,
            line_spacing: 1.0,
            table_pt: 12.0,
        }
    }
}

/// Both renderers' output for one document.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Option<Vec<u8>>,
    pub docx: Option<Vec<u8>>,
    /// Pages of the PDF, when one was rendered.
    pub pages: Option<usize>,
}

/// A failure inside a renderer (not the user's input: a `Document` is valid).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("không dàn trang PDF được: {0}")]
    Layout(String),
    #[error("không xuất được tệp PDF/A-2b: {0}")]
    Export(String),
    #[error("văn bản có ký tự mà phông chữ không có nên không in được trong PDF/A: {}; hãy xóa hoặc thay các ký tự này (biểu tượng cảm xúc, chữ Hán… không dùng trong văn bản hành chính)", .0.iter().map(|t| format!("«{t}»")).collect::<Vec<_>>().join(", "))]
    Glyphs(Vec<String>),
    #[error(
        "văn bản có một chuỗi ký tự liền nhau (không có dấu cách) dài quá 32.767 ký tự, PDF/A không ghi được; hãy thêm dấu cách hoặc rút gọn chuỗi đó"
    )]
    LongString,
    #[error("không đóng gói được tệp DOCX: {0}")]
    Docx(String),
    #[error("máy chủ đang tạo nhiều văn bản cùng lúc; hãy thử lại sau {retry_after} giây")]
    Busy { retry_after: u64 },
    #[error("văn bản dài {pages} trang, quá giới hạn {max} trang; hãy tách phụ lục thành văn bản riêng", max = budget::MAX_PAGES)]
    TooManyPages { pages: usize },
    #[error("nội dung văn bản quá lớn ({kb} kB, tối đa {max} kB); hãy rút gọn bảng hoặc tách phụ lục", max = budget::MAX_LAYOUT_BYTES / 1024)]
    TooLarge { kb: usize },
    #[error("các bảng của văn bản có tổng cộng {} ô, quá giới hạn {} ô (một phụ lục 5.000 dòng, 6 cột); hãy tách phụ lục thành nhiều văn bản", crate::text::group_thousands(*cells as i64), crate::text::group_thousands(budget::MAX_TABLE_CELLS as i64))]
    TooManyCells { cells: usize },
    #[error("không ghi được tệp: {0}")]
    Write(#[from] std::io::Error),
    #[error("font folder {path}: {message}")]
    Fonts { path: String, message: String },
}

/// A piece of printed text; `nobreak` pieces never break across lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub text: String,
    pub nobreak: bool,
}

/// Whether a word is a number and symbol ("965/UBND-KT", "30/2020/NĐ-CP;"), which
/// never breaks across lines (short enough never to overflow one).
pub(crate) fn is_symbol(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_digit())
        && word.contains('/')
        && word.chars().count() <= 40
}

/// Whether a word is a web address, which breaks only after a "/".
fn is_address(word: &str) -> bool {
    let host = word.split("://").last().unwrap_or(word);
    let host = host.split('/').next().unwrap_or("");
    (word.contains("://") || host.ends_with(".vn") || host.ends_with(".com"))
        && host.contains('.')
        && word.chars().count() <= 120
}

/// `text` cut into pieces for the PDF layout: each number and symbol one unbreakable
/// piece; a web address its scheme and host in one and each further "/" segment in
/// another; everything else as it is (the DOCX uses [`is_symbol`] too).
pub(crate) fn pieces(text: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = vec![];
    let plain = |out: &mut Vec<Piece>, t: &str| match out.last_mut() {
        Some(p) if !p.nobreak => p.text.push_str(t),
        _ => out.push(Piece {
            text: t.to_string(),
            nobreak: false,
        }),
    };
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        plain(&mut out, &rest[..start]);
        rest = &rest[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        if is_symbol(word) {
            out.push(Piece {
                text: word.to_string(),
                nobreak: true,
            });
        } else if is_address(word) {
            let (scheme, tail) = match word.find("://") {
                Some(i) => word.split_at(i + 3),
                None => ("", word),
            };
            for (i, segment) in tail.split_inclusive('/').enumerate() {
                let text = if i == 0 {
                    format!("{scheme}{segment}")
                } else {
                    segment.to_string()
                };
                out.push(Piece {
                    text,
                    nobreak: true,
                });
            }
        } else if !word.is_empty() {
            plain(&mut out, word);
        }
        rest = &rest[end..];
    }
    out
}

/// The images an electronic document carries in its signature block.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// The signer's handwritten signature (ô 7c).
    pub signature: Option<image::Png>,
    /// The agency's seal at its real size (ô 8).
    pub seal: Option<image::Seal>,
}

/// Renders documents in the requested formats; holds the loaded fonts and layout,
/// so create one and reuse it.
pub struct Renderer {
    pdf: PdfRenderer,
    profile: Profile,
    slots: budget::Slots,
}

impl Renderer {
    /// A renderer with the shipped fonts and, if given, the fonts of an extra folder
    /// (for agencies that hold a Times New Roman licence).
    pub fn new(extra_fonts: Option<&std::path::Path>) -> Result<Self, RenderError> {
        Ok(Renderer {
            pdf: PdfRenderer::new(extra_fonts)?,
            profile: Profile::default(),
            slots: budget::Slots::per_core(),
        })
    }

    /// This renderer with large documents (over [`budget::LARGE_LAYOUT_BYTES`] of
    /// layout data) laid out by a child process started by `command` (see
    /// [`pdf::child`]): the service's memory stays its own size after them.
    pub fn with_child_process(mut self, command: pdf::child::ChildCommand) -> Self {
        self.pdf.set_child(command);
        self
    }

    /// One of the render slots, for other heavy work on user input (reading a Word
    /// upload, verifying a PDF's signatures), so such work shares the cores with renders
    /// instead of adding to them. Nothing that holds it may take another.
    pub fn slot(&self) -> Result<budget::Slot<'_>, RenderError> {
        self.slots.acquire()
    }

    /// Hands the memory that renders freed back to the system once none has run for
    /// `quiet` (once per such lull); whether it did. Between renders under load the
    /// allocator keeps their page-sized buffers for the next ones (see
    /// [`crate::limits::MMAP_THRESHOLD`]).
    pub fn release_when_quiet(&self, quiet: std::time::Duration) -> bool {
        let quiet = self.slots.quiet_for(quiet);
        if quiet {
            crate::limits::release_memory();
        }
        quiet
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The layout data (JSON) of `doc`, as the PDF layout reads it.
    pub fn layout_json(&self, doc: &Document) -> Result<Vec<u8>, RenderError> {
        self.pdf.layout_json(doc, &self.profile)
    }

    /// The PDF/A-2b of `doc` and its page count, in a render slot, within the budget.
    pub fn pdf(&self, doc: &Document) -> Result<(Vec<u8>, usize), RenderError> {
        budget::admit(doc)?;
        let _slot = self.slots.acquire()?;
        self.pdf.render(doc, &self.profile)
    }

    /// The PDF of an electronic document about to be signed: the signer's signature
    /// image and the agency's seal in the signature block (ô 7c, 8) and the annexes'
    /// "(Kèm theo …)" lines left unfilled, as Nghị định 30 asks of electronic documents.
    pub fn pdf_marked(
        &self,
        doc: &Document,
        marks: &Marks,
    ) -> Result<(Vec<u8>, usize), RenderError> {
        budget::admit(doc)?;
        let _slot = self.slots.acquire()?;
        self.pdf.render_marked(doc, &self.profile, Some(marks))
    }

    /// Whether a font family is available (e.g. "Times New Roman" from a font folder).
    pub fn has_family(&self, family: &str) -> bool {
        self.pdf.has_family(family)
    }

    /// An electronic copy of `original` with `mark` on page 1, in a render slot (see
    /// [`PdfRenderer::copy`]).
    pub fn copy(
        &self,
        original: &[u8],
        pages: usize,
        mark: &CopyMark,
    ) -> Result<(Vec<u8>, usize), RenderError> {
        let _slot = self.slots.acquire()?;
        self.pdf.copy(original, pages, mark)
    }

    /// The first `max_pages` pages of `doc` as PNG images, `pixel_per_pt` pixels per
    /// point, and the page count, in a render slot (the live preview).
    pub fn png(
        &self,
        doc: &Document,
        pixel_per_pt: f64,
        max_pages: usize,
    ) -> Result<(Vec<png::Png>, usize), RenderError> {
        budget::admit(doc)?;
        let _slot = self.slots.acquire()?;
        self.pdf
            .render_png(doc, &self.profile, pixel_per_pt, max_pages)
    }

    /// Lays out JSON `data` with another of the PDF layouts (e.g. certificates).
    pub fn pdf_layout(
        &self,
        layout: pdf::Layout,
        data: Vec<u8>,
        ident: &str,
        day: (i32, u32, u32),
    ) -> Result<(Vec<u8>, usize), RenderError> {
        let _slot = self.slots.acquire()?;
        self.pdf.compile(layout, data, ident, day)
    }

    /// Lays out JSON `data` once and returns every page as its own PDF.
    pub fn pdf_layout_pages(
        &self,
        layout: pdf::Layout,
        data: Vec<u8>,
        ident: &str,
        day: (i32, u32, u32),
        threads: usize,
    ) -> Result<Vec<Vec<u8>>, RenderError> {
        let _slot = self.slots.acquire()?;
        self.pdf.compile_pages(layout, data, ident, day, threads)
    }

    pub fn docx(&self, doc: &Document) -> Result<Vec<u8>, RenderError> {
        budget::admit(doc)?;
        docx::render(doc, &self.profile)
    }

    /// Renders the document in each of `formats`; the DOCX on a thread of its own
    /// while the PDF is laid out (a 5,000-row annex: 0.45 s of DOCX off the wall time).
    pub fn render(&self, doc: &Document, formats: &[Format]) -> Result<Rendered, RenderError> {
        let (want_pdf, want_docx) = (
            formats.contains(&Format::Pdf),
            formats.contains(&Format::Docx),
        );
        let (pdf, docx) = std::thread::scope(|scope| {
            let docx = want_docx.then(|| {
                std::thread::Builder::new()
                    .stack_size(crate::limits::THREAD_STACK)
                    .spawn_scoped(scope, || self.docx(doc))
            });
            let pdf = want_pdf.then(|| self.pdf(doc)).transpose();
            let docx = match docx {
                None => Ok(None),
                Some(Ok(handle)) => handle
                    .join()
                    .unwrap_or_else(|_| Err(RenderError::Export("DOCX: luồng bị dừng".into())))
                    .map(Some),
                // No thread to be had: in this one.
                Some(Err(_)) => self.docx(doc).map(Some),
            };
            (pdf, docx)
        });
        let pdf = pdf?;
        Ok(Rendered {
            pages: pdf.as_ref().map(|(_, pages)| *pages),
            pdf: pdf.map(|(bytes, _)| bytes),
            docx: docx?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Piece, pieces};

    fn show(text: &str) -> Vec<(String, bool)> {
        pieces(text)
            .into_iter()
            .map(|Piece { text, nobreak }| (text, nobreak))
            .collect()
    }

    #[test]
    fn symbols_and_addresses_are_unbreakable_pieces() {
        assert_eq!(
            show("Công văn số 965/UBND-KT, ngày 17/7/2024 về"),
            vec![
                ("Công văn số ".into(), false),
                ("965/UBND-KT,".into(), true),
                (" ngày ".into(), false),
                ("17/7/2024".into(), true),
                (" về".into(), false),
            ]
        );
        assert_eq!(
            show("tại http://hoabinh.sohoaocop.vn/dang-ky/san-pham"),
            vec![
                ("tại ".into(), false),
                ("http://hoabinh.sohoaocop.vn/".into(), true),
                ("dang-ky/".into(), true),
                ("san-pham".into(), true),
            ]
        );
        assert_eq!(show("2018 - 2020"), vec![("2018 - 2020".into(), false)]);
        assert_eq!(pieces("").len(), 0);
    }
}
