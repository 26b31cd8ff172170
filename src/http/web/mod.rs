//! The web pages: server-rendered HTML from the tera templates in `templates/web/`
//! (embedded in the binary), plain forms that work without JavaScript. Every form
//! carries the session's CSRF token; a refusal shows why, in Vietnamese, on the page.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::api::{self, Id};
use super::auth::{Caller, set_cookie};
use super::error::ApiError;
use crate::service::accounts::{self, Action, Role};
use crate::service::drafts::{self, DraftError, State as DraftState};
use crate::service::{self, forms};
use crate::store::register;

mod admin;
mod compose;
mod dashboard;
mod documents;
mod extract;
mod form_pages;
mod incoming;
mod session;
mod workflow;

use admin::*;
use compose::*;
use dashboard::*;
use documents::*;
use extract::*;
use form_pages::*;
use incoming::*;
use session::*;
use workflow::*;

const PAGES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../templates/web/base.html"),
    ),
    (
        "login.html",
        include_str!("../../../templates/web/login.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../../templates/web/dashboard.html"),
    ),
    (
        "drafts.html",
        include_str!("../../../templates/web/drafts.html"),
    ),
    (
        "draft_form.html",
        include_str!("../../../templates/web/draft_form.html"),
    ),
    (
        "saved_form.html",
        include_str!("../../../templates/web/saved_form.html"),
    ),
    (
        "verify.html",
        include_str!("../../../templates/web/verify.html"),
    ),
    (
        "draft.html",
        include_str!("../../../templates/web/draft.html"),
    ),
    (
        "register.html",
        include_str!("../../../templates/web/register.html"),
    ),
    (
        "document.html",
        include_str!("../../../templates/web/document.html"),
    ),
    (
        "data.html",
        include_str!("../../../templates/web/data.html"),
    ),
    (
        "users.html",
        include_str!("../../../templates/web/users.html"),
    ),
    (
        "audit.html",
        include_str!("../../../templates/web/audit.html"),
    ),
    (
        "milestone.html",
        include_str!("../../../templates/web/milestone.html"),
    ),
    (
        "incoming.html",
        include_str!("../../../templates/web/incoming.html"),
    ),
    (
        "incoming_entry.html",
        include_str!("../../../templates/web/incoming_entry.html"),
    ),
    (
        "account.html",
        include_str!("../../../templates/web/account.html"),
    ),
    (
        "error.html",
        include_str!("../../../templates/web/error.html"),
    ),
];

const STYLE: &str = include_str!("../../../templates/web/style.css");

/// The page templates, parsed once.
pub fn pages() -> Result<tera::Tera, tera::Error> {
    let mut t = tera::Tera::default();
    t.add_raw_templates(PAGES.iter().copied())
        .map_err(|e| tera::Error::msg(chain(&e)))?;
    t.autoescape_on(vec![".html"]);
    Ok(t)
}

/// One field of a multipart form: its file name (empty for a plain field) and bytes.
pub(super) struct Part {
    pub file_name: String,
    pub bytes: axum::body::Bytes,
}

impl Part {
    /// The field as trimmed text (a form value).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).trim().to_string()
    }
}

/// What the clerk reads when `what` ("biểu mẫu gửi lên", "tệp tải lên") could not be
/// read: too large, or broken on the way (the framework's English detail goes to the
/// log, not the page).
pub(super) fn unreadable(what: &str, status: StatusCode, detail: &str) -> String {
    tracing::warn!(%status, detail, "a posted form could not be read");
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!("{what} quá lớn; hãy chọn tệp nhỏ hơn hoặc chia thành nhiều tệp")
    } else {
        format!("{what} không đọc được (có thể bị ngắt giữa chừng); hãy tải lại trang rồi gửi lại")
    }
}

