//! `GET /metrics`: the Prometheus text format, for the addresses of `[server]
//! metrics_from` or a caller with `Authorization: Bearer <metrics_token>`; refused to
//! anyone else (403), and absent (404) while neither is configured.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use super::AppState;
use super::auth::ClientAddress;
use crate::config::TrustedProxy;

/// Who may read `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct MetricsAccess {
    pub from: Vec<TrustedProxy>,
    pub token: Option<secrecy::SecretString>,
}

impl MetricsAccess {
    fn enabled(&self) -> bool {
        !self.from.is_empty() || self.token.is_some()
    }

    /// Whether a request from `address` with `headers` may read.
    fn allows(&self, address: Option<&str>, headers: &HeaderMap) -> bool {
        let from_address = address
            .and_then(|a| a.parse::<std::net::IpAddr>().ok())
            .is_some_and(|ip| self.from.iter().any(|n| n.contains(&ip)));
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        // Compared as SHA-256 digests: equal or not, the time says nothing of the token.
        let digest = crate::store::register::sha256_hex;
        let with_token = match (&self.token, bearer) {
            (Some(token), Some(sent)) => {
                digest(token.expose_secret().as_bytes()) == digest(sent.trim().as_bytes())
            }
            _ => false,
        };
        from_address || with_token
    }
}

/// The handler.
pub async fn metrics(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
) -> Response {
    let access = state.live().metrics.clone();
    if !access.enabled() {
        return (StatusCode::NOT_FOUND, "không có trang này").into_response();
    }
    if !access.allows(address.as_deref(), &headers) {
        tracing::warn!(address = ?address, "metrics refused");
        return (
            StatusCode::FORBIDDEN,
            "chỉ các địa chỉ trong [server] metrics_from hoặc người có metrics_token được đọc /metrics",
        )
            .into_response();
    }
    let result = state
        .run(|store, _| {
            crate::service::metrics::text(store, crate::store::time::Stamp::now())
                .map_err(|e| super::error::ApiError::internal(e.to_string()))
        })
        .await;
    match result {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.message).into_response(),
    }
}
