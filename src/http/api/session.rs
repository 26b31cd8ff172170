//! Signing in and out, the caller, API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::http::AppState;
use crate::http::auth::{Caller, ClientAddress, session_cookie, set_cookie};
use crate::http::error::ApiError;
use crate::http::views::UserView;
use crate::service::accounts;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    login: String,
    password: String,
}

/// The account just signed in, with the form token of its session.
#[derive(Serialize)]
pub struct SignedIn {
    #[serde(flatten)]
    pub user: UserView,
    pub csrf: String,
}

/// A new API token, shown this once.
#[derive(Serialize)]
pub struct NewTokenView {
    pub token: String,
}

/// The caller's API tokens.
#[derive(Serialize)]
pub struct Tokens {
    pub tokens: Vec<accounts::TokenInfo>,
}

/// A password changed; a browser gets the form token of its new session.
#[derive(Serialize)]
pub struct PasswordChanged {
    pub changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf: Option<String>,
}

/// POST /session: opens a browser session (cookie) and returns the form token.
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<impl IntoResponse, ApiError> {
    let (user, session) = state
        .run(move |store, _| {
            let user = accounts::authenticate(store, &c.login, &c.password, address.as_deref())?;
            let session = accounts::open_session(store, &user)?;
            Ok::<_, ApiError>((user, session))
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
pub async fn me(caller: Caller) -> Json<UserView> {
    Json(UserView::from(&caller.user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[serde(default)]
    label: String,
}

/// POST /tokens: a new API token for the caller, shown once.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    old_password: String,
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
pub async fn second_factor_begin(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<accounts::second_factor::Enrolment>, ApiError> {
    state
        .run(move |_, _| Ok(Json(accounts::second_factor::begin(&caller.user)?)))
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrol {
    secret: String,
    code: String,
}

/// POST /account/second-factor/confirm {secret, code}: keeps the secret once its code is
/// right; from then on consenting to sign asks for a code.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnOff {
    password: String,
}

/// POST /account/second-factor/off {password}: turns the second factor off.
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
