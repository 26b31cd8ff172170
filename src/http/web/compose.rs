//! The composer's pages beyond the form itself: the live preview the form's script
//! calls, uploads of letter files and Word drafts, OCOP drafts made editable, and the
//! templates drafters save ("Lưu làm mẫu") with the form each of them asks.

use super::form_pages::{Failure, form_errors};
use super::*;
use crate::service::{compose, preview, saved, upload};

/// The form field that carries an upload's history line (its file, what to review)
/// while the drafter fixes what was refused.
pub(super) const UPLOAD_DETAIL: &str = "upload_detail";

/// POST /drafts/preview?template=…: the form as typed (not saved) as page images and
/// problems, JSON; the composer's script calls it as the drafter types.
pub(super) async fn live_preview(
    State(state): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
    Posted { caller, form }: Posted,
) -> Response {
    let template = q.get("template").cloned().unwrap_or_default();
    let user = caller.user.clone();
    state
        .run(move |store, state| {
            let result = preview::form(store, &user, state.renderer(), &template, &form);
            Ok::<_, ApiError>(axum::Json(preview::shown(&template, result)?).into_response())
        })
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// POST /drafts/upload: a letter file (`.toml`) or a Word draft (`.docx`) becomes a
/// composer draft; its problems are shown on the composer's form, filled with what the
/// file said.
pub(super) async fn upload_draft(
    State(state): State<AppState>,
    Uploaded { caller, parts }: Uploaded,
) -> Response {
    let mut parts = match parts {
        Ok(f) => f,
        Err((status, message)) => {
            return fail(
                &state,
                &caller,
                ApiError::new(status, "bad_upload", message),
            );
        }
    };
    let file = parts.remove("file").unwrap_or(Part {
        file_name: String::new(),
        bytes: Default::default(),
    });
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            Ok::<_, ApiError>(upload::create(store, &user, &file.file_name, &file.bytes))
        })
        .await;
    match result {
        Ok(Ok((d, _))) => Redirect::to(&format!("/drafts/{}?done=upload", d.id)).into_response(),
        Ok(Err(refused)) => {
            let refused = *refused;
            let mut error = refused.error;
            if let (DraftError::Invalid(problems), false) = (&mut error, refused.notes.is_empty()) {
                problems.push(forms::FieldError {
                    field: String::new(),
                    message: format!("tệp đã đọc; cần xem lại: {}", refused.notes.join("; ")),
                });
            }
            let template = compose::TEMPLATE.to_string();
            // The form carries what to review into the draft's history once saved.
            let mut fields = refused.fields;
            if !refused.detail.is_empty() {
                fields.insert(UPLOAD_DETAIL.into(), refused.detail);
            }
            form_errors(
                &state,
                &caller,
                template,
                fields,
                Failure::Draft(error),
                None,
            )
            .await
        }
        Err(e) => fail(&state, &caller, e),
    }
}

/// A saved template's placeholder as a form field, with its value and error.
#[derive(Serialize)]
struct SavedField<'a> {
    name: &'a str,
    label: String,
    value: Option<&'a String>,
    error: Option<&'a String>,
}

/// A saved template as a page shows it: its fields as a form, with values and errors.
#[derive(Serialize)]
struct SavedPage<'a> {
    t: &'a saved::SavedTemplate,
    fields: Vec<SavedField<'a>>,
    date: String,
    date_error: Option<&'a String>,
    general: Option<&'a String>,
    /// The template was just kept (the page's status line says so).
    done: bool,
}

impl<'a> SavedPage<'a> {
    fn of(
        t: &'a saved::SavedTemplate,
        values: &'a BTreeMap<String, String>,
        errors: &'a BTreeMap<String, String>,
        kept: bool,
    ) -> SavedPage<'a> {
        let fields = t
            .placeholders
            .iter()
            .map(|n| SavedField {
                name: n,
                label: saved::label(n),
                value: values.get(n),
                error: errors.get(n),
            })
            .collect();
        SavedPage {
            t,
            fields,
            date: values
                .get("date")
                .cloned()
                .unwrap_or_else(|| register::today_vn().to_string()),
            date_error: errors.get("date"),
            general: errors.get(""),
            done: kept,
        }
    }
}

