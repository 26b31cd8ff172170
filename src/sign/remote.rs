//! Remote hash signing: a service that holds the signer's key (as VNPT SmartCA, Viettel
//! MySign or the Government cipher authority's service do) signs the digest vanthu sends,
//! once the signer confirms on their phone.
//!
//! The interface vanthu speaks (JSON over HTTPS, `Authorization: Bearer <token>` when the
//! service has a token); a vendor's own API is reached through an adapter that
//! translates these three calls:
//!
//! 1. `GET {url}/certificates/{user}` → `{"certificate": "<base64 DER>", "chain": ["<base64 DER>", …]}`
//! 2. `POST {url}/signatures` with `{"user", "digest_algorithm": "sha256", "digest": "<base64>",
//!    "description"}` → `{"id": "…"}`: the service asks the signer to confirm;
//! 3. `GET {url}/signatures/{id}` → `{"status": "pending"}`, `{"status": "approved",
//!    "signature": "<base64>"}` (PKCS#1 v1.5 for RSA, DER for ECDSA), or
//!    `{"status": "refused" | "expired", "message": "…"}`.
//!
//! vanthu polls (3) every `poll_ms` until `timeout_secs`. Invariants: nothing but the
//! digest leaves the service (not the document); the returned signature is checked
//! against the certificate before it is used, so a service answering garbage is refused;
//! the token is read from the environment and never printed or logged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde::Deserialize;
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::algorithm::{self, KeyKind};
use super::{SignError, Signer};

/// `[[signing.remote]]`: a remote signing service.
///
/// ```toml
/// [[signing.remote]]
/// name = "smartca"
/// url = "https://ky-so.example.vn/api"
/// token_env = "VANTHU_SMARTCA_TOKEN"   # the service's access token, from the environment
/// timeout_secs = 120                   # how long the signer has to confirm
/// poll_ms = 1000
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSetting {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub token_env: Option<String>,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_poll")]
    pub poll_ms: u64,
}

fn default_timeout() -> u64 {
    120
}

fn default_poll() -> u64 {
    1000
}

/// `remote = { … }` of a `[[signing.keys]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteKeySetting {
    /// The `name` of a `[[signing.remote]]` service.
    pub service: String,
    /// The signer's identifier at that service (often their citizen id or phone number).
    pub user: String,
}

/// Told of a wait for the signer's confirmation, with the message for the page.
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// A service and its access token.
struct Client {
    service: ServiceSetting,
    token: Option<String>,
    /// One agent for all the calls of an issue (its connection is reused by the polls).
    agent: ureq::Agent,
}

/// The signer's key at a remote service.
pub struct RemoteKey {
    client: Client,
    user: String,
    kind: KeyKind,
    cert: Certificate,
    chain: Vec<Certificate>,
    progress: Option<Progress>,
}

impl std::fmt::Debug for RemoteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("RemoteKey")
            .field("service", &self.client.service.name)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct CertificateReply {
    certificate: String,
    #[serde(default)]
    chain: Vec<String>,
}

#[derive(Deserialize)]
struct Started {
    id: String,
}

#[derive(Deserialize)]
struct Status {
    status: String,
    #[serde(default)]
    signature: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Whether `url` may carry a token: HTTPS, or plain HTTP to this machine only.
fn allowed(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://127.0.0.1:")
        || lower.starts_with("http://127.0.0.1/")
        || lower.starts_with("http://localhost:")
        || lower.starts_with("http://[::1]:")
}

impl RemoteKey {
    /// Asks `service` for the certificate of `user`. `token` is the service's access token.
    pub fn open(
        service: &ServiceSetting,
        user: &str,
        token: Option<String>,
        progress: Option<Progress>,
    ) -> Result<RemoteKey, SignError> {
        if !allowed(&service.url) {
            return Err(SignError::Remote {
                service: service.name.clone(),
                message: "địa chỉ dịch vụ phải dùng https:// (http chỉ dùng được với 127.0.0.1)"
                    .into(),
            });
        }
        let client = Client {
            service: service.clone(),
            token,
            agent: ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(15)))
                .http_status_as_error(false)
                .build()
                .into(),
        };
        let reply: CertificateReply =
            client.call("GET", &format!("certificates/{}", encode_path(user)), None)?;
        let der = |b64: &str| -> Result<Certificate, SignError> {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| client.garbage("chứng thư số không phải base64"))?;
            Certificate::from_der(&bytes).map_err(|_| client.garbage("chứng thư số không đọc được"))
        };
        let cert = der(&reply.certificate)?;
        let chain = reply
            .chain
            .iter()
            .map(|c| der(c))
            .collect::<Result<Vec<_>, _>>()?;
        let kind = KeyKind::of(&cert).ok_or_else(|| SignError::UnsupportedKey {
            path: format!("{} ({user})", service.name),
        })?;
        Ok(RemoteKey {
            client,
            user: user.to_string(),
            kind,
            cert,
            chain,
            progress,
        })
    }
}

