//! What a page handler takes from a request and how it fails: the signed-in user
//! ([`WebUser`]), a posted form whose CSRF token checks out ([`Posted`], [`Uploaded`]),
//! and [`WebResult`], whose error is the error page.
//!
//! Invariant: a handler that changes anything takes [`Posted`] or [`Uploaded`], so the
//! session's CSRF token is checked in exactly one place before the handler runs.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};

use super::*;

/// A page's answer: the page, or the error page to show instead.
pub(super) type WebResult = Result<Response, PageError>;

/// The error page, already rendered for its caller (boxed: a response is large).
pub(super) struct PageError(Box<Response>);

impl From<Response> for PageError {
    fn from(page: Response) -> PageError {
        PageError(Box::new(page))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// Turns a library or service error into the error page of the caller.
pub(super) trait OrPage<T> {
    /// The error page for an error, leading back to the dashboard.
    fn or_page(self, state: &AppState, caller: &Caller) -> Result<T, PageError>;
    /// The error page for an error, leading back to `href` (a draft, a document).
    fn or_page_back(
        self,
        state: &AppState,
        caller: &Caller,
        href: &str,
        label: &str,
    ) -> Result<T, PageError>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn or_page(self, state: &AppState, caller: &Caller) -> Result<T, PageError> {
        self.map_err(|e| fail(state, caller, e.into()).into())
    }

    fn or_page_back(
        self,
        state: &AppState,
        caller: &Caller,
        href: &str,
        label: &str,
    ) -> Result<T, PageError> {
        self.map_err(|e| fail_back(state, caller, e.into(), href, label).into())
    }
}

/// A signed-in browser user; anyone else is sent to the login page.
pub struct WebUser(pub Caller);

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match state.caller(&parts.headers).await {
            // After an administrator's reset, a new password comes first.
            Ok(Some(c))
                if c.user.must_change_password
                    && !["/account", "/account/password", "/logout"]
                        .contains(&parts.uri.path()) =>
            {
                Err(Redirect::to("/account").into_response())
            }
            Ok(Some(c)) if c.csrf.is_some() => Ok(WebUser(c)),
            Ok(_) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(error_page(state, None, e.status, &e.message)),
        }
    }
}

/// The signed-in user of a request (as [`WebUser`]), and the request to read the body of.
async fn signed_in(req: Request, state: &AppState) -> Result<(Caller, Request), Response> {
    let (mut parts, body) = req.into_parts();
    let WebUser(caller) = WebUser::from_request_parts(&mut parts, state).await?;
    Ok((caller, Request::from_parts(parts, body)))
}

/// A form (`application/x-www-form-urlencoded`) posted by a signed-in user, its CSRF
/// token checked and taken out. A name sent more than once keeps every value, one a
/// line ([`joined`]).
pub(super) struct Posted {
    pub caller: Caller,
    pub form: BTreeMap<String, String>,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (caller, req) = signed_in(req, state).await?;
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|e| {
                let message = unreadable("biểu mẫu gửi lên", e.status(), &e.body_text());
                error_page(state, Some(&caller), e.status(), &message)
            })?;
        let mut form = joined(pairs);
        let sent = form.remove("csrf");
        caller
            .check_csrf(sent.as_deref())
            .map_err(|e| fail(state, &caller, e))?;
        Ok(Posted { caller, form })
    }
}

/// A multipart form (an upload) posted by a signed-in user. When it could be read, its
/// CSRF token is checked (and taken out) before the handler runs; when it could not,
/// the handler gets the status and the clerk's message to show on its own page
/// (nothing was read, so nothing can change).
pub(super) struct Uploaded {
    pub caller: Caller,
    pub parts: Result<BTreeMap<String, Part>, (StatusCode, String)>,
}

impl FromRequest<AppState> for Uploaded {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (caller, req) = signed_in(req, state).await?;
        let mut multipart = Multipart::from_request(req, state).await.map_err(|e| {
            let message = unreadable("tệp tải lên", e.status(), &e.body_text());
            error_page(state, Some(&caller), e.status(), &message)
        })?;
        let mut parts = read_form(&mut multipart).await;
        if let Ok(fields) = &mut parts {
            let sent = fields.remove("csrf").map(|p| p.text());
            caller
                .check_csrf(sent.as_deref())
                .map_err(|e| fail(state, &caller, e))?;
        }
        Ok(Uploaded { caller, parts })
    }
}