/// Every field of a multipart form by name; for an upload that cannot be read, its
/// status and the clerk's message.
pub(super) async fn read_form(
    multipart: &mut Multipart,
) -> Result<BTreeMap<String, Part>, (StatusCode, String)> {
    let broken =
        |status: StatusCode, detail: String| (status, unreadable("tệp tải lên", status, &detail));
    let mut form = BTreeMap::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| broken(e.status(), e.body_text()))?;
                form.insert(name, Part { file_name, bytes });
            }
            Ok(None) => return Ok(form),
            Err(e) => return Err(broken(e.status(), e.body_text())),
        }
    }
}

/// A tera error with its causes (the template line is in the cause).
fn chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/static/style.css", get(style))
        .route("/static/composer.js", get(composer_js))
        .route("/static/serif.ttf", get(serif))
        .route("/drafts", get(drafts_page))
        .route("/drafts/new", get(new_draft).post(create_draft))
        .route("/drafts/preview", post(live_preview))
        .route("/drafts/upload", post(upload_draft))
        .route("/drafts/{id}", get(draft_page))
        .route("/drafts/{id}/edit", get(edit_draft).post(update_draft))
        .route("/drafts/{id}/preview.pdf", get(preview))
        .route("/drafts/{id}/editable", post(make_editable))
        .route("/drafts/{id}/save-template", post(save_template))
        .route("/templates/{id}", get(saved_page).post(create_from_saved))
        .route("/drafts/{id}/{action}", post(draft_action))
        .route("/reminders/{id}/adopt", post(adopt_reminder))
        .route("/milestones/{id}", get(milestone_page).post(record_report))
        .route("/register", get(register_page))
        .route("/register/book", get(register_book))
        .route("/register/postal", get(register_postal))
        .route("/documents/{id}", get(document_page))
        .route("/documents/{id}/note", post(save_note))
        .route("/documents/{id}/paper", post(record_paper))
        .route("/documents/{id}/envelopes", get(envelopes))
        .route("/documents/{id}/{format}", get(download))
        .route(
            "/incoming",
            get(incoming_page)
                .post(incoming_upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    api::incoming::UPLOAD_LIMIT,
                )),
        )
        .route("/incoming/book", get(incoming_book))
        .route("/incoming/{year}/{number}", get(incoming_entry))
        .route("/incoming/{year}/{number}/file", get(incoming_file))
        .route("/incoming/{year}/{number}/{action}", post(incoming_action))
        .route("/data", get(data_page))
        .route("/data/import", post(import))
        .route("/data/images", post(upload_image))
        .route("/verify", get(verify_page).post(verify_upload))
        .route("/admin/users", get(users_page).post(add_user))
        .route("/admin/users/{login}/{action}", post(user_action))
        .route("/admin/audit", get(audit_page))
        .route("/account", get(account_page))
        .route("/account/tokens", post(new_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/password", post(change_password))
        .route("/account/second-factor/{step}", post(second_factor))
}

#[derive(Serialize)]
struct Me<'a> {
    login: &'a str,
    name: &'a str,
    role: &'static str,
    role_label: &'static str,
    may_compose: bool,
    may_approve: bool,
    may_issue: bool,
    may_admin: bool,
    /// An account made before accounts belonged to agencies, not linked yet.
    unlinked: bool,
}

fn me(c: &Caller) -> Me<'_> {
    let r = c.user.role;
    let linked = c.user.scope != accounts::Scope::Unlinked;
    Me {
        login: &c.user.login,
        name: &c.user.name,
        role: r.code(),
        role_label: r.label(),
        may_compose: linked && r.may(Action::Compose),
        may_approve: linked && r.may(Action::Approve),
        may_issue: linked && r.may(Action::Issue),
        may_admin: linked && r.may(Action::Administer),
        unlinked: !linked,
    }
}

