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
use crate::http::error::ApiError;
use crate::service::{drafts, preview, saved, upload};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    template: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// POST /drafts/preview {template, fields}: the form as typed, not saved, as PNG pages
/// (`data:` URLs) or the problems under their fields; checked exactly as creating the
/// draft would check it.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    name: String,
}

/// An uploaded file as a draft, with what the reader could not place.
#[derive(Serialize)]
pub struct UploadedDraft {
    pub draft: drafts::Draft,
    pub notes: Vec<String>,
}

/// POST /drafts/upload?name=thu.toml (body: the file): a letter file or a Word draft
/// becomes a composer draft; 201 with the draft and what the reader could not place.
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
pub async fn editable(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<drafts::Draft>, ApiError> {
    state
        .run(move |store, _| Ok(Json(drafts::make_editable(store, &caller.user, id)?)))
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Title {
    title: String,
}

/// POST /drafts/{id}/save-template {title}: keeps a composer draft as a template.
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
#[derive(Serialize)]
pub struct SavedTemplates {
    pub templates: Vec<saved::SavedTemplate>,
}

/// GET /saved-templates: every saved template with its fields.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// POST /saved-templates/{id}/drafts {fields}: a new composer draft from a saved
/// template, its `{{ }}` fields and `date` filled from `fields`.
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
