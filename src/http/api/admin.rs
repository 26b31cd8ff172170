//! Admin: programme data import, users, the audit log.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::ApiJson;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldProblem};
use crate::service::accounts::{self, Action, Login, Password, Role};
use crate::service::{audit, drafts};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataQuery {
    limit: Option<u32>,
}

/// GET /data?limit=100: the programme data held, table by table (anyone signed in).
pub async fn data(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<DataQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = q.limit.unwrap_or(100).min(10_000);
    state
        .run(move |store, _| {
            Ok(Json(
                json!({ "tables": crate::service::data_tables(store, limit)? }),
            ))
        })
        .await
}

#[derive(Deserialize)]
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
    drafts::authorize(store, &caller.user, Action::Administer, "data:import")?;
    match crate::data::import_text(store, std::path::Path::new(name), text, mode) {
        Ok(report) => {
            audit::record(
                store.conn(),
                Some(&caller.user),
                "import",
                &format!("data:{name}"),
                audit::Outcome::Ok,
                &report.to_string().replace('\n', "; "),
            )?;
            Ok(report)
        }
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

/// POST /import?format=toml|json|csv with the file as the body.
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ImportQuery>,
    body: String,
) -> Result<Json<serde_json::Value>, ApiError> {
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
            Ok(Json(json!({
                "agencies": r.agencies, "people": r.people, "groups": r.groups,
                "programmes": r.programmes, "producers": r.producers, "products": r.products,
                "evaluations": r.evaluations, "certificates": r.certificates,
                "milestones": r.milestones, "summary": r.to_string(),
            })))
        })
        .await
}

/// GET /users (admin)
pub async fn users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .run(move |store, _| {
            drafts::authorize(store, &caller.user, Action::Administer, "users")?;
            let users: Vec<_> = accounts::users(store)?
                .iter()
                .map(|u| json!({"login": u.login, "name": u.name, "role": u.role.code()}))
                .collect();
            Ok(Json(json!({ "users": users })))
        })
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    login: String,
    name: String,
    role: String,
    password: String,
}

/// The user a form or body asks for, added by an admin.
pub fn add(
    store: &mut crate::store::Store,
    caller: &Caller,
    login: &str,
    name: &str,
    role: &str,
    password: &str,
) -> Result<accounts::User, ApiError> {
    drafts::authorize(store, &caller.user, Action::Administer, "users")?;
    let login = Login::parse(login)?;
    let role = Role::parse(role)?;
    let password = Password::parse(password)?;
    Ok(accounts::add_user(
        store,
        Some(&caller.user),
        &login,
        name,
        role,
        &password,
    )?)
}

/// POST /users {login, name, role, password} (admin)
pub async fn add_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(u): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    state
        .run(move |store, _| {
            let user = add(store, &caller, &u.login, &u.name, &u.role, &u.password)?;
            Ok((
                StatusCode::CREATED,
                Json(json!({"login": user.login, "name": user.name, "role": user.role.code()})),
            ))
        })
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    target: Option<String>,
    limit: Option<u32>,
}

/// GET /audit?target=draft:7 (admin)
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .run(move |store, _| {
            drafts::authorize(store, &caller.user, Action::Administer, "audit")?;
            let events = audit::list(store, q.target.as_deref(), q.limit.unwrap_or(200).min(1000))?;
            Ok(Json(json!({ "events": events })))
        })
        .await
}

/// PUT /people/{id}/signature-image (body: the PNG): the signer's handwritten signature.
pub async fn signature_image(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .run(move |store, _| {
            crate::service::images::set_signature_image(store, &caller.user, &id, body.to_vec())?;
            Ok(Json(
                serde_json::json!({"person": id, "signature_image": true}),
            ))
        })
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealQuery {
    diameter_mm: f64,
}

/// PUT /agencies/{id}/seal?diameter_mm=36 (body: the PNG): the agency's seal.
pub async fn seal(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(q): Query<SealQuery>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .run(move |store, _| {
            crate::service::images::set_seal(
                store,
                &caller.user,
                &id,
                body.to_vec(),
                q.diameter_mm,
            )?;
            Ok(Json(
                serde_json::json!({"agency": id, "seal_diameter_mm": q.diameter_mm}),
            ))
        })
        .await
}