/// Renders a page with the caller (if any) and its CSRF token in the context.
fn render(
    state: &AppState,
    caller: Option<&Caller>,
    status: StatusCode,
    name: &str,
    page: impl Serialize,
) -> Response {
    let mut context = match tera::Context::from_serialize(page) {
        Ok(c) => c,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    if let Some(c) = caller {
        context.insert("me", &me(c));
        context.insert("csrf", c.csrf.as_deref().unwrap_or_default());
    }
    match state.inner.pages.render(name, &context) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            let msg = chain(&e);
            tracing::error!(page = name, error = %msg, "page template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("lỗi mẫu trang {name}: {msg}"),
            )
                .into_response()
        }
    }
}

pub(crate) fn error_page(
    state: &AppState,
    caller: Option<&Caller>,
    status: StatusCode,
    message: &str,
) -> Response {
    error_page_back(state, caller, status, message, None)
}

/// The error page, leading back to `back` (href, label) when given.
fn error_page_back(
    state: &AppState,
    caller: Option<&Caller>,
    status: StatusCode,
    message: &str,
    back: Option<(&str, &str)>,
) -> Response {
    #[derive(Serialize)]
    struct Back<'a> {
        href: &'a str,
        label: &'a str,
    }
    #[derive(Serialize)]
    struct ErrorPage<'a> {
        status: u16,
        message: &'a str,
        back: Option<Back<'a>>,
    }
    let back = back.map(|(href, label)| Back { href, label });
    let page = ErrorPage {
        status: status.as_u16(),
        message,
        back,
    };
    render(state, caller, status, "error.html", page)
}

fn fail(state: &AppState, caller: &Caller, e: ApiError) -> Response {
    error_page(state, Some(caller), e.status, &e.message)
}

/// An error met on a page the user came from (a draft, a document): the error page
/// leads back to it, not to the dashboard.
fn fail_back(state: &AppState, caller: &Caller, e: ApiError, href: &str, label: &str) -> Response {
    error_page_back(
        state,
        Some(caller),
        e.status,
        &e.message,
        Some((href, label)),
    )
}

/// What a page says after a form was posted to it: the outcome, the problems (by
/// field, or listed), and the values to show again. What is empty is left out of the
/// page's context, so a template's `is defined` reads as it says.
#[derive(Debug, Default, Serialize)]
pub(super) struct Said {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Field name → its problem.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// The form as posted, shown again next to its errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<BTreeMap<String, String>>,
}

impl Said {
    /// What was done.
    pub fn done(message: impl Into<String>) -> Said {
        Said {
            done: Some(message.into()),
            ..Said::default()
        }
    }

    /// Why nothing was done.
    pub fn error(message: impl Into<String>) -> Said {
        Said {
            error: Some(message.into()),
            ..Said::default()
        }
    }

    /// A field's problem.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Said {
        Said {
            errors: BTreeMap::from([(field.into(), message.into())]),
            ..Said::default()
        }
    }
}

/// The composer's script (toolbar, signers of the issuer, live preview); served from
/// 'self' as the Content-Security-Policy asks.
const COMPOSER_JS: &str = include_str!("../../../templates/web/composer.js");

async fn composer_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        COMPOSER_JS,
    )
}

/// The body's own face (Liberation Serif, shipped, OFL) for the body boxes: a
/// monospace face misplaces Vietnamese tone marks in some browsers ("đê`nghị").
async fn serif() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "font/ttf"),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        crate::render::geometry::SHIPPED_FONTS[0],
    )
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

/// A register entry for a page: the API's entry and its date as a clerk writes it.
#[derive(Serialize)]
struct EntryLine {
    #[serde(flatten)]
    entry: register::Entry,
    /// dd/mm/yyyy
    day: String,
}

impl From<register::Entry> for EntryLine {
    fn from(entry: register::Entry) -> EntryLine {
        let day = crate::model::day_month_year(&entry.date);
        EntryLine { entry, day }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_page_template_is_embedded_and_parses() {
        let pages = super::pages().expect("pages parse");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/web");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".html"))
            .collect();
        files.sort();
        let mut embedded: Vec<String> = pages.get_template_names().map(String::from).collect();
        embedded.sort();
        assert_eq!(files, embedded);
    }
}
