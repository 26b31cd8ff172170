//! PDF through typst, in process.
//!
//! A [`PdfRenderer`] loads the fonts and the layouts once. Each render builds a small
//! [`World`] that serves exactly two files: one layout (`/main.typ` from
//! `templates/layout/nd30.typ`, or `/certificate.typ`) and the data as JSON
//! (`/data.json`). The layout
//! reads the data with `json(...)` and prints every string as text, so nothing a user
//! writes is ever evaluated as Typst code, and no other file can be read.

pub mod child;
mod data;
mod world;

use std::path::Path;

use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use super::{Marks, Profile, RenderError};
use crate::model::Document;
use data::LayoutData;
use world::{DocWorld, Served};

/// The ND30 layout, compiled into the binary.
const LAYOUT: &str = include_str!("../../../templates/layout/nd30.typ");
/// The OCOP certificate layout.
const CERTIFICATE: &str = include_str!("../../../templates/layout/certificate.typ");
/// The books of Phụ lục IV (register book, postal dispatch book, envelopes).
const BOOKS: &str = include_str!("../../../templates/layout/books.typ");
/// An electronic copy ("SAO Y") of a PDF.
const COPY: &str = include_str!("../../../templates/layout/copy.typ");

/// typst's memo cache keeps what the last this-many renders used and drops the rest,
/// so a long-running service stays flat however many distinct documents it renders
/// (the fixed parts of the layout are reused by every render and stay).
const EVICT_AGE: usize = 10;

/// The layouts a [`PdfRenderer`] serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Administrative documents (Nghị định 30).
    Nd30,
    /// OCOP certificates, one landscape page each.
    Certificate,
    /// The registers of Phụ lục IV and the envelopes of paper copies.
    Books,
    /// An electronic copy: the original's pages and the copy's mark on page 1.
    Copy,
}

/// The words at the top right of an electronic copy's first page (Nghị định 30,
/// Phụ lục I): the copy form, the copying agency and the signing time, with the
/// file's title and day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CopyMark {
    /// "SAO Y".
    pub form: String,
    /// The copying agency's name on one line.
    pub agency: String,
    /// The signing time, ISO 8601 with the Vietnam offset (`2026-12-06T09:30:12+07:00`).
    pub time: String,
    /// The file's title (its metadata).
    pub title: String,
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// Fonts, library and layout, loaded once and shared by every render.
pub struct PdfRenderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    data: FileId,
    layout: Source,
    certificate: Source,
    books: Source,
    copy: Source,
    /// The live preview's encoded pages.
    pages: super::png::PageCache,
    /// Where large documents are laid out (the service's `vanthu render-child`); in
    /// this process when none.
    child: Option<child::ChildCommand>,
}

