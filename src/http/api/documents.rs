//! The register: search, one document, its files and deliveries; the dashboard.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Id, file};
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::views::DeliveryView;
use crate::service;
use crate::store::register::Entry;
use crate::store::register::{self, Search};

/// The documents a search found.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Documents {
    pub documents: Vec<Entry>,
}

/// The deliveries of one document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Deliveries {
    pub deliveries: Vec<DeliveryView>,
}

/// The query of a register search (the web page uses the same one).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub year: Option<String>,
    pub kind: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub limit: Option<u32>,
}

impl SearchQuery {
    /// The library's search; a year that is not a number is a 400 naming `year`.
    pub fn parse(&self) -> Result<Search, ApiError> {
        let blank = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        let year = match blank(&self.year) {
            None => None,
            Some(y) => Some(y.trim().parse::<i32>().map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_field",
                    format!("năm \"{y}\" không phải số"),
                )
                .at("year")
            })?),
        };
        Ok(Search {
            words: blank(&self.q),
            year,
            kind: blank(&self.kind),
            number: blank(&self.number),
            issuer: blank(&self.issuer),
            issuers: None,
        })
    }
}

/// GET /documents?q=&year=&kind=&number=&issuer=&limit=
#[utoipa::path(
    get,
    operation_id = "documents_search",
    path = "/documents",
    tag = "register",
    summary = "Search the register, newest first",
    params(
        SearchQuery,
    ),
    responses(
        (status = 200, description = "OK", body = Documents),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
    ),
)]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Documents>, ApiError> {
    let search = q.parse()?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    state
        .run(move |store, _| {
            let found = service::documents::search(store, &caller.user, search, limit)?;
            Ok(Json(Documents { documents: found }))
        })
        .await
}

/// GET /documents/{id}
#[utoipa::path(
    get,
    operation_id = "documents_one",
    path = "/documents/{id}",
    tag = "register",
    summary = "One register entry",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = Entry),
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
) -> Result<Json<Entry>, ApiError> {
    state
        .run(move |store, _| {
            let entry = service::documents::entry(store, &caller.user, id)?;
            Ok(Json(entry))
        })
        .await
}

/// The stored PDF or DOCX of an issued document as a download named after its number
/// (`780-UBND-KT-2021.pdf`); the web page's links use it too.
pub fn document_file(
    store: &crate::store::Store,
    user: &crate::service::accounts::User,
    id: i64,
    format: crate::Format,
) -> Result<Response, ApiError> {
    let (e, bytes) = service::documents::file(store, user, id, format)?;
    let stem = format!("{}-{}", e.number_symbol.replace('/', "-"), e.year);
    let content_type = match format {
        crate::Format::Pdf => "application/pdf",
        crate::Format::Docx => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        }
    };
    Ok(file(
        bytes,
        content_type,
        &format!("{stem}.{}", format.extension()),
    ))
}

async fn files(
    state: AppState,
    caller: Caller,
    id: i64,
    format: crate::Format,
) -> Result<Response, ApiError> {
    state
        .run(move |store, _| document_file(store, &caller.user, id, format))
        .await
}

/// GET /documents/{id}/pdf: the stored file, byte for byte as issued.
#[utoipa::path(
    get,
    operation_id = "documents_pdf",
    path = "/documents/{id}/pdf",
    tag = "register",
    summary = "The issued PDF, byte for byte",
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
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    files(state, caller, id, crate::Format::Pdf).await
}

/// GET /documents/{id}/docx
#[utoipa::path(
    get,
    operation_id = "documents_docx",
    path = "/documents/{id}/docx",
    tag = "register",
    summary = "The issued DOCX, byte for byte",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", content(("application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn docx(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    files(state, caller, id, crate::Format::Docx).await
}

/// GET /documents/{id}/deliveries: one row per recipient with its state.
#[utoipa::path(
    get,
    operation_id = "documents_deliveries",
    path = "/documents/{id}/deliveries",
    tag = "register",
    summary = "Delivery state per recipient",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = Deliveries),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Deliveries>, ApiError> {
    state
        .run(move |store, _| {
            let rows = service::documents::deliveries(store, &caller.user, id)?;
            Ok(Json(Deliveries {
                deliveries: rows.iter().map(DeliveryView::from).collect(),
            }))
        })
        .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DateQuery {
    date: Option<String>,
}

/// GET /dashboard?date=2020-10-20 (default today in Vietnam)
#[utoipa::path(
    get,
    operation_id = "documents_dashboard",
    path = "/dashboard",
    tag = "register",
    summary = "Deadlines upcoming and overdue, certificates expiring, failing deliveries",
    params(
        DateQuery,
    ),
    responses(
        (status = 200, description = "OK", body = service::Dashboard),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
    ),
)]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DateQuery>,
) -> Result<Json<service::Dashboard>, ApiError> {
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        None => register::today_vn(),
        Some(d) => service::forms::parse_date(d).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                format!("ngày \"{d}\" không hợp lệ"),
            )
            .at("date")
        })?,
    };
    state
        .run(move |store, _| Ok(Json(service::dashboard(store, &caller.user, date)?)))
        .await
}

/// POST /verify (body: the PDF): every digital signature of the file, whoever made it.
#[utoipa::path(
    post,
    operation_id = "documents_verify",
    path = "/verify",
    tag = "documents",
    summary = "Check every digital signature and document timestamp of a PDF, whoever made it: byte range, CMS signature, changes after signing, certificate path and revocation, in one Vietnamese verdict per signature with a stable code",
    description = "422 with code too_many_revisions or too_many_signatures when the file has more revisions or signatures than verification reads.",
    request_body(content(("application/pdf"))),
    responses(
        (status = 200, description = "The report", body = crate::sign::verify::ReportView),
        (status = 401, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn verify(
    State(state): State<AppState>,
    _caller: Caller,
    body: axum::body::Bytes,
) -> Result<Json<crate::sign::verify::ReportView>, ApiError> {
    state
        .run(move |_, state| {
            let report = crate::service::signatures::check_upload(
                state.renderer(),
                state.keyring().trust(),
                &body,
            )?;
            Ok(Json(report.view()))
        })
        .await
}
