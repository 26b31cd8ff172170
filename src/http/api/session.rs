//! Signing in and out, the caller, API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

use super::ApiJson;
use crate::http::AppState;
use crate::http::auth::{Caller, ClientAddress, session_cookie, set_cookie};
use crate::http::error::ApiError;
use crate::service::accounts;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    login: String,
    password: String,
}

fn user_json(user: &accounts::User) -> serde_json::Value {
    json!({"login": user.login, "name": user.name, "role": user.role.code()})
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
    let mut body = user_json(&user);
    body["csrf"] = session.csrf.into();
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
pub async fn me(caller: Caller) -> Json<serde_json::Value> {
    Json(user_json(&caller.user))
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
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let login = caller.user.login.clone();
    let token = state
        .run(move |store, _| {
            let label = accounts::TokenLabel::parse(&t.label)?;
            Ok::<_, ApiError>(accounts::create_token(store, &login, &label)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"token": token}))))
}
