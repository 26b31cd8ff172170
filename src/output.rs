//! Rendering a batch of letter files into a folder, all or nothing.

use std::path::{Path, PathBuf};

use crate::letter::{self, LetterError, Lookup};
use crate::render::{Format, RenderError, Renderer};

/// Why a batch produced no files.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// One or more letters are wrong; each error lists its problems.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Letters(Vec<LetterError>),
    #[error("{file}: {source}")]
    Render { file: PathBuf, source: RenderError },
    #[error("không ghi được {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("hai thư cùng tên \"{0}\" sẽ ghi đè lên nhau trong thư mục kết quả")]
    DuplicateName(String),
}

/// Checks letters without rendering: returns every problem found, or for each
/// valid letter the rules of the decree it does not follow ([`crate::model::Warning`]).
pub fn check(
    paths: &[PathBuf],
    lookup: Option<&dyn Lookup>,
) -> Result<Vec<Vec<crate::model::Warning>>, BatchError> {
    let mut warnings = vec![];
    let mut errors: Vec<LetterError> = vec![];
    for p in paths {
        match letter::load_with(p, lookup) {
            Ok(doc) => warnings.push(doc.warnings()),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(BatchError::Letters(errors))
    }
}

/// Renders every letter in `formats` into `out` as `<stem>.<ext>`.
///
/// Everything is rendered in memory first; only when all letters succeed are the files
/// written, each through a temporary file renamed into place. Returns the written paths.
pub fn render_files(
    renderer: &Renderer,
    paths: &[PathBuf],
    out: &Path,
    formats: &[Format],
    lookup: Option<&dyn Lookup>,
) -> Result<Vec<PathBuf>, BatchError> {
    let mut docs = vec![];
    let mut errors = vec![];
    let mut stems = std::collections::HashSet::new();
    for p in paths {
        match letter::load_with(p, lookup) {
            Ok(d) => {
                let stem = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "letter".into());
                if !stems.insert(stem.clone()) {
                    return Err(BatchError::DuplicateName(stem));
                }
                docs.push((p, stem, d));
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(BatchError::Letters(errors));
    }
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![];
    for (path, stem, doc) in &docs {
        let r = renderer
            .render(doc, formats)
            .map_err(|source| BatchError::Render {
                file: path.to_path_buf(),
                source,
            })?;
        for (f, bytes) in [(Format::Pdf, r.pdf), (Format::Docx, r.docx)] {
            if let Some(b) = bytes {
                files.push((out.join(format!("{stem}.{}", f.extension())), b));
            }
        }
    }
    std::fs::create_dir_all(out).map_err(|source| BatchError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let mut written = vec![];
    for (path, bytes) in files {
        write_atomic(&path, &bytes).map_err(|source| BatchError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Writes through a temporary file in the same folder and renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or(""),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
