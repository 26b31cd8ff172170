//! Administration: the programme data (read and import), the audit log, the signers' images
//! and the agencies' seals. Accounts are in [`super::users`].

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldProblem, Problem};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DataQuery {
    limit: Option<u32>,
}

/// The programme data, table by table.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Tables {
    pub tables: Vec<crate::service::DataTable>,
}

/// GET /data?limit=100: the programme data held, table by table (anyone signed in).
#[utoipa::path(
    get,
    operation_id = "admin_data",
    path = "/data",
    tag = "admin",
    summary = "The programme data held, table by table: agencies, people, groups, programmes, products, evaluations, milestones, reminder policies",
    params(
        DataQuery,
    ),
    responses(
        (status = 200, description = "{tables: [{id, title, total, columns, rows}]}", body = Tables),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
    ),
)]
pub async fn data(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DataQuery>,
) -> Result<Json<Tables>, ApiError> {
    let limit = q.limit.unwrap_or(100).min(10_000);
    state
        .run(move |store, _| {
            Ok(Json(Tables {
                tables: crate::service::data_tables(store, &caller.user, limit)?,
            }))
        })
        .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    format: String,
    /// Update agencies, people, producers and products that exist (default: add only).
    #[serde(default)]
    update: bool,
}

/// The data import of an uploaded text (API body or web upload), all or nothing.
pub fn import_text(
    store: &mut crate::store::Store,
    caller: &Caller,
    name: &str,
    text: &str,
    mode: crate::data::Mode,
) -> Result<crate::data::ImportReport, ApiError> {
    match crate::service::import(store, &caller.user, name, text, mode)? {
        Ok(report) => Ok(report),
        Err(e) => {
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "import_rejected",
                format!("không nhập gì cả: {e}"),
            );
            err.fields = e
                .problems
                .iter()
                .map(|p| FieldProblem {
                    field: format!("{}.{}", p.row, p.field),
                    message: p.message.clone(),
                })
                .collect();
            err.field = err.fields.first().map(|f| f.field.clone());
            Err(err)
        }
    }
}

/// What an import added or changed, per table, and the same in words.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub agencies: usize,
    pub people: usize,
    pub groups: usize,
    pub programmes: usize,
    pub producers: usize,
    pub products: usize,
    pub evaluations: usize,
    pub certificates: usize,
    pub milestones: usize,
    pub summary: String,
}

/// POST /import?format=toml|json|csv with the file as the body.
#[utoipa::path(
    post,
    operation_id = "admin_import",
    path = "/import",
    tag = "admin",
    summary = "Import programme data (the import format), all or nothing (admin)",
    params(
        ImportQuery,
    ),
    request_body(content(("text/plain"))),
    responses(
        (status = 200, description = "OK", body = Imported),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ImportQuery>,
    body: String,
) -> Result<Json<Imported>, ApiError> {
    let format = q.format.to_ascii_lowercase();
    if !["toml", "json", "csv"].contains(&format.as_str()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "format phải là toml, json hoặc csv",
        )
        .at("format"));
    }
    state
        .run(move |store, _| {
            let mode = if q.update {
                crate::data::Mode::Update
            } else {
                crate::data::Mode::Add
            };
            let r = import_text(store, &caller, &format!("tai-len.{format}"), &body, mode)?;
            Ok(Json(Imported {
                agencies: r.agencies,
                people: r.people,
                groups: r.groups,
                programmes: r.programmes,
                producers: r.producers,
                products: r.products,
                evaluations: r.evaluations,
                certificates: r.certificates,
                milestones: r.milestones,
                summary: r.to_string(),
            }))
        })
        .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    target: Option<String>,
    limit: Option<u32>,
}

/// GET /audit?target=draft:7 (admin)
#[utoipa::path(
    get,
    operation_id = "admin_audit",
    path = "/audit",
    tag = "admin",
    summary = "The audit log, newest first (admin)",
    params(
        AuditQuery,
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
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<super::Events>, ApiError> {
    state
        .run(move |store, _| {
            let events = crate::service::accounts::audit_log(
                store,
                &caller.user,
                q.target.as_deref(),
                q.limit.unwrap_or(200).min(1000),
            )?;
            Ok(Json(super::Events { events }))
        })
        .await
}

/// A signer's signature image stored.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignatureImageSet {
    pub person: String,
    pub signature_image: bool,
}

/// An agency's seal stored, with its diameter.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SealSet {
    pub agency: String,
    pub seal_diameter_mm: f64,
}

/// PUT /people/{id}/signature-image (body: the PNG): the signer's handwritten signature.
#[utoipa::path(
    put,
    operation_id = "admin_signature_image",
    path = "/people/{id}/signature-image",
    tag = "admin",
    summary = "Upload a signer's handwritten signature image (admin): PNG with an alpha channel, at most 1 MB and 3000 px; refused otherwise with nothing stored",
    params(
        ("id" = String, Path),
    ),
    request_body(content(("image/png"))),
    responses(
        (status = 200, description = "Stored", body = SignatureImageSet),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn signature_image(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<SignatureImageSet>, ApiError> {
    state
        .run(move |store, _| {
            crate::service::images::set_signature_image(store, &caller.user, &id, body.to_vec())?;
            Ok(Json(SignatureImageSet {
                person: id,
                signature_image: true,
            }))
        })
        .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SealQuery {
    diameter_mm: f64,
}

/// PUT /agencies/{id}/seal?diameter_mm=36 (body: the PNG): the agency's seal.
#[utoipa::path(
    put,
    operation_id = "admin_seal",
    path = "/agencies/{id}/seal",
    tag = "admin",
    summary = "Upload an agency's seal image (admin) and its real diameter: PNG with an alpha channel, 20–60 mm",
    params(
        SealQuery,
        ("id" = String, Path),
    ),
    request_body(content(("image/png"))),
    responses(
        (status = 200, description = "Stored", body = SealSet),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn seal(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(q): Query<SealQuery>,
    body: axum::body::Bytes,
) -> Result<Json<SealSet>, ApiError> {
    state
        .run(move |store, _| {
            crate::service::images::set_seal(
                store,
                &caller.user,
                &id,
                body.to_vec(),
                q.diameter_mm,
            )?;
            Ok(Json(SealSet {
                agency: id,
                seal_diameter_mm: q.diameter_mm,
            }))
        })
        .await
}
