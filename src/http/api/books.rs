//! The register's books: the Sổ đăng ký văn bản đi as PDF or XLSX, and the clerk's
//! notes on a document's row.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Id, file};
use crate::books::notes::NoteInput;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::service;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookQuery {
    pub issuer: String,
    pub year: String,
    /// `pdf` (default) or `xlsx`.
    pub format: Option<String>,
}

impl BookQuery {
    /// (issuer, year, xlsx?), or a 400 naming the field.
    pub fn parse(&self) -> Result<(String, i32, bool), ApiError> {
        let bad = |field: &str, message: String| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", message).at(field)
        };
        let year = self
            .year
            .trim()
            .parse::<i32>()
            .map_err(|_| bad("year", format!("năm \"{}\" không phải số", self.year)))?;
        let xlsx = match self.format.as_deref().unwrap_or("pdf") {
            "pdf" | "" => false,
            "xlsx" => true,
            other => {
                return Err(bad(
                    "format",
                    format!("định dạng \"{other}\" không có; hãy chọn pdf hoặc xlsx"),
                ));
            }
        };
        Ok((self.issuer.trim().to_string(), year, xlsx))
    }
}

/// The book as a download.
pub fn book_response(
    store: &crate::store::Store,
    renderer: &crate::Renderer,
    q: &BookQuery,
) -> Result<Response, ApiError> {
    let (issuer, year, xlsx) = q.parse()?;
    let (bytes, name) = service::books::book_file(store, renderer, &issuer, year, xlsx)?;
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "application/pdf"
    };
    Ok(file(bytes, content_type, &name))
}

/// GET /register/book?issuer=&year=&format=pdf|xlsx
pub async fn book(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<BookQuery>,
) -> Result<Response, ApiError> {
    state
        .run(move |store, state| book_response(store, state.renderer(), &q))
        .await
}

/// GET /documents/{id}/note: the document's row of the register book.
pub async fn note(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id,
) -> Result<Json<crate::books::OutgoingRow>, ApiError> {
    state
        .run(move |store, _| Ok(Json(service::books::row(store, id)?)))
        .await
}

/// PUT /documents/{id}/note (clerk): archive, copies, sent_on, note; blank clears.
pub async fn save_note(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Json(input): Json<NoteInput>,
) -> Result<Json<crate::books::OutgoingRow>, ApiError> {
    state
        .run(move |store, _| {
            Ok(Json(service::books::save_note(
                store,
                &caller.user,
                id,
                &input,
            )?))
        })
        .await
}
