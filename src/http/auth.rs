//! Who is calling: a browser session (cookie `vanthu_session`, HttpOnly,
//! SameSite=Strict, Secure behind TLS) or an API token (`Authorization: Bearer vt_…`).
//!
//! CSRF: every state-changing request made with the session cookie must carry the
//! session's form token, as the `csrf` form field (web pages) or the `X-CSRF-Token`
//! header (API called from the page). Token callers carry no cookie, so no CSRF.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};

use super::AppState;
use super::error::ApiError;
use crate::service::accounts::{self, User};

/// The address of the client that sent a request: the socket's peer, or behind a
/// trusted proxy the address it forwarded (see [`client_ip`]); None when the service
/// was started without connection information (`vanthu serve` has it). Login lockout
/// and the audit log use it.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(found) = parts.extensions.get::<ClientAddress>() {
            return Ok(found.clone());
        }
        Ok(ClientAddress(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
        ))
    }
}

/// The client's address of a request whose socket peer is `peer`. Only a trusted
/// proxy's `X-Forwarded-For` is believed: read from its right end (each proxy appends
/// the address it received the request from), every trusted proxy is skipped and the
/// first other address is the client. Anything before it was written by the client
/// and is ignored, as is the whole header from a peer that is not a trusted proxy; an
/// entry that is not an address ends the walk at the last proxy.
pub fn client_ip(
    peer: std::net::IpAddr,
    forwarded_for: &[&str],
    trusted: &[crate::config::TrustedProxy],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|t| t.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let entries = forwarded_for
        .iter()
        .rev()
        .flat_map(|header| header.rsplit(','));
    for entry in entries {
        let Ok(ip) = entry.trim().parse::<std::net::IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// The middleware that finds each request's [`ClientAddress`] once, with the
/// configured trusted proxies.
pub async fn client_address(
    axum::extract::State(state): axum::extract::State<super::AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(peer) = peer {
        let headers: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = client_ip(peer, &headers, &state.live().trusted_proxies);
        request
            .extensions_mut()
            .insert(ClientAddress(Some(ip.to_string())));
    }
    next.run(request).await
}

/// Whether a form POST without a session (the login form) comes from this service's own
/// page: a browser names the page's origin in `Origin` (or `Referer`) and a cross-site
/// request in `Sec-Fetch-Site`; a request naming another origin is refused, so no other
/// site can sign a visitor in as someone else (login CSRF). A client that sends none of
/// them (a script, not a browser) is let through: it has no victim's browser to use.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site").is_some_and(|s| s == "cross-site" || s == "same-site") {
        return false;
    }
    let Some(host) = get("host") else {
        return false;
    };
    let origin_host = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest).to_string())
    };
    match (get("origin"), get("referer")) {
        (Some("null"), _) => false,
        (Some(origin), _) => origin_host(origin).as_deref() == Some(host),
        (None, Some(referer)) => origin_host(referer).as_deref() == Some(host),
        (None, None) => true,
    }
}

/// The session cookie's name.
pub const COOKIE: &str = "vanthu_session";

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// The session's form token; None for API-token callers.
    pub csrf: Option<String>,
}

impl Caller {
    /// Checks a form's `csrf` field against the session.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), ApiError> {
        match &self.csrf {
            None => Ok(()),
            Some(expected) if sent == Some(expected.as_str()) => Ok(()),
            Some(_) => {
                tracing::warn!(login = %self.user.login, "CSRF token missing or wrong");
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "thiếu hoặc sai mã chống giả mạo (CSRF); hãy tải lại trang rồi thử lại",
                ))
            }
        }
    }
}

/// The value of the session cookie, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The Set-Cookie value that opens (or, with `None`, ends) a session.
pub fn set_cookie(token: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(t) => format!(
            "{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            accounts::SESSION.as_secs()
        ),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

impl AppState {
    pub fn secure_cookies(&self) -> bool {
        self.live().secure_cookies
    }

    /// The caller of a request, if signed in.
    pub async fn caller(&self, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let cookie = session_cookie(headers);
        if bearer.is_none() && cookie.is_none() {
            return Ok(None);
        }
        self.run(move |store, _| {
            if let Some(token) = bearer {
                return Ok(
                    accounts::token_user(store, &token)?.map(|user| Caller { user, csrf: None })
                );
            }
            let token = cookie.expect("checked above");
            Ok(
                accounts::session_user(store, &token)?.map(|(user, csrf)| Caller {
                    user,
                    csrf: Some(csrf),
                }),
            )
        })
        .await
    }
}

/// The API's caller: 401 without credentials; for cookie callers, unsafe methods need
/// the `X-CSRF-Token` header.
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = state
            .caller(&parts.headers)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            caller.check_csrf(sent)?;
        }
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use crate::config::TrustedProxy;

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxys_forwarded_address_is_believed() {
        let trusted = [
            TrustedProxy::parse("127.0.0.2").unwrap(),
            TrustedProxy::parse("10.0.0.0/8").unwrap(),
        ];
        // Straight from a client: its header is its own claim.
        assert_eq!(
            client_ip(ip("203.0.113.5"), &["198.51.100.7"], &trusted),
            ip("203.0.113.5")
        );
        // Through the proxy: the address the proxy appended, not the client's claim.
        assert_eq!(
            client_ip(ip("127.0.0.2"), &["198.51.100.7, 203.0.113.5"], &trusted),
            ip("203.0.113.5")
        );
        // Through two trusted proxies (a load balancer, then nginx), over two headers.
        assert_eq!(
            client_ip(ip("127.0.0.2"), &["203.0.113.5", "10.1.2.3"], &trusted),
            ip("203.0.113.5")
        );
        // No header, or garbage where the proxy's entry should be: the proxy itself.
        assert_eq!(client_ip(ip("127.0.0.2"), &[], &trusted), ip("127.0.0.2"));
        assert_eq!(
            client_ip(ip("127.0.0.2"), &["unknown"], &trusted),
            ip("127.0.0.2")
        );
        assert_eq!(
            client_ip(ip("127.0.0.2"), &["2001:db8::1, 10.0.0.9"], &trusted),
            ip("2001:db8::1")
        );
        // Nothing trusted: the peer, whatever the header says.
        assert_eq!(
            client_ip(ip("127.0.0.2"), &["198.51.100.7"], &[]),
            ip("127.0.0.2")
        );
        assert!(TrustedProxy::parse("10.0.0.0/33").is_err());
        assert!(
            TrustedProxy::parse("proxy.local")
                .unwrap_err()
                .contains("không phải địa chỉ IP")
        );
    }
}
