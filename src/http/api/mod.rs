//! The JSON API under `/api/v1`, described by the OpenAPI 3 document it serves at
//! `/api/v1/openapi.json`. One module per resource.

pub mod admin;
pub mod books;
mod compose;
pub mod documents;
pub(crate) mod drafts;
mod milestones;
pub mod session;

pub use admin::{add as admin_add, import_text as admin_import};
pub use documents::{SearchQuery, document_file};
pub use milestones::report_date;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;

/// The OpenAPI 3 description of this API (kept beside the code; a test checks that
/// every route here is in it).
pub const OPENAPI: &str = include_str!("openapi.json");

/// Audit rows, newest first (a draft's history, the administrator's log).
#[derive(serde::Serialize)]
pub struct Events {
    pub events: Vec<crate::service::audit::Event>,
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", post(session::login).delete(session::logout))
        .route("/me", get(session::me))
        .route("/tokens", post(session::token).get(session::tokens))
        .route("/tokens/{id}", axum::routing::delete(session::revoke_token))
        .route("/account/password", post(session::change_password))
        .route("/account/second-factor", post(session::second_factor_begin))
        .route(
            "/account/second-factor/confirm",
            post(session::second_factor_confirm),
        )
        .route(
            "/account/second-factor/off",
            post(session::second_factor_off),
        )
        .route("/templates", get(drafts::templates))
        .route("/preview", post(drafts::preview_letter))
        .route("/drafts", get(drafts::list).post(drafts::create))
        .route("/drafts/preview", post(compose::preview))
        .route("/drafts/upload", post(compose::upload))
        .route("/drafts/{id}/pages", get(compose::pages))
        .route("/drafts/{id}/editable", post(compose::editable))
        .route("/drafts/{id}/save-template", post(compose::save_template))
        .route("/saved-templates", get(compose::saved_list))
        .route("/saved-templates/{id}/drafts", post(compose::from_saved))
        .route("/drafts/{id}", get(drafts::one).put(drafts::update))
        .route("/drafts/{id}/preview.pdf", get(drafts::preview))
        .route("/drafts/{id}/history", get(drafts::history))
        .route("/drafts/{id}/submit", post(drafts::submit))
        .route("/drafts/{id}/approve", post(drafts::approve))
        .route("/drafts/{id}/approve-signed", post(drafts::approve_signed))
        .route("/verify", post(documents::verify))
        .route("/drafts/{id}/return", post(drafts::return_draft))
        .route(
            "/drafts/{id}/issue",
            post(drafts::issue).get(drafts::issue_state),
        )
        .route("/drafts/{id}/send", post(drafts::send))
        .route("/reminders", get(drafts::reminders))
        .route("/reminders/{id}/adopt", post(drafts::adopt))
        .route("/milestones/{id}", get(milestones::one))
        .route("/milestones/{id}/reports", post(milestones::report))
        .route("/documents", get(documents::search))
        .route("/documents/{id}", get(documents::one))
        .route("/documents/{id}/pdf", get(documents::pdf))
        .route("/documents/{id}/docx", get(documents::docx))
        .route("/documents/{id}/deliveries", get(documents::deliveries))
        .route(
            "/documents/{id}/note",
            get(books::note).put(books::save_note),
        )
        .route("/register/book", get(books::book))
        .route("/register/postal", get(books::postal))
        .route(
            "/documents/{id}/paper",
            get(books::paper).post(books::record_paper),
        )
        .route("/documents/{id}/envelopes", get(books::envelopes))
        .route("/dashboard", get(documents::dashboard))
        .route("/data", get(admin::data))
        .route("/import", post(admin::import))
        .route("/people/{id}/signature-image", put(admin::signature_image))
        .route("/agencies/{id}/seal", put(admin::seal))
        .route("/users", get(admin::users).post(admin::add_user))
        .route("/users/{login}", put(admin::update_user))
        .route("/users/{login}/reset", post(admin::reset))
        .route("/users/{login}/disable", post(admin::disable))
        .route("/users/{login}/enable", post(admin::enable))
        .route("/audit", get(admin::audit))
        .fallback(|| async { ApiError::not_found("không có đường dẫn API này") })
}

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// A JSON body whose problems are answered as [`ApiError`]s: 400 bad JSON, 415 not
/// JSON, 413 too large, 422 the wrong shape (with serde's field path).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| {
                let t = t.split(';').next().unwrap_or("").trim();
                t == "application/json" || t.ends_with("+json")
            });
        if !json_type {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "hãy gửi JSON (Content-Type: application/json)",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(r.status(), "too_large", "nội dung gửi lên quá lớn")
                } else {
                    ApiError::new(
                        r.status(),
                        "bad_body",
                        "không đọc hết được nội dung gửi lên",
                    )
                }
            })?;
        serde_json::from_slice::<T>(&bytes)
            .map(ApiJson)
            .map_err(json_problem)
    }
}

/// A JSON body that does not parse or does not fit, said in Vietnamese with where.
fn json_problem(e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let at = format!("dòng {}, cột {}", e.line(), e.column());
    let detail = e.to_string();
    let detail = detail.split(" at line ").next().unwrap_or("");
    let (status, code, message) = match e.classify() {
        Category::Eof => (
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("nội dung JSON không đọc được: thiếu phần cuối ({at})"),
        ),
        Category::Syntax | Category::Io if detail.contains("recursion limit") => (
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("nội dung JSON lồng nhau quá sâu ({at})"),
        ),
        Category::Syntax | Category::Io => (
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("nội dung JSON không đọc được: sai cú pháp ở {at}"),
        ),
        Category::Data => {
            let what = if let Some(f) = detail.strip_prefix("missing field ") {
                format!("thiếu trường {}", f.replace('`', "\""))
            } else if let Some(f) = detail.strip_prefix("unknown field ") {
                let name = f.split(',').next().unwrap_or(f);
                format!("không có trường {}", name.replace('`', "\""))
            } else if detail.starts_with("invalid type") || detail.starts_with("invalid value") {
                "một giá trị sai kiểu (chuỗi, số hay danh sách)".to_string()
            } else {
                "không đúng dạng yêu cầu".to_string()
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("nội dung JSON {what} ({at})"),
            )
        }
    };
    ApiError::new(status, code, message)
}

/// A numeric id in the path; anything else is 404 (no such thing), never 500.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found("không có mục này"))?;
        raw.parse()
            .map(Id)
            .map_err(|_| ApiError::not_found(format!("mã \"{raw}\" không phải số")))
    }
}

/// A file download.
pub fn file(bytes: Vec<u8>, content_type: &'static str, name: &str) -> axum::response::Response {
    let disposition = format!(
        "inline; filename=\"{}\"",
        name.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
            "_"
        )
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
