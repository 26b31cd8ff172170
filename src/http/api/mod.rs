//! The JSON API under `/api/v1`, described by the OpenAPI 3 document it serves at
//! `/api/v1/openapi.json`. One module per resource.

pub mod admin;
pub mod books;
mod compose;
pub mod documents;
pub(crate) mod drafts;
pub mod incoming;
mod milestones;
pub mod reminders;
pub mod session;
pub mod users;
pub mod workflow;

pub use admin::import_text as admin_import;
pub use documents::{SearchQuery, document_file};
pub use milestones::report_date;
pub use users::add as admin_add;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::error::ApiError;

/// The OpenAPI description this API serves, made once from the handlers' annotations
/// and the answer types when the router is built.
static OPENAPI: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Audit rows, newest first (a draft's history, the administrator's log).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Events {
    pub events: Vec<crate::service::audit::Event>,
}

/// The API's router and its OpenAPI document, both made from the same handlers: a route
/// is registered only through `routes!`, which also adds its annotation to the document,
/// so no route can be missing from it.
pub fn router_and_openapi() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    use utoipa_axum::router::UtoipaMethodRouterExt;
    use utoipa_axum::routes;
    OpenApiRouter::with_openapi(<ApiDoc as utoipa::OpenApi>::openapi())
        .routes(routes!(openapi))
        .routes(routes!(session::login, session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::token, session::tokens))
        .routes(routes!(session::revoke_token))
        .routes(routes!(session::change_password))
        .routes(routes!(session::second_factor_begin))
        .routes(routes!(session::second_factor_confirm))
        .routes(routes!(session::second_factor_off))
        .routes(routes!(drafts::templates))
        .routes(routes!(drafts::preview_letter))
        .routes(routes!(drafts::list, drafts::create))
        .routes(routes!(compose::preview))
        .routes(routes!(compose::upload))
        .routes(routes!(compose::pages))
        .routes(routes!(compose::editable))
        .routes(routes!(compose::save_template))
        .routes(routes!(compose::saved_list))
        .routes(routes!(compose::from_saved))
        .routes(routes!(drafts::one, drafts::update))
        .routes(routes!(drafts::preview))
        .routes(routes!(drafts::history))
        .routes(routes!(workflow::submit))
        .routes(routes!(workflow::approve))
        .routes(routes!(workflow::approve_signed))
        .routes(routes!(documents::verify))
        .routes(routes!(workflow::return_draft))
        .routes(routes!(workflow::issue, workflow::issue_state))
        .routes(routes!(workflow::send))
        .routes(routes!(reminders::reminders))
        .routes(routes!(reminders::adopt))
        .routes(routes!(milestones::one))
        .routes(routes!(milestones::report))
        .routes(routes!(documents::search))
        .routes(routes!(documents::one))
        .routes(routes!(documents::pdf))
        .routes(routes!(documents::docx))
        .routes(routes!(documents::deliveries))
        .routes(routes!(books::note, books::save_note))
        .routes(routes!(books::book))
        .routes(routes!(books::postal))
        .routes(routes!(books::paper, books::record_paper))
        .routes(routes!(books::envelopes))
        .routes(routes!(documents::dashboard))
        .routes(
            routes!(incoming::receive, incoming::list)
                .layer(axum::extract::DefaultBodyLimit::max(incoming::UPLOAD_LIMIT)),
        )
        .routes(routes!(incoming::book))
        .routes(routes!(incoming::waiting))
        .routes(routes!(incoming::one))
        .routes(routes!(incoming::pdf))
        .routes(routes!(incoming::confirm))
        .routes(routes!(incoming::assign))
        .routes(routes!(incoming::done))
        .routes(routes!(incoming::copy))
        .routes(routes!(incoming::report))
        .routes(routes!(admin::data))
        .routes(routes!(admin::import))
        .routes(routes!(admin::signature_image))
        .routes(routes!(admin::seal))
        .routes(routes!(users::users, users::add_user))
        .routes(routes!(users::update_user))
        .routes(routes!(users::reset))
        .routes(routes!(users::disable))
        .routes(routes!(users::enable))
        .routes(routes!(admin::audit))
        .split_for_parts()
}

/// The API's router; its OpenAPI document is kept for `GET /openapi.json`.
pub fn router() -> axum::Router<AppState> {
    let (router, api) = router_and_openapi();
    let _ = OPENAPI.set(api.to_pretty_json().unwrap_or_default());
    router.fallback(|| async { ApiError::not_found("không có đường dẫn API này") })
}

#[utoipa::path(
    get,
    operation_id = "openapi",
    path = "/openapi.json",
    tag = "meta",
    summary = "This document",
    responses(
        (status = 200, description = "OK", body = Object),
    ),
    security(()),
)]
async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI.get().map(String::as_str).unwrap_or("{}"),
    )
}

/// The document's parts that belong to no one handler: what the API is, where it is
/// served, how a caller authenticates.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "vanthu API",
        version = "1",
        description = "Văn bản OCOP: soạn từ mẫu, duyệt, ban hành (số từ sổ văn bản), gửi. Xác thực: `Authorization: Bearer <mã API>` (tạo bằng `vanthu user token` hoặc POST /tokens), hoặc cookie phiên đăng nhập kèm tiêu đề `X-CSRF-Token` cho các yêu cầu thay đổi dữ liệu. Lỗi: JSON `{error: {code, message, field, fields}}`."
    ),
    servers((url = "/api/v1")),
    security(("bearer" = []), ("session" = [])),
    modifiers(&Authentication),
    components(
        schemas(
            crate::http::error::ErrorBody,
            crate::http::error::ErrorDetail,
            crate::http::error::FieldProblem
        ),
        responses(crate::http::error::Problem)
    )
)]
struct ApiDoc;

/// The two ways to authenticate: a bearer API token, or the session cookie.
struct Authentication;

impl utoipa::Modify for Authentication {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("vanthu_session"))),
        );
    }
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
