//! The live preview: a draft's pages as PNG images (typst's rasteriser over the same
//! layout as the PDF), for a saved draft or for a form being typed, with every problem
//! of the form under its field.

use std::collections::BTreeMap;

use serde::Serialize;

use super::accounts::User;
use super::drafts::{self, DraftError};
use super::forms::{self, FieldError};
use crate::render::Renderer;
use crate::store::Store;

/// Pixels per point of a preview image: an A4 page is 893 × 1263 pixels, sharp on a
/// phone and at 1280 px, cheap enough to redraw as the drafter types.
pub const PIXEL_PER_PT: f64 = 1.5;

/// At most this many pages are drawn; the rest are counted (the PDF has them all).
pub const MAX_PAGES: usize = 12;

/// What a preview shows.
#[derive(Debug)]
pub struct Preview {
    /// The first pages, PNG (shared with the renderer's page cache).
    pub pages: Vec<crate::render::png::Png>,
    /// How many pages the document has.
    pub page_count: usize,
    /// The form's problems still to fix when the pages are a sketch (drawn with
    /// placeholders for them); empty when the form is complete.
    pub missing: Vec<FieldError>,
}

/// The pages of a form as it stands, not saved: the values are checked and composed
/// exactly as creating a draft would, so a problem shown here is one saving shows.
pub fn form(
    store: &Store,
    user: &User,
    renderer: &Renderer,
    template: &str,
    raw: &BTreeMap<String, String>,
) -> Result<Preview, DraftError> {
    match drafts::checked(store, template, raw) {
        Ok((_, c)) => {
            drafts::composing_for(store, user, &c, "draft:preview")?;
            pages(renderer, &c.composed.document)
        }
        // The free composer draws the page from the first keystroke: what is missing
        // is marked on the page and named under its field.
        Err(DraftError::Invalid(problems)) if template == super::compose::TEMPLATE => {
            let Some(composed) = super::compose::sketch(store, raw, &problems, user.agency())
            else {
                return Err(DraftError::Invalid(problems));
            };
            drafts::composing_document_for(store, user, &composed.document, "draft:preview")?;
            let mut p = pages(renderer, &composed.document)?;
            p.missing = problems;
            Ok(p)
        }
        Err(e) => Err(e),
    }
}

/// The pages of a saved draft as it would be issued, unnumbered (its agency's readers).
pub fn draft(
    store: &Store,
    user: &User,
    renderer: &Renderer,
    id: i64,
) -> Result<Preview, DraftError> {
    pages(renderer, &drafts::compose(store, user, id)?.document)
}

fn pages(renderer: &Renderer, doc: &crate::model::Document) -> Result<Preview, DraftError> {
    let (pages, page_count) = renderer.png(doc, PIXEL_PER_PT, MAX_PAGES)?;
    Ok(Preview {
        pages,
        page_count,
        missing: vec![],
    })
}

/// A form's problems with the labels of their fields, for showing next to them.
pub fn labelled(template: &str, problems: &[FieldError]) -> Vec<(String, String, String)> {
    let form = forms::form(template);
    problems
        .iter()
        .map(|p| {
            let label = form
                .and_then(|f| f.fields.iter().find(|x| x.name == p.field))
                .map(|x| x.label.split(" (").next().unwrap_or(&x.label).to_string())
                .unwrap_or_default();
            (p.field.clone(), label, p.message.clone())
        })
        .collect()
}

/// A problem of a form as a page or a client shows it: the field, its label, what.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = FormProblem)]
pub struct Problem {
    /// The form field (`""`: the form as a whole).
    pub field: String,
    /// The field's label, without its hint in parentheses.
    pub label: String,
    pub message: String,
}

/// What the composer shows beside the form: the pages as `data:image/png;base64,…`
/// URLs, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Shown {
    /// Pages are shown (perhaps a sketch: then `errors` names what is still missing).
    pub ok: bool,
    /// The pages are a sketch with placeholders for the fields in `errors`.
    pub sketch: bool,
    pub page_count: usize,
    pub pages: Vec<String>,
    pub errors: Vec<Problem>,
}

/// A preview's outcome as shown: the form's problems (and a composition that cannot be
/// made from the data, or a render over its budget) become [`Shown::errors`]; what the
/// drafter cannot fix (a refusal, the database) stays an error.
pub fn shown(template: &str, result: Result<Preview, DraftError>) -> Result<Shown, DraftError> {
    use base64::Engine as _;
    let problems = |list: &[FieldError]| -> Vec<Problem> {
        labelled(template, list)
            .into_iter()
            .map(|(field, label, message)| Problem {
                field,
                label,
                message,
            })
            .collect()
    };
    let failed = |errors: Vec<Problem>| Shown {
        ok: false,
        sketch: false,
        page_count: 0,
        pages: vec![],
        errors,
    };
    match result {
        Ok(p) => Ok(Shown {
            ok: true,
            sketch: !p.missing.is_empty(),
            page_count: p.page_count,
            pages: p
                .pages
                .iter()
                .map(|png| {
                    format!(
                        "data:image/png;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(png.as_slice())
                    )
                })
                .collect(),
            errors: problems(&p.missing),
        }),
        Err(DraftError::Invalid(list)) => Ok(failed(problems(&list))),
        Err(
            e @ (DraftError::Compose(crate::ocop::OcopError::Letter(_))
            | DraftError::NothingCertified
            | DraftError::Render(
                crate::render::RenderError::Glyphs(_)
                | crate::render::RenderError::TooManyPages { .. }
                | crate::render::RenderError::TooLarge { .. },
            )),
        ) => Ok(failed(vec![Problem {
            field: String::new(),
            label: String::new(),
            message: e.to_string(),
        }])),
        Err(DraftError::Compose(e)) if !matches!(e, crate::ocop::OcopError::Sqlite(_)) => {
            Ok(failed(vec![Problem {
                field: String::new(),
                label: String::new(),
                message: e.to_string(),
            }]))
        }
        Err(e) => Err(e),
    }
}
