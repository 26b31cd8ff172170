//! Signing in and out, the caller, API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::http::AppState;
use crate::http::auth::{Caller, ClientAddress, session_cookie, set_cookie};
use crate::http::error::{ApiError, Problem};
use crate::http::views::UserView;
use crate::service::accounts;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    login: String,
    password: String,
}

/// The account just signed in, with the form token of its session.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    #[serde(flatten)]
    pub user: UserView,
    pub csrf: String,
}

/// A new API token, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NewTokenView {
    pub token: String,
}

/// The caller's API tokens.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Tokens {
    pub tokens: Vec<accounts::TokenInfo>,
}

/// A password changed; a browser gets the form token of its new session.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PasswordChanged {
    pub changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf: Option<String>,
}

/// POST /session: opens a browser session (cookie) and returns the form token.
#[utoipa::path(
    post,
    operation_id = "session_login",
    path = "/session",
    tag = "session",
    summary = "Sign in (sets the session cookie; returns the CSRF token)",
    request_body(content = inline(Credentials), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = SignedIn),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 422, response = Problem),
        (status = 429, response = Problem),
    ),
    security(()),
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<impl IntoResponse, ApiError> {
    let (user, session) = state
        .run(move |store, _| {
            let signed_in = accounts::sign_in(store, &c.login, &c.password, address.as_deref())?;
            Ok::<_, ApiError>(signed_in)
        })
        .await?;
    let body = SignedIn {
        user: UserView::from(&user),
        csrf: session.csrf,
    };
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(Some(&session.token), state.secure_cookies()),
        )],
        Json(body),
    ))
}

/// DELETE /session: ends the browser session.
#[utoipa::path(
    delete,
    operation_id = "session_logout",
    path = "/session",
    tag = "session",
    summary = "Sign out",
    responses(
        (status = 204, description = "OK"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
    ),
)]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(token) = session_cookie(&headers) {
        state
            .run(move |store, _| Ok::<_, ApiError>(accounts::close_session(store, &token)?))
            .await?;
    }
    tracing::info!(login = %caller.user.login, "logout");
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, set_cookie(None, state.secure_cookies()))],
    ))
}

/// GET /me
#[utoipa::path(
    get,
    operation_id = "session_me",
    path = "/me",
    tag = "session",
    summary = "The caller",
    responses(
        (status = 200, description = "OK", body = UserView),
        (status = 401, response = Problem),
    ),
)]
pub async fn me(caller: Caller) -> Json<UserView> {
    Json(UserView::from(&caller.user))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// One line, at most 80 characters, no control, zero-width or bidi characters.
    #[serde(default)]
    label: String,
}

/// POST /tokens: a new API token for the caller, shown once.
#[utoipa::path(
    post,
    operation_id = "session_token",
    path = "/tokens",
    tag = "session",
    summary = "New API token for the caller (shown once)",
    request_body(content = inline(NewToken), content_type = "application/json"),
    responses(
        (status = 201, description = "OK", body = NewTokenView),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(t): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<NewTokenView>), ApiError> {
    let login = caller.user.login.clone();
    let token = state
        .run(move |store, _| {
            let label = accounts::TokenLabel::parse(&t.label)?;
            Ok::<_, ApiError>(accounts::create_token(store, &login, &label)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(NewTokenView { token })))
}

/// GET /tokens: the caller's API tokens with their last use (never the tokens).
#[utoipa::path(
    get,
    operation_id = "session_tokens",
    path = "/tokens",
    tag = "session",
    summary = "The caller's API tokens with their last use (never the tokens themselves)",
    responses(
        (status = 200, description = "OK", body = Tokens),
        (status = 401, response = Problem),
    ),
)]
pub async fn tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Tokens>, ApiError> {
    state
        .run(move |store, _| {
            Ok(Json(Tokens {
                tokens: accounts::tokens(store, &caller.user)?,
            }))
        })
        .await
}

