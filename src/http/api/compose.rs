//! The composer: a form previewed as page images before it is saved, a letter file or
//! a Word draft uploaded as a draft, an OCOP draft made editable, and the templates
//! drafters save ("Lưu làm mẫu").

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{ApiJson, Id};
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::service::{drafts, preview, saved, upload};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    template: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// POST /drafts/preview {template, fields}: the form as typed, not saved, as PNG pages
/// (`data:` URLs) or the problems under their fields; checked exactly as creating the
/// draft would check it.
#[utoipa::path(
    post,
    operation_id = "compose_preview",
    path = "/drafts/preview",
    tag = "composer",
    summary = "Preview a form as typed, not saved: PNG pages or the problems under their fields (anyone signed in)",
    description = "Checks and composes the fields exactly as `POST /drafts` would, then draws the pages. A problem the drafter can fix is a 200 with `ok: false`; the composer's form is the template `letter` (fields kind, issuer, signer, date, urgency, secrecy, circulation, drafter, copies, address, subject, addressees, authority, grounds, proposal, body, annex_title, annex_body, recipients; addressees and recipients one a line, `@id` for a stored group or agency).",
    request_body(content = inline(PreviewRequest), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = preview::Shown),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 415, response = Problem),
        (status = 422, response = Problem),
        (status = 503, response = Problem),
    ),
)]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(r): ApiJson<PreviewRequest>,
) -> Result<Json<preview::Shown>, ApiError> {
    state
        .run(move |store, state| {
            let result = preview::form(
                store,
                &caller.user,
                state.renderer(),
                &r.template,
                &r.fields,
            );
            Ok(Json(preview::shown(&r.template, result)?))
        })
        .await
}

/// GET /drafts/{id}/pages: a saved draft's pages as PNG `data:` URLs.
#[utoipa::path(
    get,
    operation_id = "compose_pages",
    path = "/drafts/{id}/pages",
    tag = "composer",
    summary = "A saved draft's pages as PNG images",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = preview::Shown),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
        (status = 503, response = Problem),
    ),
)]
pub async fn pages(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<preview::Shown>, ApiError> {
    state
        .run(move |store, state| {
            let template = drafts::get_for(store, &caller.user, id)?.template;
            let result = preview::draft(store, &caller.user, state.renderer(), id);
            Ok(Json(preview::shown(&template, result)?))
        })
        .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name; its extension (.toml or .docx) says how it is read.
    name: String,
}

/// An uploaded file as a draft, with what the reader could not place.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UploadedDraft {
    pub draft: drafts::Draft,
    pub notes: Vec<String>,
}

/// POST /drafts/upload?name=thu.toml (body: the file): a letter file or a Word draft
/// becomes a composer draft; 201 with the draft and what the reader could not place.
#[utoipa::path(
    post,
    operation_id = "compose_upload",
    path = "/drafts/upload",
    tag = "composer",
    summary = "A letter file (.toml) or a Word draft (.docx) becomes a composer draft (drafter)",
    description = "The body is the file. A .docx is read paragraph by paragraph: headings, bold and italic runs, bullets, tables and footnotes become the body markup; issuer, number, date, kind, subject, Kính gửi, Nơi nhận and the signer are recognised where they stand in the Nghị định 30 layout, the issuer and signer matched by name. `notes` lists what was kept as paragraphs or left out.",
    params(
        UploadQuery,
    ),
    request_body(content(("application/octet-stream"))),
    responses(
        (status = 201, description = "Created", body = UploadedDraft),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 413, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<UploadQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<UploadedDraft>), ApiError> {
    state
        .run(move |store, _| {
            let (draft, notes) =
                upload::create(store, &caller.user, &q.name, &body).map_err(|r| r.error)?;
            Ok((StatusCode::CREATED, Json(UploadedDraft { draft, notes })))
        })
        .await
}

/// POST /drafts/{id}/editable: an OCOP draft's generated text becomes editable (the
/// draft becomes a composer draft).
#[utoipa::path(
    post,
    operation_id = "compose_editable",
    path = "/drafts/{id}/editable",
    tag = "composer",
    summary = "Make an OCOP draft's generated text editable (its author): it becomes a composer draft with the same wording",
    description = "A certification decision keeps its template (409 wrong_template): its certificates follow the evaluation's scores.",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn editable(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<drafts::Draft>, ApiError> {
    state
        .run(move |store, _| Ok(Json(drafts::make_editable(store, &caller.user, id)?)))
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Title {
    title: String,
}

/// POST /drafts/{id}/save-template {title}: keeps a composer draft as a template.
#[utoipa::path(
    post,
    operation_id = "compose_save_template",
    path = "/drafts/{id}/save-template",
    tag = "composer",
    summary = "Save a composer draft as a template of its issuing agency (Lưu làm mẫu; drafter)",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(Title), content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = saved::SavedTemplate),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn save_template(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(t): ApiJson<Title>,
) -> Result<(StatusCode, Json<saved::SavedTemplate>), ApiError> {
    state
        .run(move |store, _| {
            Ok((
                StatusCode::CREATED,
                Json(saved::save(store, &caller.user, id, &t.title)?),
            ))
        })
        .await
}

/// The saved templates an account may use.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SavedTemplates {
    pub templates: Vec<saved::SavedTemplate>,
}

/// GET /saved-templates: every saved template with its fields.
#[utoipa::path(
    get,
    operation_id = "compose_saved_list",
    path = "/saved-templates",
    tag = "composer",
    summary = "The templates drafters saved, with the fields each asks",
    responses(
        (status = 200, description = "OK", body = SavedTemplates),
        (status = 401, response = Problem),
    ),
)]
pub async fn saved_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SavedTemplates>, ApiError> {
    state
        .run(move |store, _| {
            Ok(Json(SavedTemplates {
                templates: saved::list(store, &caller.user)?,
            }))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Values {
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// POST /saved-templates/{id}/drafts {fields}: a new composer draft from a saved
/// template, its `{{ }}` fields and `date` filled from `fields`.
#[utoipa::path(
    post,
    operation_id = "compose_from_saved",
    path = "/saved-templates/{id}/drafts",
    tag = "composer",
    summary = "A new composer draft from a saved template, its fields filled (drafter)",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(Values), content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn from_saved(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(v): ApiJson<Values>,
) -> Result<(StatusCode, Json<drafts::Draft>), ApiError> {
    state
        .run(move |store, _| {
            Ok((
                StatusCode::CREATED,
                Json(saved::create_draft(store, &caller.user, id, &v.fields)?),
            ))
        })
        .await
}
