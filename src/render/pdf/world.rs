//! The world of one render: the shared fonts, the standard library and the layout,
//! plus this document's data as `/data.json` and its images (or the original it copies);
//! no other file exists.

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::PdfRenderer;

/// The world of one render: the shared fonts and layout plus this document's data.
pub(super) struct DocWorld<'a> {
    pub(super) base: &'a PdfRenderer,
    pub(super) main: &'a Source,
    pub(super) data: Bytes,
    pub(super) served: Served,
}

/// The files a render serves besides its layout and data: the signature and seal
/// images of an electronic original, the original PDF of an electronic copy.
#[derive(Default)]
pub(super) struct Served {
    pub(super) signature: Option<Bytes>,
    pub(super) seal: Option<Bytes>,
    pub(super) original: Option<Bytes>,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.base.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.base.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.base.data {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else if let Some(image) = self.image(id) {
            Ok(image)
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.base.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

impl DocWorld<'_> {
    /// The signature or seal image, or the copied original, when this render has it.
    pub(super) fn image(&self, id: FileId) -> Option<Bytes> {
        match id.get().vpath().get_with_slash() {
            "/signature.png" => self.served.signature.clone(),
            "/seal.png" => self.served.seal.clone(),
            "/original.pdf" => self.served.original.clone(),
            _ => None,
        }
    }
}

pub(super) fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_with_slash().into())
}
