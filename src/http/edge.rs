//! What every response carries and what the framework itself answers.
//!
//! - Security headers on every response: a Content-Security-Policy without inline
//!   script, framing only by the service's own pages (the PDF previews are iframes of
//!   the same origin), `nosniff`, and no referrer sent to other sites.
//! - The rejections axum and tower-http produce before a handler runs (a body too
//!   large, a missing Content-Type, a query string that does not parse, a timeout,
//!   a wrong method) come as English plain text; they are answered again in
//!   Vietnamese: JSON under `/api/`, a page elsewhere. The English detail goes to the
//!   log at debug level only.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;

/// The header that names a request in the log and in its answer.
pub const REQUEST_ID: &str = "x-request-id";

/// Gives every request an id (16 hex digits, made here: one a client sent is
/// replaced, so nothing a client writes reaches the log this way), which the log's
/// request span carries (`request_id`) and the answer returns in `X-Request-Id`: a
/// clerk who reports a problem can quote it.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    use rand_core::RngCore;
    let mut bytes = [0u8; 8];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let value = HeaderValue::from_str(&id).expect("hex digits are a header value");
    request.headers_mut().insert(REQUEST_ID, value.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, value);
    response
}

/// The log's span of one request: its method, path (never the query string, which may
/// carry what a person typed) and id.
pub fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id
    )
}

/// The policy of every page: scripts, styles and frames from this origin only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     frame-ancestors 'self'; form-action 'self'; base-uri 'none'";

/// Limits the rejections speak of, from the server settings.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub body_limit: usize,
    pub timeout_secs: u64,
    /// The limit of an incoming document's upload (`/incoming` paths).
    pub upload_limit: usize,
}

/// The middleware: runs the request, then rewrites framework rejections and adds
/// the security headers.
pub async fn edge(
    State((state, limits)): State<(AppState, Limits)>,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let incoming = request.uri().path().contains("/incoming");
    let method = request.method().clone();
    let mut response = next.run(request).await;
    if is_framework_rejection(&response) {
        let status = response.status();
        let limits = Limits {
            body_limit: if incoming {
                limits.upload_limit.saturating_sub(1024 * 1024)
            } else {
                limits.body_limit
            },
            ..limits
        };
        let message = vietnamese(status, &method, limits);
        let (parts, body) = response.into_parts();
        if tracing::enabled!(tracing::Level::DEBUG) {
            let detail = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            tracing::debug!(status = status.as_u16(), detail = %String::from_utf8_lossy(&detail), "framework rejection");
        }
        response = if api {
            ApiError::new(status, code(status), message).into_response()
        } else {
            super::web::error_page(&state, None, status, &message)
        };
        if let Some(v) = parts.headers.get(header::ALLOW) {
            response.headers_mut().insert(header::ALLOW, v.clone());
        }
    }
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// An error that no handler of ours wrote: ours are JSON or HTML.
fn is_framework_rejection(r: &Response) -> bool {
    let status = r.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    match r.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(t) => t.to_str().is_ok_and(|t| t.starts_with("text/plain")),
    }
}

fn code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "rejected",
    }
}

/// What the clerk reads for a rejection the framework made.
fn vietnamese(status: StatusCode, method: &Method, limits: Limits) -> String {
    match status {
        StatusCode::BAD_REQUEST => "yêu cầu không đọc được: tham số trên địa chỉ (sau dấu ?) hoặc dữ liệu gửi lên sai dạng; hãy kiểm tra tên và giá trị của từng tham số".into(),
        StatusCode::NOT_FOUND => "không có trang hay địa chỉ này".into(),
        StatusCode::METHOD_NOT_ALLOWED => format!("địa chỉ này không nhận phương thức {method}"),
        StatusCode::REQUEST_TIMEOUT => format!(
            "yêu cầu chạy quá {} giây nên đã dừng; hãy thử lại",
            limits.timeout_secs
        ),
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "nội dung gửi lên quá lớn: tối đa {} MB",
            (limits.body_limit / (1024 * 1024)).max(1)
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "thiếu hoặc sai Content-Type: API nhận JSON (Content-Type: application/json), biểu mẫu nhận application/x-www-form-urlencoded hoặc multipart/form-data".into(),
        StatusCode::UNPROCESSABLE_ENTITY => "dữ liệu gửi lên không đúng dạng yêu cầu".into(),
        s if s.is_server_error() => "máy chủ gặp lỗi khi xử lý yêu cầu; hãy thử lại, nếu vẫn lỗi hãy báo quản trị".into(),
        s => format!("yêu cầu bị từ chối (mã {})", s.as_u16()),
    }
}