/// GET /templates/{id}: the form of a saved template.
pub(super) async fn saved_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    // Just kept from a draft: the page's status line says so.
    let kept = q.get("done").map(String::as_str) == Some("saved");
    let none = BTreeMap::new();
    saved_form(
        &state,
        &caller,
        StatusCode::OK,
        id,
        none.clone(),
        none,
        kept,
    )
    .await
}

async fn saved_form(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    id: i64,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    kept: bool,
) -> Response {
    let user = caller.user.clone();
    match state
        .run(move |store, _| Ok::<_, ApiError>(saved::get(store, &user, id)?))
        .await
    {
        Ok(t) => render(
            state,
            Some(caller),
            status,
            "saved_form.html",
            SavedPage::of(&t, &values, &errors, kept),
        ),
        Err(e) => fail(state, caller, e),
    }
}

/// POST /templates/{id}: a new composer draft from a saved template.
pub(super) async fn create_from_saved(
    State(state): State<AppState>,
    Id(id): Id,
    Posted { caller, form }: Posted,
) -> Response {
    let (values, user) = (form.clone(), caller.user.clone());
    let result = state
        .run(move |store, _| saved::create_draft(store, &user, id, &values).map_err(Failure::Draft))
        .await;
    match result {
        Ok(d) => Redirect::to(&format!("/drafts/{}", d.id)).into_response(),
        // The template's own fields' problems next to them; the composer's (a field the
        // template holds) on top, with that field's label.
        Err(Failure::Draft(DraftError::Invalid(problems))) => {
            let mut errors: BTreeMap<String, String> = BTreeMap::new();
            for (field, label, message) in preview::labelled(compose::TEMPLATE, &problems) {
                let (key, text) = if form.contains_key(&field) {
                    (field, message)
                } else if label.is_empty() {
                    (String::new(), message)
                } else {
                    (String::new(), format!("{label}: {message}"))
                };
                let slot = errors.entry(key).or_default();
                if !slot.is_empty() {
                    slot.push_str("; ");
                }
                slot.push_str(&text);
            }
            saved_form(
                &state,
                &caller,
                StatusCode::UNPROCESSABLE_ENTITY,
                id,
                form,
                errors,
                false,
            )
            .await
        }
        Err(Failure::Draft(e)) => fail(&state, &caller, e.into()),
        Err(Failure::Api(e)) => fail(&state, &caller, e),
    }
}

/// POST /drafts/{id}/editable: an OCOP draft's generated text becomes editable.
pub(super) async fn make_editable(
    State(state): State<AppState>,
    Id(id): Id,
    Posted { caller, .. }: Posted,
) -> WebResult {
    let user = caller.user.clone();
    let _ = state
        .run(move |store, _| {
            Ok::<_, ApiError>(crate::service::drafts::make_editable(store, &user, id)?)
        })
        .await
        .or_page(&state, &caller)?;
    Ok(Redirect::to(&format!("/drafts/{id}/edit")).into_response())
}

/// POST /drafts/{id}/save-template: keeps a composer draft as a template.
pub(super) async fn save_template(
    State(state): State<AppState>,
    Id(id): Id,
    Posted { caller, mut form }: Posted,
) -> WebResult {
    let user = caller.user.clone();
    let title = form.remove("title").unwrap_or_default();
    let t = state
        .run(move |store, _| Ok::<_, ApiError>(saved::save(store, &user, id, &title)?))
        .await
        .or_page(&state, &caller)?;
    Ok(Redirect::to(&format!("/templates/{}?done=saved", t.id)).into_response())
}
