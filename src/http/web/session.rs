//! Signing in and out, and the account page (API tokens).

use super::*;
use crate::http::auth::ClientAddress;

pub(super) async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = state.caller(&headers).await {
        return Redirect::to("/").into_response();
    }
    render(&state, None, StatusCode::OK, "login.html", json!({}))
}

pub(super) async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if !crate::http::auth::same_origin(&headers) {
        tracing::warn!("login form posted from another site: refused");
        return render(
            &state,
            None,
            StatusCode::FORBIDDEN,
            "login.html",
            json!({"error": "biểu mẫu đăng nhập phải gửi từ chính trang đăng nhập của vanthu; hãy mở lại trang đăng nhập"}),
        );
    }
    let login = form.get("login").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let shown = login.clone();
    let result = state
        .run(move |store, _| {
            let user = accounts::authenticate(store, &login, &password, address.as_deref())?;
            Ok::<_, ApiError>(accounts::open_session(store, &user)?)
        })
        .await;
    match result {
        Ok(session) => (
            [(
                header::SET_COOKIE,
                set_cookie(Some(&session.token), state.secure_cookies()),
            )],
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => render(
            &state,
            None,
            e.status,
            "login.html",
            json!({"error": e.message, "login": shown}),
        ),
    }
}

pub(super) async fn logout(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    headers: HeaderMap,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    if let Some(token) = crate::http::auth::session_cookie(&headers) {
        let _ = state
            .run(move |store, _| Ok::<_, ApiError>(accounts::close_session(store, &token)?))
            .await;
    }
    (
        [(header::SET_COOKIE, set_cookie(None, state.secure_cookies()))],
        Redirect::to("/login"),
    )
        .into_response()
}

pub(super) async fn account_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
) -> Response {
    render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "account.html",
        json!({}),
    )
}

/// A new API token for the signed-in user, shown once.
pub(super) async fn new_token(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    let (login, label) = (
        caller.user.login.clone(),
        form.remove("label").unwrap_or_default(),
    );
    match state
        .run(move |store, _| {
            let label = accounts::TokenLabel::parse(&label)?;
            Ok::<_, ApiError>(accounts::create_token(store, &login, &label)?)
        })
        .await
    {
        Ok(token) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "account.html",
            json!({"token": token}),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}