/// DELETE /tokens/{id}: revokes one of the caller's API tokens.
#[utoipa::path(
    delete,
    operation_id = "session_revoke_token",
    path = "/tokens/{id}",
    tag = "session",
    summary = "Revoke one of the caller's API tokens",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    super::Id(id): super::Id,
) -> Result<StatusCode, ApiError> {
    state
        .run(move |store, _| {
            accounts::revoke_token(store, &caller.user, id)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    old_password: String,
    /// At least 12 characters, not a common password, not the login (NIST SP
    /// 800-63B); no composition rules.
    new_password: String,
    new_password_again: String,
}

/// An account error about a password, with the field named as the change-of-password
/// form and body name it (`new_password`, `new_password_again`).
pub fn new_password_field(mut e: ApiError) -> ApiError {
    e.field = match e.field.as_deref() {
        Some("password") => Some("new_password".into()),
        Some("password_again") => Some("new_password_again".into()),
        _ => e.field,
    };
    e
}

/// POST /account/password {old_password, new_password, new_password_again}: the
/// caller's own password. Every session and token of the account ends; a browser
/// caller gets a new session (cookie and form token) at once.
#[utoipa::path(
    post,
    operation_id = "session_change_password",
    path = "/account/password",
    tag = "session",
    summary = "Change the caller's own password; every session and token of the account ends (a browser caller gets a new session: cookie and csrf)",
    request_body(content = inline(NewPassword), content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = PasswordChanged),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(p): ApiJson<NewPassword>,
) -> Result<impl IntoResponse, ApiError> {
    let browser = caller.csrf.is_some();
    let session = state
        .run(move |store, _| {
            accounts::change_password(
                store,
                &caller.user,
                &p.old_password,
                &p.new_password,
                &p.new_password_again,
            )
            .map_err(ApiError::from)?;
            let user = accounts::by_login(store, &caller.user.login)?;
            Ok::<_, ApiError>(if browser {
                Some(accounts::open_session(store, &user)?)
            } else {
                None
            })
        })
        .await
        .map_err(new_password_field)?;
    let mut headers = axum::http::HeaderMap::new();
    let mut body = PasswordChanged {
        changed: true,
        csrf: None,
    };
    if let Some(s) = session {
        if let Ok(v) = set_cookie(Some(&s.token), state.secure_cookies()).parse() {
            headers.insert(header::SET_COOKIE, v);
        }
        body.csrf = Some(s.csrf);
    }
    Ok((headers, Json(body)))
}

/// POST /account/second-factor: a new TOTP secret for the caller (a signer) to add to
/// an authenticator app; kept once a code from it is confirmed.
#[utoipa::path(
    post,
    operation_id = "session_second_factor_begin",
    path = "/account/second-factor",
    tag = "session",
    summary = "A new TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s) for the calling signer to add to an authenticator app; kept once confirmed",
    responses(
        (status = 200, description = "The secret", body = accounts::second_factor::Enrolment),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
    ),
)]
pub async fn second_factor_begin(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<accounts::second_factor::Enrolment>, ApiError> {
    state
        .run(move |_, _| Ok(Json(accounts::second_factor::begin(&caller.user)?)))
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Enrol {
    secret: String,
    code: String,
}

/// POST /account/second-factor/confirm {secret, code}: keeps the secret once its code is
/// right; from then on consenting to sign asks for a code.
#[utoipa::path(
    post,
    operation_id = "session_second_factor_confirm",
    path = "/account/second-factor/confirm",
    tag = "session",
    summary = "Keep the secret once a code made from it is right; consenting to sign then asks for a code (`code` of approve-signed)",
    request_body(content = inline(Enrol), content_type = "application/json"),
    responses(
        (status = 204, description = "On"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn second_factor_confirm(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(e): ApiJson<Enrol>,
) -> Result<StatusCode, ApiError> {
    state
        .run(move |store, _| {
            accounts::second_factor::confirm(store, &caller.user, &e.secret, &e.code)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnOff {
    password: String,
}

/// POST /account/second-factor/off {password}: turns the second factor off.
#[utoipa::path(
    post,
    operation_id = "session_second_factor_off",
    path = "/account/second-factor/off",
    tag = "session",
    summary = "Turn the second factor off (the account's password confirms it)",
    request_body(content = inline(TurnOff), content_type = "application/json"),
    responses(
        (status = 204, description = "Off"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
    ),
)]
pub async fn second_factor_off(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(t): ApiJson<TurnOff>,
) -> Result<StatusCode, ApiError> {
    state
        .run(move |store, _| {
            accounts::second_factor::turn_off(store, &caller.user, &t.password)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