impl Client {
    fn garbage(&self, what: &str) -> SignError {
        SignError::Remote {
            service: self.service.name.clone(),
            message: format!("dịch vụ trả lời không hợp lệ: {what}"),
        }
    }

    /// One JSON call to the service.
    fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, SignError> {
        let url = format!("{}/{path}", self.service.url.trim_end_matches('/'));
        let agent = &self.agent;
        let fail = |message: String| SignError::Remote {
            service: self.service.name.clone(),
            message,
        };
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let response = match (method, body) {
            ("POST", Some(body)) => {
                let mut request = agent.post(&url).header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    request = request.header("Authorization", a);
                }
                request.send(body.to_string().as_bytes())
            }
            _ => {
                let mut request = agent.get(&url);
                if let Some(a) = &auth {
                    request = request.header("Authorization", a);
                }
                request.call()
            }
        };
        let mut response = response.map_err(|e| fail(format!("không kết nối được: {e}")))?;
        let status = response.status();
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .map_err(|e| fail(format!("không đọc được câu trả lời: {e}")))?;
        if status.as_u16() == 401 || status.as_u16() == 403 {
            return Err(fail(
                "dịch vụ từ chối quyền truy cập: kiểm tra mã truy cập (token_env)".into(),
            ));
        }
        if status.as_u16() == 404 && path.starts_with("certificates/") {
            return Err(fail(
                "dịch vụ không có chứng thư số của người ký này".into(),
            ));
        }
        if !status.is_success() {
            return Err(fail(format!("dịch vụ trả lời {status}")));
        }
        serde_json::from_str(&text)
            .map_err(|_| self.garbage("không phải JSON như giao diện quy định"))
    }
}

/// A path segment with what is not unreserved percent-encoded.
fn encode_path(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Signer for RemoteKey {
    fn certificate(&self) -> &Certificate {
        &self.cert
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> AlgorithmIdentifierOwned {
        self.kind.identifier()
    }

    fn sign(&self, data: &[u8], purpose: &str) -> Result<Vec<u8>, SignError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let digest = ring::digest::digest(&ring::digest::SHA256, data);
        let started: Started = self.client.call(
            "POST",
            "signatures",
            Some(serde_json::json!({
                "user": self.user,
                "digest_algorithm": "sha256",
                "digest": b64.encode(digest.as_ref()),
                "description": purpose,
            })),
        )?;
        if let Some(p) = &self.progress {
            p(&format!(
                "chờ xác nhận trên điện thoại: {purpose} (dịch vụ {})",
                self.client.service.name
            ));
        }
        let deadline =
            Instant::now() + Duration::from_secs(self.client.service.timeout_secs.max(1));
        let poll = Duration::from_millis(self.client.service.poll_ms.clamp(50, 10_000));
        let path = format!("signatures/{}", encode_path(&started.id));
        loop {
            let status: Status = self.client.call("GET", &path, None)?;
            match status.status.as_str() {
                "approved" => {
                    let signature = status
                        .signature
                        .and_then(|s| b64.decode(s.trim()).ok())
                        .ok_or_else(|| self.client.garbage("chữ ký không phải base64"))?;
                    if !algorithm::verifies(&self.cert, data, &signature) {
                        return Err(SignError::Mismatch {
                            source_name: format!("dịch vụ ký số {}", self.client.service.name),
                        });
                    }
                    return Ok(signature);
                }
                "refused" => {
                    return Err(SignError::Refused {
                        service: self.client.service.name.clone(),
                        message: status.message.unwrap_or_default(),
                    });
                }
                "expired" => {
                    return Err(SignError::Timeout {
                        service: self.client.service.name.clone(),
                        secs: self.client.service.timeout_secs,
                    });
                }
                "pending" => {}
                _ => return Err(self.client.garbage("trạng thái không rõ")),
            }
            if Instant::now() + poll > deadline {
                return Err(SignError::Timeout {
                    service: self.client.service.name.clone(),
                    secs: self.client.service.timeout_secs,
                });
            }
            std::thread::sleep(poll);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_this_machine_carries_a_token() {
        assert!(allowed("https://ky-so.example.vn/api"));
        assert!(allowed("http://127.0.0.1:8080"));
        assert!(!allowed("http://ky-so.example.vn/api"));
        assert!(!allowed("http://127.0.0.1.evil.example/"));
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_path("0123/45 6"), "0123%2F45%206");
    }
}
