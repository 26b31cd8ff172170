//! Templates and drafts: compose, preview, submit, approve or return, issue, send.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{ApiJson, Id, file};
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::service::{drafts, forms};

/// The forms of the templates.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Templates {
    pub templates: Vec<TemplateView>,
}

/// A template's form, each field with its choices.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub id: String,
    pub title: String,
    pub about: String,
    pub fields: Vec<FieldView>,
}

/// One field of a form.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub kind: forms::FieldKind,
    pub required: bool,
    pub choices: Vec<forms::Choice>,
}

/// GET /templates: every form with its fields and their choices.
#[utoipa::path(
    get,
    operation_id = "drafts_templates",
    path = "/templates",
    tag = "drafts",
    summary = "Templates with their declared form fields and choices",
    responses(
        (status = 200, description = "OK", body = Templates),
        (status = 401, response = Problem),
    ),
)]
pub async fn templates(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Templates>, ApiError> {
    state
        .run(|store, _| {
            let mut templates = vec![];
            for form in forms::forms() {
                let mut fields = vec![];
                for f in &form.fields {
                    fields.push(FieldView {
                        name: f.name.clone(),
                        label: f.label.clone(),
                        kind: f.kind,
                        required: f.required,
                        choices: forms::choices(store, f.kind)?,
                    });
                }
                templates.push(TemplateView {
                    id: form.id.clone(),
                    title: form.title.clone(),
                    about: form.about.clone(),
                    fields,
                });
            }
            Ok(Json(Templates { templates }))
        })
        .await
}

/// The drafts a list found.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DraftList {
    pub drafts: Vec<drafts::Draft>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    state: Option<String>,
}

/// GET /drafts?state=submitted
#[utoipa::path(
    get,
    operation_id = "drafts_list",
    path = "/drafts",
    tag = "drafts",
    summary = "Drafts, newest first",
    params(
        ListQuery,
    ),
    responses(
        (status = 200, description = "OK", body = DraftList),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<DraftList>, ApiError> {
    let filter = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(drafts::State::parse(s).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                format!("trạng thái \"{s}\" không có; hãy dùng draft, submitted, approved, issued"),
            )
            .at("state")
        })?),
    };
    state
        .run(move |store, _| {
            Ok(Json(DraftList {
                drafts: drafts::list(store, &caller.user, filter)?,
            }))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraft {
    template: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// POST /drafts {template, fields}
#[utoipa::path(
    post,
    operation_id = "drafts_create",
    path = "/drafts",
    tag = "drafts",
    summary = "Compose a draft from a template (drafter)",
    request_body(content = inline(NewDraft), content_type = "application/json"),
    responses(
        (status = 201, description = "OK", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(d): ApiJson<NewDraft>,
) -> Result<(StatusCode, Json<drafts::Draft>), ApiError> {
    state
        .run(move |store, _| {
            Ok((
                StatusCode::CREATED,
                Json(drafts::create(store, &caller.user, &d.template, &d.fields)?),
            ))
        })
        .await
}

/// A draft with what approving its pages approves now (the hash `seen` takes).
#[derive(Serialize, utoipa::ToSchema)]
pub struct DraftView {
    #[serde(flatten)]
    pub draft: drafts::Draft,
    pub content_hash: String,
}

/// GET /drafts/{id}
#[utoipa::path(
    get,
    operation_id = "drafts_one",
    path = "/drafts/{id}",
    tag = "drafts",
    summary = "One draft",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = DraftView),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<DraftView>, ApiError> {
    state
        .run(move |store, _| {
            let draft = drafts::get_for(store, &caller.user, id)?;
            let content_hash = drafts::content_hash(store, &caller.user, id)?;
            Ok(Json(DraftView {
                draft,
                content_hash,
            }))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    fields: BTreeMap<String, String>,
}

/// PUT /drafts/{id} {fields}
#[utoipa::path(
    put,
    operation_id = "drafts_update",
    path = "/drafts/{id}",
    tag = "drafts",
    summary = "Change a draft's fields (its drafter, while being written)",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(Fields), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(f): ApiJson<Fields>,
) -> Result<Json<drafts::Draft>, ApiError> {
    state
        .run(move |store, _| Ok(Json(drafts::update(store, &caller.user, id, &f.fields)?)))
        .await
}

/// GET /drafts/{id}/preview.pdf: the PDF as it would be issued, without a number.
#[utoipa::path(
    get,
    operation_id = "drafts_preview",
    path = "/drafts/{id}/preview.pdf",
    tag = "drafts",
    summary = "The draft as PDF, unnumbered",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", content(("application/pdf"))),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    state
        .run(move |store, state| {
            let pdf = drafts::preview(store, &caller.user, state.renderer(), id)?;
            Ok(file(pdf, "application/pdf", &format!("ban-nhap-{id}.pdf")))
        })
        .await
}

/// GET /drafts/{id}/history: the draft's audit rows, newest first.
#[utoipa::path(
    get,
    operation_id = "drafts_history",
    path = "/drafts/{id}/history",
    tag = "drafts",
    summary = "Who did what to the draft, when",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = super::Events),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<super::Events>, ApiError> {
    state
        .run(move |store, _| {
            let events = drafts::history(store, &caller.user, id)?;
            Ok(Json(super::Events { events }))
        })
        .await
}

/// POST /preview: a letter file (TOML, as `vanthu render` reads it) as PDF, unnumbered
/// unless it says its number. `@id` entries are filled from the database.
#[utoipa::path(
    post,
    operation_id = "drafts_preview_letter",
    path = "/preview",
    tag = "drafts",
    summary = "A letter file (TOML, the format `vanthu render` reads) rendered as PDF, unnumbered",
    request_body(content(("text/plain"))),
    responses(
        (status = 200, description = "The PDF", content(("application/pdf"))),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 413, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn preview_letter(
    State(state): State<AppState>,
    _caller: Caller,
    body: String,
) -> Result<Response, ApiError> {
    state
        .run(move |store, state| {
            let doc = crate::letter::parse_with(
                &body,
                std::path::Path::new("thu.toml"),
                Some(&*store as &dyn crate::letter::Lookup),
            )?;
            let (pdf, _) = state.renderer().pdf(&doc)?;
            Ok(file(pdf, "application/pdf", "xem-truoc.pdf"))
        })
        .await
}