impl PdfRenderer {
    /// Loads the shipped fonts, and every .ttf/.otf/.ttc in `extra_fonts` if given.
    pub fn new(extra_fonts: Option<&Path>) -> Result<Self, RenderError> {
        let mut fonts: Vec<Font> = super::geometry::SHIPPED_FONTS
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        if let Some(dir) = extra_fonts {
            let fonts_err = |message: String| RenderError::Fonts {
                path: dir.display().to_string(),
                message,
            };
            let entries = std::fs::read_dir(dir).map_err(|e| fonts_err(e.to_string()))?;
            for entry in entries {
                let path = entry.map_err(|e| fonts_err(e.to_string()))?.path();
                let ext = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase);
                if matches!(ext.as_deref(), Some("ttf" | "otf" | "ttc")) {
                    let data = std::fs::read(&path).map_err(|e| fonts_err(e.to_string()))?;
                    fonts.extend(Font::iter(Bytes::new(data)));
                }
            }
        }
        let file = |path: &str| {
            FileId::new(RootedPath::new(
                VirtualRoot::Project,
                VirtualPath::new(path).expect("valid path"),
            ))
        };
        let main = file("/main.typ");
        let data = FileId::new(RootedPath::new(
            VirtualRoot::Project,
            VirtualPath::new("/data.json").expect("valid path"),
        ));
        Ok(PdfRenderer {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            data,
            pages: super::png::PageCache::default(),
            child: None,
            layout: Source::new(main, LAYOUT.to_string()),
            certificate: Source::new(file("/certificate.typ"), CERTIFICATE.to_string()),
            books: Source::new(file("/books.typ"), BOOKS.to_string()),
            copy: Source::new(file("/copy.typ"), COPY.to_string()),
        })
    }

    /// Whether a font family is available (e.g. "Times New Roman" from a font folder).
    pub fn has_family(&self, family: &str) -> bool {
        self.book.contains_family(&family.to_lowercase())
    }

    /// The data the layout reads for `doc` (its `/data.json`), e.g. to compare with
    /// typst alone on the same input.
    pub fn layout_json(&self, doc: &Document, profile: &Profile) -> Result<Vec<u8>, RenderError> {
        LayoutData::new(doc, profile).to_json(doc)
    }

    /// Lays out and exports one document as PDF/A-2b; returns the bytes and the page count.
    pub fn render(
        &self,
        doc: &Document,
        profile: &Profile,
    ) -> Result<(Vec<u8>, usize), RenderError> {
        self.render_marked(doc, profile, None)
    }

    /// [`PdfRenderer::render`] with the images of an electronic document's signatures.
    pub fn render_marked(
        &self,
        doc: &Document,
        profile: &Profile,
        marks: Option<&Marks>,
    ) -> Result<(Vec<u8>, usize), RenderError> {
        let json = LayoutData::new(doc, profile)
            .marked(doc, marks)
            .to_json(doc)?;
        if json.len() > super::budget::MAX_LAYOUT_BYTES {
            return Err(RenderError::TooLarge {
                kb: json.len() / 1024,
            });
        }
        let large = json.len() > super::budget::LARGE_LAYOUT_BYTES;
        let date = doc.date();
        let day = (
            date.year(),
            date.month().unwrap_or(1),
            date.day().unwrap_or(1),
        );
        let images = marks
            .map(|m| Served {
                signature: m.signature.as_ref().map(|p| Bytes::new(p.bytes().to_vec())),
                seal: m
                    .seal
                    .as_ref()
                    .map(|s| Bytes::new(s.image.bytes().to_vec())),
                original: None,
            })
            .unwrap_or_default();
        let ident = doc.number_symbol();
        match &self.child {
            Some(child) if large => child.render(json, &images, &ident, day),
            _ => {
                let result = self.lay_out_and_export(json, images, &ident, day);
                // A document refused for its pages was laid out in full: a large one.
                forget(large || matches!(result, Err(RenderError::TooManyPages { .. })));
                result
            }
        }
    }

    /// Lays out the layout data `json` of an administrative document with `images`
    /// and exports it as PDF/A-2b (`ident`, `day`: its identity and date); refuses
    /// one past [`super::budget::MAX_PAGES`].
    fn lay_out_and_export(
        &self,
        json: Vec<u8>,
        images: Served,
        ident: &str,
        day: (i32, u32, u32),
    ) -> Result<(Vec<u8>, usize), RenderError> {
        let paged = self.lay_out_with(Layout::Nd30, json, images)?;
        let pages = paged.pages().len();
        if pages > super::budget::MAX_PAGES {
            return Err(RenderError::TooManyPages { pages });
        }
        Ok((export(&paged, ident, day, None)?, pages))
    }

    /// Lays large documents out in a child process started by `command` from now on.
    pub fn set_child(&mut self, command: child::ChildCommand) {
        self.child = Some(command);
    }

    /// Lays out one document and rasterises its first `max_pages` pages as PNG images at
    /// `pixel_per_pt` (the same layout as the PDF: the live preview of a draft); also
    /// returns the page count.
    pub fn render_png(
        &self,
        doc: &Document,
        profile: &Profile,
        pixel_per_pt: f64,
        max_pages: usize,
    ) -> Result<(Vec<super::png::Png>, usize), RenderError> {
        let json = LayoutData::new(doc, profile).to_json(doc)?;
        if json.len() > super::budget::MAX_LAYOUT_BYTES {
            return Err(RenderError::TooLarge {
                kb: json.len() / 1024,
            });
        }
        let large = json.len() > super::budget::LARGE_LAYOUT_BYTES;
        let paged = self.lay_out(Layout::Nd30, json)?;
        let pages = paged.pages().len();
        let options = typst_render::RenderOptions {
            pixel_per_pt: typst::utils::Scalar::new(pixel_per_pt),
            render_bleed: false,
        };
        let images = paged
            .pages()
            .iter()
            .take(max_pages)
            .map(|page| {
                let key = typst::utils::hash128(&(page, pixel_per_pt.to_bits()));
                self.pages.get_or_encode(key, || {
                    let px = typst_render::render(page, &options);
                    super::png::encode(px.width(), px.height(), px.data())
                        .map_err(|e| RenderError::Export(format!("PNG: {e}")))
                })
            })
            .collect::<Result<Vec<_>, _>>();
        drop(paged);
        forget(large);
        Ok((images?, pages))
    }

    /// Lays out `data` (JSON the layout reads from `/data.json`) with one of the layouts
    /// and exports PDF/A-2b; `ident` and `day` make the file stable across runs.
    pub fn compile(
        &self,
        layout: Layout,
        data: Vec<u8>,
        ident: &str,
        day: (i32, u32, u32),
    ) -> Result<(Vec<u8>, usize), RenderError> {
        let large = data.len() > super::budget::LARGE_LAYOUT_BYTES;
        let paged = self.lay_out(layout, data)?;
        let pages = paged.pages().len();
        let bytes = export(&paged, ident, day, None);
        drop(paged);
        forget(large);
        Ok((bytes?, pages))
    }

    /// Lays out `data` once and exports every page as its own PDF, on `threads` threads.
    pub fn compile_pages(
        &self,
        layout: Layout,
        data: Vec<u8>,
        ident: &str,
        day: (i32, u32, u32),
        threads: usize,
    ) -> Result<Vec<Vec<u8>>, RenderError> {
        let paged = self.lay_out(layout, data)?;
        // The layout is done: drop typst's memo cache before the exports.
        typst::comemo::evict(0);
        let n = paged.pages().len();
        let chunk = n.div_ceil(threads.max(1)).max(1);
        let paged = &paged;
        let pages = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..n)
                .step_by(chunk)
                .map(|start| {
                    scope.spawn(move || {
                        (start..(start + chunk).min(n))
                            .map(|i| {
                                let page =
                                    std::num::NonZeroUsize::new(i + 1).expect("pages count from 1");
                                let ranges =
                                    typst::layout::PageRanges::new(vec![Some(page)..=Some(page)]);
                                export(paged, &format!("{ident}:{}", i + 1), day, Some(ranges))
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("an export thread panicked"))
                .collect::<Result<Vec<Vec<_>>, _>>()
                .map(|v| v.into_iter().flatten().collect::<Vec<_>>())
        })?;
        forget(true);
        Ok(pages)
    }

    /// An electronic copy of `original` (a PDF of `pages` pages): every page at 100 %
    /// and `mark` at the top right of page 1; exported as PDF 1.7, ready for the
    /// copying agency's signature. Returns the bytes and the page count.
    pub fn copy(
        &self,
        original: &[u8],
        pages: usize,
        mark: &CopyMark,
    ) -> Result<(Vec<u8>, usize), RenderError> {
        #[derive(serde::Serialize)]
        struct Data<'a> {
            #[serde(flatten)]
            mark: &'a CopyMark,
            pages: usize,
        }
        let data = serde_json::to_vec(&Data { mark, pages })
            .map_err(|e| RenderError::Layout(e.to_string()))?;
        let served = Served {
            original: Some(Bytes::new(original.to_vec())),
            ..Served::default()
        };
        let paged = self.lay_out_with(Layout::Copy, data, served)?;
        let pages = paged.pages().len();
        // PDF/A forbids embedding another PDF's pages (typst refuses it): the copy is a
        // plain PDF 1.7, as the decree asks of an electronic copy (PDF 1.4 or later).
        let options = PdfOptions {
            ident: Smart::Custom(format!("vanthu:{}", mark.title)),
            creator: Smart::Custom(Some("vanthu".into())),
            timestamp: Datetime::from_ymd_hms(mark.year, mark.month as u8, mark.day as u8, 8, 0, 0)
                .map(Timestamp::new_utc),
            ..PdfOptions::default()
        };
        let bytes =
            typst_pdf::pdf(&paged, &options).map_err(|errs| RenderError::Export(describe(&errs)));
        drop(paged);
        forget(true);
        Ok((bytes?, pages))
    }

    fn lay_out(&self, layout: Layout, data: Vec<u8>) -> Result<PagedDocument, RenderError> {
        self.lay_out_with(layout, data, Served::default())
    }

    /// Lays out with the signature and seal images served as `/signature.png` and
    /// `/seal.png`, and the original of a copy as `/original.pdf`.
    fn lay_out_with(
        &self,
        layout: Layout,
        data: Vec<u8>,
        served: Served,
    ) -> Result<PagedDocument, RenderError> {
        let world = DocWorld {
            base: self,
            main: match layout {
                Layout::Nd30 => &self.layout,
                Layout::Certificate => &self.certificate,
                Layout::Books => &self.books,
                Layout::Copy => &self.copy,
            },
            data: Bytes::new(data),
            served,
        };
        typst::compile(&world)
            .output
            .map_err(|errs| RenderError::Layout(describe(&errs)))
    }
}

/// After a render: typst's cache keeps what the last [`EVICT_AGE`] renders used, but a
/// large document's layout is dropped at once and the heap it freed handed back to the
/// system (otherwise a 5,000-row annex left the service at 354 MB instead of 173 MB).
fn forget(large: bool) {
    if large {
        typst::comemo::evict(0);
        crate::limits::release_memory();
    } else {
        typst::comemo::evict(EVICT_AGE);
    }
}

/// Exports PDF/A-2b, all pages or the given ones.
fn export(
    paged: &PagedDocument,
    ident: &str,
    day: (i32, u32, u32),
    page_ranges: Option<typst::layout::PageRanges>,
) -> Result<Vec<u8>, RenderError> {
    let stamp =
        Datetime::from_ymd_hms(day.0, day.1 as u8, day.2 as u8, 8, 0, 0).map(Timestamp::new_utc);
    let options = PdfOptions {
        ident: Smart::Custom(format!("vanthu:{ident}")),
        creator: Smart::Custom(Some("vanthu".into())),
        timestamp: stamp,
        // typst cannot tag a page range; PDF/A-2b does not require tags.
        tagged: page_ranges.is_none(),
        page_ranges,
        standards: PdfStandards::new(&[PdfStandard::A_2b])
            .map_err(|e| RenderError::Export(format!("{e:?}")))?,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(paged, &options).map_err(|errs| {
        let missing = missing_glyphs(&errs);
        if !missing.is_empty() {
            RenderError::Glyphs(missing)
        } else if errs
            .iter()
            .any(|e| e.message.contains("PDF string is longer than"))
        {
            // A run of text without a space longer than PDF/A's string limit.
            RenderError::LongString
        } else {
            RenderError::Export(describe(&errs))
        }
    })
}

/// The texts of "could not be displayed with font" errors (an emoji, a Chinese
/// character, a private-use code point): PDF/A needs every character's glyph. Empty
/// when any error is of another kind.
fn missing_glyphs(errs: &[SourceDiagnostic]) -> Vec<String> {
    let mut texts = vec![];
    for e in errs {
        let m = e.message.as_str();
        let Some(rest) = m.split("the text `").nth(1) else {
            return vec![];
        };
        if !m.contains("could not be displayed") {
            return vec![];
        }
        let quoted = rest.split('`').next().unwrap_or("");
        let text = quoted
            .strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .unwrap_or(quoted);
        if !texts.iter().any(|t| t == text) {
            texts.push(text.to_string());
        }
    }
    texts
}

fn describe(errs: &[SourceDiagnostic]) -> String {
    errs.iter()
        .map(|e| {
            let hints: String = e
                .hints
                .iter()
                .map(|h| format!(" (hint: {})", h.v))
                .collect();
            format!("{}{hints}", e.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
